"""Finish pandoc's DOCX with python-docx: what pandoc leaves for Word to compute, computed once.

Title page, header and footer fields; a table of contents filled at build time; captions
numbered « Tableau N » with a SEQ field; column widths from the content; tables kept with their
caption and source; continuous footnote numbers; properties; reproducible bytes. Word and
LibreOffice then show on opening what the PDF shows, without updating anything.
"""

import datetime
from copy import copy
from functools import cache
from io import BytesIO

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls
from docx.oxml.ns import qn as qualified
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from cusdoc.export.ast import SHORT_CELL, SHORT_ROWS, TALL_CELL
from cusdoc.french import nom
from cusdoc.render import TABLE_WIDTH, minimum_widths, widen_to_minimum
from cusdoc.render.typography import typographie
from cusdoc.write import reproducible_zip

TEXT_WIDTH_DXA = 9638  # 17 cm: A4 less two 2 cm margins
DXA = 20  # twentieths of a point
TOC_LEVELS = ("Heading1", "Heading2")  # the PDF's outline has depth 2 too
# Tables keep as in the PDF (export/ast.py); rows of a longer table keep with the next for its
# first rows (never two lines alone at the foot of a page) and its last ones (never the source
# line alone at the top of the next).
LIST_INDENT, LIST_HANGING = 320, 200  # dxa: list text and marker, as `set list` in convention.typ
RULE_SPACE = 31  # points between the organisation's form and the rule: Word's largest
# Typst's French captions: « Tableau 3. – Titre », « Figure 2. – Titre »
CAPTIONS = {"TableCaption": "Tableau", "ImageCaption": "Figure"}
CAPTION_SEPARATOR = ".\u00a0– "
# CT_PPr's children in schema order, from keepNext on.
PPR_ORDER = [
    "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap",
    "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
    "rPr", "sectPr", "pPrChange",
]  # fmt: skip


# A qualified name ("w:p" → "{namespace}p") is asked for tens of thousands of times.
qn = cache(qualified)
STYLE = f"{qn('w:pPr')}/{qn('w:pStyle')}"


