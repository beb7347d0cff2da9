"""Render stage: the document model through the Jinja templates into pandoc Markdown.

The only stage that formats: numbers in French (Babel), table cells aligned by what they hold,
masked cells and their note, French spacing on every printed string (one pass over the whole
Markdown, so that the templates' own words — « Vu : », « Pilote : » — get it too).
"""

import json
import re
import struct
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from cusdoc import TEMPLATES, french
from cusdoc.errors import ToolError
from cusdoc.model import Convention, Quantity, Table
from cusdoc.render.formats import FILTERS, nombre, quantite
from cusdoc.render.text import BREAK, Markdown, breakable, escape, inlines, plain
from cusdoc.render.typography import typographie, typographie_markdown

MASQUE = "s"  # what a masked cell prints
TYPED = re.compile(r"[-+−]?[\d\s\u00a0\u202f]+([,.]\d+)?\s*(%|€|k€|M€)?")


def cellule(value) -> Markdown:
    """A pipe-table cell: one line, its own pipes escaped."""
    if isinstance(value, Markdown):
        return Markdown(" ".join(value.split()))
    return escape(" ".join(str(value).split()))


def siren(value: str) -> str:
    """273700005 → « 273 700 005 »."""
    return "\u00a0".join(value[i : i + 3] for i in range(0, 9, 3))


def cell_text(cell) -> str:
    """A cell as a reader sees it: what its width is measured on."""
    if isinstance(cell, Quantity):
        return MASQUE if cell.masked else quantite(cell)
    return plain(cell) if isinstance(cell, list) else str(cell)


def cell_markdown(cell) -> Markdown:
    return inlines(cell) if isinstance(cell, list) else escape(cell_text(cell))


# Tables are laid out once, here, for both formats: 17 cm of text width (A4 less two 2 cm
# margins), 9 pt Liberation Sans (Arial's metrics) in the cells, header row in bold.
TABLE_WIDTH = 481.9  # points
TABLE_FONT = 9.0  # points: « Table Text » in reference.docx, `show table` in convention.typ
# A cell's inner margins (Typst 2 × 5 pt, Word 2 × 4.25 pt) and 2 pt of air for kerning and
# rounding: a column this much wider than a word holds it on one line in both formats.
CELL_PADDING = 12.0
FONTS = TEMPLATES / "fonts"
MARKUP = re.compile(r"\^\[[^\]]*\]|[*_`]|\]\([^)]*\)|\[")  # notes, emphasis, link targets


@cache
def font_advances(bold: bool = False) -> tuple[dict[int, float], float]:
    """Advance width of each character of Liberation Sans, in ems, read from the vendored
    TrueType file (tables head, hhea, hmtx and the Unicode cmap); and the width of a character
    the font lacks."""
    data = (FONTS / f"LiberationSans-{'Bold' if bold else 'Regular'}.ttf").read_bytes()

    def u16(at: int) -> int:
        return struct.unpack_from(">H", data, at)[0]

    offsets = {
        data[12 + 16 * i : 16 + 16 * i].decode("latin-1"): struct.unpack_from(
            ">I", data, 20 + 16 * i
        )[0]
        for i in range(u16(4))
    }
    units = u16(offsets["head"] + 18)
    metrics = u16(offsets["hhea"] + 34)
    advances = [u16(offsets["hmtx"] + 4 * i) / units for i in range(metrics)]
    cmap = offsets["cmap"]
    table = next(
        cmap + struct.unpack_from(">I", data, cmap + 8 + 8 * i)[0]
        for i in range(u16(cmap + 2))
        if (u16(cmap + 4 + 8 * i), u16(cmap + 6 + 8 * i)) == (3, 1)
    )
    segments = u16(table + 6) // 2  # format 4: segments of consecutive code points
    ends, starts = table + 14, table + 16 + 2 * segments
    deltas, ranges = starts + 2 * segments, starts + 4 * segments
    widths = {}
    for k in range(segments):
        start, end = u16(starts + 2 * k), u16(ends + 2 * k)
        delta, offset = struct.unpack_from(">h", data, deltas + 2 * k)[0], u16(ranges + 2 * k)
        for code in range(start, min(end, 0xFFFE) + 1):
            glyph = code if offset == 0 else u16(ranges + 2 * k + offset + 2 * (code - start))
            if offset == 0 or glyph:
                glyph = (glyph + delta) & 0xFFFF
            widths[code] = advances[min(glyph, metrics - 1)]
    return widths, widths[ord("n")]


