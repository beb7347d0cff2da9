"""The indicators as a workbook for the administration: build/indicateurs.xlsx.

Numbers are stored as numbers, formatted in the workbook: a percentage as a fraction shown in
per cent (0,214 shown « 21,4 % »), counts with thousands grouped, amounts in euros. Format codes
are written in the file's own (English) syntax, which French Excel and LibreOffice display in
theirs: `#,##0` reads « # ##0 » there.

Written with XlsxWriter, made to write workbooks only (openpyxl, which reads them too, took
four times longer to import, NumPy with it). Text is always written as text: a name or a
source that starts with « = » or looks like a link stays what it is, never a formula.
"""

import datetime
from io import BytesIO

from cusdoc.export.tidy import realised, shown, span_label
from cusdoc.model import (
    TOTAL,
    Convention,
    Ligne,
    Quantity,
    Table,
    cumulative,
    cumulative_periods,
    realise_sources,
    realise_years,
)
from cusdoc.render.typography import typographie
from cusdoc.write import reproducible_zip

NIVEAUX = {
    "organisme": "Organisme",
    "region": "Région",
    "departement": "Département",
    "epci": "EPCI",
}
UNITES = {"nombre": "Nombre", "pourcent": "Pourcentage", "euros": "Euros"}
NPL_SHEET = "NPL"
# Literal characters other than a plain space are quoted, as Excel wants them.
FORMATS = {
    "nombre": "#,##0",
    "pourcent": '0.0"\u00a0"%',  # the value is a fraction: 0.214 → 21,4 %
    "euros": '#,##0"\u00a0€"',
    "euros_m2": '#,##0.00"\u00a0€/m²"',
}
DECIMAL_NUMBER = "#,##0.0##"  # a count that is not whole
HEADER_ROW = 3  # title, wording of the indicator, then the column headers
LABEL_COLUMNS = 4  # Niveau, Code du territoire, Territoire, Ventilation
MAX_WIDTH = 60  # characters: longer labels wrap


def ventilation_label(name: str) -> str:
    """As the convention's tables name a breakdown (assemble.engagements.engagement_table)."""
    return "Total" if name == TOTAL else f"dont {name}" if name.startswith("hors") else name


def stored(value, unite: str):
    """A value as the workbook stores it: a percentage as a fraction."""
    if value is None or unite != "pourcent":
        return value
    return round(value / 100, 8)


def number_format(value, unite: str) -> str:
    if unite == "nombre" and isinstance(value, float) and not value.is_integer():
        return DECIMAL_NUMBER
    return FORMATS.get(unite, "General")


def realise_source(ligne: Ligne, ventilation: str) -> str | None:
    """Where a breakdown's réalisé comes from: « 2025 : bilan… ; 2026 et 2027 : calculé… »."""
    text = " ; ".join(realise_sources(ligne, list(ligne.realise.get(ventilation, {}))))
    return typographie(text) if text else None


def displayed_length(value, unite: str) -> int:
    """About how many characters a cell shows, to size its column."""
    if value is None:
        return 0
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value * 100:,.1f} %" if unite == "pourcent" else f"{value:,}"
        return len(text) + (2 if unite == "euros" else 0)
    return len(str(value))