def finish_docx(
    data: bytes,
    title: str,
    organisme: str,
    forme: str,
    periode: str,
    epoch: int,
    version=None,
    extrait: str | None = None,
) -> bytes:
    """The deliverable: pandoc's output with what pandoc cannot write, in reproducible bytes.

    version (a model.Version): its status and commit go to the properties, never to the text;
    extrait: « extrait pour … », which the title of an extract's properties adds.
    organisme and forme come through the typography pass; the strings written here go through
    it too.
    """
    document = docx.Document(BytesIO(data))
    titre = typographie(f"{title} {periode}")
    _title_page(document, organisme, forme)
    _header_footer(document, organisme, titre)
    for table in document.tables:
        if table._tbl.tblStyle_val == "Table":
            for paragraph in table._tbl.iter(qn("w:p")):
                _set_style(paragraph, "TableText")
        _fit_table(table._tbl)
    if not _has_revisions(document):
        _number_captions(document)
    _list_indents(document)
    _fill_table_of_contents(document)
    _settings(document)
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC).replace(tzinfo=None)
    core = document.core_properties
    core.title = f"{titre} — {extrait}" if extrait else titre
    core.subject = typographie(f"{title} {nom(organisme).du}")
    core.author = core.last_modified_by = organisme
    core.language = "fr-FR"
    core.created = core.modified = moment
    core.revision = 1
    if version is not None:
        core.content_status = version.statut
        core.version = version.reference
    buffer = BytesIO()
    document.save(buffer)
    zip_time = max(moment, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    return reproducible_zip(buffer.getvalue(), zip_time)


def _title_page(document, organisme: str, forme: str) -> None:
    """Organisation above the title, rules around it as in the PDF; the table of contents on a
    page of its own."""
    body = document.element.body
    title = _first_styled(document, "Title")
    # As on the PDF's title page (convention.typ): the organisation in grey, then title and
    # subtitle between two blue rules 60 % of the text wide. The first rule is the border of
    # the organisation's form (a paragraph of its own would come between them and the title).
    lines = ((organisme, 14, 0x3C, 110, 4), (forme, 11, 0x5A, 0, 17))
    for text, size, grey, before, after in lines:
        paragraph = title.insert_paragraph_before(text, style="Normal")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Pt(before)
        paragraph.paragraph_format.space_after = Pt(after)
        paragraph.runs[0].font.size = Pt(size)
        paragraph.runs[0].font.color.rgb = RGBColor(grey, grey, grey)
    _rule(paragraph._p, RULE_SPACE)
    subtitle = title._p.getnext()
    if subtitle is None or _style_of(subtitle) != "Subtitle":
        subtitle = title._p
    closing = parse_xml(f"<w:p {nsdecls('w')}/>")
    subtitle.addnext(closing)
    _rule(closing, 1, space_before=17)
    # The version (pandoc's date), under the rule as in the PDF.
    version = _first_styled(document, "Date")
    if version is not None:
        version.alignment = WD_ALIGN_PARAGRAPH.CENTER
        version.paragraph_format.space_before = Pt(23)
        for run in version.runs:  # as the PDF sets it: 12 pt, black, regular
            run.font.size = Pt(12)
            run.font.bold = False
            run.font.color.rgb = RGBColor(0, 0, 0)
    toc = body.find(qn("w:sdt"))
    if toc is not None:
        breaker = document.add_paragraph()
        breaker.add_run().add_break(WD_BREAK.PAGE)
        toc.addprevious(breaker._p)


def _first_styled(document, style_id: str) -> Paragraph | None:
    """The first paragraph of the body in that style (by id: no look-up among the styles)."""
    body = document.element.body
    found = next((p for p in body.iterchildren(qn("w:p")) if _style_of(p) == style_id), None)
    return None if found is None else Paragraph(found, document._body)


def _rule(paragraph, space: int, space_before: int | None = None) -> None:
    """A paragraph bordered below by a blue rule 60 % of the text wide, `space` points under
    its text."""
    indent = str(round(TEXT_WIDTH_DXA * 0.2))
    border = f'<w:bottom w:val="single" w:sz="8" w:space="{space}" w:color="1F3864"/>'
    _set_property(paragraph, parse_xml(f"<w:pBdr {nsdecls('w')}>{border}</w:pBdr>"))
    if space_before is not None:
        spacing = f'<w:spacing {nsdecls("w")} w:before="{space_before * DXA}"/>'
        _set_property(paragraph, parse_xml(spacing))
    indents = f'<w:ind {nsdecls("w")} w:left="{indent}" w:right="{indent}"/>'
    _set_property(paragraph, parse_xml(indents))


def _set_property(paragraph, element) -> None:
    """Put a paragraph property (w:pBdr, w:ind…) in its place in w:pPr, replacing its like."""
    p_pr = _get_or_add(paragraph, "pPr")
    for old in p_pr.findall(element.tag):
        p_pr.remove(old)
    _insert_property(p_pr, element)


def _insert_property(p_pr, element) -> None:
    """Put a property w:pPr does not hold yet in its place, in schema order."""
    later = _later_properties(element.tag)
    following = next((child for child in p_pr if child.tag in later), None)
    if following is None:
        p_pr.append(element)
    else:
        following.addprevious(element)


@cache
def _later_properties(tag: str) -> frozenset[str]:
    """The qualified tags a paragraph property comes before, in schema order."""
    name = tag.split("}")[1]
    return frozenset(qn(f"w:{n}") for n in PPR_ORDER[PPR_ORDER.index(name) + 1 :])


# What may come before a paragraph's, row's or cell's properties: they are its first child
# otherwise (w:tblPrEx in a row; a paragraph and a cell hold nothing before them).
BEFORE_PROPERTIES = {"trPr": qn("w:tblPrEx")}


def _get_or_add(element, name: str):
    """A paragraph's, row's or cell's properties (w:pPr, w:trPr, w:tcPr), added if missing."""
    tag = qn(f"w:{name}")
    found = element.find(tag)
    if found is None:
        found = element.makeelement(tag)
        first = 1 if len(element) and element[0].tag == BEFORE_PROPERTIES.get(name) else 0
        element.insert(first, found)
    return found


def _set_style(paragraph, style_id: str) -> None:
    """Give a paragraph element the style whose id is style_id (pandoc sets "Compact")."""
    p_pr = _get_or_add(paragraph, "pPr")
    style = p_pr.find(qn("w:pStyle"))
    if style is None:
        style = p_pr.makeelement(qn("w:pStyle"))
        p_pr.insert(0, style)
    style.set(qn("w:val"), style_id)


def _element(tag: str, **attributes) -> OxmlElement:
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _run(text: str | None = None, **child) -> OxmlElement:
    """A w:r holding text, or one w:fldChar / w:instrText / w:tab."""
    run = _element("w:r")
    if text is not None:
        t = _element("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        run.append(t)
    for kind, value in child.items():
        if kind == "fld":
            run.append(_element("w:fldChar", fldCharType=value))
        elif kind == "instr":
            instr = _element("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {value} "
            run.append(instr)
        elif kind == "tab":
            run.append(_element("w:tab"))
    return run


def _field_runs(instruction: str, result: str) -> list:
    """The runs of a complete field: its instruction and the result Word shows until updated."""
    runs = [_run(fld="begin"), _run(instr=instruction), _run(fld="separate")]
    if result:
        runs.append(_run(result))
    return [*runs, _run(fld="end")]


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES…) that Word and LibreOffice compute when they lay out."""
    for run in _field_runs(instruction, "1"):
        paragraph._p.append(run)


def _header_footer(document, organisme: str, titre: str) -> None:
    """Header with the organisation and the title over a grey rule, footer « Page X sur Y »;
    none on the title page."""
    for section in document.sections:
        section.different_first_page_header_footer = True
        header = section.header.paragraphs[0]
        header.text = f"{organisme}\t{titre}"
        tab_stops = header.paragraph_format.tab_stops
        tab_stops.add_tab_stop(section.page_width - section.left_margin - section.right_margin, 2)
        for run in header.runs:
            run.font.size = Pt(8.5)
            run.font.color.rgb = RGBColor(0x50, 0x50, 0x50)
        rule = '<w:bottom w:val="single" w:sz="4" w:space="3" w:color="A0A0A0"/>'  # as the PDF's
        _set_property(header._p, parse_xml(f"<w:pBdr {nsdecls('w')}>{rule}</w:pBdr>"))
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("Page ")
        _field(footer, "PAGE")
        footer.add_run(" sur ")
        _field(footer, "NUMPAGES")
        for run in footer.runs:
            run.font.size = Pt(8.5)


def _text(element) -> str:
    """The text a paragraph or cell shows (deleted text of a tracked change left out)."""
    return "".join(element.itertext(qn("w:t"), with_tail=False))


def _cell_text(cell) -> str:
    """A cell's paragraphs, one after the other: a paragraph ends a word."""
    return " ".join(map(_text, cell.iter(qn("w:p"))))


def _paragraph_properties(paragraph, *names: str) -> None:
    """Switch on paragraph properties (keepNext, suppressAutoHyphens…) in schema order."""
    p_pr = _get_or_add(paragraph, "pPr")
    for name in names:
        tag = qn(f"w:{name}")
        if p_pr.find(tag) is None:
            _insert_property(p_pr, p_pr.makeelement(tag))


def _fit_table(tbl) -> None:
    """Widths from the content, in twentieths of a point (LibreOffice ignores relative ones);
    header paragraphs never hyphenated; rows kept together as the PDF keeps its tables."""
    rows = tbl.findall(qn("w:tr"))
    cells = [row.findall(qn("w:tc")) for row in rows]
    grid = tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))
    texts = [[_cell_text(cell) for cell in row] for row in cells]
    # pandoc's relative widths are those of render's column_widths (or the filter's largeurs);
    # raised here to the longest word of each column whatever wrote them.
    total = sum(int(col.get(qn("w:w"))) for col in grid) or 1
    widths = [int(col.get(qn("w:w"))) * TABLE_WIDTH / total for col in grid]
    if rows and all(len(row) == len(grid) for row in texts):  # no merged cells
        widths = widen_to_minimum(widths, minimum_widths(texts))
    dxa = [round(w * DXA) for w in widths]
    dxa[-1] += TEXT_WIDTH_DXA - sum(dxa)
    for col, width in zip(grid, dxa, strict=True):
        col.set(qn("w:w"), str(width))
    cell_widths = [_element("w:tcW", w=str(width), type="dxa") for width in dxa]
    tbl_pr = tbl.find(qn("w:tblPr"))
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(TEXT_WIDTH_DXA))
    header = [row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None for row in rows]
    body = [row for row, head in zip(texts, header, strict=True) if not head]
    longest = max((len(text) for row in body for text in row), default=0)
    short = len(body) <= SHORT_ROWS and longest <= SHORT_CELL
    sourced = _is_source(tbl.getnext())
    position = -1
    for row, row_cells, row_texts, head in zip(rows, cells, texts, header, strict=True):
        position += 0 if head else 1
        tr_pr = _get_or_add(row, "trPr")
        for old in tr_pr.findall(qn("w:cantSplit")):
            tr_pr.remove(old)
        if max(map(len, row_texts), default=0) <= TALL_CELL:
            tr_pr.insert(0, OxmlElement("w:cantSplit"))
        else:  # it may break, but not before the first paragraph of each cell
            for cell in row_cells:
                first = cell.find(qn("w:p"))
                if first is not None:
                    _paragraph_properties(first, "keepLines")
        if head:
            keep = True
        elif position == len(body) - 1:
            keep = sourced
        else:
            keep = short or position < 2 or position >= len(body) - 2
        for paragraph in row.iter(qn("w:p")):
            if keep:
                _paragraph_properties(paragraph, "keepNext")
            if head:
                _paragraph_properties(paragraph, "suppressAutoHyphens")
        for cell, width in zip(row_cells, cell_widths, strict=False):
            tc_pr = _get_or_add(cell, "tcPr")
            for old in tc_pr.findall(qn("w:tcW")):
                tc_pr.remove(old)
            tc_pr.insert(0, copy(width))


