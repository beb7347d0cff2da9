"""build/indicateurs.xlsx read back with openpyxl: number formats, French labels, filters."""

import io
import zipfile

import openpyxl
import pytest

from cusdoc.export.xlsx import HEADER_ROW, NPL_SHEET, to_xlsx
from cusdoc.pipeline import prepare
from tests.conftest import EPOCH, REPO


@pytest.fixture(scope="module")
def convention():
    (convention,) = prepare(REPO)
    return convention


@pytest.fixture(scope="module")
def data(convention) -> bytes:
    return to_xlsx(convention, int(EPOCH))


@pytest.fixture(scope="module")
def workbook(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(sheet):
    """The data rows of an indicator's sheet: column header → cell."""
    headers = [c.value for c in sheet[HEADER_ROW]]
    return [dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]


def _indicators(workbook):
    return [s for s in workbook.worksheets if s.title not in ("Convention", NPL_SHEET)]


def test_numbers_have_the_format_of_their_unit(workbook):
    seen = set()
    for sheet in _indicators(workbook):
        for row in _rows(sheet):
            unite = row["Unité"].value
            numbers = [
                c for h, c in row.items() if h[0].isdigit() or h.startswith(("Réf", "Cumul"))
            ]
            for cell in numbers:
                if cell.value is None:
                    continue
                seen.add(unite)
                if unite == "Pourcentage":
                    # a fraction shown in per cent, one decimal: 0.214 → « 21,4 % »
                    assert cell.number_format == '0.0"\u00a0"%'
                    assert 0 <= cell.value <= 1
                elif unite == "Euros":
                    assert cell.number_format == '#,##0"\u00a0€"'
                else:
                    assert unite == "Nombre"
                    assert cell.number_format in ("#,##0", "#,##0.0##")
    assert seen == {"Nombre", "Pourcentage", "Euros"}


def test_percentages_are_the_documents_divided_by_a_hundred(workbook, convention):
    ligne = next(x for x in convention.engagements if x.indicateur.unite == "pourcent")
    year = convention.periode[0]
    sheet = workbook[ligne.indicateur.id]
    row = next(
        r
        for r in _rows(sheet)
        if r["Code du territoire"].value == ligne.territoire and r["Ventilation"].value == "Total"
    )
    assert row[str(year)].value == pytest.approx(ligne.valeurs["total"][year] / 100)


def test_labels_are_french(workbook):
    niveaux, unites, ventilations = set(), set(), set()
    for sheet in _indicators(workbook):
        for row in _rows(sheet):
            niveaux.add(row["Niveau"].value)
            unites.add(row["Unité"].value)
            ventilations.add(row["Ventilation"].value)
    assert niveaux <= {"Organisme", "Région", "Département", "EPCI"} and "EPCI" in niveaux
    assert unites == {"Nombre", "Pourcentage", "Euros"}
    assert "Total" in ventilations and "total" not in ventilations
    raw = {"departement", "pourcent", "nombre", "euros", "organisme", "epci"}
    values = {
        str(c.value) for s in workbook.worksheets for row in s.iter_rows() for c in row if c.value
    }
    assert not values & raw


def test_headers_are_filtered_frozen_and_columns_sized(workbook):
    for sheet in _indicators(workbook):
        last = sheet.max_column
        assert (
            sheet.auto_filter.ref
            == f"A{HEADER_ROW}:{sheet.cell(1, last).column_letter}{sheet.max_row}"
        )
        assert sheet.freeze_panes == f"E{HEADER_ROW + 1}"
        assert all(c.font.bold for c in sheet[HEADER_ROW])
        widths = _widths(sheet)
        for column in range(1, last + 1):
            longest = max(
                len(str(sheet.cell(r, column).value or ""))
                for r in range(HEADER_ROW + 1, sheet.max_row + 1)
            )
            assert widths[column] >= min(longest, 58), (sheet.title, column)


def _widths(sheet) -> dict[int, float]:
    """Each column's width as the file sets it: a <col> element may size a run of columns."""
    return {
        column: dimension.width
        for dimension in sheet.column_dimensions.values()
        if dimension.customWidth
        for column in range(dimension.min, dimension.max + 1)
    }


def test_the_workbook_is_byte_reproducible(convention, data):
    assert to_xlsx(convention, int(EPOCH)) == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}


def test_text_that_looks_like_a_formula_or_a_link_stays_text(convention):
    """A name typed with « = » first, or a bare address, is text in the workbook: a spreadsheet
    never computes nor follows what a writer typed."""
    from dataclasses import replace

    typed = {**convention.organisme, "raison_sociale": '=HYPERLINK("https://exemple.fr";"x")'}
    workbook = openpyxl.load_workbook(
        io.BytesIO(to_xlsx(replace(convention, organisme=typed), int(EPOCH)))
    )
    name = workbook["Convention"]["B1"]
    assert name.data_type == "s"
    assert name.value.startswith("=HYPERLINK(")
    assert name.hyperlink is None
