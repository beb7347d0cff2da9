"""Export stage: the pandoc AST of a rendered document → DOCX (pandoc + python-docx) and PDF
(cusdoc's Typst writer, then Typst)."""

from dataclasses import dataclass
from pathlib import Path

from cusdoc import TEMPLATES
from cusdoc.errors import ToolError
from cusdoc.export import ast, typst
from cusdoc.model import IMAGES
from cusdoc.render.typography import typographie


@dataclass(frozen=True)
class Templates:
    """Where the export stage finds its templates and fonts."""

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
    def fonts(self) -> Path:
        return self.root / "fonts"


def to_docx(document: dict, templates: Templates, convention, epoch: int) -> bytes:
    raw = ast.pandoc(
        ast.write(ast.joined(ast.for_docx(document))),
        "docx",
        [
            f"--reference-doc={templates.reference_docx}",
            f"--resource-path={templates.sandbox}",
            "--toc",
            "--toc-depth=2",
        ],
        epoch,
        source="json",
    )
    return finish(raw, convention, epoch)


def finish(raw: bytes, convention, epoch: int) -> bytes:
    """pandoc's DOCX finished with the convention's title page, header and properties."""
    from cusdoc.export.docx import finish_docx

    forme = convention.forme[0].upper() + convention.forme[1:]
    extrait = convention.extrait
    return finish_docx(
        raw,
        typographie(convention.titre),
        typographie(convention.organisme["raison_sociale"]),
        typographie(forme),
        f"{convention.periode[0]}-{convention.periode[1]}",
        epoch,
        convention.version,
        None
        if extrait is None
        else typographie(f"extrait pour {extrait.partenaire.appellation.le}"),
    )


def to_typst(document: dict, templates: Templates, version=None) -> str:
    """The Typst source; the version's status and commit go to the PDF's properties only."""
    try:
        layout = templates.typst_template.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ToolError(f"gabarit Typst illisible ({templates.typst_template}) : {e}") from e
    keywords = () if version is None else (version.statut, version.reference)
    return typst.source(document, layout, keywords)


def to_pdf(source: str, templates: Templates, epoch: int) -> bytes:
    """Typst compiles in-process with the vendored fonts only; any warning fails the build."""
    import typst as compiler

    try:
        pdf, warnings = compiler.compile_with_warnings(
            source.encode("utf-8"),
            root=str(templates.sandbox),
            font_paths=[str(templates.fonts)],
            ignore_system_fonts=True,
            timestamp=epoch,
        )
    except compiler.TypstError as e:
        raise ToolError(f"Typst a échoué : {e.message}\n{e.diagnostic}") from e
    if warnings:
        details = "\n".join(f"- {w.message}" for w in warnings)
        raise ToolError(f"Typst a émis des avertissements, la production est arrêtée :\n{details}")
    return pdf
