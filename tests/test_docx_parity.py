"""Word and LibreOffice readers get the same document as the PDF (issue 13).

The example's DOCX read back as OOXML and its PDF as text (pypdfium2, which keeps no-break
spaces): filled table of contents, « Tableau N » captions numbered alike, continuous footnotes,
columns as wide as their longest word, tables kept with caption and source, one typography pass
over everything printed; and, where LibreOffice is installed, the DOCX as it lays it out.
"""

import re
import shutil
import subprocess
import zipfile

import docx
import pypdfium2
import pypdfium2.raw as pdfium
import pytest
from docx.oxml.ns import qn
from lxml import etree

from cusdoc import TEMPLATES
from cusdoc.render import column_widths, layout, text_width
from cusdoc.render.typography import NBSP, NNBSP, typographie_markdown

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CAPTION = re.compile("^Tableau\u00a0(\\d+)\\.\u00a0– (.+)$")
# An ordinary space (or tab) before « : ; ! ? », or inside guillemets.
LOOSE = re.compile(r"[ \t][:;!?]|«[ \t]|[ \t]»")


@pytest.fixture(scope="module")
def document(example_build):
    return docx.Document(example_build / "convention.docx")


@pytest.fixture(scope="module")
def body(document):
    return document.element.body


def _pdf_pages(path) -> list[str]:
    """Each page's text as drawn: the spaces pdfium makes up from gaps (after a stretched
    no-break space in justified text, at line ends) are left out, the ones in the PDF kept."""
    pdf = pypdfium2.PdfDocument(path)
    pages = []
    for page in pdf:
        textpage = page.get_textpage()
        chars = [
            chr(pdfium.FPDFText_GetUnicode(textpage, i))
            if not pdfium.FPDFText_IsGenerated(textpage, i)
            else ("\n" if chr(pdfium.FPDFText_GetUnicode(textpage, i)) in "\r\n" else "")
            for i in range(pdfium.FPDFText_CountChars(textpage))
        ]
        pages.append("".join(chars))
    return pages


@pytest.fixture(scope="module")
def pdf_pages(example_build) -> list[str]:
    return _pdf_pages(example_build / "convention.pdf")


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def _style(paragraph) -> str | None:
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    return None if style is None else style.get(f"{W}val")


def _has(paragraph, name: str) -> bool:
    return paragraph.find(f"{W}pPr/{W}{name}") is not None


# --- Table of contents ----------------------------------------------------------------------


def test_table_of_contents_is_filled_with_links_to_every_heading(document, body):
    sdt = body.find(f"{W}sdt")
    instructions = "".join(i.text for i in sdt.iter(f"{W}instrText"))
    assert instructions.strip().startswith("TOC"), "le champ du sommaire doit rester"
    entries = [p for p in sdt.iter(f"{W}p") if _style(p) in ("TOC1", "TOC2")]
    headings = [
        (_style(p)[-1], _text(p))
        for p in body.iterchildren(f"{W}p")
        if _style(p) in ("Heading1", "Heading2")
    ]
    assert [(_style(p)[-1], _text(p)) for p in entries] == headings
    assert len(headings) > 60
    bookmarks = {b.get(qn("w:name")) for b in body.iter(f"{W}bookmarkStart")}
    for entry in entries:
        link = entry.find(f"{W}hyperlink")
        assert link is not None and link.get(qn("w:anchor")) in bookmarks, _text(entry)
    # the field is complete: begin … separate … end around the entries, and not dirty
    kinds = [f.get(qn("w:fldCharType")) for f in sdt.iter(f"{W}fldChar")]
    assert kinds[:2] == ["begin", "separate"] and kinds[-1] == "end"
    assert all(f.get(qn("w:dirty")) is None for f in sdt.iter(f"{W}fldChar"))


def test_word_asks_nothing_on_opening(document):
    assert document.settings.element.find(qn("w:updateFields")) is None


def test_toc_entries_have_their_styles(document):
    names = {s.style_id: s.name for s in document.styles}
    assert names.get("TOC1", "").lower() == "toc 1"
    assert names.get("TOC2", "").lower() == "toc 2"


# --- Captions -------------------------------------------------------------------------------


def _docx_captions(body) -> list[tuple[int, str]]:
    out = []
    for paragraph in body.iter(f"{W}p"):
        if _style(paragraph) == "TableCaption":
            match = CAPTION.match(_text(paragraph))
            assert match, _text(paragraph)
            instructions = [i.text.strip() for i in paragraph.iter(f"{W}instrText")]
            assert instructions == ["SEQ Tableau \\* ARABIC"]
            out.append((int(match[1]), match[2]))
    return out


