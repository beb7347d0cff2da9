"""Statistical secrecy: counts of households or attributions under a threshold are masked.

Primary suppression masks every count from 1 to threshold − 1 (a zero discloses nothing about a
household). Secondary suppression then masks, in every line whose total is published and that
has exactly one masked cell, the smallest other count, so that no masked cell can be recomputed
by difference; it repeats until no line has a lone masked cell. The default threshold, 5, is the
one cus-domain.md §5 recommends (INSEE's frequency rule is 3; some sources' charters ask for 11).
"""

from cusdoc.load.content import SEUIL


def reason(seuil: int) -> str:
    """Why a masked cell is not printed, as the note under its table says."""
    return f"secret statistique (effectif inférieur à {seuil})"


def primary(counts: list[list[int]], seuil: int = SEUIL) -> set[tuple[int, int]]:
    return {
        (i, j) for i, row in enumerate(counts) for j, value in enumerate(row) if 0 < value < seuil
    }


def suppress(
    counts: list[list[int]],
    seuil: int = SEUIL,
    rows_total: bool = True,
    columns_total: bool = True,
) -> set[tuple[int, int]]:
    """The cells (row, column) to mask, primary and secondary.

    rows_total: each row's total is published (so a row cannot have a lone masked cell);
    columns_total: the same for columns.
    """
    masked = primary(counts, seuil)
    lines = []
    if rows_total:
        lines += [[(i, j) for j in range(len(row))] for i, row in enumerate(counts)]
    if columns_total and counts:
        lines += [[(i, j) for i in range(len(counts))] for j in range(len(counts[0]))]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if cell in masked]
            if len(hidden) != 1:
                continue
            others = [cell for cell in line if cell not in masked]
            if not others:
                continue
            # the smallest count hides the least information; zeros only as a last resort
            partner = min(others, key=lambda c: (counts[c[0]][c[1]] == 0, counts[c[0]][c[1]], c))
            masked.add(partner)
            changed = True
    return masked


def rate_shown(denominator: int | None, seuil: int = SEUIL) -> bool:
    """A rate is published only when its denominator reaches the threshold."""
    return denominator is not None and denominator >= seuil
