"""The extracts' Markdown read by pandoc a block at a time: a worker reads each block once,
however many of its extracts print it.

Extracts share most of their text (orientations, commitments, the organisation's sections);
they differ by the partner's figures and names, mostly in tables. The Markdown is cut before
each heading outside any div, each heading's line apart from its section's text, and before each
block outside any div that reads alone as it reads in the whole: a paragraph after a blank line
that starts with a word, emphasis or a table, or a div (never a list item, a caption, an indented
line). Nothing the templates write is read across them (identifiers explicit, notes inline,
links to an identifier: export/ast.py reads the convention by chapters on the same ground). The
pieces this process has not read yet go to one pandoc, apart by an empty div; the document is
its pieces' blocks end to end, the same as pandoc's reading of the whole (tests/test_reading.py,
partner by partner)."""

from itertools import pairwise

from cusdoc.export import ast

APART = "\n\n::: cusdoc-morceau\n:::\n\n"
KEPT = 100_000  # pieces this process keeps at most (a hundred extracts hold about 30 000)

_blocks: dict[str, list] = {}  # piece of Markdown → its blocks, as pandoc read it


def pieces(markdown: str) -> list[str]:
    """The Markdown cut before each heading outside any div, its line apart, and after the
    first heading before each block outside any div that reads alone as it reads in the whole
    (a table comes apart from the sentences around it, which most extracts share)."""
    bounds = [0]
    for start, level, div in ast.blocks(markdown):
        if level:  # a heading, its line apart
            bounds += [start, markdown.find("\n", start) + 1 or len(markdown)]
        elif len(bounds) > 1 and start > bounds[-1] + 1:  # after the metadata, a new block
            bounds += [start] if not div or markdown.endswith("\n\n", 0, start) else []
    bounds.append(len(markdown))
    return [markdown[a:b] for a, b in pairwise(bounds) if b > a]


def read(markdown: str, epoch: int) -> dict:
    """The pandoc document of an extract's Markdown, its pieces read before taken as they were
    read. The first piece holds the metadata: it is read each time."""
    if len(_blocks) > KEPT:
        _blocks.clear()
    first, *rest = pieces(markdown)
    new = [first, *(piece for piece in dict.fromkeys(rest) if piece not in _blocks)]
    document = ast.read(APART.join(new), epoch)
    groups: list[list] = [[]]
    for block in document["blocks"]:
        if ast.is_div(block, "cusdoc-morceau") and not block["c"][1]:
            groups.append([])
        else:
            groups[-1].append(block)
    if len(groups) != len(new):  # a piece wrote the divider itself: no reading apart then
        return ast.read(markdown, epoch)
    _blocks.update(zip(new[1:], groups[1:], strict=True))
    return {**document, "blocks": [*groups[0], *(b for piece in rest for b in _blocks[piece])]}
