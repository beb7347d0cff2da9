"""Seeded synthetic data of a social-housing organisation, in the formats of docs/donnees.md.

Everything is computed by DuckDB SQL from ``range`` and ``hash``: millions of logements take
seconds, and one seed always writes the same bytes. Categorical columns are allocated, not
sampled: the rows of a stratum are ranked by an ordering that carries the correlations (older
stock gets the worse DPE classes…), then cut by the quota of each category. Shares give the
generic RPLS-like distributions; exact counts reproduce the marginals of a documented example
(scripts/make_example_data.py).

Most orderings are those of whole ensembles: their logements stay together, and ranking the
ensembles is enough. The logements themselves are only ranked for the number of rooms and
accessibility, which vary inside an ensemble, and expanded once, when patrimoine.csv is written.

The recipe: ``load_communes`` → ``plan_segments`` (or ``load_segments``) → ``cut_ensembles`` →
``allocate_logements`` → ``plan_sales`` → ``describe_ensembles`` → ``set_thresholds`` →
``frame_attributions`` → ``allocate_attributions`` → ``frame_works`` → ``write_files``;
``generate`` runs them all with the generic shares.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path
from typing import Self

import duckdb

from cusdoc.load.geography import load_geographie

# Periods of construction, "first-last": construct_year reads the years back from the label.
PERIODS = (
    "1920-1949",
    "1950-1959",
    "1960-1969",
    "1970-1979",
    "1980-1989",
    "1990-1999",
    "2000-2009",
    "2010-2019",
    "2020-2024",
)

# Financing families of docs/donnees.md, in the order the stock was financed.
FAMILIES = ("ancien", "autre", "PLUS", "PLAI", "PLS", "PLI")

# Families of the plan stratégique de patrimoine, written in CODSEGPATRIM.
SEGMENTS = ("RESTRUCTURER", "REHABILITER", "CONSERVER", "CEDER")

# Attribution profiles: relogé ANRU below / above the first-quartile threshold, others likewise.
PROFILES = ("R1", "Q1", "R2", "AU")

YES_NO = ("1", "0")


@dataclass(frozen=True)
class Commune:
    """A commune of the stock: an exact count of logements, or a weight to share the rest."""

    code: str
    weight: float = 1.0
    count: int | None = None


@dataclass(frozen=True)
class Rule:
    """How a categorical column is allocated: rows first in ``order`` take the first categories."""

    table: str  # ensemble (ranked whole), logement or attribution (ranked row by row)
    column: str
    categories: tuple[str, ...]
    order: str  # SQL ORDER BY items over the table; u(salt, key) is uniform in [0, 1)


@dataclass(frozen=True)
class Quota:
    """Weights of the categories in each stratum: exact counts, or shares of the stratum size."""

    strata: tuple[str, ...]  # the columns that define a stratum; () for a single one
    weights: Mapping[tuple[str, ...], Mapping[str, float]]

    @classmethod
    def shares(cls, shares: Mapping[str, float]) -> Self:
        """The same shares for every row."""
        return cls((), {(): shares})


RULES = {
    "periode": Rule(
        "ensemble",
        "periode",
        tuple(PERIODS),
        "u('age', ens) - 0.45 * (QPV IS NOT NULL)::INT + 0.25 * (TYPECONST = 'I')::INT",
    ),
    "famille": Rule(
        "ensemble",
        "famille",
        FAMILIES,
        "(CONSTRUCT >= 1977)::INT, CONSTRUCT + 30 * u('financement', ens)",
    ),
    "dpe": Rule(
        "ensemble",
        "DPEENERGIE",
        tuple("ABCDEFG"),
        "(2025 - CONSTRUCT) * CASE WHEN u('rehabilitation', ens) < 0.3 THEN 0.4 ELSE 1 END"
        " + 12 * (TYPECONST = 'I' AND CONSTRUCT < 1980)::INT + 20 * u('dpe', ens)",
    ),
    "segment": Rule(
        "ensemble",
        "CODSEGPATRIM",
        SEGMENTS,
        "CASE WHEN anru THEN 0 WHEN QPV IS NOT NULL THEN 1"
        " WHEN worst_dpe >= 'E' OR CONSTRUCT < 1975 THEN 2"
        " WHEN TYPECONST = 'I' AND CONSTRUCT BETWEEN 1970 AND 2005 THEN 4 ELSE 3 END,"
        " worst_dpe DESC, u('segment', ens)",
    ),
    "pieces": Rule(
        "logement",
        "NBPIECE",
        ("1", "2", "3", "4", "5", "6"),
        "u('pieces-logement', id) + 0.45 * (TYPECONST = 'I')::INT"
        " + 0.2 * (QPV IS NOT NULL)::INT - 0.2 * (CONSTRUCT >= 2010)::INT"
        " + 0.3 * u('pieces-ensemble', ens)",
    ),
    "pmr": Rule(
        "logement", "ACCESSIBLE_PMR", YES_NO, "0.8 * (CONSTRUCT < 2007)::INT + u('pmr', id)"
    ),
    "profil": Rule("attribution", "profil", PROFILES, "u('precarite', id)"),
    "prioritaire": Rule(
        "attribution",
        "prioritaire",
        YES_NO,
        "0.5 * (profil IN ('R2', 'AU'))::INT + u('prioritaire', id)",
    ),
    "dalo": Rule("attribution", "dalo", YES_NO, "(prioritaire = '0')::INT, u('dalo', id)"),
    "mutation": Rule(
        "attribution",
        "mutation",
        YES_NO,
        "(profil NOT IN ('R1', 'R2'))::INT, 0.3 * (prioritaire = '1')::INT + u('mutation', id)",
    ),
}

ENSEMBLE_RULES = ("periode", "famille", "dpe", "segment")  # in this order: each uses the last
LOGEMENT_RULES = ("pieces", "pmr")
ATTRIBUTION_RULES = ("profil", "prioritaire", "dalo", "mutation")

# RPLS-like shares of the generic generator.
SHARES = {
    "periode": {
        "1950-1959": 0.10,
        "1960-1969": 0.17,
        "1970-1979": 0.21,
        "1980-1989": 0.13,
        "1990-1999": 0.11,
        "2000-2009": 0.10,
        "2010-2019": 0.13,
        "2020-2024": 0.05,
    },
    "famille": {
        "ancien": 0.07,
        "autre": 0.02,
        "PLUS": 0.74,
        "PLAI": 0.11,
        "PLS": 0.05,
        "PLI": 0.01,
    },
    "dpe": {"A": 0.02, "B": 0.06, "C": 0.22, "D": 0.36, "E": 0.24, "F": 0.07, "G": 0.03},
    "segment": {"RESTRUCTURER": 0.06, "REHABILITER": 0.26, "CONSERVER": 0.64, "CEDER": 0.04},
    "pieces": {"1": 0.07, "2": 0.20, "3": 0.35, "4": 0.27, "5": 0.09, "6": 0.02},
    "pmr": {"1": 0.05, "0": 0.95},
    "prioritaire": {"1": 0.28, "0": 0.72},
    "dalo": {"1": 0.05, "0": 0.95},
    "mutation": {"1": 0.25, "0": 0.75},
}

# Profiles by (QPV, EPCI with an urban renewal project): ~22 % below the threshold hors QPV.
PROFILE_SHARES = {
    ("0", "0"): {"Q1": 0.22, "AU": 0.78},
    ("0", "1"): {"R1": 0.012, "Q1": 0.21, "R2": 0.018, "AU": 0.76},
    ("1", "0"): {"R1": 0.015, "Q1": 0.44, "R2": 0.015, "AU": 0.53},
    ("1", "1"): {"R1": 0.015, "Q1": 0.44, "R2": 0.015, "AU": 0.53},
}

SIGNED_SHARE = 0.95
ATTRIBUTION_RATE = 0.09  # signed attributions per logement and per year
MISSING_DPE_SHARE = 0.02

# Works and sales of a year, in logements per logement of the stock (travaux.csv).
WORK_RATES = {
    "rehabilitation": 0.015,
    "renovation_energetique": 0.008,
    "adaptation_pmr": 0.006,
    "mise_en_commercialisation": 0.002,
    "vente": 0.001,
}


@dataclass(frozen=True)
class Work:
    """Which pieces of ensembles (runs) a nature of works is done on, and how."""

    candidates: str  # SQL condition on run
    take: str  # SQL: the logements of the run one row takes, at most its size
    dpe_avant: str  # SQL: the label before, NULL where it is not given
    dpe_apres: str
    first: str = "0"  # SQL: candidates with a lower value are taken first


# The stock is the one after the works: rehabilitated and renovated runs are old ones whose
# label is good now. A rehabilitation started from B to E, so that only energy renovations
# take logements out of F and G; adaptations and sales take a few logements, sales in the
# ensembles the strategic plan puts on sale first, then in houses, then in the others.
WORKS = {
    "rehabilitation": Work(
        "CONSTRUCT < 2010 AND DPEENERGIE IN ('A', 'B', 'C')",
        "size",
        "chr(ascii(DPEENERGIE) + 1 + (u('gain', ens) < 0.5)::INT)",
        "DPEENERGIE",
    ),
    "renovation_energetique": Work(
        "CONSTRUCT < 1990 AND DPEENERGIE IN ('D', 'E')",
        "size",
        "CASE WHEN u('avant', ens) < 0.7 THEN 'F' ELSE 'G' END",
        "DPEENERGIE",
    ),
    "adaptation_pmr": Work(
        "true", "least(size, 1 + floor(2 * u('adaptes', ens))::INT)", "NULL", "NULL"
    ),
    "mise_en_commercialisation": Work(
        "true",
        "least(size, 2 + floor(3 * u('commercialises', ens))::INT)",
        "NULL",
        "NULL",
        "(CODSEGPATRIM IS DISTINCT FROM 'CEDER')::INT + (TYPECONST = 'C')::INT",
    ),
    "vente": Work(
        "true",
        "least(size, 1 + floor(2 * u('vendus', ens))::INT)",
        "NULL",
        "NULL",
        "(CODSEGPATRIM IS DISTINCT FROM 'CEDER')::INT + (TYPECONST = 'C')::INT",
    ),
}

# Mean ensemble size by kind of segment; sizes stay within 10 and 300.
MEAN_ENSEMBLE = {"QPV": 60, "C": 35, "I": 15}
ENSEMBLE_MIN, ENSEMBLE_MAX = 10, 300

ROOM_SURFACE = (30, 46, 64, 78, 92, 106)  # m² by NBPIECE 1–6

# The plan de mise en vente: the logements of the segment « céder » that the sale conditions
# the check knows allow (hors QPV, DPE A to E, built ten years before), each ensemble given a
# year of the convention 2025-2030 to be put on the market.
SALE_YEARS = tuple(range(2025, 2031))
SALE_MINIMUM_AGE = 10

STREET_KINDS = ("rue", "rue", "avenue", "allée", "impasse", "chemin", "place", "boulevard")

NAME_KINDS = (
    "Résidence",
    "Les Jardins",
    "Le Clos",
    "Le Parc",
    "Les Terrasses",
    "Le Square",
    "Les Allées",
    "Le Domaine",
    "Les Hauts",
    "Le Hameau",
)
NAME_PLACES = (
    "des Tilleuls",
    "des Acacias",
    "du Moulin",
    "de la Loire",
    "des Vignes",
    "Saint-Martin",
    "Jean-Moulin",
    "Victor-Hugo",
    "des Peupliers",
    "du Lavoir",
    "de la Gare",
    "des Platanes",
    "Paul-Bert",
    "des Coteaux",
    "du Château",
    "Pasteur",
    "des Érables",
    "du Bourg",
    "de la Fontaine",
    "des Cèdres",
    "Jules-Ferry",
    "des Prés",
    "du Stade",
    "des Rosiers",
    "Marie-Curie",
    "des Chênes",
    "de l'Église",
    "Anatole-France",
    "des Lilas",
    "du Val",
)


def allocate(
    total: int,
    weights: Sequence[float],
    lower: Sequence[int] | None = None,
    upper: Sequence[int] | None = None,
) -> list[int]:
    """Split an integer total in proportion to weights, within bounds (largest remainders)."""
    low = list(lower) if lower is not None else [0] * len(weights)
    high = list(upper) if upper is not None else [total] * len(weights)
    if sum(low) > total or sum(high) < total or any(a > b for a, b in zip(low, high, strict=True)):
        raise ValueError(f"cannot split {total} within the bounds given")
    if lower is None and upper is None and sum(weights) > 0:
        scale = total / sum(weights)
    else:
        scale = _scale_to_total(total, weights, low, high)
    exact = [_clamp(scale * w, a, b) for w, a, b in zip(weights, low, high, strict=True)]
    counts = [math.floor(x) for x in exact]
    missing = total - sum(counts)
    for i in sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i)):
        if missing > 0 and counts[i] < high[i]:
            counts[i] += 1
            missing -= 1
    return counts


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _scale_to_total(total: int, weights: Sequence[float], low: list[int], high: list[int]) -> float:
    """The factor that makes the clamped proportional shares add up to the total (bisection)."""

    def filled(scale: float) -> float:
        return sum(_clamp(scale * w, a, b) for w, a, b in zip(weights, low, high, strict=True))

    bottom, top = 0.0, 1.0
    while filled(top) < total and top < 1e18:
        bottom, top = top, top * 2
    for _ in range(100):
        middle = (bottom + top) / 2
        bottom, top = (middle, top) if filled(middle) < total else (bottom, middle)
    return top


def commune_counts(communes: Sequence[Commune], logements: int) -> dict[str, int]:
    """Exact counts of logements by commune: the given counts, the rest shared by weight."""
    fixed = {c.code: c.count for c in communes if c.count is not None}
    weighted = [c for c in communes if c.count is None]
    rest = logements - sum(fixed.values())
    if rest < 0 or (rest and not weighted):
        raise ValueError(
            f"{logements} logements cannot match the exact counts given ({sum(fixed.values())})"
        )
    shared = allocate(rest, [c.weight for c in weighted]) if weighted else []
    counts = fixed | {c.code: n for c, n in zip(weighted, shared, strict=True)}
    return {code: n for code, n in counts.items() if n > 0}


def connect(seed: int, last_year: int = 2024) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the macros of the generator, for one seed."""
    con = duckdb.connect()
    # hash(seed, salt, key) alone is nearly the same for two salts: hash the key once more.
    con.execute(
        "CREATE MACRO u(salt, key) AS"
        f" hash(xor(hash(key), hash({int(seed)}, salt))) / 18446744073709551616.0"
    )
    # The position of a rank r in a list of cumulative upper bounds, 1 for the first.
    con.execute("CREATE MACRO slot(his, r) AS 1 + len(list_filter(his, lambda h: h < r))")
    # A year of a period ("1960-1969"), at a position among the size logements of that period.
    last = f"least(periode[6:9]::INT, {int(last_year)})"
    con.execute(
        "CREATE MACRO construct_year(periode, pos, size) AS least(periode[1:4]::INT"
        f" + floor(({last} - periode[1:4]::INT + 1) * pos / size)::INT, {last})"
    )
    return con