@lru_cache(maxsize=1 << 16)  # the same words, measured for every table and again in the DOCX
def text_width(text: str, bold: bool = False, size: float = TABLE_FONT) -> float:
    """Width in points of text set on one line (no kerning: a slight overestimate)."""
    widths, missing = font_advances(bold)
    return size * sum(widths.get(ord(c), missing) for c in text)


def words(text: str) -> list[str]:
    """What a line never breaks inside: text between ordinary spaces (no-break spaces, hyphens,
    slashes and codes such as 37006-0001 hold), and between the break opportunities the render
    gives a long string (an address)."""
    return re.split(f"[ {BREAK}]", breakable(MARKUP.sub("", text)))


def minimum_widths(rows: list[list[str]]) -> list[float]:
    """Each column's width below which a word of one of its cells would break (first row bold)."""
    return [
        CELL_PADDING
        + max(
            (text_width(w, bold=r == 0) for r, row in enumerate(rows) for w in words(row[i])),
            default=0.0,
        )
        for i in range(len(rows[0]))
    ]


def _two_lines(text: str, bold: bool) -> float:
    """The narrowest width that sets text on two lines at most."""
    parts = words(text)
    return min(
        max(text_width(" ".join(parts[:k]), bold), text_width(" ".join(parts[k:]), bold))
        for k in range(len(parts) + 1)
    )


def column_widths(rows: list[list[str]], hints: list[float] | None = None) -> list[float]:
    """Widths in points of a table's columns, first row the header, filling TABLE_WIDTH.

    Like a browser's automatic table layout, with a step between the minimum and the natural
    width. No column is narrower than its longest word; then, if the table allows it, than its
    header set on two lines. When every cell fits on one line, the spare width goes by content
    length; otherwise the width beyond the reached step goes to each column by how much of its
    text has to wrap. The writer's relative `largeurs` only weigh these shares.
    """
    count = len(rows[0])
    plain = [[MARKUP.sub("", cell) for cell in row] for row in rows]
    minimum = minimum_widths(rows)
    header = [max(m, CELL_PADDING + _two_lines(plain[0][i], True)) for i, m in enumerate(minimum)]
    natural = [
        max(CELL_PADDING + text_width(row[i], bold=r == 0) for r, row in enumerate(plain))
        for i in range(count)
    ]
    usable = hints and len(hints) == count and sum(hints) > 0
    weight = [count * h / sum(hints) for h in hints] if usable else [1.0] * count
    if sum(minimum) >= TABLE_WIDTH:  # too many columns: shrink, words will break
        return [TABLE_WIDTH * m / sum(minimum) for m in minimum]
    if sum(natural) <= TABLE_WIDTH:
        base, share = natural, [n * w for n, w in zip(natural, weight, strict=True)]
    else:
        base = header if sum(header) <= TABLE_WIDTH else minimum
        share = [(n - b) * w for n, b, w in zip(natural, base, weight, strict=True)]
    spare = TABLE_WIDTH - sum(base)
    total = sum(share) or 1.0
    return [b + spare * s / total for b, s in zip(base, share, strict=True)]


def widen_to_minimum(widths: list[float], minimum: list[float]) -> list[float]:
    """Widths raised to their minimums, the difference taken from the columns that have room,
    in proportion to that room; the total is unchanged."""
    if sum(minimum) >= sum(widths):
        return [sum(widths) * m / sum(minimum) for m in minimum]
    deficit = sum(max(0.0, m - w) for w, m in zip(widths, minimum, strict=True))
    room = [max(0.0, w - m) for w, m in zip(widths, minimum, strict=True)]
    # the room is larger than the deficit: no column goes below its minimum
    return [
        max(w, m) - deficit * r / sum(room) for w, m, r in zip(widths, minimum, room, strict=True)
    ]


