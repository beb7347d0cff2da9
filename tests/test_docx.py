"""The DOCX deliverable, read back with python-docx and as OOXML."""

import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from tests.conftest import docx_printed_text, leftovers

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def document(example_build):
    return docx.Document(example_build / "convention.docx")


def _instructions(element) -> list[str]:
    return [node.text.strip() for node in element.iter(qn("w:instrText"))]


def test_title_page(document):
    first = [p.text for p in document.paragraphs[:4]]
    assert first == [
        "Habitat Loire et Sologne",
        "Office public de l’habitat",
        "Convention d’utilité sociale",
        "Engagements 2025-2030",
    ]
    assert document.paragraphs[2].style.name == "Title"
    version = document.paragraphs[5]  # under the closing rule, as in the PDF
    assert (version.text, version.style.name) == ("Version signée du 1er janvier 2026", "Date")


def test_headings_are_numbered_in_order(document):
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "Préambule"
    assert headings[1] == "1 Objet, durée et périmètre de la convention"
    assert headings[2] == "2 État des lieux"
    assert headings[3] == "3 Orientations stratégiques et programme d’actions"
    assert headings[-1] == "Signatures"
    level2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert level2[:3] == ["1.1 Objet", "1.2 Durée", "1.3 Périmètre"]


def test_table_of_contents_is_a_field_that_word_updates(document):
    body = document.element.body
    toc = body.find(qn("w:sdt"))
    assert toc is not None
    assert any(i.startswith("TOC") for i in _instructions(toc))
    # Written at build time: Word has nothing to ask when the file is opened.
    assert document.settings.element.find(qn("w:updateFields")) is None


def test_header_and_footer_fields(document):
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert section.header.paragraphs[0].text == (
        "Habitat Loire et Sologne\tConvention d’utilité sociale 2025-2030"
    )
    footer = section.footer.paragraphs[0]
    assert _instructions(footer._p) == ["PAGE", "NUMPAGES"]
    assert footer.text == "Page 1 sur 1"  # field results, computed again by Word or LibreOffice


def test_page_is_a4_with_2cm_margins(document):
    section = document.sections[0]
    assert (section.page_width.cm, section.page_height.cm) == pytest.approx((21, 29.7), abs=0.01)
    assert section.left_margin.cm == pytest.approx(2, abs=0.01)


def test_tables_are_styled_full_width_with_repeated_header_and_unsplit_rows(document):
    tables = [t for t in document.tables if t.style.name == "Table"]
    assert len(tables) >= 10
    for table in tables:
        rows = table._tbl.tr_lst
        assert rows[0].trPr.find(qn("w:tblHeader")) is not None
        assert all(r.trPr.find(qn("w:cantSplit")) is not None for r in rows)
        width = table._tbl.tblPr.find(qn("w:tblW"))
        assert (width.get(qn("w:type")), width.get(qn("w:w"))) == ("dxa", "9638")
        assert table.rows[1].cells[0].paragraphs[0].style.name == "Table Text"


def test_territory_table_reads_names_from_the_official_geography(document):
    table = next(t for t in document.tables if t.cell(0, 0).text == "Territoire")
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Territoire", "Nature", "Code", "Département", "Statut"]
    assert ["Indre-et-Loire", "département", "37", "Indre-et-Loire", "signataire"] in rows
    assert [
        "Communauté d’agglomération de Blois «\u00a0Agglopolys\u00a0»",
        "EPCI",
        "200030385",
        "Loir-et-Cher",
        "associée",  # a communauté
    ] in rows
    assert ["Loir-et-Cher", "département", "41", "Loir-et-Cher", "associé"] in rows


def test_action_tables_have_the_three_columns_of_a_programme(document):
    tables = [t for t in document.tables if t.cell(0, 0).text == "Aujourd’hui"]
    assert len(tables) >= 15
    header = [c.text for c in tables[0].rows[0].cells]
    assert header == ["Aujourd’hui", "Objectifs", "Moyens et étapes"]


def test_signature_page_has_one_block_per_signatory(document):
    table = next(t for t in document.tables if t.style.name == "Signatures")
    blocks = [c.text for row in table.rows for c in row.cells]
    assert blocks[0].startswith("Pour l’État,")
    assert "Pour le Département d’Indre-et-Loire," in blocks[2]
    assert len([b for b in blocks if b.startswith("Pour ")]) == 4


def test_signature_rows_are_kept_apart(document):
    """Two empty paragraphs end each block: a name does not run into the next block's title."""
    table = next(t for t in document.tables if t.style.name == "Signatures")
    last = [p.text for p in table.rows[0].cells[0].paragraphs][-3:]
    assert last[0] and last[1:] == ["", ""]


def test_footnotes_are_set_small_as_in_the_pdf(document):
    footnote = document.styles["Footnote Text"]
    assert footnote.font.size.pt == 8.5
    assert footnote.paragraph_format.space_after.pt == 1.5


def test_word_lays_it_out_in_its_own_mode_with_french_separators(document):
    settings = document.settings.element
    mode = settings.find(f"{W}compat/{W}compatSetting")
    assert (mode.get(qn("w:name")), mode.get(qn("w:val"))) == ("compatibilityMode", "15")
    assert settings.find(f"{W}decimalSymbol").get(qn("w:val")) == ","
    assert settings.find(f"{W}listSeparator").get(qn("w:val")) == ";"
    # the sequence of CT_Settings: footnote properties, then compat, then rsids
    tags = [child.tag for child in settings]
    assert tags.index(f"{W}footnotePr") < tags.index(f"{W}compat") < tags.index(f"{W}rsids")


def test_document_language_and_properties(document):
    styles = document.styles.element
    lang = styles.find(qn("w:docDefaults")).find(f".//{W}lang")
    assert lang.get(qn("w:val")) == "fr-FR"
    core = document.core_properties
    assert core.language == "fr-FR"
    assert core.title == "Convention d’utilité sociale 2025-2030"
    assert core.subject == "Convention d’utilité sociale d’Habitat Loire et Sologne"
    assert core.created.year == 2026  # SOURCE_DATE_EPOCH of the test build


def test_the_commit_is_in_the_properties_never_in_the_text(example_build, example_commit, document):
    _, commit = example_commit
    assert document.core_properties.version == f"commit {commit}"
    assert document.core_properties.content_status == "Version signée"
    text = docx_printed_text(example_build / "convention.docx")
    assert commit[:7] not in text
    assert leftovers(text) == []


def test_footnotes_and_cross_references_survive(example_build, document):
    with zipfile.ZipFile(example_build / "convention.docx") as archive:
        notes = archive.read("word/footnotes.xml").decode()
        body = archive.read("word/document.xml").decode()
    assert notes.count("<w:footnote ") > 5
    assert 'w:anchor="edl-patrimoine"' in body or 'w:anchor="or-offre"' in body


def test_zip_entries_carry_the_source_date(example_build):
    with zipfile.ZipFile(example_build / "convention.docx") as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}