def load_communes(con: duckdb.DuckDBPyConnection, counts: Mapping[str, int]) -> None:
    """Table commune: DEPCOM, DEP, EPCI and count of logements, from the packaged geography."""
    geographie = load_geographie()
    unknown = sorted(code for code in counts if code not in geographie.communes)
    if unknown:
        raise ValueError(f"unknown communes: {', '.join(unknown)}")
    with as_file(files("cusdoc.data") / "communes.csv") as path:
        con.execute(
            "CREATE OR REPLACE TABLE commune AS"
            " SELECT c.code AS DEPCOM, c.departement AS DEP, coalesce(c.epci, '') AS EPCI,"
            " n.logements"
            " FROM read_csv(?, all_varchar = true) c"
            " JOIN (SELECT unnest(?) AS code, unnest(?) AS logements) n USING (code)",
            [str(path), list(counts), list(counts.values())],
        )


def plan_segments(con: duckdb.DuckDBPyConnection) -> None:
    """Table segment: each commune split into QPV quartiers, collectif and individuel stock."""
    # The largest communes, 60 % of the stock, have QPV; the last 15 % are mostly houses. A part
    # too small for an ensemble of its own becomes all or nothing of the commune.
    con.execute(
        f"""
        CREATE OR REPLACE TABLE segment_plan AS
        WITH ranked AS (
            SELECT *, coalesce(sum(logements) OVER (ORDER BY logements DESC, DEPCOM
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                / sum(logements) OVER () AS before
            FROM commune),
        shares AS (
            SELECT *,
                CASE WHEN before < 0.6 THEN 0.35 + 0.3 * u('qpv', DEPCOM) ELSE 0 END AS qpv_share,
                CASE WHEN before < 0.6 THEN 0.08 WHEN before < 0.85 THEN 0.25 ELSE 0.5 END
                    AS individual_share
            FROM ranked),
        with_qpv AS (
            SELECT *, {_segment_share("logements", "qpv_share", "qpv-entier")} AS qpv FROM shares),
        with_houses AS (
            SELECT *, {_segment_share("logements - qpv", "individual_share", "individuel-entier")}
                AS individuel
            FROM with_qpv)
        SELECT DEPCOM, DEP, EPCI, logements, qpv,
            CASE WHEN logements - qpv - individuel < {ENSEMBLE_MIN} AND individuel > 0
                THEN logements - qpv ELSE individuel END AS individuel
        FROM with_houses
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE segment_source AS
        WITH quartiers AS (
            SELECT p.*, greatest(1, least(9, round(qpv / 1500)))::INT AS quartiers
            FROM segment_plan p WHERE qpv > 0),
        parts AS (
            SELECT q.*, unnest(range(quartiers)) AS part FROM quartiers q),
        numbered AS (
            SELECT *, row_number() OVER (PARTITION BY DEP ORDER BY DEPCOM, part) AS number
            FROM parts)
        SELECT DEPCOM, DEP, EPCI,
            'QN' || lpad(DEP, 3, '0') || lpad(number::VARCHAR, 3, '0') || 'M' AS QPV,
            NULL::VARCHAR AS quartier, true AS anru, 'C' AS TYPECONST,
            (qpv * (part + 1) // quartiers - qpv * part // quartiers)::INT AS logements
        FROM numbered
        UNION ALL
        SELECT DEPCOM, DEP, EPCI, NULL, NULL, false, 'C', logements - qpv - individuel
        FROM segment_plan
        UNION ALL
        SELECT DEPCOM, DEP, EPCI, NULL, NULL, false, 'I', individuel FROM segment_plan
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE segment AS
        SELECT *, least(greatest(round(logements / CASE WHEN QPV IS NOT NULL
                    THEN {MEAN_ENSEMBLE["QPV"]} WHEN TYPECONST = 'C' THEN {MEAN_ENSEMBLE["C"]}
                    ELSE {MEAN_ENSEMBLE["I"]} END), ceil(logements / {ENSEMBLE_MAX - 10}), 1),
                greatest(logements // {ENSEMBLE_MIN}, 1))::INT AS ensembles
        FROM segment_source WHERE logements > 0
        """
    )


