"""Load stage: read the content files and parse YAML, keeping the position of every value."""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cusdoc.errors import Problem

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
}


class Refused(yaml.MarkedYAMLError):
    """Valid YAML that cusdoc does not accept (merge keys)."""


@dataclass
class Source:
    """One parsed content file: its data and where each value and key stands."""

    file: str
    data: object
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path_, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at path (of its key if key=True), else of a parent."""
        if key and path in self.key_marks:
            return self.key_marks[path]
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, (1, 1))


SEUIL = 5  # the default threshold of statistical secrecy (cus-domain.md §5)


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
    def settings(self) -> Settings:
        """The period, reference year and secrecy threshold (content that passed validation)."""
        generation = self.convention["generation"]
        return Settings(
            (generation["premiere_annee"], generation["derniere_annee"]),
            generation["annee_reference"],
            self.convention.get("secret_statistique", SEUIL),
        )


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
        if not isinstance(name, str) or name in sources:
            continue  # reported by validation
        if not (root / "content" / f"{name}.yml").is_file():
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
    return Content(root, sources), problems


def _load_file(root: Path, name: str, problems: list[Problem]) -> Source | None:
    file = f"content/{name}.yml"
    path = root / file
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(file, 1, 1, "", "fichier introuvable"))
        return None
    except OSError as e:
        problems.append(Problem(file, 1, 1, "", f"lecture impossible ({e.strerror})"))
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


def parse_yaml(file: str, text: str, problems: list[Problem]) -> Source | None:
    """Parse one YAML document safely, recording positions; report errors as Problems."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.append(Problem(file, 1, 1, "", "le fichier est vide"))
            return None
        source = Source(file, None)
        source.data = _build(node, (), loader, source, problems)
        return source
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(Problem(file, line, column, "", _french_yaml_problem(e)))
        return None
    finally:
        loader.dispose()


def _french_yaml_problem(error: yaml.MarkedYAMLError) -> str:
    problem = (error.problem or "").strip()
    if isinstance(error, Refused):
        return f"YAML invalide : {problem}"
    for english, french in YAML_PROBLEMS.items():
        if english in problem:
            return f"YAML invalide : {french}"
    if "found duplicate anchor" in problem or "found unhashable key" in problem:
        return f"YAML invalide : {problem}"
    return f"YAML invalide ({problem or error.context})"


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
            key = loader.construct_object(key_node)
            key = key if isinstance(key, str) else str(key)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
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
        return [
            _build(item, (*path, index), loader, source, problems)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node)


def dotted(path: Path_) -> str:
    """Render a data path the way writers read it: orientations[2].actions[0].calendrier."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
