"""Seeded synthetic data of a social-housing organisation, in the formats of docs/donnees.md.

Everything is computed by DuckDB SQL from ``range`` and ``hash(seed, …)``: millions of logements
take seconds, and one seed always writes the same bytes. Categorical columns are allocated, not
sampled: the rows of a stratum are ranked by an ordering that carries the correlations (older
stock gets the worse DPE classes, ensembles stay together…), then cut by the quota of each
category. Shares give the generic RPLS-like distributions; exact counts reproduce the marginals
of a documented example (see scripts/make_example_data.py).

The pipeline, in order: ``load_communes`` → ``plan_segments`` → ``cut_ensembles`` →
``expand_logements`` → ``allocate_logements`` → ``describe_ensembles`` → ``set_thresholds`` →
``frame_attributions`` → ``allocate_attributions`` → ``write_files``; ``generate`` runs them all.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

import duckdb

from cusdoc.geographie import load_geographie

FILES = ("patrimoine.csv", "attributions.csv", "seuils_premier_quartile.csv", "ensembles.csv")

# label → (first, last) year of construction
PERIODS = {
    "1920-1949": (1920, 1949),
    "1950-1959": (1950, 1959),
    "1960-1969": (1960, 1969),
    "1970-1979": (1970, 1979),
    "1980-1989": (1980, 1989),
    "1990-1999": (1990, 1999),
    "2000-2009": (2000, 2009),
    "2010-2019": (2010, 2019),
    "2020-2024": (2020, 2024),
}

# Financing families of docs/donnees.md, the order in which the stock was financed.
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

    table: str
    column: str
    categories: tuple[str, ...]
    order: str  # SQL ORDER BY items; u(salt, key) is a uniform number in [0, 1) for the seed


@dataclass(frozen=True)
class Quota:
    """Weights of the categories in each stratum: exact counts, or shares of the stratum size."""

    strata: tuple[str, ...]  # the columns that define a stratum; () for a single one
    weights: Mapping[tuple[str, ...], Mapping[str, float]]

    @classmethod
    def shares(cls, shares: Mapping[str, float]) -> "Quota":
        """The same shares for every row."""
        return cls((), {(): shares})


_NEWEST_FIRST_ENERGY = (
    "(2025 - CONSTRUCT) * CASE WHEN u('rehabilitation', ens) < 0.3 THEN 0.4 ELSE 1 END"
    " + 12 * (TYPECONST = 'I' AND CONSTRUCT < 1980)::INT + 20 * u('dpe', ens)"
)

_SEGMENT_GROUP = (
    "CASE WHEN anru THEN 0 WHEN QPV IS NOT NULL THEN 1"
    " WHEN worst_dpe >= 'E' OR CONSTRUCT < 1975 THEN 2"
    " WHEN TYPECONST = 'I' AND CONSTRUCT BETWEEN 1970 AND 2005 THEN 4 ELSE 3 END"
)

RULES = {
    "periode": Rule(
        "logement",
        "periode",
        tuple(PERIODS),
        "u('age', ens) - 0.45 * (QPV IS NOT NULL)::INT + 0.25 * (TYPECONST = 'I')::INT",
    ),
    "famille": Rule(
        "logement",
        "famille",
        FAMILIES,
        "(CONSTRUCT >= 1977)::INT, CONSTRUCT + 30 * u('financement', ens)",
    ),
    "dpe": Rule("logement", "DPEENERGIE", tuple("ABCDEFG"), _NEWEST_FIRST_ENERGY),
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
    "segment": Rule(
        "logement",
        "CODSEGPATRIM",
        SEGMENTS,
        f"{_SEGMENT_GROUP}, worst_dpe DESC, u('segment', ens)",
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
    "pieces": {"1": 0.07, "2": 0.20, "3": 0.35, "4": 0.27, "5": 0.09, "6": 0.02},
    "pmr": {"1": 0.05, "0": 0.95},
    "segment": {"RESTRUCTURER": 0.06, "REHABILITER": 0.26, "CONSERVER": 0.64, "CEDER": 0.04},
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

# Mean ensemble size by kind of segment; sizes stay within 10 and 300.
MEAN_ENSEMBLE = {"QPV": 60, "C": 35, "I": 15}
ENSEMBLE_MIN, ENSEMBLE_MAX = 10, 300

ROOM_SURFACE = (30, 46, 64, 78, 92, 106)  # m² by NBPIECE 1–6

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
    n = len(weights)
    low = list(lower) if lower is not None else [0] * n
    high = list(upper) if upper is not None else [total] * n
    if sum(low) > total or sum(high) < total or any(a > b for a, b in zip(low, high, strict=True)):
        raise ValueError(f"cannot split {total} within the bounds given")
    scale = _fill_scale(total, weights, low, high)
    exact = [min(max(scale * w, a), b) for w, a, b in zip(weights, low, high, strict=True)]
    counts = [max(a, min(b, math.floor(x))) for x, a, b in zip(exact, low, high, strict=True)]
    by_remainder = sorted(range(n), key=lambda i: (counts[i] - exact[i], i))
    missing = total - sum(counts)
    for i in by_remainder:
        if missing == 0:
            break
        if counts[i] < high[i]:
            counts[i] += 1
            missing -= 1
    if missing:
        raise ValueError(f"cannot split {total} within the bounds given")
    return counts


def _fill_scale(total: int, weights: Sequence[float], low: list[int], high: list[int]) -> float:
    """The factor that makes the clamped proportional shares add up to the total (bisection)."""
    filled = lambda s: sum(min(max(s * w, a), b) for w, a, b in zip(weights, low, high))  # noqa: B023, B905, E731
    top = 1.0
    while filled(top) < total and top < 1e18:
        top *= 2
    bottom = 0.0
    for _ in range(200):
        middle = (bottom + top) / 2
        bottom, top = (middle, top) if filled(middle) < total else (bottom, middle)
    return top


def commune_counts(communes: Sequence[Commune], logements: int) -> dict[str, int]:
    """Exact counts of logements by commune: the given counts, the rest shared by weight."""
    fixed = {c.code: c.count for c in communes if c.count is not None}
    weighted = [c for c in communes if c.count is None]
    rest = logements - sum(fixed.values())
    if rest < 0 or (rest and not weighted) or (weighted and rest == 0 and fixed):
        raise ValueError(
            f"{logements} logements cannot match the exact counts given ({sum(fixed.values())})"
        )
    shared = allocate(rest, [c.weight for c in weighted]) if weighted else []
    counts = fixed | {c.code: n for c, n in zip(weighted, shared, strict=True)}
    return {code: n for code, n in counts.items() if n > 0}


def connect(seed: int) -> duckdb.DuckDBPyConnection:
    """An in-memory database whose u(salt, key) macro draws uniform numbers for this seed."""
    con = duckdb.connect()
    con.execute(
        f"CREATE MACRO u(salt, key) AS hash({int(seed)}, salt, key) / 18446744073709551616.0"
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
            " SELECT c.code AS DEPCOM, c.departement AS DEP, c.epci AS EPCI, n.logements"
            " FROM read_csv(?, all_varchar = true) c"
            " JOIN (SELECT unnest(?) AS code, unnest(?) AS logements) n USING (code)",
            [str(path), list(counts), list(counts.values())],
        )


def plan_segments(con: duckdb.DuckDBPyConnection) -> None:
    """Table segment: each commune split into QPV quartiers, collectif and individuel stock."""
    con.execute(
        """
        CREATE OR REPLACE TABLE segment_plan AS
        WITH ranked AS (
            SELECT *, sum(logements) OVER (ORDER BY logements DESC, DEPCOM
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
                sum(logements) OVER () AS total
            FROM commune),
        shares AS (
            SELECT *,
                CASE WHEN coalesce(before, 0) < 0.6 * total AND logements >= 100
                    THEN 0.35 + 0.3 * u('qpv', DEPCOM) ELSE 0 END AS qpv_share,
                CASE WHEN logements < 100 THEN 0.6 WHEN logements < 1000 THEN 0.3 ELSE 0.08 END
                    AS individual_share
            FROM ranked)
        SELECT DEPCOM, DEP, EPCI, logements,
            round(logements * qpv_share)::INT AS qpv,
            round((logements - round(logements * qpv_share)) * individual_share)::INT
                AS individuel
        FROM shares
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
                    ELSE {MEAN_ENSEMBLE["I"]} END), ceil(logements / 290), 1),
                greatest(logements // {ENSEMBLE_MIN}, 1))::INT AS ensembles
        FROM segment_source WHERE logements > 0
        """
    )


def load_segments(con: duckdb.DuckDBPyConnection, segments: Iterable[Mapping[str, object]]) -> None:
    """Table segment from explicit rows: DEPCOM, QPV, quartier, anru, TYPECONST, logements, ensembles."""
    rows = list(segments)
    columns = ("DEPCOM", "QPV", "quartier", "anru", "TYPECONST", "logements", "ensembles")
    values = [[row.get(c) for row in rows] for c in columns]
    selected = ", ".join(f"unnest(${i + 1}) AS {c}" for i, c in enumerate(columns))
    con.execute(f"CREATE OR REPLACE TEMP TABLE segment_input AS SELECT {selected}", values)
    con.execute(
        "CREATE OR REPLACE TABLE segment AS SELECT s.DEPCOM, c.DEP, c.EPCI, s.QPV, s.quartier,"
        " coalesce(s.anru, false) AS anru, s.TYPECONST, s.logements::INT AS logements,"
        " s.ensembles::INT AS ensembles FROM segment_input s JOIN commune c USING (DEPCOM)"
    )


def cut_ensembles(con: duckdb.DuckDBPyConnection) -> None:
    """Table ensemble: each segment cut into its number of ensembles, of 10 to 300 logements."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ensemble AS
        WITH segments AS (
            SELECT *, row_number() OVER (ORDER BY DEPCOM, QPV NULLS LAST, TYPECONST) AS segment,
                logements - {ENSEMBLE_MIN} * ensembles AS extra
            FROM segment),
        parts AS (
            SELECT *, unnest(range(ensembles)) AS j,
                least(6, greatest(1, 280 * ensembles / greatest(extra, 1))) AS spread
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
            DEPCOM, DEP, EPCI, QPV, quartier, anru, TYPECONST, size::INT AS logements
        FROM sized
        """
    )
    con.execute(
        "CREATE OR REPLACE TABLE ensemble AS SELECT *,"
        " (sum(logements) OVER (ORDER BY ens) - logements)::BIGINT AS first FROM ensemble"
    )


def expand_logements(con: duckdb.DuckDBPyConnection) -> None:
    """Table logement: one row per logement, carrying its ensemble's place and kind."""
    con.execute(
        """
        CREATE OR REPLACE TABLE logement AS
        SELECT first + k AS id, ens, ENSEMBLE, DEPCOM, DEP, EPCI, QPV, anru, TYPECONST
        FROM (SELECT *, unnest(range(logements)) AS k FROM ensemble)
        """
    )


def load_quotas(con: duckdb.DuckDBPyConnection, quotas: Mapping[str, Quota]) -> None:
    """Table quota: the weight of each category, by rule and stratum."""
    rows = [
        (name, "|".join(stratum), category, position, float(weights.get(category, 0)))
        for name, quota in quotas.items()
        for stratum, weights in quota.weights.items()
        for position, category in enumerate(RULES[name].categories)
    ]
    columns = list(zip(*rows, strict=True)) if rows else [[]] * 5
    con.execute(
        "CREATE OR REPLACE TABLE quota AS SELECT unnest($1) AS rule, unnest($2) AS stratum,"
        " unnest($3) AS category, unnest($4) AS position, unnest($5) AS weight",
        [list(c) for c in columns],
    )


def apply_rule(con: duckdb.DuckDBPyConnection, name: str, strata: Sequence[str]) -> None:
    """Allocate a rule's column: rank each stratum's rows, cut the ranks by the quotas."""
    rule = RULES[name]
    stratum = _stratum_sql(strata)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE bounds AS
        WITH q AS (
            SELECT stratum, category, position, weight,
                sum(weight) OVER w AS cum,
                sum(weight) OVER (PARTITION BY stratum) AS total
            FROM quota WHERE rule = ?
            WINDOW w AS (PARTITION BY stratum ORDER BY position ROWS UNBOUNDED PRECEDING)),
        n AS (SELECT {stratum} AS stratum, count(*) AS n FROM {rule.table} GROUP BY ALL),
        cut AS (
            SELECT n.stratum, q.category,
                round(n.n * coalesce(lag(q.cum) OVER (PARTITION BY q.stratum ORDER BY position), 0)
                    / q.total) AS lo,
                round(n.n * q.cum / q.total) AS hi
            FROM n JOIN q USING (stratum) WHERE q.total > 0)
        SELECT * FROM cut WHERE hi > lo
        """,
        [name],
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {rule.table} AS
        WITH ranked AS (
            SELECT *, {stratum} AS _stratum,
                row_number() OVER (PARTITION BY {stratum} ORDER BY {rule.order}, id) AS _rank
            FROM {rule.table})
        SELECT ranked.* EXCLUDE (_stratum, _rank), bounds.category AS {rule.column}
        FROM ranked ASOF LEFT JOIN bounds
            ON ranked._stratum = bounds.stratum AND ranked._rank > bounds.lo
        """
    )
    missing = con.execute(
        f"SELECT DISTINCT {stratum} FROM {rule.table} WHERE {rule.column} IS NULL LIMIT 5"
    ).fetchall()
    if missing:
        strata_text = ", ".join(repr(m[0]) for m in missing)
        raise ValueError(f"rule {name}: no quota for the strata {strata_text}")


def _stratum_sql(strata: Sequence[str]) -> str:
    """The SQL key of a row's stratum, as load_quotas writes it."""
    if not strata:
        return "''"
    return "concat_ws('|', " + ", ".join(f"{c}::VARCHAR" for c in strata) + ")"


def allocate_logements(
    con: duckdb.DuckDBPyConnection, quotas: Mapping[str, Quota], last_year: int = 2024
) -> None:
    """Allocate every column of patrimoine.csv, each from the ones before it."""
    load_quotas(con, quotas)
    apply_rule(con, "periode", quotas["periode"].strata)
    derive_construct(con, last_year)
    apply_rule(con, "famille", quotas["famille"].strata)
    derive_finan(con)
    apply_rule(con, "dpe", quotas["dpe"].strata)
    con.execute(
        "CREATE OR REPLACE TABLE logement AS"
        " SELECT *, max(DPEENERGIE) OVER (PARTITION BY ens) AS worst_dpe FROM logement"
    )
    apply_rule(con, "pieces", quotas["pieces"].strata)
    derive_surface(con)
    apply_rule(con, "pmr", quotas["pmr"].strata)
    apply_rule(con, "segment", quotas["segment"].strata)


def derive_construct(con: duckdb.DuckDBPyConnection, last_year: int) -> None:
    """CONSTRUCT: each ensemble's year, spread evenly over its period in allocation order."""
    periods = [(label, first, min(last, last_year)) for label, (first, last) in PERIODS.items()]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE period AS SELECT unnest($1) AS periode,"
        " unnest($2) AS first_year, unnest($3) AS last_year",
        [list(c) for c in zip(*periods, strict=True)],
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE logement AS
        WITH placed AS (
            SELECT *, row_number() OVER (PARTITION BY periode
                    ORDER BY {RULES["periode"].order}, id) - 1 AS pos,
                count(*) OVER (PARTITION BY periode) AS size
            FROM logement),
        spread AS (SELECT *, min(pos) OVER (PARTITION BY ens, periode) AS ens_pos FROM placed)
        SELECT spread.* EXCLUDE (pos, size, ens_pos, first_year, last_year),
            (first_year + least(floor((last_year - first_year + 1) * ens_pos / size),
                last_year - first_year))::INT AS CONSTRUCT
        FROM spread JOIN period USING (periode)
        """
    )


def derive_finan(con: duckdb.DuckDBPyConnection) -> None:
    """FINAN: the RPLS code of the family, by the year the ensemble was financed."""
    con.execute(
        """
        CREATE OR REPLACE TABLE logement AS
        SELECT *, CASE famille
            WHEN 'ancien' THEN [50, 50, 50, 50, 50, 50, 50, 51, 52, 53, 54, 55]
                [1 + floor(12 * u('code-ancien', ens))::INT]
            WHEN 'autre' THEN [15, 17, 49, 99][1 + floor(4 * u('code-autre', ens))::INT]
            WHEN 'PLUS' THEN CASE WHEN CONSTRUCT < 2000 THEN 13 ELSE 12 END
            WHEN 'PLAI' THEN CASE WHEN CONSTRUCT < 2000 THEN 11 ELSE 10 END
            WHEN 'PLS' THEN 14
            WHEN 'PLI' THEN 16 END AS FINAN
        FROM logement
        """
    )


def derive_surface(con: duckdb.DuckDBPyConnection) -> None:
    """SURFHAB: the usual surface of the number of rooms, ±12 %, a little more for a house."""
    surfaces = list(ROOM_SURFACE)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE logement AS
        SELECT *, round({surfaces}[NBPIECE::INT] * (0.88 + 0.24 * u('surface', id))
            + 6 * (TYPECONST = 'I')::INT, 1)::DECIMAL(5, 1) AS SURFHAB
        FROM logement
        """
    )


