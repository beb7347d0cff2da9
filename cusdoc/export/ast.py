"""Export stage: the rendered Markdown read once by pandoc, into its AST (pandoc's JSON).

Both deliverables start from this one reading: the DOCX is pandoc's writer on the AST finished
here (`for_docx`, then `joined`), the PDF is cusdoc's own Typst writer on the same AST
(export/typst.py). The templates (templates/blocs.md.j2) write four block conventions, which
pandoc reads as divs:

    ::: {.tableau largeurs="3,1,1" alignements="g,d,d"}   a caption paragraph, then a bullet
                                                          list of rows (each a list of cells)
    ::: {.source}                                         the source line under a table
    ::: {.signatures}                                     a bullet list of signature blocks
    ::: {.saut-de-page}                                   a page break

Nodes are pandoc's JSON as it is (pandoc-types 1.23): {"t": "Para", "c": [...]}.
"""

import importlib.util
import json
import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from itertools import pairwise
from pathlib import Path

from cusdoc.errors import ToolError

# How both writers keep a table on the page. A table stays whole when it has at most SHORT_ROWS
# rows and no cell longer than SHORT_CELL characters; only a row holding a cell longer than
# TALL_CELL characters may break across pages (such a cell fills about two thirds of a page in
# a third of its width).
SHORT_ROWS, SHORT_CELL = 25, 150
TALL_CELL = 1500

