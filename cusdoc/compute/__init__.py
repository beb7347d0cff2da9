"""Compute stage: everything a document needs from the organisation's data, as numbers.

The references and stock counts the commitments are checked and laid out with are computed once,
on the whole organisation, and so is statistical secrecy: which counts and rates are masked. The
tables the text places are computed for each document's scope (a `Data` view of one territory),
with the organisation's masks. Results are plain values and `Table`s of `Quantity` cells,
formatted only by render.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial

from cusdoc.compute import classement, npl
from cusdoc.compute.references import (
    compute_references,
    covered_years,
    later_stock,
    source_of,
    stock,
    thresholded_epci,
)
from cusdoc.compute.secrecy import Secret, rate_secrecy
from cusdoc.compute.tables import COMPUTED_TABLES, RATE_COLUMNS, TableContext, organisation_secret
from cusdoc.load.content import Content
from cusdoc.load.data import Data
from cusdoc.model import TABLES_CLASSEMENT, TABLES_NPL, Table


@dataclass
class Calculs:
    """References per (indicateur, niveau, territoire, ventilation), and stock counts."""

    references: dict
    taux: dict  # of the rates: their counts and whether secrecy masks them (Rate)
    stock: dict  # (niveau, territoire) → counts
    secret: Secret | None = None  # the masks of the attributions table, for every document
    absent: tuple[str, ...] = ()  # optional data files not given: their references are declared
    # EPCI with a first-quartile threshold and attributions in the reference year → how many
    thresholded: dict = field(default_factory=dict)
    # the régions of the accession sales: PP-ACC-1 and PS-ACC-1 are committed in each (R. 445-22)
    regions_accession: tuple[str, ...] = ()
    # the réalisé: for each year of the period the data cover, the values and rates of that
    # year, as references and taux are those of the reference year
    realise: dict[int, tuple[dict, dict]] = field(default_factory=dict)
    # the later snapshots of the stock: year (1 January) → counts by (niveau, territoire)
    parc: dict[int, dict] = field(default_factory=dict)


def compute(data: Data, content: Content) -> Calculs:
    """The organisation's references, stock and statistical secrecy, for every territory; and
    the réalisé of the years of the period the data cover."""
    settings = content.settings
    annee = settings.annee_reference
    references, rates, secret = _of_year(data, annee, settings.seuil)
    realise = {}
    for year, sources in covered_years(data, settings.periode).items():
        values, year_rates, _ = _of_year(data, year, settings.seuil)
        kept = {k: v for k, v in values.items() if source_of(k[0], k[3]) in sources}
        realise[year] = (kept, {k: r for k, r in year_rates.items() if k in kept})
    regions = data.execute(
        "SELECT DISTINCT d.region FROM accession a JOIN communes c ON c.code = a.DEPCOM "
        "JOIN departements d ON d.code = c.departement ORDER BY 1"
    ).fetchall()
    return Calculs(
        references,
        rates,
        stock(data),
        secret,
        data.absent(),
        thresholded_epci(data, annee),
        tuple(r for (r,) in regions),
        realise,
        later_stock(data),
    )


def _of_year(data: Data, annee: int, seuil: int) -> tuple[dict, dict, Secret]:
    """The values of the indicators in one year, the secrecy of their rates, and the masks of
    that year's attributions table."""
    values, denominateurs = compute_references(data, annee)
    secret = organisation_secret(data, annee, seuil)
    pairs = data.execute(
        "SELECT DISTINCT departement, epci FROM attribution WHERE annee = ? AND epci IS NOT NULL",
        [annee],
    ).fetchall()
    departements_of: dict[str, set[str]] = {}
    for departement, epci in pairs:
        departements_of.setdefault(epci, set()).add(departement)
    # the attributions each rate counts, given back by its value and denominator
    numerators = {k: round((values.get(k) or 0) * n / 100) for k, n in denominateurs.items()}
    masked = _counted_masked(numerators, secret)
    rates = rate_secrecy(numerators, denominateurs, departements_of, seuil, masked)
    return values, rates, secret


def _counted_masked(numerators: dict, secret: Secret) -> set:
    """The rates whose count the attributions table masks: a rate is masked with its count."""
    masked = set()
    for key, numerator in numerators.items():
        indicateur, niveau, territoire, ventilation = key
        column = RATE_COLUMNS.get((indicateur, ventilation))
        if column is None:
            continue
        side = 0 if niveau == "departement" else 1  # (département, EPCI) rows it adds up
        parts = frozenset(leaf for leaf in secret.leaves if leaf[side] == territoire)
        if parts and secret.masks(parts, column, numerator):
            masked.add(key)
    return masked


class Tables(Mapping):
    """A scope's computed tables, each made the first time it is asked for: an extract prints a
    few of them, and a maker may give several tables at once (the classement's, the NPL's)."""

    def __init__(self, makers: dict[tuple[str, ...], Callable[[], dict[str, Table]]]):
        self._makers = {name: make for names, make in makers.items() for name in names}
        self._made: dict[str, Table] = {}

    def __getitem__(self, name: str) -> Table:
        if name not in self._made:
            self._made.update(self._makers[name]())
        return self._made[name]

    def __contains__(self, name: object) -> bool:  # without making it
        return name in self._makers

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def compute_tables(
    data: Data, content: Content, names: dict[str, str], secret: Secret | None = None
) -> Tables:
    """The tables a document prints, on the data given (whole, or a territory's view), under
    the organisation's statistical secrecy (decided on the data given when there is none)."""
    settings = content.settings
    context = TableContext(names, settings.annee_reference, settings.seuil, secret)
    makers = {
        (name,): partial(_table, name, make, data, context)
        for name, make in COMPUTED_TABLES.items()
    }
    config = content.sources.get("classement")
    if config is not None:
        makers[TABLES_CLASSEMENT] = partial(_classement, data, config.data, settings.seuil)
    declared = content.sources.get("npl")
    if declared is not None:
        makers[TABLES_NPL] = partial(_npl, data, declared.data)
    return Tables(makers)


def _table(name: str, make, data: Data, context: TableContext) -> dict[str, Table]:
    return {name: make(data, context)}


def _classement(data: Data, config: dict, seuil: int) -> dict[str, Table]:
    return classement.tables(classement.classify(data, config, seuil), config, seuil)


def _npl(data: Data, config: dict) -> dict[str, Table]:
    return npl.tables(npl.ensembles(data), config)
