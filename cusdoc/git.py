"""Everything cusdoc asks git: versions, dates, authors, and the project at a revision."""

import datetime
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from cusdoc.errors import CusdocError

WORKTREE = "travail"  # the revision name of the working tree


def git(root: Path, *args: str) -> str:
    """git's output as text; a French error if git fails or is missing."""
    return git_bytes(root, *args).decode()


def git_bytes(root: Path, *args: str) -> bytes:
    """git's output; a French error if git fails or is missing."""
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError as e:
        raise CusdocError("git est introuvable : installez git pour cette commande") from e
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise CusdocError(f"git {' '.join(args)} a échoué : {message}")
    return result.stdout


def _quiet(root: Path, *args: str) -> str | None:
    try:
        return git(root, *args).strip() or None
    except CusdocError:
        return None


def commit_epoch(root: Path) -> int | None:
    """The date of the last commit, in seconds, or None outside a repository."""
    stamp = _quiet(root, "log", "-1", "--format=%ct")
    return int(stamp) if stamp and stamp.isdigit() else None


def commit(root: Path) -> str | None:
    """The full id of the commit the documents derive from, or None outside a repository."""
    return _quiet(root, "rev-parse", "--verify", "--quiet", "HEAD")


def resolve(root: Path, revision: str) -> str:
    """The full id of a revision's commit; a French error if there is none."""
    found = _quiet(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if found is None:
        raise CusdocError(_missing(root, revision))
    return found


def _missing(root: Path, revision: str) -> str:
    """Why a revision cannot be read: the project is no repository, or has no such one."""
    if _quiet(root, "rev-parse", "--git-dir") is None:
        return (
            f"révision introuvable : {revision} (le projet n'est pas un dépôt git : les versions "
            "se comparent une fois enregistrées, git init puis git commit)"
        )
    return f"révision introuvable : {revision}"


def show(root: Path, revision: str, path: str) -> str | None:
    """A file as a revision has it, or None if it has none (or outside a repository)."""
    try:
        return git_bytes(root, "show", f"{revision}:{path}").decode("utf-8")
    except (CusdocError, UnicodeDecodeError):
        return None


def uncommitted(root: Path, *paths: str) -> list[str] | None:
    """The files under paths that differ from the last commit (untracked ones included), or
    None outside a repository."""
    if _quiet(root, "rev-parse", "--is-inside-work-tree") != "true":
        return None
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", *paths)
    return [line[3:] for line in status.splitlines() if line.strip()]


def default_base(root: Path) -> str:
    """The point where the current branch left the main one (main, else master)."""
    for branch in ("main", "master", "origin/main"):
        found = _quiet(root, "merge-base", "HEAD", branch)
        if found:
            return found
    return "HEAD"


def tags(root: Path, pattern: str, contains: str | None = None) -> list[tuple[str, datetime.date]]:
    """The tags whose name matches pattern (« signee-* »), oldest first (by date, then name),
    each with its date: an annotated tag's own, else its commit's. contains: only the tags
    whose commit has this revision in its history (the revision's own tags included)."""
    fields = "%(creatordate:unix)%00%(creatordate:short)%00%(refname:short)"
    args = ["for-each-ref", f"--format={fields}", f"refs/tags/{pattern}"]
    if contains is not None:
        args.insert(1, f"--contains={contains}")
    found = []
    for line in git(root, *args).splitlines():
        stamp, day, name = line.split("\x00")
        found.append((int(stamp), name, datetime.date.fromisoformat(day)))
    return [(name, day) for _, name, day in sorted(found)]


# The signed texts, marked by tags (docs/avenants.md): the convention, then each avenant.
SIGNED = "signee-*"  # signee-2025
AMENDED = "avenant-*"  # avenant-1, avenant-2…


def in_force(root: Path, signed: str) -> tuple[str, list[tuple[str, datetime.date]]]:
    """The revision of the text in force since a signed convention: the last avenant signed
    after it, else the convention itself; and those avenants, oldest first."""
    since = tags(root, AMENDED, contains=signed)
    return (since[-1][0] if since else signed), since


def latest_signed(root: Path) -> str | None:
    """The most recent signed convention (`signee-*` tag), if any."""
    found = tags(root, SIGNED) if commit(root) is not None else []
    return found[-1][0] if found else None


def revision_date(root: Path, revision: str) -> datetime.date:
    """The day of a revision: a tag's date (see `tags`), else its commit's."""
    tagged = [day for name, day in tags(root, revision) if name == revision]
    if tagged:
        return tagged[0]
    return datetime.date.fromisoformat(git(root, "log", "-1", "--format=%cs", revision).strip())


def author_and_date(root: Path, revision: str) -> tuple[str, str]:
    """Who made a version, and when: its commit's author, or the one who edits now."""
    if revision == WORKTREE:
        name = _quiet(root, "config", "user.name")
        stamp = _quiet(root, "log", "-1", "--format=%aI") or "1970-01-01T00:00:00Z"
        return name or "Modification en cours", stamp
    author, stamp = git(root, "log", "-1", "--format=%an%x00%aI", revision).strip().split("\x00")
    return author, stamp


@contextmanager
def checkout(root: Path, revision: str) -> Iterator[Path]:
    """A folder holding the project as it was at a revision (the working tree as is).

    The folder lives as long as the `with` block: use what it holds inside it.
    """
    if revision == WORKTREE:
        yield root
        return
    try:
        archive = git_bytes(root, "archive", "--format=tar", revision)
    except CusdocError as e:
        raise CusdocError(_missing(root, revision)) from e
    tmp = tempfile.mkdtemp(prefix="cusdoc-")
    try:
        try:
            with tarfile.open(fileobj=BytesIO(archive)) as tar:
                tar.extractall(tmp, filter="data")
        except tarfile.FilterError as e:  # a link out of the project, an absolute path
            raise CusdocError(
                f"la révision {revision} contient un lien ou un chemin qui sort du projet "
                f"({e.tarinfo.name}) : elle n'est pas lue"
            ) from e
        except tarfile.ReadError as e:
            # git's archive of an empty tree holds a header alone, which tarfile refuses:
            # the revision holds no file, as the empty folder says.
            if git(root, "ls-tree", revision).strip():
                raise CusdocError(f"révision illisible : {revision} ({e})") from e
        yield Path(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
