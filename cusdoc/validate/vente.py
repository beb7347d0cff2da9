"""Validate stage, the plan de mise en vente (column mise_en_vente of patrimoine.csv) and the
addresses of the ensembles: planned years within the period, no logement outside the
convention's perimeter, and the legal conditions of a sale the data can show.

The conditions of CCH L. 443-7 and following checked here are not confirmed by the domain
notes (cus-domain.md quotes none of these articles): they are [à vérifier] on Légifrance, and
so only warnings, which stop the signature version and say which rule they apply.
"""

from cusdoc.errors import Problem
from cusdoc.load.content import Content, dotted
from cusdoc.load.data import DATA_DIR, Data
from cusdoc.validate.content import walk
from cusdoc.validate.data import OUTSIDE

MAX_REPORTED = 10
PATRIMOINE = f"{DATA_DIR}/patrimoine.csv"
ENSEMBLES = f"{DATA_DIR}/ensembles.csv"
PLAN_TABLE = "plan_de_mise_en_vente"

# [à vérifier] CCH L. 443-7 as amended by the loi n° 2021-1104 « Climat et résilience »: a
# logement of DPE class F or G is not sold to a natural person. From memory, not in the notes.
RULE_DPE = (
    "CCH L. 443-7 modifié par la loi n° 2021-1104 du 22 août 2021 (règle à relire sur Légifrance)"
)
# [à vérifier] CCH L. 443-7: a logement is sold only if built or acquired more than ten years
# ago. The data gives the year of construction only, not of acquisition (RPLS field 28).
RULE_AGE = "CCH L. 443-7 (règle à relire sur Légifrance)"
MINIMUM_AGE = 10


def check_plan(data: Data, periode: tuple[int, int], territoires: list[str]) -> list[Problem]:
    """The plan's logements: a planned year within the period, a commune within the declared
    territories (a logement outside is reported here rather than by outside_territories)."""
    if not data.has_column("patrimoine", "mise_en_vente"):
        return []
    return [*_years_outside(data, periode), *_outside_perimeter(data, territoires)]


def _years_outside(data: Data, periode: tuple[int, int]) -> list[Problem]:
    first, last = periode
    rows = data.execute(
        f"""
        SELECT ligne + 2, mise_en_vente, count(*) OVER () FROM patrimoine
        WHERE mise_en_vente NOT BETWEEN ? AND ? ORDER BY ligne LIMIT {MAX_REPORTED}
        """,
        [first, last],
    ).fetchall()
    column = data.position("patrimoine", "mise_en_vente") if rows else 0
    return [
        Problem(
            PATRIMOINE,
            line,
            column,
            "mise_en_vente",
            f"année de mise en vente {year} hors de la période de la convention "
            f"({first}-{last}) : le plan de mise en vente ne porte que sur ses années"
            + (f" ({count} logements en tout)" if count > 1 else ""),
        )
        for line, year, count in rows
    ]


def _outside_perimeter(data: Data, territoires: list[str]) -> list[Problem]:
    """An ensemble of the plan in a commune whose département and EPCI are both undeclared."""
    if not territoires:
        return []
    rows = data.execute(
        f"""
        SELECT min(p.ligne) + 2, p.ENSEMBLE, any_value(c.nom), any_value(c.departement),
               count(*)
        FROM patrimoine p JOIN communes c ON c.code = p.DEPCOM
        WHERE p.mise_en_vente IS NOT NULL AND {OUTSIDE}
        GROUP BY p.ENSEMBLE ORDER BY 1 LIMIT {MAX_REPORTED}
        """,
        [territoires],
    ).fetchall()
    column = data.position("patrimoine", "mise_en_vente") if rows else 0
    declared = ", ".join(territoires)
    return [
        Problem(
            PATRIMOINE,
            line,
            column,
            "mise_en_vente",
            f"l'ensemble {ensemble} ({commune}, département {departement}) est hors du "
            f"périmètre de la convention (territoires déclarés dans content/convention.yml : "
            f"{declared}) : ses {count} logements ne peuvent pas figurer au plan de mise en "
            "vente"
            if count > 1
            else f"l'ensemble {ensemble} ({commune}, département {departement}) est hors du "
            f"périmètre de la convention (territoires déclarés dans content/convention.yml : "
            f"{declared}) : son logement ne peut pas figurer au plan de mise en vente",
        )
        for line, ensemble, commune, departement, count in rows
    ]


