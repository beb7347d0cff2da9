"""Validate stage, across data files: what each file is fine alone but contradicts in another."""

from collections.abc import Iterable

from cusdoc.errors import Problem
from cusdoc.load.content import Settings
from cusdoc.load.data import DATA_DIR, Data

MAX_REPORTED = 10
SEUILS = f"{DATA_DIR}/seuils_premier_quartile.csv"

# The files whose rows stand in a commune, which must be inside a declared territory.
LOCATED = ("patrimoine", "attributions", "ensembles", "foyers")
# A commune `c` (of the communes table) whose département and EPCI are both missing from the
# declared territories, given as the query's first parameter.
OUTSIDE = "NOT list_contains($1, c.departement) AND NOT list_contains($1, coalesce(c.epci, ''))"


def check_data(
    data: Data,
    settings: Settings,
    territoires: Iterable[str] = (),
    assujettis: Iterable[str] = (),
) -> list[Problem]:
    """Ensembles the classement cannot score, EPCI owing PS-1 without the threshold a year needs
    (or with two), rows in a commune outside the declared territories, more households in a
    part than in the whole, works that contradict the stock."""
    annee_reference = settings.annee_reference
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
    # The reference year, and each year of the period whose signed attributions give PS-1's
    # réalisé: without the year's threshold, the EPCI would have no réalisé, silently.
    first, last = settings.periode
    missing = data.execute(
        "SELECT DISTINCT epci, annee FROM attribution a "
        "WHERE (annee = ? OR (annee BETWEEN ? AND ? AND bail_signe)) AND list_contains(?, epci) "
        "AND NOT EXISTS (SELECT 1 FROM seuils_premier_quartile s "
        "WHERE s.EPCI = a.epci AND s.annee = a.annee) ORDER BY annee, epci",
        [annee_reference, first, last, list(assujettis)],
    ).fetchall()
    problems += [
        Problem(
            SEUILS,
            1,
            1,
            "",
            f"seuil du premier quartile manquant pour l'EPCI {epci} en {annee}, "
            + (
                "année de référence (PS-1)"
                if annee == annee_reference
                else "année de la période couverte par attributions.csv (réalisé de PS-1)"
            ),
        )
        for epci, annee in missing
    ]
    problems += threshold_duplicates(data)
    if territoires:
        problems += outside_territories(data, list(territoires))
    problems += households_beyond_total(data)
    problems += logements_elsewhere(data, list(territoires))
    problems += works_problems(data, settings.periode[1])
    problems += years_beyond(data, annee_reference, last)
    problems += works_before_building(data)
    return problems


# A foyer's works come after it was built: (column, what it is).
FOYER_WORKS = {
    "annee_rehabilitation": "réhabilité",
    "annee_renovation": "rénové",
}


def works_before_building(data: Data) -> list[Problem]:
    """The first foyer of each kind of works said to be done before it was built."""
    problems = []
    for column, done in FOYER_WORKS.items():
        if not data.has_column("foyers", column):
            continue
        found = data.execute(
            f"SELECT ligne + 2, etablissement, {column}, annee_construction, count(*) OVER () "
            f"FROM foyers WHERE {column} < annee_construction ORDER BY ligne LIMIT 1"
        ).fetchone()
        if found is None:
            continue
        line, etablissement, year, built, count = found
        more = _others(count)
        problems.append(
            Problem(
                f"{DATA_DIR}/foyers.csv",
                line,
                data.position("foyers", column),
                column,
                f"l'établissement {etablissement} serait {done} en {year}, avant d'être "
                f"construit en {built}{more}",
            )
        )
    return problems


# EPCI that must adopt a programme local de l'habitat whatever their size (CCH L. 302-1
# [MEMORY — verify]): métropoles, communautés urbaines and d'agglomération. An EPCI tenu de se
# doter d'un PLH is associated with the clauses on the buildings on its territory (CCH L. 445-1,
# through L. 441-1): the convention declares it. A communauté de communes owes a PLH only above
# sizes the geography does not give: it is not asked for.
PLH_REQUIRED = ("METRO", "MET69", "CU", "CA")
EPCI_KINDS = {
    "METRO": "métropole",
    "MET69": "métropole",
    "CU": "communauté urbaine",
    "CA": "communauté d'agglomération",
}