def _list_indents(document) -> None:
    """Lists indented as in the PDF (marker 0.6 em in, text 0.5 em after it), not by pandoc's
    half inch, which leaves little room in a table cell."""
    try:
        numbering = document.part.part_related_by(RT.NUMBERING).element
    except KeyError:  # a document without lists
        return
    for level in numbering.iter(qn("w:lvl")):
        depth = int(level.get(qn("w:ilvl"), "0"))
        indent = level.find(f"{qn('w:pPr')}/{qn('w:ind')}")
        if indent is not None:
            indent.set(qn("w:left"), str(LIST_INDENT * (depth + 1)))
            indent.set(qn("w:hanging"), str(LIST_HANGING))


def _style_of(element) -> str | None:
    style = element.find(STYLE)
    return None if style is None else style.get(qn("w:val"))


def _styled(element, *style_ids: str) -> list:
    """The paragraphs inside element in one of these styles, in document order."""
    styles = " or ".join(f'@w:val="{style_id}"' for style_id in style_ids)
    return element.xpath(f".//w:p[w:pPr/w:pStyle[{styles}]]")


def _is_source(element) -> bool:
    return element is not None and element.tag == qn("w:p") and _style_of(element) == "Source"


def _number_captions(document) -> None:
    """« Tableau N. – » before each table caption, « Figure N. – » before each picture's: a SEQ
    field, as Word numbers captions, whose result is written here. Only captioned tables and
    pictures count, each in its own sequence, as in the PDF."""
    for style, label in CAPTIONS.items():
        _number(document, style, label)


