"""Load stage for the organisation's data: CSV extracts into DuckDB tables, checked by column.

Every value is read as text, then checked and converted in SQL, so that a bad value is reported
with its file, line and column instead of failing somewhere in a computation.
"""

import codecs
import csv
import hashlib
import os
import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import duckdb
import yaml

from cusdoc import DATA
from cusdoc.errors import Problem, visible
from cusdoc.load.content import MAX_FILE_BYTES, dotted, parse_yaml, read_bounded, unreadable

DATA_DIR = "content/donnees"
PACKAGE_DATA = DATA
TRUE = ("1", "oui", "o", "vrai", "true", "y", "yes", "x")
FALSE = ("0", "non", "n", "faux", "false", "no")
FINAN_CODES = (10, 11, 12, 13, 14, 15, 16, 17, 49, 50, 51, 52, 53, 54, 55, 99)
# What travaux.csv records: works completed, and sales put on the market or completed.
NATURES = (
    "rehabilitation",
    "renovation_energetique",
    "adaptation_pmr",
    "mise_en_commercialisation",
    "vente",
)
# Accents, capitals and spaces forgiven: « Réhabilitation », « rénovation énergétique ».
NATURE = "replace(strip_accents(lower(trim({c}))), ' ', '_')"

# RPLS field 47, « plafond de ressources au titre de la CUS » [READ, RPLS arrêté, cus-domain.md
# §3.1]: the category of ceilings that applies when the logement is let again.
PLAFOND_CUS_CODES = {11: "PLAI", 13: "PLUS", 14: "PLS", 16: "PLI"}


def _number(c: str) -> str:
    """Text to number: spaces (thousands) dropped, decimal comma accepted; NaN and infinities
    (« inf », « 1e400 ») are not numbers."""
    digits = f"replace(replace(replace({c}, ' ', ''), '\u00a0', ''), '\u202f', '')"
    number = f"TRY_CAST(replace({digits}, ',', '.') AS DOUBLE)"
    return f"CASE WHEN isfinite({number}) THEN {number} END"


def _sql_list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


@dataclass(frozen=True)
class Kind:
    """How a column's text becomes a value, and what a writer is told when it cannot."""

    value: str  # SQL on {c}, the raw text, or {n}, its number; NULL when it is not valid
    expected: str
    lookup: tuple[str, str] | None = None  # (table, key): the value must be found there


def _whole(low: int, high: int, cast: str = "") -> str:
    """A whole number from low to high; cast to an integer type, or kept as a DOUBLE."""
    value = f"TRY_CAST({{n}} AS {cast})" if cast else "{n}"
    return f"CASE WHEN {{n}} = floor({{n}}) AND {{n}} BETWEEN {low} AND {high} THEN {value} END"


