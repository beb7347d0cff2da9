"""Pictures in the text (issue 9): files of content/images/ only, checked, then embedded."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import docx as python_docx
import pypdfium2
import pytest
from click.testing import CliRunner

from cusdoc.cli import main
from cusdoc.pipeline import build
from tests.conftest import EPOCH

PARAGRAPH = "      - Le texte du chapitre.\n"  # content/gestion_sociale.yml, line 5


def png(width: int = 6, height: int = 4) -> bytes:
    """A small red PNG, written by hand so that the test needs no imaging library."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def with_image(root: Path, name: str, data: bytes | None, block: str | None = None) -> None:
    if data is not None:
        (root / "content" / "images").mkdir(exist_ok=True)
        (root / "content" / "images" / name).write_bytes(data)
    path = root / "content" / "gestion_sociale.yml"
    block = block or (
        f"      - image:\n          fichier: {name}\n          legende: Plan de situation\n"
        "          source: Service du patrimoine\n          largeur: 0.5\n"
    )
    path.write_text(path.read_text(encoding="utf-8").replace(PARAGRAPH, block), encoding="utf-8")


def check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(root), "check"], catch_exceptions=False)
    return result.exit_code, result.stderr


def test_a_picture_is_embedded_in_the_docx_and_the_pdf(minimal, monkeypatch):
    image = png(1200, 800)  # wider than the page: each format sets its width
    with_image(minimal, "plan.png", image)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build(minimal, ("docx", "pdf"))
    with zipfile.ZipFile(minimal / "build" / "convention.docx") as docx:
        media = [n for n in docx.namelist() if n.startswith("word/media/")]
        assert [docx.read(n) for n in media] == [image]
        assert "Plan de situation" in docx.read("word/document.xml").decode()
    pdf = pypdfium2.PdfDocument(minimal / "build" / "convention.pdf")
    # each picture's width in points: its matrix scales the unit square (read while its page
    # is open)
    images = [
        obj.get_matrix().get()[0]
        for page in pdf
        for obj in page.get_objects()
        if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE
    ]
    assert len(images) == 1
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    assert "Plan de situation" in text and "Service du patrimoine" in text
    # « largeur: 0.5 »: half of the 17 cm of text in both (a no-break space the typography
    # put before the % of {width=50%} made pandoc's DOCX ignore it)
    assert images[0] / 72 * 2.54 == pytest.approx(8.5, abs=0.05)
    shape = python_docx.Document(minimal / "build" / "convention.docx").inline_shapes[0]
    assert shape.width.cm == pytest.approx(8.5, abs=0.05)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "absent.png",
            None,
            "image introuvable : placez le fichier « absent.png » dans content/images/",
        ),
        (
            "faux.png",
            b"<html>pas une image</html>",
            "« faux.png » n'est pas une image PNG (son contenu ne correspond pas à son nom)",
        ),
        (
            "lien.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/hostname"/></svg>',
            'image SVG refusée : « href=" » (script, entité ou référence à un autre fichier) ; '
            "exportez-la de nouveau sans lien externe, ou en PNG",
        ),
        (
            "script.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image SVG refusée : « <script » (script, entité ou référence à un autre fichier) ; "
            "exportez-la de nouveau sans lien externe, ou en PNG",
        ),
    ],
)
def test_a_picture_that_is_not_what_it_says_is_refused(minimal, name, data, message):
    with_image(minimal, name, data)
    assert check(minimal) == (
        1,
        f"content/gestion_sociale.yml:6:20: sections[0].contenu[0].image.fichier : {message}\n"
        "1 problème à corriger dans le contenu.\n",
    )


def test_a_picture_outside_content_images_cannot_be_named(minimal):
    block = "      - image:\n          fichier: ../../etc/hostname.png\n          legende: Fuite\n"
    with_image(minimal, "x.png", None, block)
    status, stderr = check(minimal)
    assert status == 1
    assert stderr.startswith(
        "content/gestion_sociale.yml:6:20: sections[0].contenu[0].image.fichier : "
    )


def test_a_link_to_a_file_elsewhere_is_refused(minimal, tmp_path):
    outside = tmp_path / "ailleurs.png"
    outside.write_bytes(png())
    (minimal / "content" / "images").mkdir()
    (minimal / "content" / "images" / "lien.png").symlink_to(outside)
    with_image(minimal, "lien.png", None)
    status, stderr = check(minimal)
    assert status == 1
    assert "« lien.png » est un lien : placez le fichier lui-même dans content/images/" in stderr


@pytest.mark.slow
def test_the_pictures_are_part_of_the_cache_key(minimal, monkeypatch):
    with_image(minimal, "plan.png", png(6, 4))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build(minimal, ("docx",))
    first = (minimal / "build" / "convention.docx").read_bytes()
    (minimal / "content" / "images" / "plan.png").write_bytes(png(8, 8))
    build(minimal, ("docx",))
    second = (minimal / "build" / "convention.docx").read_bytes()
    assert first != second
    with zipfile.ZipFile(io.BytesIO(second)) as docx:
        assert png(8, 8) in [docx.read(n) for n in docx.namelist() if n.startswith("word/media/")]


def test_a_long_unbreakable_string_stays_on_the_page(minimal, monkeypatch):
    """A long address in a paragraph and in a table cell is broken, never drawn off the page."""
    long = "https://www.exemple.fr/" + "dossier-sans-espace/" * 8 + "fin"
    block = (
        f"      - Voir {long} pour le détail.\n"
        "      - tableau:\n"
        "          titre: Adresses\n"
        "          colonnes: [Nom, Adresse]\n"
        "          lignes:\n"
        f"            - [Dossier, '{long}']\n"
    )
    with_image(minimal, "x.png", None, block)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build(minimal, ("pdf",))
    pdf = pypdfium2.PdfDocument(minimal / "build" / "convention.pdf")
    margin = 2 / 2.54 * 72  # 2 cm, in points
    found = 0
    for page in pdf:
        width = page.get_width()
        textpage = page.get_textpage()
        if "sans-espace" not in textpage.get_text_range().replace("\u200b", ""):
            continue
        found += 1
        text = textpage.get_text_range()
        drawn = [i for i in range(textpage.count_chars()) if text[i] != "\u200b"]
        assert max(textpage.get_charbox(i)[2] for i in drawn) <= width - margin + 1
        # in the table, the first column holds its word: the address starts after it
        name = text.index("Dossier", text.index("Adresse"))
        address = text.index("https", name)
        assert textpage.get_charbox(name + 6)[2] < textpage.get_charbox(address)[0]
    assert found
