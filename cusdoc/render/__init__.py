"""Render stage: the document model through the Jinja templates into pandoc Markdown.

The only stage that formats: numbers in French (Babel), table cells aligned by what they hold,
masked cells and their note, French spacing on every printed string.
"""

import re
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from cusdoc.errors import ToolError
from cusdoc.model import Convention, Quantity, Table
from cusdoc.render.formats import FILTERS, quantite
from cusdoc.render.typography import typographie

MASQUE = "s"  # what a masked cell prints
TYPED = re.compile(r"[-+−]?[\d\s\u00a0\u202f]+([,.]\d+)?\s*(%|€|k€|M€)?")


def cellule(value) -> str:
    """A pipe-table cell: one line, its own pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def siren(value: str) -> str:
    """273700005 → « 273 700 005 »."""
    return "\u00a0".join(value[i : i + 3] for i in range(0, 9, 3))


def cell_text(cell) -> str:
    if isinstance(cell, Quantity):
        return MASQUE if cell.masked else quantite(cell)
    return str(cell)


def layout(table: Table) -> dict:
    """What the table macro prints: formatted cells, the source with the masks' note, and the
    separator line of the pipe table, whose dashes set relative widths and alignment."""
    width = len(table.colonnes)
    # A column is right-aligned when every cell that says something is a number: a computed
    # quantity, or a figure a writer typed in a table of their own.
    numeric = [
        all(
            isinstance(row[i], Quantity) or row[i] in ("", "–", MASQUE) or TYPED.fullmatch(row[i])
            for row in table.lignes
        )
        for i in range(width)
    ]
    largeurs = table.largeurs or [1] * width
    # pandoc reads relative widths from the dashes once a line is wider than 72 characters.
    dashes = [max(3, round(120 * w / sum(largeurs))) for w in largeurs]
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
        "lignes": [[cell_text(cell) for cell in row] for row in table.lignes],
        "separateur": separateur,
        "source": source,
    }


def _finalize(value):
    return typographie(value) if isinstance(value, str) else value


def environment(templates: Path) -> SandboxedEnvironment:
    """Strict and sandboxed: a missing variable is an error; templates cannot reach Python."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(templates),
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(FILTERS, cellule=cellule, siren=siren, disposition=layout)
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


def render_markdown(convention: Convention, templates: Path) -> str:
    """The whole convention, or a partner's extract, as pandoc Markdown."""
    name = "extrait.md.j2" if convention.extrait else "convention.md.j2"
    try:
        text = environment(templates).get_template(name).render(c=convention)
    except TemplateSyntaxError as e:
        raise ToolError(f"templates/{e.name}:{e.lineno}: gabarit invalide : {e.message}") from e
    except TemplateError as e:
        raise ToolError(
            f"{_template_position(e, templates)}: erreur de gabarit : {e.message}"
        ) from e
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
