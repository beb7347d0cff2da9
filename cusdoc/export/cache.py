"""A content-addressed cache of the deliverables: unchanged documents are not made again.

The key is everything a document depends on, read before anything is computed: the content it
can print (`scope_inputs`), the digest of the data files, every file of the templates, cusdoc's
code and the converters' versions, the date stamped, the version on an extract's cover and the
terms its leak check forbids. A hit returns the bytes a clean build would produce, without
computing, rendering or converting anything.
"""

import hashlib
import json
from functools import cache
from importlib.metadata import version
from pathlib import Path

from cusdoc import code_digest

TOOLS = ("pypandoc-binary", "typst", "python-docx", "xlsxwriter", "jinja2", "babel")


@cache
def tools() -> str:
    """The versions of the converters and cusdoc's own code."""
    return " ".join(f"{name}={version(name)}" for name in TOOLS) + f" cusdoc={code_digest()}"


def files_digest(folder: Path) -> str:
    """The digest of every file under folder, names included."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


folder_digest = cache(files_digest)  # templates: read once per process


def templates_digest(templates) -> str:
    """The templates and the project's pictures: what a document is made with besides text."""
    # The project's pictures are read each time: a writer replaces them between two builds.
    images = files_digest(templates.images) if templates.images else "sans images"
    return folder_digest(templates.root) + images


def key(*parts: str) -> str:
    digest = hashlib.sha256(tools().encode())
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8"))
    return digest.hexdigest()[:32]


class Cache:
    """Deliverables stored under build/.cache/<group>/<key>.<format>."""

    def __init__(self, root: Path, group: str):
        self.folder = root / "build" / ".cache" / group
        self.used: set[Path] = set()

    def get(self, key_: str, fmt: str) -> bytes | None:
        path = self.folder / f"{key_}.{fmt}"
        self.used.add(path)
        try:
            return path.read_bytes()
        except OSError:
            return None

    def empty(self) -> bool:
        """Nothing stored yet: every document asked for is to make."""
        stored = self.folder.iterdir() if self.folder.is_dir() else ()
        return not any(not path.name.startswith(".") for path in stored)

    def outputs(self, key_: str, files: dict[str, bytes]) -> dict[Path, bytes]:
        """What to write for the files just made: the write stage stores them with the rest."""
        paths = {self.folder / f"{key_}.{fmt}": data for fmt, data in files.items()}
        self.used.update(paths)
        return paths

    def prune(self) -> None:
        """Forget the entries this run did not use (a full run knows every live one)."""
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path not in self.used and not path.name.startswith("."):
                    path.unlink(missing_ok=True)


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def scope_inputs(content, partenaire) -> str:
    """Everything of the content a document of this scope can print, as stable text.

    A partner's extract keeps only its chapters, filtered to its territories; the convention
    file and the commitments (from which its lines are chosen) count whole.
    """
    from cusdoc.assemble.scope import filter_chapter
    from cusdoc.model import CHAPITRES_EXTRAIT

    # Two partners may keep the same text. The rest of a partner is drawn from the convention
    # file (counted whole) and the geography (part of cusdoc's code): not its frozensets, whose
    # order changes from one process to the next.
    parts = {"portée": partenaire and [partenaire.code, partenaire.nature]}
    for name, source in content.sources.items():
        if partenaire is None or name in ("convention", "engagements"):
            parts[name] = source.data
        elif name in CHAPITRES_EXTRAIT:
            parts[name] = filter_chapter(source.data, partenaire)
    return _json(parts)
