"""Load stage: read the content files and parse YAML, keeping the position of every value."""

import math
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cusdoc.errors import Problem, os_reason

Path_ = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it: same nodes and marks, ten times faster.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# PyYAML's English wording of common syntax errors, and what a writer needs to read instead.
YAML_PROBLEMS = {
    "mapping values are not allowed": (
        "« : » inattendu ; un texte qui contient « : » doit être placé entre guillemets"
    ),
    "cannot start any token": (
        "caractère inattendu en début de valeur (une tabulation ? l'indentation se fait "
        "avec des espaces ; un texte commençant par @, ` ou % doit être entre guillemets)"
    ),
    "could not find expected ':'": "« : » attendu après une clé",
    "did not find expected key": "indentation incohérente : une clé est attendue à ce niveau",
    "did not find expected '-' indicator": (
        "indentation incohérente : un élément de liste « - » est attendu à ce niveau"
    ),
    "found unexpected end of stream": "fin de fichier inattendue : guillemet non refermé ?",
    "found undefined alias": "alias YAML inconnu",
    "expected ',' or ']'": "crochet « ] » non refermé",
    "expected ',' or '}'": "accolade « } » non refermée",
    "found unknown escape character": (
        "séquence d'échappement inconnue dans un texte entre guillemets"
    ),
    "expected <block end>": "indentation incohérente : cette ligne n'est alignée sur aucun niveau",
    "expected a single document": (
        "un seul document par fichier : retirez les lignes « --- » ou « ... »"
    ),
    "expected <document start>": "contenu inattendu après la fin du document",
    "found unhashable key": "une clé doit être un texte, pas une liste ni des clés",
    "found duplicate anchor": "ancre YAML « & » en double",
    "expected alphabetic or numeric character": (
        "un nom est attendu après « & », « * » ou « % » ; un texte qui commence par l'un "
        "d'eux doit être entre guillemets"
    ),
    "hexadecimal numbers": "séquence d'échappement \\x, \\u ou \\U incomplète",
    "expected a comment or a line break": (
        "après « | » ou « > », rien n'est attendu sur la ligne : le texte commence à la suivante"
    ),
    "found a tab character": "tabulation dans l'indentation : indentez avec des espaces",
    "found incompatible YAML document": "version de YAML non acceptée (%YAML 1.1 attendu)",
}


class Refused(yaml.MarkedYAMLError):
    """Valid YAML that cusdoc does not accept (tags, merge keys, aliases, deep nesting)."""


class Impossible(yaml.MarkedYAMLError):
    """A value that cannot be: a date that does not exist, a number too large or not finite."""


# Bounds on what one content file may cost, checked before the YAML is composed, so that a
# hostile or broken file fails in well under a second. The figures are our choice.
MAX_FILE_BYTES = 2_000_000  # the largest chapter of the example is 52 Ko
MAX_DEPTH = 32  # the deepest valid content (a table cell in a third-level section) is 13
MAX_NODES = 100_000  # parser events (values, lists, keys): the example's largest file has 900
MAX_NUMBER = 1e15  # numbers beyond stop being exact in double precision (DuckDB, Excel, PDF)
MAX_REPORTED = 20  # control characters reported per file

# Characters YAML refuses (libyaml's reader), as a writer is told about them.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
CONTROL_NAMES = {
    "\x00": ("caractère nul", "supprimez-le"),
    "\x08": ("retour arrière", "supprimez-le"),
    "\x0b": (
        "tabulation verticale, saut de ligne de Word",
        "remplacez-le par un espace ou un retour à la ligne",
    ),
    "\x0c": ("saut de page", "remplacez-le par un retour à la ligne"),
    "\x1b": ("échappement", "supprimez-le"),
    "\x7f": ("suppression", "supprimez-le"),
}


NOTE = "note_de_redaction"  # a writer's note: taken out of the data, never printed


@dataclass(frozen=True)
class Note:
    """A drafting note, where it was written (the path and position of its key)."""

    path: Path_
    line: int
    column: int
    text: str