def _segment_share(size: str, share: str, salt: str) -> str:
    """SQL: a share of a size, or all or nothing of it when a part would be under an ensemble."""
    part = f"round({size} * {share})"
    return (
        f"CASE WHEN {part} >= {ENSEMBLE_MIN} AND {size} - {part} >= {ENSEMBLE_MIN} THEN {part}"
        f" WHEN u('{salt}', DEPCOM) < {share} THEN {size} ELSE 0 END::INT"
    )


def load_segments(con: duckdb.DuckDBPyConnection, segments: Iterable[Mapping[str, object]]) -> None:
    """Table segment from rows of DEPCOM, QPV, quartier, anru, TYPECONST, logements, ensembles."""
    rows = list(segments)
    columns = ("DEPCOM", "QPV", "quartier", "anru", "TYPECONST", "logements", "ensembles")
    values = [[row.get(c) for row in rows] for c in columns]
    selected = ", ".join(f"unnest(${i + 1}) AS {c}" for i, c in enumerate(columns))
    con.execute(f"CREATE OR REPLACE TEMP TABLE segment_input AS SELECT {selected}", values)
    con.execute(
        "CREATE OR REPLACE TABLE segment AS SELECT s.DEPCOM, c.DEP, c.EPCI, s.QPV::VARCHAR AS QPV,"
        " s.quartier::VARCHAR AS quartier, coalesce(s.anru, false) AS anru, s.TYPECONST,"
        " s.logements::INT AS logements, s.ensembles::INT AS ensembles"
        " FROM segment_input s JOIN commune c USING (DEPCOM)"
    )