def plan_needs_data(content: Content, data: Data) -> list[Problem]:
    """The plan's table placed in a chapter while patrimoine.csv has no column mise_en_vente."""
    if data.has_column("patrimoine", "mise_en_vente"):
        return []
    return [
        Problem(
            source.file,
            *source.position(path),
            dotted(path),
            f"le tableau calculé « {PLAN_TABLE} » demande la colonne mise_en_vente de "
            "patrimoine.csv (année prévue de mise en commercialisation de chaque logement "
            "inscrit au plan), absente",
        )
        for source in content.sources.values()
        for path, value in walk(source.data)
        if path and path[-1] == "tableau_calcule" and value == PLAN_TABLE
    ]


def sale_warnings(data: Data) -> list[Problem]:
    """The plan's logements a sale condition of the code may forbid, by ensemble: DPE class F
    or G, no DPE, built less than ten years before the year planned."""
    if not data.has_column("patrimoine", "mise_en_vente"):
        return []
    conditions = (
        (
            "DPEENERGIE IN ('F', 'G')",
            "classé{s} F ou G",
            f"un logement classé F ou G ne peut pas être vendu à une personne physique "
            f"({RULE_DPE}) : vendez-le à une personne morale, ou après travaux",
        ),
        (
            "DPEENERGIE IS NULL",
            "sans DPE",
            "la classe énergétique d'un logement à vendre doit être connue pour vérifier "
            f"qu'il peut l'être à une personne physique ({RULE_DPE})",
        ),
        (
            f"mise_en_vente - CONSTRUCT < {MINIMUM_AGE}",
            f"achevé{{s}} moins de {MINIMUM_AGE} ans avant l'année de mise en vente",
            f"un logement ne peut être vendu que s'il a été construit ou acquis depuis plus de "
            f"{MINIMUM_AGE} ans ({RULE_AGE})",
        ),
    )
    # each condition on the plan's logements of each ensemble: (first line, ensemble, count)
    found = data.execute(
        "SELECT "
        + ", ".join(
            f"row(min(ligne) FILTER (WHERE {condition}) + 2, ENSEMBLE, "
            f"count(*) FILTER (WHERE {condition}))"
            for condition, _, _ in conditions
        )
        + " FROM patrimoine WHERE mise_en_vente IS NOT NULL GROUP BY ENSEMBLE"
    ).fetchall()
    column = data.position("patrimoine", "mise_en_vente")
    problems = []
    for index, (_, what, rule) in enumerate(conditions):
        rows = sorted(row[index] for row in found if row[index][2])[:MAX_REPORTED]
        for line, ensemble, count in rows:
            plural = "s" if count > 1 else ""
            problems.append(
                Problem(
                    PATRIMOINE,
                    line,
                    column,
                    "mise_en_vente",
                    f"{count} logement{plural} de l'ensemble {ensemble} inscrit{plural} au plan "
                    f"de mise en vente et {what.format(s=plural)} : {rule}",
                    avertissement=True,
                )
            )
    return problems


def missing_addresses(content: Content, data: Data) -> list[Problem]:
    """Ensembles the annex or the plan prints without an address: CCH R. 445-3 identifies each
    ensemble by its address (cus-domain.md §1.3, read)."""
    printed = "classement" in content.sources or any(
        path and path[-1] == "tableau_calcule" and value == PLAN_TABLE
        for source in content.sources.values()
        for path, value in walk(source.data)
    )
    if not printed:
        return []
    count, line = data.execute(
        "SELECT count(*), min(ligne) + 2 FROM ensembles WHERE adresse IS NULL"
    ).fetchone()
    if not count:
        return []
    present = data.has_column("ensembles", "adresse")
    where = (line, data.position("ensembles", "adresse")) if present else (1, 1)
    found = f"{count} ensemble{'s' if count > 1 else ''} sans adresse" + (
        "" if present else " (colonne adresse absente)"
    )
    return [
        Problem(
            ENSEMBLES,
            *where,
            "adresse",
            f"{found} : l'article R. 445-3 du CCH identifie chaque ensemble par son adresse ; "
            "le classement et le plan de mise en vente n'impriment sinon que sa commune, suivie "
            "de « (adresse non renseignée) »",
            avertissement=True,
        )
    ]
