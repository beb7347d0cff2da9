"""The partners' extracts: prepared once in this process, exported several at a time, each
checked for leaks before any file is written.

The parent process checks the project, computes and assembles every partner's document and
renders it; the workers only convert Markdown into DOCX and PDF and search them for leaks. An
extract whose inputs did not change comes from the cache instead of a worker.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cusdoc.assemble.scope import kept_strings
from cusdoc.errors import ContentError, LeakError, Problem
from cusdoc.export.convert import Templates
from cusdoc.extracts import reading
from cusdoc.extracts.leaks import Fuite, as_found, markdown_text, scan_docx, scan_pdf
from cusdoc.extracts.pool import Workers
from cusdoc.extracts.terms import Lexique, Territoires, common_words
from cusdoc.extracts.text import Text, words
from cusdoc.load.content import dotted
from cusdoc.load.data import Data
from cusdoc.model import CHAPITRES_EXTRAIT, Convention, Partenaire
from cusdoc.pipeline import Project, Warn, checked, document

FORMATS = ("docx", "pdf")


def people(convention: dict) -> tuple[str, ...]:
    """Names of the signatories and contacts: never territories, whatever their words."""
    names = [s["nom"] for s in convention["signataires"]]
    names += [t["contact"]["nom"] for t in convention["territoires"] if t.get("contact")]
    return tuple(names)


def exceptions(convention: dict, partenaire: Partenaire) -> tuple[str, ...]:
    """What a partner must read although it names another territory: the signing place as the
    signature page writes it (« Fait à Orléans »), the titles of the signatories its extract
    prints (« préfet du Nord »), the organisation's name, and the writer's declared list
    (`fuites: {exceptions: [...]}` in content/convention.yml)."""
    organisme = convention["organisme"]
    phrases = [f"Fait à {convention['lieu_signature']}"]
    phrases += [
        s["fonction"]
        for s in convention["signataires"]
        if s.get("territoire") in (None, partenaire.code)
    ]
    phrases += [organisme["raison_sociale"], organisme.get("sigle")]
    phrases += (convention.get("fuites") or {}).get("exceptions") or []
    return tuple(p for p in phrases if p)


def territoires(project: Project) -> Territoires:
    """The convention's territories, read once for every partner's lexique."""
    codes = project.content.territoires
    return Territoires(codes, project.geo)


def lexique(project: Project, partenaire: Partenaire, read: Territoires | None = None) -> Lexique:
    """What the partner's extract must not name; read: `territoires(project)`, if at hand."""
    convention = project.content.convention
    read = read or territoires(project)
    return read.lexique(partenaire, people(convention), exceptions(convention, partenaire))


def _kept_texts(project: Project, partenaire: Partenaire, names=CHAPITRES_EXTRAIT):
    """(source, path, text) of every string of content that the partner's extract prints;
    names: the content files it prints from (its bilan's: content/bilans/AAAA.yml)."""
    for name in names:
        source = project.content.sources.get(name)
        if source is None:
            continue
        data = source.data
        if name == "engagements":  # its rows are chosen by territory when the extract is made
            data = {k: v for k, v in data.items() if k != "engagements"}
        for path, text in kept_strings(data, partenaire):
            yield source, path, text
    convention = project.content.sources["convention"]
    for index, territoire in enumerate(convention.data["territoires"]):
        if territoire["code"] == partenaire.code and territoire.get("contact"):
            for field, value in territoire["contact"].items():
                yield convention, ("territoires", index, "contact", field), str(value)


@cache
def _parsed(text: str, identifier: bool) -> Text:
    """A writer's text in words (kept: most texts are kept in every partner's extract)."""
    return words(markdown_text(text), identifier)