def blank_some_dpe(con: duckdb.DuckDBPyConnection, share: float = MISSING_DPE_SHARE) -> None:
    """Leave whole ensembles without a DPE, as acquisitions not yet diagnosed are."""
    con.execute(
        "UPDATE logement SET DPEENERGIE = NULL WHERE u('sans-dpe', ens) < ?", [float(share)]
    )


def describe_ensembles(con: duckdb.DuckDBPyConnection) -> None:
    """Table ensemble_out: name, service scores and occupation of each ensemble."""
    con.execute(
        """
        CREATE OR REPLACE TABLE ensemble_stats AS
        SELECT ens, avg(CONSTRUCT) AS construct, max(DPEENERGIE) AS worst_dpe
        FROM logement GROUP BY ens
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ensemble_out AS
        WITH e AS (
            SELECT ensemble.*, s.construct, s.worst_dpe, c.logements >= 500 AS urbain,
                (QPV IS NOT NULL)::INT AS qpv, (TYPECONST = 'I')::INT AS individuel,
                least(greatest((s.construct - 1950) / 70, 0), 1) AS age
            FROM ensemble JOIN ensemble_stats s USING (ens) JOIN commune c USING (DEPCOM)),
        scored AS (
            SELECT *,
                least(greatest(round(1.4 + 3 * age + 1.6 * (u('qualite', ens) - 0.5)
                    - 0.6 * (coalesce(worst_dpe, 'D') >= 'F')::INT), 1), 5)::INT
                    AS qualite_construction,
                round(0.004 * logements + 0.06 * logements * pow(u('vacance', ens), 3)
                    + 0.02 * logements * qpv)::INT AS vacants,
                round(logements * least(greatest(0.085 + 0.025 * qpv - 0.03 * individuel
                    + 0.1 * (u('rotation', ens) - 0.5), 0), 0.4))::INT AS departs
            FROM e),
        occupied AS (SELECT *, logements - vacants AS menages FROM scored)
        SELECT ens, ENSEMBLE, {_name_sql()} AS nom, DEPCOM, qualite_construction,
            least(greatest(round(qualite_construction
                + 1.4 * (u('equipements', ens) - 0.5)), 1), 5)::INT AS equipements,
            least(greatest(round(3 + 0.7 * urbain::INT - 0.6 * individuel
                + 2.2 * (u('localisation', ens) - 0.5)), 1), 5)::INT AS localisation,
            least(greatest(round(3.5 - 1.2 * qpv + 0.4 * individuel
                + 2.2 * (u('environnement', ens) - 0.5)), 1), 5)::INT AS environnement,
            menages,
            round(menages * least(greatest(0.575 + 0.17 * qpv
                + 0.3 * (u('ressources', ens) - 0.5), 0.1), 0.98))::INT AS menages_sous_60_pct,
            round(menages * least(greatest(0.43 + 0.17 * qpv
                + 0.3 * (u('apl', ens) - 0.5), 0.05), 0.95))::INT AS menages_apl,
            vacants, departs, logements
        FROM occupied
        """
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
        FROM (SELECT DISTINCT EPCI FROM commune), (SELECT unnest(?) AS annee)
        """,
        [[int(y) for y in years]],
    )


def default_cells(
    con: duckdb.DuckDBPyConnection, years: Sequence[int], per_year: Sequence[int]
) -> list[tuple[int, str, int, int, int]]:
    """Attributions by (year, EPCI, QPV, bail signé), in proportion to the stock, QPV turning more."""
    stock = con.execute(
        "SELECT EPCI, (QPV IS NOT NULL)::INT AS qpv, count(*) FROM logement"
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
    """Table attribution: the rows of each cell, each on a logement of its EPCI and QPV status."""
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
                row_number() OVER (PARTITION BY EPCI, QPV IS NOT NULL ORDER BY id) - 1 AS r
            FROM logement),
        sizes AS (SELECT EPCI, qpv, count(*) AS size FROM stock GROUP BY ALL),
        renewal AS (SELECT DISTINCT EPCI FROM logement WHERE anru),
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
        FROM picked JOIN stock USING (EPCI, qpv, r) LEFT JOIN renewal USING (EPCI)
        """
    )
    expected = sum(cell[4] for cell in cells)
    found = con.execute("SELECT count(*) FROM attribution").fetchone()[0]
    if found != expected:
        raise ValueError(f"{expected - found} attributions fall where there is no logement")