def undeclared_epci(data: Data, territoires: list[str]) -> list[Problem]:
    """A warning for each EPCI tenu de se doter d'un PLH where the organisation has logements
    or a foyer and that content/convention.yml does not declare: at its first row."""
    kinds = ", ".join(f"'{kind}'" for kind in PLH_REQUIRED)
    rows = " UNION ALL ".join(
        f"SELECT '{t}' AS fichier, ligne, DEPCOM FROM {t}"
        for t in ("patrimoine", "foyers")
        if data.present(t)
    )
    found = data.execute(
        f"""
        SELECT r.fichier, min(r.ligne) + 2, any_value(r.DEPCOM), e.siren, e.nom, e.type, count(*)
        FROM ({rows}) r JOIN communes c ON c.code = r.DEPCOM JOIN epci e ON e.siren = c.epci
        WHERE e.type IN ({kinds}) AND NOT list_contains($1, e.siren)
        GROUP BY r.fichier, e.siren, e.nom, e.type ORDER BY 1, 2
        """,
        [territoires],
    ).fetchall()
    problems = []
    for table, line, commune, siren, nom, kind, count in found[:MAX_REPORTED]:
        rows_there = f"{count} lignes, dont celle-ci" if count > 1 else "cette ligne"
        problems.append(
            Problem(
                f"{DATA_DIR}/{table}.csv",
                line,
                data.position(table, "DEPCOM"),
                "DEPCOM",
                f"la commune {commune} ({rows_there}) est dans « {nom} » ({siren}), "
                f"{EPCI_KINDS[kind]} tenue de se doter d'un programme local de l'habitat, que "
                "content/convention.yml ne déclare pas : un tel EPCI est associé à l'élaboration "
                "de la convention pour ce qui concerne son territoire (CCH L. 445-1) ; "
                "déclarez-le dans « territoires »",
                avertissement=True,
            )
        )
    return problems


# Years no row can hold: (file, column, which bound). The stock is described on 1 January of
# the year after the reference year (RPLS): nothing in it was built later. Nothing was agreed,
# renovated, allotted or sold after the convention's last year.
LATEST_YEARS = (
    ("patrimoine", "CONSTRUCT", "parc"),
    ("foyers", "annee_construction", "parc"),
    ("foyers", "annee_rehabilitation", "fin"),
    ("foyers", "annee_agrement", "fin"),
    ("foyers", "annee_renovation", "fin"),
    ("attributions", "annee", "fin"),
    ("accession", "annee", "fin"),
)


def years_beyond(data: Data, annee_reference: int, derniere_annee: int) -> list[Problem]:
    """The first row of each file and year column whose year comes after what it can be."""
    bounds = {  # the latest year a row may hold, and why
        "parc": (
            annee_reference,
            f"le parc est décrit au 1er janvier {annee_reference + 1} : ce qui en fait partie "
            f"est construit en {annee_reference} au plus tard",
        ),
        "fin": (derniere_annee, f"la convention s'achève en {derniere_annee}"),
    }
    problems = []
    for dataset, column, bound in LATEST_YEARS:
        if not data.has_column(dataset, column):  # a file, or a column, the project has not
            continue
        latest, what = bounds[bound]
        found = data.execute(
            f"SELECT ligne + 2, {column}, count(*) OVER () FROM {dataset} "
            f"WHERE {column} > ? ORDER BY ligne LIMIT 1",
            [latest],
        ).fetchone()
        if found is None:
            continue
        line, year, count = found
        more = _others(count)
        problems.append(
            Problem(
                f"{DATA_DIR}/{dataset}.csv",
                line,
                data.position(dataset, column),
                column,
                f"année {year}{more} : {what}",
            )
        )
    return problems


