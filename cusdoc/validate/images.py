"""Validate the pictures a text shows: files of content/images/, of a known kind and size, that
refer to nothing outside themselves.

An image is the one thing of the content that pandoc and Typst read from the disk: the name is
a plain file name in content/images/ (no folder, no link leading elsewhere), the bytes are those
of a PNG, a JPEG or an SVG, and an SVG carries no script, no entity and no reference to another
file or address (an SVG may name any file of the machine in an `href`).
"""

import re
from pathlib import Path

from cusdoc.errors import Problem
from cusdoc.load.content import Content
from cusdoc.model import IMAGES

MAX_IMAGE_BYTES = 5_000_000
MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}
SVG_REFUSED = re.compile(
    r"<!DOCTYPE|<!ENTITY|<script|<foreignObject|\bon[a-z]+\s*="
    r"|(?:xlink:)?href\s*=\s*[\"'](?!#|data:image/(?:png|jpeg);base64,)",
    re.IGNORECASE,
)


def image_problem(folder: Path, name: str) -> str | None:
    """What is wrong with the picture content/images/<name>, or None."""
    path = folder / name
    if not path.is_file():
        return f"image introuvable : placez le fichier « {name} » dans {IMAGES}/"
    if path.is_symlink() or path.resolve().parent != folder.resolve():
        return f"« {name} » est un lien : placez le fichier lui-même dans {IMAGES}/"
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        return (
            f"image trop lourde ({size / 1e6:.1f} Mo) : {MAX_IMAGE_BYTES // 1_000_000} Mo au "
            "plus ; réduisez sa taille ou sa résolution"
        ).replace(".", ",", 1)
    head = path.read_bytes()[:MAX_IMAGE_BYTES]
    suffix = path.suffix.lower()
    if suffix == ".svg":
        text = head.decode("utf-8", errors="replace")
        if "<svg" not in text:
            return f"« {name} » n'est pas une image SVG"
        if match := SVG_REFUSED.search(text):
            return (
                f"image SVG refusée : « {match[0].strip()} » (script, entité ou référence à un "
                "autre fichier) ; exportez-la de nouveau sans lien externe, ou en PNG"
            )
        return None
    if not head.startswith(MAGIC[suffix]):
        kind = "PNG" if suffix == ".png" else "JPEG"
        return f"« {name} » n'est pas une image {kind} (son contenu ne correspond pas à son nom)"
    return None


def check_images(content: Content) -> list[Problem]:
    """Every `image` block of the chapters, checked against its file."""
    folder = content.root / IMAGES
    problems = []
    for source in content.sources.values():
        for path, value in _images(source.data):
            name = value.get("fichier") if isinstance(value, dict) else None
            if isinstance(name, str) and (message := image_problem(folder, name)):
                problems.append(source.problem((*path, "fichier"), message))
    return problems


def _images(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "image":
                yield (*path, key), value
            else:
                yield from _images(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _images(value, (*path, index))