def cut_ensembles(con: duckdb.DuckDBPyConnection) -> None:
    """Table ensemble: each segment cut into its number of ensembles, of 10 to 300 logements."""
    # A size is the minimum plus a share of the rest weighted 1 to spread, skewed to small ones;
    # spread is low enough that no share passes the maximum, even rounded up.
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ensemble AS
        WITH segments AS (
            SELECT *, row_number() OVER (ORDER BY DEPCOM, QPV NULLS LAST, TYPECONST) AS segment,
                logements - {ENSEMBLE_MIN} * ensembles AS extra
            FROM segment),
        parts AS (
            SELECT *, unnest(range(ensembles)) AS j,
                least(6, greatest(1, {ENSEMBLE_MAX - ENSEMBLE_MIN - 10} * ensembles
                    / greatest(extra, 1))) AS spread
            FROM segments),
        weighted AS (
            SELECT *, 1 + (spread - 1) * pow(u('taille', segment * 100003 + j), 2) AS w FROM parts),
        cumulated AS (
            SELECT *, sum(w) OVER (PARTITION BY segment ORDER BY j) AS cum,
                sum(w) OVER (PARTITION BY segment) AS total
            FROM weighted),
        bounded AS (
            SELECT *, CASE WHEN j = ensembles - 1 THEN extra
                ELSE floor(extra * cum / total)::BIGINT END AS upper
            FROM cumulated),
        sized AS (
            SELECT *, {ENSEMBLE_MIN} + upper - lag(upper, 1, 0) OVER (
                PARTITION BY segment ORDER BY j) AS size
            FROM bounded)
        SELECT row_number() OVER (ORDER BY segment, j) - 1 AS ens,
            DEPCOM || '-' || lpad(row_number() OVER (PARTITION BY DEPCOM ORDER BY segment, j)
                ::VARCHAR, 4, '0') AS ENSEMBLE,
            DEPCOM, DEP, EPCI, QPV, quartier, anru, TYPECONST, size::INT AS logements,
            false AS sans_dpe
        FROM sized
        """
    )
    con.execute(
        "CREATE OR REPLACE TABLE ensemble AS SELECT *,"
        " (sum(logements) OVER (ORDER BY ens) - logements)::BIGINT AS first FROM ensemble"
    )


def load_quotas(con: duckdb.DuckDBPyConnection, quotas: Mapping[str, Quota]) -> None:
    """Table quota: the weight of each category, by rule and stratum."""
    rows = [
        (name, "|".join(stratum), category, position, float(weights.get(category, 0)))
        for name, quota in quotas.items()
        for stratum, weights in quota.weights.items()
        for position, category in enumerate(RULES[name].categories)
    ]
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * 5
    con.execute(
        "CREATE OR REPLACE TABLE quota AS SELECT unnest($1) AS rule, unnest($2) AS stratum,"
        " unnest($3) AS category, unnest($4) AS position, unnest($5) AS weight",
        columns,
    )


def _stratum_sql(strata: Sequence[str]) -> str:
    """The SQL key of a row's stratum, as load_quotas writes it."""
    if not strata:
        return "''"
    return "concat_ws('|', " + ", ".join(f"{c}::VARCHAR" for c in strata) + ")"


def cut_quota(con: duckdb.DuckDBPyConnection, name: str, strata: Sequence[str]) -> None:
    """Table bounds_<name>: per stratum, the ranks lo < rank <= hi that take each category."""
    rule = RULES[name]
    size = "sum(logements)" if rule.table in ("ensemble", "logement") else "count(*)"
    table = "ensemble" if rule.table == "logement" else rule.table
    con.execute(
        f"""
        CREATE OR REPLACE TABLE bounds_{name} AS
        WITH q AS (
            SELECT stratum, category, position,
                sum(weight) OVER (PARTITION BY stratum ORDER BY position
                    ROWS UNBOUNDED PRECEDING) AS cum,
                sum(weight) OVER (PARTITION BY stratum) AS total
            FROM quota WHERE rule = ?),
        n AS (SELECT {_stratum_sql(strata)} AS stratum, {size} AS n FROM {table} GROUP BY ALL),
        cut AS (
            SELECT stratum, category, position, round(n.n * q.cum / q.total)::BIGINT AS hi
            FROM n JOIN q USING (stratum) WHERE q.total > 0)
        SELECT *, lag(hi, 1, 0) OVER (PARTITION BY stratum ORDER BY position) AS lo FROM cut
        """,
        [name],
    )
    con.execute(f"DELETE FROM bounds_{name} WHERE hi = lo")


def attach_bounds(con: duckdb.DuckDBPyConnection, name: str, strata: Sequence[str]) -> None:
    """Give each ensemble its stratum's categories and their last ranks, as lists."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ensemble AS
        SELECT e.*, b.cats AS cats_{name}, b.his AS his_{name}
        FROM ensemble e LEFT JOIN ({_bound_lists(name)}) b ON b.stratum = {_stratum_sql(strata)}
        """
    )
    _check_allocated(con, name, "ensemble", f"cats_{name}", _stratum_sql(strata))


def _bound_lists(name: str) -> str:
    """SQL: per stratum, the list of categories and the list of their last ranks."""
    return (
        "SELECT stratum, list(category ORDER BY position) AS cats,"
        f" list(hi ORDER BY position) AS his FROM bounds_{name} GROUP BY stratum"
    )


def rank_ensembles(con: duckdb.DuckDBPyConnection, name: str, strata: Sequence[str]) -> None:
    """Column start_<name>: how many logements of its stratum come before the ensemble."""
    stratum = _stratum_sql(strata)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ensemble AS
        SELECT *, sum(logements) OVER (PARTITION BY {stratum} ORDER BY {RULES[name].order}, ens
            ROWS UNBOUNDED PRECEDING) - logements AS start_{name}
        FROM ensemble
        """
    )


def allocate_rows(con: duckdb.DuckDBPyConnection, name: str, strata: Sequence[str]) -> None:
    """Allocate a row rule on its (small) table: rank each row in its stratum, then cut."""
    rule = RULES[name]
    stratum = _stratum_sql(strata)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {rule.table} AS
        WITH ranked AS (
            SELECT *, {stratum} AS _stratum,
                row_number() OVER (PARTITION BY {stratum} ORDER BY {rule.order}, id) AS _rank
            FROM {rule.table})
        SELECT ranked.* EXCLUDE (_stratum, _rank), b.category AS {rule.column}
        FROM ranked ASOF LEFT JOIN bounds_{name} b
            ON ranked._stratum = b.stratum AND ranked._rank > b.lo
        """
    )
    _check_allocated(con, name, rule.table, rule.column, stratum)


