"""Validate stage, the nouvelle politique des loyers: content/donnees/npl.csv against the
organisation's ensembles, the convention's territories and the declarations of content/npl.yml.

The rules are those of the USH presentation of 2017 (seeds, « La Nouvelle Politique des
Loyers »): rent maximums may move from one ensemble to another, but their total mass does not
grow; inside an ensemble they are grouped in three categories (PLAI, PLUS, PLS), whose average
rent maximums stay under the regulatory ceiling of the PLS. That every logement and every m² of
an ensemble is given a category is our reading of « redistribuer les loyers maximums par
logement » [INFERRED].
"""

from cusdoc.errors import Problem
from cusdoc.load.content import Content
from cusdoc.load.data import DATA_DIR, Data
from cusdoc.model import CATEGORIES_NPL, TABLES_NPL
from cusdoc.validate.content import walk
from cusdoc.validate.data import OUTSIDE

FILE = f"{DATA_DIR}/npl.csv"
MAX_REPORTED = 10
# Sums of surfaces and masses are compared to the hundredth, past what a CSV of decimal
# numbers can carry exactly in floating point.
TOLERANCE = 0.005


def check_npl(data: Data, content: Content, territoires: list[str]) -> list[Problem]:
    """npl.csv and content/npl.yml go together; then every rule of the annex."""
    (rows,) = data.execute("SELECT count(*) FROM npl").fetchone()
    declared = content.sources.get("npl")
    if not rows and declared is None:
        return _tables_without_annex(content)
    if declared is None:
        return [
            Problem(
                FILE,
                1,
                1,
                "",
                "npl.csv décrit une nouvelle politique des loyers, mais content/convention.yml "
                "ne liste pas son annexe : ajoutez « npl » à « chapitres » (fichier "
                "content/npl.yml, qui déclare la surface, la gestion en stock ou en flux et le "
                "plafond du PLS)",
            )
        ]
    if not rows:
        line, column = declared.position(())
        return [
            Problem(
                declared.file,
                line,
                column,
                "",
                "l'annexe de la nouvelle politique des loyers demande le fichier "
                f"{FILE}, introuvable",
            )
        ]
    # Each rule holds only once the previous ones do: an unknown ensemble has no row before.
    problems = _perimeter(data, territoires)
    if not problems:
        problems += _rows_per_ensemble(data)
    if not problems:
        problems += _sums(data)
        problems += _ceiling(data, declared.data["plafond_pls"])
    if not problems:
        problems += _mass(data)
    return problems


def _tables_without_annex(content: Content) -> list[Problem]:
    """A table of the NPL placed in the text of a convention that has none."""
    problems = []
    for source in content.sources.values():
        for path, value in walk(source.data):
            if path and path[-1] == "tableau_calcule" and value in TABLES_NPL:
                line, column = source.position(path)
                problems.append(
                    Problem(
                        source.file,
                        line,
                        column,
                        ".".join(map(str, path)),
                        f"le tableau « {value} » est celui de l'annexe de la nouvelle politique "
                        f"des loyers : la convention n'en a pas ({FILE} et content/npl.yml)",
                    )
                )
    return problems


def _broken(
    data: Data, rules: list[tuple[str, str]], parameters=None, rows: str = "npl"
) -> list[list[tuple]]:
    """For each rule (condition on a row n of npl.csv, what its message names), the rows that
    break it, as (line, *named), in the file's order, MAX_REPORTED at most: one query for all."""
    columns = ", ".join(f"coalesce({where}, false), row({named})" for where, named in rules)
    found = data.execute(
        f"""
        SELECT n.ligne + 2, {columns}
        FROM {rows} n WHERE {" OR ".join(f"({where})" for where, _ in rules)} ORDER BY n.ligne
        """,
        parameters,
    ).fetchall()
    return [
        [(row[0], *row[2 + 2 * index]) for row in found if row[1 + 2 * index]][:MAX_REPORTED]
        for index in range(len(rules))
    ]


