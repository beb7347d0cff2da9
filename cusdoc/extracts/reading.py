"""The extracts' Markdown read by pandoc a section at a time: a worker reads each section once,
however many of its extracts print it.

Extracts share most of their text (orientations, commitments, the organisation's sections);
they differ by the partner's figures and names. The Markdown is cut before each heading outside
any div, each heading's line apart from its section's text: nothing the templates write is read
across them (identifiers explicit, notes inline, links to an identifier: export/ast.py reads the
convention by chapters on the same ground). The pieces this process has not read yet go to one
pandoc, apart by an empty div; the document is its pieces' blocks end to end, the same as
pandoc's reading of the whole (tests/test_reading.py, partner by partner).
"""

import re
from itertools import pairwise

from cusdoc.export import ast

HEADING_OR_FENCE = re.compile(r"(?<=\n\n)#+ |^:::+(.*)$", re.MULTILINE)
APART = "\n\n::: cusdoc-morceau\n:::\n\n"
KEPT = 20_000  # pieces this process keeps at most (a hundred extracts hold about 5 000)

_blocks: dict[str, list] = {}  # piece of Markdown → its blocks, as pandoc read it


def pieces(markdown: str) -> list[str]:
    """The Markdown cut before each heading outside any div, its line apart."""
    bounds, depth = [0], 0
    for match in HEADING_OR_FENCE.finditer(markdown):
        if match[0].startswith(":"):
            depth += 1 if match[1].strip() else -1
        elif depth == 0:
            start = match.start()
            bounds += [start, markdown.find("\n", start) + 1 or len(markdown)]
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