@dataclass
class Source:
    """One parsed content file: its data, where each value and key stands, and the drafting
    notes taken out of it."""

    file: str
    data: object
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    text: str = ""  # the file as read, to place a problem inside a text

    def position_in(self, path: Path_, snippet: str, value: str = "", offset: int = 0):
        """Line and column of snippet, found at offset in the text value at path, as typed in
        the file (folded, indented, quoted); else of the value."""
        line, column = self.position(path)
        lines = self.text.split("\n")
        if not snippet or line > len(lines):
            return line, column
        start = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
        end = start + 2 * len(value) + 400
        found = start - 1
        for _ in range(value[:offset].count(snippet) + 1):  # the same occurrence as in value
            found = self.text.find(snippet, found + 1, end)
            if found < 0:
                return line, column
        before = self.text[:found]
        return before.count("\n") + 1, found - before.rfind("\n")

    notes: list[Note] = field(default_factory=list)

    def position(self, path: Path_, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at path (of its key if key=True), else of a parent."""
        if key and path in self.key_marks:
            return self.key_marks[path]
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, (1, 1))

    def problem(
        self, path: Path_, message: str, key: bool = False, avertissement: bool = False
    ) -> Problem:
        """A problem (or a warning) of the value at path, at its line and column."""
        line, column = self.position(path, key=key)
        return Problem(self.file, line, column, dotted(path), message, avertissement=avertissement)


SEUIL = 5  # the default threshold of statistical secrecy (cus-domain.md §5)
# The lowest threshold a convention may declare. The one floor read in a source is INSEE's
# frequency rule: no published cell built from fewer than 3 units (cus-domain.md §5, [READ]).
# The « fewer than 11 households » rule quoted for Filocom is [MEMORY — verify] there: until it
# is read in a text that binds the CUS, it is not enforced.
SEUIL_MINIMUM = 3


@dataclass(frozen=True)
class Settings:
    """What every stage reads from content/convention.yml once it is valid."""

    periode: tuple[int, int]
    annee_reference: int
    seuil: int  # statistical secrecy: a count of households under it is masked


@dataclass
class Content:
    """Every content file of a convention, by chapter name ("convention" for the main file)."""

    root: Path
    sources: dict[str, Source]

    @property
    def convention(self) -> dict:
        return self.sources["convention"].data

    @property
    def territoires(self) -> list[str]:
        """The codes of the territories content/convention.yml declares (validated content)."""
        return [t["code"] for t in self.convention["territoires"]]

    @property
    def settings(self) -> Settings:
        """The period, reference year and secrecy threshold (content that passed validation)."""
        generation = self.convention["generation"]
        return Settings(
            (generation["premiere_annee"], generation["derniere_annee"]),
            generation["annee_reference"],
            self.convention.get("secret_statistique", SEUIL),
        )


CHAPTER_NAME = re.compile(r"[a-z0-9_]+")  # as the schema has it


REALISE = "realise"  # content/realise.yml: the réalisé declared year by year
BILANS = "bilans"  # content/bilans/AAAA.yml: the organisation's explanations in a year's bilan


def load_content(root: Path) -> tuple[Content, list[Problem]]:
    """Read content/convention.yml then each chapter it lists."""
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    main = _load_file(root, "convention", problems)
    if main is None:
        return Content(root, sources), problems
    sources["convention"] = main
    chapitres = main.data.get("chapitres") if isinstance(main.data, dict) else None
    for index, name in enumerate(chapitres if isinstance(chapitres, list) else []):
        if not isinstance(name, str) or not CHAPTER_NAME.fullmatch(name) or name in sources:
            continue  # reported by validation; a name is never a path (« ../ »)
        if not (root / "content" / f"{name}.yml").exists():  # other kinds: _load_file says
            line, column = main.position(("chapitres", index))
            problems.append(
                Problem(
                    main.file,
                    line,
                    column,
                    f"chapitres[{index}]",
                    f"le fichier content/{name}.yml est introuvable",
                )
            )
            continue
        source = _load_file(root, name, problems)
        if source is not None:
            sources[name] = source
    # What comes after the signature, read beside the chapters, never one of them: the réalisé
    # declared, and the explanations of each year's bilan.
    after = [REALISE] if (root / "content" / f"{REALISE}.yml").exists() else []
    for path in sorted((root / "content" / BILANS).glob("*.yml")):
        if re.fullmatch(r"[0-9]{4}", path.stem):
            after.append(f"{BILANS}/{path.stem}")
        else:
            message = (
                "un fichier de content/bilans/ porte le nom de l'année de son bilan (2027.yml)"
            )
            problems.append(Problem(f"content/{BILANS}/{path.name}", 1, 1, "", message))
    for name in after:
        if name not in sources and (source := _load_file(root, name, problems)) is not None:
            sources[name] = source
    return Content(root, sources), problems


# The operating system's reasons, in the writer's language (strerror follows the locale).
def unreadable(path: Path, file: str, limit: int) -> Problem | None:
    """Why an input file cannot be read: missing, not a regular file, larger than limit, or a
    symbolic link out of the project (its first line would reach the messages, a CI's log)."""
    try:
        root = path.parents[len(Path(file).parts) - 1].resolve()
        if not path.resolve().is_relative_to(root):  # the file, or a folder of its path
            return Problem(
                file,
                1,
                1,
                "",
                "lien symbolique vers un fichier hors du projet : copiez le fichier dans le projet",
            )
        info = path.stat()
    except FileNotFoundError:
        return Problem(file, 1, 1, "", "fichier introuvable")
    except OSError as e:
        return Problem(file, 1, 1, "", f"lecture impossible ({os_reason(e)})")
    if not stat.S_ISREG(info.st_mode):
        what = "un dossier" if stat.S_ISDIR(info.st_mode) else "un fichier spécial"
        return Problem(file, 1, 1, "", f"un fichier est attendu, trouvé {what}")
    if info.st_size > limit:
        return Problem(file, 1, 1, "", too_large(info.st_size, limit))
    return None


def read_bounded(path: Path, file: str, limit: int, problems: list[Problem]) -> bytes | None:
    """The bytes of an input file, or None and a problem saying why it cannot be read."""
    problem = unreadable(path, file, limit)
    if problem is None:
        try:
            return path.read_bytes()
        except OSError as e:
            problem = Problem(file, 1, 1, "", f"lecture impossible ({os_reason(e)})")
    problems.append(problem)
    return None


def too_large(size: int, limit: int) -> str:
    def mo(n: int) -> str:
        return f"{n / 1_000_000:.1f}".replace(".", ",") + " Mo"

    return f"fichier trop volumineux ({mo(size)}) : {mo(limit)} au plus ; découpez-le"


def _load_file(root: Path, name: str, problems: list[Problem]) -> Source | None:
    file = f"content/{name}.yml"
    raw = read_bounded(root / file, file, MAX_FILE_BYTES, problems)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        column = len(before) - before.rfind(b"\n")
        problems.append(
            Problem(
                file,
                line,
                column,
                "",
                f"le fichier doit être encodé en UTF-8 ; octet {raw[e.start]:#04x} invalide "
                "(enregistrez le fichier en UTF-8 depuis votre éditeur)",
            )
        )
        return None
    return parse_yaml(file, text, problems)


def parse_yaml(
    file: str, text: str, problems: list[Problem], empty: object = None
) -> Source | None:
    """Parse one YAML document safely, recording positions; report errors as Problems.

    Control characters, aliases and nesting are checked before the document is composed:
    libyaml's composer recurses (a deep file crashes the process) and expands aliases (a few
    kilobytes of nested aliases take gigabytes). An empty file is a problem, unless the
    caller gives the value it stands for.
    """
    found = control_characters(file, text)
    if found:
        problems += found
        return None
    try:
        _scan_events(text)
    except yaml.MarkedYAMLError as e:
        problems.append(_yaml_problem(file, e))
        return None
    except yaml.reader.ReaderError as e:  # a character CONTROL does not know of
        before = text[: e.position]
        line, column = before.count("\n") + 1, e.position - before.rfind("\n")
        problems.append(Problem(file, line, column, "", _control_message(chr(e.character))))
        return None
    except yaml.YAMLError:
        problems.append(Problem(file, 1, 1, "", "YAML invalide : fichier illisible"))
        return None
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None and empty is not None:
            return Source(file, empty)
        if node is None:
            problems.append(Problem(file, 1, 1, "", "le fichier est vide"))
            return None
        source = Source(file, None, text=text)
        source.data = _build(node, (), loader, source, problems)
        return source
    except yaml.MarkedYAMLError as e:
        problems.append(_yaml_problem(file, e))
        return None
    finally:
        loader.dispose()


def control_characters(file: str, text: str) -> list[Problem]:
    """Where the text has a character YAML refuses, such as Word's line break (U+000B)."""
    problems = []
    for match in CONTROL.finditer(text):
        if len(problems) == MAX_REPORTED:
            break
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - text.rfind("\n", 0, match.start())
        problems.append(Problem(file, line, column, "", _control_message(match[0])))
    return problems


def _control_message(char: str) -> str:
    name, action = CONTROL_NAMES.get(char, ("", "supprimez-le"))
    if not name and "\x80" <= char <= "\x9f":
        name = "contrôle C1, souvent un texte Windows-1252 mal converti"
    elif not name and char > "\x9f":
        name = "non-caractère Unicode"
    label = f"U+{ord(char):04X}" + (f" ({name})" if name else "")
    return f"caractère de contrôle {label} : {action}"


def _scan_events(text: str) -> None:
    """Refuse aliases, nesting deeper than MAX_DEPTH and more than MAX_NODES values, from the
    parser's events alone."""
    loader = SafeLoader(text)
    depth = 0
    try:
        for _ in range(MAX_NODES + 4):  # the stream's and the document's start and end
            if not loader.check_event():
                return
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    # in a flow collection, « [[[… » is most likely text that opens a bracket
                    hint = (
                        "un texte qui commence par « [ » ou « { » doit être entre guillemets"
                        if event.flow_style
                        else "cusdoc n'attend pas autant de niveaux : vérifiez l'indentation"
                    )
                    raise Refused(
                        problem=f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux de "
                        f"listes et de clés) : {hint}",
                        problem_mark=event.start_mark,
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                raise Refused(
                    problem=f"les alias YAML (*{event.anchor[:40]}) ne sont pas acceptés : "
                    "recopiez la valeur à cet endroit",
                    problem_mark=event.start_mark,
                )
        most = f"{MAX_NODES:,}".replace(",", " ")
        raise Refused(
            problem=f"plus de {most} valeurs, listes et clés : découpez le fichier",
            problem_mark=event.start_mark,
        )
    finally:
        loader.dispose()


def _yaml_problem(file: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem(file, line, column, "", _french_yaml_problem(error))


def _french_yaml_problem(error: yaml.MarkedYAMLError) -> str:
    problem = (error.problem or "").strip()
    if isinstance(error, Impossible):
        return problem
    if isinstance(error, Refused):
        return f"YAML invalide : {problem}"
    for english, french in YAML_PROBLEMS.items():
        if english in problem:
            return f"YAML invalide : {french}"
    return "YAML invalide : structure illisible à cet endroit (indentation, guillemets ?)"


PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}


def _build(node, path: Path_, loader, source: Source, problems: list[Problem]):
    """Turn a composed node into plain Python data, recording each value's position."""
    source.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in PLAIN_TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise Refused(
            problem=f"les étiquettes YAML ({tag}) ne sont pas acceptées",
            problem_mark=node.start_mark,
        )
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise Refused(
                    problem="les fusions YAML « << » ne sont pas acceptées",
                    problem_mark=key_node.start_mark,
                )
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in PLAIN_TAGS:
                raise Refused(
                    problem="une clé doit être un texte simple, sans étiquette « !! »",
                    problem_mark=key_node.start_mark,
                )
            key = _construct(key_node, loader)
            key = key if isinstance(key, str) else str(key)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key == NOTE:
                _note(value_node, (*path, key), (line, column), loader, source, problems)
                continue
            if key in result:
                first = source.key_marks[(*path, key)][0]
                problems.append(
                    Problem(
                        source.file,
                        line,
                        column,
                        dotted((*path, key)),
                        f"clé en double (déjà définie ligne {first})",
                    )
                )
                continue
            source.key_marks[(*path, key)] = (line, column)
            result[key] = _build(value_node, (*path, key), loader, source, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        items: list = []
        for item in node.value:
            if _only_note(item):  # a block of its own: the next item takes its index
                key_node, value_node = item.value[0]
                mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                _note(value_node, (*path, len(items), NOTE), mark, loader, source, problems)
                continue
            items.append(_build(item, (*path, len(items)), loader, source, problems))
        return items
    return _construct(node, loader)


def _only_note(node) -> bool:
    """A list item that holds a drafting note and nothing else."""
    return (
        isinstance(node, yaml.MappingNode)
        and len(node.value) == 1
        and isinstance(node.value[0][0], yaml.ScalarNode)
        and node.value[0][0].value == NOTE
    )


def _note(node, path: Path_, mark: tuple[int, int], loader, source, problems) -> None:
    """Take a drafting note out of the data: it is kept aside, for cusdoc check to report."""
    if not isinstance(node, yaml.ScalarNode) or node.tag not in PLAIN_TAGS:
        problems.append(
            Problem(source.file, *mark, dotted(path), "une note de rédaction est un texte")
        )
        return
    value = _construct(node, loader)
    source.notes.append(Note(path, *mark, "" if value is None else str(value)))


def _construct(node, loader):
    """A scalar's value; an impossible date, a number too large or not finite is refused."""
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as e:
        raise Impossible(problem=_impossible(node), problem_mark=node.start_mark) from e
    if isinstance(value, str) and (char := CONTROL.search(value)):
        # Written as an escape ("\v") in a quoted text: as refused as the character itself.
        raise Impossible(problem=_control_message(char[0]), problem_mark=node.start_mark)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not (math.isfinite(value) and abs(value) <= MAX_NUMBER):
        raise Impossible(
            problem=f"nombre non fini ou trop grand « {node.value[:40]} » : un nombre de "
            "quinze chiffres au plus est attendu (mettez un texte entre guillemets)",
            problem_mark=node.start_mark,
        )
    return value


def _impossible(node) -> str:
    shown = str(node.value)[:40]
    if node.tag == "tag:yaml.org,2002:timestamp":
        return (
            f"date impossible « {shown} » : une date AAAA-MM-JJ qui existe est attendue "
            "(mettez un texte entre guillemets)"
        )
    if node.tag == "tag:yaml.org,2002:int":
        return f"nombre trop long « {shown}… » : quinze chiffres au plus"
    return f"valeur illisible « {shown} »"


def dotted(path: Path_) -> str:
    """Render a data path the way writers read it: orientations[2].actions[0].calendrier."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