def _perimeter(data: Data, territoires: list[str]) -> list[Problem]:
    """An ensemble unknown to ensembles.csv, or in a commune of none of the convention's
    territories."""
    declared = ", ".join(territoires)
    column = "ensemble"
    (unknown,) = _broken(
        data, [("n.ensemble NOT IN (SELECT ENSEMBLE FROM ensembles)", "n.ensemble")]
    )
    outside = data.execute(
        f"""
        SELECT n.ligne + 2, n.ensemble, o.commune
        FROM npl n JOIN (SELECT DISTINCT e.ENSEMBLE,
                                c.nom || ', département ' || c.departement AS commune
                         FROM ensembles e JOIN communes c ON c.code = e.DEPCOM
                         WHERE {OUTSIDE}) o ON o.ENSEMBLE = n.ensemble
        ORDER BY n.ligne LIMIT {MAX_REPORTED}
        """,
        [territoires],
    ).fetchall()
    position = data.position("npl", column)
    return [
        *(
            Problem(
                FILE,
                line,
                position,
                column,
                f"l'ensemble immobilier {ensemble} n'est pas décrit dans ensembles.csv : l'annexe "
                "ne porte que sur des ensembles de l'organisme",
            )
            for line, ensemble in unknown
        ),
        *(
            Problem(
                FILE,
                line,
                position,
                column,
                f"l'ensemble immobilier {ensemble} ({commune}) est hors du périmètre de la "
                f"convention, dont les territoires sont déclarés dans content/convention.yml "
                f"({declared})",
            )
            for line, ensemble, commune in outside
        ),
    ]


# Each row of npl.csv with what the rules on an ensemble's rows look at: its rank among the
# rows of its ensemble and situation (and category), the first of those, the ensemble's counts.
IN_ENSEMBLE = """(
    SELECT *,
        row_number() OVER (PARTITION BY ensemble, situation, upper(trim(categorie)) ORDER BY ligne)
            AS rang_categorie,
        min(ligne) OVER (PARTITION BY ensemble, situation, upper(trim(categorie)))
            AS premiere_categorie,
        row_number() OVER (PARTITION BY ensemble, situation ORDER BY ligne) AS rang_situation,
        count(*) FILTER (WHERE situation = 'avant') OVER (PARTITION BY ensemble) AS avant,
        count(*) FILTER (WHERE situation = 'apres') OVER (PARTITION BY ensemble) AS apres,
        min(ligne) OVER (PARTITION BY ensemble) AS premiere
    FROM npl)"""


def _rows_per_ensemble(data: Data) -> list[Problem]:
    """After the NPL, each row is one of the three categories, once per ensemble; one row
    before and at least one after, for each ensemble (reported at its first row)."""
    allowed = ", ".join(f"'{c}'" for c in CATEGORIES_NPL)
    unknown, repeated, twice, sans_avant, sans_apres = _broken(
        data,
        [
            (
                f"n.situation = 'apres' AND upper(trim(n.categorie)) NOT IN ({allowed})",
                "n.categorie",
            ),
            (
                "n.situation = 'apres' AND n.rang_categorie > 1",
                "n.ensemble, n.categorie, n.premiere_categorie + 2",
            ),
            ("n.situation = 'avant' AND n.rang_situation > 1", "n.ensemble"),
            ("n.situation = 'apres' AND n.avant = 0 AND n.ligne = n.premiere", "n.ensemble"),
            ("n.situation = 'avant' AND n.apres = 0 AND n.ligne = n.premiere", "n.ensemble"),
        ],
        rows=IN_ENSEMBLE,
    )
    categorie, situation = data.position("npl", "categorie"), data.position("npl", "situation")
    expected = f"{', '.join(CATEGORIES_NPL[:-1])} ou {CATEGORIES_NPL[-1]}"
    return [
        *(
            Problem(
                FILE,
                line,
                categorie,
                "categorie",
                f"après la NPL, la catégorie est {expected} ; trouvé « {found} »",
            )
            for line, found in unknown
        ),
        *(
            Problem(
                FILE,
                line,
                categorie,
                "categorie",
                f"la catégorie {found} de l'ensemble {ensemble} est déjà donnée ligne {first} : "
                "une ligne par catégorie",
            )
            for line, ensemble, found, first in repeated
        ),
        *(
            Problem(
                FILE,
                line,
                situation,
                "situation",
                f"deuxième ligne « avant » pour l'ensemble {ensemble} : une seule ligne donne le "
                "loyer maximum de l'ensemble avant la NPL",
            )
            for line, ensemble in twice
        ),
        *(
            Problem(
                FILE,
                line,
                situation,
                "situation",
                f"l'ensemble {ensemble} n'a pas la ligne « avant » qui donne son loyer maximum "
                "actuel",
            )
            for line, ensemble in sans_avant
        ),
        *(
            Problem(
                FILE,
                line,
                situation,
                "situation",
                f"l'ensemble {ensemble} n'a pas de ligne « apres » : une par catégorie (PLAI, "
                "PLUS, PLS)",
            )
            for line, ensemble in sans_apres
        ),
    ]


