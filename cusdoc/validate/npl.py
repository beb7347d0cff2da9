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
    problems = [*_unknown(data), *_outside(data, territoires)]
    if not problems:
        problems += [*_categories(data), *_situations(data)]
    if not problems:
        problems += _sums(data, "logements", "", "chacun de ses logements")
        problems += _sums(data, "surface_m2", " m²", "chaque m² de sa surface")
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


def _rows(data: Data, column: str, where: str, select: str = "n.ensemble", parameters=None) -> list:
    """(line, column position, *select) of the rows of npl.csv that break a rule."""
    return data.execute(
        f"""
        SELECT n.ligne + 2, k.position, {select}
        FROM npl n JOIN colonnes k ON k.fichier = '{FILE}' AND k.colonne = '{column}'
        WHERE {where} ORDER BY n.ligne LIMIT {MAX_REPORTED}
        """,
        parameters,
    ).fetchall()


def _unknown(data: Data) -> list[Problem]:
    return [
        Problem(
            FILE,
            line,
            column,
            "ensemble",
            f"l'ensemble immobilier {ensemble} n'est pas décrit dans ensembles.csv : l'annexe ne "
            "porte que sur des ensembles de l'organisme",
        )
        for line, column, ensemble in _rows(
            data, "ensemble", "n.ensemble NOT IN (SELECT ENSEMBLE FROM ensembles)"
        )
    ]


def _outside(data: Data, territoires: list[str]) -> list[Problem]:
    """An ensemble in a commune of none of the convention's territories."""
    declared = ", ".join(territoires)
    found = _rows(
        data,
        "ensemble",
        "n.ensemble IN (SELECT e.ENSEMBLE FROM ensembles e JOIN communes c ON c.code = e.DEPCOM "
        f"WHERE {OUTSIDE})",
        "n.ensemble, (SELECT c.nom || ', département ' || c.departement FROM ensembles e "
        "JOIN communes c ON c.code = e.DEPCOM WHERE e.ENSEMBLE = n.ensemble)",
        [territoires],
    )
    return [
        Problem(
            FILE,
            line,
            column,
            "ensemble",
            f"l'ensemble immobilier {ensemble} ({commune}) est hors du périmètre de la "
            f"convention, dont les territoires sont déclarés dans content/convention.yml "
            f"({declared})",
        )
        for line, column, ensemble, commune in found
    ]


def _categories(data: Data) -> list[Problem]:
    """After the NPL, each row is one of the three categories, once per ensemble."""
    allowed = ", ".join(f"'{c}'" for c in CATEGORIES_NPL)
    problems = [
        Problem(
            FILE,
            line,
            column,
            "categorie",
            f"après la NPL, la catégorie est {', '.join(CATEGORIES_NPL[:-1])} ou "
            f"{CATEGORIES_NPL[-1]} ; trouvé « {categorie} »",
        )
        for line, column, categorie in _rows(
            data,
            "categorie",
            f"n.situation = 'apres' AND upper(trim(n.categorie)) NOT IN ({allowed})",
            "n.categorie",
        )
    ]
    repeated = _rows(
        data,
        "categorie",
        "n.situation = 'apres' AND EXISTS (SELECT 1 FROM npl m WHERE m.ensemble = n.ensemble "
        "AND m.situation = 'apres' AND upper(trim(m.categorie)) = upper(trim(n.categorie)) "
        "AND m.ligne < n.ligne)",
        "n.ensemble, n.categorie, (SELECT min(m.ligne) + 2 FROM npl m WHERE m.ensemble = "
        "n.ensemble AND m.situation = 'apres' AND upper(trim(m.categorie)) = "
        "upper(trim(n.categorie)))",
    )
    problems += [
        Problem(
            FILE,
            line,
            column,
            "categorie",
            f"la catégorie {categorie} de l'ensemble {ensemble} est déjà donnée ligne {first} : "
            "une ligne par catégorie",
        )
        for line, column, ensemble, categorie, first in repeated
    ]
    return problems


def _situations(data: Data) -> list[Problem]:
    """One row before and at least one after, for each ensemble."""
    counts = "(SELECT count(*) FROM npl m WHERE m.ensemble = n.ensemble AND m.situation = '{s}')"
    twice = _rows(
        data,
        "situation",
        "n.situation = 'avant' AND EXISTS (SELECT 1 FROM npl m WHERE m.ensemble = n.ensemble "
        "AND m.situation = 'avant' AND m.ligne < n.ligne)",
    )
    problems = [
        Problem(
            FILE,
            line,
            column,
            "situation",
            f"deuxième ligne « avant » pour l'ensemble {ensemble} : une seule ligne donne le "
            "loyer maximum de l'ensemble avant la NPL",
        )
        for line, column, ensemble in twice
    ]
    for missing, other, what in (
        ("avant", "apres", "la ligne « avant » qui donne son loyer maximum actuel"),
        ("apres", "avant", "de ligne « apres » : une par catégorie (PLAI, PLUS, PLS)"),
    ):
        found = _rows(
            data,
            "situation",
            f"n.situation = '{other}' AND {counts.format(s=missing)} = 0 AND n.ligne = "
            f"(SELECT min(m.ligne) FROM npl m WHERE m.ensemble = n.ensemble)",
        )
        problems += [
            Problem(FILE, line, column, "situation", f"l'ensemble {ensemble} n'a pas {what}")
            for line, column, ensemble in found
        ]
    return problems


def _sums(data: Data, column: str, suffix: str, each: str) -> list[Problem]:
    """The categories after an ensemble's NPL share out its logements or its surface before."""
    found = data.execute(
        f"""
        WITH t AS (
            SELECT ensemble,
                   sum({column}) FILTER (WHERE situation = 'avant') AS avant,
                   sum({column}) FILTER (WHERE situation = 'apres') AS apres,
                   max(ligne) FILTER (WHERE situation = 'apres') AS derniere,
                   min(ligne) FILTER (WHERE situation = 'avant') AS ligne_avant
            FROM npl GROUP BY ensemble)
        SELECT t.derniere + 2, k.position, t.ensemble, t.apres, t.avant, t.ligne_avant + 2
        FROM t JOIN colonnes k ON k.fichier = '{FILE}' AND k.colonne = '{column}'
        WHERE abs(t.apres - t.avant) > {TOLERANCE} ORDER BY t.derniere LIMIT {MAX_REPORTED}
        """
    ).fetchall()
    return [
        Problem(
            FILE,
            line,
            position,
            column,
            f"les catégories de l'ensemble {ensemble} après la NPL totalisent {_number(apres)}"
            f"{suffix}, pour {_number(avant)}{suffix} avant (ligne {ligne_avant}) : {each} "
            "reçoit une catégorie, une seule",
        )
        for line, position, ensemble, apres, avant, ligne_avant in found
    ]


def _ceiling(data: Data, plafond: dict) -> list[Problem]:
    """No rent maximum after the NPL above the ceiling of the PLS the writer declared."""
    found = _rows(
        data,
        "loyer_maximum_m2",
        f"n.situation = 'apres' AND n.loyer_maximum_m2 > {float(plafond['valeur'])}",
        "n.ensemble, n.categorie, n.loyer_maximum_m2",
    )
    return [
        Problem(
            FILE,
            line,
            column,
            "loyer_maximum_m2",
            f"loyer maximum {categorie} de {_number(loyer)} €/m² pour l'ensemble {ensemble}, "
            f"au-dessus du plafond du PLS déclaré dans content/npl.yml "
            f"({_number(plafond['valeur'])} €/m², {plafond['source']})",
        )
        for line, column, ensemble, categorie, loyer in found
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
