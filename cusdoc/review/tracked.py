"""Tracked changes: the new version of the convention as a DOCX whose differences with the old
one are Word revisions (w:ins, w:del), accepted or rejected in Word and LibreOffice.

Both versions are rendered to pandoc's AST; blocks are aligned, and inside a paragraph, heading
or list item the words that differ are wrapped in pandoc's `insertion` and `deletion` spans,
which its DOCX writer turns into revisions authored by the commit's author at its date.

Tables are compared row by row and cell by cell: a changed cell holds the old words struck and
the new ones inserted, a removed row stays in the table struck through, an added row is
inserted; both are also marked as a deleted or inserted row, so that accepting or rejecting
the revisions leaves no empty row. Tables whose columns differ are replaced whole: the old one
struck through, then the new one inserted.
"""

import difflib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from cusdoc.git import author_and_date, checkout

TEXT_BLOCKS = ("Para", "Plain", "Header")
LISTS = ("BulletList", "OrderedList")


def _key(node) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False)


def _span(kind: str, inlines: list, author: str, date: str) -> dict:
    attributes = [["author", author], ["date", date]]
    return {"t": "Span", "c": [["", [kind], attributes], inlines]}


def _aligned(old: list, new: list, keys: list[Callable]) -> Iterator[tuple]:
    """The items of two lists in order, as pairs (a, b); a or b is None for one removed or added.

    Items equal under the first key are paired; where they differ, the next key aligns them,
    and with no key left, the items at the same place are paired.
    """
    key, *rest = keys
    matcher = difflib.SequenceMatcher(
        None, [key(x) for x in old], [key(y) for y in new], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        before, after = old[i1:i2], new[j1:j2]
        if tag != "equal" and rest:
            yield from _aligned(before, after, rest)
            continue
        paired = min(len(before), len(after))
        yield from zip(before[:paired], after[:paired], strict=True)
        yield from ((a, None) for a in before[paired:])
        yield from ((None, b) for b in after[paired:])


def diff_inlines(before: list, after: list, author: str, date: str) -> list:
    """The new inlines, with what was removed and added wrapped in revision spans."""
    out = []
    keys_before, keys_after = [_key(n) for n in before], [_key(n) for n in after]
    matcher = difflib.SequenceMatcher(None, keys_before, keys_after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += after[j1:j2]
            continue
        if i2 > i1:
            out.append(_span("deletion", before[i1:i2], author, date))
        if j2 > j1:
            out.append(_span("insertion", after[j1:j2], author, date))
    return out


def _inlines(block: dict) -> list:
    return block["c"][2] if block["t"] == "Header" else block["c"]


def _with_inlines(block: dict, inlines: list) -> dict:
    if block["t"] == "Header":
        return {"t": "Header", "c": [block["c"][0], block["c"][1], inlines]}
    return {"t": block["t"], "c": inlines}


def _items(block: dict) -> list:
    return block["c"] if block["t"] == "BulletList" else block["c"][1]


def _with_items(block: dict, items: list) -> dict:
    if block["t"] == "BulletList":
        return {"t": "BulletList", "c": items}
    return {"t": "OrderedList", "c": [block["c"][0], items]}


def _kind(block: dict) -> str:
    """What a block is, to pair it with its counterpart: tables by their number of columns."""
    if block["t"] == "Div":
        return _key(["Div", block["c"][0][1]])
    if block["t"] == "Table":
        return _key(["Table", len(block["c"][2])])
    return block["t"]


def _whole(block: dict, kind: str, author: str, date: str) -> list:
    """A block added or removed, all its words in `kind` spans.

    Blocks without words (raw blocks, rules) are kept when added and dropped when removed.
    """
    t = block["t"]
    if t == "Header" and kind == "deletion":  # its id may now be another heading's
        level, (_, classes, attributes), inlines = block["c"]
        block = {"t": "Header", "c": [level, ["", classes, attributes], inlines]}
    if t in TEXT_BLOCKS:
        inlines = _inlines(block)
        return [_with_inlines(block, [_span(kind, inlines, author, date)] if inlines else [])]
    if t in LISTS:
        items = [_whole_blocks(item, kind, author, date) for item in _items(block)]
        return [_with_items(block, items)]
    if t == "Div":
        return [
            {"t": "Div", "c": [block["c"][0], _whole_blocks(block["c"][1], kind, author, date)]}
        ]
    if t == "BlockQuote":
        return [{"t": "BlockQuote", "c": _whole_blocks(block["c"], kind, author, date)}]
    if t == "Table":
        attr, caption, specs, head, bodies, foot = block["c"]

        def rows(rows: list) -> list:
            return [_whole_row(row, kind, author, date) for row in rows]

        return [
            {
                "t": "Table",
                "c": [
                    attr,
                    [caption[0], _whole_blocks(caption[1], kind, author, date)],
                    specs,
                    [head[0], rows(head[1])],
                    [[b[0], b[1], rows(b[2]), rows(b[3])] for b in bodies],
                    [foot[0], rows(foot[1])],
                ],
            }
        ]
    return [block] if kind == "insertion" else []


def _whole_blocks(blocks: list, kind: str, author: str, date: str) -> list:
    return [out for block in blocks for out in _whole(block, kind, author, date)]


def _whole_row(row: list, kind: str, author: str, date: str) -> list:
    """A table row added or removed: every cell's words in `kind` spans, the row of class `kind`."""
    cells = [[*cell[:4], _whole_blocks(cell[4], kind, author, date)] for cell in row[1]]
    attr = row[0]  # its class tells which w:tr to mark as a whole (see _mark_rows)
    return [[attr[0], [*attr[1], kind], attr[2]], cells]


def diff_blocks(before: list, after: list, author: str, date: str) -> list:
    """The new blocks, with what differs from the old ones as revision spans."""
    out = []
    for a, b in _aligned(before, after, [_key, _kind]):
        if a is None:
            out += _whole(b, "insertion", author, date)
        elif b is None:
            out += _whole(a, "deletion", author, date)
        elif a == b:
            out.append(b)
        else:
            out += _pair(a, b, author, date)
    return out


def _pair(a: dict, b: dict, author: str, date: str) -> list:
    """Two blocks at the same place: compare their words, or what they hold."""
    if a["t"] == b["t"] and a["t"] in TEXT_BLOCKS:
        return [_with_inlines(b, diff_inlines(_inlines(a), _inlines(b), author, date))]
    if a["t"] == b["t"] and a["t"] in LISTS:
        items_a, items_b = _items(a), _items(b)
        if len(items_a) == len(items_b):
            items = [diff_blocks(x, y, author, date) for x, y in zip(items_a, items_b, strict=True)]
            return [_with_items(b, items)]
    if a["t"] == b["t"] == "Div":
        return [{"t": "Div", "c": [b["c"][0], diff_blocks(a["c"][1], b["c"][1], author, date)]}]
    if a["t"] == b["t"] == "Table":
        table = _diff_table(a, b, author, date)
        if table is not None:
            return [table]
    return [*_whole(a, "deletion", author, date), *_whole(b, "insertion", author, date)]


def _table_rows(table: dict) -> list:
    _, _, _, head, bodies, foot = table["c"]
    return [*head[1], *(row for body in bodies for row in (*body[2], *body[3])), *foot[1]]


def _spanned(table: dict) -> bool:
    return any(cell[2] != 1 or cell[3] != 1 for row in _table_rows(table) for cell in row[1])


def _row_shape(row: list) -> list:
    return [(cell[2], cell[3]) for cell in row[1]]


def _diff_table(a: dict, b: dict, author: str, date: str) -> dict | None:
    """The new table with its changes cell by cell, or None when the two differ in shape."""
    _, caption_a, specs_a, head_a, bodies_a, foot_a = a["c"]
    attr, caption_b, specs_b, head_b, bodies_b, foot_b = b["c"]
    if len(specs_a) != len(specs_b) or len(bodies_a) != len(bodies_b):
        return None
    sections_a = [head_a[1], *(part for body in bodies_a for part in body[2:]), foot_a[1]]
    sections_b = [head_b[1], *(part for body in bodies_b for part in body[2:]), foot_b[1]]
    spanned = _spanned(a) or _spanned(b)
    if spanned and [[_row_shape(r) for r in s] for s in sections_a] != [
        [_row_shape(r) for r in s] for s in sections_b
    ]:
        return None  # merged cells: only compared when the grids are the same

    def rows(before: list, after: list) -> list:
        return _diff_rows(before, after, spanned, author, date)

    caption = [caption_b[0], diff_blocks(caption_a[1], caption_b[1], author, date)]
    head = [head_b[0], rows(head_a[1], head_b[1])]
    bodies = [
        [y[0], y[1], rows(x[2], y[2]), rows(x[3], y[3])]
        for x, y in zip(bodies_a, bodies_b, strict=True)
    ]
    foot = [foot_b[0], rows(foot_a[1], foot_b[1])]
    return {"t": "Table", "c": [attr, caption, specs_b, head, bodies, foot]}


def _share_a_cell(x: list, y: list) -> bool:
    """Two rows with a cell in common at the same place: one changed, not one replaced."""
    return any(a[4] and a[4] == b[4] for a, b in zip(x[1], y[1], strict=False))


def _diff_rows(before: list, after: list, spanned: bool, author: str, date: str) -> list:
    """Rows aligned on their content, then on their first cell (a line's label), then on their
    place; the cells of paired rows compared one by one, if the rows share a cell. Rows removed
    stay struck through, rows added are inserted."""

    def content(row: list) -> str:
        return _key([cell[4] for cell in row[1]])

    def label(row: list) -> str:
        return _key(row[1][0][4] if row[1] else [])

    # With merged cells, rows stay where they are: the grids are the same.
    keys = [lambda row: ""] if spanned else [content, label]
    out = []
    for x, y in _aligned(before, after, keys):
        if y is None:
            out.append(_whole_row(x, "deletion", author, date))
        elif x is None:
            out.append(_whole_row(y, "insertion", author, date))
        elif _row_shape(x) == _row_shape(y) and (spanned or _share_a_cell(x, y)):
            cells = [
                [*cell_b[:4], diff_blocks(cell_a[4], cell_b[4], author, date)]
                for cell_a, cell_b in zip(x[1], y[1], strict=True)
            ]
            out.append([y[0], cells])
        else:
            out += [
                _whole_row(x, "deletion", author, date),
                _whole_row(y, "insertion", author, date),
            ]
    return out


def tracked_docx(root: Path, base: str, head: str) -> bytes:
    """The DOCX of `head` with its differences from `base` as tracked changes."""
    from cusdoc.export import ast
    from cusdoc.export.convert import Templates, finish
    from cusdoc.pipeline import document, source_date_epoch
    from cusdoc.render import render_markdown
    from cusdoc.review.diff import checked_at

    def parsed(folder: Path, revision: str):
        convention = document(checked_at(folder, revision))
        templates = Templates.of(folder)
        markdown = render_markdown(convention, templates.root)
        return convention, templates, ast.for_docx(ast.read(markdown, 0))

    # Each version is rendered with its own templates, while its checkout exists.
    with checkout(root, base) as folder:
        _, _, before = parsed(folder, base)
    author, date = author_and_date(root, head)
    epoch = source_date_epoch(root)
    with checkout(root, head) as folder:
        convention, templates, after = parsed(folder, head)
        after["blocks"] = diff_blocks(before["blocks"], after["blocks"], author, date)
        raw = ast.pandoc(
            ast.write(after),
            "docx",
            [f"--reference-doc={templates.reference_docx}", "--toc", "--toc-depth=2"],
            epoch,
            source="json",
        )
    marks = _row_marks(after["blocks"])
    return _finish_revisions(finish(raw, convention, epoch), marks, author, date)


def _row_marks(node, out: list | None = None) -> list[list[str | None]]:
    """For each table of the body, in document order, each row's mark: deletion, insertion or
    None. Footnotes are skipped: their tables are not in word/document.xml."""
    out = [] if out is None else out
    if isinstance(node, list):
        for child in node:
            _row_marks(child, out)
    elif isinstance(node, dict) and node.get("t") != "Note":
        if node.get("t") == "Table":
            marks = []
            for row in _table_rows(node):
                classes = row[0][1]
                marks.append(next((c for c in classes if c in ("deletion", "insertion")), None))
            out.append(marks)
        _row_marks(node.get("c"), out)
    return out


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REVISED_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
ROW_REVISION = {"deletion": f"{W}del", "insertion": f"{W}ins"}


def _finish_revisions(
    data: bytes, row_marks: list[list[str | None]], author: str, date: str
) -> bytes:
    """Rows added or removed marked as such (w:trPr/w:ins, w:del), so that accepting or rejecting
    leaves no empty row; and each revision its own id (pandoc gives all the same, Word wants
    each its own)."""
    from lxml import etree

    ids = iter(range(100_000, 10**9))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in REVISED_PARTS:
                tree = etree.fromstring(content)
                if info.filename == "word/document.xml":
                    _mark_rows(tree, row_marks, author, date)
                for revision in tree.iter(f"{W}ins", f"{W}del"):
                    revision.set(f"{W}id", str(next(ids)))
                content = etree.tostring(tree, encoding="UTF-8", standalone=True)
            target.writestr(info, content)
    return out.getvalue()


def _mark_rows(document, row_marks: list[list[str | None]], author: str, date: str) -> None:
    """Each w:tr of a row added or removed gets a w:ins or w:del in its w:trPr. Only when the
    document's tables are those of the AST, row for row."""
    from lxml import etree

    tables = list(document.iter(f"{W}tbl"))
    if len(tables) != len(row_marks):
        return
    for table, marks in zip(tables, row_marks, strict=True):
        rows = table.findall(f"{W}tr")
        if len(rows) != len(marks):
            continue
        for row, mark in zip(rows, marks, strict=True):
            if mark is None:
                continue
            properties = row.find(f"{W}trPr")
            if properties is None:
                properties = etree.Element(f"{W}trPr")
                exceptions = row.find(f"{W}tblPrEx")  # the only element before w:trPr
                if exceptions is not None:
                    exceptions.addnext(properties)
                else:
                    row.insert(0, properties)
            marker = etree.SubElement(properties, ROW_REVISION[mark])
            marker.set(f"{W}id", "0")  # numbered with the others
            marker.set(f"{W}author", author)
            marker.set(f"{W}date", date)