def _number(document, style: str, label: str) -> None:
    number = 0
    for paragraph in _styled(document.element.body, style):
        if not _text(paragraph).strip():
            continue
        number += 1
        runs = [
            _run(label + "\u00a0"),
            *_field_runs(f"SEQ {label} \\* ARABIC", str(number)),
            _run(CAPTION_SEPARATOR),
        ]
        anchor = paragraph.find(qn("w:pPr"))
        for run in runs:
            if anchor is None:
                paragraph.insert(0, run)
            else:
                anchor.addnext(run)
            anchor = run


def _has_revisions(document) -> bool:
    """A review copy in tracked changes (cusdoc suivi): its caption numbers would depend on
    the changes accepted, so they are left to Word."""
    body = document.element.body
    return body.find(f".//{qn('w:ins')}") is not None or body.find(f".//{qn('w:del')}") is not None


def _heading_bookmark(paragraph, fallback: str, ids) -> str:
    """The bookmark pandoc put on a heading (its identifier), or a new one."""
    before = paragraph.getprevious()
    if before is not None and before.tag == qn("w:bookmarkStart"):
        return before.get(qn("w:name"))
    inside = paragraph.find(qn("w:bookmarkStart"))
    if inside is not None:
        return inside.get(qn("w:name"))
    number = str(next(ids))
    anchor = paragraph.find(qn("w:pPr"))
    start = _element("w:bookmarkStart", id=number, name=fallback)
    if anchor is None:
        paragraph.insert(0, start)
    else:
        anchor.addnext(start)
    paragraph.append(_element("w:bookmarkEnd", id=number))
    return fallback


