"""cusdoc: the convention d'utilité sociale of a French social-housing organisation, as code."""

import hashlib
from functools import cache
from pathlib import Path

__version__ = "0.2.0"

PACKAGE = Path(__file__).resolve().parent
DATA = PACKAGE / "data"  # official geography, indicator catalogue, column names
TEMPLATES = PACKAGE / "templates"  # Jinja, pandoc filter, Word reference, Typst, fonts
SKELETON = PACKAGE / "skeleton"  # what `cusdoc init` writes


@cache
def code_digest() -> str:
    """The digest of every file of the installed package: caches made by other code are stale.

    A version number would miss the changes made between two releases; 12 ms on 3 Mo.
    """
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
