"""Atomic publication (issue 14): build/ holds all the new deliverables or all the old ones,
and what a killed build left behind is removed by the next one."""

import errno
import os
import time
from pathlib import Path

import pytest

from cusdoc import write
from cusdoc.errors import ToolError
from cusdoc.pipeline import build
from cusdoc.write import discard_stale, write_atomically
from tests.conftest import EPOCH, PROJETS, copy_project


@pytest.fixture
def published(tmp_path) -> Path:
    """build/ with a previous DOCX and PDF."""
    folder = tmp_path / "build"
    folder.mkdir()
    (folder / "convention.docx").write_bytes(b"ancien docx")
    (folder / "convention.pdf").write_bytes(b"ancien pdf")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def fail_replacing(monkeypatch, name: str, error: BaseException) -> None:
    """os.replace fails when it would put a staged file in place of name (not a backup)."""
    real = os.replace

    def replace(src, dst):
        staged = Path(src).name.endswith(".tmp") and not Path(src).name.endswith(".old.tmp")
        if Path(dst).name == name and staged:
            raise error
        return real(src, dst)

    monkeypatch.setattr(write.os, "replace", replace)


def test_every_file_is_replaced_and_nothing_hidden_is_left(published):
    write_atomically({published / "convention.docx": b"docx", published / "convention.pdf": b"pdf"})
    assert snapshot(published) == {"convention.docx": b"docx", "convention.pdf": b"pdf"}


def test_pdf_that_cannot_be_replaced_leaves_the_old_docx(published, monkeypatch):
    """The PDF is open in a viewer that locks it: the DOCX already replaced is put back."""
    before = snapshot(published)
    fail_replacing(monkeypatch, "convention.pdf", PermissionError(errno.EACCES, "denied"))
    with pytest.raises(ToolError) as caught:
        write_atomically(
            {published / "convention.docx": b"docx", published / "convention.pdf": b"pdf"}
        )
    assert caught.value.message == (
        f"écriture impossible de {published / 'convention.pdf'} : permission refusée"
    )
    assert snapshot(published) == before


def test_a_new_file_is_removed_when_the_set_fails(published, monkeypatch):
    before = snapshot(published)
    fail_replacing(monkeypatch, "convention.pdf", OSError(errno.EBUSY, "busy"))
    with pytest.raises(ToolError, match="fichier utilisé par un autre programme"):
        write_atomically(
            {published / "indicateurs.xlsx": b"xlsx", published / "convention.pdf": b"pdf"}
        )
    assert snapshot(published) == before


def test_interrupted_publication_is_undone(published, monkeypatch):
    before = snapshot(published)
    fail_replacing(monkeypatch, "convention.pdf", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_atomically(
            {published / "convention.docx": b"docx", published / "convention.pdf": b"pdf"}
        )
    assert snapshot(published) == before


def test_full_disk_while_staging_replaces_nothing(published, monkeypatch):
    before = snapshot(published)
    real = os.fdopen
    calls = []

    def fdopen(fd, *args, **kwargs):
        calls.append(fd)
        if len(calls) == 2:
            os.close(fd)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, *args, **kwargs)

    monkeypatch.setattr(write.os, "fdopen", fdopen)
    with pytest.raises(ToolError, match="disque plein"):
        write_atomically(
            {published / "convention.docx": b"docx", published / "convention.pdf": b"pdf"}
        )
    assert snapshot(published) == before


def test_without_hard_links_the_previous_files_are_renamed_aside(published, monkeypatch):
    before = snapshot(published)

    def no_link(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(write.os, "link", no_link)
    fail_replacing(monkeypatch, "convention.pdf", PermissionError(errno.EACCES, "denied"))
    with pytest.raises(ToolError):
        write_atomically(
            {published / "convention.docx": b"docx", published / "convention.pdf": b"pdf"}
        )
    assert snapshot(published) == before


def test_cache_entries_are_published_with_the_deliverables(published, monkeypatch):
    entry = published / ".cache" / "convention" / "abc.pdf"
    fail_replacing(monkeypatch, "convention.pdf", PermissionError(errno.EACCES, "denied"))
    with pytest.raises(ToolError):
        write_atomically({entry: b"pdf", published / "convention.pdf": b"pdf"})
    assert not entry.exists()


def test_stale_temporary_files_are_removed_but_not_a_running_one(published):
    old = time.time() - 3600
    stale = [
        published / ".convention.pdf.k3j2.tmp",
        published / ".convention.docx.a1b2.old.tmp",
        published / ".cache" / "convention" / ".abc.docx.x9.tmp",
        published / ".cache" / "donnees" / ".123.duckdb.4242.tmp",
    ]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partiel")
        os.utime(path, (old, old))
    running = published / ".convention.docx.zz.tmp"
    running.write_bytes(b"en cours")
    visible = published / "notes.tmp"
    visible.write_bytes(b"a writer's file")
    os.utime(visible, (old, old))
    discard_stale(published, before=time.time() - 60)
    assert [p for p in stale if p.exists()] == []
    assert running.exists() and visible.exists()


def test_build_removes_what_a_killed_build_left(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = copy_project(PROJETS / "minimal", tmp_path)
    killed = root / "build" / ".convention.md.k1ll.tmp"
    killed.parent.mkdir()
    killed.write_bytes(b"partiel")
    old = time.time() - 10
    os.utime(killed, (old, old))
    build(root, ("md",))
    assert not killed.exists()
    assert [p.name for p in (root / "build").iterdir() if p.name != ".cache"] == ["convention.md"]


def test_writing_removes_what_a_killed_run_left_in_the_same_folder(tmp_path):
    """`cusdoc extrait` and `cusdoc suivi` clean their folders as they write."""
    folder = tmp_path / "build" / "extraits"
    folder.mkdir(parents=True)
    killed = folder / ".41-loir-et-cher.pdf.x1.tmp"
    killed.write_bytes(b"partiel")
    old = time.time() - 3600
    os.utime(killed, (old, old))
    write_atomically({folder / "41-loir-et-cher.pdf": b"pdf"})
    assert [p.name for p in folder.iterdir()] == ["41-loir-et-cher.pdf"]


def test_a_file_that_holds_the_same_bytes_is_not_written_again(tmp_path, monkeypatch):
    same, other = tmp_path / "same.pdf", tmp_path / "other.pdf"
    write_atomically({same: b"A", other: b"B"})
    staged = []
    stage = write._stage
    monkeypatch.setattr(write, "_stage", lambda path, d: staged.append(path) or stage(path, d))
    write_atomically({same: b"A", other: b"C"})
    assert staged == [other]
    assert (same.read_bytes(), other.read_bytes()) == (b"A", b"C")


def test_a_file_where_the_build_folder_should_be_is_named(tmp_path):
    (tmp_path / "build").write_text("", encoding="utf-8")
    target = tmp_path / "build" / "convention.md"
    with pytest.raises(ToolError) as refused:
        write_atomically({target: b"texte"})
    assert refused.value.message == (
        f"écriture impossible de {target} : {tmp_path / 'build'} est un fichier, là où un "
        "dossier est attendu ; renommez-le ou supprimez-le"
    )


def test_ctrl_c_while_a_file_is_written_leaves_nothing_half_written(tmp_path, monkeypatch):
    target = tmp_path / "build" / "convention.pdf"

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(write.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically({target: b"%PDF"})
    assert list((tmp_path / "build").iterdir()) == []
