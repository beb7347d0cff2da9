"""Compute stage: reference values of the indicators from the data, and stock counts.

The definitions are SQL over the tables of cusdoc.load.data, so that an analyst can review them.
"""

from cusdoc.load.data import Data
from cusdoc.model import TOTAL

NIVEAUX = ("departement", "epci")  # the levels a reference is computed at

# Reference values: for each indicator and breakdown, (condition, rows, rate?). A rate is the
# share of the rows that meet the condition, in %; a count, the number of such rows.
# {annee} is the reference year. [MEMORY — verify] for PS-2 and PS-3 "dont part hors QPV": read
# as the share, among all attributions, of those made hors QPV to the households concerned.
ATTRIBUTIONS = "attribution WHERE annee = {annee} AND bail_signe"  # signed leases only
REFERENCES = {
    ("PP-2", TOTAL): ("classe_fg", "logements", False),
    ("SR-1", TOTAL): ("ACCESSIBLE_PMR", "logements", False),
    ("PP-5", TOTAL): ("mutation", ATTRIBUTIONS, True),
    ("PS-2", TOTAL): ("prioritaire OR dalo", ATTRIBUTIONS, True),
    ("PS-2", "hors QPV"): ("(prioritaire OR dalo) AND NOT QPV", ATTRIBUTIONS, True),
    ("PS-3", TOTAL): ("dalo", ATTRIBUTIONS, True),
    ("PS-3", "hors QPV"): ("dalo AND NOT QPV", ATTRIBUTIONS, True),
    # PS-1: attributions with a signed lease outside QPV, to households under the EPCI's
    # first-quartile threshold of the year or rehoused by an urban-renewal operation.
    ("PS-1", TOTAL): (
        "ressources_uc < s.seuil OR relogement_anru",
        "attribution a JOIN (SELECT annee AS seuil_annee, EPCI AS seuil_epci, seuil "
        "FROM seuils_premier_quartile) s ON s.seuil_epci = a.epci AND s.seuil_annee = a.annee "
        "WHERE a.annee = {annee} AND bail_signe AND NOT QPV",
        True,
    ),
}

# Logements-foyers (CCH R. 445-36), counted in équivalents-logements: for each indicator, the
# établissements of content/donnees/foyers.csv whose équivalents are added up. PP-LF-2 and
# PP-LF-3 count works of a year; without works data, their reference is the base the wording
# names, as PP-2's is: the F and G stock, the whole stock. PP-LF-1 counts agréments: the
# équivalents of the établissements agreed in the reference year.
EQUIVALENTS = {
    ("PP-LF-1", TOTAL): "annee_agrement = {annee}",
    ("PP-LF-2", TOTAL): "classe_fg",
    ("PP-LF-3", TOTAL): "true",
}


def compute_references(data: Data, annee: int) -> tuple[dict, dict]:
    """(indicateur, niveau, territoire, ventilation) → reference value, for every territory;
    and, for rates, → the number of attributions it is computed on (for statistical secrecy)."""
    values, denominators = {}, {}
    for (indicateur, ventilation), (condition, source, rate) in REFERENCES.items():
        aggregate = (
            f"100.0 * count(*) FILTER (WHERE {condition}) / nullif(count(*), 0)"
            if rate
            else f"count(*) FILTER (WHERE {condition})"
        )
        for niveau in NIVEAUX:
            rows = data.execute(
                f"SELECT {niveau}, {aggregate}, count(*) FROM {source.format(annee=annee)} "
                f"GROUP BY {niveau} HAVING {niveau} IS NOT NULL"
            ).fetchall()
            for territoire, value, count in rows:
                key = (indicateur, niveau, territoire, ventilation)
                values[key] = value
                if rate:
                    denominators[key] = count
    for (indicateur, ventilation), condition in EQUIVALENTS.items():
        for niveau in NIVEAUX:
            # every territory of the stock, where a foyer is not one less, but none: 0
            rows = data.execute(
                f"SELECT t.{niveau}, coalesce(sum(f.equivalents) FILTER "
                f"(WHERE {condition.format(annee=annee)}), 0) "
                f"FROM (SELECT {niveau} FROM logements UNION SELECT {niveau} FROM foyer) t "
                f"LEFT JOIN foyer f ON f.{niveau} = t.{niveau} "
                f"WHERE t.{niveau} IS NOT NULL GROUP BY t.{niveau}"
            ).fetchall()
            for territoire, value in rows:
                values[(indicateur, niveau, territoire, ventilation)] = value
    return values, denominators


def stock(data: Data) -> dict[tuple[str, str], dict[str, int]]:
    """(niveau, territoire) → counts of the stock: logements, F/G, QPV, accessible; and
    équivalents-logements of the foyers, all and F/G."""
    out = {}
    for niveau in NIVEAUX:
        rows = data.execute(
            f"SELECT {niveau}, count(*), count(*) FILTER (WHERE classe_fg), "
            f"count(*) FILTER (WHERE en_qpv), count(*) FILTER (WHERE ACCESSIBLE_PMR) "
            f"FROM logements GROUP BY {niveau} HAVING {niveau} IS NOT NULL"
        ).fetchall()
        for territoire, total, fg, qpv, pmr in rows:
            out[(niveau, territoire)] = {"logements": total, "fg": fg, "qpv": qpv, "pmr": pmr}
        rows = data.execute(
            f"SELECT {niveau}, sum(equivalents), coalesce(sum(equivalents) FILTER "
            f"(WHERE classe_fg), 0) FROM foyer GROUP BY {niveau} HAVING {niveau} IS NOT NULL"
        ).fetchall()
        for territoire, equivalents, fg in rows:
            counts = out.setdefault(
                (niveau, territoire), dict.fromkeys(("logements", "fg", "qpv", "pmr"), 0)
            )
            counts |= {"equivalents": equivalents, "equivalents_fg": fg}
    return out
