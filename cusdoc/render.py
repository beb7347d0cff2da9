"""Render stage: the document model through the Jinja templates into pandoc Markdown."""

import re
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from cusdoc.assemble import Convention
from cusdoc.errors import ToolError
from cusdoc.formats import FILTERS
from cusdoc.typographie import typographie


def cellule(value) -> str:
    """A pipe-table cell: one line, its own pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def siren(value: str) -> str:
    """273700005 → « 273 700 005 »."""
    return "\u00a0".join(value[i : i + 3] for i in range(0, 9, 3))


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
    env.filters.update(FILTERS, cellule=cellule, siren=siren)
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
