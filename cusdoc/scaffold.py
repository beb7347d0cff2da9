"""cusdoc init: a new organisation's convention repository, ready to check and build.

Nothing written depends on the machine that runs it: the Makefile (and the CI through it)
installs cusdoc by version, the editor settings name the chapter files of the new repository.
"""

import errno
import json
import shutil
from pathlib import Path

from cusdoc import SKELETON, __version__
from cusdoc.errors import CusdocError

# skeleton file → where it goes in the new repository
LAYOUT = {
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "ci/github.yml": ".github/workflows/convention.yml",
    "ci/gitlab-ci.yml": ".gitlab-ci.yml",
}

# The first commit's author when git has no identity configured, for that commit only.
FALLBACK_IDENTITY = {"name": "cusdoc", "email": "cusdoc@localhost"}
BRANCH = "main"

# Why the file system refused, as the user reads it.
REASONS = {
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.ENOTDIR: "un élément du chemin est un fichier, pas un dossier",
    errno.EEXIST: "un fichier de ce nom existe déjà",
    errno.ENOENT: "chemin introuvable",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EDQUOT: "quota de disque dépassé",
    errno.ENAMETOOLONG: "nom de fichier trop long",
}


def init_project(target: Path) -> list[Path]:
    """Write the skeleton: content with comments, Makefile, CI, editor settings, pre-commit.

    A French error, and nothing left behind, when the folder cannot be written.
    """
    if target.is_file():
        raise CusdocError(f"{target} est un fichier : choisissez un dossier nouveau")
    existed = target.is_dir()
    try:
        if existed and any(target.iterdir()):
            raise CusdocError(f"le dossier {target} n'est pas vide : choisissez un dossier nouveau")
        target.mkdir(parents=True, exist_ok=True)
        return _write(target)
    except OSError as error:
        _remove_written(target, existed)
        reason = REASONS.get(error.errno, error.strerror or str(error))
        where = f" ({error.filename})" if error.filename and Path(error.filename) != target else ""
        raise CusdocError(
            f"impossible de créer le dépôt dans {target} : {reason}{where}"
        ) from error


def _write(target: Path) -> list[Path]:
    shutil.copytree(SKELETON / "content", target / "content")
    written = sorted((target / "content").rglob("*"))
    makefile = (SKELETON / "Makefile").read_text(encoding="utf-8")
    (target / "Makefile").write_text(makefile.replace("{cusdoc_version}", __version__), "utf-8")
    written.append(target / "Makefile")
    for source, destination in LAYOUT.items():
        path = target / destination
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SKELETON / source, path)
        written.append(path)
    written += _editor(target)
    return [p for p in written if p.is_file()]


def _remove_written(target: Path, existed: bool) -> None:
    """Undo a partial init: the folder was new, or empty, so everything in it is ours."""
    if not target.is_dir():
        return
    if not existed:
        shutil.rmtree(target, ignore_errors=True)
        return
    for child in target.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _editor(target: Path) -> list[Path]:
    """JSON Schemas of the content and the VS Code settings that map them onto content/."""
    from cusdoc.validate.jsonschema import write_schemas

    paths = write_schemas(target / "schemas")
    settings = target / ".vscode" / "settings.json"
    settings.parent.mkdir(exist_ok=True)
    text = json.dumps(editor_settings(target, paths), ensure_ascii=False, indent=2)
    settings.write_text(text + "\n", encoding="utf-8")
    return [*paths, settings]


def schema_kind(chapter: str) -> str:
    """The JSON Schema kind of content/<chapter>.yml, as `cusdoc schema` names it."""
    from cusdoc.validate.schema import SPECIAL_CHAPTERS

    if chapter == "convention":
        return "convention"
    return chapter if chapter in SPECIAL_CHAPTERS else "chapitre"


def editor_settings(target: Path, schemas: list[Path]) -> dict:
    """yaml.schemas: each schema written, with the content files of target it describes."""
    files: dict[str, list[str]] = {}
    for path in sorted((target / "content").glob("*.yml")):
        files.setdefault(schema_kind(path.stem), []).append(f"/content/{path.name}")
    from cusdoc.validate.jsonschema import AFTER_SIGNATURE

    files |= AFTER_SIGNATURE
    mapping = {}
    for schema in schemas:
        kind = schema.name.removesuffix(".schema.json")
        if kind in files:
            mapping[f"./{schema.relative_to(target).as_posix()}"] = files[kind]
    return {"yaml.schemas": mapping}


def init_repository(target: Path) -> tuple[str, str, bool]:
    """git init (branch main) and a first commit of everything written.

    The author is the user's git identity, else cusdoc <cusdoc@localhost> for this commit only.
    Returns the commit's short hash, its author and whether the fallback identity was used.
    """
    from cusdoc.git import git

    git(target, "init", "--quiet")
    git(target, "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")  # whatever the git version
    options = []
    for key, fallback in FALLBACK_IDENTITY.items():
        if not _configured(target, f"user.{key}"):
            options += ["-c", f"user.{key}={fallback}"]
    git(target, "add", "--all")
    message = f"Dépôt de la convention d'utilité sociale, créé par cusdoc init {__version__}"
    git(target, *options, "commit", "--quiet", "--message", message)
    commit, author = git(target, "log", "-1", "--format=%h%x00%an <%ae>").strip().split("\x00")
    return commit, author, bool(options)


def _configured(target: Path, key: str) -> bool:
    """Whether git has a value for key (in any of its configuration files)."""
    from cusdoc.git import git

    try:
        return bool(git(target, "config", "--get", key).strip())
    except CusdocError:  # git config exits with 1 when the key is not set
        return False