# Plausible bounds are our choice, wide enough for any real stock and narrow enough to catch a
# shifted column or a unit mistake: 1 to 20 rooms (RPLS codes 1 to 9, larger dwellings exist),
# 5 to 500 m² of floor area, fewer than 100 000 households in one ensemble (the largest
# organisations house about 300 000 in all), resources under 1 000 000 € per consumption
# unit, a first-quartile threshold above 0 and under 100 000 € (the arrêtés give 6 000 to
# 12 500 €). Counts are whole numbers.
KINDS = {
    # A control character (an invisible one a copy and paste brought) makes no name readable.
    "texte": Kind(
        "CASE WHEN NOT regexp_matches({c}, '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]') "
        "THEN nullif(trim({c}), '') END",
        "un texte sans caractère de contrôle",
    ),
    # Spreadsheets drop the leading zero of 01001: it is put back, to 4 characters only (a
    # sixth character would otherwise be cut and land on another, real, commune).
    "commune": Kind(
        "CASE length(trim({c})) WHEN 5 THEN trim({c}) WHEN 4 THEN '0' || trim({c}) END",
        "un code commune Insee existant (5 caractères)",
        lookup=("communes", "code"),
    ),
    "epci": Kind("trim({c})", "le SIREN d'un EPCI existant", lookup=("epci", "siren")),
    "entier": Kind(_whole(-(10**15), 10**15, "BIGINT"), "un nombre entier"),
    "nombre": Kind("{n}", "un nombre (virgule décimale acceptée)"),
    "annee": Kind(_whole(1800, 2100, "INTEGER"), "une année de 1800 à 2100"),
    "pieces": Kind(_whole(1, 20, "BIGINT"), "un nombre entier de pièces, de 1 à 20"),
    "surface": Kind(
        "CASE WHEN {n} BETWEEN 5 AND 500 THEN {n} END", "une surface habitable de 5 à 500 m²"
    ),
    "menages": Kind(_whole(0, 99_999), "un nombre entier de ménages, de 0 à 99 999"),
    # Bounded again by the ensemble's logements in validate/data.py.
    "logements": Kind(_whole(1, 99_999, "BIGINT"), "un nombre entier de logements, de 1 à 99 999"),
    "nature": Kind(
        f"CASE WHEN {NATURE} IN ({_sql_list(NATURES)}) THEN {NATURE} END",
        f"une nature de travaux ou de vente : {', '.join(NATURES)}",
    ),
    "ressources": Kind(
        "CASE WHEN {n} >= 0 AND {n} < 1e6 THEN {n} END",
        "des ressources annuelles par unité de consommation, de 0 à 999 999 €",
    ),
    "seuil": Kind(
        "CASE WHEN {n} > 0 AND {n} < 1e5 THEN {n} END",
        "un seuil en euros par unité de consommation, plus de 0 et moins de 100 000",
    ),
    "booleen": Kind(
        f"CASE WHEN lower(trim({{c}})) IN ({_sql_list(TRUE)}) THEN true "
        f"WHEN lower(trim({{c}})) IN ({_sql_list(FALSE)}) THEN false END",
        "oui ou non (1/0, oui/non, O/N, vrai/faux)",
    ),
    "finan": Kind(
        f"CASE WHEN {{n}} IN ({', '.join(map(str, FINAN_CODES))}) THEN TRY_CAST({{n}} AS INTEGER) "
        "END",
        "un code de financement RPLS (10 à 17, 49, 50 à 55 ou 99)",
    ),
    "plafond_cus": Kind(
        f"CASE WHEN {{n}} IN ({', '.join(map(str, PLAFOND_CUS_CODES))}) "
        "THEN TRY_CAST({n} AS INTEGER) END",
        "un code de plafond de ressources du RPLS (11 PLAI, 13 PLUS, 14 PLS, 16 PLI), ou vide",
    ),
    "dpe": Kind(
        "CASE WHEN upper(trim({c})) IN ('A','B','C','D','E','F','G') THEN upper(trim({c})) END",
        "une classe énergétique de A à G",
    ),
    "typeconst": Kind(
        "CASE WHEN upper(trim({c})) IN ('C', 'I') THEN upper(trim({c})) END",
        "C (collectif) ou I (individuel)",
    ),
    "note": Kind("CASE WHEN {n} BETWEEN 1 AND 5 THEN {n} END", "une note de 1 à 5"),
    "pourcent": Kind("CASE WHEN {n} BETWEEN 0 AND 100 THEN {n} END", "un pourcentage de 0 à 100"),
    "situation": Kind(
        "CASE lower(trim({c})) WHEN 'avant' THEN 'avant' WHEN 'apres' THEN 'apres' "
        "WHEN 'après' THEN 'apres' END",
        "avant ou apres",
    ),
    "logements_npl": Kind(
        _whole(0, 99_999, "BIGINT"), "un nombre entier de logements, de 0 à 99 999"
    ),
    "surface_totale": Kind(
        "CASE WHEN {n} >= 0 AND {n} < 1e7 THEN {n} END",
        "une surface en m², de 0 à moins de 10 000 000",
    ),
    "loyer_m2": Kind(
        "CASE WHEN {n} > 0 AND {n} <= 100 THEN {n} END",
        "un loyer maximum en euros par m², plus de 0 et 100 au plus",
    ),
    "positif": Kind("CASE WHEN {n} >= 0 THEN {n} END", "un nombre positif ou nul"),
    # The capacity of a foyer as declared: no conversion rule from places or beds was found
    # in the sources (cus-domain.md §2.4, [à vérifier]).
    "equivalents": Kind(
        _whole(1, 9_999, "BIGINT"),
        "un nombre entier d'équivalents-logements, de 1 à 9 999",
    ),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    optional: bool = False  # an empty cell is then NULL, not an error
    # the file may lack the column, whose cells are then all empty: a column added after
    # projects already had their files (they keep working without it)
    may_be_absent: bool = False


@dataclass(frozen=True)
class Dataset:
    """One expected file of content/donnees/ and its columns."""

    name: str
    columns: tuple[Column, ...]
    optional: bool = False  # a project may go without the file: its table is then empty
    like: str = ""  # a later snapshot of another dataset (patrimoine_2027): that one's aliases

    @property
    def aliases(self) -> str:
        """The dataset whose accepted column names this one takes."""
        return self.like or self.name


DATASETS = (
    Dataset(
        "patrimoine",
        (
            Column("DEPCOM", "commune"),
            Column("QPV", "texte", optional=True),
            Column("FINAN", "finan"),
            # The name of the open-data column is [INFERRED] (cus-domain.md §3.1): à vérifier.
            Column("CUS", "plafond_cus", optional=True, may_be_absent=True),
            Column("DPEENERGIE", "dpe", optional=True),
            Column("NBPIECE", "pieces"),
            Column("SURFHAB", "surface"),
            Column("CONSTRUCT", "annee"),
            Column("TYPECONST", "typeconst"),
            Column("CODSEGPATRIM", "texte", optional=True),
            Column("ENSEMBLE", "texte"),
            Column("ACCESSIBLE_PMR", "booleen"),
            # the year the logement is to be put on the market, for the plan de mise en vente
            Column("mise_en_vente", "annee", optional=True, may_be_absent=True),
        ),
    ),
    Dataset(
        "attributions",
        (
            Column("annee", "annee"),
            Column("DEPCOM", "commune"),
            Column("QPV", "booleen"),
            Column("bail_signe", "booleen"),
            Column("ressources_uc", "ressources"),
            Column("relogement_anru", "booleen"),
            Column("prioritaire", "booleen"),
            Column("dalo", "booleen"),
            Column("mutation", "booleen"),
        ),
    ),
    Dataset(
        "seuils_premier_quartile",
        (Column("annee", "annee"), Column("EPCI", "epci"), Column("seuil", "seuil")),
    ),
    Dataset(
        "ensembles",
        (
            Column("ENSEMBLE", "texte"),
            Column("nom", "texte"),
            Column("DEPCOM", "commune"),
            Column("adresse", "texte", optional=True, may_be_absent=True),
            Column("qualite_construction", "note"),
            Column("equipements", "note"),
            Column("localisation", "note"),
            Column("environnement", "note"),
            Column("menages", "menages"),
            Column("menages_sous_60_pct", "menages"),
            Column("menages_apl", "menages"),
            Column("taux_vacance", "pourcent"),
            Column("taux_rotation", "pourcent"),
        ),
    ),
    # The nouvelle politique des loyers (CCH R. 445-2, cahier des charges de gestion sociale):
    # per ensemble, its rent maximum before, then one row per category after.
    Dataset(
        "npl",
        (
            Column("ensemble", "texte"),
            Column("situation", "situation"),
            Column("categorie", "texte"),
            Column("logements", "logements_npl"),
            Column("surface_m2", "surface_totale"),
            Column("loyer_maximum_m2", "loyer_m2"),
        ),
        optional=True,
    ),
    Dataset(
        "travaux",
        (
            Column("annee", "annee"),
            Column("ENSEMBLE", "texte"),
            Column("nature", "nature"),
            Column("logements", "logements"),
            Column("dpe_avant", "dpe", optional=True),
            Column("dpe_apres", "dpe", optional=True),
        ),
        optional=True,
    ),
    # The logements-foyers (CCH R. 445-36): one row per établissement, its capacity in
    # équivalents-logements as the organisation declares it.
    Dataset(
        "foyers",
        (
            Column("etablissement", "texte"),
            Column("nom", "texte"),
            Column("DEPCOM", "commune"),
            Column("gestionnaire", "texte"),
            Column("type", "texte"),
            Column("equivalents", "equivalents"),
            Column("financement", "texte"),
            Column("DPEENERGIE", "dpe", optional=True),
            Column("annee_construction", "annee"),
            Column("annee_rehabilitation", "annee", optional=True),
            Column("annee_agrement", "annee", optional=True),
            # the last energy renovation: its year and the label before it (DPEENERGIE after)
            Column("annee_renovation", "annee", optional=True, may_be_absent=True),
            Column("dpe_avant_renovation", "dpe", optional=True, may_be_absent=True),
        ),
        optional=True,
    ),
    # Accession: new logements sold per operation and year (CCH R. 445-15, the trigger of the
    # accession volet).
    Dataset(
        "accession",
        (
            Column("operation", "texte"),
            Column("DEPCOM", "commune"),
            Column("produit", "texte"),
            Column("annee", "annee"),
            Column("logements_vendus", "logements"),
        ),
        optional=True,
    ),
)

DATASET_NAMES = tuple(d.name for d in DATASETS)

# Financing families from RPLS FINAN codes [INFERRED from the RPLS record, cus-domain.md §3.1]:
# PLA d'intégration and très social count as PLAI, PLA ordinaire as PLUS. FINAN is the initial
# financing: used only for a logement whose category of ceilings under the CUS (CUS) is empty.
FAMILLES = {
    "PLAI": (10, 11),
    "PLUS": (12, 13),
    "PLS": (14,),
    "PLI": (16,),
}
AUTRES = "autres"

MAX_REPORTED = 20  # per file: past that, one line says how many more there are
# Our bounds: an RPLS extract of 550 000 dwellings and its 73 columns is about 250 Mo.
MAX_DATA_BYTES = 1_000_000_000
MAX_COLUMNS = 500


def data_present(root: Path) -> bool:
    return (root / DATA_DIR).is_dir()


@dataclass(frozen=True)
class Data:
    """The organisation's data, seen whole or through one territory.

    A territory's view shadows each table with a common table expression of the same name, so
    that every SQL definition runs unchanged on the subset and the connection is never altered.
    """

    db: duckdb.DuckDBPyConnection
    scope: tuple[tuple[str, str], ...] = ()  # (table, condition) of a territory's view
    digest: str = ""  # of the data files it was read from: what the deliverables' cache keys
    territoire: tuple[str, str] = ()  # (nature, code) of the territory a view shows

    def execute(self, sql: str, parameters: list | None = None) -> duckdb.DuckDBPyConnection:
        # Only the tables the query names are shadowed: DuckDB binds every expression given.
        views = ", ".join(
            f"{table} AS (SELECT * FROM main.{table} WHERE {condition})"
            for table, condition in self.scope
            if re.search(rf"\b{table}\b", sql)
        )
        return self.db.execute(f"WITH {views} {sql}" if views else sql, parameters or [])

    def present(self, dataset: str) -> bool:
        """Whether content/donnees/<dataset>.csv was given (an optional file may be absent)."""
        return any(file == dataset for file, _ in self._columns)

    def absent(self) -> tuple[str, ...]:
        """The optional files the project goes without."""
        return tuple(d.name for d in DATASETS if d.optional and not self.present(d.name))

    def has_column(self, dataset: str, column: str) -> bool:
        """Whether the file has a column that may be absent (Column.may_be_absent)."""
        return (dataset, column) in self._columns

    def position(self, dataset: str, column: str) -> int:
        """Where a column of a data file stands, for a problem's line:column."""
        return self._columns[(dataset, column)]

    @cached_property
    def _columns(self) -> dict[tuple[str, str], int]:
        """(dataset, column) → its position, for every file given (read once: the data do not
        change)."""
        rows = self.db.execute("SELECT fichier, colonne, position FROM colonnes").fetchall()
        return {(Path(file).stem, column): position for file, column, position in rows}

    def cursor(self) -> "Data":
        """The same data on a connection of its own, for a thread that queries beside another
        (a DuckDB connection is used by one thread at a time)."""
        return Data(self.db.cursor(), self.scope, self.digest, self.territoire)

    def snapshots(self) -> list[int]:
        """The years of the later snapshots of the stock (tables logements_AAAA)."""
        return sorted(
            int(found[1]) for file, _ in self._columns if (found := SNAPSHOT.fullmatch(file))
        )

    def territory(self, nature: str, code: str) -> "Data":
        """The rows of one département (nature "département") or one EPCI."""
        column = "departement" if nature == "département" else "epci"
        if not re.fullmatch(r"[0-9AB]{2,3}|[0-9]{9}", code):
            raise ValueError(f"territory code {code!r}")
        communes = f"SELECT code FROM main.communes WHERE {column} = '{code}'"
        within = f"DEPCOM IN ({communes})"
        return Data(
            self.db,
            digest=self.digest,
            territoire=(nature, code),
            scope=(
                ("logements", f"{column} = '{code}'"),
                ("attribution", f"{column} = '{code}'"),
                ("patrimoine", within),
                ("ensembles", within),
                ("operations", f"{column} = '{code}'"),
                ("travaux", f"ENSEMBLE IN (SELECT ENSEMBLE FROM main.ensembles WHERE {within})"),
                ("npl", f"ensemble IN (SELECT ENSEMBLE FROM main.ensembles WHERE {within})"),
                ("foyer", f"{column} = '{code}'"),
                ("foyers", within),
                ("accession", within),
                (
                    "seuils_premier_quartile",
                    f"EPCI IN (SELECT DISTINCT epci FROM main.communes WHERE {column} = '{code}')",
                ),
            ),
        )


def load_data(root: Path) -> tuple[Data, list[Problem]]:
    """Every data file of content/donnees/ as a typed DuckDB table; problems for what is wrong.

    Data that passed its checks once is kept, typed, in build/.cache/donnees/ under the digest
    of its files (`keep`): a writer who changes only text does not pay for reading the CSV
    again.
    """
    cached = _cache_path(root)
    if cached is not None and cached.stem in _TYPED:
        return _TYPED[cached.stem], []
    threads = _threads(root)
    if cached is not None and cached.is_file():
        try:
            db = duckdb.connect(str(cached), read_only=True, config=threads)
            return _TYPED.setdefault(cached.stem, Data(db, digest=cached.stem)), []
        except duckdb.Error:
            pass  # an unreadable cache is made again
    # In memory, DuckDB would checkpoint after the raw tables are dropped: a second of work
    # for nothing at 550 000 logements.
    db = duckdb.connect(config={"checkpoint_threshold": "100GB", **threads})
    _load_geography(db, PACKAGE_DATA)
    # Where each column stands in its file, for the checks that run on the typed tables.
    db.execute("CREATE TABLE colonnes (fichier VARCHAR, colonne VARCHAR, position INTEGER)")
    aliases, problems = _aliases(root)
    later = snapshots(root)
    # Two files at a time, each on a connection of its own: DuckDB reads and types one while
    # the other's rows are checked (the stock, the largest, with the others beside it).
    with ThreadPoolExecutor(2) as pool:
        for found in pool.map(
            lambda dataset: _load_dataset(
                db.cursor(), root, dataset, aliases.get(dataset.aliases, {})
            ),
            (*DATASETS, *later),
        ):
            problems += found
    if not problems:
        _derive(db, [int(SNAPSHOT.fullmatch(d.name)[1]) for d in later])
        if cached is not None:
            _UNKEPT.add(cached.stem)
            _TYPED[cached.stem] = Data(db, digest=cached.stem)
            return _TYPED[cached.stem], problems
    return Data(db, digest=cached.stem if cached else ""), problems


# Below this size of data files, DuckDB works on one thread: on a few thousand rows, sharing a
# query between threads costs more than it saves, and the cores are busy with the rest of the
# build (`cusdoc check` on the example: 0.44 s to 0.41 s).
SMALL_DATA_BYTES = 20_000_000


def _threads(root: Path) -> dict:
    """DuckDB's setting of threads for the project's data: one for small data, else its own."""
    folder = root / DATA_DIR
    size = sum(p.stat().st_size for p in folder.glob("*.csv") if p.is_file())
    return {"threads": 1} if size < SMALL_DATA_BYTES else {}


# The data this process typed, by the digest of their files: the same files are read once
# (the tests check many copies of one project; a command reads its project once anyway).
_TYPED: dict[str, Data] = {}


CACHE_FORMAT = 4  # changed whenever the typed tables change shape


def _cache_path(root: Path) -> Path | None:
    """build/.cache/donnees/<digest of the data files, the column names, the geography and the
    code that types them>.duckdb.

    The code is cusdoc.load's alone, which reads and types the tables: a change anywhere else
    in cusdoc keeps the typed data, and a check does not hash the whole package (4 Mo, fonts
    included)."""
    digest = hashlib.blake2b(f"{duckdb.__version__} {CACHE_FORMAT}".encode(), digest_size=16)
    folder = root / DATA_DIR
    files = [folder / f"{d.name}.csv" for d in (*DATASETS, *snapshots(root))]
    files.append(folder / "colonnes.yml")
    files += [PACKAGE_DATA / "colonnes.yml"] + [PACKAGE_DATA / f"{t}.csv" for t in GEOGRAPHY]
    files += sorted(Path(__file__).parent.glob("*.py"))
    for path in files:
        digest.update(path.name.encode() + b"\0")
        if not path.is_file():  # missing, or a folder or a pipe that must not be read
            digest.update(b"-")
            continue
        try:
            with path.open("rb") as f:
                while chunk := f.read(CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            digest.update(b"-")
        except OSError:
            return None
    return _kept_file(root, digest.hexdigest())


def _kept_file(root: Path, digest: str) -> Path:
    return root / "build" / ".cache" / "donnees" / f"{digest}.duckdb"


# The digests of the data this process typed and did not write to a cache yet.
_UNKEPT: set[str] = set()


def keep(data: Data, root: Path) -> None:
    """Copy data this process typed into root's cache file, in a thread of its own on a
    connection of its own: DuckDB writes while the document is assembled and rendered, with a
    core to spare. Called once the whole project passed its checks; a cache that cannot be
    written is skipped."""
    if data.digest in _UNKEPT:
        _UNKEPT.remove(data.digest)
        path = _kept_file(root, data.digest)
        threading.Thread(target=_copy, args=(data.db.cursor(), path), name="cusdoc-donnees").start()


def _copy(db, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("*.duckdb*"):
            old.unlink(missing_ok=True)  # one data set at a time: the previous one is stale
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        db.execute(f"ATTACH '{tmp}' AS kept")
        for (table,) in db.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall():
            db.execute(f"CREATE TABLE kept.{table} AS SELECT * FROM {table}")
        db.execute("DETACH kept")
        os.replace(tmp, path)
    except (OSError, duckdb.Error):
        return


GEOGRAPHY = {
    "communes": ("code", "nom", "departement", "epci"),
    "epci": ("siren", "nom", "type"),
    "departements": ("code", "nom", "region", "liaison"),
}


def _load_geography(db, folder: Path) -> None:
    for table, columns in GEOGRAPHY.items():
        db.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header=true, auto_detect=false, "
            "columns=?)",
            [str(folder / f"{table}.csv"), {c: "VARCHAR" for c in columns}],
        )


def _aliases(root: Path) -> tuple[dict, list[Problem]]:
    """Accepted names per dataset and column: cusdoc's list plus the project's own, if any."""
    merged: dict[str, dict[str, list[str]]] = yaml.load(
        (PACKAGE_DATA / "colonnes.yml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader
    )
    file = f"{DATA_DIR}/colonnes.yml"
    if not (root / file).exists():
        return merged, []
    problems: list[Problem] = []
    raw = read_bounded(root / file, file, MAX_FILE_BYTES, problems)
    try:
        source = parse_yaml(file, raw.decode("utf-8-sig"), problems, {}) if raw else None
    except UnicodeDecodeError:
        problems.append(Problem(file, 1, 1, "", "le fichier doit être encodé en UTF-8"))
        source = None
    if source is None:
        return merged, problems
    for path, names in _alias_entries(source.data):
        problem = _alias_problem(path, names)
        if problem:
            line, column = source.position(path, key=bool(path))
            problems.append(Problem(file, line, column, dotted(path), problem))
        else:
            merged.setdefault(path[0], {}).setdefault(path[1], []).extend(names or [])
    return merged, problems


def _alias_entries(data):
    """(path, names) for each column of content/donnees/colonnes.yml: file → column → names;
    a shorter path where the file is not shaped so."""
    if not isinstance(data, dict):
        yield (), data
        return
    for dataset, columns in data.items():
        if dataset not in DATASET_NAMES or not isinstance(columns, dict):
            yield (dataset,), columns
            continue
        for column, names in columns.items():
            yield (dataset, column), names


def _alias_problem(path: tuple, names) -> str | None:
    """What is wrong with one entry of content/donnees/colonnes.yml, if anything."""
    known = {d.name: [c.name for c in d.columns] for d in DATASETS}
    if not path:
        return "des clés « fichier: {colonne: [noms acceptés]} » sont attendues"
    if path[0] not in known:
        return f"fichier de données inconnu ; possibles : {', '.join(known)}"
    if len(path) == 1:
        return "des clés « colonne: [noms acceptés] » sont attendues"
    if path[1] not in known[path[0]]:
        return f"colonne inconnue ; possibles : {', '.join(known[path[0]])}"
    if names is not None and not (
        isinstance(names, list) and all(isinstance(n, str) for n in names)
    ):
        return "une liste de noms de colonnes est attendue ([nom1, nom2])"
    return None


CHUNK = 1 << 24


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def _as_utf8(path: Path):
    """A UTF-8 path for DuckDB: the file itself, or a Windows-1252 (else Latin-1) transcoding.

    French office software still exports Windows-1252; DuckDB reads UTF-8 only.
    """
    if _is_utf8(path):
        yield path
        return
    raw = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / path.name
        target.write_text(text, encoding="utf-8")
        yield target


def _header(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return f.readline(1_000_000).rstrip("\r\n")


def _load_dataset(db, root: Path, dataset: Dataset, aliases: dict) -> list[Problem]:
    file = f"{DATA_DIR}/{dataset.name}.csv"
    path = root / file
    if not path.exists() and dataset.optional:
        _empty(db, dataset)
        return []
    if not path.exists():
        return [Problem(file, 1, 1, "", "fichier de données introuvable")]
    problem = unreadable(path, file, MAX_DATA_BYTES)
    if problem:
        return [problem]
    with _as_utf8(path) as utf8:
        header_line = _header(utf8)
        if not header_line.strip():
            return [
                Problem(file, 1, 1, "", "le fichier est vide : une ligne d'en-tête est attendue")
            ]
        # the separator the header line holds most of: « ; » on a tie (French spreadsheets)
        delimiter = max((";", ",", "\t"), key=header_line.count)
        header = next(csv.reader([header_line], delimiter=delimiter))
        if len(header) > MAX_COLUMNS:
            return [
                Problem(
                    file,
                    1,
                    1,
                    "",
                    f"ligne d'en-tête de {len(header)} colonnes : {MAX_COLUMNS} au plus ; "
                    "est-ce bien un fichier CSV ?",
                )
            ]
        mapping, problems = _map_columns(file, header, dataset, aliases)
        if problems:
            return problems
        db.executemany(
            "INSERT INTO colonnes VALUES (?, ?, ?)",
            [[file, name, index + 1] for name, index in mapping.items()],
        )
        try:
            db.execute(
                f"CREATE TABLE raw_{dataset.name} AS SELECT * FROM read_csv(?, delim=?, "
                "header=true, auto_detect=false, quote='\"', escape='\"', null_padding=true, "
                "columns=?)",
                [str(utf8), delimiter, {f"c{i}": "VARCHAR" for i in range(len(header))}],
            )
        except duckdb.Error as e:
            line = re.search(r"[Ll]ine:? (\d+)", str(e))
            return [Problem(file, int(line[1]) if line else 1, 1, "", _unreadable_line(str(e)))]
    return _check_and_type(db, file, dataset, mapping)


def _unreadable_line(error: str) -> str:
    """DuckDB's reason for refusing a line of CSV, as a writer can act on it."""
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", error)
    if columns:
        return (
            f"ligne illisible : {columns[2]} champs pour {columns[1]} colonnes dans l'en-tête "
            "(un séparateur de trop, ou un texte qui en contient un sans guillemets)"
        )
    if "unterminated quote" in error:
        return "ligne illisible : guillemet non refermé"
    if "Maximum line size" in error:
        return (
            "ligne illisible : plus de 2 Mo sur une seule ligne (guillemet non refermé, ou "
            "fichier qui n'est pas un CSV)"
        )
    return "ligne illisible : plus de champs que de colonnes, ou guillemet non refermé"


def _map_columns(file: str, header: list[str], dataset: Dataset, aliases: dict):
    """Position of each expected column in the header, through the accepted names."""
    position = {}
    problems = []
    lowered = [h.strip().lower() for h in header]
    for column in dataset.columns:
        names = [column.name, *aliases.get(column.name, [])]
        found = [i for i, h in enumerate(lowered) if h in {n.lower() for n in names}]
        if len(found) > 1:
            problems.append(
                Problem(
                    file,
                    1,
                    found[1] + 1,
                    "",
                    f"la colonne {column.name} apparaît plusieurs fois "
                    f"({', '.join(header[i] for i in found)})",
                )
            )
        elif not found and column.may_be_absent:
            continue
        elif not found:
            problems.append(
                Problem(
                    file,
                    1,
                    1,
                    "",
                    f"colonne obligatoire {column.name} absente (noms acceptés : "
                    f"{', '.join(names)} ; trouvé : {', '.join(header)})",
                )
            )
        else:
            position[column.name] = found[0]
    return position, problems


NUMERIC_KINDS = {
    "entier",
    "nombre",
    "annee",
    "finan",
    "plafond_cus",
    "note",
    "pourcent",
    "positif",
    "pieces",
    "surface",
    "menages",
    "logements",
    "ressources",
    "seuil",
    "logements_npl",
    "surface_totale",
    "loyer_m2",
    "equivalents",
}


def _type(db, dataset: Dataset, mapping: dict) -> None:
    """Each column's number parsed once, then every value typed; an optional column also says
    whether its cell was empty (fine) or unreadable. A column the file lacks is all empty."""
    raw = {
        c.name: f"r.c{mapping[c.name]}" if c.name in mapping else "NULL::VARCHAR"
        for c in dataset.columns
    }
    numbers = "".join(
        f", {_number(raw[c.name].removeprefix('r.'))} AS n_{c.name}"
        for c in dataset.columns
        if c.kind in NUMERIC_KINDS
    )
    values, joins = [], []
    for column in dataset.columns:
        kind = KINDS[column.kind]
        value = kind.value.format(c=raw[column.name], n=f"r.n_{column.name}")
        if kind.lookup:
            table, key = kind.lookup
            alias = f"k_{column.name}"
            joins.append(f"LEFT JOIN {table} {alias} ON {alias}.{key} = {value}")
            value = f"{alias}.{key}"
        values.append(f"{value} AS {column.name}")
        if column.optional:
            values.append(
                f"({value} IS NOT NULL OR nullif(trim({raw[column.name]}), '') IS NULL) "
                f"AS ok_{column.name}"
            )
    db.execute(
        f"CREATE TABLE {dataset.name} AS SELECT r.ligne, {', '.join(values)} "
        f"FROM (SELECT rowid AS ligne, *{numbers} FROM raw_{dataset.name}) r {' '.join(joins)}"
    )


def _empty(db, dataset: Dataset) -> None:
    """The typed table of an optional file the project goes without, with no row: every
    definition runs on it unchanged."""
    names = [f"c{i}" for i in range(len(dataset.columns))]
    db.execute(f"CREATE TABLE raw_{dataset.name} ({', '.join(f'{n} VARCHAR' for n in names)})")
    _type(db, dataset, {c.name: i for i, c in enumerate(dataset.columns)})
    db.execute(f"DROP TABLE raw_{dataset.name}")


def _check_and_type(db, file: str, dataset: Dataset, mapping: dict) -> list[Problem]:
    _type(db, dataset, mapping)
    invalid = {
        c.name: f"NOT ok_{c.name}" if c.optional else f"{c.name} IS NULL"
        for c in dataset.columns
        if c.name in mapping
    }
    counts = db.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {cond})" for cond in invalid.values())
        + f", count(*) FROM {dataset.name}"
    ).fetchone()
    if counts[-1] == 0:
        return [Problem(file, 2, 1, "", "aucune ligne de données après l'en-tête")]
    problems = []
    present = [c for c in dataset.columns if c.name in mapping]
    for column, count in zip(present, counts, strict=False):
        if not count:
            continue
        line, found = db.execute(
            f"SELECT t.ligne + 2, r.c{mapping[column.name]} FROM {dataset.name} t "
            f"JOIN raw_{dataset.name} r ON r.rowid = t.ligne WHERE {invalid[column.name]} "
            "ORDER BY t.ligne LIMIT 1"
        ).fetchone()
        more = (
            f" (et {count - 1} autre{'s' if count > 2 else ''} ligne{'s' if count > 2 else ''})"
            if count > 1
            else ""
        )
        shown = "une cellule vide" if not (found or "").strip() else f"« {visible(found[:80])} »"
        problems.append(
            Problem(
                file,
                line,
                mapping[column.name] + 1,
                column.name,
                f"valeur attendue : {KINDS[column.kind].expected} ; trouvé {shown}{more}",
            )
        )
    db.execute(f"DROP TABLE raw_{dataset.name}")
    return problems[:MAX_REPORTED]


# Later snapshots of the stock: content/donnees/patrimoine_AAAA.csv, the RPLS on 1 January AAAA,
# in the columns of patrimoine.csv (which stays the snapshot of the état des lieux).
SNAPSHOT = re.compile(r"patrimoine_([0-9]{4})")


def snapshots(root: Path) -> list[Dataset]:
    """The later snapshots of the stock the project gives, oldest first."""
    folder = root / DATA_DIR
    names = sorted(p.stem for p in folder.glob("patrimoine_*.csv") if SNAPSHOT.fullmatch(p.stem))
    return [replace(DATASETS[0], name=name, like=DATASETS[0].name) for name in names]


def _logements(db, source: str, target: str) -> None:
    famille = " ".join(
        f"WHEN p.FINAN IN ({', '.join(map(str, codes))}) THEN '{name}'"
        for name, codes in FAMILLES.items()
    )
    plafond = " ".join(f"WHEN {code} THEN '{name}'" for code, name in PLAFOND_CUS_CODES.items())
    db.execute(
        f"""
        CREATE TABLE {target} AS
        SELECT p.*, c.departement, nullif(c.epci, '') AS epci,
               coalesce(CASE p.CUS {plafond} END, CASE {famille} ELSE '{AUTRES}' END)
                   AS famille,
               p.CUS IS NOT NULL AS famille_cus,
               p.QPV IS NOT NULL AS en_qpv,
               coalesce(p.DPEENERGIE IN ('F', 'G'), false) AS classe_fg
        FROM {source} p JOIN communes c ON c.code = p.DEPCOM
        """
    )


def _derive(db, later: list[int]) -> None:
    """Territories and financing families, computed once for every indicator: a logement's
    family is its category of resource ceilings at relocation (CUS), else that of its initial
    financing (FINAN), and famille_cus says which. The later snapshots of the stock
    (patrimoine_AAAA → logements_AAAA) the same way."""
    _logements(db, "patrimoine", "logements")
    for annee in later:
        _logements(db, f"patrimoine_{annee}", f"logements_{annee}")
    db.execute(
        """
        CREATE TABLE attribution AS
        SELECT a.*, c.departement, nullif(c.epci, '') AS epci
        FROM attributions a JOIN communes c ON c.code = a.DEPCOM
        """
    )
    # Works stand in the commune of their ensemble (an unknown ensemble is refused later).
    db.execute(
        """
        CREATE TABLE operations AS
        SELECT t.*, c.departement, nullif(c.epci, '') AS epci
        FROM travaux t
        JOIN (SELECT ENSEMBLE, any_value(DEPCOM) AS DEPCOM FROM ensembles GROUP BY ENSEMBLE) e
          ON e.ENSEMBLE = t.ENSEMBLE
        JOIN communes c ON c.code = e.DEPCOM
        """
    )
    db.execute(
        """
        CREATE TABLE foyer AS
        SELECT f.*, c.departement, nullif(c.epci, '') AS epci,
               coalesce(f.DPEENERGIE IN ('F', 'G'), false) AS classe_fg
        FROM foyers f JOIN communes c ON c.code = f.DEPCOM
        """
    )