def _check_allocated(
    con: duckdb.DuckDBPyConnection, name: str, table: str, column: str, stratum: str
) -> None:
    """Fail when rows found no quota for their stratum."""
    missing = con.execute(
        f"SELECT DISTINCT {stratum} FROM {table} WHERE {column} IS NULL LIMIT 5"
    ).fetchall()
    if missing:
        listed = ", ".join(repr(m[0]) for m in missing)
        raise ValueError(f"rule {name}: no quota for the strata {listed}")


def category_sql(name: str, rank: str) -> str:
    """SQL: the category of a rule at a rank, from the bounds attached to the ensemble."""
    return f"cats_{name}[slot(his_{name}, {rank})]"


def _low_sql(name: str, rank: str) -> str:
    """SQL: the last rank before the category of a rank."""
    return f"coalesce(list_filter(his_{name}, lambda h: h < {rank})[-1], 0)"


def _high_sql(name: str, rank: str) -> str:
    """SQL: the last rank of the category of a rank."""
    return f"his_{name}[slot(his_{name}, {rank})]"


def allocate_logements(
    con: duckdb.DuckDBPyConnection, quotas: Mapping[str, Quota], missing_dpe: float = 0.0
) -> None:
    """Allocate every column of patrimoine.csv, each rule seeing the columns before it."""
    load_quotas(con, quotas)
    for name in ENSEMBLE_RULES:
        cut_quota(con, name, quotas[name].strata)
        attach_bounds(con, name, quotas[name].strata)
        rank_ensembles(con, name, quotas[name].strata)
        describe_ensemble_rank(con, name)
    con.execute("UPDATE ensemble SET sans_dpe = u('sans-dpe', ens) < ?", [float(missing_dpe)])
    split_runs(con)
    for name in LOGEMENT_RULES:
        cut_quota(con, name, quotas[name].strata)
    rank_logements(con, {name: quotas[name].strata for name in LOGEMENT_RULES})
    con.execute(f"CREATE OR REPLACE VIEW logement AS {LOGEMENT_SQL}")


def describe_ensemble_rank(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Ensemble columns the next rules order by: its first year, its worst DPE class."""
    if name == "periode":
        first = "start_periode + 1"
        low = _low_sql("periode", first)
        con.execute(
            f"""
            CREATE OR REPLACE TABLE ensemble AS
            SELECT *, construct_year({category_sql("periode", first)}, start_periode - {low},
                {_high_sql("periode", first)} - {low}) AS CONSTRUCT
            FROM ensemble
            """
        )
    if name == "dpe":
        con.execute(
            "CREATE OR REPLACE TABLE ensemble AS SELECT *,"
            f" {category_sql('dpe', 'start_dpe + logements')} AS worst_dpe FROM ensemble"
        )


def split_runs(con: duckdb.DuckDBPyConnection) -> None:
    """Table run: the pieces of ensembles where no ensemble rule changes category."""
    # A rule's last rank hi falls inside an ensemble at cut_at = hi - start: the logements from
    # there on take the next category. Most ensembles are a single run.
    offsets = " UNION ".join(
        f"SELECT ens, logements, unnest(his_{name}) - start_{name} AS cut_at FROM ensemble"
        for name in ENSEMBLE_RULES
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE run AS
        WITH cuts AS (
            SELECT ens, 0 AS cut_at FROM ensemble
            UNION SELECT ens, cut_at FROM ({offsets}) WHERE cut_at > 0 AND cut_at < logements),
        runs AS (
            SELECT ens, cut_at, lead(cut_at) OVER (PARTITION BY ens ORDER BY cut_at) AS next
            FROM cuts),
        ranked AS (
            SELECT e.*, runs.cut_at, e.start_periode + runs.cut_at + 1 AS r_periode,
                (coalesce(runs.next, e.logements) - runs.cut_at)::BIGINT AS size
            FROM runs JOIN ensemble e USING (ens)),
        placed AS (
            SELECT *, {category_sql("periode", "r_periode")} AS periode,
                {_low_sql("periode", "r_periode")} AS low_periode,
                {_high_sql("periode", "r_periode")} AS high_periode,
                {category_sql("famille", "start_famille + cut_at + 1")} AS famille,
                CASE WHEN NOT sans_dpe THEN {category_sql("dpe", "start_dpe + cut_at + 1")}
                    END AS DPEENERGIE,
                {category_sql("segment", "start_segment + cut_at + 1")} AS CODSEGPATRIM
            FROM ranked),
        dated AS (
            SELECT * EXCLUDE (CONSTRUCT), construct_year(periode,
                greatest(start_periode, low_periode) - low_periode, high_periode - low_periode)
                AS CONSTRUCT
            FROM placed)
        SELECT ens, (first + cut_at)::BIGINT AS first_id, size, ENSEMBLE, DEPCOM, DEP, EPCI,
            QPV, quartier, anru, TYPECONST, periode, CONSTRUCT, famille, {FINAN_SQL} AS FINAN,
            DPEENERGIE, CODSEGPATRIM
        FROM dated
        """
    )


# The RPLS code of a financing family, by the year the ensemble was financed.
FINAN_SQL = """CASE famille
    WHEN 'ancien' THEN [50, 50, 50, 50, 50, 50, 50, 51, 52, 53, 54, 55]
        [1 + floor(12 * u('code-ancien', ens))::INT]
    WHEN 'autre' THEN [15, 17, 49, 99][1 + floor(4 * u('code-autre', ens))::INT]
    WHEN 'PLUS' THEN CASE WHEN CONSTRUCT < 2000 THEN 13 ELSE 12 END
    WHEN 'PLAI' THEN CASE WHEN CONSTRUCT < 2000 THEN 11 ELSE 10 END
    WHEN 'PLS' THEN 14
    WHEN 'PLI' THEN 16 END"""


