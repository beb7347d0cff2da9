"""Validate stage, the optional volets: when the data of content/donnees/ calls for the
logements-foyers or the accession volet, and who may sign an accession convention.

Logements-foyers: an organisation that has some takes the PP-LF commitments, in the
arrangement their share of the stock calls for (cusdoc.compute.foyers).

Accession: CCH R. 445-15, as read in a copy of the code whose version date is unknown
[à vérifier]: an organisation with a rental stock that sold 20 new logements or more in
accession operations in the three years before the convention takes effect adds the plan de
développement and the table of R. 445-22 (PP-ACC-1, PS-ACC-1). An organisation with no rental
stock signs a CUS « accession », which no collectivité may sign, only be associated to (USH,
2017, « CUS Accession »).
"""

from cusdoc.compute import foyers
from cusdoc.errors import Problem
from cusdoc.load.content import Source, dotted
from cusdoc.load.data import DATA_DIR, Data

FOYERS = f"{DATA_DIR}/foyers.csv"
ACCESSION = f"{DATA_DIR}/accession.csv"
VENTES_SEUIL = 20  # R. 445-15: fewer than 20 logements sold, and no accession volet is due
ANNEES_VENTES = 3


def check_volets(data: Data, convention: Source, annee_effet: int) -> list[Problem]:
    """The foyers and accession data against the volets declared in content/convention.yml."""
    volets = convention.data.get("volets") or []
    if convention.data.get("categorie") == "accession":
        volets = [*volets, "accession"]  # the one volet of a CUS « accession »
    return [
        *_duplicates(data),
        *_renovations(data),
        *_foyers_volet(data, convention, volets),
        *_accession_volet(data, volets, annee_effet),
    ]


def _duplicates(data: Data) -> list[Problem]:
    """An établissement counted twice would count its équivalents twice."""
    if not data.present("foyers"):
        return []
    rows = data.execute(
        "SELECT etablissement, list(ligne + 2 ORDER BY ligne) FROM foyers "
        "GROUP BY etablissement HAVING count(*) > 1 ORDER BY min(ligne)"
    ).fetchall()
    return [
        Problem(
            FOYERS,
            lines[1],
            data.position("foyers", "etablissement"),
            "etablissement",
            f"l'établissement {ident} est décrit deux fois (lignes {lines[0]} et {lines[1]}) : "
            "une ligne par établissement est attendue",
        )
        for ident, lines in rows
    ]


def _renovations(data: Data) -> list[Problem]:
    """An energy renovation says the label it left (PP-LF-2 counts those leaving F or G)."""
    if not data.has_column("foyers", "annee_renovation"):
        return []
    rows = data.execute(
        "SELECT ligne + 2, etablissement, annee_renovation FROM foyers "
        "WHERE annee_renovation IS NOT NULL AND dpe_avant_renovation IS NULL ORDER BY ligne"
    ).fetchall()
    return [
        Problem(
            FOYERS,
            line,
            data.position("foyers", "annee_renovation"),
            "annee_renovation",
            f"l'établissement {ident} a une rénovation énergétique achevée en {annee} sans sa "
            "classe d'avant : renseignez « dpe_avant_renovation » (de A à G), ou videz "
            "« annee_renovation »",
        )
        for line, ident, annee in rows
    ]


def _foyers_volet(data: Data, convention: Source, volets: list) -> list[Problem]:
    found = foyers.counts(data)
    equivalents, logements, part = found["equivalents"], found["logements"], found["part"]
    if equivalents and "logements_foyers" not in volets:
        shown = f"{part:.1f}".replace(".", ",")
        (line,) = data.execute("SELECT min(ligne) + 2 FROM foyers").fetchone()
        return [
            Problem(
                FOYERS,
                line,
                data.position("foyers", "equivalents"),
                "equivalents",
                f"l'organisme gère des logements-foyers ({equivalents} équivalents-logements "
                f"pour {logements} logements familiaux, soit {shown} % du patrimoine) : "
                f"{foyers.regime(part)} (Union sociale pour l'habitat, « L'élaboration de la "
                "CUS », juin 2017, seuils de 50 % et 100 %) ; ajoutez « logements_foyers » à "
                "« volets » dans content/convention.yml et les engagements PP-LF-1 à PP-LF-3 "
                "(article R. 445-36 du code de la construction et de l'habitation)",
            )
        ]
    if not equivalents and "logements_foyers" in volets:
        index = volets.index("logements_foyers")
        line, column = convention.position(("volets", index))
        return [
            Problem(
                convention.file,
                line,
                column,
                dotted(("volets", index)),
                "le volet « logements_foyers » demande la description des établissements dans "
                f"{FOYERS}, introuvable ou sans ligne",
            )
        ]
    return []


def _accession_volet(data: Data, volets: list, annee_effet: int) -> list[Problem]:
    if not data.present("accession"):
        return []  # no sale: no volet due
    first, last = annee_effet - ANNEES_VENTES, annee_effet - 1
    ventes, line = data.execute(
        "SELECT coalesce(sum(logements_vendus), 0), min(ligne) + 2 FROM accession "
        "WHERE annee BETWEEN ? AND ?",
        [first, last],
    ).fetchone()
    if ventes < VENTES_SEUIL or "accession" in volets:
        return []
    return [
        Problem(
            ACCESSION,
            line,  # the first sale counted
            data.position("accession", "logements_vendus"),
            "logements_vendus",
            f"{ventes} logements neufs vendus en accession de {first} à {last}, les trois années "
            "qui précèdent l'entrée en vigueur de la convention : à partir de "
            f"{VENTES_SEUIL}, la convention comporte le volet accession, avec son plan de "
            "développement et les engagements PP-ACC-1 et PS-ACC-1 (article R. 445-15 du code "
            "de la construction et de l'habitation) ; ajoutez « accession » à « volets » dans "
            "content/convention.yml",
        )
    ]


def check_accession_signatories(convention: Source) -> list[Problem]:
    """A CUS « accession » (an organisation with no rental stock) is signed by the État and
    the organisation only: collectivités are associated, never signatories."""
    data = convention.data
    if not isinstance(data, dict) or data.get("categorie") != "accession":
        return []
    problems = []
    why = (
        "une convention d'utilité sociale « accession » (organisme sans patrimoine locatif) "
        "n'est signée que par l'État et l'organisme : aucune collectivité ne peut la signer, "
        "elle peut seulement être associée (Union sociale pour l'habitat, « L'élaboration de la "
        "CUS », juin 2017)"
    )
    for key, wanted in (("territoires", "statut"), ("signataires", "territoire")):
        entries = data.get(key) if isinstance(data.get(key), list) else []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or wanted not in entry:
                continue
            if key == "territoires" and entry[wanted] != "signataire":
                continue
            line, column = convention.position((key, index, wanted))
            found = f"« {wanted}: {entry[wanted]} »"
            problems.append(
                Problem(
                    convention.file,
                    line,
                    column,
                    dotted((key, index, wanted)),
                    f"{why} ; trouvé {found}"
                    + (" (statut attendu : associé)" if key == "territoires" else ""),
                )
            )
    return problems
