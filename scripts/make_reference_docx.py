"""Build cusdoc/templates/reference.docx: pandoc's reference document, restyled for a convention.

Usage: python scripts/make_reference_docx.py cusdoc/templates/reference.docx
The result is committed so that writers can also restyle it in Word or LibreOffice.
"""

import subprocess
import sys
from io import BytesIO
from pathlib import Path

import docx
import pypandoc
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from cusdoc.write import reproducible_zip

FONT = "Arial"  # Liberation Sans, the PDF's font, has the same metrics
BLUE = RGBColor(0x1F, 0x38, 0x64)


def pandoc_reference() -> bytes:
    return subprocess.run(
        [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
        check=True,
        capture_output=True,
    ).stdout


def set_font(style, size: float | None = None, bold=None, italic=None, color=None) -> None:
    """Set a style's font, removing the theme attributes that would otherwise win."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.append(fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if italic is not None:
        style.font.italic = italic
    if color is not None:
        style.font.color.rgb = color


def table_style(document, name: str, borders: bool):
    """A table style: thin grey grid and a shaded header row, or no borders at all."""
    styles = document.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.TABLE)
    )
    element = style.element
    for old in element.findall(qn("w:tblPr")) + element.findall(qn("w:tblStylePr")):
        element.remove(old)
    edges = "".join(
        f'<w:{e} w:val="{"single" if borders else "nil"}" w:sz="4" w:space="0" w:color="969696"/>'
        for e in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    # No top or bottom cell margin: with the 1.8 pt before and after of « Table Text », a row
    # is as high as in the PDF (4 pt of inset around a line measured from cap height).
    element.append(
        parse_xml(
            f"<w:tblPr {nsdecls('w')}><w:tblBorders>{edges}</w:tblBorders>"
            '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
            '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
            "</w:tblPr>"
        )
    )
    if borders:
        element.append(
            parse_xml(
                f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/></w:rPr>'
                '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="D9E2F3"/></w:tcPr>'
                "</w:tblStylePr>"
            )
        )
    return style


def main(target: Path) -> None:
    document = docx.Document(BytesIO(pandoc_reference()))
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin, section.bottom_margin = Cm(2.4), Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1)
    # Footnotes numbered through the document (pandoc's default restarts them each section,
    # which LibreOffice reads as « per chapter »).
    for restart in section._sectPr.iter(qn("w:numRestart")):
        restart.set(qn("w:val"), "continuous")

    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = defaults.find(qn("w:lang"))
    if lang is None:
        lang = parse_xml(f"<w:lang {nsdecls('w')}/>")
        defaults.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), "fr-FR")

    for name in ("Normal", "Body Text", "First Paragraph", "Compact"):
        set_font(styles[name], 10.5)
    for name in ("Body Text", "First Paragraph"):
        styles[name].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        # The PDF's rhythm (convention.typ), whose spacings run from a line's baseline to the
        # next one's cap height: lines 1.31 em apart (Word's single spacing for Arial is
        # 1.15 em), paragraphs 1.64 em apart, baseline to baseline. The space goes before a
        # paragraph, so that one also separates it from a table above.
        styles[name].paragraph_format.space_before = Pt(3.5)
        styles[name].paragraph_format.space_after = Pt(0)
        styles[name].paragraph_format.line_spacing = 1.1375
    # Items of a tight list are as far apart as lines in the PDF, plus a little.
    styles["Compact"].paragraph_format.space_before = Pt(0)
    styles["Compact"].paragraph_format.space_after = Pt(1.8)
    cell_text = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell_text.base_style = styles["Compact"]
    set_font(cell_text, 9)
    cell_text.paragraph_format.line_spacing = 1.0
    cell_text.paragraph_format.space_before = cell_text.paragraph_format.space_after = Pt(1.8)
    # Columns are as wide as their longest word: table text is never hyphenated, as in the PDF.
    cell_text.element.get_or_add_pPr().find(qn("w:spacing")).addprevious(
        parse_xml(f"<w:suppressAutoHyphens {nsdecls('w')}/>")
    )
    for level, size in ((1, 17), (2, 13), (3, 11.5), (4, 10.5)):
        style = styles[f"Heading {level}"]
        set_font(style, size, bold=True, italic=level == 4, color=BLUE)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(18 if level < 3 else 12)
        style.paragraph_format.space_after = Pt(8)
        # A heading is never hyphenated, as in the PDF (convention.typ).
        style.element.get_or_add_pPr().find(qn("w:spacing")).addprevious(
            parse_xml(f"<w:suppressAutoHyphens {nsdecls('w')}/>")
        )
    styles["Heading 1"].paragraph_format.page_break_before = True
    styles["Heading 1"].paragraph_format.space_before = Pt(0)  # at the top of its page
    # The title page of the PDF (convention.typ), whose blue rules cusdoc draws around these.
    set_font(styles["Title"], 26, bold=True, color=BLUE)
    set_font(styles["Subtitle"], 15, bold=False, italic=False, color=RGBColor(0, 0, 0))
    for name in ("Title", "Subtitle"):
        style = styles[name]
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        p_pr = style.element.get_or_add_pPr()
        for old in p_pr.findall(qn("w:pBdr")):
            p_pr.remove(old)
        p_pr.find(qn("w:spacing")).addprevious(
            parse_xml(f"<w:suppressAutoHyphens {nsdecls('w')}/>")
        )
    styles["Subtitle"].paragraph_format.space_before = Pt(9)
    for name in ("Title", "Subtitle"):  # no letter spacing, capitals or kerning of the theme
        rpr = styles[name].element.rPr
        for old in [c for c in rpr if c.tag in (qn("w:spacing"), qn("w:caps"), qn("w:kern"))]:
            rpr.remove(old)
    # Footnotes as in the PDF (convention.typ: 8.5 pt, set tight), not at the body's size.
    footnote = styles["Footnote Text"]
    set_font(footnote, 8.5)
    footnote.paragraph_format.space_before = Pt(0)
    footnote.paragraph_format.space_after = Pt(1.5)
    footnote.paragraph_format.line_spacing = 1.0
    set_font(styles["Table Caption"], 9.5, bold=True, italic=False, color=BLUE)
    styles["Table Caption"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styles["Table Caption"].paragraph_format.space_before = Pt(8)
    styles["Table Caption"].paragraph_format.space_after = Pt(4)
    styles["Table Caption"].paragraph_format.keep_with_next = True
    set_font(styles["TOC Heading"], 17, bold=True, color=BLUE)
    for level in (1, 2):  # the entries cusdoc writes in the table of contents
        entry = styles.add_style(f"TOC {level}", WD_STYLE_TYPE.PARAGRAPH)
        entry.element.set(qn("w:styleId"), f"TOC{level}")  # Word's own, built-in style
        del entry.element.attrib[qn("w:customStyle")]
        entry.element.find(qn("w:name")).set(qn("w:val"), f"toc {level}")
        entry.base_style = styles["Normal"]
        set_font(entry, 10.5)
        entry.paragraph_format.space_before = Pt(5 if level == 1 else 0)
        entry.paragraph_format.space_after = Pt(1)
        entry.paragraph_format.left_indent = Cm(0 if level == 1 else 0.6)

    source = styles.add_style("Source", WD_STYLE_TYPE.PARAGRAPH)
    source.base_style = styles["Body Text"]
    set_font(source, 8.5, italic=True)
    source.paragraph_format.space_before = Pt(2)

    table_style(document, "Table", borders=True)
    table_style(document, "Signatures", borders=False)

    buffer = BytesIO()
    document.save(buffer)
    # Fixed zip dates: the committed file only changes when its content does.
    target.write_bytes(reproducible_zip(buffer.getvalue()))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