class _Formats:
    """The workbook's cell formats, each made once (XlsxWriter wants one object per look)."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.title = workbook.add_format({"bold": True, "font_size": 12})
        self.bold = workbook.add_format({"bold": True})
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#D9E2F3", "text_wrap": True, "valign": "top"}
        )
        self.left = workbook.add_format({"align": "left"})
        self.numbers: dict[str, object] = {}

    def number(self, code: str):
        if code not in self.numbers:
            self.numbers[code] = self.workbook.add_format({"num_format": code})
        return self.numbers[code]


def _write(sheet, row: int, column: int, value, cell_format=None) -> None:
    """One cell (0-based), as what it is: a number or text; nothing for None."""
    if value is None:
        if cell_format is not None:
            sheet.write_blank(row, column, None, cell_format)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, cell_format)
    else:
        sheet.write_string(row, column, str(value), cell_format)


def _head(sheet, formats: _Formats, title: str, subtitle: str, headers: list[str]) -> None:
    """Title, subtitle, then the header row (HEADER_ROW, 1-based)."""
    sheet.write_string(0, 0, title, formats.title)
    sheet.write_string(1, 0, subtitle)
    for column, header in enumerate(headers):
        sheet.write_string(HEADER_ROW - 1, column, header, formats.header)


def _finish(sheet, widths: list[int], rows: int, frozen_column: int) -> None:
    """Column widths, frozen header and filter over the header and the `rows` rows below it."""
    for column, width in enumerate(widths):
        sheet.set_column(column, column, min(width + 2, MAX_WIDTH))
    sheet.freeze_panes(HEADER_ROW, frozen_column)
    sheet.autofilter(HEADER_ROW - 1, 0, HEADER_ROW - 1 + rows, len(widths) - 1)


def _npl_sheet(workbook, formats: _Formats, table: Table) -> None:
    """The NPL annex, one row per ensemble and category, each row naming its ensemble."""
    sheet = workbook.add_worksheet(NPL_SHEET)
    _head(
        sheet,
        formats,
        typographie(table.titre),
        typographie(f"Source : {table.source}"),
        [typographie(c) for c in table.colonnes],
    )
    widths = [max(map(len, c.split())) for c in table.colonnes]
    ensemble = ""
    for number, ligne in enumerate(table.lignes):
        ensemble = ligne[0] or ensemble
        row = [typographie(ensemble)]
        for cell in ligne[1:]:
            if isinstance(cell, Quantity):
                row.append(stored(cell.value, cell.unit))
            else:
                row.append(typographie(cell) if cell else None)
        for column, (cell, value) in enumerate(zip(ligne, row, strict=True)):
            unit = cell.unit if isinstance(cell, Quantity) else ""
            look = formats.number(number_format(value, unit)) if unit else None
            _write(sheet, HEADER_ROW + number, column, value, look)
            widths[column] = max(widths[column], displayed_length(value, unit))
    _finish(sheet, widths, len(table.lignes), 1)


def to_xlsx(convention: Convention, epoch: int) -> bytes:
    """One sheet per indicator: Référence | each year | cumul 3 ans | cumul 6 ans, per territory,
    then, when the convention has any réalisé, Réalisé of each year it has | Réalisé cumul 3 ans
    | Réalisé cumul 6 ans | Source du réalisé; then the NPL annex, if the convention has one.

    [MEMORY — verify] the administration's transmission template (arrêté du 19 octobre 2017) was
    not available: the layout follows the convention's own tables.
    """
    from xlsxwriter import Workbook

    years = list(range(convention.periode[0], convention.periode[1] + 1))
    periods = cumulative_periods(convention.periode)
    done_years = realise_years(convention.engagements)
    realise_headers = []
    if done_years:
        realise_headers = [
            *(f"Réalisé {y}" for y in done_years),
            *(f"Réalisé {label.lower()}" for label, _ in periods),
            "Source du réalisé",
        ]
    buffer = BytesIO()
    # Text is text: no formula, number or link is read into what a writer typed.
    workbook = Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    formats = _Formats(workbook)
    about = workbook.add_worksheet("Convention")
    organisme = typographie(convention.organisme["raison_sociale"])
    facts = (
        ("Organisme", organisme),
        ("SIREN", convention.organisme["siren"]),
        ("Période des engagements", f"{years[0]}-{years[-1]}"),
        ("Année de référence", convention.annee_reference),
        ("Pourcentages", "enregistrés en fraction (0,214), affichés en pour cent (21,4\u00a0%)"),
    )
    for number, (label, value) in enumerate(facts):
        about.write_string(number, 0, label, formats.bold)
        _write(about, number, 1, value, formats.left if number == 3 else None)
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 70)
    headers = [
        "Niveau",
        "Code du territoire",
        "Territoire",
        "Ventilation",
        f"Référence {convention.annee_reference}",
        *map(str, years),
        *(label for label, _ in periods),
        *realise_headers,
        "Unité",
    ]
    sheets = {}
    widths: dict[str, list[int]] = {}
    rows: dict[str, int] = {}
    for ligne in convention.engagements:
        indicateur = ligne.indicateur
        unite = indicateur.unite
        sheet = sheets.get(indicateur.id)
        if sheet is None:
            sheet = sheets[indicateur.id] = workbook.add_worksheet(indicateur.id)
            _head(
                sheet,
                formats,
                typographie(f"{indicateur.id} — {indicateur.titre}"),
                typographie(indicateur.intitule),
                headers,
            )
            # Headers are sized to their longest word: they wrap between words.
            widths[indicateur.id] = [max(map(len, h.split())) for h in headers]
            rows[indicateur.id] = 0
        for ventilation, values in ligne.valeurs.items():
            spans = [
                cumulative(values, span) if indicateur.additif else None for _, span in periods
            ]
            numbers = [shown(ligne.reference.get(ventilation)), *(values[y] for y in years), *spans]
            sources = []
            if done_years:
                # the réalisé as `cusdoc indicateurs` gives it: a masked year, and a span one
                # of whose years is not recorded, stay empty
                recorded = dict(realised(ligne, ventilation, years, periods))
                numbers += [recorded.get(str(y)) for y in done_years]
                numbers += [recorded.get(span_label(span)) for _, span in periods]
                sources = [realise_source(ligne, ventilation)]
            numbers = [stored(v, unite) for v in numbers]
            row = [
                NIVEAUX.get(ligne.niveau, ligne.niveau),
                convention.organisme["siren"] if ligne.niveau == "organisme" else ligne.territoire,
                typographie(ligne.nom),
                ventilation_label(ventilation),
                *numbers,
                *sources,
                UNITES.get(unite, unite),
            ]
            at = HEADER_ROW + rows[indicateur.id]
            rows[indicateur.id] += 1
            for column, value in enumerate(row):
                numeric = LABEL_COLUMNS <= column < LABEL_COLUMNS + len(numbers)
                look = formats.number(number_format(value, unite)) if numeric else None
                _write(sheet, at, column, value, look)
                size = displayed_length(value, unite if numeric else "")
                widths[indicateur.id][column] = max(widths[indicateur.id][column], size)
    if convention.npl is not None:
        _npl_sheet(workbook, formats, convention.npl)
    for name, sheet in sheets.items():
        _finish(sheet, widths[name], rows[name], LABEL_COLUMNS)
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC).replace(tzinfo=None)
    workbook.set_properties({"author": organisme, "created": moment})
    workbook.close()
    return reproducible_zip(
        buffer.getvalue(), max(moment, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    )
