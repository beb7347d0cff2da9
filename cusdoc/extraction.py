"""Building the partners' extracts, several at a time, each checked for leaks before any file
is written."""

import math
import multiprocessing
import os
import subprocess
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from cusdoc.errors import ContentError, CusdocError, Problem
from cusdoc.extraits import CHAPITRES_EXTRAIT, Partenaire, kept_strings, partenaires
from cusdoc.fuites import Fuite, forbidden_terms, scan_docx, scan_pdf, scan_text
from cusdoc.load import _dotted
from cusdoc.write import write_atomically

_STATE: dict = {}  # one worker's project, loaded once by _start


class LeakError(CusdocError):
    """An extract names another territory: nothing is written."""

    def __init__(self, leaks: list[tuple[str, Fuite]]):
        lines = [
            f"build/extraits/{fichier} : « {f.terme} » ({f.territoire}) dans {f.ou}"
            for fichier, f in leaks
        ]
        count = len(leaks)
        lines.append(
            f"{count} fuite{'s' if count > 1 else ''} : les extraits n'ont pas été écrits."
        )
        super().__init__("\n".join(lines))


def version(root: Path) -> dict:
    """The commit the extracts derive from, and its date."""
    result = subprocess.run(
        ["git", "-C", str(root), "log", "-1", "--format=%h %ct"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.strip():
        return {}
    commit, epoch = result.stdout.split()
    return {"commit": commit, "date": datetime.fromtimestamp(int(epoch), UTC).date()}


def people(convention: dict) -> tuple[str, ...]:
    """Names of the signatories and contacts: never territories, whatever their words."""
    names = [s["nom"] for s in convention["signataires"]]
    names += [t["contact"]["nom"] for t in convention["territoires"] if t.get("contact")]
    return tuple(names)


def content_leaks(checked, partenaire: Partenaire, codes: list[str]) -> list[Problem]:
    """Forbidden terms in the text an extract keeps, located in the content files."""
    convention = checked.content.sources["convention"].data
    terms = forbidden_terms(partenaire, codes, checked.geo, people(convention))
    problems = []
    for name in CHAPITRES_EXTRAIT:
        source = checked.content.sources.get(name)
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
                        _dotted(path),
                        f"« {leak.terme} » ({leak.territoire}) fuirait dans l'extrait "
                        f"{partenaire.code} ({partenaire.nom}) : marquez ce passage avec "
                        "« territoires » ou reformulez-le sans nommer de territoire",
                    )
                )
    return problems


def select(checked, codes: list[str] | None) -> list[Partenaire]:
    everyone = partenaires(checked.content.sources["convention"].data, checked.geo)
    if codes is None:
        return everyone
    known = {p.code: p for p in everyone}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise CusdocError(
            f"partenaire inconnu : {', '.join(unknown)} (partenaires déclarés dans "
            f"content/convention.yml : {', '.join(known)})"
        )
    return [known[c] for c in codes]


def build_extracts(root: Path, codes: list[str] | None = None, workers: int | None = None):
    """Every selected partner's extract in build/extraits/, or nothing if one of them leaks."""
    from cusdoc.build import verify

    checked = verify(root, keep_data=True)
    chosen = select(checked, codes)
    territories = [t["code"] for t in checked.content.sources["convention"].data["territoires"]]
    problems = [p for partenaire in chosen for p in content_leaks(checked, partenaire, territories)]
    if problems:
        raise ContentError(problems)
    workers = min(workers or os.cpu_count() or 1, len(chosen))
    args = (str(root), version(root))
    if workers <= 1:
        _start(*args, checked=checked)
        results = [_extract(p.code) for p in chosen]
    else:
        # Typst deadlocks in forked workers: start them fresh.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start, initargs=args
        ) as pool:
            chunk = math.ceil(len(chosen) / workers)
            results = list(pool.map(_extract, [p.code for p in chosen], chunksize=chunk))
    leaks = [(name, leak) for name, _, found in results for leak in found]
    if leaks:
        raise LeakError(leaks)
    target = root / "build" / "extraits"
    outputs = {target / name: data for _, files, _ in results for name, data in files.items()}
    write_atomically(outputs)
    return sorted(outputs)


def _start(root: str, version_: dict, checked=None) -> None:
    """A worker loads the project and its data once (the parent process has them already)."""
    from cusdoc.build import source_date_epoch, verify
    from cusdoc.export import Templates

    path = Path(root)
    checked = checked or verify(path, keep_data=True)
    _STATE.update(
        checked=checked,
        templates=Templates.of(path),
        epoch=source_date_epoch(path),
        version=version_,
        partners={p.code: p for p in select(checked, None)},
    )


def _extract(code: str) -> tuple[str, dict[str, bytes], list[Fuite]]:
    """One partner's DOCX and PDF, with what the leak check found in them."""
    from cusdoc.assemble import assemble
    from cusdoc.calcul import compute_content, restrict, unrestrict
    from cusdoc.export import to_docx, to_pdf
    from cusdoc.render import render_markdown

    checked = _STATE["checked"]
    partenaire = _STATE["partners"][code]
    content, geo, db = checked.content, checked.geo, checked.db
    data = content.sources["convention"].data
    restrict(db, partenaire)
    try:
        calculs, _ = compute_content(db, content, geo, tables=True)
    finally:
        unrestrict(db)
    convention = assemble(content, geo, calculs, partenaire, _STATE["version"])
    markdown = render_markdown(convention, _STATE["templates"].root)
    epoch = _STATE["epoch"]
    docx = to_docx(markdown, _STATE["templates"], convention, epoch)
    pdf = to_pdf(markdown, _STATE["templates"], epoch)
    terms = forbidden_terms(partenaire, [t["code"] for t in data["territoires"]], geo, people(data))
    found = scan_docx(docx, terms) + scan_pdf(pdf, terms)
    name = partenaire.fichier
    return name, {f"{name}.docx": docx, f"{name}.pdf": pdf}, found
