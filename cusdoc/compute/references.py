"""Compute stage: reference values of the indicators from the data, and stock counts.

The definitions are SQL over the tables of cusdoc.load.data, so that an analyst can review them.
"""

from cusdoc.load.data import Data
from cusdoc.model import TOTAL

# Reference values: for each indicator and breakdown, (condition, rows, measure). A measure
# "taux" is the share of the rows that meet the condition, in %; "logements" or "equivalents",
# the sum of that column over the rows that meet it (0 where the territory has a stock and no
# such row). {annee} is the reference year.
# A reference is of the same kind as the commitments: a yearly flow, never a stock.
# [MEMORY — verify] for PS-2 and PS-3 "dont part hors QPV": read as the share, among all
# attributions, of those made hors QPV to the households concerned.
ATTRIBUTIONS = "attribution WHERE annee = {annee} AND bail_signe"  # signed leases only
# Works completed and sales of the year (travaux.csv, which a project may go without: the
# references computed from it are then declared in content/engagements.yml).
OPERATIONS = "operations WHERE annee = {annee}"
# Logements-foyers (CCH R. 445-36), counted in équivalents-logements: the établissements of
# content/donnees/foyers.csv agreed, renovated out of F or G, or rehabilitated in the year.
FOYERS = "foyer"
FG_TO_AE = "dpe_avant IN ('F', 'G') AND dpe_apres IN ('A', 'B', 'C', 'D', 'E')"
REFERENCES = {
    # PP-2: logements of class F or G brought to A to E by a renovation or a rehabilitation.
    ("PP-2", TOTAL): (
        f"nature IN ('renovation_energetique', 'rehabilitation') AND {FG_TO_AE}",
        OPERATIONS,
        "logements",
    ),
    # PP-3: a rehabilitation of travaux.csv is one eligible to a CDC loan, by definition of the
    # file (docs/donnees.md); the end of the wording is [INFERRED] from PP-LF-3.
    ("PP-3", TOTAL): ("nature = 'rehabilitation'", OPERATIONS, "logements"),
    # PP-4 [MEMORY — verify the wording] is committed to at three and six years: its reference
    # is still the year's flow, to be read against each year's commitment.
    ("PP-4", TOTAL): ("nature = 'mise_en_commercialisation'", OPERATIONS, "logements"),
    # SR-1 [MEMORY — verify the wording]: logements made accessible or adapted in the year.
    ("SR-1", TOTAL): ("nature = 'adaptation_pmr'", OPERATIONS, "logements"),
    ("PP-5", TOTAL): ("mutation", ATTRIBUTIONS, "taux"),
    ("PS-2", TOTAL): ("prioritaire OR dalo", ATTRIBUTIONS, "taux"),
    ("PS-2", "hors QPV"): ("(prioritaire OR dalo) AND NOT QPV", ATTRIBUTIONS, "taux"),
    ("PS-3", TOTAL): ("dalo", ATTRIBUTIONS, "taux"),
    ("PS-3", "hors QPV"): ("dalo AND NOT QPV", ATTRIBUTIONS, "taux"),
    # PS-1: attributions with a signed lease outside QPV, to households under the EPCI's
    # first-quartile threshold of the year or rehoused by an urban-renewal operation.
    ("PS-1", TOTAL): (
        "ressources_uc < s.seuil OR relogement_anru",
        "attribution a JOIN (SELECT annee AS seuil_annee, EPCI AS seuil_epci, seuil "
        "FROM seuils_premier_quartile) s ON s.seuil_epci = a.epci AND s.seuil_annee = a.annee "
        "WHERE a.annee = {annee} AND bail_signe AND NOT QPV",
        "taux",
    ),
    ("PP-LF-1", TOTAL): ("annee_agrement = {annee}", FOYERS, "equivalents"),
    ("PP-LF-2", TOTAL): (
        "annee_renovation = {annee} AND dpe_avant_renovation IN ('F', 'G') "
        "AND DPEENERGIE IN ('A', 'B', 'C', 'D', 'E')",
        FOYERS,
        "equivalents",
    ),
    ("PP-LF-3", TOTAL): ("annee_rehabilitation = {annee}", FOYERS, "equivalents"),
}


