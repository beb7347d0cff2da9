"""Validate stage, on the text's values: a writer's table whose « Total » row is not the sum of
the rows above it.

A table typed by hand lists parts (the quartiers of an EPCI, the years of a series) beside a
total the data give: when the data change, the total follows them and the parts may no longer
add up to it (a quartier the new data have, which no row cites). Only columns whose every cell
cites a count (`§{nom}`) or is a number are checked; a masked count leaves its column alone.
"""

import math
import re
from collections.abc import Callable, Iterator

from cusdoc.compute.values import value_of
from cusdoc.errors import Problem
from cusdoc.load.content import Content, Source
from cusdoc.load.text import parse
from cusdoc.model import ORGANISME, Quantity, Texte, Valeur, passage_territory

# « Total », « Total Indre-et-Loire », « Ensemble », « Ensemble de l'organisme »; not the name
# of an ensemble immobilier (« Ensemble Les Tilleuls »).
TOTAL_ROW = re.compile(r"(?i)\s*(total\b|ensemble\s*$|ensemble\s+(de|du|des)\b|ensemble\s+d['’])")
# A count typed in a cell: « 215 », « 1 200 » (a share, « 25,0 % », is not added up).
COUNT = re.compile(r"\s*\d{1,3}(?:[ \u00a0\u202f]\d{3})*\s*|\s*\d+\s*")
Values = Callable[[str], dict]  # territory code (or ORGANISME) → the values of §{nom}


def stale_totals(content: Content, values: Values) -> list[Problem]:
    """A warning at each total that is not the sum of the rows above it."""
    problems = []
    for source, path, rows, scope in _tables(content):
        for index, row in enumerate(rows):
            cells, here = _cells(row, scope)
            if not _is_total(cells):
                continue
            above = [_cells(other, scope) for other in rows[:index]]
            for column in range(1, len(cells)):
                total = _number(cells[column], here, values)
                sums = [s for s in (_sum(p, column, values) for p in _ways(above)) if s is not None]
                if total is None or not sums:
                    continue
                if any(math.isclose(s, total, rel_tol=1e-9, abs_tol=1e-9) for s in sums):
                    continue
                where = (*path, index, *(("cellules",) if isinstance(row, dict) else ()), column)
                message = (
                    f"la ligne « {cells[0].strip()} » donne {_shown(total)}, mais les lignes "
                    f"au-dessus font {_shown(sums[0])} dans la colonne {column + 1} : une partie "
                    "manque ou est de trop (les données ont-elles changé ?) ; citez chaque partie "
                    "par une valeur, ou retirez la ligne du total"
                )
                problems.append(source.problem(where, message, avertissement=True))
    return problems


def _ways(above: list) -> list[list]:
    """The rows a total may add up: those since the previous total (a subtotal's parts), every
    part above it, or the subtotals above it."""
    ends = [i for i, (cells, _) in enumerate(above) if _is_total(cells)]
    since = above[ends[-1] + 1 :] if ends else above
    parts = [row for row in above if not _is_total(row[0])]
    subtotals = [above[i] for i in ends]
    return [since, parts, subtotals]


def _sum(rows: list, column: int, values: Values) -> float | None:
    """The sum of a column over rows, None when a cell is not a count (or there is none)."""
    numbers = [_number(c[column], s, values) if column < len(c) else None for c, s in rows]
    return None if not numbers or None in numbers else sum(numbers)


def has_totals(content: Content) -> bool:
    """Whether some writer's table has a total row citing a value: its check will need the
    values, which the check computes beside the rest."""
    for _, _, rows, scope in _tables(content):
        for row in rows:
            cells, _ = _cells(row, scope)
            if _is_total(cells) and any(isinstance(c, str) and "§{" in c for c in cells[1:]):
                return True
    return False


def _is_total(cells: list) -> bool:
    return bool(cells) and isinstance(cells[0], str) and TOTAL_ROW.match(cells[0]) is not None


def _tables(content: Content) -> Iterator[tuple[Source, tuple, list, str]]:
    """(source, path of its rows, rows, territory) of every writer's table of the chapters."""
    for name, source in content.sources.items():
        if name != "convention":
            yield from _walk(source, source.data, (), ORGANISME)


def _walk(source: Source, value, path: tuple, scope: str):
    if isinstance(value, dict):
        scope = passage_territory(value, scope)
        table = value.get("tableau")
        if isinstance(table, dict) and isinstance(table.get("lignes"), list):
            yield source, (*path, "tableau", "lignes"), table["lignes"], scope
        for key, item in value.items():
            if key != "tableau":
                yield from _walk(source, item, (*path, key), scope)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(source, item, (*path, index), scope)


def _cells(row, scope: str) -> tuple[list, str]:
    if isinstance(row, dict):
        cells = row.get("cellules")
        return (cells if isinstance(cells, list) else []), passage_territory(row, scope)
    return (row if isinstance(row, list) else []), scope


def _number(cell, territoire: str, values: Values) -> float | None:
    """A cell's count: a number typed, or one value cited alone; None otherwise."""
    if isinstance(cell, bool | float):  # a float is a share, a rate
        return None
    if isinstance(cell, int):
        return float(cell)
    if not isinstance(cell, str):
        return None
    if COUNT.fullmatch(cell):
        return float(re.sub(r"\D", "", cell))
    inlines, refused = parse(cell)
    inlines = [i for i in inlines if not (isinstance(i, Texte) and not i.text.strip())]
    if refused or len(inlines) != 1 or not isinstance(inlines[0], Valeur):
        return None
    valeur = inlines[0]
    found = value_of(values(valeur.territoire or territoire), valeur.nom)
    if not isinstance(found, Quantity) or found.masked or found.unit != "nombre":
        return None
    return None if found.value is None else float(found.value)


def _shown(number: float) -> str:
    """A count as a French reader writes it: « 2 009 »."""
    return f"{number:,.0f}".replace(",", "\u202f")