def test_captions_are_numbered_without_gaps_as_in_the_pdf(body, pdf_pages):
    captions = _docx_captions(body)
    assert [n for n, _ in captions] == list(range(1, len(captions) + 1))
    assert len(captions) > 30
    pdf = [
        (int(m[1]), m[2].strip())
        for page in pdf_pages
        for m in re.finditer("Tableau\u00a0(\\d+)\\.\u00a0– ([^\n]+)", page)
    ]
    assert [n for n, _ in pdf] == [n for n, _ in captions]
    # same table under the same number (a PDF caption may wrap: compare its first line)
    assert all(title.startswith(line) for (_, title), (_, line) in zip(captions, pdf, strict=True))


def test_tables_without_caption_take_no_number(body):
    """The action tables (Aujourd'hui, Objectifs, Moyens et étapes) have no caption."""
    actions = [t for t in body.iter(f"{W}tbl") if _text(t).startswith("Aujourd’hui")]
    assert len(actions) >= 15
    for table in actions:
        before = table.getprevious()
        assert _style(before) != "TableCaption"


# --- Footnotes, hyphenation -----------------------------------------------------------------


def test_footnotes_are_numbered_through_the_document(document, body):
    restart = document.settings.element.find(f"{W}footnotePr/{W}numRestart")
    assert restart is not None and restart.get(qn("w:val")) == "continuous"
    sections = list(body.iter(f"{W}sectPr"))
    assert sections
    for section in sections:
        restart = section.find(f"{W}footnotePr/{W}numRestart")
        assert restart is None or restart.get(qn("w:val")) == "continuous"


def test_table_headers_are_never_hyphenated(document, body):
    assert document.settings.element.find(qn("w:autoHyphenation")) is not None
    headers = [row for row in body.iter(f"{W}tr") if row.find(f"{W}trPr/{W}tblHeader") is not None]
    assert len(headers) > 40
    for row in headers:
        for paragraph in row.iter(f"{W}p"):
            assert _has(paragraph, "suppressAutoHyphens"), _text(row)


# --- Column widths --------------------------------------------------------------------------


def test_font_metrics_are_those_of_liberation_sans():
    """Liberation Sans has Arial's metrics: every digit 0.556 em wide (1139 of 2048 units)."""
    assert text_width("0123456789", size=10) == pytest.approx(10 * 10 * 1139 / 2048)
    assert text_width("mmm", bold=True) > text_width("mmm")


def _cell_margins(document) -> float:
    """Left + right cell margin of the « Table » style, in points."""
    style = document.styles["Table"].element
    margins = style.find(f"{W}tblPr/{W}tblCellMar")
    return sum(int(margins.find(f"{W}{side}").get(qn("w:w"))) for side in ("left", "right")) / 20


def test_every_column_is_as_wide_as_its_longest_word(document, body):
    """No break inside a word of a header or of a code (« 37006-0001 », « Logements »)."""
    margins = _cell_margins(document)
    checked = 0
    for table in body.iter(f"{W}tbl"):
        grid = [int(c.get(qn("w:w"))) / 20 for c in table.find(f"{W}tblGrid")]
        assert sum(grid) == pytest.approx(481.9, abs=0.1)  # 17 cm, the text width
        for r, row in enumerate(table.iter(f"{W}tr")):
            header = row.find(f"{W}trPr/{W}tblHeader") is not None
            for cell, width in zip(row.iter(f"{W}tc"), grid, strict=False):
                words = [w for p in cell.iter(f"{W}p") for w in _text(p).split(" ")]
                needed = max(text_width(w, bold=header) for w in words) + margins
                assert width >= needed, (words, width, needed, r)
                checked += 1
    assert checked > 3000


def test_widths_follow_content_and_take_the_writers_widths_as_a_hint():
    from cusdoc.model import Table

    rows = [["Ensemble", "Nom", "Logements"], ["37006-0001", "Le Domaine du Bourg", "20"]]
    widths = column_widths(rows)
    assert sum(widths) == pytest.approx(481.9)
    assert widths[0] >= text_width("37006-0001") and widths[2] >= text_width("Logements", True)
    assert widths[1] > widths[2]  # the longest content gets the most room
    hinted = column_widths(rows, [1, 3, 1])
    assert hinted[1] > widths[1]
    # the separator line of the pipe table carries the widths to pandoc
    table = Table("Essai", rows[0], rows[1:], None, None)
    dashes = [len(part) for part in layout(table)["separateur"].strip("|").split("|")]
    assert [d / sum(dashes) for d in dashes] == pytest.approx(
        [w / sum(widths) for w in widths], abs=0.005
    )


# --- Keeping tables together ----------------------------------------------------------------


def test_caption_table_and_source_keep_together(document, body):
    assert document.styles["Table Caption"].paragraph_format.keep_with_next
    short = 0
    for table in body.iter(f"{W}tbl"):
        rows = list(table.iter(f"{W}tr"))
        before, after = table.getprevious(), table.getnext()
        if _style(before) != "TableCaption" or len(rows) > 26:
            continue
        short += 1
        sourced = after is not None and _style(after) == "Source"
        kept = rows if sourced else rows[:-1]
        for row in kept:
            assert all(_has(p, "keepNext") for p in row.iter(f"{W}p")), _text(before)
        for row in rows:
            assert row.find(f"{W}trPr/{W}cantSplit") is not None
    assert short > 30


