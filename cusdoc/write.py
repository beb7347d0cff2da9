"""The only code that writes files: atomic publication and reproducible zip archives."""

import contextlib
import os
import secrets
import tempfile
import time
import zipfile
from io import BytesIO
from pathlib import Path

from cusdoc.errors import ToolError, os_reason

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
TEMPORARY = ".*.tmp"  # staged files and backups: hidden, so no one opens a half-written one
# The commands import this module as their run starts: older temporary files are not theirs.
STARTED = time.time()


def write_atomically(outputs: dict[Path, bytes]) -> None:
    """Publish every file or none: build/ holds either all the new files or all the old ones.

    Every file is first written in full to a hidden sibling; then each target is replaced in
    turn, its previous version kept aside; if one replacement fails, those already made are
    undone and the previous versions put back. What a killed run left in these folders is
    removed first.
    """
    for folder in {path.parent for path in outputs}:
        discard_stale(folder, STARTED, recursive=False)
    # A file that already holds these bytes is left as it is (its date too).
    outputs = {path: data for path, data in outputs.items() if not _holds(path, data)}
    staged: dict[Path, str] = {}
    try:
        for path, data in outputs.items():
            staged[path] = _stage(path, data)
        _publish(staged)
    finally:
        for tmp in staged.values():
            _remove(tmp)


def _holds(path: Path, data: bytes) -> bool:
    """Whether path is a file with exactly these bytes."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _stage(path: Path, data: bytes) -> str:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise _failure(path, e) from e
    try:
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; deliverables are for sharing
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        _remove(tmp)
        raise _failure(path, e) from e
    except BaseException:  # Ctrl-C while writing: nothing half-written is left behind
        _remove(tmp)
        raise
    return tmp


def _publish(staged: dict[Path, str]) -> None:
    """Replace each target by its staged file; on any failure, put every target back."""
    done: list[tuple[Path, str | None]] = []  # (target, where its previous version is kept)
    try:
        for path, tmp in staged.items():
            backup = _keep_previous(path)
            done.append((path, backup))
            try:
                os.replace(tmp, path)
            except OSError as e:
                raise _failure(path, e) from e
    except BaseException:
        # Also on Ctrl-C: a half-published set is worse than an interrupted build.
        unrestored = _roll_back(done)
        if unrestored:
            names = ", ".join(str(p) for p in unrestored)
            raise ToolError(
                f"publication interrompue et fichiers précédents non restaurés : {names} ; "
                "relancez la production"
            ) from None
        raise
    for _, backup in done:
        if backup is not None:
            _remove(backup)  # a backup left behind is removed by the next build


def _keep_previous(path: Path) -> str | None:
    """A hidden hard link to the current file (a rename where links are not supported)."""
    if not os.path.lexists(path):
        return None
    backup = str(path.with_name(f".{path.name}.{secrets.token_hex(6)}.old.tmp"))
    try:
        os.link(path, backup)
    except OSError:
        try:
            os.replace(path, backup)
        except OSError as e:
            raise _failure(path, e) from e
    return backup


def _roll_back(done: list[tuple[Path, str | None]]) -> list[Path]:
    """Put back the previous version of every target already replaced; what could not be."""
    unrestored = []
    for path, backup in reversed(done):
        try:
            if backup is None:
                if os.path.lexists(path):
                    os.unlink(path)
            else:
                os.replace(backup, path)
                if os.path.lexists(backup):  # a link to the file still in place
                    os.unlink(backup)
        except OSError:
            unrestored.append(path)
    return unrestored


def discard_stale(folder: Path, before: float | None = None, recursive: bool = True) -> None:
    """Remove the temporary files a killed run left in folder and below, older than before
    (by default now): the files of a run still writing are newer than the current one."""
    before = time.time() if before is None else before
    if not folder.is_dir():
        return
    for path in folder.rglob(TEMPORARY) if recursive else folder.glob(TEMPORARY):
        try:
            if path.is_file() and path.stat().st_mtime < before:
                path.unlink()
        except OSError:
            continue  # removed meanwhile, or not ours to remove: it does no harm


def _failure(path: Path, error: OSError) -> ToolError:
    """Why a deliverable could not be written; a folder of its path that is a file, named."""
    blocking = next((p for p in path.parents if p.is_file() or p.is_symlink()), None)
    if blocking is not None and not blocking.is_dir():
        return ToolError(
            f"écriture impossible de {path} : {blocking} est un fichier, là où un dossier est "
            "attendu ; renommez-le ou supprimez-le"
        )
    return ToolError(f"écriture impossible de {path} : {os_reason(error)}")


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def reproducible_zip(data: bytes, date_time: tuple = ZIP_EPOCH) -> bytes:
    """The same archive with every entry dated date_time, so equal content gives equal bytes."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
