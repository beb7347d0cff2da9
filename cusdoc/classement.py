"""Classement du patrimoine (CCH R. 445-3): each ensemble immobilier scored on the service-rendu
criteria with the weights of content/classement.yml, classed, and given an occupation category."""

from cusdoc.formats import nombre, pourcent

CRITERES = ("qualite_construction", "equipements", "localisation", "environnement")
OCCUPATION = ("part_menages_sous_60_pct", "part_menages_apl", "taux_vacance", "taux_rotation")
TABLES = ("classement_synthese", "classement_occupation", "classement_ensembles")
SOURCE = (
    "données de l'organisme (content/donnees/ensembles.csv), pondérations de content/classement.yml"
)


def ensembles(db, ponderations: dict[str, float]) -> list[dict]:
    """Every ensemble with its weighted score, its logements and its occupation ratios."""
    weights = {c: float(ponderations.get(c, 0)) for c in CRITERES}
    score = " + ".join(f"{w} * e.{c}" for c, w in weights.items())
    rows = db.execute(
        f"""
        SELECT e.ENSEMBLE, e.nom, c.nom, count(l.ENSEMBLE), ({score}) / {sum(weights.values())},
               100.0 * e.menages_sous_60_pct / nullif(e.menages, 0),
               100.0 * e.menages_apl / nullif(e.menages, 0), e.taux_vacance, e.taux_rotation
        FROM ensembles e JOIN communes c ON c.code = e.DEPCOM
        LEFT JOIN logements l ON l.ENSEMBLE = e.ENSEMBLE
        GROUP BY ALL ORDER BY e.ENSEMBLE
        """
    ).fetchall()
    keys = ("ensemble", "nom", "commune", "logements", "note", *OCCUPATION)
    return [dict(zip(keys, row, strict=True)) for row in rows]


def unknown_ensembles(db) -> list[str]:
    """Ensembles of patrimoine.csv that ensembles.csv does not describe."""
    rows = db.execute(
        "SELECT DISTINCT ENSEMBLE FROM patrimoine WHERE ENSEMBLE NOT IN "
        "(SELECT ENSEMBLE FROM ensembles) ORDER BY ENSEMBLE"
    ).fetchall()
    return [ensemble for (ensemble,) in rows]


def classe(note: float, classes: list[dict]) -> dict:
    """The first class, from the best, whose minimum the score reaches."""
    return next(c for c in classes if note >= c["note_minimale"])


def categorie(ensemble: dict, categories: list[dict]) -> str:
    """The first occupation category whose conditions hold (all of them, or `au_moins` of
    them); the last category has none and takes the rest."""
    for category in categories:
        conditions = category.get("conditions", {})
        held = sum(_holds(ensemble[name], bound) for name, bound in conditions.items())
        if held >= category.get("au_moins", len(conditions)):
            return category["categorie"]
    return categories[-1]["categorie"]


def _holds(value, bound: dict) -> bool:
    if value is None:
        return False
    return value >= bound.get("minimum", value) and value <= bound.get("maximum", value)


def classify(db, config: dict) -> list[dict]:
    classes = config["service_rendu"]["classes"]
    categories = config["occupation"]["categories"]
    out = []
    for ensemble in ensembles(db, config["service_rendu"]["ponderations"]):
        found = classe(ensemble["note"], classes)
        out.append(
            {
                **ensemble,
                "classe": found["classe"],
                "libelle": found["libelle"],
                "categorie": categorie(ensemble, categories),
            }
        )
    return out


def tables(rows: list[dict], config: dict) -> dict[str, dict]:
    """The summary by class and the annex listing every ensemble."""
    total = sum(r["logements"] for r in rows) or 1
    synthese = []
    for c in config["service_rendu"]["classes"]:
        members = [r for r in rows if r["classe"] == c["classe"]]
        logements = sum(r["logements"] for r in members)
        synthese.append(
            [
                f"{c['classe']} – {c['libelle']}",
                nombre(len(members)),
                nombre(logements),
                pourcent(100 * logements / total),
            ]
        )
    synthese.append(["Total", nombre(len(rows)), nombre(total), pourcent(100)])
    categories = [c["categorie"] for c in config["occupation"]["categories"]]
    return {
        "classement_synthese": {
            "titre": "Classement des ensembles immobiliers selon le service rendu",
            "colonnes": ["Classe de service rendu", "Ensembles", "Logements", "Part du parc"],
            "largeurs": [3.4, 1.4, 1.4, 1.4],
            "lignes": synthese,
            "source": SOURCE,
        },
        "classement_occupation": {
            "titre": "Ensembles immobiliers par classe de service rendu et catégorie d'occupation",
            "colonnes": ["Classe", *categories],
            "largeurs": [1, *[1.5] * len(categories)],
            "lignes": [
                [
                    c["classe"],
                    *(
                        nombre(
                            sum(
                                1
                                for r in rows
                                if r["classe"] == c["classe"] and r["categorie"] == k
                            )
                        )
                        for k in categories
                    ),
                ]
                for c in config["service_rendu"]["classes"]
            ],
            "source": SOURCE,
        },
        "classement_ensembles": {
            "titre": "Classement de chaque ensemble immobilier",
            "colonnes": [
                "Ensemble",
                "Nom",
                "Commune",
                "Logements",
                "Note",
                "Classe",
                "Occupation",
            ],
            "largeurs": [1.2, 3, 2.2, 1.1, 0.9, 0.9, 2.2],
            "lignes": [
                [
                    r["ensemble"],
                    r["nom"],
                    r["commune"],
                    nombre(r["logements"]),
                    nombre(r["note"], 2),
                    r["classe"],
                    r["categorie"],
                ]
                for r in rows
            ],
            "source": SOURCE,
        },
    }
