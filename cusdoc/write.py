"""The only code that writes files: atomic replacement and reproducible zip archives."""

import os
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

from cusdoc.errors import ToolError

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


def write_atomically(outputs: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first, then move all into place.

    A failure before the moves leaves every previous file untouched.
    """
    staged: list[tuple[str, Path]] = []
    try:
        _stage_and_replace(outputs, staged)
    except OSError as e:
        raise ToolError(f"écriture impossible de {e.filename or 'build/'} : {e.strerror}") from e
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _stage_and_replace(outputs: dict[Path, bytes], staged: list[tuple[str, Path]]) -> None:
    for path, data in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        staged.append((tmp, path))
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; deliverables are for sharing
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    for tmp, path in staged:
        os.replace(tmp, path)


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