def layout(table: Table) -> dict:
    """What the table macro prints: formatted cells, the source with the masks' note, and the
    separator line of the pipe table, whose dashes set the column widths (`column_widths`) and
    the alignment."""
    width = len(table.colonnes)
    # A column is right-aligned when every cell that says something is a number: a computed
    # quantity, or a figure a writer typed in a table of their own.
    texts = [[cell_text(cell) for cell in row] for row in table.lignes]
    numeric = [
        all(
            isinstance(row[i], Quantity)
            or texts[r][i] in ("", "–", MASQUE)
            or TYPED.fullmatch(texts[r][i])
            for r, row in enumerate(table.lignes)
        )
        for i in range(width)
    ]
    lignes = [[cell_markdown(cell) for cell in row] for row in table.lignes]
    # Measured as printed: one line, with the typography pass's no-break spaces.
    printed = [[typographie(" ".join(c.split())) for c in row] for row in [table.colonnes, *texts]]
    widths = column_widths(printed, table.largeurs)
    # pandoc reads relative widths from the dashes once a line is wider than 72 characters;
    # 240 dashes for the line set each width to the point.
    dashes = [max(3, round(240 * w / TABLE_WIDTH)) for w in widths]
    separateur = (
        "|"
        + "|".join(
            "-" * (n - 1) + ":" if right else ":" + "-" * (n - 1)
            for n, right in zip(dashes, numeric, strict=True)
        )
        + "|"
    )
    notes = [f"{MASQUE} : {reason}" for reason in table.masks]
    source = " ; ".join([table.source, *notes] if table.source else notes)
    return {
        "titre": table.titre,
        "colonnes": table.colonnes,
        "lignes": lignes,
        "separateur": Markdown(separateur),
        "source": source,
    }


def meta(value) -> Markdown:
    """A value of the YAML metadata block: pandoc reads it as Markdown, so it is escaped too;
    readable (« é », « » ») so that the typography pass reaches it."""
    return Markdown(json.dumps(str(escape(value)), ensure_ascii=False))


@cache  # one per templates folder: Jinja keeps the compiled templates (reloaded if edited)
def environment(templates: Path) -> SandboxedEnvironment:
    """Strict and sandboxed: a missing variable is an error; templates cannot reach Python.

    Everything a template prints is escaped (`finalize`, then Jinja's autoescape lets the
    result through): only the templates' own text, the macros and the filters that return
    `Markdown` make markup. `md` marks a template's own markup built in an expression.
    """
    env = SandboxedEnvironment(
        loader=FileSystemLoader(templates),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=True,
        finalize=escape,
    )
    env.filters.update(
        FILTERS,
        cellule=cellule,
        siren=siren,
        disposition=layout,
        texte=inlines,
        meta=meta,
        md=Markdown,
        ancre=lambda ident: Markdown("{#" + ident + "}"),
    )
    env.filters.update(french.FILTERS)
    return env


def _template_position(error: Exception, templates: Path) -> str:
    """templates/x.md.j2:12, the innermost template line the error went through."""
    position = str(templates)
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            position = f"{Path(filename).relative_to(templates.parent)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return position


def load_templates(templates: Path) -> None:
    """Every template compiled and Babel's French data loaded, ahead of a render (an error is
    left for the render to report)."""
    env = environment(templates)
    for name in env.list_templates(extensions=["j2"]):
        env.get_template(name)
    nombre(1234.5)


def render_markdown(convention: Convention, templates: Path) -> str:
    """A document as pandoc Markdown, through its template: the whole convention, a partner's
    extract, a bilan or an avenant."""
    name = f"{convention.gabarit}.md.j2"
    try:
        text = environment(templates).get_template(name).render(c=convention)
    except TemplateSyntaxError as e:
        raise ToolError(f"templates/{e.name}:{e.lineno}: gabarit invalide : {e.message}") from e
    except TemplateError as e:
        raise ToolError(
            f"{_template_position(e, templates)}: erreur de gabarit : {e.message}"
        ) from e
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return typographie_markdown(re.sub(r"\n{3,}", "\n\n", text).strip()) + "\n"
