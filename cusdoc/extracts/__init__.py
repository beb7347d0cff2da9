"""The partners' extracts: prepared once in this process, exported several at a time, each
checked for leaks before any file is written.

The parent process checks the project, computes and assembles every partner's document and
renders it; the workers only convert Markdown into DOCX and PDF and search them for leaks. An
extract whose inputs did not change comes from the cache instead of a worker.
"""

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cusdoc.assemble.scope import CHAPITRES_EXTRAIT, kept_strings
from cusdoc.errors import ContentError, LeakError, Problem
from cusdoc.export.convert import Templates
from cusdoc.extracts.leaks import Lexique, forbidden_terms, scan_docx, scan_pdf, scan_text
from cusdoc.load.content import dotted
from cusdoc.model import Convention, Partenaire
from cusdoc.pipeline import Project, check, document, source_date_epoch

FORMATS = ("docx", "pdf")


def people(convention: dict) -> tuple[str, ...]:
    """Names of the signatories and contacts: never territories, whatever their words."""
    names = [s["nom"] for s in convention["signataires"]]
    names += [t["contact"]["nom"] for t in convention["territoires"] if t.get("contact")]
    return tuple(names)


def lexique(project: Project, partenaire: Partenaire) -> Lexique:
    convention = project.content.convention
    codes = [t["code"] for t in convention["territoires"]]
    return forbidden_terms(partenaire, codes, project.geo, people(convention))


def content_leaks(project: Project, partenaire: Partenaire, terms: Lexique) -> list[Problem]:
    """Forbidden terms in the text an extract keeps, located in the content files."""
    problems = []
    for name in CHAPITRES_EXTRAIT:
        source = project.content.sources.get(name)
        if source is None:
            continue
        data = source.data
        if name == "engagements":  # its rows are chosen by territory when the extract is made
            data = {k: v for k, v in data.items() if k != "engagements"}
        for path, text in kept_strings(data, partenaire):
            for leak in scan_text(text, terms, ""):
                line, column = source.position(path)
                problems.append(
                    Problem(
                        source.file,
                        line,
                        column,
                        dotted(path),
                        f"« {leak.terme} » ({leak.territoire}) fuirait dans l'extrait "
                        f"{partenaire.code} ({partenaire.nom}) : marquez ce passage avec "
                        "« territoires » ou reformulez-le sans nommer de territoire",
                    )
                )
    return problems


@dataclass
class Job:
    """One extract to convert: what a worker needs, and nothing it would have to compute."""

    fichier: str
    markdown: str
    convention: Convention
    templates: Templates
    epoch: int
    terms: Lexique


def build_extracts(root: Path, codes: list[str] | None = None, workers: int | None = None):
    """Every selected partner's extract in build/extraits/, or nothing if one of them leaks."""
    from cusdoc.export.cache import Cache, folder_digest, key
    from cusdoc.render import render_markdown
    from cusdoc.write import write_atomically

    project = check(root)
    chosen = project.partenaires if codes is None else [project.partenaire(c) for c in codes]
    terms = {p.code: lexique(project, p) for p in chosen}
    problems = [q for p in chosen for q in content_leaks(project, p, terms[p.code])]
    if problems:
        raise ContentError(problems)
    templates = Templates.of(root)
    epoch = source_date_epoch(root)
    digest = folder_digest(templates.root)
    cache = Cache(root, "extraits")
    files: dict[str, dict[str, bytes]] = {}
    entries: dict[str, str] = {}
    jobs = []
    for partenaire in chosen:
        convention = document(project, partenaire.code)
        markdown = render_markdown(convention, templates.root)
        name = partenaire.fichier
        forbidden = repr(sorted(terms[partenaire.code].terms))
        entries[name] = key(markdown, digest, str(epoch), forbidden)
        cached = {fmt: cache.get(entries[name], fmt) for fmt in FORMATS}
        if all(data is not None for data in cached.values()):
            files[name] = cached
        else:
            jobs.append(Job(name, markdown, convention, templates, epoch, terms[partenaire.code]))
    results = _run(jobs, workers)
    leaks = [(f"{name}.{fmt}", *leak) for name, _, found in results for fmt, leak in found]
    if leaks:
        raise LeakError(leaks)
    outputs: dict[Path, bytes] = {}
    for name, made, _ in results:
        files[name] = made
        outputs.update(cache.outputs(entries[name], made))
    target = root / "build" / "extraits"
    deliverables = {
        target / f"{name}.{fmt}": data for name, made in files.items() for fmt, data in made.items()
    }
    write_atomically({**deliverables, **outputs})
    if codes is None:
        cache.prune()
    return sorted(deliverables)


def _run(jobs: list[Job], workers: int | None) -> list:
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        return [convert(job) for job in jobs]
    # Typst deadlocks in forked workers: start them fresh.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(convert, jobs, chunksize=math.ceil(len(jobs) / workers)))


def convert(job: Job) -> tuple[str, dict[str, bytes], list[tuple[str, tuple[str, str, str]]]]:
    """One partner's DOCX and PDF, with what the leak check found in each."""
    from cusdoc.export import export

    made = export(job.markdown, job.convention, job.templates, job.epoch, FORMATS)
    found = [("docx", (f.terme, f.territoire, f.ou)) for f in scan_docx(made["docx"], job.terms)]
    found += [("pdf", (f.terme, f.territoire, f.ou)) for f in scan_pdf(made["pdf"], job.terms)]
    return job.fichier, made, found
