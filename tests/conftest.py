"""Shared fixtures: the example convention built once, and small projects copied to tmp_path."""

import shutil
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def example_build(tmp_path_factory) -> Path:
    """The example convention of content/, built once in DOCX, PDF and Markdown."""
    root = copy_project(REPO, tmp_path_factory.mktemp("exemple"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build(root, ("docx", "pdf", "md"))
    return root / "build"
