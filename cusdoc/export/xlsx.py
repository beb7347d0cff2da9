"""The indicators as a workbook for the administration: build/indicateurs.xlsx."""

import datetime
import zipfile
from io import BytesIO

from cusdoc.export.tidy import shown
from cusdoc.model import Convention, cumulative, cumulative_periods
from cusdoc.write import reproducible_zip


def to_xlsx(convention: Convention, epoch: int) -> bytes:
    """One sheet per indicator: Référence | each year | cumul 3 ans | cumul 6 ans, per territory.

    [MEMORY — verify] the administration's transmission template (arrêté du 19 octobre 2017) was
    not available: the layout follows the convention's own tables.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.writer.excel import ExcelWriter

    years = list(range(convention.periode[0], convention.periode[1] + 1))
    periods = cumulative_periods(convention.periode)
    workbook = Workbook()
    about = workbook.active
    about.title = "Convention"
    organisme = convention.organisme["raison_sociale"]
    for row in (
        ("Organisme", organisme),
        ("SIREN", convention.organisme["siren"]),
        ("Période des engagements", f"{years[0]}-{years[-1]}"),
        ("Année de référence", convention.annee_reference),
    ):
        about.append(row)
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 40
    header_fill = PatternFill("solid", fgColor="D9E2F3")
    sheets = {}
    for ligne in convention.engagements:
        indicateur = ligne.indicateur
        sheet = sheets.get(indicateur.id)
        if sheet is None:
            sheet = sheets[indicateur.id] = workbook.create_sheet(indicateur.id)
            sheet.append([f"{indicateur.id} — {indicateur.titre}"])
            sheet.append([indicateur.intitule])
            sheet.append(
                [
                    "Niveau",
                    "Code du territoire",
                    "Territoire",
                    "Ventilation",
                    f"Référence {convention.annee_reference}",
                    *map(str, years),
                    *(label for label, _ in periods),
                    "Unité",
                ]
            )
            sheet["A1"].font = Font(bold=True)
            for cell in sheet[3]:
                cell.font = Font(bold=True)
                cell.fill = header_fill
                cell.alignment = Alignment(wrap_text=True)
            sheet.column_dimensions["C"].width = 40
            sheet.freeze_panes = "E4"
        for ventilation, values in ligne.valeurs.items():
            spans = [
                cumulative(values, span) if indicateur.additif else None for _, span in periods
            ]
            sheet.append(
                [
                    ligne.niveau,
                    ligne.territoire,
                    ligne.nom,
                    ventilation,
                    shown(ligne.reference.get(ventilation)),
                    *(values[y] for y in years),
                    *spans,
                    indicateur.unite,
                ]
            )
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC).replace(tzinfo=None)
    workbook.properties.creator = organisme
    workbook.properties.created = workbook.properties.modified = moment
    buffer = BytesIO()
    # Workbook.save() stamps the current time as modification date: write through ExcelWriter.
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return reproducible_zip(
        buffer.getvalue(), max(moment, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    )
