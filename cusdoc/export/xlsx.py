"""The indicators as a workbook for the administration: build/indicateurs.xlsx.

Numbers are stored as numbers, formatted in the workbook: a percentage as a fraction shown in
per cent (0,214 shown « 21,4 % »), counts with thousands grouped, amounts in euros. Format codes
are written in the file's own (English) syntax, which French Excel and LibreOffice display in
theirs: `#,##0` reads « # ##0 » there.
"""

import datetime
import zipfile
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


def _npl_sheet(workbook, table: Table, header_fill) -> None:
    """The NPL annex, one row per ensemble and category, each row naming its ensemble."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(NPL_SHEET)
    sheet.append([typographie(table.titre)])
    sheet.append([typographie(f"Source : {table.source}")])
    sheet.append([typographie(c) for c in table.colonnes])
    sheet["A1"].font = Font(bold=True, size=12)
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [max(map(len, c.split())) for c in table.colonnes]
    ensemble = ""
    for ligne in table.lignes:
        ensemble = ligne[0] or ensemble
        row = [typographie(ensemble)]
        for cell in ligne[1:]:
            if isinstance(cell, Quantity):
                row.append(stored(cell.value, cell.unit))
            else:
                row.append(typographie(cell) if cell else None)
        sheet.append(row)
        for column, (cell, value) in enumerate(zip(ligne, row, strict=True), start=1):
            unit = cell.unit if isinstance(cell, Quantity) else ""
            if unit:
                sheet.cell(sheet.max_row, column).number_format = number_format(value, unit)
            widths[column - 1] = max(widths[column - 1], displayed_length(value, unit))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = f"B{HEADER_ROW + 1}"
    last = get_column_letter(len(table.colonnes))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{sheet.max_row}"


def to_xlsx(convention: Convention, epoch: int) -> bytes:
    """One sheet per indicator: Référence | each year | cumul 3 ans | cumul 6 ans, per territory,
    then, when the convention has any réalisé, Réalisé of each year it has | Réalisé cumul 3 ans
    | Réalisé cumul 6 ans | Source du réalisé; then the NPL annex, if the convention has one.

    [MEMORY — verify] the administration's transmission template (arrêté du 19 octobre 2017) was
    not available: the layout follows the convention's own tables.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

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
    workbook = Workbook()
    about = workbook.active
    about.title = "Convention"
    organisme = typographie(convention.organisme["raison_sociale"])
    for row in (
        ("Organisme", organisme),
        ("SIREN", convention.organisme["siren"]),
        ("Période des engagements", f"{years[0]}-{years[-1]}"),
        ("Année de référence", convention.annee_reference),
        ("Pourcentages", "enregistrés en fraction (0,214), affichés en pour cent (21,4\u00a0%)"),
    ):
        about.append(row)
    for (label,) in about.iter_rows(min_col=1, max_col=1):
        label.font = Font(bold=True)
    about["B4"].alignment = Alignment(horizontal="left")
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 70
    header_fill = PatternFill("solid", fgColor="D9E2F3")
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
    for ligne in convention.engagements:
        indicateur = ligne.indicateur
        unite = indicateur.unite
        sheet = sheets.get(indicateur.id)
        if sheet is None:
            sheet = sheets[indicateur.id] = workbook.create_sheet(indicateur.id)
            sheet.append([typographie(f"{indicateur.id} — {indicateur.titre}")])
            sheet.append([typographie(indicateur.intitule)])
            sheet.append(headers)
            sheet["A1"].font = Font(bold=True, size=12)
            for cell in sheet[HEADER_ROW]:
                cell.font = Font(bold=True)
                cell.fill = header_fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.freeze_panes = f"{get_column_letter(LABEL_COLUMNS + 1)}{HEADER_ROW + 1}"
            # Headers are sized to their longest word: they wrap between words.
            widths[indicateur.id] = [max(map(len, h.split())) for h in headers]
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
            sheet.append(row)
            for column, value in enumerate(row, start=1):
                numeric = LABEL_COLUMNS < column <= LABEL_COLUMNS + len(numbers)
                if numeric:
                    sheet.cell(sheet.max_row, column).number_format = number_format(value, unite)
                size = displayed_length(value, unite if numeric else "")
                widths[indicateur.id][column - 1] = max(widths[indicateur.id][column - 1], size)
    if convention.npl is not None:
        _npl_sheet(workbook, convention.npl, header_fill)
    for name, sheet in sheets.items():
        for column, width in enumerate(widths[name], start=1):
            sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)
        last = get_column_letter(len(headers))
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{sheet.max_row}"
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC).replace(tzinfo=None)
    workbook.properties.creator = organisme
    workbook.properties.created = workbook.properties.modified = moment
    buffer = BytesIO()
    # Workbook.save() stamps the current time as modification date: write through ExcelWriter.
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return reproducible_zip(
        buffer.getvalue(), max(moment, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    )