Node = dict
NO_ATTR = ["", [], []]
ALIGN = {"g": "AlignLeft", "d": "AlignRight", "c": "AlignCenter"}
# Room to sign in the DOCX, between the signatory's title and name: four empty paragraphs.
ROOM = {"t": "RawBlock", "c": ["openxml", "<w:p/>" * 4]}
# And between one row of blocks and the next, so that a name does not read as the next title.
GAP = {"t": "RawBlock", "c": ["openxml", "<w:p/>" * 2]}
PAGE_BREAK = {"t": "RawBlock", "c": ["openxml", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>']}


# pandoc's runtime reserves 64 MB of heap at start (its -H64m): the pages it touches cost more
# system time than the garbage collections a 16 MB one adds, for an extract as for the convention.
RTS = ("+RTS", "-H16m", "-RTS")


@cache
def pandoc_path() -> str:
    """The pandoc bundled with pypandoc-binary, found in the package's files without importing
    pypandoc (it asks each candidate its version: a tenth of a second); pypandoc's own search
    otherwise."""
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec and spec.submodule_search_locations) or ():
        for name in ("pandoc", "pandoc.exe"):
            if (path := Path(folder) / "files" / name).is_file():
                return str(path)
    import pypandoc

    return pypandoc.get_pandoc_path()


def pandoc(text: str, to: str, args: list[str], epoch: int, source: str = "markdown") -> bytes:
    """Run the pandoc bundled with pypandoc-binary; its output is bytes on stdout."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    command = [pandoc_path(), *RTS, f"--from={source}", f"--to={to}", "--output=-"]
    command += args
    try:
        result = subprocess.run(
            command, input=text.encode("utf-8"), capture_output=True, env=env, check=False
        )
    except OSError as e:
        raise ToolError(
            f"pandoc n'a pas pu être lancé ({e.strerror}) : relancez make convention"
        ) from e
    if result.returncode != 0:
        raise ToolError(
            f"pandoc a échoué ({to}) : {result.stderr.decode(errors='replace').strip()}"
        )
    return result.stdout


# pandoc's Markdown without the extensions the templates never use: it reads a fifth faster, and
# nothing in a document can become raw HTML, TeX or OpenXML, a code block or another table.
UNUSED = (
    "raw_html raw_tex raw_attribute native_divs native_spans tex_math_dollars citations emoji "
    "example_lists definition_lists line_blocks grid_tables multiline_tables simple_tables "
    "abbreviations task_lists backtick_code_blocks fenced_code_blocks fenced_code_attributes "
    "inline_code_attributes strikeout subscript pandoc_title_block"
)
READER = "markdown" + "".join(f"-{extension}" for extension in UNUSED.split())


# Where a block starts after a blank line: a heading; a paragraph that starts with a word (no
# list marker: no « . » or « ) » in it), with emphasis or a table (no caption, no indented line,
# no list); a fence, which opens a div when attributes follow it, closes one otherwise.
BOUND = re.compile(
    r"(?<=\n\n)(?P<heading>#+ )"
    r"|(?<=\n\n)(?=[^\W\d_][^\s.)]*\s|\*\S|\|)"
    r"|^:::+(?P<attributes>.*)$",
    re.MULTILINE,
)


def blocks(markdown: str) -> Iterator[tuple[int, int, bool]]:
    """(start, heading level or 0, whether it opens a div) of each block outside any div that
    reads alone as it reads in the whole: where the Markdown may be cut for pandoc.

    Nothing the templates write is read across blocks: identifiers are explicit, notes inline,
    links to an identifier."""
    depth = 0
    for match in BOUND.finditer(markdown):
        if match["attributes"] is None:  # a heading, a paragraph or a table
            if depth == 0:
                yield match.start(), len(match["heading"] or " ") - 1, False
        elif match["attributes"].strip():  # a div opens
            if depth == 0:
                yield match.start(), 0, True
            depth += 1
        else:
            depth -= 1


def read(markdown: str, epoch: int, readers: int = 1) -> dict:
    """The pandoc document of the rendered Markdown, read by up to `readers` pandoc processes
    at once (pandoc's reader uses one core), each a run of chapters.

    Nothing the templates write is read across chapters: identifiers are explicit, notes
    inline, links to an identifier. The blocks of the pieces, end to end, are those of the
    whole document; its metadata is at the start of the first.
    """
    pieces = chapters(markdown, readers)
    if len(pieces) == 1:
        return _read(markdown, epoch)
    with ThreadPoolExecutor(len(pieces)) as pool:
        documents = list(pool.map(partial(_read, epoch=epoch), pieces))
    return {**documents[0], "blocks": [block for d in documents for block in d["blocks"]]}


def _read(markdown: str, epoch: int) -> dict:
    return json.loads(pandoc(markdown, "json", [], epoch, source=READER))


def chapters(markdown: str, count: int) -> list[str]:
    """The Markdown cut before chapters outside any div, in at most count pieces of about the
    same length."""
    if count < 2:
        return [markdown]
    starts = [start for start, level, _ in blocks(markdown) if level == 1]
    if not starts:
        return [markdown]
    share = len(markdown) / count
    cuts = {min(starts, key=lambda start: abs(start - share * k)) for k in range(1, count)}
    bounds = [0, *sorted(cuts), len(markdown)]
    return [markdown[a:b] for a, b in pairwise(bounds) if b > a]


def write(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def classes(node: Node) -> list[str]:
    return node["c"][0][1] if node["t"] == "Div" else []


def attribute(node: Node, name: str) -> str | None:
    return dict(node["c"][0][2]).get(name)


def is_div(node: Node | None, name: str) -> bool:
    return node is not None and node["t"] == "Div" and name in classes(node)


def cell(blocks: list) -> list:
    return [NO_ATTR, {"t": "AlignDefault"}, 1, 1, blocks]


def row(cells: list[list]) -> list:
    return [NO_ATTR, [cell(blocks) for blocks in cells]]


def table(caption: list, specs: list, head: list, body: list, attr=NO_ATTR) -> Node:
    return {
        "t": "Table",
        "c": [
            attr,
            [None, caption],
            specs,
            [NO_ATTR, head],
            [[NO_ATTR, 0, [], body]],
            [NO_ATTR, []],
        ],
    }


def tableau_parts(div: Node) -> tuple[list, list[list[list]], list[tuple[str, float]]]:
    """A `tableau` div: its caption blocks, its rows (header first) of cells (lists of blocks),
    and each column's alignment and share of the width."""
    caption, rows = [], []
    for block in div["c"][1]:
        if block["t"] == "BulletList":
            rows = [item[0]["c"] for item in block["c"]]
        else:
            caption = [block]
    columns = len(rows[0])
    widths = [float(w) for w in (attribute(div, "largeurs") or "").split(",") if w]
    aligns = [a for a in (attribute(div, "alignements") or "").split(",") if a]
    widths += [1.0] * (columns - len(widths))
    total = sum(widths[:columns])
    specs = [
        (ALIGN.get(aligns[i] if i < len(aligns) else "g", "AlignLeft"), widths[i] / total)
        for i in range(columns)
    ]
    return caption, rows, specs


def tableau(div: Node) -> Node:
    caption, rows, specs = tableau_parts(div)
    colspecs = [[{"t": align}, {"t": "ColWidth", "c": width}] for align, width in specs]
    return table(caption, colspecs, [row(rows[0])], [row(r) for r in rows[1:]])


def signatures(div: Node) -> Node:
    """Signature blocks two by two in a table of the « Signatures » style, with room to sign."""
    items = [[*item[:-1], ROOM, item[-1], GAP] for item in div["c"][1][0]["c"]]
    pairs = [items[i : i + 2] for i in range(0, len(items), 2)]
    rows = [row(pair if len(pair) == 2 else [*pair, []]) for pair in pairs]
    half = [{"t": "AlignDefault"}, {"t": "ColWidth", "c": 0.5}]
    return table([], [half, half], [], rows, ["", [], [["custom-style", "Signatures"]]])


def docx_blocks(blocks: list[Node]) -> list[Node]:
    return [docx_block(block) for block in blocks]


def docx_block(block: Node) -> Node:
    """A block for pandoc's DOCX writer, the blocks inside it first. Only divs, lists and quotes
    hold blocks of the templates (a note, a pipe table's cell or a caption holds text): the
    walk goes no further, and what it leaves unchanged is shared with the AST it reads."""
    kind = block["t"]
    if kind == "Div":
        attr, inner = block["c"]
        return docx_div({"t": kind, "c": [attr, docx_blocks(inner)]})
    if kind == "BulletList":
        return {"t": kind, "c": [docx_blocks(item) for item in block["c"]]}
    if kind == "OrderedList":
        attributes, items = block["c"]
        return {"t": kind, "c": [attributes, [docx_blocks(item) for item in items]]}
    if kind == "BlockQuote":
        return {"t": kind, "c": docx_blocks(block["c"])}
    return block


def docx_div(div: Node) -> Node:
    if is_div(div, "tableau"):
        return tableau(div)
    if is_div(div, "signatures"):
        return signatures(div)
    if is_div(div, "saut-de-page"):
        return PAGE_BREAK
    if is_div(div, "source"):
        identifier, names, attributes = div["c"][0]
        return {
            "t": "Div",
            "c": [[identifier, names, [*attributes, ["custom-style", "Source"]]], div["c"][1]],
        }
    return div


def for_docx(document: dict) -> dict:
    """The AST that pandoc's DOCX writer receives: the templates' divs as Word tables, source
    lines in their style, page breaks as OpenXML."""
    return {**document, "blocks": docx_blocks(document["blocks"])}


def joined(document: dict) -> dict:
    """The document with each run of words and single spaces as one Str, as pandoc's DOCX
    writer joins them before it writes a run (its convertSpace, on every list of inlines): the
    same DOCX from a JSON less than half as long, which pandoc reads a third faster. A copy:
    the Typst writer reads the same AST meanwhile. (Tracked changes compare the words apart.)"""
    return {**document, "blocks": joined_blocks(document["blocks"])}


def joined_blocks(blocks: list[Node]) -> list[Node]:
    return [joined_block(block) for block in blocks]


def joined_block(block: Node) -> Node:
    kind, content = block["t"], block.get("c")
    if kind in ("Para", "Plain"):
        return {"t": kind, "c": joined_inlines(content)}
    if kind == "Header":
        level, attr, text = content
        return {"t": kind, "c": [level, attr, joined_inlines(text)]}
    if kind == "Div":
        attr, inner = content
        return {"t": kind, "c": [attr, joined_blocks(inner)]}
    if kind == "BulletList":
        return {"t": kind, "c": [joined_blocks(item) for item in content]}
    if kind == "OrderedList":
        attributes, items = content
        return {"t": kind, "c": [attributes, [joined_blocks(item) for item in items]]}
    if kind == "BlockQuote":
        return {"t": kind, "c": joined_blocks(content)}
    if kind == "Table":
        attr, (short, caption), specs, (head_attr, head), bodies, (foot_attr, foot) = content
        head = [head_attr, joined_rows(head)]
        bodies = [[a, columns, joined_rows(h), joined_rows(r)] for a, columns, h, r in bodies]
        foot = [foot_attr, joined_rows(foot)]
        return {"t": kind, "c": [attr, [short, joined_blocks(caption)], specs, head, bodies, foot]}
    if kind == "Figure":
        attr, (short, caption), body = content
        return {"t": kind, "c": [attr, [short, joined_blocks(caption)], joined_blocks(body)]}
    return block


def joined_rows(rows: list) -> list:
    return [[attr, [[*cell[:4], joined_blocks(cell[4])] for cell in cells]] for attr, cells in rows]


# Inlines that hold inlines: as their whole content, or second in it.
STYLES = {"Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"}
SECOND = {"Quoted", "Cite", "Span", "Link", "Image"}


def joined_inlines(inlines: list[Node]) -> list[Node]:
    out: list[Node] = []
    for node in map(joined_inline, inlines):
        if node["t"] != "Str" or not out:
            out.append(node)
        elif out[-1]["t"] == "Str":
            out[-1] = {"t": "Str", "c": out[-1]["c"] + node["c"]}
        elif out[-1]["t"] == "Space" and len(out) > 1 and out[-2]["t"] == "Str":
            out.pop()
            out[-1] = {"t": "Str", "c": out[-1]["c"] + " " + node["c"]}
        else:
            out.append(node)
    return out


def joined_inline(node: Node) -> Node:
    kind = node["t"]
    if kind in STYLES:
        return {"t": kind, "c": joined_inlines(node["c"])}
    if kind in SECOND:
        first, text, *rest = node["c"]
        return {"t": kind, "c": [first, joined_inlines(text), *rest]}
    if kind == "Note":
        return {"t": kind, "c": joined_blocks(node["c"])}
    return node