# The réalisé of a year comes from the data files that record that year: the attributions of
# attributions.csv, the works and sales of travaux.csv. foyers.csv describes the établissements
# without saying up to which year it is complete: the réalisé of PP-LF-1 to PP-LF-3 is declared
# (content/realise.yml), as is that of the indicators whose reference is declared.
YEARLY_SOURCES = {
    "attributions": "SELECT DISTINCT annee FROM attribution WHERE bail_signe",
    "travaux": "SELECT DISTINCT annee FROM operations",
}


def source_of(indicateur: str, ventilation: str) -> str | None:
    """The data file whose rows of a year give an indicator's réalisé that year, if any."""
    _, rows, _ = REFERENCES.get((indicateur, ventilation), (None, "", None))
    if rows.startswith("attribution"):
        return "attributions"
    if rows.startswith("operations"):
        return "travaux"
    return None


def covered_years(data: Data, periode: tuple[int, int]) -> dict[int, set[str]]:
    """Each year of the period some data file records → the files that record it."""
    out: dict[int, set[str]] = {}
    for source, sql in YEARLY_SOURCES.items():
        if source == "travaux" and not data.present("travaux"):
            continue
        for (annee,) in data.execute(sql).fetchall():
            if annee is not None and periode[0] <= annee <= periode[1]:
                out.setdefault(annee, set()).add(source)
    return dict(sorted(out.items()))


# Both levels in one query: a row per département, then per EPCI (a row of a commune without
# EPCI counts only in its département); {by}, a second grouping column, if any.
BY_TERRITORY = (
    "SELECT CASE grouping(epci) WHEN 0 THEN 'epci' ELSE 'departement' END, "
    "coalesce(departement, epci), {values} FROM {source} "
    "GROUP BY GROUPING SETS ((departement{by}), (epci{by})) "
    "HAVING coalesce(departement, epci) IS NOT NULL"
)
# The rows of the stock, logements and foyers: a count covers each of their territories.
STOCK_ROWS = (
    "(SELECT departement, epci FROM logements UNION ALL SELECT departement, epci FROM foyer)"
)


def compute_references(data: Data, annee: int) -> tuple[dict, dict]:
    """(indicateur, niveau, territoire, ventilation) → reference value, for every territory;
    and, for rates, → the number of attributions it is computed on (for statistical secrecy).
    Without travaux.csv, the references it gives are not computed: they are declared.

    The references of one source are computed together, one column each."""
    values, denominators = {}, {}
    territoires = [row[:2] for row in _by_territory(data, "count(*)", STOCK_ROWS)]
    for (source, measure), keys in _by_source().items():
        if source == OPERATIONS and not data.present("travaux"):
            continue
        source = source.format(annee=annee)
        measures = ", ".join(
            _measure(measure, REFERENCES[key][0].format(annee=annee)) for key in keys
        )
        if measure == "taux":  # a rate for each territory of the rows, over their count
            for niveau, territoire, *rates, count in _by_territory(
                data, f"{measures}, count(*)", source
            ):
                for (indicateur, ventilation), rate in zip(keys, rates, strict=True):
                    key = (indicateur, niveau, territoire, ventilation)
                    values[key], denominators[key] = rate, count
            continue
        found = {(n, t): counts for n, t, *counts in _by_territory(data, measures, source)}
        # a count for each territory of the stock: 0 where none of its rows meets the condition
        for niveau, territoire in territoires:
            counts = found.get((niveau, territoire), [0] * len(keys))
            for (indicateur, ventilation), count in zip(keys, counts, strict=True):
                values[(indicateur, niveau, territoire, ventilation)] = count
    return values, denominators


