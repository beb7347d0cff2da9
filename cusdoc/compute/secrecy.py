"""Statistical secrecy: counts of households or attributions under a threshold are masked.

Primary suppression masks every count from 1 to threshold − 1 (a zero discloses nothing about a
household). Secondary suppression then masks, in every line whose total is published and that
has exactly one masked cell, the smallest other count, so that no masked cell can be recomputed
by difference; it repeats until no line has a lone masked cell. The default threshold, 5, is the
one cus-domain.md §5 recommends (INSEE's frequency rule is 3; some sources' charters ask for 11).

Secrecy is decided once, on the whole organisation's data (`Secret`, `rate_secrecy`), and every
document reuses the decision: a count masked in the convention is masked in every extract that
prints it, so that no extract undoes a mask that protects another territory. A rate is masked
with its count: when its denominator or its numerator is under the threshold (rate ×
denominator gives the numerator back), or when the count it is the share of is masked.
"""

from collections.abc import Hashable
from dataclasses import dataclass
from functools import cached_property

from cusdoc.load.content import SEUIL


def reason(seuil: int) -> str:
    """Why a masked cell is not printed, as the note under its table says: under the threshold,
    or masked so that no count under it can be worked out by difference."""
    return (
        f"secret statistique (effectif inférieur à {seuil}, ou qui permettrait d'en retrouver un "
        "par différence)"
    )


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
    values = {(i, j): v for i, row in enumerate(counts) for j, v in enumerate(row)}
    lines = []
    if rows_total:
        lines += [[(i, j) for j in range(len(row))] for i, row in enumerate(counts)]
    if columns_total and counts:
        lines += [[(i, j) for i in range(len(counts))] for j in range(len(counts[0]))]
    return suppress_lines(values, lines, seuil)


def rate_shown(denominator: int | None, seuil: int = SEUIL) -> bool:
    """A rate is published only when its denominator reaches the threshold."""
    return denominator is not None and denominator >= seuil


def suppress_lines(
    values: dict[Hashable, int],
    lines: list[list[Hashable]],
    seuil: int = SEUIL,
    masked: set | None = None,
) -> set:
    """The cells to mask, primary and secondary, when each line is a total followed by the
    cells that add up to it.

    A line with exactly one masked cell, the total or a part, would give it back by difference:
    the smallest other cell of the line is masked too (a part before the total, zeros only as a
    last resort), until no line has a lone masked cell. masked: cells already decided.
    """
    masked = set(masked or ()) | {c for c, v in values.items() if 0 < v < seuil}
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if cell in masked]
            others = [i for i, cell in enumerate(line) if cell not in masked]
            if len(hidden) != 1 or not others:
                continue
            chosen = min(others, key=lambda i: (values[line[i]] == 0, values[line[i]], i == 0, i))
            masked.add(line[chosen])
            changed = True
    return masked


Row = tuple  # of the attributions table: () the whole, (département,), (département, EPCI)


@dataclass(frozen=True)
class Secret:
    """The masks of the attributions table, decided on the whole organisation's data.

    leaves: the (département, EPCI) rows, which every other row adds up; masked: the cells
    (row, column) not printed.
    """

    seuil: int
    leaves: frozenset[Row]
    masked: frozenset[tuple[Row, str]]

    def masks(self, parts: frozenset[Row], column: str, value: int) -> bool:
        """Whether a count over these (département, EPCI) rows is masked: as the organisation's
        table masks the row that counts the same rows; a count it has no row for (an EPCI over
        two départements, whole), when one of its parts is masked, or under the threshold."""
        same = self._by_parts.get(parts)
        if same:
            return any((row, column) in self.masked for row in same)
        return 0 < value < self.seuil or any((leaf, column) in self.masked for leaf in parts)

    @cached_property
    def _by_parts(self) -> dict[frozenset[Row], list[Row]]:
        """The organisation's rows by the (département, EPCI) rows they add up."""
        rows = [(), *{(d,) for d, _ in self.leaves}, *self.leaves]
        out: dict[frozenset[Row], list[Row]] = {}
        for row in rows:
            parts = frozenset(leaf for leaf in self.leaves if leaf[: len(row)] == row)
            out.setdefault(parts, []).append(row)
        return out


def decide(counts: dict[Row, list[int]], columns: list[str], seuil: int = SEUIL) -> Secret:
    """The masks of a table of counts by territory: départements add up to the whole, the
    (département, EPCI) rows to their département; each column apart (they do not add up)."""
    values = {
        (row, c): v for row, line in counts.items() for c, v in zip(columns, line, strict=True)
    }
    departements = [row for row in counts if len(row) == 1]
    lines = []
    for column in columns:
        if () in counts:
            lines.append([((), column), *((d, column) for d in departements)])
        for d in departements:
            parts = [row for row in counts if len(row) == 2 and row[0] == d[0]]
            lines.append([(d, column), *((row, column) for row in parts)])
    masked = suppress_lines(values, lines, seuil)
    leaves = frozenset(row for row in counts if len(row) == 2)
    return Secret(seuil, leaves, frozenset(masked))


@dataclass(frozen=True)
class Rate:
    """A computed rate as secrecy sees it: the attributions it divides, and whether it may be
    printed (decided on the whole organisation's data, the same for every document)."""

    numerator: int
    denominator: int
    masked: bool


def rate_secrecy(
    numerators: dict,
    denominators: dict,
    departements_of: dict[str, set[str]],
    seuil: int = SEUIL,
    masked: set | None = None,
) -> dict:
    """reference key (indicateur, niveau, territoire, ventilation) → Rate, for every rate.

    A rate is masked when its denominator is under the threshold, when its numerator is (rate ×
    denominator gives it back), when it is in `masked` (its count is masked in a table), and, so
    that no numerator follows by difference, when a département's EPCI leave it alone masked.
    departements_of: EPCI → the départements of its attributions.
    """
    hidden = set(masked or ()) | {k for k, n in denominators.items() if not rate_shown(n, seuil)}
    lines = []
    for key in sorted(numerators):  # the order the cells are decided in: the same every time
        indicateur, niveau, departement, ventilation = key
        if niveau == "departement":
            parts = [
                k
                for k in sorted(numerators)
                if k[0] == indicateur
                and k[1] == "epci"
                and k[3] == ventilation
                and departement in departements_of.get(k[2], ())
            ]
            lines.append([key, *parts])
    hidden = suppress_lines(numerators, lines, seuil, hidden)
    return {k: Rate(numerators[k], denominators[k], k in hidden) for k in denominators}