def _findings(
    project: Project,
    partenaire: Partenaire,
    terms: Lexique,
    relaxed: bool = False,
    names=CHAPITRES_EXTRAIT,
):
    """(source, path, term, text as found) for every forbidden term of the kept content."""
    kept = []
    for source, path, text in _kept_texts(project, partenaire, names):
        identifier = bool(path) and path[-1] == "id"  # an id becomes a bookmark of the DOCX
        kept.append((source, path, _parsed(text, identifier), identifier))
    common = common_words(parsed for _, _, parsed, identifier in kept if not identifier)
    for source, path, parsed, _ in kept:
        for term, found in terms.find(parsed, relaxed=relaxed, common=common):
            yield source, path, term, as_found(found, term.nom)


def _named(terme: str, territoire: str, found: str) -> str:
    """« Blois » (its territory), or « BLOIS » (lu « Blois », its territory) when written
    otherwise."""
    if not found or found == terme:
        return f"« {terme} » ({territoire})"
    return f"« {found} » (lu « {terme} », {territoire})"


def content_leaks(project: Project, partenaire: Partenaire, terms: Lexique) -> list[Problem]:
    """Forbidden terms in the text an extract keeps, located in the content files."""
    problems = []
    for source, path, term, found in _findings(project, partenaire, terms):
        line, column = source.position(path)
        advice = "reformulez-le sans nommer de territoire"
        if source.file != "content/convention.yml":
            advice = "marquez ce passage avec « territoires » ou " + advice
        problems.append(
            Problem(
                source.file,
                line,
                column,
                dotted(path),
                f"{_named(term.nom, term.territoire, found)} fuirait dans l'extrait "
                f"{partenaire.code} ({partenaire.nom}) : {advice}",
            )
        )
    return problems


def origins(
    project: Project, partenaire: Partenaire, terms: Lexique, names=CHAPITRES_EXTRAIT
) -> dict[str, str]:
    """Where each forbidden term the kept content writes is first written (as a name, else as
    a lower-case word): term → « écrit en content/…:line:column (path) »."""
    out: dict[str, str] = {}
    for relaxed in (False, True):  # as a name first, then as any word
        for source, path, term, _ in _findings(project, partenaire, terms, relaxed, names):
            line, column = source.position(path)
            out.setdefault(term.nom, f"écrit en {source.file}:{line}:{column} ({dotted(path)})")
    return out


UNWRITTEN = "que n'écrit aucun texte de content/*.yml : il vient des données ou des gabarits"


def leak(fichier: str, fmt: str, fuite: Fuite, written: dict[str, str]):
    """A leak as LeakError reports it: the deliverable that would have been written (its name
    in build/extraits/), the term as found, its territory, where in the file and where it was
    written."""
    territoire = fuite.territoire
    if fuite.trouve:
        territoire = f"lu « {fuite.terme} », {territoire}"
    where = f"{fuite.ou}, {written.get(fuite.terme, UNWRITTEN)}"
    return f"{fichier}.{fmt}", fuite.trouve or fuite.terme, territoire, where


def leaks_of(project: Project, partenaire: Partenaire, fichier: str, made: dict[str, bytes], names):
    """What a partner's document made outside the extracts (its bilan, printed from the
    content files `names`) names of another territory, in its DOCX and its PDF, as LeakError
    reports it."""
    terms = lexique(project, partenaire)
    found = [("docx", fuite) for fuite in scan_docx(made["docx"], terms)]
    found += [("pdf", fuite) for fuite in scan_pdf(made["pdf"], terms)]
    written = origins(project, partenaire, terms, names) if found else {}
    return [leak(fichier, fmt, fuite, written) for fmt, fuite in found]


@dataclass
class Job:
    """One extract to convert: what a worker needs, and nothing it would have to compute (the
    lexique travels as what it is made from, quicker to build again than to read)."""

    fichier: str
    markdown: str
    convention: Convention
    templates: Templates
    epoch: int
    terms: Lexique


