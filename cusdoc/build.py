"""The pipeline: load → validate → assemble → render → export, one function per command."""

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cusdoc.assemble import Convention, assemble, engagement_context
from cusdoc.calcul import Calculs, compute_content
from cusdoc.donnees import data_present, load_data
from cusdoc.engagements import check_engagements
from cusdoc.errors import ContentError
from cusdoc.export import DEFAULT_TEMPLATES, Templates, to_docx, to_pdf
from cusdoc.geographie import Geographie, load_geographie
from cusdoc.indicateurs import load_catalogue
from cusdoc.load import Content, load_content
from cusdoc.validate import data_needed, validate_content
from cusdoc.write import write_atomically

__all__ = ["DEFAULT_TEMPLATES", "build", "check", "verify"]

FORMATS = ("docx", "pdf", "xlsx", "md")


@dataclass
class Checked:
    """Content and data that passed every check, with what was computed from the data."""

    content: Content
    geo: Geographie
    calculs: Calculs
    db: object = None  # the DuckDB connection holding the data, when asked to keep it

    @property
    def summary(self) -> str:
        data = self.content.sources["convention"].data
        generation = data["generation"]
        return (
            f"Contenu valide : {len(data['chapitres']) + 1} chapitres, période "
            f"{generation['premiere_annee']}-{generation['derniere_annee']}."
        )


def verify(root: Path, tables: bool = False, keep_data: bool = False) -> Checked:
    """Load and check the content and the data; raise one error listing every problem.

    tables=True also computes the tables the document prints (not needed to check);
    keep_data=True keeps the data loaded, for the extracts to compute on their territory.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        # DuckDB releases the GIL: the data loads while the YAML is checked.
        data = pool.submit(load_data, root) if data_present(root) else None
        geo = load_geographie()
        content, problems = load_content(root)
        problems += validate_content(content, geo, complete=not problems)
        db, data_problems = data.result() if data else (None, [])
    problems += data_problems
    calculs = Calculs()
    if data is None:
        problems += data_needed(content)
    elif not problems:
        calculs, compute_problems = compute_content(db, content, geo, tables)
        problems += compute_problems
    if not problems and "engagements" in content.sources:
        problems += check_engagements(
            content.sources["engagements"],
            load_catalogue(),
            engagement_context(content, geo, calculs),
        )
    if problems:
        raise ContentError(problems)
    return Checked(content, geo, calculs, db if keep_data else None)


def check(root: Path) -> Convention:
    """The document model of checked content, with every computed table."""
    checked = verify(root, tables=True)
    return assemble(checked.content, checked.geo, checked.calculs)


def build(root: Path, formats: tuple[str, ...] = ("docx", "pdf", "xlsx")) -> list[Path]:
    """Produce the deliverables in build/; on failure the previous ones stay as they were."""
    # Imported here so that `cusdoc check` does not pay for Jinja, Babel, pandoc and Typst.
    from cusdoc.render import render_markdown
    from cusdoc.tableur import to_xlsx

    convention = check(root)
    templates = Templates.of(root)
    markdown = render_markdown(convention, templates.root)
    epoch = source_date_epoch(root)
    # Every deliverable is produced in memory before any file is replaced.
    outputs: dict[Path, bytes] = {}
    target = root / "build"
    if "md" in formats:
        outputs[target / "convention.md"] = markdown.encode("utf-8")
    # pandoc runs as a subprocess: the DOCX and the PDF are made side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {}
        if "docx" in formats:
            jobs["convention.docx"] = pool.submit(to_docx, markdown, templates, convention, epoch)
        if "pdf" in formats:
            jobs["convention.pdf"] = pool.submit(to_pdf, markdown, templates, epoch)
        for name, job in jobs.items():
            outputs[target / name] = job.result()
    if "xlsx" in formats and convention.engagements:
        outputs[target / "indicateurs.xlsx"] = to_xlsx(convention, epoch)
    write_atomically(outputs)
    return list(outputs)


def source_date_epoch(root: Path) -> int:
    """The date stamped in the deliverables: SOURCE_DATE_EPOCH, else the last commit's date."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    result = subprocess.run(
        ["git", "-C", str(root), "log", "-1", "--format=%ct"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0 and result.stdout.strip().isdigit():
        return int(result.stdout.strip())
    # Outside git: the newest content file, so the date still follows the content.
    return int(max(p.stat().st_mtime for p in (root / "content").glob("*.yml")))
