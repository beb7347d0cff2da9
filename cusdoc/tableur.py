"""The indicators as data: tidy rows (CSV, JSON) and the XLSX workbook for the administration."""

import csv
import datetime
import io
import json
import zipfile
from io import BytesIO

from cusdoc.assemble import Convention
from cusdoc.engagements import cumulative, cumulative_periods
from cusdoc.write import reproducible_zip

COLUMNS = (
    "indicateur",
    "niveau",
    "territoire",
    "ventilation",
    "annee",
    "nature",
    "valeur",
    "unite",
)


def tidy_rows(convention: Convention) -> list[dict]:
    """One row per indicator × territory × breakdown × year (or span) × nature."""
    rows = []
    years = list(range(convention.periode[0], convention.periode[1] + 1))
    periods = cumulative_periods(convention.periode)
    for ligne in convention.engagements:
        base = {
            "indicateur": ligne.indicateur.id,
            "niveau": ligne.niveau,
            "territoire": ligne.territoire,
            "unite": ligne.indicateur.unite,
        }
        for ventilation, values in ligne.valeurs.items():
            reference = ligne.reference.get(ventilation)
            if reference is not None:
                rows.append(
                    {
                        **base,
                        "ventilation": ventilation,
                        "annee": str(convention.annee_reference),
                        "nature": "reference",
                        "valeur": reference,
                    }
                )
            spans = [(str(y), [y]) for y in years]
            if ligne.indicateur.additif:
                spans += [(f"{span[0]}-{span[-1]}", span) for _, span in periods]
            for annee, span in spans:
                value = cumulative(values, span)
                rows.append(
                    {
                        **base,
                        "ventilation": ventilation,
                        "annee": annee,
                        "nature": "engagement",
                        "valeur": value,
                    }
                )
    return [{column: row[column] for column in COLUMNS} for row in rows]


def _number(value):
    return round(value, 6) if isinstance(value, float) else value


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _number(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def to_json(rows: list[dict]) -> str:
    return json.dumps(
        [{k: _number(v) for k, v in row.items()} for row in rows], ensure_ascii=False, indent=2
    )


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
                    ligne.reference.get(ventilation),
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