def build_extracts(
    root: Path,
    codes: list[str] | None = None,
    workers: int | None = None,
    signature: bool = False,
    warn: Warn | None = None,
):
    """Every selected partner's extract in build/extraits/, or nothing if one of them leaks.

    signature: extracts of the version for signature, refused as the convention's is."""
    from cusdoc.export.cache import Cache
    from cusdoc.write import discard_stale

    discard_stale(root / "build")
    cache = Cache(root, "extraits")
    with Workers(workers) as pool:
        if cache.empty():  # every extract is to make: the workers warm up during the check
            pool.start()
        return _build(root, codes, signature, warn, cache, pool)


def _build(root: Path, codes, signature: bool, warn: Warn | None, cache, pool: Workers):
    """build_extracts' work, with the extracts' cache and the workers that convert."""
    from cusdoc.export.cache import key, scope_inputs, templates_digest
    from cusdoc.render import render_markdown
    from cusdoc.write import write_atomically

    project = checked(root, signature, warn)
    chosen = project.partenaires if codes is None else [project.partenaire(c) for c in codes]
    templates = Templates.of(root)
    epoch = project.epoch
    shared = (
        project.data.digest if project.data else "sans données",
        templates_digest(templates),
        str(epoch),
    )
    versions = {p.code: project.version_of(p, signature) for p in chosen}
    files: dict[str, dict[str, bytes]] = {}
    entries: dict[str, str] = {}
    pending = []
    for partenaire in chosen:
        # Keyed on what the extract can print: an unchanged partner is neither computed,
        # rendered, converted nor searched again.
        entries[partenaire.fichier] = key(
            scope_inputs(project.content, partenaire), *shared, repr(versions[partenaire.code])
        )
        cached = {fmt: cache.get(entries[partenaire.fichier], fmt) for fmt in FORMATS}
        if all(data is not None for data in cached.values()):
            files[partenaire.fichier] = cached
        else:
            pending.append(partenaire)
    terms: dict[str, Lexique] = {}
    problems: list[Problem] = []
    read = territoires(project)

    # Prepared while the workers convert the first ones; nothing is written if a content leaks.
    def jobs():
        for partenaire in pending:
            terms[partenaire.code] = lexique(project, partenaire, read)
            problems.extend(content_leaks(project, partenaire, terms[partenaire.code]))
            if problems:  # no more conversions: the content is to correct first
                continue
            version = versions[partenaire.code]
            convention = document(project, partenaire.code, signature, version)
            markdown = render_markdown(convention, templates.root)
            terms_ = terms[partenaire.code]
            yield Job(partenaire.fichier, markdown, convention, templates, epoch, terms_)

    with _one_thread(project.data):
        results = pool.map(convert, jobs(), len(pending))
    if problems:
        raise ContentError(problems)
    leaks = []
    for name, _, found in results:
        if found:
            partenaire = next(p for p in chosen if p.fichier == name)
            written = origins(project, partenaire, terms[partenaire.code])
            leaks += [leak(partenaire.fichier, fmt, fuite, written) for fmt, fuite in found]
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


@contextmanager
def _one_thread(data: Data | None):
    """DuckDB's queries on one thread while the workers convert: on cores they keep busy, a
    second thread costs more than it saves."""
    if data is None:
        yield
        return
    (threads,) = data.db.execute("SELECT current_setting('threads')").fetchone()
    data.db.execute("SET threads = 1")
    try:
        yield
    finally:
        data.db.execute(f"SET threads = {int(threads)}")


def convert(job: Job) -> tuple[str, dict[str, bytes], list[tuple[str, Fuite]]]:
    """One partner's DOCX and PDF, with what the leak check found in each."""
    from cusdoc.export import export

    read = reading.read(job.markdown, job.epoch)  # the sections this worker read before, kept
    made = export(job.markdown, job.convention, job.templates, job.epoch, FORMATS, document=read)
    found = [("docx", fuite) for fuite in scan_docx(made["docx"], job.terms)]
    found += [("pdf", fuite) for fuite in scan_pdf(made["pdf"], job.terms)]
    return job.fichier, made, found
