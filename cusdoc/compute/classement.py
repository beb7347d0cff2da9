"""Classement du patrimoine (CCH R. 445-3): each ensemble immobilier scored on the service-rendu
criteria with the weights of content/classement.yml, classed, and given an occupation category.

R. 445-3 identifies each ensemble by its address, number of logements, main financing(s) and
QPV status (cus-domain.md §1.3): the annex prints them. The occupation category rests on the
resources of the ensemble's households: it is not published for an ensemble of fewer ménages
than the secrecy threshold, nor counted with the published ones (the counts by category would
give it back by difference)."""

from cusdoc.compute.tables import FAMILLES, adresse
from cusdoc.load.data import Data
from cusdoc.model import CRITERES, OCCUPATION, Quantity, Table

NON_PUBLIEE = "non publiée"  # the occupation of an ensemble under the secrecy threshold


def secret_reason(seuil: int) -> str:
    """Why an ensemble's occupation category is not printed, as the note under the annex says."""
    return f"secret statistique (ensemble de moins de {seuil} ménages)"


CRITERE_LIBELLES = {
    "qualite_construction": "qualité de la construction",
    "equipements": "prestations et équipements techniques",
    "localisation": "localisation",
    "environnement": "environnement",
}


def source(ponderations: dict[str, float]) -> str:
    """Where the classement comes from, with the share of each criterion in the score (whole
    percentages: the typography pass spaces them)."""
    total = sum(ponderations.get(c, 0) for c in CRITERES)
    shares = ", ".join(
        f"{CRITERE_LIBELLES[c]} {round(100 * ponderations[c] / total)} %"
        for c in CRITERES
        if ponderations.get(c) and total
    )
    return "classement des ensembles immobiliers établi par l'organisme, pondérations : " + shares


def ensembles(data: Data, ponderations: dict[str, float]) -> list[dict]:
    """Every ensemble with its weighted score, its logements and its occupation ratios."""
    weights = {c: float(ponderations.get(c, 0)) for c in CRITERES}
    score = " + ".join(f"{w} * e.{c}" for c, w in weights.items())
    rows = data.execute(
        f"""
        SELECT e.ENSEMBLE, e.nom, e.adresse, c.nom, list(DISTINCT l.famille),
               coalesce(bool_or(l.en_qpv), false), e.menages, count(l.ENSEMBLE),
               ({score}) / {sum(weights.values())},
               100.0 * e.menages_sous_60_pct / nullif(e.menages, 0),
               100.0 * e.menages_apl / nullif(e.menages, 0), e.taux_vacance, e.taux_rotation
        FROM ensembles e JOIN communes c ON c.code = e.DEPCOM
        LEFT JOIN logements l ON l.ENSEMBLE = e.ENSEMBLE
        GROUP BY ALL ORDER BY e.ENSEMBLE
        """
    ).fetchall()
    keys = (
        "ensemble",
        "nom",
        "adresse",
        "commune",
        "familles",
        "qpv",
        "menages",
        "logements",
        "note",
        *OCCUPATION,
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


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


def classify(data: Data, config: dict, seuil: int) -> list[dict]:
    """Every ensemble classed; « publiee »: whether its occupation category may be printed
    (no household, or at least the threshold's number of them)."""
    classes = config["service_rendu"]["classes"]
    categories = config["occupation"]["categories"]
    out = []
    for ensemble in ensembles(data, config["service_rendu"]["ponderations"]):
        found = classe(ensemble["note"], classes)
        out.append(
            {
                **ensemble,
                "classe": found["classe"],
                "libelle": found["libelle"],
                "categorie": categorie(ensemble, categories),
                "publiee": not 0 < ensemble["menages"] < seuil,
            }
        )
    return out


def tables(rows: list[dict], config: dict, seuil: int) -> dict[str, Table]:
    """The summary by class and the annex listing every ensemble."""
    origin = source(config["service_rendu"]["ponderations"])
    total = sum(r["logements"] for r in rows)
    share = lambda n: Quantity(100 * n / total if total else None, "pourcent")  # noqa: E731
    classes = config["service_rendu"]["classes"]
    synthese = []
    for c in classes:
        members = [r for r in rows if r["classe"] == c["classe"]]
        logements = sum(r["logements"] for r in members)
        synthese.append(
            [
                f"{c['classe']} – {c['libelle']}",
                Quantity(len(members)),
                Quantity(logements),
                share(logements),
            ]
        )
    synthese.append(["Total", Quantity(len(rows)), Quantity(total), share(total)])
    categories = [c["categorie"] for c in config["occupation"]["categories"]]
    hidden = [r for r in rows if not r["publiee"]]
    occupation = [
        [
            c["classe"],
            *(
                Quantity(
                    sum(
                        1
                        for r in rows
                        if r["classe"] == c["classe"] and r["categorie"] == k and r["publiee"]
                    )
                )
                for k in categories
            ),
            *([Quantity(sum(1 for r in hidden if r["classe"] == c["classe"]))] if hidden else []),
        ]
        for c in classes
    ]
    why = secret_reason(seuil)
    ensembles_ = [
        [
            f"{r['ensemble']} {r['nom']}",
            adresse(r["adresse"], r["commune"]),
            ", ".join(f for f in FAMILLES if f in r["familles"]),
            "oui" if r["qpv"] else "non",
            Quantity(r["logements"]),
            r["classe"],
            r["categorie"] if r["publiee"] else Quantity(None, masked=why),
        ]
        for r in rows
    ]
    return {
        "classement_synthese": Table(
            "Classement des ensembles immobiliers selon le service rendu",
            ["Classe de service rendu", "Ensembles", "Logements", "Part du parc"],
            synthese,
            [3.4, 1.4, 1.4, 1.4],
            origin,
        ),
        "classement_occupation": Table(
            "Ensembles immobiliers par classe de service rendu et catégorie d'occupation",
            ["Classe", *categories, *([f"{NON_PUBLIEE} (secret statistique)"] if hidden else [])],
            occupation,
            [1, *[1.5] * (len(occupation[0]) - 1)],
            origin,
        ),
        "classement_ensembles": Table(
            "Classement de chaque ensemble immobilier",
            # what R. 445-3 identifies an ensemble by, its class and its occupation: seven
            # columns fill the width of a portrait page (the identifier and the name, the street
            # and the commune, share a cell; the score, which sets the class, is left out)
            [
                "Ensemble immobilier",
                "Adresse",
                "Financement",
                "QPV",
                "Logements",
                "Classe",
                "Occupation",
            ],
            ensembles_,
            [3, 3.4, 1.1, 0.7, 1.1, 0.8, 1.4],
            origin,
        ),
    }