def allocate_attributions(con: duckdb.DuckDBPyConnection, quotas: Mapping[str, Quota]) -> None:
    """Allocate the profile and the flags of each attribution, then its resources."""
    load_quotas(con, quotas)
    for name in ("profil", "prioritaire", "dalo", "mutation"):
        apply_rule(con, name, quotas[name].strata)
    con.execute(
        """
        CREATE OR REPLACE TABLE attribution AS
        SELECT a.*, (profil IN ('R1', 'R2'))::INT AS relogement_anru,
            CASE WHEN profil IN ('R1', 'Q1')
                THEN round(s.seuil * (0.05 + 0.93 * u('ressources', a.id)))
                ELSE round(s.seuil * (1.02 + 2.6 * pow(u('ressources', a.id), 1.6))) END::INT
                AS ressources_uc
        FROM attribution a JOIN seuil s USING (annee, EPCI)
        """
    )


def default_attribution_quotas() -> dict[str, Quota]:
    """The generic shares of the attribution flags."""
    quotas = {name: Quota.shares(SHARES[name]) for name in ("prioritaire", "dalo", "mutation")}
    return {"profil": Quota(("qpv", "anru"), PROFILE_SHARES)} | quotas


OUTPUTS = {
    "patrimoine.csv": """
        SELECT DEPCOM, QPV, FINAN, DPEENERGIE, NBPIECE::INT AS NBPIECE,
            replace(SURFHAB::VARCHAR, '.', ',') AS SURFHAB, CONSTRUCT, TYPECONST, CODSEGPATRIM,
            ENSEMBLE, ACCESSIBLE_PMR
        FROM logement ORDER BY id""",
    "attributions.csv": """
        SELECT annee, DEPCOM, qpv AS QPV, bail_signe, ressources_uc, relogement_anru,
            prioritaire, dalo, mutation
        FROM attribution ORDER BY annee, hash(id), id""",
    "seuils_premier_quartile.csv": "SELECT annee, EPCI, seuil FROM seuil ORDER BY annee, EPCI",
    "ensembles.csv": """
        SELECT ENSEMBLE, nom, DEPCOM, qualite_construction, equipements, localisation,
            environnement, menages, menages_sous_60_pct, menages_apl,
            replace(round(100 * vacants / logements, 2)::DECIMAL(5, 2)::VARCHAR, '.', ',')
                AS taux_vacance,
            replace(round(100 * departs / logements, 2)::DECIMAL(5, 2)::VARCHAR, '.', ',')
                AS taux_rotation
        FROM ensemble_out ORDER BY ens""",
}