# What the categories after an ensemble's NPL share out: (column, unit, what gets a category).
SHARED = (
    ("logements", "", "chacun de ses logements"),
    ("surface_m2", " m²", "chaque m² de sa surface"),
)


def _sums(data: Data) -> list[Problem]:
    """The categories after an ensemble's NPL share out its logements and its surface before."""
    shares = []  # per column: whether the sums differ, the sum after, the sum before
    for column, _, _ in SHARED:
        avant = f"sum({column}) FILTER (WHERE situation = 'avant')"
        apres = f"sum({column}) FILTER (WHERE situation = 'apres')"
        shares.append(
            f"row(coalesce(abs({apres} - {avant}) > {TOLERANCE}, false), {apres}, {avant})"
        )
    found = data.execute(
        f"""
        SELECT max(ligne) FILTER (WHERE situation = 'apres') + 2 AS derniere, ensemble,
               min(ligne) FILTER (WHERE situation = 'avant') + 2, {", ".join(shares)}
        FROM npl GROUP BY ensemble ORDER BY derniere
        """
    ).fetchall()
    problems = []
    for index, (column, suffix, each) in enumerate(SHARED):
        broken = [(*row[:3], *row[3 + index][1:]) for row in found if row[3 + index][0]]
        problems += [
            Problem(
                FILE,
                line,
                data.position("npl", column),
                column,
                f"les catégories de l'ensemble {ensemble} après la NPL totalisent "
                f"{_number(apres)}{suffix}, pour {_number(avant)}{suffix} avant (ligne "
                f"{ligne_avant}) : {each} reçoit une catégorie, une seule",
            )
            for line, ensemble, ligne_avant, apres, avant in broken[:MAX_REPORTED]
        ]
    return problems


def _ceiling(data: Data, plafond: dict) -> list[Problem]:
    """No rent maximum after the NPL above the ceiling of the PLS the writer declared."""
    column = "loyer_maximum_m2"
    (found,) = _broken(
        data,
        [
            (
                f"n.situation = 'apres' AND n.{column} > {float(plafond['valeur'])}",
                f"n.ensemble, n.categorie, n.{column}",
            )
        ],
    )
    return [
        Problem(
            FILE,
            line,
            data.position("npl", column),
            column,
            f"loyer maximum {categorie} de {_number(loyer)} €/m² pour l'ensemble {ensemble}, "
            f"au-dessus du plafond du PLS déclaré dans content/npl.yml "
            f"({_number(plafond['valeur'])} €/m², {plafond['source']})",
        )
        for line, ensemble, categorie, loyer in found
    ]


def _mass(data: Data) -> list[Problem]:
    """Over the ensembles of the annex, the mass of rent maximums after does not exceed the
    mass before. Reported at the last row of the ensemble that gains the most."""
    avant, apres = data.execute(
        "SELECT sum(surface_m2 * loyer_maximum_m2) FILTER (WHERE situation = 'avant'), "
        "sum(surface_m2 * loyer_maximum_m2) FILTER (WHERE situation = 'apres') FROM npl"
    ).fetchone()
    if apres <= avant + TOLERANCE:
        return []
    line, column, ensemble = data.execute(
        f"""
        SELECT max(n.ligne) FILTER (WHERE n.situation = 'apres') + 2, any_value(k.position),
               n.ensemble
        FROM npl n JOIN colonnes k ON k.fichier = '{FILE}' AND k.colonne = 'loyer_maximum_m2'
        GROUP BY n.ensemble
        ORDER BY sum(n.surface_m2 * n.loyer_maximum_m2 *
                     CASE n.situation WHEN 'apres' THEN 1 ELSE -1 END) DESC, n.ensemble
        LIMIT 1
        """
    ).fetchone()
    return [
        Problem(
            FILE,
            line,
            column,
            "loyer_maximum_m2",
            f"la masse des loyers maximums après la NPL ({_number(apres)} €) dépasse celle "
            f"d'avant ({_number(avant)} €) sur les ensembles de l'annexe, de "
            f"{_number(apres - avant)} € (l'ensemble {ensemble} est celui qui gagne le plus) : "
            "les loyers maximums peuvent passer d'un ensemble à l'autre, mais leur masse totale "
            "ne peut pas croître",
        )
    ]


def _number(value: float) -> str:
    """A figure in a message: French decimal comma, two decimals at most."""
    text = f"{round(value, 2):,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",")