def threshold_duplicates(data: Data) -> list[Problem]:
    """A threshold given twice for an EPCI and a year would count PS-1's attributions twice (a
    year's rows appended again, or a corrected threshold added beside the first)."""
    rows = data.execute(
        "SELECT EPCI, annee, list(ligne + 2 ORDER BY ligne) FROM seuils_premier_quartile "
        "GROUP BY EPCI, annee HAVING count(*) > 1 ORDER BY min(ligne)"
    ).fetchall()
    return [
        Problem(
            SEUILS,
            lines[1],
            data.position("seuils_premier_quartile", "EPCI"),
            "EPCI",
            f"le seuil de l'EPCI {epci} en {annee} est donné deux fois (lignes {lines[0]} et "
            f"{lines[1]}) : une ligne par EPCI et par année est attendue",
        )
        for epci, annee, lines in rows[:MAX_REPORTED]
    ]


TRAVAUX = f"{DATA_DIR}/travaux.csv"

# What a row of travaux.csv cannot say: (column, condition on the row t joined to its
# ensemble's stock n, what is wrong, given the row's columns).
WORKS_RULES = (
    (
        "ENSEMBLE",
        "n.ENSEMBLE IS NULL",
        "ensemble immobilier {ENSEMBLE} sans aucun logement dans patrimoine.csv : l'identifiant "
        "d'un ensemble de patrimoine.csv (colonne ENSEMBLE) est attendu",
    ),
    (
        "logements",
        "t.logements > n.logements",
        "{logements} logements pour l'ensemble {ENSEMBLE}, qui n'en compte que {stock} dans "
        "patrimoine.csv",
    ),
    (
        "annee",
        "t.annee > {fin}",
        "travaux datés de {annee}, après la fin de la convention ({fin}) : des travaux réalisés "
        "sont attendus",
    ),
    (
        "dpe_avant",
        "t.nature = 'renovation_energetique' AND t.dpe_avant IS NULL",
        "une rénovation énergétique donne l'étiquette avant travaux (dpe_avant), de A à G",
    ),
    (
        "dpe_apres",
        "t.nature = 'renovation_energetique' AND t.dpe_apres IS NULL",
        "une rénovation énergétique donne l'étiquette après travaux (dpe_apres), de A à G",
    ),
    (
        "dpe_apres",
        "t.nature = 'renovation_energetique' AND t.dpe_apres >= t.dpe_avant",
        "une rénovation énergétique améliore l'étiquette : {dpe_apres} après travaux n'est pas "
        "meilleure que {dpe_avant} avant",
    ),
    (
        "dpe_apres",
        "t.nature <> 'renovation_energetique' AND t.dpe_apres > t.dpe_avant",
        "l'étiquette après travaux ({dpe_apres}) est moins bonne que celle d'avant ({dpe_avant})",
    ),
)


# What a message about a row of travaux.csv may name.
WORKS_FIELDS = {
    "ligne": "t.ligne + 2",
    "ENSEMBLE": "t.ENSEMBLE",
    "logements": "t.logements",
    "annee": "t.annee",
    "dpe_avant": "t.dpe_avant",
    "dpe_apres": "t.dpe_apres",
    "stock": "n.logements",
}


def works_problems(data: Data, derniere_annee: int) -> list[Problem]:
    """Works on an ensemble without logements, on more logements than it has, not done yet, or
    whose energy labels say no renovation (the first row of each kind, and how many more)."""
    if not data.present("travaux"):
        return []
    # one pass: the rows that break a rule, each with whether it breaks each rule
    rules = [f"({condition.format(fin=int(derniere_annee))})" for _, condition, _ in WORKS_RULES]
    rows = data.execute(
        f"""
        SELECT {", ".join(WORKS_FIELDS.values())}, {", ".join(rules)}
        FROM travaux t
        LEFT JOIN (SELECT ENSEMBLE, count(*) AS logements FROM patrimoine
                   GROUP BY ENSEMBLE) n ON n.ENSEMBLE = t.ENSEMBLE
        WHERE {" OR ".join(rules)} ORDER BY t.ligne
        """
    ).fetchall()
    problems = []
    for index, (column, _, message) in enumerate(WORKS_RULES, start=len(WORKS_FIELDS)):
        broken = [row for row in rows if row[index]]
        if not broken:
            continue
        first = dict(zip(WORKS_FIELDS, broken[0], strict=False))
        text = message.format(fin=derniere_annee, **first)
        text += _others(len(broken))
        problems.append(
            Problem(TRAVAUX, first["ligne"], data.position("travaux", column), column, text)
        )
    return problems


