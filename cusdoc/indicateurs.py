"""Compute stage: the indicator catalogue, reference values from the data, and stock tables.

The definitions are SQL over the tables of cusdoc.donnees, so that an analyst can review them.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).resolve().parent / "data" / "indicateurs.yml"
NIVEAUX = ("departement", "epci")  # the levels a reference is computed at
TOTAL = "total"


@dataclass(frozen=True)
class Indicateur:
    id: str
    titre: str
    intitule: str
    a_verifier: bool
    engagement: str
    volet: str
    obligatoire: bool
    unite: str  # nombre, pourcent, euros
    horizon: str  # annuel, cumul
    echelle: str  # departement, epci, organisme, region
    ventilations: tuple[str, ...]
    reference: str  # calculee, declaree

    @property
    def additif(self) -> bool:
        """Counts add up across years and territories; rates and amounts do not."""
        return self.unite == "nombre"


@cache
def load_catalogue() -> dict[str, Indicateur]:
    """The indicators in the order of the catalogue file."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {
        key: Indicateur(
            id=key,
            titre=item["titre"],
            intitule=item["intitule"],
            a_verifier=item["a_verifier"],
            engagement=item["engagement"],
            volet=item["volet"],
            obligatoire=item["obligatoire"],
            unite=item["unite"],
            horizon=item["horizon"],
            echelle=item["echelle"],
            ventilations=tuple(item["ventilations"]),
            reference=item["reference"],
        )
        for key, item in data.items()
    }


# Reference values: for each indicator and breakdown, (condition, rows, rate?). A rate is the
# share of the rows that meet the condition, in %; a count, the number of such rows.
# {annee} is the reference year. [MEMORY — verify] for PS-2 and PS-3 "dont part hors QPV": read
# as the share, among all attributions, of those made hors QPV to the households concerned.
ATTRIBUTIONS = "attribution WHERE annee = {annee}"
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


def compute_references(db, annee: int) -> tuple[dict, dict]:
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
            rows = db.execute(
                f"SELECT {niveau}, {aggregate}, count(*) FROM {source.format(annee=annee)} "
                f"GROUP BY {niveau} HAVING {niveau} IS NOT NULL"
            ).fetchall()
            for territoire, value, count in rows:
                key = (indicateur, niveau, territoire, ventilation)
                values[key] = value
                if rate:
                    denominators[key] = count
    return values, denominators


def missing_thresholds(db, annee: int) -> list[str]:
    """EPCI with attributions in the reference year but no first-quartile threshold for it."""
    rows = db.execute(
        "SELECT DISTINCT epci FROM attribution a WHERE annee = ? AND epci IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM seuils_premier_quartile s "
        "WHERE s.EPCI = a.epci AND s.annee = a.annee) ORDER BY epci",
        [annee],
    ).fetchall()
    return [epci for (epci,) in rows]


def stock(db) -> dict[tuple[str, str], dict[str, int]]:
    """(niveau, territoire) → counts of the stock: logements, F/G, QPV, accessible."""
    out = {}
    for niveau in NIVEAUX:
        rows = db.execute(
            f"SELECT {niveau}, count(*), count(*) FILTER (WHERE classe_fg), "
            f"count(*) FILTER (WHERE en_qpv), count(*) FILTER (WHERE ACCESSIBLE_PMR) "
            f"FROM logements GROUP BY {niveau} HAVING {niveau} IS NOT NULL"
        ).fetchall()
        for territoire, total, fg, qpv, pmr in rows:
            out[(niveau, territoire)] = {"logements": total, "fg": fg, "qpv": qpv, "pmr": pmr}
    return out