def _fill_table_of_contents(document) -> None:
    """The TOC field's result written at build time: one entry per heading of level 1 or 2,
    each a link to the heading's bookmark. The field stays, so that Word (F9) and LibreOffice
    (Outils › Mettre à jour) can bring in page numbers; until then the entries have none."""
    body = document.element.body
    sdt = body.find(qn("w:sdt"))
    content = None if sdt is None else sdt.find(qn("w:sdtContent"))
    if content is None:
        return
    field = next(
        (p for p in content.iter(qn("w:p")) if p.find(f".//{qn('w:instrText')}") is not None),
        None,
    )
    if field is None:
        return
    instruction = "".join(i.text for i in field.iter(qn("w:instrText"))).strip()
    taken = [int(b.get(qn("w:id"))) for b in body.iter(qn("w:bookmarkStart"))]
    ids = iter(range(max(taken, default=0) + 1, 10**9))
    entries = []
    for paragraph in _styled(body, *TOC_LEVELS):
        level = _style_of(paragraph)
        if _text(paragraph).strip():
            name = _heading_bookmark(paragraph, f"_Toc{len(entries) + 1}", ids)
            entries.append((TOC_LEVELS.index(level) + 1, _text(paragraph).strip(), name))
    paragraphs = []
    for number, (level, title, name) in enumerate(entries):
        paragraph = _element("w:p")
        p_pr = _element("w:pPr")
        p_pr.append(_element("w:pStyle", val=f"TOC{level}"))
        tabs = _element("w:tabs")
        tabs.append(_element("w:tab", val="right", pos=str(TEXT_WIDTH_DXA)))
        p_pr.append(tabs)
        paragraph.append(p_pr)
        if number == 0:
            for run in (_run(fld="begin"), _run(instr=instruction), _run(fld="separate")):
                paragraph.append(run)
        link = _element("w:hyperlink", anchor=name, history="1")
        for run in (_run(title), _run(tab="")):
            link.append(run)
        for run in _field_runs(f"PAGEREF {name} \\h", ""):
            link.append(run)
        paragraph.append(link)
        paragraphs.append(paragraph)
    closing = _element("w:p")
    closing.append(_run(fld="end"))
    if not paragraphs:
        return
    field.addprevious(paragraphs[0])
    for paragraph in paragraphs[1:]:
        field.addprevious(paragraph)
    field.addprevious(closing)
    content.remove(field)


# The end of a settings part's sequence (CT_Settings), from the first element cusdoc adds.
SETTINGS_ORDER = (
    "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr", "attachedSchema",
    "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
    "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
    "listSeparator",
)  # fmt: skip


def _add_setting(settings, element) -> None:
    """A settings element where CT_Settings's sequence puts it: before the first that follows."""
    name = element.tag.rsplit("}", 1)[-1]
    later = {qn(f"w:{n}") for n in SETTINGS_ORDER[SETTINGS_ORDER.index(name) + 1 :]}
    anchor = next((c for c in settings if c.tag in later), None)
    if anchor is not None:
        anchor.addprevious(element)
    else:
        settings.append(element)


def _settings(document) -> None:
    """Footnotes numbered through the document (pandoc's sections restart them, which
    LibreOffice reads as « per chapter »), hyphenation as in the PDF, and no « update the
    fields? » question on opening: every field already shows its result."""
    for sect_pr in document.element.body.iter(qn("w:sectPr")):
        _continuous_footnotes(sect_pr)
    settings = document.settings.element
    for old in settings.findall(qn("w:updateFields")):
        settings.remove(old)
    if settings.find(qn("w:autoHyphenation")) is None:
        tab = settings.find(qn("w:defaultTabStop"))
        hyphenation = _element("w:autoHyphenation")
        if tab is not None:
            tab.addnext(hyphenation)
        else:
            settings.insert(0, hyphenation)
    # Word 2013 and later's layout, not its compatibility mode, where a page break before a
    # heading that starts a page itself leaves a blank page; French separators for fields.
    if settings.find(qn("w:compat")) is None:
        compat = _element("w:compat")
        compat.append(
            _element(
                "w:compatSetting",
                name="compatibilityMode",
                uri="http://schemas.microsoft.com/office/word",
                val="15",
            )
        )
        _add_setting(settings, compat)
    for name, value in (("decimalSymbol", ","), ("listSeparator", ";")):
        for old in settings.findall(qn(f"w:{name}")):
            old.set(qn("w:val"), value)
    if settings.find(qn("w:footnotePr")) is None:
        _add_setting(settings, _element("w:footnotePr"))
    _continuous_footnotes(settings)


def _continuous_footnotes(parent) -> None:
    """w:footnotePr/w:numRestart « continuous » in a w:sectPr or the settings."""
    properties = parent.find(qn("w:footnotePr"))
    if properties is None:
        properties = _element("w:footnotePr")
        # in a w:sectPr, after the header and footer references
        references = [
            c for c in parent if c.tag in (qn("w:headerReference"), qn("w:footerReference"))
        ]
        if references:
            references[-1].addnext(properties)
        else:
            parent.insert(0, properties)
    for old in properties.findall(qn("w:numRestart")):
        properties.remove(old)
    restart = _element("w:numRestart", val="continuous")
    separators = properties.find(qn("w:footnote"))  # settings only, after w:numRestart
    if separators is not None:
        separators.addprevious(restart)
    else:
        properties.append(restart)
