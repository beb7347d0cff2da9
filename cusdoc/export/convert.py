"""Export stage: pandoc Markdown → DOCX (pandoc + python-docx) and PDF (pandoc → Typst)."""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cusdoc import TEMPLATES
from cusdoc.errors import ToolError
from cusdoc.model import IMAGES
from cusdoc.render.typography import typographie


@dataclass(frozen=True)
class Templates:
    """Where the export stage finds its templates, fonts and filter."""

    root: Path
    images: Path | None = None  # the project's content/images/: the only files a text shows

    @classmethod
    def of(cls, project: Path) -> "Templates":
        """The project's own templates/, else those cusdoc ships; its content/images/."""
        own = project / "templates"
        images = project / IMAGES
        return cls(own if own.is_dir() else TEMPLATES, images if images.is_dir() else None)

    @property
    def sandbox(self) -> Path:
        """The one folder Typst and pandoc may read pictures from."""
        return self.images or self.root / "typst"

    @property
    def reference_docx(self) -> Path:
        return self.root / "reference.docx"

    @property
    def typst_template(self) -> Path:
        return self.root / "typst" / "convention.typ"

    @property
    def lua_filter(self) -> Path:
        return self.root / "pandoc" / "cusdoc.lua"

    @property
    def fonts(self) -> Path:
        return self.root / "fonts"


def pandoc(markdown: str, to: str, args: list[str], epoch: int, source: str = "markdown") -> bytes:
    """Run the pandoc bundled with pypandoc-binary; its output is bytes on stdout."""
    import pypandoc  # imported here, like Typst and python-docx: `cusdoc check` needs none

    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    command = [pypandoc.get_pandoc_path(), f"--from={source}", f"--to={to}", "--output=-", *args]
    try:
        result = subprocess.run(
            command, input=markdown.encode("utf-8"), capture_output=True, env=env, check=False
        )
    except OSError as e:
        raise ToolError(
            f"pandoc n'a pas pu être lancé ({e.strerror}) : relancez make convention"
        ) from e
    if result.returncode != 0:
        raise ToolError(
            f"pandoc a échoué ({to}) : {result.stderr.decode(errors='replace').strip()}"
        )
    return result.stdout


def to_docx(markdown: str, templates: Templates, convention, epoch: int) -> bytes:
    raw = pandoc(
        markdown,
        "docx",
        [
            f"--reference-doc={templates.reference_docx}",
            f"--lua-filter={templates.lua_filter}",
            f"--resource-path={templates.sandbox}",
            "--toc",
            "--toc-depth=2",
        ],
        epoch,
    )
    return finish(raw, convention, epoch)


def finish(raw: bytes, convention, epoch: int) -> bytes:
    """pandoc's DOCX finished with the convention's title page, header and properties."""
    from cusdoc.export.docx import finish_docx

    forme = convention.forme[0].upper() + convention.forme[1:]
    return finish_docx(
        raw,
        typographie(convention.organisme["raison_sociale"]),
        typographie(forme),
        f"{convention.periode[0]}-{convention.periode[1]}",
        epoch,
        convention.version,
    )


def to_typst(markdown: str, templates: Templates, epoch: int, version=None) -> str:
    """The Typst source; the version's status and commit go to the PDF's properties only."""
    properties = []
    if version is not None:
        properties = [f"--variable=version-statut:{version.statut}"]
        properties.append(f"--variable=version-commit:{version.reference}")
    return pandoc(
        markdown,
        "typst",
        [
            f"--template={templates.typst_template}",
            f"--lua-filter={templates.lua_filter}",
            # Unwrapped: pandoc indents a wrapped list item in a table cell too little for Typst.
            "--wrap=none",
            *properties,
        ],
        epoch,
    ).decode("utf-8")


def to_pdf(markdown: str, templates: Templates, epoch: int, version=None) -> bytes:
    """Typst compiles in-process with the vendored fonts only; any warning fails the build."""
    import typst

    source = to_typst(markdown, templates, epoch, version)
    try:
        pdf, warnings = typst.compile_with_warnings(
            source.encode("utf-8"),
            root=str(templates.sandbox),
            font_paths=[str(templates.fonts)],
            ignore_system_fonts=True,
            timestamp=epoch,
        )
    except typst.TypstError as e:
        raise ToolError(f"Typst a échoué : {e.message}\n{e.diagnostic}") from e
    if warnings:
        details = "\n".join(f"- {w.message}" for w in warnings)
        raise ToolError(f"Typst a émis des avertissements, la production est arrêtée :\n{details}")
    return pdf