def test_no_caption_alone_at_the_foot_nor_source_alone_at_the_top_of_a_pdf_page(pdf_pages):
    for number, page in enumerate(pdf_pages[1:], start=2):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body_lines = lines[1:-1]  # without the running header and the « Page X sur Y » footer
        assert not body_lines[0].startswith("Source"), f"page {number}: {body_lines[0]}"
        captions = [i for i, line in enumerate(body_lines) if CAPTION.match(line)]
        for i in captions:
            assert i < len(body_lines) - 2, f"page {number}: {body_lines[i]} en bas de page"


# --- One typography pass --------------------------------------------------------------------


def test_no_ordinary_space_before_high_punctuation_in_the_docx(example_build):
    with zipfile.ZipFile(example_build / "convention.docx") as archive:
        parts = [n for n in archive.namelist() if n.endswith(".xml")]
        found = []
        for name in parts:
            tree = etree.fromstring(archive.read(name))
            paragraphs = list(tree.iter(f"{W}p")) or [tree]
            for paragraph in paragraphs:
                text = (
                    _text(paragraph)
                    if paragraph.tag == f"{W}p"
                    else " ".join(e.text or "" for e in paragraph.iter() if isinstance(e.tag, str))
                )
                found += [
                    f"{name}: {text[max(0, m.start() - 30) : m.end()]}"
                    for m in LOOSE.finditer(text)
                ]
    assert found == []
    assert any(name.startswith("word/header") for name in parts)


def test_no_ordinary_space_before_high_punctuation_in_the_pdf(pdf_pages):
    text = "\n".join(pdf_pages)
    assert "Pilote\u00a0:" in text and "Vu\u00a0:" in text  # the templates' own words
    found = [text[max(0, m.start() - 30) : m.end()] for m in LOOSE.finditer(text)]
    assert found == []


def test_the_typography_pass_leaves_pandoc_syntax_alone():
    markdown = "\n".join(
        [
            "---",
            'title: "Vu : l\'État"',
            "toc-title: Sommaire",
            "---",
            "",
            "Pilote : « Agglopolys » ; voir [ici](#a:b) !",
            "",
            "| Code | Part : total |",
            "|:-----|------------:|",
            "| 12 | 3 % |",
            "",
            ": Légende : test",
            "",
            "```",
            "a : b",
            "```",
            "",
            "::: {.source}",
            "Source : Insee",
            ":::",
        ]
    )
    out = typographie_markdown(markdown).split("\n")
    assert out[1] == f'title: "Vu{NBSP}: l’État"' and out[2] == "toc-title: Sommaire"
    assert out[5] == f"Pilote{NBSP}: «{NBSP}Agglopolys{NBSP}»{NNBSP}; voir [ici](#a:b){NNBSP}!"
    assert out[7] == f"| Code | Part{NBSP}: total |" and out[8] == "|:-----|------------:|"
    assert out[9] == f"| 12 | 3{NBSP}% |"
    assert out[11] == f": Légende{NBSP}: test"  # a caption line keeps its leading colon
    assert out[14] == "a : b"  # code
    assert out[17:] == ["::: {.source}", f"Source{NBSP}: Insee", ":::"]
    assert typographie_markdown("\n".join(out)) == "\n".join(out)


# --- The DOCX as LibreOffice lays it out ----------------------------------------------------


@pytest.mark.slow
def test_libreoffice_lays_out_the_docx_like_the_pdf(example_build, pdf_pages, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice (soffice) n’est pas installé : la mise en page du DOCX par LibreOffice "
            "n’est pas vérifiée"
        )
    # The DOCX asks for Arial: LibreOffice is given Liberation Sans, its metric twin, as a
    # reviewer's machine has it (fonts-liberation), whatever this machine has.
    fonts = tmp_path / "fonts.conf"
    fonts.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{TEMPLATES / 'fonts'}</dir><cachedir>{tmp_path / 'cache'}</cachedir>"
        "</fontconfig>",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profil'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(example_build / "convention.docx"),
        ],
        env={"FONTCONFIG_FILE": str(fonts), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=180,
        check=False,
    )
    laid_out = tmp_path / "convention.pdf"
    assert laid_out.exists(), result.stderr.decode(errors="replace")
    # LibreOffice draws no space glyphs: its text is read with the spaces pdfium infers
    pages = [page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(laid_out)]
    assert abs(len(pages) - len(pdf_pages)) <= 0.1 * len(pdf_pages), (len(pages), len(pdf_pages))
    sommaire = next(p for p in pages if "Sommaire" in p)
    assert "Préambule" in sommaire and "1 Objet, durée et périmètre de la convention" in sommaire
    numbers = [int(n) for page in pages for n in re.findall("Tableau\\s(\\d+)\\.", page)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 30
