"""Compute stage: reference values of the indicators from the data, and stock counts.

The definitions are SQL over the tables of cusdoc.load.data, so that an analyst can review them.
"""

from cusdoc.load.data import Data
from cusdoc.model import TOTAL

NIVEAUX = ("departement", "epci")  # the levels a reference is computed at

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


def compute_references(data: Data, annee: int) -> tuple[dict, dict]:
    """(indicateur, niveau, territoire, ventilation) → reference value, for every territory;
    and, for rates, → the number of attributions it is computed on (for statistical secrecy).
    Without travaux.csv, the references it gives are not computed: they are declared."""
    values, denominators = {}, {}
    for (indicateur, ventilation), (condition, source, measure) in REFERENCES.items():
        if source == OPERATIONS and not data.present("travaux"):
            continue
        for niveau in NIVEAUX:
            sql = _reference_sql(
                condition.format(annee=annee), source.format(annee=annee), measure, niveau
            )
            for territoire, value, count in data.execute(sql).fetchall():
                key = (indicateur, niveau, territoire, ventilation)
                values[key] = value
                if measure == "taux":
                    denominators[key] = count
    return values, denominators


def _reference_sql(condition: str, source: str, measure: str, niveau: str) -> str:
    """(territory, value, rows) of one reference at one level. A count covers every territory
    of the stock, logements or foyers: where none of its rows meets the condition, it is 0."""
    if measure == "taux":
        return (
            f"SELECT {niveau}, 100.0 * count(*) FILTER (WHERE {condition}) / nullif(count(*), 0), "
            f"count(*) FROM {source} GROUP BY {niveau} HAVING {niveau} IS NOT NULL"
        )
    return (
        f"SELECT t.{niveau}, coalesce(sum(r.{measure}) FILTER (WHERE {condition}), 0), "
        f"count(r.{measure}) FROM (SELECT {niveau} FROM logements UNION SELECT {niveau} FROM "
        f"foyer) t LEFT JOIN (SELECT * FROM {source}) r ON r.{niveau} = t.{niveau} "
        f"WHERE t.{niveau} IS NOT NULL GROUP BY t.{niveau}"
    )


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


def stock(data: Data) -> dict[tuple[str, str], dict]:
    """(niveau, territoire) → counts of the stock: logements, F/G, QPV, accessible; the
    équivalents-logements of the foyers, all and F/G; and, when patrimoine.csv has the column,
    the logements of the plan de mise en vente by planned year ("vente", absent otherwise). The
    stock bounds the commitments (validate/engagements.py); it is never a reference."""
    out = {}
    plan = data.has_column("patrimoine", "mise_en_vente")
    for niveau in NIVEAUX:
        rows = data.execute(
            f"SELECT {niveau}, count(*), count(*) FILTER (WHERE classe_fg), "
            f"count(*) FILTER (WHERE en_qpv), count(*) FILTER (WHERE ACCESSIBLE_PMR) "
            f"FROM logements GROUP BY {niveau} HAVING {niveau} IS NOT NULL"
        ).fetchall()
        for territoire, total, fg, qpv, pmr in rows:
            out[(niveau, territoire)] = {"logements": total, "fg": fg, "qpv": qpv, "pmr": pmr}
            if plan:
                out[(niveau, territoire)]["vente"] = {}
        if plan:
            for territoire, annee, n in data.execute(
                f"SELECT {niveau}, mise_en_vente, count(*) FROM logements "
                f"WHERE mise_en_vente IS NOT NULL AND {niveau} IS NOT NULL GROUP BY ALL"
            ).fetchall():
                out[(niveau, territoire)]["vente"][str(annee)] = n
        rows = data.execute(
            f"SELECT {niveau}, sum(equivalents), coalesce(sum(equivalents) FILTER "
            f"(WHERE classe_fg), 0) FROM foyer GROUP BY {niveau} HAVING {niveau} IS NOT NULL"
        ).fetchall()
        for territoire, equivalents, fg in rows:
            counts = out.setdefault(
                (niveau, territoire), dict.fromkeys(("logements", "fg", "qpv", "pmr"), 0)
            )
            counts |= {"equivalents": equivalents, "equivalents_fg": fg}
            if plan:
                counts.setdefault("vente", {})
    return out
