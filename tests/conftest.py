"""Shared fixtures: the example convention built once, and small projects copied to tmp_path."""

import fcntl
import os
import re
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from cusdoc.pipeline import build

REPO = Path(__file__).resolve().parent.parent
PROJETS = Path(__file__).resolve().parent / "projets"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


def copy_project(source: Path, target: Path) -> Path:
    """A copy of a project's content (and templates, if any) that a test may break or build."""
    shutil.copytree(source / "content", target / "content")
    if (source / "templates").is_dir():
        shutil.copytree(source / "templates", target / "templates")
    return target


def project_with(case: str, target: Path) -> Path:
    """The minimal project with the files of tests/projets/<case>/content laid over it."""
    copy_project(PROJETS / "minimal", target)
    shutil.copytree(PROJETS / case / "content", target / "content", dirs_exist_ok=True)
    return target


def commit_project(root: Path, message: str = "version") -> str:
    """Make root a git repository whose last commit holds every file; its full id."""
    when = "2026-01-01T00:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    identity = ["-c", "user.name=Camille Rédaction", "-c", "user.email=c@exemple.fr"]
    for args in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-qm", message]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)
    head = ["git", "-C", str(root), "rev-parse", "HEAD"]
    return subprocess.run(head, check=True, capture_output=True, text=True).stdout.strip()


def typed_data_kept() -> None:
    """Wait for the typed data being written to build/.cache/donnees/ (load/data.py writes it
    in a thread of its own, with a database of its own attached meanwhile)."""
    for thread in threading.enumerate():
        if thread.name == "cusdoc-donnees":
            thread.join()


@pytest.fixture
def minimal(tmp_path) -> Path:
    """A copy of the minimal project, for a test to break."""
    return copy_project(PROJETS / "minimal", tmp_path)


def edit(root: Path, file: str, old: str, new: str) -> None:
    """Replace the first occurrence of old in content/<file>, which must hold it."""
    path = root / "content" / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refused(root: Path) -> list[str]:
    """The problems `cusdoc check` reports, one per line, for content it refuses."""
    from click.testing import CliRunner

    from cusdoc.cli import main

    result = CliRunner().invoke(main, ["-C", str(root), "check"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stderr.splitlines()[:-1]


@pytest.fixture(scope="session")
def example_commit(tmp_path_factory) -> tuple[Path, str]:
    """The example convention of content/ in a git repository of its own, and its commit; built
    once in DOCX, PDF and Markdown as the version for signature (the example has no warning
    left), for every worker of the run: the first one builds, the others wait and read it."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "exemple-construit"
    with (shared / "exemple-construit.verrou").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "build" / "fait"
        if not done.is_file():
            shutil.rmtree(root, ignore_errors=True)
            copy_project(REPO, root)
            commit = commit_project(root)
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
                build(root, ("docx", "pdf", "md"), signature=True)
            done.write_text(commit, encoding="utf-8")
    return root, done.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def example_build(example_commit) -> Path:
    """The example convention's build/ (example_commit): tests read it, never write in it."""
    root, _ = example_commit
    return root / "build"


# What a signed document never prints: drafting notes, unverified wordings, the tool's paths and
# name, a commit id (7 to 40 hexadecimal characters, letters and digits mixed).
LEFTOVERS = re.compile(
    r"(?i:à confirmer|à vérifier|Légifrance avant signature|content/|\.csv\b|\.yml\b|cusdoc)"
    r"|\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b"
)
PRINTED_PARTS = re.compile(r"word/(document|footnotes|endnotes|header\d*|footer\d*)\.xml")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def leftovers(text: str) -> list[str]:
    """The drafting leftovers of a printed text, lines and no-break spaces read as spaces."""
    return LEFTOVERS.findall(" ".join(text.split()))


def docx_printed_text(path: Path) -> str:
    """Every paragraph a reader sees in a DOCX: body, tables, notes, headers and footers."""
    with zipfile.ZipFile(path) as archive:
        parts = [archive.read(n) for n in archive.namelist() if PRINTED_PARTS.fullmatch(n)]
    return "\n".join(
        "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
        for part in parts
        for paragraph in etree.fromstring(part).iter(f"{W}p")
    )
