"""The values a writer refers to in a sentence, §{nom}, computed for every territory at once.

The catalogue (`CATALOGUE`) is the documented list of names: the docs site and the editor schema
are generated from it. Values are computed for each territory on its rows, as `Data.territory`
would show them, so that the same sentence gives the organisation's figure in the convention, a
zoom's figure in a zoom, and the partner's figure in the partner's extract; each query groups its
rows by territory, so that a hundred partners cost the queries of one. Counts of households and
of attributions under the statistical secrecy threshold are masked, as in the tables.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

from cusdoc.compute import classement, foyers, npl
from cusdoc.compute.references import REFERENCES
from cusdoc.compute.tables import CLASSES, FAMILLES
from cusdoc.load.data import Data
from cusdoc.load.geography import Territoire
from cusdoc.model import CATEGORIES_NPL, ORGANISME, TOTAL, Quantity, slug


@dataclass(frozen=True)
class Definition:
    libelle: str  # what the value is, for the docs and the editor
    unite: str  # nombre, pourcent, annee, texte, euros, euros par m²
    groupe: str


def _slug(text: str) -> str:
    return slug(text, "_")


PATRIMOINE = "Patrimoine (RPLS, au 1er janvier suivant l'année de référence)"
ATTRIBUTIONS = "Attributions (baux signés de l'année de référence)"
CLASSEMENT = "Classement des ensembles immobiliers"
TRAVAUX = "Travaux et ventes (travaux.csv, logements de l'année de référence)"
CONVENTION = "Convention"
NPL = "Nouvelle politique des loyers (annexe, content/donnees/npl.csv)"
FOYERS = "Logements-foyers (content/donnees/foyers.csv)"
ENGAGEMENTS = "Engagements (pour le territoire du passage)"

PIECES = {"t1": "d'une pièce", "t2": "de deux pièces", "t3": "de trois pièces"}
PIECES |= {"t4": "de quatre pièces", "t5_plus": "de cinq pièces et plus"}
PERIODES = {
    "avant_1980": ("achevés avant 1980", "CONSTRUCT < 1980"),
    "annees_1960": ("achevés de 1960 à 1969", "CONSTRUCT BETWEEN 1960 AND 1969"),
    "annees_1970": ("achevés de 1970 à 1979", "CONSTRUCT BETWEEN 1970 AND 1979"),
    "1980_1999": ("achevés de 1980 à 1999", "CONSTRUCT BETWEEN 1980 AND 1999"),
    "depuis_2000": ("achevés depuis 2000", "CONSTRUCT >= 2000"),
    "depuis_2010": ("achevés depuis 2010", "CONSTRUCT >= 2010"),
}


def _stock_counts() -> dict[str, tuple[str, str]]:
    """name → (label, SQL condition on logements) of every count of the stock."""
    counts = {
        "collectifs": ("collectifs", "TYPECONST = 'C'"),
        "individuels": ("individuels", "TYPECONST = 'I'"),
        "qpv": ("situés en quartier prioritaire de la politique de la ville", "en_qpv"),
        "hors_qpv": ("situés hors quartier prioritaire", "NOT en_qpv"),
        "pmr": ("accessibles aux personnes à mobilité réduite", "ACCESSIBLE_PMR"),
        "fg": ("classés F ou G (DPE énergie)", "classe_fg"),
        "abc": ("classés A, B ou C (DPE énergie)", "DPEENERGIE IN ('A', 'B', 'C')"),
        "sans_dpe": ("sans diagnostic de performance énergétique", "DPEENERGIE IS NULL"),
        "plan_vente": ("inscrits au plan de mise en vente", "mise_en_vente IS NOT NULL"),
        "plan_vente_individuels": (
            "individuels inscrits au plan de mise en vente",
            "mise_en_vente IS NOT NULL AND TYPECONST = 'I'",
        ),
        "plan_vente_collectifs": (
            "collectifs inscrits au plan de mise en vente (leur vente crée une copropriété)",
            "mise_en_vente IS NOT NULL AND TYPECONST = 'C'",
        ),
    }
    for classe in CLASSES:
        counts[f"classe_{classe.lower()}"] = (f"classés {classe} (DPE énergie)", _dpe(classe))
    for famille in FAMILLES:
        # the family of docs/donnees.md: category of ceilings (CUS), else initial financing
        counts[_slug(famille)] = (f"de la famille {famille}", f"famille = '{famille}'")
    counts["autres"] = (
        "de la famille « autres » (HLM/O, financements antérieurs à 1977 et autres)",
        counts["autres"][1],
    )
    for key, label in PIECES.items():
        rooms = "NBPIECE >= 5" if key == "t5_plus" else f"NBPIECE = {key[1]}"
        counts[key] = (label, rooms)
    for key, (label, condition) in PERIODES.items():
        counts[key] = (label, condition)
    return counts


def _dpe(classe: str) -> str:
    return f"DPEENERGIE = '{classe}'"


STOCK = _stock_counts()

# name → (label, SQL condition on operations): the logements of the works and sales of the
# reference year, by the very definitions of the references of PP-2, PP-3, PP-4 and SR-1.
WORKS = {
    "rehabilitations": (
        "logements réhabilités (définition de PP-3)",
        REFERENCES[("PP-3", TOTAL)][0],
    ),
    "renovations_energetiques": (
        "logements classés F ou G portés en étiquette A à E (définition de PP-2)",
        REFERENCES[("PP-2", TOTAL)][0],
    ),
    "adaptations_pmr": (
        "logements rendus accessibles ou adaptés (définition de SR-1)",
        REFERENCES[("SR-1", TOTAL)][0],
    ),
    "mises_en_commercialisation": (
        "logements mis en commercialisation (définition de PP-4)",
        REFERENCES[("PP-4", TOTAL)][0],
    ),
    "ventes": ("logements vendus", "nature = 'vente'"),
}
NEEDS = dict.fromkeys(WORKS, "travaux")  # value → the optional data file it is computed from


def _catalogue() -> dict[str, Definition]:
    out = {
        "periode": Definition("période de la convention (2025-2030)", "texte", CONVENTION),
        "premiere_annee": Definition("première année de la convention", "annee", CONVENTION),
        "derniere_annee": Definition("dernière année de la convention", "annee", CONVENTION),
        "annee_reference": Definition("année de référence des engagements", "annee", CONVENTION),
        "annee_patrimoine": Definition(
            "année des données du patrimoine (au 1er janvier)", "annee", CONVENTION
        ),
        "seuil_secret": Definition(
            "seuil du secret statistique : un effectif inférieur est masqué", "nombre", CONVENTION
        ),
        "sur_le_territoire": Definition(
            "le territoire du passage, pour qu'un chiffre se lise comme le sien : « dans le "
            "département d'Indre-et-Loire », « sur le territoire de la Communauté de communes du "
            "Grand Chambord » ; rien pour l'organisme (l'espace qui le précède disparaît avec lui)",
            "texte",
            CONVENTION,
        ),
        "logements": Definition("logements familiaux", "nombre", PATRIMOINE),
        "part_parc": Definition(
            "part du patrimoine de l'organisme située sur le territoire", "pourcent", PATRIMOINE
        ),
        "ensembles": Definition("ensembles immobiliers", "nombre", PATRIMOINE),
        "communes": Definition(
            "communes où l'organisme possède des logements", "nombre", PATRIMOINE
        ),
        "quartiers_qpv": Definition(
            "quartiers prioritaires où l'organisme possède des logements", "nombre", PATRIMOINE
        ),
        "annee_construction_moyenne": Definition(
            "année moyenne d'achèvement des logements", "annee", PATRIMOINE
        ),
    }
    for key, (label, _) in STOCK.items():
        out[f"logements_{key}"] = Definition(f"logements {label}", "nombre", PATRIMOINE)
        out[f"part_{key}"] = Definition(f"part des logements {label}", "pourcent", PATRIMOINE)
    out["logements_segment_<code>"] = Definition(
        "logements d'un segment de patrimoine (CODSEGPATRIM en minuscules : "
        "logements_segment_ceder)",
        "nombre",
        PATRIMOINE,
    )
    out["part_segment_<code>"] = Definition(
        "part des logements d'un segment de patrimoine (part_segment_ceder)", "pourcent", PATRIMOINE
    )
    out["logements_quartier_<code>"] = Definition(
        "logements situés dans un quartier prioritaire, désigné par son code en minuscules "
        "(logements_quartier_qn037006m)",
        "nombre",
        PATRIMOINE,
    )
    out |= {
        "attributions": Definition("attributions suivies d'un bail signé", "nombre", ATTRIBUTIONS),
        "attributions_<année>": Definition(
            "attributions suivies d'un bail signé une année donnée (attributions_2021)",
            "nombre",
            ATTRIBUTIONS,
        ),
        "attributions_qpv": Definition(
            "dont logements situés en quartier prioritaire", "nombre", ATTRIBUTIONS
        ),
        "part_attributions_qpv": Definition(
            "part des attributions en quartier prioritaire", "pourcent", ATTRIBUTIONS
        ),
        "attributions_prioritaires": Definition(
            "dont ménages prioritaires (L. 441-1) ou reconnus DALO", "nombre", ATTRIBUTIONS
        ),
        "part_attributions_prioritaires": Definition(
            "part des attributions aux ménages prioritaires ou DALO", "pourcent", ATTRIBUTIONS
        ),
        "attributions_mutations": Definition(
            "dont mutations de ménages déjà locataires du parc social", "nombre", ATTRIBUTIONS
        ),
        "part_attributions_mutations": Definition(
            "part des mutations dans les attributions", "pourcent", ATTRIBUTIONS
        ),
        "attributions_dalo": Definition(
            "dont ménages reconnus prioritaires et urgents (DALO)", "nombre", ATTRIBUTIONS
        ),
        "part_attributions_dalo": Definition(
            "part des attributions aux ménages reconnus au titre du DALO", "pourcent", ATTRIBUTIONS
        ),
        "part_attributions_premier_quartile": Definition(
            "part des attributions hors quartier prioritaire aux demandeurs du premier quartile "
            "ou relogés (définition de l'indicateur PS-1)",
            "pourcent",
            ATTRIBUTIONS,
        ),
        "part_attributions_qpv_autres_quartiles": Definition(
            "part des attributions en quartier prioritaire aux demandeurs des deuxième, "
            "troisième et quatrième quartiles",
            "pourcent",
            ATTRIBUTIONS,
        ),
        "menages": Definition("ménages occupants recensés par ensemble", "nombre", CLASSEMENT),
        "taux_vacance": Definition(
            "taux de vacance, moyenne des ensembles pondérée par leurs logements",
            "pourcent",
            CLASSEMENT,
        ),
        "taux_rotation": Definition(
            "taux de rotation, moyenne des ensembles pondérée par leurs logements",
            "pourcent",
            CLASSEMENT,
        ),
    }
    out |= {name: Definition(label, "nombre", TRAVAUX) for name, (label, _) in WORKS.items()}
    for classe in ("a", "b", "c", "d"):
        label = f"de la classe de service rendu {classe.upper()}"
        out[f"ensembles_service_{classe}"] = Definition(f"ensembles {label}", "nombre", CLASSEMENT)
        out[f"logements_service_{classe}"] = Definition(
            f"logements des ensembles {label}", "nombre", CLASSEMENT
        )
    out["ensembles_occupation_<categorie>"] = Definition(
        "ensembles d'une catégorie d'occupation de content/classement.yml "
        "(ensembles_occupation_fragile, ensembles_occupation_a_surveiller…)",
        "nombre",
        CLASSEMENT,
    )
    out["logements_occupation_<categorie>"] = Definition(
        "logements des ensembles d'une catégorie d'occupation", "nombre", CLASSEMENT
    )
    out["ensembles_occupation_non_publiee"] = Definition(
        "ensembles dont la catégorie d'occupation n'est pas publiée (moins de ménages que le "
        "seuil du secret statistique) ; les autres catégories ne les comptent pas",
        "nombre",
        CLASSEMENT,
    )
    out["logements_occupation_non_publiee"] = Definition(
        "logements des ensembles dont la catégorie d'occupation n'est pas publiée",
        "nombre",
        CLASSEMENT,
    )
    out |= {
        "npl_ensembles": Definition("ensembles immobiliers de l'annexe", "nombre", NPL),
        "npl_logements": Definition("logements des ensembles de l'annexe", "nombre", NPL),
        "npl_surface": Definition(
            "surface (utile ou corrigée, en m²) des ensembles de l'annexe", "nombre", NPL
        ),
        "npl_masse_avant": Definition(
            "masse des loyers maximums avant la nouvelle politique des loyers", "euros", NPL
        ),
        "npl_masse_apres": Definition(
            "masse des loyers maximums après la nouvelle politique des loyers", "euros", NPL
        ),
        "npl_masse_transferee": Definition(
            "masse des loyers maximums reçue par les ensembles dont la masse croît (celle que "
            "cèdent les autres)",
            "euros",
            NPL,
        ),
        "npl_loyer_moyen_avant": Definition(
            "loyer maximum moyen au m² avant la nouvelle politique des loyers",
            "euros par m²",
            NPL,
        ),
        "npl_loyer_moyen_apres": Definition(
            "loyer maximum moyen au m² après la nouvelle politique des loyers",
            "euros par m²",
            NPL,
        ),
        "npl_plafond_pls": Definition(
            "plafond du PLS déclaré dans content/npl.yml", "euros par m²", NPL
        ),
    }
    for categorie in CATEGORIES_NPL:
        key = categorie.lower()
        out[f"npl_logements_{key}"] = Definition(
            f"logements de catégorie {categorie} après la nouvelle politique des loyers",
            "nombre",
            NPL,
        )
        out[f"npl_part_{key}"] = Definition(
            f"part des logements de l'annexe de catégorie {categorie} après la nouvelle politique "
            "des loyers",
            "pourcent",
            NPL,
        )
    out |= {
        "foyers": Definition("établissements (logements-foyers)", "nombre", FOYERS),
        "equivalents_foyers": Definition(
            "équivalents-logements des logements-foyers", "nombre", FOYERS
        ),
        "equivalents_foyers_fg": Definition(
            "équivalents-logements des logements-foyers classés F ou G (DPE énergie)",
            "nombre",
            FOYERS,
        ),
        "part_foyers": Definition(
            "part des logements-foyers dans le patrimoine : équivalents-logements parmi les "
            "logements familiaux et les équivalents-logements",
            "pourcent",
            FOYERS,
        ),
        "regime_foyers": Definition(
            "ce que la part des logements-foyers dans le patrimoine de l'organisme entraîne pour "
            "la convention (« les logements-foyers forment une catégorie autonome d'engagements "
            "de la convention », de 50 % « la convention comporte une partie… », à 100 % "
            "« l'organisme conclut une convention… », ou « l'organisme ne gère pas de "
            "logements-foyers »)",
            "texte",
            FOYERS,
        ),
    }
    out |= {
        "reference.<INDICATEUR>": Definition(
            "valeur de référence d'un indicateur (reference.PS-2)",
            "selon l'indicateur",
            ENGAGEMENTS,
        ),
        "engagement.<INDICATEUR>.<année>": Definition(
            "engagement d'une année (engagement.PP-1.2026)", "selon l'indicateur", ENGAGEMENTS
        ),
        "engagement.<INDICATEUR>.<ventilation>.<année>": Definition(
            "engagement d'une ventilation (engagement.PP-1.plai.2026)",
            "selon l'indicateur",
            ENGAGEMENTS,
        ),
        "engagement.<INDICATEUR>.cumul": Definition(
            "somme des engagements de la période (indicateurs en nombre)",
            "selon l'indicateur",
            ENGAGEMENTS,
        ),
        "engagement.<INDICATEUR>.moyenne": Definition(
            "moyenne annuelle des engagements de la période", "selon l'indicateur", ENGAGEMENTS
        ),
        "engagement.<INDICATEUR>.minimum": Definition(
            "plus petit engagement annuel de la période", "selon l'indicateur", ENGAGEMENTS
        ),
        "engagement.<INDICATEUR>.maximum": Definition(
            "plus grand engagement annuel de la période", "selon l'indicateur", ENGAGEMENTS
        ),
    }
    return out


CATALOGUE = _catalogue()


# Where a row of each table the values count stands: SQL of its département and of its EPCI on
# the row `t`, and the joins that find them. Every row stands in the organisation too.
LOCATIONS = {
    "logements": ("t.departement", "t.epci", ""),
    "attribution": ("t.departement", "t.epci", ""),
    "operations": ("t.departement", "t.epci", ""),
    "foyer": ("t.departement", "t.epci", ""),
    "ensembles": (
        "c.departement",
        "nullif(c.epci, '')",
        "LEFT JOIN main.communes c ON c.code = t.DEPCOM",
    ),
}


def _by_territory(data: Data, sql: str, territoires: list[str], *parameters) -> list[tuple]:
    """The rows of a query on every territory at once (data: the whole organisation's): each
    table it names holds its rows in each territory asked ($1), with the column `territoire`
    (ORGANISME: every row), as `Data.territory` shows them one territory at a time."""
    views = ", ".join(
        f"{table} AS ({_rows_by_territory(table, *location)})"
        for table, location in LOCATIONS.items()
        if re.search(rf"\b{table}\b", sql)
    )
    return data.execute(f"WITH {views} {sql}", [territoires, *parameters]).fetchall()


def _rows_by_territory(table: str, departement: str, epci: str, joins: str) -> str:
    # One scan by level of territory: cheaper than a join on the territories once they are many.
    return " UNION ALL ".join(
        f"SELECT {key} AS territoire, t.* FROM main.{table} t {joins} "
        f"WHERE list_contains($1, {key})"
        for key in (f"'{ORGANISME}'", departement, epci)
    )


def all_values(
    data: Data,
    territoires: Iterable[str],
    annee: int,
    seuil: int,
    config: dict | None,
    loyers: dict | None = None,
) -> dict[str, dict[str, Quantity]]:
    """Every data value of the catalogue for each territory given (ORGANISME: all the data);
    config: the classement's declarations, loyers: those of the NPL annex, if any. Each query
    groups its rows by territory: the values of many territories cost the queries of one."""
    territoires = list(dict.fromkeys(territoires))
    stock = _stock(data, territoires)
    ensembles = _ensembles(data, territoires)
    parts = [
        stock,
        _attributions(data, territoires, annee, seuil),
        _quartiles(data, territoires, annee, seuil),
        _works(data, territoires, annee) if data.present("travaux") else {},
        {territoire: _occupation(rows, seuil) for territoire, rows in ensembles.items()},
        _classement(data, ensembles, seuil, config) if config is not None else {},
        _npl(data, ensembles, loyers),
        _foyers(data, territoires, stock),
    ]
    out: dict[str, dict[str, Quantity]] = {territoire: {} for territoire in territoires}
    for part in parts:
        for territoire, values in part.items():
            out[territoire] |= values
    return out


def _stock(data: Data, territoires: list[str]) -> dict[str, dict[str, Quantity]]:
    """The counts and shares of the stock, by quartier prioritaire and by segment too."""
    counts = ", ".join(f"count(*) FILTER (WHERE {c})" for _, c in STOCK.values())
    rows = _by_territory(
        data,
        f"SELECT territoire, count(*), count(DISTINCT ENSEMBLE), count(DISTINCT DEPCOM), "
        f"count(DISTINCT QPV), avg(CONSTRUCT), {counts} FROM logements GROUP BY territoire",
        territoires,
    )
    found = {territoire: row for territoire, *row in rows}
    none = (0, 0, 0, 0, None, *(0 for _ in STOCK))
    out = {territoire: _stock_values(*found.get(territoire, none)) for territoire in territoires}
    # A quartier's row has no segment, a segment's no quartier; those of neither are left out.
    for territoire, quartier, segment, n in _by_territory(
        data,
        "SELECT territoire, QPV, CODSEGPATRIM, count(*) FROM logements "
        "GROUP BY GROUPING SETS ((territoire, QPV), (territoire, CODSEGPATRIM))",
        territoires,
    ):
        values = out[territoire]
        if quartier is not None:
            values[f"logements_quartier_{quartier.lower()}"] = Quantity(n)
        elif segment is not None:
            values[f"logements_segment_{_slug(segment)}"] = Quantity(n)
            values[f"part_segment_{_slug(segment)}"] = _share(n, values["logements"].value)
    return out


def _stock_values(total, ensembles, communes, quartiers, moyenne, *stock) -> dict[str, Quantity]:
    values = {
        "logements": Quantity(total),
        "ensembles": Quantity(ensembles),
        "communes": Quantity(communes),
        "quartiers_qpv": Quantity(quartiers),
        "annee_construction_moyenne": Quantity(
            None if moyenne is None else round(moyenne), "annee"
        ),
    }
    for key, n in zip(STOCK, stock, strict=True):
        values[f"logements_{key}"] = Quantity(n)
        values[f"part_{key}"] = _share(n, total)
    return values


def _share(part, whole, masked: str | None = None) -> Quantity:
    return Quantity(100 * part / whole if whole else None, "pourcent", masked=masked)


SECRET = "effectif inférieur au seuil du secret statistique"


def _count(n: int, seuil: int) -> Quantity:
    return Quantity(n, masked=SECRET if 0 < n < seuil else None)


def _attributions(
    data: Data, territoires: list[str], annee: int, seuil: int
) -> dict[str, dict[str, Quantity]]:
    """The attributions with a signed lease of each year, and those of the reference year with
    the households they went to."""
    rows = _by_territory(
        data,
        "SELECT territoire, annee, count(*), count(*) FILTER (WHERE QPV), count(*) FILTER (WHERE "
        "prioritaire OR dalo), count(*) FILTER (WHERE mutation), count(*) FILTER (WHERE dalo) "
        "FROM attribution WHERE bail_signe GROUP BY territoire, annee",
        territoires,
    )
    years: dict[str, dict[str, Quantity]] = {territoire: {} for territoire in territoires}
    counts = {}
    for territoire, year, *row in rows:
        years[territoire][f"attributions_{year}"] = _count(row[0], seuil)
        if year == annee:
            counts[territoire] = row
    return {
        territoire: _attribution_values(counts.get(territoire, (0,) * 5), years[territoire], seuil)
        for territoire in territoires
    }


def _attribution_values(counts: tuple, years: dict, seuil: int) -> dict[str, Quantity]:
    total, qpv, prioritaires, mutations, dalo = counts
    # A rate on fewer attributions than the threshold tells about too few households.
    hidden = SECRET if 0 < total < seuil else None
    out = {"attributions": _count(total, seuil), **years}
    counted = (("qpv", qpv), ("prioritaires", prioritaires), ("mutations", mutations))
    for key, n in (*counted, ("dalo", dalo)):
        out[f"attributions_{key}"] = _count(n, seuil)
        masked = hidden or (SECRET if 0 < n < seuil else None)
        out[f"part_attributions_{key}"] = _share(n, total, masked)
    return out


def _quartiles(
    data: Data, territoires: list[str], annee: int, seuil: int
) -> dict[str, dict[str, Quantity]]:
    """The mixité shares of CCH L. 441-1, on attributions with a signed lease in EPCI that have
    a first-quartile threshold for the year (as the reference of PS-1 is computed)."""
    rows = _by_territory(
        data,
        """
        SELECT territoire, QPV, count(*),
               count(*) FILTER (WHERE ressources_uc < s.seuil OR relogement_anru),
               count(*) FILTER (WHERE ressources_uc >= s.seuil)
        FROM attribution a JOIN (SELECT annee AS seuil_annee, EPCI AS seuil_epci, seuil
                                 FROM seuils_premier_quartile) s
             ON s.seuil_epci = a.epci AND s.seuil_annee = a.annee
        WHERE a.annee = $2 AND bail_signe GROUP BY territoire, QPV
        """,
        territoires,
        annee,
    )
    by_qpv = {(t, bool(qpv)): counts for t, qpv, *counts in rows}
    out = {}
    for territoire in territoires:
        values = out[territoire] = {}
        for key, qpv, column in (("premier_quartile", False, 1), ("qpv_autres_quartiles", True, 2)):
            total, *parts = by_qpv.get((territoire, qpv), (0, 0, 0))
            n = parts[column - 1]
            masked = SECRET if 0 < total < seuil or 0 < n < seuil else None
            values[f"part_attributions_{key}"] = _share(n, total, masked)
    return out


def _works(data: Data, territoires: list[str], annee: int) -> dict[str, dict[str, Quantity]]:
    """The logements of the reference year's works and sales (not household data: no secrecy)."""
    sums = ", ".join(f"coalesce(sum(logements) FILTER (WHERE {c}), 0)" for _, c in WORKS.values())
    rows = _by_territory(
        data,
        f"SELECT territoire, {sums} FROM operations WHERE annee = $2 GROUP BY territoire",
        territoires,
        annee,
    )
    found = {territoire: row for territoire, *row in rows}
    none = [0] * len(WORKS)
    return {
        territoire: {
            name: Quantity(n) for name, n in zip(WORKS, found.get(territoire, none), strict=True)
        }
        for territoire in territoires
    }


class Ensemble(NamedTuple):
    """A row of ensembles.csv as a territory holds it."""

    code: str
    menages: float
    taux_vacance: float
    taux_rotation: float
    logements: int  # its logements in the territory


def _ensembles(data: Data, territoires: list[str]) -> dict[str, list[Ensemble]]:
    """The ensembles of each territory, read once."""
    out: dict[str, list[Ensemble]] = {territoire: [] for territoire in territoires}
    for territoire, _, *row in _by_territory(
        data,
        """
        SELECT e.territoire, e.ligne, e.ENSEMBLE, e.menages, e.taux_vacance, e.taux_rotation,
               count(l.ENSEMBLE)
        FROM ensembles e
        LEFT JOIN logements l ON l.territoire = e.territoire AND l.ENSEMBLE = e.ENSEMBLE
        GROUP BY ALL
        """,
        territoires,
    ):
        out[territoire].append(Ensemble(*row))
    return out


def _occupation(ensembles: list[Ensemble], seuil: int) -> dict[str, Quantity]:
    """The households of the ensembles with logements in the territory, and their rates weighted
    by those logements (added up exactly: the same figure in whatever order the rows come)."""
    occupied = [e for e in ensembles if e.logements]
    logements = sum(e.logements for e in occupied)
    vacance = math.fsum(e.taux_vacance * e.logements for e in occupied)
    rotation = math.fsum(e.taux_rotation * e.logements for e in occupied)
    return {
        "menages": _count(int(sum(e.menages for e in occupied)), seuil),
        "taux_vacance": Quantity(vacance / logements if logements else None, "pourcent"),
        "taux_rotation": Quantity(rotation / logements if logements else None, "pourcent"),
    }


def _classement(
    data: Data, ensembles: dict[str, list[Ensemble]], seuil: int, config: dict
) -> dict[str, dict[str, Quantity]]:
    """The classement's counts of each territory: every ensemble classed once, then counted in
    each territory with its logements there."""
    classed: dict[str, list[dict]] = {}
    for row in classement.classify(data, config, seuil):
        classed.setdefault(row["ensemble"], []).append(row)
    out = {}
    for territoire, found in ensembles.items():
        logements = {e.code: e.logements for e in found}
        kept = [(r, n) for code, n in logements.items() for r in classed.get(code, [])]
        out[territoire] = _classement_values(kept, config)
    return out


def _classement_values(ensembles: list[tuple[dict, int]], config: dict) -> dict[str, Quantity]:
    """The ensembles and logements of each class of service rendu and occupation category;
    ensembles: each classed ensemble with its logements in the territory."""
    counted: Counter = Counter()
    logements: Counter = Counter()
    for ensemble, n in ensembles:
        occupation = ensemble["categorie"] if ensemble["publiee"] else classement.NON_PUBLIEE
        for key in (("service", ensemble["classe"]), ("occupation", occupation)):
            counted[key] += 1
            logements[key] += n
    categories = [c["categorie"] for c in config["occupation"]["categories"]]
    keys = [("service", c) for c in "ABCD"]
    keys += [("occupation", c) for c in (*categories, classement.NON_PUBLIEE)]
    out = {}
    for key in keys:
        name = "_".join((key[0], _slug(key[1])))
        out[f"ensembles_{name}"] = Quantity(counted[key])
        out[f"logements_{name}"] = Quantity(logements[key])
    return out


def _npl(
    data: Data, ensembles: dict[str, list[Ensemble]], loyers: dict | None
) -> dict[str, dict[str, Quantity]]:
    """The totals of the NPL annex for the ensembles of each territory: every ensemble of the
    annex read once (cusdoc check has found each in ensembles.csv)."""
    rows = npl.ensembles(data)
    out = {}
    for territoire, found in ensembles.items():
        codes = {e.code for e in found}
        out[territoire] = npl_values([r for r in rows if r["ensemble"] in codes], loyers)
    return out


def npl_values(rows: list[dict], loyers: dict | None) -> dict[str, Quantity]:
    """The NPL's figures of the ensembles given (rows of `npl.ensembles`); loyers: the annex
    content/npl.yml, for the PLS ceiling it declares."""
    total = npl.totals(rows)
    avant, apres = total["avant"], total["apres"]
    out = {
        "npl_ensembles": Quantity(total["ensembles"]),
        "npl_logements": Quantity(avant["logements"]),
        "npl_surface": Quantity(avant["surface"]),
        "npl_masse_avant": Quantity(avant["masse"], "euros"),
        "npl_masse_apres": Quantity(apres["masse"], "euros"),
        "npl_masse_transferee": Quantity(total["transfert"], "euros"),
        "npl_loyer_moyen_avant": Quantity(avant["loyer"], "euros_m2"),
        "npl_loyer_moyen_apres": Quantity(apres["loyer"], "euros_m2"),
    }
    for categorie, n in total["categories"].items():
        out[f"npl_logements_{categorie.lower()}"] = Quantity(n)
        out[f"npl_part_{categorie.lower()}"] = _share(n, apres["logements"])
    if loyers is not None:
        out["npl_plafond_pls"] = Quantity(loyers["plafond_pls"]["valeur"], "euros_m2")
    return out


def _foyers(data: Data, territoires: list[str], stock: dict) -> dict[str, dict[str, Quantity]]:
    rows = _by_territory(
        data,
        "SELECT territoire, count(*), coalesce(sum(equivalents), 0), "
        "coalesce(sum(equivalents) FILTER (WHERE classe_fg), 0) FROM foyer GROUP BY territoire",
        territoires,
    )
    found = {territoire: row for territoire, *row in rows}
    out = {}
    for territoire in territoires:
        etablissements, equivalents, fg = found.get(territoire, (0, 0, 0))
        logements = stock[territoire]["logements"].value
        out[territoire] = {
            "foyers": Quantity(etablissements),
            "equivalents_foyers": Quantity(equivalents),
            "equivalents_foyers_fg": Quantity(fg),
            "part_foyers": Quantity(foyers.part(equivalents, logements), "pourcent"),
        }
    return out


# The values that count what a column of the attributions table counts: masked as the table
# masks it, so that no sentence gives back by difference what the table hides.
TABLE_COLUMNS = {
    "attributions": ("Attributions",),
    "attributions_prioritaires": ("dont ménages prioritaires",),
    "attributions_dalo": ("dont DALO",),
    "attributions_mutations": ("dont mutations",),
    "attributions_qpv": ("Attributions", "dont hors QPV"),  # the difference of the two
}


def under_secret(values: dict, secret, parts: frozenset) -> dict:
    """The values with the organisation's masks of the attributions table applied: a count is
    masked with the cell of the same rows and column (or with a part it adds up), a share with
    its count or the count it is the share of."""
    if secret is None:
        return values
    out = dict(values)
    masked = set()
    for name, columns in TABLE_COLUMNS.items():
        value = values.get(name)
        if value is None or value.value is None:
            continue
        if value.masked or any(secret.masks(parts, c, int(value.value)) for c in columns):
            out[name] = replace(value, masked=SECRET)
            masked.add(name)
    for name in TABLE_COLUMNS:
        share = f"part_{name}"
        if share in out and ({name, "attributions"} & masked):
            out[share] = replace(out[share], masked=SECRET)
    return out


# Counts by a code of the data (a quartier, a category): a code the data do not have counts 0.
ABSENT_IS_ZERO = ("logements_quartier_", "ensembles_occupation_", "logements_occupation_")


def value_of(values: dict, nom: str):
    """The value §{nom} gives among a territory's values: 0 for a quartier or a category the
    data have no logement in, None for a name they do not give."""
    found = values.get(nom)
    if found is None and nom.startswith(ABSENT_IS_ZERO):
        return Quantity(0)
    return found


def situation(territoire: Territoire | None) -> str:
    """Where a passage's figures lie, as a sentence says it (`sur_le_territoire`); nothing for
    the organisation."""
    if territoire is None:
        return ""
    if territoire.nature == "département":
        return f"dans le département {territoire.appellation.du}"
    return f"sur le territoire {territoire.appellation.du}"


def setting_values(periode: tuple[int, int], annee: int, seuil: int) -> dict[str, Quantity | str]:
    return {
        "periode": f"{periode[0]}-{periode[1]}",
        "premiere_annee": Quantity(periode[0], "annee"),
        "derniere_annee": Quantity(periode[1], "annee"),
        "annee_reference": Quantity(annee, "annee"),
        "annee_patrimoine": Quantity(annee + 1, "annee"),
        "seuil_secret": Quantity(seuil),
    }


def known(name: str, config: dict | None, indicateurs: set[str]) -> bool:
    """Whether a value name is one the catalogue defines (engagements by pattern)."""
    if name in CATALOGUE and "<" not in name:
        return True
    head, _, rest = name.partition(".")
    if head in ("reference", "engagement"):
        indicateur = rest.split(".")[0]
        return indicateur.upper() in indicateurs
    if re.fullmatch(r"attributions_[0-9]{4}", name):
        return True
    if name.startswith(("logements_segment_", "part_segment_")):
        return re.fullmatch(r"[a-z0-9_]+", name.split("_segment_", 1)[1]) is not None
    if name.startswith("logements_quartier_"):
        return re.fullmatch(r"[a-z0-9]+", name.removeprefix("logements_quartier_")) is not None
    if name.startswith(("ensembles_occupation_", "logements_occupation_")) and config:
        slugs = {_slug(c["categorie"]) for c in config["occupation"]["categories"]}
        return name.split("_occupation_")[1] in slugs | {_slug(classement.NON_PUBLIEE)}
    return False


def names(config: dict | None, indicateurs: list[str]) -> list[str]:
    """Every concrete name (for « vouliez-vous dire » and the editor's completion)."""
    out = [n for n in CATALOGUE if "<" not in n]
    if config:
        for category in [
            *config["occupation"]["categories"],
            {"categorie": classement.NON_PUBLIEE},
        ]:
            slug = _slug(category["categorie"])
            out += [f"ensembles_occupation_{slug}", f"logements_occupation_{slug}"]
    for ident in indicateurs:
        out += [f"reference.{ident}", f"engagement.{ident}.cumul", f"engagement.{ident}.moyenne"]
    return out
