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


def _rate(numerator: str) -> str:
    return f"100.0 * count(*) FILTER (WHERE {numerator}) / nullif(count(*), 0)"


# Reference values: for each indicator and breakdown, the SQL aggregate and the rows it runs on.
# {annee} is the reference year. [MEMORY — verify] for PS-2 and PS-3 "dont part hors QPV": read
# as the share, among all attributions, of those made hors QPV to the households concerned.
REFERENCES = {
    ("PP-2", TOTAL): ("count(*) FILTER (WHERE classe_fg)", "logements"),
    ("SR-1", TOTAL): ("count(*) FILTER (WHERE ACCESSIBLE_PMR)", "logements"),
    ("PP-5", TOTAL): (_rate("mutation"), "attribution WHERE annee = {annee}"),
    ("PS-2", TOTAL): (_rate("prioritaire OR dalo"), "attribution WHERE annee = {annee}"),
    ("PS-2", "hors QPV"): (
        _rate("(prioritaire OR dalo) AND NOT QPV"),
        "attribution WHERE annee = {annee}",
    ),
    ("PS-3", TOTAL): (_rate("dalo"), "attribution WHERE annee = {annee}"),
    ("PS-3", "hors QPV"): (_rate("dalo AND NOT QPV"), "attribution WHERE annee = {annee}"),
    # PS-1: attributions with a signed lease outside QPV, to households under the EPCI's
    # first-quartile threshold of the year or rehoused by an urban-renewal operation.
    ("PS-1", TOTAL): (
        _rate("ressources_uc < s.seuil OR relogement_anru"),
        "attribution a JOIN (SELECT annee AS seuil_annee, EPCI AS seuil_epci, seuil "
        "FROM seuils_premier_quartile) s ON s.seuil_epci = a.epci AND s.seuil_annee = a.annee "
        "WHERE a.annee = {annee} AND bail_signe AND NOT QPV",
    ),
}


def compute_references(db, annee: int) -> dict[tuple[str, str, str, str], float | None]:
    """(indicateur, niveau, territoire, ventilation) → reference value, for every territory."""
    values = {}
    for (indicateur, ventilation), (aggregate, source) in REFERENCES.items():
        for niveau in NIVEAUX:
            rows = db.execute(
                f"SELECT {niveau}, {aggregate} FROM {source.format(annee=annee)} "
                f"GROUP BY {niveau} HAVING {niveau} IS NOT NULL"
            ).fetchall()
            for territoire, value in rows:
                values[(indicateur, niveau, territoire, ventilation)] = value
    return values


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