def rank_logements(con: duckdb.DuckDBPyConnection, strata: Mapping[str, Sequence[str]]) -> None:
    """Table logement_rank: the categories of the rules that vary inside an ensemble."""
    keys = ", ".join(
        f"{_stratum_sql(strata[name])} AS stratum_{name}, {RULES[name].order} AS key_{name}"
        for name in strata
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE logement_key AS
        SELECT id, {keys} FROM (
            SELECT first_id + unnest(range(size)) AS id, * EXCLUDE (first_id)
            FROM (SELECT ens, first_id, size, QPV, TYPECONST, CONSTRUCT, DEPCOM, DEP, EPCI
                FROM run))
        """
    )
    ranks = ", ".join(
        f"stratum_{name}, row_number() OVER ("
        f"{'PARTITION BY stratum_' + name if strata[name] else ''}"
        f" ORDER BY key_{name}, id) AS rank_{name}"
        for name in strata
    )
    lists = " ".join(
        f"JOIN ({_bound_lists(name)}) b_{name} ON b_{name}.stratum = ranked.stratum_{name}"
        for name in strata
    )
    columns = ", ".join(
        f"b_{name}.cats[slot(b_{name}.his, rank_{name})] AS {RULES[name].column}" for name in strata
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE logement_rank AS
        WITH ranked AS (SELECT id, {ranks} FROM logement_key)
        SELECT ranked.id, {columns} FROM ranked {lists}
        """
    )
    found = con.execute("SELECT count(*) FROM logement_rank").fetchone()[0]
    expected = con.execute("SELECT sum(logements) FROM ensemble").fetchone()[0]
    if found != expected:
        raise ValueError(f"rules {', '.join(strata)}: no quota for some strata")


# One logement per row: its run's columns, its own number of rooms and accessibility.
LOGEMENT_SQL = f"""
    SELECT x.* EXCLUDE (first_id, size, k), lr.NBPIECE::INT AS NBPIECE, lr.ACCESSIBLE_PMR,
        round({list(ROOM_SURFACE)}[lr.NBPIECE::INT] * (0.88 + 0.24 * u('surface', x.id))
            + 6 * (x.TYPECONST = 'I')::INT, 1)::DECIMAL(5, 1) AS SURFHAB
    FROM (SELECT *, first_id + k AS id FROM (SELECT *, unnest(range(size)) AS k FROM run)) x
    JOIN logement_rank lr USING (id)
"""


def plan_sales(con: duckdb.DuckDBPyConnection, years: Sequence[int] = SALE_YEARS) -> None:
    """View logement with mise_en_vente: the year a logement of the plan is put on the market,
    one year for each ensemble, drawn among years, early ones more often (most of the plan is
    for sale from the start: PP-4 commits half of it by the third year); none outside the
    plan."""
    year = f"{int(years[0])} + floor({len(years)} * pow(u('vente', ens), 2))::INT"
    con.execute(
        f"""
        CREATE OR REPLACE VIEW logement AS
        SELECT *, CASE WHEN CODSEGPATRIM = 'CEDER' AND QPV IS NULL AND DPEENERGIE <= 'E'
                       AND CONSTRUCT <= {year} - {SALE_MINIMUM_AGE} THEN {year} END
                  AS mise_en_vente
        FROM ({LOGEMENT_SQL})
        """
    )


def describe_ensembles(con: duckdb.DuckDBPyConnection) -> None:
    """Table ensemble_out: name, address, service scores and occupation of each ensemble."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ensemble_out AS
        WITH e AS (
            SELECT ensemble.*, c.logements >= 500 AS urbain,
                (QPV IS NOT NULL)::INT AS in_qpv, (TYPECONST = 'I')::INT AS individuel,
                least(greatest((CONSTRUCT - 1950) / 70, 0), 1) AS age,
                (NOT sans_dpe AND worst_dpe >= 'F')::INT AS passoire
            FROM ensemble JOIN commune c USING (DEPCOM)),
        scored AS (
            SELECT *,
                least(greatest(round(1.4 + 3 * age + 1.6 * (u('qualite', ens) - 0.5)
                    - 0.6 * passoire), 1), 5)::INT AS qualite_construction,
                round(0.004 * logements + 0.06 * logements * pow(u('vacance', ens), 3)
                    + 0.02 * logements * in_qpv)::INT AS vacants,
                round(logements * least(greatest(0.085 + 0.025 * in_qpv - 0.03 * individuel
                    + 0.1 * (u('rotation', ens) - 0.5), 0), 0.4))::INT AS departs
            FROM e),
        occupied AS (SELECT *, logements - vacants AS menages FROM scored)
        SELECT ens, ENSEMBLE, {_name_sql()} AS nom, DEPCOM, {_address_sql()} AS adresse,
            qualite_construction,
            least(greatest(round(qualite_construction
                + 1.4 * (u('equipements', ens) - 0.5)), 1), 5)::INT AS equipements,
            least(greatest(round(3 + 0.7 * urbain::INT - 0.6 * individuel
                + 2.2 * (u('localisation', ens) - 0.5)), 1), 5)::INT AS localisation,
            least(greatest(round(3.5 - 1.2 * in_qpv + 0.4 * individuel
                + 2.2 * (u('environnement', ens) - 0.5)), 1), 5)::INT AS environnement,
            menages,
            round(menages * least(greatest(0.575 + 0.17 * in_qpv
                + 0.3 * (u('ressources', ens) - 0.5), 0.1), 0.98))::INT AS menages_sous_60_pct,
            round(menages * least(greatest(0.43 + 0.17 * in_qpv
                + 0.3 * (u('apl', ens) - 0.5), 0.05), 0.95))::INT AS menages_apl,
            vacants, departs, logements
        FROM occupied
        """
    )


def replace_columns(
    con: duckdb.DuckDBPyConnection, table: str, key: str, columns: Mapping[str, Sequence[object]]
) -> None:
    """Overwrite columns of a table with values given for each key (the key column comes first)."""
    names = list(columns)
    selected = ", ".join(f"unnest(${i + 1}) AS {name}" for i, name in enumerate(names))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE replacement AS SELECT {selected}",
        [list(columns[name]) for name in names],
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT t.* REPLACE ("
        + ", ".join(f"coalesce(r.{n}, t.{n}) AS {n}" for n in names[1:])
        + f") FROM {table} t LEFT JOIN replacement r USING ({key}) ORDER BY t.{key}"
    )


def _name_sql() -> str:
    """A usual name from two word lists, numbered when it repeats in a commune."""
    kinds = ", ".join(_sql_text(k) for k in NAME_KINDS)
    places = ", ".join(_sql_text(p) for p in NAME_PLACES)
    base = (
        f"coalesce(quartier || ' – ', '') || [{kinds}][1 + floor({len(NAME_KINDS)}"
        f" * u('nom', ens))::INT] || ' ' || [{places}][1 + floor({len(NAME_PLACES)}"
        f" * u('lieu', ens))::INT]"
    )
    rank = f"row_number() OVER (PARTITION BY DEPCOM, {base} ORDER BY ens)"
    return f"{base} || CASE WHEN {rank} > 1 THEN ' ' || {rank} ELSE '' END"


