"""Compute stage: everything a document needs from the organisation's data, as numbers.

The references and stock counts the commitments are checked and laid out with are computed once,
on the whole organisation; the tables the text places are computed for each document's scope (a
`Data` view of one territory). Results are plain values and `Table`s of `Quantity` cells,
formatted only by render.
"""

from dataclasses import dataclass

from cusdoc.compute import classement
from cusdoc.compute.references import compute_references, stock
from cusdoc.compute.tables import COMPUTED_TABLES, TableContext
from cusdoc.load.content import Content
from cusdoc.load.data import Data
from cusdoc.model import Table


@dataclass
class Calculs:
    """References per (indicateur, niveau, territoire, ventilation), and stock counts."""

    references: dict
    denominateurs: dict  # of the rates: the attributions they are computed on
    stock: dict  # (niveau, territoire) → counts


def compute(data: Data, content: Content) -> Calculs:
    """The organisation's references and stock, for every territory."""
    references, denominateurs = compute_references(data, content.settings.annee_reference)
    return Calculs(references, denominateurs, stock(data))


def compute_tables(data: Data, content: Content, names: dict[str, str]) -> dict[str, Table]:
    """The tables a document prints, on the data given (whole, or a territory's view)."""
    settings = content.settings
    context = TableContext(names, settings.annee_reference, settings.seuil)
    tables = {name: make(data, context) for name, make in COMPUTED_TABLES.items()}
    config = content.sources.get("classement")
    if config is not None:
        rows = classement.classify(data, config.data)
        tables.update(classement.tables(rows, config.data))
    return tables
