"""Tracked changes: the new version of the convention as a DOCX whose differences with the old
one are Word revisions (w:ins, w:del), accepted or rejected in Word and LibreOffice.

Both versions are rendered to pandoc's AST; blocks are aligned, and inside a paragraph, heading
or list item the words that differ are wrapped in pandoc's `insertion` and `deletion` spans,
which its DOCX writer turns into revisions authored by the commit's author at its date.
"""

import difflib
import io
import itertools
import json
import re
import zipfile
from pathlib import Path

from cusdoc.git import author_and_date, checkout

TEXT_BLOCKS = ("Para", "Plain", "Header")


def _key(node) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False)


def _span(kind: str, inlines: list, author: str, date: str) -> dict:
    attributes = [["author", author], ["date", date]]
    return {"t": "Span", "c": [["", [kind], attributes], inlines]}


def _opcodes(before: list, after: list):
    """difflib's edit script between two lists of AST nodes, compared by content."""
    keys_before, keys_after = [_key(n) for n in before], [_key(n) for n in after]
    return difflib.SequenceMatcher(None, keys_before, keys_after, autojunk=False).get_opcodes()


def diff_inlines(before: list, after: list, author: str, date: str) -> list:
    """The new inlines, with what was removed and added wrapped in revision spans."""
    out = []
    for tag, i1, i2, j1, j2 in _opcodes(before, after):
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


def _whole(block: dict, kind: str, author: str, date: str) -> list:
    """A block added or removed: its words in one span; other blocks only when added."""
    if block["t"] in TEXT_BLOCKS:
        return [_with_inlines(block, [_span(kind, _inlines(block), author, date)])]
    return [block] if kind == "insertion" else []


def diff_blocks(before: list, after: list, author: str, date: str) -> list:
    out = []
    for tag, i1, i2, j1, j2 in _opcodes(before, after):
        if tag == "equal":
            out += after[j1:j2]
            continue
        old, new = before[i1:i2], after[j1:j2]
        paired = min(len(old), len(new)) if tag == "replace" else 0
        for a, b in zip(old[:paired], new[:paired], strict=True):
            out += _pair(a, b, author, date)
        for a in old[paired:]:
            out += _whole(a, "deletion", author, date)
        for b in new[paired:]:
            out += _whole(b, "insertion", author, date)
    return out


def _pair(a: dict, b: dict, author: str, date: str) -> list:
    """Two blocks at the same place: compare their words, or what they hold."""
    if a["t"] == b["t"] and a["t"] in TEXT_BLOCKS:
        return [_with_inlines(b, diff_inlines(_inlines(a), _inlines(b), author, date))]
    if a["t"] == b["t"] and a["t"] in ("BulletList", "OrderedList"):
        items_a = a["c"] if a["t"] == "BulletList" else a["c"][1]
        items_b = b["c"] if b["t"] == "BulletList" else b["c"][1]
        if len(items_a) == len(items_b):
            items = [diff_blocks(x, y, author, date) for x, y in zip(items_a, items_b, strict=True)]
            return [{"t": a["t"], "c": items if a["t"] == "BulletList" else [b["c"][0], items]}]
    if a["t"] == b["t"] == "Div":
        return [{"t": "Div", "c": [b["c"][0], diff_blocks(a["c"][1], b["c"][1], author, date)]}]
    return [*_whole(a, "deletion", author, date), *_whole(b, "insertion", author, date)]


def tracked_docx(root: Path, base: str, head: str) -> bytes:
    """The DOCX of `head` with its differences from `base` as tracked changes."""
    from cusdoc.export.convert import Templates, finish, pandoc
    from cusdoc.pipeline import prepare, source_date_epoch
    from cusdoc.render import render_markdown

    def ast(folder: Path):
        (convention,) = prepare(folder)
        templates = Templates.of(folder)
        markdown = render_markdown(convention, templates.root)
        args = [f"--lua-filter={templates.lua_filter}"]
        return convention, templates, json.loads(pandoc(markdown, "json", args, 0))

    with checkout(root, base) as folder:
        _, _, before = ast(folder)
    author, date = author_and_date(root, head)
    epoch = source_date_epoch(root)
    # The new version's templates are used while its folder still exists.
    with checkout(root, head) as folder:
        convention, templates, after = ast(folder)
        after["blocks"] = diff_blocks(before["blocks"], after["blocks"], author, date)
        raw = pandoc(
            json.dumps(after, ensure_ascii=False),
            "docx",
            [f"--reference-doc={templates.reference_docx}", "--toc", "--toc-depth=2"],
            epoch,
            source="json",
        )
    return _number_revisions(finish(raw, convention, epoch))


def _number_revisions(data: bytes) -> bytes:
    """pandoc gives every revision the same id; Word wants each its own."""
    counter = itertools.count(100_000)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "word/document.xml":
                text = re.sub(
                    r'<w:(ins|del) w:id="\d+"',
                    lambda m: f'<w:{m[1]} w:id="{next(counter)}"',
                    content.decode("utf-8"),
                )
                content = text.encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()
