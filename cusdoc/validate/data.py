"""Validate stage, across data files: what each file is fine alone but contradicts in another."""

from collections.abc import Iterable

from cusdoc.errors import Problem
from cusdoc.load.data import DATA_DIR, Data

MAX_REPORTED = 10

# The files whose rows stand in a commune, which must be inside a declared territory.
LOCATED = ("patrimoine", "attributions", "ensembles", "foyers")


def check_data(data: Data, annee_reference: int, territoires: Iterable[str] = ()) -> list[Problem]:
    """Ensembles the classement cannot score, EPCI without the threshold PS-1 needs, rows in a
    commune outside the declared territories, more households in a part than in the whole."""
    unknown = data.execute(
        "SELECT DISTINCT ENSEMBLE FROM patrimoine WHERE ENSEMBLE NOT IN "
        "(SELECT ENSEMBLE FROM ensembles) ORDER BY ENSEMBLE"
    ).fetchall()
    problems = [
        Problem(
            f"{DATA_DIR}/patrimoine.csv",
            1,
            1,
            "ENSEMBLE",
            f"l'ensemble immobilier {ensemble} n'est pas décrit dans ensembles.csv",
        )
        for (ensemble,) in unknown[:MAX_REPORTED]
    ]
    missing = data.execute(
        "SELECT DISTINCT epci FROM attribution a WHERE annee = ? AND epci IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM seuils_premier_quartile s "
        "WHERE s.EPCI = a.epci AND s.annee = a.annee) ORDER BY epci",
        [annee_reference],
    ).fetchall()
    problems += [
        Problem(
            f"{DATA_DIR}/seuils_premier_quartile.csv",
            1,
            1,
            "",
            f"seuil du premier quartile manquant pour l'EPCI {epci} en {annee_reference}, "
            "année de référence (PS-1)",
        )
        for (epci,) in missing
    ]
    if territoires:
        problems += outside_territories(data, list(territoires))
    problems += households_beyond_total(data)
    problems += logements_elsewhere(data, list(territoires))
    return problems


def outside_territories(data: Data, territoires: list[str]) -> list[Problem]:
    """Rows in a commune whose département and EPCI are both undeclared in convention.yml.

    A declared EPCI lies within a declared département, but one that crosses a border brings
    in communes of the neighbouring département as well.
    """
    rows = " UNION ALL ".join(f"SELECT '{t}' AS fichier, ligne, DEPCOM FROM {t}" for t in LOCATED)
    found = data.execute(
        f"""
        SELECT r.fichier, min(r.ligne) + 2, any_value(k.position), r.DEPCOM, any_value(c.nom),
               any_value(c.departement), count(*)
        FROM ({rows}) r JOIN communes c ON c.code = r.DEPCOM
        JOIN colonnes k ON k.fichier = '{DATA_DIR}/' || r.fichier || '.csv'
             AND k.colonne = 'DEPCOM'
        WHERE NOT list_contains($1, c.departement) AND NOT list_contains($1, coalesce(c.epci, ''))
        GROUP BY r.fichier, r.DEPCOM ORDER BY 1, 2
        """,
        [territoires],
    ).fetchall()
    declared = ", ".join(territoires)
    problems = []
    reported = dict.fromkeys(LOCATED, 0)
    for table, line, column, code, nom, departement, count in found:
        reported[table] += 1
        if reported[table] > MAX_REPORTED:
            continue
        more = f" ({count} lignes, dont celle-ci)" if count > 1 else ""
        problems.append(
            Problem(
                f"{DATA_DIR}/{table}.csv",
                line,
                column,
                "DEPCOM",
                f"la commune {code} ({nom}, département {departement}){more} n'est dans aucun "
                f"des territoires déclarés dans content/convention.yml ({declared}) : déclarez "
                "son département ou son EPCI, ou retirez ces lignes",
            )
        )
    return problems


def logements_elsewhere(data: Data, territoires: list[str]) -> list[Problem]:
    """A logement stands in the commune of its ensemble: the classement, the tables and the
    extracts place it by one or the other. (A commune outside the territories is reported as
    such, once.)"""
    rows = data.execute(
        f"""
        SELECT p.ligne + 2, k.position, p.DEPCOM, p.ENSEMBLE, e.DEPCOM, count(*) OVER w
        FROM patrimoine p JOIN ensembles e ON e.ENSEMBLE = p.ENSEMBLE
        JOIN communes c ON c.code = p.DEPCOM
        JOIN colonnes k ON k.fichier = '{DATA_DIR}/patrimoine.csv' AND k.colonne = 'DEPCOM'
        WHERE p.DEPCOM <> e.DEPCOM AND (len($1) = 0 OR list_contains($1, c.departement)
                                        OR list_contains($1, coalesce(c.epci, '')))
        WINDOW w AS (PARTITION BY p.ENSEMBLE)
        QUALIFY row_number() OVER (PARTITION BY p.ENSEMBLE ORDER BY p.ligne) = 1
        ORDER BY p.ligne LIMIT {MAX_REPORTED}
        """,
        [territoires],
    ).fetchall()
    problems = []
    for line, column, commune, ensemble, expected, count in rows:
        more = f" ({count} logements, dont celui-ci)" if count > 1 else ""
        problems.append(
            Problem(
                f"{DATA_DIR}/patrimoine.csv",
                line,
                column,
                "DEPCOM",
                f"logement en commune {commune}{more}, alors que son ensemble {ensemble} est en "
                f"commune {expected} (ensembles.csv) : corrigez l'un ou l'autre",
            )
        )
    return problems


def households_beyond_total(data: Data) -> list[Problem]:
    """An ensemble cannot count more households under 60 % of the ceilings, or with the APL,
    than it houses."""
    file = f"{DATA_DIR}/ensembles.csv"
    problems = []
    for part, what in (
        ("menages_sous_60_pct", "sous 60 % des plafonds"),
        ("menages_apl", "bénéficiaires de l'APL"),
    ):
        rows = data.execute(
            f"""
            SELECT e.ligne + 2, k.position, e.ENSEMBLE, e.{part}, e.menages
            FROM ensembles e JOIN colonnes k ON k.fichier = ? AND k.colonne = ?
            WHERE e.{part} > e.menages ORDER BY e.ligne LIMIT {MAX_REPORTED}
            """,
            [file, part],
        ).fetchall()
        problems += [
            Problem(
                file,
                line,
                column,
                part,
                f"{value:g} ménages {what} dans l'ensemble {ensemble}, qui n'en loge que "
                f"{total:g} (colonne menages)",
            )
            for line, column, ensemble, value, total in rows
        ]
    return problems
