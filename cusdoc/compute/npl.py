"""The nouvelle politique des loyers (NPL): per ensemble immobilier, the rent maximum before, the
average rent maximum of each category after, their masses and what moves between ensembles.

The mass of rent maximums of a row is its surface times its rent maximum per m²; the average
rent maximum of a group is its mass over its surface (averages weighted by surface, as the USH
worked example of 2017 has them). Rows come from content/donnees/npl.csv, checked by
cusdoc.validate.npl; the declarations (surface, stock or flux) from content/npl.yml.
"""

from cusdoc.load.data import Data
from cusdoc.model import CATEGORIES_NPL, Quantity, Table

SURFACES = {"utile": "surface utile", "corrigée": "surface corrigée"}


def ensembles(data: Data) -> list[dict]:
    """Every ensemble of the annex on the data given: its row before, its rows after (PLAI,
    PLUS then PLS), and its totals."""
    rows = data.execute(
        """
        SELECT n.ensemble, e.nom, c.nom, n.situation, n.categorie, n.logements, n.surface_m2,
               n.loyer_maximum_m2
        FROM npl n LEFT JOIN main.ensembles e ON e.ENSEMBLE = n.ensemble
        LEFT JOIN communes c ON c.code = e.DEPCOM
        ORDER BY n.ensemble, n.situation DESC,
                 list_position($1, upper(trim(n.categorie))), n.ligne
        """,
        [list(CATEGORIES_NPL)],
    ).fetchall()
    out: dict[str, dict] = {}
    for code, nom, commune, situation, categorie, logements, surface, loyer in rows:
        ensemble = out.setdefault(
            code, {"ensemble": code, "nom": nom, "commune": commune, "avant": [], "apres": []}
        )
        if situation == "apres":
            categorie = categorie.strip().upper()
        ensemble[situation].append(
            {
                "categorie": categorie,
                "logements": logements,
                "surface": surface,
                "loyer": loyer,
                "masse": surface * loyer,
            }
        )
    for ensemble in out.values():
        for situation in ("avant", "apres"):
            ensemble[situation + "_total"] = _total(ensemble[situation])
        ensemble["transfert"] = ensemble["apres_total"]["masse"] - ensemble["avant_total"]["masse"]
    return list(out.values())


def _total(rows: list[dict]) -> dict:
    """Logements, surface and mass of rows, and their average rent maximum per m²."""
    surface = sum(r["surface"] for r in rows)
    masse = sum(r["masse"] for r in rows)
    return {
        "logements": sum(r["logements"] for r in rows),
        "surface": surface,
        "masse": masse,
        "loyer": masse / surface if surface else None,
    }


def totals(rows: list[dict]) -> dict:
    """The annex's totals before and after, and the logements after by category."""
    avant = _total([r["avant_total"] for r in rows])
    apres = _total([r["apres_total"] for r in rows])
    categories = {
        c: sum(a["logements"] for r in rows for a in r["apres"] if a["categorie"] == c)
        for c in CATEGORIES_NPL
    }
    received = sum(r["transfert"] for r in rows if r["transfert"] > 0)
    return {
        "ensembles": len(rows),
        "avant": avant,
        "apres": apres,
        "categories": categories,
        "transfert": received,
    }


def euros(value: float | None) -> Quantity:
    return Quantity(value, "euros")


def per_m2(value: float | None) -> Quantity:
    return Quantity(value, "euros_m2")


def source(config: dict) -> str:
    plafond = config["plafond_pls"]
    return (
        f"nouvelle politique des loyers de l'organisme ; loyers maximums par m² de "
        f"{SURFACES[config['surface']]} ; plafond du PLS : {plafond['source']}"
    )


def label(ensemble: dict) -> str:
    nom = f" – {ensemble['nom']}" if ensemble["nom"] else ""
    commune = f" ({ensemble['commune']})" if ensemble["commune"] else ""
    return f"{ensemble['ensemble']}{nom}{commune}"


def tables(rows: list[dict], config: dict) -> dict[str, Table]:
    """The annex's tables: each ensemble before and after by category, and the masses."""
    surface = f"{SURFACES[config['surface']].capitalize()} (m²)"
    origin = source(config)
    return {
        "npl_ensembles": _detail(rows, config["gestion"] == "flux", surface, origin),
        "npl_synthese": _synthese(rows, surface, origin),
    }


def _detail(rows: list[dict], flux: bool, surface: str, origin: str) -> Table:
    """Each ensemble: its row before, a row per category after, its total after; totals."""
    lignes = []
    for ensemble in rows:
        first = label(ensemble)
        whole = ensemble["apres_total"]["logements"]
        lignes += [_detail_row(first, "avant", a, flux, None) for a in ensemble["avant"]]
        apres = [*ensemble["apres"], {**ensemble["apres_total"], "categorie": "toutes catégories"}]
        lignes += [_detail_row("", "après", a, flux, whole) for a in apres]
    total = totals(rows)
    lignes.append(_detail_row("Total", "avant", {**total["avant"], "categorie": ""}, flux, None))
    lignes.append(_detail_row("", "après", {**total["apres"], "categorie": ""}, flux, None))
    colonnes = [
        "Ensemble immobilier",
        "Situation",
        "Catégorie",
        "Logements",
        surface,
        "Loyer maximum (moyen), au m²",
        "Masse des loyers maximums",
    ]
    largeurs = [3, 1, 1.6, 1.1, 1.1, 1.3, 1.4]
    if flux:
        colonnes.append("Part des relocations annuelles")
        largeurs.append(1.3)
    return Table(
        "Loyers maximums avant et après la nouvelle politique des loyers, par catégorie",
        colonnes,
        lignes,
        largeurs,
        origin,
    )


def _synthese(rows: list[dict], surface: str, origin: str) -> Table:
    """Each ensemble's masses before and after, and what it receives or gives; totals."""
    total = totals(rows)
    lignes = [_synthese_row(label(e), e["avant_total"], e["apres_total"]) for e in rows]
    lignes.append(_synthese_row("Total", total["avant"], total["apres"]))
    return Table(
        "Masses des loyers maximums et transferts entre ensembles immobiliers",
        [
            "Ensemble immobilier",
            "Logements",
            surface,
            "Loyer maximum avant, au m²",
            "Masse avant",
            "Loyer maximum moyen après, au m²",
            "Masse après",
            "Masse reçue (+) ou cédée (–)",
        ],
        lignes,
        [3.2, 1, 1.2, 1.2, 1.3, 1.3, 1.3, 1.4],
        origin,
    )


def _synthese_row(first: str, avant: dict, apres: dict) -> list:
    return [
        first,
        Quantity(avant["logements"]),
        Quantity(avant["surface"]),
        per_m2(avant["loyer"]),
        euros(avant["masse"]),
        per_m2(apres["loyer"]),
        euros(apres["masse"]),
        euros(apres["masse"] - avant["masse"]),
    ]


def _detail_row(first: str, situation: str, row: dict, flux: bool, whole: int | None) -> list:
    cells = [
        first,
        situation,
        row["categorie"],
        Quantity(row["logements"]),
        Quantity(row["surface"]),
        per_m2(row["loyer"]),
        euros(row["masse"]),
    ]
    if flux:
        share = 100 * row["logements"] / whole if whole else None
        cells.append(Quantity(share, "pourcent"))
    return cells