def _address_sql() -> str:
    """A street address, « 12 rue des Tilleuls »: a kind of street and a name drawn from the
    word lists, numbers 50 apart when two ensembles of a commune share a street."""
    kinds = ", ".join(_sql_text(k) for k in STREET_KINDS)
    places = ", ".join(_sql_text(p) for p in NAME_PLACES)
    street = (
        f"[{kinds}][1 + floor({len(STREET_KINDS)} * u('voie', ens))::INT] || ' ' || "
        f"[{places}][1 + floor({len(NAME_PLACES)} * u('rue', ens))::INT]"
    )
    rank = f"row_number() OVER (PARTITION BY DEPCOM, {street} ORDER BY ens)"
    number = f"1 + floor(40 * u('numero', ens))::INT + 50 * ({rank} - 1)"
    return f"({number})::VARCHAR || ' ' || {street}"


def _sql_text(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def set_thresholds(con: duckdb.DuckDBPyConnection, years: Sequence[int]) -> None:
    """Table seuil: a first-quartile threshold per EPCI of the stock and per year, 6–12 k€."""
    con.execute(
        """
        CREATE OR REPLACE TABLE seuil AS
        SELECT annee, EPCI, least(12000, greatest(6000, round((7200 + 3300 * u('seuil', EPCI))
            * pow(1.035, annee - 2021) * (0.99 + 0.02 * u('seuil-annee', EPCI || annee)))))::INT
            AS seuil
        FROM (SELECT DISTINCT EPCI FROM commune WHERE EPCI <> ''), (SELECT unnest(?) AS annee)
        """,
        [[int(y) for y in years]],
    )


def default_cells(
    con: duckdb.DuckDBPyConnection, years: Sequence[int], per_year: Sequence[int]
) -> list[tuple[int, str, int, int, int]]:
    """Attributions by (year, EPCI, QPV, bail signé) in proportion to the stock, more in QPV."""
    stock = con.execute(
        "SELECT EPCI, (QPV IS NOT NULL)::INT AS qpv, sum(logements) FROM ensemble"
        " GROUP BY ALL ORDER BY EPCI, qpv"
    ).fetchall()
    weights = [n * (1.25 if qpv else 1.0) for _, qpv, n in stock]
    cells = []
    for year, total in zip(years, per_year, strict=True):
        for (epci, qpv, _), n in zip(stock, allocate(total, weights), strict=True):
            signed, unsigned = allocate(n, [SIGNED_SHARE, 1 - SIGNED_SHARE])
            cells += [(year, epci, qpv, 1, signed), (year, epci, qpv, 0, unsigned)]
    return [cell for cell in cells if cell[4] > 0]


def frame_attributions(
    con: duckdb.DuckDBPyConnection, cells: Sequence[tuple[int, str, int, int, int]]
) -> None:
    """Table attribution: the rows of each (year, EPCI, QPV, bail signé, count) cell, each on a
    logement drawn from the stock of its EPCI and QPV status."""
    columns = [list(c) for c in zip(*cells, strict=True)]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cell AS SELECT unnest($1) AS annee, unnest($2) AS EPCI,"
        " unnest($3) AS qpv, unnest($4) AS bail_signe, unnest($5) AS n",
        columns,
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE attribution AS
        WITH stock AS (
            SELECT EPCI, (QPV IS NOT NULL)::INT AS qpv, DEPCOM, DEP,
                sum(logements) OVER (PARTITION BY EPCI, QPV IS NOT NULL ORDER BY ens
                    ROWS UNBOUNDED PRECEDING) - logements AS start
            FROM ensemble),
        sizes AS (
            SELECT EPCI, (QPV IS NOT NULL)::INT AS qpv, sum(logements) AS size
            FROM ensemble GROUP BY ALL),
        renewal AS (SELECT DISTINCT EPCI FROM ensemble WHERE anru),
        expanded AS (
            SELECT annee, EPCI, qpv, bail_signe, unnest(range(n)) AS k FROM cell),
        numbered AS (
            SELECT row_number() OVER (ORDER BY annee, EPCI, qpv, bail_signe, k) - 1 AS id, *
            FROM expanded),
        picked AS (
            SELECT numbered.*, floor(u('logement-attribue', id) * size)::BIGINT AS r
            FROM numbered JOIN sizes USING (EPCI, qpv))
        SELECT picked.id, picked.annee, picked.EPCI, picked.qpv, picked.bail_signe,
            stock.DEPCOM, stock.DEP, (renewal.EPCI IS NOT NULL)::INT AS anru
        FROM picked ASOF JOIN stock
            ON picked.EPCI = stock.EPCI AND picked.qpv = stock.qpv AND picked.r >= stock.start
        LEFT JOIN renewal ON renewal.EPCI = picked.EPCI
        """
    )
    expected = sum(cell[4] for cell in cells)
    found = con.execute("SELECT count(*) FROM attribution").fetchone()[0]
    if found != expected:
        raise ValueError(f"{expected - found} attributions fall where there is no logement")


def allocate_attributions(con: duckdb.DuckDBPyConnection, quotas: Mapping[str, Quota]) -> None:
    """Allocate the profile and the flags of each attribution, then its resources.

    The few communes outside any EPCI have no threshold: their resources follow a typical one.
    """
    load_quotas(con, quotas)
    for name in ATTRIBUTION_RULES:
        cut_quota(con, name, quotas[name].strata)
        allocate_rows(con, name, quotas[name].strata)
    con.execute(
        """
        CREATE OR REPLACE TABLE attribution AS
        SELECT a.*, (profil IN ('R1', 'R2'))::INT AS relogement_anru,
            CASE WHEN profil IN ('R1', 'Q1')
                THEN round(coalesce(s.seuil, 9000) * (0.05 + 0.93 * u('ressources', a.id)))
                ELSE round(coalesce(s.seuil, 9000) * (1.02 + 2.6 * pow(u('ressources', a.id), 1.6)))
                END::INT AS ressources_uc
        FROM attribution a LEFT JOIN seuil s USING (annee, EPCI)
        """
    )


def default_attribution_quotas(years: Sequence[int]) -> dict[str, Quota]:
    """The generic shares of the attribution profiles and flags, year by year."""
    profiles = {
        (str(year), *key): shares for year in years for key, shares in PROFILE_SHARES.items()
    }
    quotas = {
        name: Quota(("annee",), {(str(year),): SHARES[name] for year in years})
        for name in ("prioritaire", "dalo", "mutation")
    }
    return {"profil": Quota(("annee", "qpv", "anru"), profiles)} | quotas


def default_work_cells(
    con: duckdb.DuckDBPyConnection, years: Sequence[int]
) -> list[tuple[int, str, str, int]]:
    """Works by (year, département, nature, logements), in proportion to the stock."""
    stock = con.execute(
        "SELECT DEP, sum(logements) FROM ensemble GROUP BY DEP ORDER BY DEP"
    ).fetchall()
    return [
        (year, dep, nature, round(rate * n))
        for year in years
        for dep, n in stock
        for nature, rate in WORK_RATES.items()
        if round(rate * n) > 0
    ]


def frame_works(
    con: duckdb.DuckDBPyConnection,
    cells: Sequence[tuple[int, str, str, int]],
    exact: bool = True,
) -> None:
    """Table travaux: the logements of each (year, département, nature, logements) cell, taken
    from runs of the département in an order of their own, one year after the other (a run cut
    by the end of a year is an operation in two phases). exact: every logement of the cells
    must find a candidate (the example's figures); otherwise a département short of candidates
    has fewer works."""
    columns = [list(c) for c in zip(*cells, strict=True)]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE work_cell AS SELECT unnest($1) AS annee, unnest($2) AS DEP,"
        " unnest($3) AS nature, unnest($4) AS n",
        columns,
    )
    candidates = " UNION ALL ".join(
        f"SELECT '{nature}' AS nature, ens, first_id, ENSEMBLE, DEP, {work.take} AS take,"
        f" {work.dpe_avant} AS dpe_avant, {work.dpe_apres} AS dpe_apres,"
        f" {work.first} + u('{nature}', first_id) AS k FROM run WHERE {work.candidates}"
        for nature, work in WORKS.items()
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE travaux AS
        WITH targets AS (
            SELECT *, sum(n) OVER (PARTITION BY DEP, nature ORDER BY annee) AS hi FROM work_cell),
        placed AS (
            SELECT *, sum(take) OVER (PARTITION BY DEP, nature ORDER BY k, first_id
                ROWS UNBOUNDED PRECEDING) - take AS start
            FROM ({candidates}))
        SELECT t.annee, p.ENSEMBLE, p.nature,
            (least(t.hi, p.start + p.take) - greatest(t.hi - t.n, p.start))::INT AS logements,
            p.dpe_avant, p.dpe_apres, p.first_id
        FROM placed p JOIN targets t
            ON t.DEP = p.DEP AND t.nature = p.nature
            AND p.start < t.hi AND p.start + p.take > t.hi - t.n
        """
    )
    expected = sum(cell[3] for cell in cells)
    found = con.execute("SELECT coalesce(sum(logements), 0) FROM travaux").fetchone()[0]
    if exact and found != expected:
        raise ValueError(f"{expected - found} logements of works find no candidate")


# The category of ceilings at relocation (RPLS « plafond de ressources au titre de la CUS »):
# that of the financing family; the logements financed before 1977 or otherwise have none.
CUS_SQL = """CASE WHEN FINAN IN (10, 11) THEN 11 WHEN FINAN IN (12, 13) THEN 13
            WHEN FINAN IN (14, 16) THEN FINAN END"""

OUTPUTS = {
    "patrimoine.csv": f"""
        SELECT DEPCOM, QPV, FINAN, DPEENERGIE, NBPIECE,
            replace(SURFHAB::VARCHAR, '.', ',') AS SURFHAB, CONSTRUCT, TYPECONST, CODSEGPATRIM,
            ENSEMBLE, ACCESSIBLE_PMR, mise_en_vente, {CUS_SQL} AS CUS
        FROM logement ORDER BY id""",
    "attributions.csv": """
        SELECT annee, DEPCOM, qpv AS QPV, bail_signe, ressources_uc, relogement_anru,
            prioritaire, dalo, mutation
        FROM attribution ORDER BY annee, hash(id), id""",
    "seuils_premier_quartile.csv": "SELECT annee, EPCI, seuil FROM seuil ORDER BY annee, EPCI",
    "travaux.csv": """
        SELECT annee, ENSEMBLE, nature, logements, dpe_avant, dpe_apres
        FROM travaux ORDER BY annee, nature, first_id""",
    "ensembles.csv": """
        SELECT ENSEMBLE, nom, DEPCOM, adresse, qualite_construction, equipements, localisation,
            environnement, menages, menages_sous_60_pct, menages_apl,
            replace(round(100 * vacants / logements, 2)::DECIMAL(5, 2)::VARCHAR, '.', ',')
                AS taux_vacance,
            replace(round(100 * departs / logements, 2)::DECIMAL(5, 2)::VARCHAR, '.', ',')
                AS taux_rotation
        FROM ensemble_out ORDER BY ens""",
}

ROW_COUNTS = {
    "patrimoine.csv": "SELECT sum(logements) FROM ensemble",
    "attributions.csv": "SELECT count(*) FROM attribution",
    "seuils_premier_quartile.csv": "SELECT count(*) FROM seuil",
    "travaux.csv": "SELECT count(*) FROM travaux",
    "ensembles.csv": "SELECT count(*) FROM ensemble_out",
}


def write_files(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, int]:
    """Write the five CSV files (';', UTF-8, decimal comma); return their numbers of rows."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, query in OUTPUTS.items():
        target = str(directory / name).replace("'", "''")
        con.execute(f"COPY ({query}) TO '{target}' (FORMAT csv, HEADER, DELIMITER ';')")
    return {name: int(con.execute(query).fetchone()[0]) for name, query in ROW_COUNTS.items()}


def generate(
    directory: Path,
    communes: Sequence[Commune],
    logements: int,
    years: Sequence[int],
    seed: int,
    attributions: int | None = None,
) -> dict[str, int]:
    """Write the five data files of a synthetic organisation; return their numbers of rows.

    ``attributions`` is the total over the years; by default 9 % of the stock a year are signed.
    """
    # the stock as RPLS describes it on 1 January after the last year: nothing built later
    con = connect(seed, last_year=max(years))
    load_communes(con, commune_counts(communes, logements))
    plan_segments(con)
    cut_ensembles(con)
    quotas = {name: Quota.shares(SHARES[name]) for name in (*ENSEMBLE_RULES, *LOGEMENT_RULES)}
    # the segments of the plan stratégique in each département: every département has
    # logements to sell, as PP-4 commits each of them to put some on the market
    departements = [d for (d,) in con.execute("SELECT DISTINCT DEP FROM ensemble").fetchall()]
    quotas["segment"] = Quota(("DEP",), {(d,): SHARES["segment"] for d in departements})
    allocate_logements(con, quotas, MISSING_DPE_SHARE)
    plan_sales(con)
    describe_ensembles(con)
    set_thresholds(con, years)
    if attributions is None:
        attributions = round(len(years) * logements * ATTRIBUTION_RATE / SIGNED_SHARE)
    frame_attributions(con, default_cells(con, years, allocate(attributions, [1] * len(years))))
    allocate_attributions(con, default_attribution_quotas(years))
    frame_works(con, default_work_cells(con, years), exact=False)
    return write_files(con, Path(directory))
