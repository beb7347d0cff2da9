"""Building: reproducible bytes, and a failed build never touches the last good deliverables."""

import datetime
import shutil
from pathlib import Path

import docx
import pytest

from cusdoc import TEMPLATES
from cusdoc.errors import ContentError, ToolError
from cusdoc.pipeline import build
from tests.conftest import EPOCH, PROJETS, copy_project


@pytest.fixture
def minimal(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return copy_project(PROJETS / "minimal", tmp_path / "projet")


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_two_builds_give_identical_bytes(minimal):
    first = {p.name: p.read_bytes() for p in build(minimal, ("docx", "pdf", "md"))}
    second = {p.name: p.read_bytes() for p in build(minimal, ("docx", "pdf", "md"))}
    assert first == second
    assert set(first) == {"convention.docx", "convention.pdf", "convention.md"}


@pytest.mark.slow
def test_source_date_epoch_changes_the_stamp(minimal, monkeypatch):
    docx_2026 = build(minimal, ("docx",))[0].read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    path = build(minimal, ("docx",))[0]
    assert path.read_bytes() != docx_2026
    created = docx.Document(path).core_properties.created
    assert created == datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def test_broken_content_leaves_previous_deliverables_untouched(minimal):
    build(minimal, ("docx", "pdf"))
    before = _snapshot(minimal / "build")
    (minimal / "content" / "orientations.yml").write_text("titre: [", encoding="utf-8")
    with pytest.raises(ContentError):
        build(minimal, ("docx", "pdf"))
    assert _snapshot(minimal / "build") == before


@pytest.mark.slow
def test_failure_in_the_last_export_writes_nothing(minimal):
    build(minimal, ("docx", "pdf"))
    before = _snapshot(minimal / "build")
    (minimal / "content" / "qualite_service.yml").write_text(
        "titre: Qualité de service\nsections:\n  - titre: Nouveau\n    contenu: [Texte neuf.]\n",
        encoding="utf-8",
    )
    templates = minimal / "templates"
    shutil.copytree(TEMPLATES, templates)  # cusdoc's templates, to break the Typst one
    typst = templates / "typst" / "convention.typ"
    typst.write_text(typst.read_text(encoding="utf-8") + "\n#nimporte-quoi(\n", encoding="utf-8")
    with pytest.raises(ToolError, match="Typst a échoué"):
        build(minimal, ("docx", "pdf"))
    assert _snapshot(minimal / "build") == before  # the DOCX made before the PDF failed too
    assert not list((minimal / "build").rglob("*.tmp"))


def test_unwritable_build_folder_is_a_french_error(minimal):
    (minimal / "build").write_text("un fichier là où build/ devrait être", encoding="utf-8")
    with pytest.raises(ToolError, match="écriture impossible de .*build"):
        build(minimal, ("md",))
