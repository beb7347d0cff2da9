"""The PDF deliverable, read back with pypdf."""

import re

import docx
import pypdfium2
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from tests.conftest import leftovers


@pytest.fixture(scope="module")
def pdf(example_build):
    return PdfReader(example_build / "convention.pdf")


@pytest.fixture(scope="module")
def pages(pdf):
    return [page.extract_text() for page in pdf.pages]


def test_metadata_keep_the_apostrophes_of_the_text(pdf):
    assert pdf.metadata.title == "Convention d’utilité sociale 2025-2030 — Habitat Loire et Sologne"
    assert pdf.metadata.author == "Habitat Loire et Sologne"


def test_headings_are_printed_whole_never_hyphenated(example_build):
    """Every heading of the DOCX is in the PDF as typed: a hyphenated one (« loge- ments »)
    would not be found. The DOCX's heading styles forbid hyphenation too."""
    document = docx.Document(example_build / "convention.docx")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert len(headings) > 100
    pdf = pypdfium2.PdfDocument(example_build / "convention.pdf")
    text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in pdf)
    assert [h for h in headings if " ".join(h.split()) not in text] == []
    for level in (1, 2, 3, 4):
        properties = document.styles[f"Heading {level}"].element.pPr
        assert properties.find(qn("w:suppressAutoHyphens")) is not None, level


def test_title_page(pages):
    text = " ".join(pages[0].split())
    assert "Habitat Loire et Sologne" in text
    assert "Convention d’utilité sociale" in text
    assert "Engagements 2025-2030" in text
    assert re.search(r"Version signée du 1 ?er janvier 2026", text)
    assert "Page" not in text  # no footer on the title page


def test_the_commit_is_in_the_keywords_never_in_the_text(pdf, pages, example_commit):
    _, commit = example_commit
    assert pdf.metadata["/Keywords"] == f"Version signée, commit {commit}"
    text = "\n".join(pages)
    assert commit[:7] not in text
    assert leftovers(text) == []


def test_table_of_contents_lists_chapters_with_page_numbers(pages):
    toc = pages[1]
    assert "Sommaire" in toc
    entries = re.findall(r"^(\d+(?:\.\d+)?) (.+?)[ .]*(\d+)$", toc, re.M)
    titles = [t for _, t, _ in entries]
    assert any(t.startswith("État des lieux") for t in titles)
    numbers = [int(p) for _, _, p in entries]
    assert numbers == sorted(numbers) and numbers[-1] > 20


def test_every_page_after_the_title_has_page_x_of_y(pages):
    total = len(pages)
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} sur {total}" in text


def test_french_characters_are_rendered(pages):
    text = "\n".join(pages)
    for expected in ("État", "é", "è", "à", "ç", "œ", "«", "»", "€", "\u202f"):
        assert expected in text, expected


def test_fonts_are_embedded(pdf):
    fonts = {}
    for page in pdf.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            fonts[str(font.get("/BaseFont"))] = descriptor.get_object()
    assert fonts
    assert all("LiberationSans" in name for name in fonts)
    assert all(any(k in d for k in ("/FontFile2", "/FontFile3")) for d in fonts.values())


def test_signature_page_is_last(pages):
    last = pages[-1]
    assert "Signatures" in last
    assert "Pour l’État," in last


def test_a_list_in_a_table_cell_stays_one_list_item_in_typst():
    """pandoc wraps a list item in a cell with too small an indent for Typst: it must not wrap."""
    from cusdoc import TEMPLATES as DEFAULT_TEMPLATES
    from cusdoc.export import ast
    from cusdoc.export.convert import Templates, to_typst

    item = "une action dont le texte est assez long pour dépasser largement une ligne " * 3
    markdown = f"::: {{.tableau}}\n- - A\n  - B\n- - texte\n  - - {item}\n    - court\n:::\n"
    source = to_typst(ast.read(markdown, 0), Templates(DEFAULT_TEMPLATES))
    line = next(line for line in source.splitlines() if "[- une action" in line)
    assert line.rstrip().endswith(item.strip())
