"""Export stage: cusdoc's Typst writer, from the pandoc AST of the rendered document.

pandoc reads the Markdown once (export/ast.py); this writer turns its AST into Typst markup for
the layout of templates/typst/convention.typ, which it follows. Every character of the text that
Typst would read as markup is escaped: only this module writes Typst code. Every table is a call
of the template's `tableau()` with its caption and source, which that function keeps together;
a table without a caption is no figure there, so that only captioned tables are numbered, as in
the DOCX. An element the templates never write is refused, not guessed at.
"""

import re
from collections.abc import Iterable

from cusdoc.errors import ToolError
from cusdoc.export.ast import SHORT_CELL, SHORT_ROWS, TALL_CELL, Node, is_div, tableau_parts

# A source line that follows no table (a table's own source goes into its `tableau()` call).
SOURCE_LINE = '#block(above: 0.4em)[#set text(size: 8.5pt, style: "italic")'
TYPST_ALIGN = {"AlignLeft": "left", "AlignRight": "right", "AlignCenter": "center"}

# Characters that are markup anywhere in Typst text; « ( » because it would call a function
# right after one, « / » because « // » and « /* » open comments and « https:// » a link; and a
# hyphen that Typst would set as a dash, a soft hyphen or a minus sign (« -- », « -? », « -1 »).
SPECIAL = re.compile(r"[\\#$*_`<>@\[\]~\"'(/]|-(?=[-?\d])")
# Characters that are markup at the start of a line (lists, headings, terms).
LINE_START = set("-+=")
# A no-break space is Typst's « ~ » (written after the escapes: a typed « ~ » is escaped).
# Typographic quotes and apostrophes are written as they are (a straight one is escaped: Typst
# would choose the quote, or a prime after a digit).
NBSP = "\u00a0"
INLINE_STYLES = {
    "Emph": "emph",
    "Strong": "strong",
    "Superscript": "super",
    "Subscript": "sub",
    "Underline": "underline",
    "Strikeout": "strike",
    "SmallCaps": "smallcaps",
}


class Markup(str):
    """Typst markup already escaped; `code` when it ends with a code expression, which a « . »
    or a « ; » right after would continue."""

    code = False


def code(text: str) -> Markup:
    out = Markup(text)
    out.code = True
    return out


def escape(text: str) -> str:
    return SPECIAL.sub(lambda match: "\\" + match[0], text).replace(NBSP, "~")


