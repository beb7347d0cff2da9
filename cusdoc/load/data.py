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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from cusdoc import DATA
from cusdoc.errors import Problem

DATA_DIR = "content/donnees"
PACKAGE_DATA = DATA
TRUE = ("1", "oui", "o", "vrai", "true", "y", "yes", "x")
FALSE = ("0", "non", "n", "faux", "false", "no")
FINAN_CODES = (10, 11, 12, 13, 14, 15, 16, 17, 49, 50, 51, 52, 53, 54, 55, 99)


def _number(c: str) -> str:
    """Text to number: spaces (thousands) dropped, decimal comma accepted."""
    digits = f"replace(replace(replace({c}, ' ', ''), '\u00a0', ''), '\u202f', '')"
    return f"TRY_CAST(replace({digits}, ',', '.') AS DOUBLE)"


def _sql_list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


@dataclass(frozen=True)
class Kind:
    """How a column's text becomes a value, and what a writer is told when it cannot."""

    value: str  # SQL on {c}, the raw text, or {n}, its number; NULL when it is not valid
    expected: str
    lookup: tuple[str, str] | None = None  # (table, key): the value must be found there


KINDS = {
    "texte": Kind("nullif(trim({c}), '')", "un texte"),
    # Spreadsheets drop the leading zero of 01001: it is put back.
    "commune": Kind(
        "lpad(trim({c}), 5, '0')",
        "un code commune Insee existant (5 caractères)",
        lookup=("communes", "code"),
    ),
    "epci": Kind("trim({c})", "le SIREN d'un EPCI existant", lookup=("epci", "siren")),
    "entier": Kind("CASE WHEN {n} = floor({n}) THEN CAST({n} AS BIGINT) END", "un nombre entier"),
    "nombre": Kind("{n}", "un nombre (virgule décimale acceptée)"),
    "annee": Kind(
        "CASE WHEN {n} = floor({n}) AND {n} BETWEEN 1800 AND 2100 THEN CAST({n} AS INTEGER) END",
        "une année sur quatre chiffres",
    ),
    "booleen": Kind(
        f"CASE WHEN lower(trim({{c}})) IN ({_sql_list(TRUE)}) THEN true "
        f"WHEN lower(trim({{c}})) IN ({_sql_list(FALSE)}) THEN false END",
        "oui ou non (1/0, oui/non, O/N, vrai/faux)",
    ),
    "finan": Kind(
        f"CASE WHEN {{n}} IN ({', '.join(map(str, FINAN_CODES))}) THEN CAST({{n}} AS INTEGER) END",
        "un code de financement RPLS (10 à 17, 49, 50 à 55 ou 99)",
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
    "positif": Kind("CASE WHEN {n} >= 0 THEN {n} END", "un nombre positif ou nul"),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    optional: bool = False  # an empty cell is then NULL, not an error


@dataclass(frozen=True)
class Dataset:
    """One expected file of content/donnees/ and its columns."""

    name: str
    columns: tuple[Column, ...]


DATASETS = (
    Dataset(
        "patrimoine",
        (
            Column("DEPCOM", "commune"),
            Column("QPV", "texte", optional=True),
            Column("FINAN", "finan"),
            Column("DPEENERGIE", "dpe", optional=True),
            Column("NBPIECE", "entier"),
            Column("SURFHAB", "positif"),
            Column("CONSTRUCT", "annee"),
            Column("TYPECONST", "typeconst"),
            Column("CODSEGPATRIM", "texte", optional=True),
            Column("ENSEMBLE", "texte"),
            Column("ACCESSIBLE_PMR", "booleen"),
        ),
    ),
    Dataset(
        "attributions",
        (
            Column("annee", "annee"),
            Column("DEPCOM", "commune"),
            Column("QPV", "booleen"),
            Column("bail_signe", "booleen"),
            Column("ressources_uc", "positif"),
            Column("relogement_anru", "booleen"),
            Column("prioritaire", "booleen"),
            Column("dalo", "booleen"),
            Column("mutation", "booleen"),
        ),
    ),
    Dataset(
        "seuils_premier_quartile",
        (Column("annee", "annee"), Column("EPCI", "epci"), Column("seuil", "positif")),
    ),
    Dataset(
        "ensembles",
        (
            Column("ENSEMBLE", "texte"),
            Column("nom", "texte"),
            Column("DEPCOM", "commune"),
            Column("qualite_construction", "note"),
            Column("equipements", "note"),
            Column("localisation", "note"),
            Column("environnement", "note"),
            Column("menages", "positif"),
            Column("menages_sous_60_pct", "positif"),
            Column("menages_apl", "positif"),
            Column("taux_vacance", "pourcent"),
            Column("taux_rotation", "pourcent"),
        ),
    ),
)

# Financing families from RPLS FINAN codes [INFERRED from the RPLS record, cus-domain.md §3.1]:
# PLA d'intégration and très social count as PLAI, PLA ordinaire as PLUS.
FAMILLES = {
    "PLAI": (10, 11),
    "PLUS": (12, 13),
    "PLS": (14,),
    "PLI": (16,),
}
AUTRES = "autres"

MAX_REPORTED = 20  # per file: past that, one line says how many more there are


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

    def execute(self, sql: str, parameters: list | None = None) -> duckdb.DuckDBPyConnection:
        if self.scope:
            views = ", ".join(
                f"{table} AS (SELECT * FROM main.{table} WHERE {condition})"
                for table, condition in self.scope
            )
            sql = f"WITH {views} {sql}"
        return self.db.execute(sql, parameters or [])

    def territory(self, nature: str, code: str) -> "Data":
        """The rows of one département (nature "département") or one EPCI."""
        column = "departement" if nature == "département" else "epci"
        if not re.fullmatch(r"[0-9AB]{2,3}|[0-9]{9}", code):
            raise ValueError(f"territory code {code!r}")
        communes = f"SELECT code FROM main.communes WHERE {column} = '{code}'"
        return Data(
            self.db,
            (
                ("logements", f"{column} = '{code}'"),
                ("attribution", f"{column} = '{code}'"),
                ("patrimoine", f"DEPCOM IN ({communes})"),
                ("ensembles", f"DEPCOM IN ({communes})"),
                (
                    "seuils_premier_quartile",
                    f"EPCI IN (SELECT DISTINCT epci FROM main.communes WHERE {column} = '{code}')",
                ),
            ),
        )


def load_data(root: Path) -> tuple[Data, list[Problem]]:
    """Every data file of content/donnees/ as a typed DuckDB table; problems for what is wrong.

    Data that passed its checks once is kept, typed, in build/.cache/donnees/ under the digest
    of its files: a writer who changes only text does not pay for reading the CSV again.
    """
    cached = _cache_path(root)
    if cached is not None and cached.is_file():
        try:
            return Data(duckdb.connect(str(cached), read_only=True)), []
        except duckdb.Error:
            pass  # an unreadable cache is made again
    # In memory, DuckDB would checkpoint after the raw tables are dropped: a second of work
    # for nothing at 550 000 logements.
    db = duckdb.connect(config={"checkpoint_threshold": "100GB"})
    _load_geography(db, PACKAGE_DATA)
    aliases, problems = _aliases(root)
    for dataset in DATASETS:
        problems += _load_dataset(db, root, dataset, aliases.get(dataset.name, {}))
    if not problems:
        _derive(db)
        if cached is not None:
            _keep(db, cached)
    return Data(db), problems


def _cache_path(root: Path) -> Path | None:
    """build/.cache/donnees/<digest of the data files, the column names and cusdoc>.duckdb."""
    from cusdoc import __version__

    digest = hashlib.blake2b(f"{__version__} {duckdb.__version__}".encode(), digest_size=16)
    folder = root / DATA_DIR
    files = [folder / f"{d.name}.csv" for d in DATASETS] + [folder / "colonnes.yml"]
    files += [PACKAGE_DATA / name for name in ("colonnes.yml", "communes.csv", "epci.csv")]
    for path in files:
        digest.update(path.name.encode() + b"\0")
        try:
            with path.open("rb") as f:
                while chunk := f.read(CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            digest.update(b"-")
        except OSError:
            return None
    return root / "build" / ".cache" / "donnees" / f"{digest.hexdigest()}.duckdb"


def _keep(db, path: Path) -> None:
    """Copy the typed tables into the cache file; a cache that cannot be written is skipped."""
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
    merged: dict[str, dict[str, list[str]]] = yaml.safe_load(
        (PACKAGE_DATA / "colonnes.yml").read_text(encoding="utf-8")
    )
    extra_path = root / DATA_DIR / "colonnes.yml"
    if not extra_path.is_file():
        return merged, []
    try:
        extra = yaml.safe_load(extra_path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        return merged, [Problem(f"{DATA_DIR}/colonnes.yml", 1, 1, "", f"fichier illisible ({e})")]
    for dataset, columns in extra.items() if isinstance(extra, dict) else ():
        for column, names in (columns or {}).items():
            merged.setdefault(dataset, {}).setdefault(column, []).extend(names or [])
    return merged, []


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
    raw = path.read_bytes()
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
        return f.readline().rstrip("\r\n")


def _load_dataset(db, root: Path, dataset: Dataset, aliases: dict) -> list[Problem]:
    file = f"{DATA_DIR}/{dataset.name}.csv"
    path = root / file
    if not path.is_file():
        return [Problem(file, 1, 1, "", "fichier de données introuvable")]
    with _as_utf8(path) as utf8:
        header_line = _header(utf8)
        if not header_line.strip():
            return [
                Problem(file, 1, 1, "", "le fichier est vide : une ligne d'en-tête est attendue")
            ]
        delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
        header = next(csv.reader([header_line], delimiter=delimiter))
        mapping, problems = _map_columns(file, header, dataset, aliases)
        if problems:
            return problems
        try:
            db.execute(
                f"CREATE TABLE raw_{dataset.name} AS SELECT * FROM read_csv(?, delim=?, "
                "header=true, auto_detect=false, quote='\"', escape='\"', null_padding=true, "
                "columns=?)",
                [str(utf8), delimiter, {f"c{i}": "VARCHAR" for i in range(len(header))}],
            )
        except duckdb.Error as e:
            line = re.search(r"[Ll]ine:? (\d+)", str(e))
            return [
                Problem(
                    file,
                    int(line[1]) if line else 1,
                    1,
                    "",
                    "ligne illisible : plus de champs que de colonnes, ou guillemet non refermé",
                )
            ]
    return _check_and_type(db, file, dataset, mapping)


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


NUMERIC_KINDS = {"entier", "nombre", "annee", "finan", "note", "pourcent", "positif"}


def _type(db, dataset: Dataset, mapping: dict) -> None:
    """Each column's number parsed once, then every value typed; an optional column also says
    whether its cell was empty (fine) or unreadable."""
    raw = {c.name: f"r.c{mapping[c.name]}" for c in dataset.columns}
    numbers = "".join(
        f", {_number(f'c{mapping[c.name]}')} AS n_{c.name}"
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


def _check_and_type(db, file: str, dataset: Dataset, mapping: dict) -> list[Problem]:
    _type(db, dataset, mapping)
    invalid = {
        c.name: f"NOT ok_{c.name}" if c.optional else f"{c.name} IS NULL" for c in dataset.columns
    }
    counts = db.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {cond})" for cond in invalid.values())
        + f", count(*) FROM {dataset.name}"
    ).fetchone()
    if counts[-1] == 0:
        return [Problem(file, 2, 1, "", "aucune ligne de données après l'en-tête")]
    problems = []
    for column, count in zip(dataset.columns, counts, strict=False):
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
        shown = "une cellule vide" if not (found or "").strip() else f"« {found} »"
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


def _derive(db) -> None:
    """Territories and financing families, computed once for every indicator."""
    famille = " ".join(
        f"WHEN p.FINAN IN ({', '.join(map(str, codes))}) THEN '{name}'"
        for name, codes in FAMILLES.items()
    )
    db.execute(
        f"""
        CREATE TABLE logements AS
        SELECT p.*, c.departement, nullif(c.epci, '') AS epci,
               CASE {famille} ELSE '{AUTRES}' END AS famille,
               p.QPV IS NOT NULL AS en_qpv,
               coalesce(p.DPEENERGIE IN ('F', 'G'), false) AS classe_fg
        FROM patrimoine p JOIN communes c ON c.code = p.DEPCOM
        """
    )
    db.execute(
        """
        CREATE TABLE attribution AS
        SELECT a.*, c.departement, nullif(c.epci, '') AS epci
        FROM attributions a JOIN communes c ON c.code = a.DEPCOM
        """
    )