def outside_territories(data: Data, territoires: list[str]) -> list[Problem]:
    """Rows in a commune whose département and EPCI are both undeclared in convention.yml.

    A declared EPCI lies within a declared département, but one that crosses a border brings
    in communes of the neighbouring département as well.
    """
    # a logement of the plan de mise en vente is reported by its own check (validate/vente.py)
    rows = " UNION ALL ".join(
        f"SELECT '{t}' AS fichier, ligne, DEPCOM FROM {t}"
        + (" WHERE mise_en_vente IS NULL" if t == "patrimoine" else "")
        for t in LOCATED
    )
    found = data.execute(
        f"""
        SELECT r.fichier, min(r.ligne) + 2, any_value(k.position), r.DEPCOM, any_value(c.nom),
               any_value(c.departement), count(*)
        FROM ({rows}) r JOIN communes c ON c.code = r.DEPCOM
        JOIN colonnes k ON k.fichier = '{DATA_DIR}/' || r.fichier || '.csv'
             AND k.colonne = 'DEPCOM'
        WHERE {OUTSIDE}
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
    # logements: the rows of patrimoine.csv with their commune's département and EPCI
    rows = data.execute(
        f"""
        SELECT p.ligne + 2, p.DEPCOM, p.ENSEMBLE, e.DEPCOM, count(*) OVER w
        FROM logements p JOIN ensembles e ON e.ENSEMBLE = p.ENSEMBLE
        WHERE p.DEPCOM <> e.DEPCOM AND (len($1) = 0 OR list_contains($1, p.departement)
                                        OR list_contains($1, coalesce(p.epci, '')))
        WINDOW w AS (PARTITION BY p.ENSEMBLE)
        QUALIFY row_number() OVER (PARTITION BY p.ENSEMBLE ORDER BY p.ligne) = 1
        ORDER BY p.ligne LIMIT {MAX_REPORTED}
        """,
        [territoires],
    ).fetchall()
    column = data.position("patrimoine", "DEPCOM")
    problems = []
    for line, commune, ensemble, expected, count in rows:
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
    parts = {
        "menages_sous_60_pct": "sous 60 % des plafonds",
        "menages_apl": "bénéficiaires de l'APL",
    }
    rows = data.execute(
        f"SELECT ligne + 2, ENSEMBLE, menages, {', '.join(parts)} FROM ensembles "
        f"WHERE {' OR '.join(f'{part} > menages' for part in parts)} ORDER BY ligne"
    ).fetchall()
    problems = []
    for index, (part, what) in enumerate(parts.items()):
        beyond = [
            (line, ensemble, values[index], total)
            for line, ensemble, total, *values in rows
            if values[index] > total
        ]
        problems += [
            Problem(
                file,
                line,
                data.position("ensembles", part),
                part,
                f"{value:g} ménages {what} dans l'ensemble {ensemble}, qui n'en loge que "
                f"{total:g} (colonne menages)",
            )
            for line, ensemble, value, total in beyond[:MAX_REPORTED]
        ]
    return problems


def _others(count: int) -> str:
    """« (et 3 autres lignes) » after the first of count rows a problem is about."""
    if count < 2:
        return ""
    plural = "s" if count > 2 else ""
    return f" (et {count - 1} autre{plural} ligne{plural})"