def write_files(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, int]:
    """Write the four CSV files (';', UTF-8, decimal comma); return their numbers of rows."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, query in OUTPUTS.items():
        target = str(directory / name).replace("'", "''")
        con.execute(f"COPY ({query}) TO '{target}' (FORMAT csv, HEADER, DELIMITER ';')")
        counts[name] = con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]
    return counts


def generate(
    directory: Path,
    communes: Sequence[Commune],
    logements: int,
    years: Sequence[int],
    seed: int,
    attributions: int | None = None,
) -> dict[str, int]:
    """Write the four data files of a synthetic organisation; return their numbers of rows."""
    con = connect(seed)
    load_communes(con, commune_counts(communes, logements))
    plan_segments(con)
    cut_ensembles(con)
    expand_logements(con)
    allocate_logements(con, {name: Quota.shares(SHARES[name]) for name in RULES if name in SHARES})
    blank_some_dpe(con)
    describe_ensembles(con)
    set_thresholds(con, years)
    if attributions is None:
        attributions = round(len(years) * logements * ATTRIBUTION_RATE / SIGNED_SHARE)
    frame_attributions(con, default_cells(con, years, allocate(attributions, [1] * len(years))))
    allocate_attributions(con, default_attribution_quotas())
    return write_files(con, Path(directory))
