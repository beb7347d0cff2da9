"""Finish pandoc's DOCX with python-docx: title page, header, footer fields, tables, metadata."""

import datetime
from copy import deepcopy
from io import BytesIO

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from cusdoc.write import reproducible_zip

TEXT_WIDTH_DXA = 9638  # 17 cm: A4 less two 2 cm margins


def finish_docx(data: bytes, organisme: str, forme: str, periode: str, epoch: int) -> bytes:
    """The deliverable: pandoc's output with what pandoc cannot write, in reproducible bytes."""
    document = docx.Document(BytesIO(data))
    _title_page(document, organisme, forme)
    _header_footer(document, organisme, periode)
    for table in document.tables:
        _fit_table(table)
        if table.style.name == "Table":
            for paragraph in table._tbl.iter(qn("w:p")):
                _set_style(paragraph, "TableText")
    _ask_to_update_fields(document)
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC).replace(tzinfo=None)
    core = document.core_properties
    core.title = f"Convention d’utilité sociale {periode}"
    core.subject = f"Convention d’utilité sociale de {organisme}"
    core.author = core.last_modified_by = organisme
    core.language = "fr-FR"
    core.created = core.modified = moment
    core.revision = 1
    buffer = BytesIO()
    document.save(buffer)
    zip_time = max(moment, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    return reproducible_zip(buffer.getvalue(), zip_time)


def _title_page(document, organisme: str, forme: str) -> None:
    """Organisation above the title; the table of contents on a page of its own."""
    body = document.element.body
    title = next(p for p in document.paragraphs if p.style.name == "Title")
    for text, size in ((organisme, 16), (forme, 11)):
        paragraph = title.insert_paragraph_before(text, style="Subtitle")
        paragraph.runs[0].font.size = Pt(size)
    toc = body.find(qn("w:sdt"))
    if toc is not None:
        breaker = document.add_paragraph()
        breaker.add_run().add_break(WD_BREAK.PAGE)
        toc.addprevious(breaker._p)


def _set_style(paragraph, style_id: str) -> None:
    """Give a paragraph element the style whose id is style_id (pandoc sets "Compact")."""
    p_pr = paragraph.get_or_add_pPr()
    style = p_pr.find(qn("w:pStyle"))
    if style is None:
        style = OxmlElement("w:pStyle")
        p_pr.insert(0, style)
    style.set(qn("w:val"), style_id)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES…) that Word and LibreOffice compute when they lay out."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", "1")):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
            run._r.append(element)
        elif kind == "text":
            run.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


def _header_footer(document, organisme: str, periode: str) -> None:
    """Header with the organisation, footer « Page X sur Y »; none on the title page."""
    for section in document.sections:
        section.different_first_page_header_footer = True
        header = section.header.paragraphs[0]
        header.text = f"{organisme}\tConvention d’utilité sociale {periode}"
        tab_stops = header.paragraph_format.tab_stops
        tab_stops.add_tab_stop(section.page_width - section.left_margin - section.right_margin, 2)
        for run in header.runs:
            run.font.size = Pt(8.5)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("Page ")
        _field(footer, "PAGE")
        footer.add_run(" sur ")
        _field(footer, "NUMPAGES")
        for run in footer.runs:
            run.font.size = Pt(8.5)


def _fit_table(table) -> None:
    """Explicit widths in twentieths of a point (LibreOffice ignores relative ones) and rows
    that never split across pages."""
    tbl = table._tbl
    grid = tbl.tblGrid.findall(qn("w:gridCol"))
    total = sum(int(col.get(qn("w:w"))) for col in grid) or 1
    widths = [round(int(col.get(qn("w:w"))) * TEXT_WIDTH_DXA / total) for col in grid]
    for col, width in zip(grid, widths, strict=True):
        col.set(qn("w:w"), str(width))
    tbl_w = tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl.tblPr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(TEXT_WIDTH_DXA))
    for row in tbl.tr_lst:
        tr_pr = row.get_or_add_trPr()
        if tr_pr.find(qn("w:cantSplit")) is None:
            tr_pr.insert(0, OxmlElement("w:cantSplit"))
        for cell, width in zip(row.tc_lst, widths, strict=False):
            tc_pr = cell.get_or_add_tcPr()
            for old in tc_pr.findall(qn("w:tcW")):
                tc_pr.remove(old)
            tc_pr.insert(0, parse_xml(f'<w:tcW {nsdecls("w")} w:w="{width}" w:type="dxa"/>'))


def _ask_to_update_fields(document) -> None:
    """Word then offers to fill the table of contents when the file is opened."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        settings.append(deepcopy(parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')))