def _by_source() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(source, measure) → the references computed from it, in the order of REFERENCES."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key, (_, source, measure) in REFERENCES.items():
        out.setdefault((source, measure), []).append(key)
    return out


def _measure(measure: str, condition: str) -> str:
    """A rate: the share of the rows that meet the condition, in %; else the sum of the measure
    over them."""
    if measure == "taux":
        return f"100.0 * count(*) FILTER (WHERE {condition}) / nullif(count(*), 0)"
    return f"coalesce(sum({measure}) FILTER (WHERE {condition}), 0)"


def _by_territory(data: Data, values: str, source: str, by: str = "") -> list[tuple]:
    """(niveau, territoire, *values) computed on the rows of the source in each territory."""
    sql = BY_TERRITORY.format(values=values, source=source, by=f", {by}" if by else "")
    return data.execute(sql).fetchall()


def thresholded_epci(data: Data, annee: int) -> dict[str, int]:
    """EPCI → attributions followed by a signed lease in the reference year, for the EPCI that
    have a first-quartile threshold that year: the arrêté fixes one for the EPCI that owe PS-1
    (CCH L. 441-1), so each of them is a subject EPCI the convention must declare."""
    rows = data.execute(
        "SELECT a.epci, count(*) FROM attribution a WHERE a.annee = ? AND bail_signe "
        "AND EXISTS (SELECT 1 FROM seuils_premier_quartile s WHERE s.EPCI = a.epci "
        "AND s.annee = a.annee) GROUP BY a.epci",
        [annee],
    ).fetchall()
    return dict(rows)


LOGEMENTS_COUNTS = (
    "count(*), count(*) FILTER (WHERE classe_fg), count(*) FILTER (WHERE en_qpv), "
    "count(*) FILTER (WHERE ACCESSIBLE_PMR)"
)


def logements_counts(data: Data, table: str) -> dict[tuple[str, str], dict]:
    """(niveau, territoire) → the logements of a snapshot of the stock: all, F/G, QPV,
    accessible."""
    return {
        (niveau, territoire): {"logements": total, "fg": fg, "qpv": qpv, "pmr": pmr}
        for niveau, territoire, total, fg, qpv, pmr in _by_territory(data, LOGEMENTS_COUNTS, table)
    }


def later_stock(data: Data) -> dict[int, dict[tuple[str, str], dict]]:
    """Each later snapshot of the stock (patrimoine_AAAA.csv, on 1 January AAAA) → its counts
    by territory, as `stock` counts the état des lieux's."""
    return {annee: logements_counts(data, f"logements_{annee}") for annee in data.snapshots()}


def stock(data: Data) -> dict[tuple[str, str], dict]:
    """(niveau, territoire) → counts of the stock: logements, F/G, QPV, accessible; the
    équivalents-logements of the foyers, all and F/G; and, when patrimoine.csv has the column,
    the logements of the plan de mise en vente by planned year ("vente", absent otherwise). The
    stock bounds the commitments (validate/engagements.py); it is never a reference."""
    plan = data.has_column("patrimoine", "mise_en_vente")
    out = logements_counts(data, "logements")
    for counts in out.values() if plan else ():
        counts["vente"] = {}
    if plan:
        sale = "logements WHERE mise_en_vente IS NOT NULL"
        for niveau, territoire, annee, n in _by_territory(
            data, "mise_en_vente, count(*)", sale, by="mise_en_vente"
        ):
            out[(niveau, territoire)]["vente"][str(annee)] = n
    foyers = "sum(equivalents), coalesce(sum(equivalents) FILTER (WHERE classe_fg), 0)"
    for niveau, territoire, equivalents, fg in _by_territory(data, foyers, "foyer"):
        counts = out.setdefault(
            (niveau, territoire), dict.fromkeys(("logements", "fg", "qpv", "pmr"), 0)
        )
        counts |= {"equivalents": equivalents, "equivalents_fg": fg}
        if plan:
            counts.setdefault("vente", {})
    return out