def string(text: str) -> str:
    """A Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def line_start(text: str) -> str:
    """Text placed at the start of a line or of a content block: no list, heading or term."""
    head = text.split(" ", 1)[0]
    if text[:1] in LINE_START or (head[:-1].isdigit() and head.endswith(".")):
        return "\\" + text
    return text


def join(pieces: Iterable[Markup | str]) -> str:
    """Inline pieces one after the other; a code expression ended where text would extend it."""
    out: list[str] = []
    after_code = False
    for piece in pieces:
        if after_code and piece[:1] in (".", ";", "[", "("):
            out.append(";")
        out.append(piece)
        after_code = getattr(piece, "code", False)
    return "".join(out)


def inlines(nodes: list[Node]) -> str:
    return join(inline(node) for node in nodes)


def inline(node: Node) -> str:
    kind, content = node["t"], node.get("c")
    if kind == "Str":
        return escape(content)
    if kind in ("Space", "SoftBreak"):
        return " "
    if kind == "LineBreak":
        return "\\\n"
    if kind in INLINE_STYLES:
        return code(f"#{INLINE_STYLES[kind]}[{inlines(content)}]")
    if kind == "Link":
        _, text, (target, _) = content
        where = f"<{target[1:]}>" if target.startswith("#") else string(target)
        return code(f"#link({where})[{inlines(text)}]")
    if kind == "Note":
        return code(f"#footnote[{blocks(content).strip()}]")
    if kind == "Span":
        return inlines(content[1])
    if kind == "Quoted":  # Typst's smart quotes, set in the document's language
        mark = "'" if content[0]["t"] == "SingleQuote" else '"'
        return mark + inlines(content[1]) + mark
    if kind == "Image":
        return code(f"#box({image(content)})")
    if kind == "Code":  # text set in a fixed font, as written: a string, never markup
        return code(f"#raw({string(content[1])})")
    raise ToolError(f"élément de texte « {kind} » inattendu dans le document rendu pour le PDF")


def image(content: list) -> str:
    attributes, _, (source, _) = content
    width = dict(attributes[2]).get("width")
    size = f", width: {float(width[:-1])}%" if width and width.endswith("%") else ""
    return f"image({string(source)}{size})"


def paragraph(nodes: list[Node]) -> str:
    return line_start(inlines(nodes))


def blocks(nodes: list[Node]) -> str:
    """Blocks separated by blank lines; a table takes the source line that follows it."""
    out, i = [], 0
    while i < len(nodes):
        node, after = nodes[i], nodes[i + 1] if i + 1 < len(nodes) else None
        source = after["c"][1] if is_div(after, "source") else None
        if node["t"] == "Table" or is_div(node, "tableau"):
            out.append(tableau(node, source))
            i += 2 if source is not None else 1
            continue
        out.append(block(node))
        i += 1
    return "\n\n".join(part for part in out if part)


def block(node: Node) -> str:
    kind, content = node["t"], node.get("c")
    if kind in ("Para", "Plain"):
        return paragraph(content)
    if kind == "Header":
        level, (identifier, _, _), text = content
        label = f"\n<{identifier}>" if identifier else ""
        return "=" * level + " " + inlines(text) + label
    if kind == "BulletList":
        return items("-", content)
    if kind == "OrderedList":
        (start, _, _), entries = content
        listed = items("+", entries)
        return listed if start == 1 else f"#set enum(start: {start})\n{listed}"
    if kind == "Div":
        if is_div(node, "source"):
            return f"{SOURCE_LINE}\n{blocks(content[1])}\n]"
        if is_div(node, "signatures"):
            return signatures(content[1][0]["c"])
        if is_div(node, "saut-de-page"):
            return "#pagebreak()"
        return blocks(content[1])
    if kind == "Figure":
        _, (_, caption), body = content
        found = [n["c"] for b in body for n in b["c"] if n["t"] == "Image"]
        if len(found) != 1:
            raise ToolError("une figure du document rendu doit contenir une seule image")
        return f"#figure({image(found[0])},\n  caption: [{blocks(caption).strip()}]\n)"
    if kind == "HorizontalRule":
        return "#horizontalrule"
    if kind == "BlockQuote":
        return f"#quote(block: true)[{blocks(content)}]"
    raise ToolError(f"bloc « {kind} » inattendu dans le document rendu pour le PDF")


def items(marker: str, entries: list[list[Node]]) -> str:
    """List items; a loose list (paragraphs) keeps blank lines between its items."""
    loose = any(entry and entry[0]["t"] == "Para" for entry in entries)
    written = []
    for entry in entries:
        text = blocks(entry).replace("\n", "\n  ")
        written.append(f"{marker} {text}")
    return ("\n\n" if loose else "\n").join(written)


def content_block(nodes: list[Node]) -> str:
    return "[" + blocks(nodes).strip() + "]"


def signatures(entries: list[list[Node]]) -> str:
    """Signature blocks two by two, with room to sign between title and name."""
    out = ["#grid(columns: (1fr, 1fr), column-gutter: 1.5cm, row-gutter: 1.2cm,"]
    for entry in entries:
        parts = [block(b) for b in entry[:-1]] + ["#v(2.2cm)", block(entry[-1])]
        out.append("block(breakable: false)[\n" + "\n\n".join(parts) + "\n],")
    out.append(")")
    return "\n".join(out)


def plain_length(nodes) -> int:
    """The number of characters a reader sees in blocks or inlines (for the keeping rules)."""
    if isinstance(nodes, list):
        return sum(plain_length(n) for n in nodes)
    if not isinstance(nodes, dict):
        return 0
    kind = nodes["t"]
    if kind == "Str":
        return len(nodes["c"])
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return 1
    if kind == "Note":
        return 0
    return plain_length(nodes.get("c"))


def table_parts(node: Node) -> tuple[list, list[list], list[str], list[str]]:
    """A table (a pipe table of the templates, or a `tableau` div): caption blocks, rows of
    cells (header first, each cell a list of blocks), column widths and alignments in Typst."""
    if node["t"] == "Div":
        caption, rows, specs = tableau_parts(node)
        widths = [f"{width * 100:.3f}%" for _, width in specs]
        aligns = [TYPST_ALIGN.get(align, "left") for align, _ in specs]
        return caption, rows, widths, aligns
    _, (_, caption), colspecs, (_, head), bodies, _ = node["c"]
    widths = [
        f"{width['c'] * 100:.3f}%" if width["t"] == "ColWidth" else "auto" for _, width in colspecs
    ]
    aligns = [TYPST_ALIGN.get(align["t"], "left") for align, _ in colspecs]
    rows = [[c[4] for c in r[1]] for r in head[:1]]
    if not rows:
        rows = [[]]
    for body in bodies:
        rows += [[c[4] for c in r[1]] for r in body[3]]
    return caption, rows, widths, aligns


def tableau(node: Node, source: list | None) -> str:
    caption, rows, widths, aligns = table_parts(node)
    header, body = rows[0], rows[1:]
    row_longest = [max(map(plain_length, r), default=0) for r in body]
    longest = max(row_longest, default=0)

    def row(cells: list, tall: bool) -> str:
        prefix = "table.cell(breakable: true)" if tall else ""
        return "(" + " ".join(f"{prefix}{content_block(c)}," for c in cells) + ")"

    written = [row(r, n > TALL_CELL) for r, n in zip(body, row_longest, strict=True)]
    args = [
        f"columns: ({', '.join(widths)},)",
        f"aligns: ({', '.join(aligns)},)",
        f"header: {row(header, False) if header else '()'}",
        "rows: (" + ",\n    ".join(written) + (",)" if written else ")"),
        f"court: {'true' if len(body) <= SHORT_ROWS and longest <= SHORT_CELL else 'false'}",
    ]
    if caption:
        args.append(f"caption: {content_block(caption)}")
    if source is not None:
        args.append(f"source: {content_block(source)}")
    return "#tableau(\n  " + ",\n  ".join(args) + ",\n)"


def metadata(value: Node | None) -> str:
    """A metadata field of the front matter, as content."""
    if value is None:
        return "none"
    if value["t"] == "MetaInlines":
        return "[" + inlines(value["c"]) + "]"
    if value["t"] == "MetaString":
        return "[" + escape(value["c"]) + "]"
    if value["t"] == "MetaBlocks":
        return content_block(value["c"])
    raise ToolError(f"métadonnée « {value['t']} » inattendue dans le document rendu")


META = ("title", "subtitle", "organisme", "description", "periode", "date", "extrait")


def source(document: dict, template: str, keywords: tuple[str, ...] = ()) -> str:
    """The whole Typst source: the document's metadata as `meta`, the layout, the body."""
    meta = document["meta"]
    fields = [f"  {name}: {metadata(meta.get(name))}," for name in META]
    fields.append(f"  keywords: ({''.join(string(k) + ', ' for k in keywords)}),")
    head = "#let meta = (\n" + "\n".join(fields) + "\n)\n"
    return head + template + "\n" + blocks(document["blocks"]) + "\n"
