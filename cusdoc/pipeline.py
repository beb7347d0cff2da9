"""The recipe: load → validate → compute → assemble, for the convention or a partner's extract.

`check` runs the stages that decide whether the content is valid; `prepare` goes on to the
document model of each scope asked for. Every command (build, extracts, diff, suivi) starts
from `prepare`; only render, export and write come after it.
"""

import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import astuple, dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from cusdoc import git
from cusdoc.errors import ContentError, CusdocError, Problem, SignatureError
from cusdoc.load.content import BILANS, REALISE, Content, load_content, parse_yaml
from cusdoc.load.data import Data, data_present, keep, load_data
from cusdoc.load.geography import Geographie, load_geographie
from cusdoc.model import ORGANISME, Convention, EngagementContext, Partenaire, Version

if TYPE_CHECKING:
    from cusdoc.compute.secrecy import Secret

ORGANISATION = None  # the scope of the whole convention; a partner's code otherwise


@dataclass
class Project:
    """Content and data that passed every check, with the organisation's references."""

    root: Path
    content: Content
    geo: Geographie
    data: Data | None
    context: EngagementContext  # the organisation's references and stock, per territory
    partenaires: list[Partenaire]
    # statistical secrecy decided on the whole organisation's data, carried into every document
    secret: "Secret | None" = None
    # cusdoc check's warnings: the points to settle before the signature version
    warnings: list[Problem] = field(default_factory=list)
    _values: dict = field(default_factory=dict, repr=False)
    # the data values of the organisation and its declared territories, computed beside the
    # checks (all_values), before the settings and the secrecy are applied to them
    _found: dict = field(default_factory=dict, repr=False)

    @cached_property
    def epoch(self) -> int:
        """The date stamped in the deliverables, in seconds."""
        return source_date_epoch(self.root)

    @cached_property
    def revision(self) -> tuple[str | None, list[str] | None]:
        """The last commit and the project's files that differ from it (asked of git once)."""
        return git.commit(self.root), git.uncommitted(self.root, *TRACKED)

    def version(self, signature: bool = False) -> Version:
        """What the documents of this project are: a numbered project, or the version for
        signature; dated by the stamp of the deliverables."""
        numero = (self.content.convention.get("version") or {}).get("numero_projet")
        commit, changed = self.revision
        date = datetime.fromtimestamp(self.epoch, UTC).date()
        return Version(signature, None if signature else numero, date, commit, bool(changed))

    def version_of(self, partenaire: Partenaire, signature: bool = False) -> Version:
        """The version of a partner's extract: made from changed files only if what it prints
        differs from what the last commit prints (a change elsewhere leaves it as committed)."""
        from cusdoc.export.cache import scope_inputs

        version = self.version(signature)
        if not version.modifie:
            return version
        committed = self.committed_content
        same = committed is not None and scope_inputs(committed, partenaire) == scope_inputs(
            self.content, partenaire
        )
        return replace(version, modifie=not same)

    @cached_property
    def committed_content(self) -> Content | None:
        """The content as the last commit has it, when only chapter files changed since (the
        data, the pictures or the templates changed: None, every document changed)."""
        changed = self.revision[1] or []
        files = {f"content/{name}.yml": name for name in self.content.sources}
        if any(path not in files for path in changed):
            return None
        sources = dict(self.content.sources)
        for path in changed:
            text = git.show(self.root, "HEAD", path)
            problems: list[Problem] = []
            source = None if text is None else parse_yaml(path, text, problems)
            if source is None or problems:
                return None
            sources[files[path]] = source
        return Content(self.root, sources)

    def values(self, territoire: str) -> dict:
        """The values a writer's §{nom} gives for a territory (ORGANISME: the whole data); those
        of the organisation and of every declared territory are computed together, once."""
        if territoire not in self._values:
            declared = self.content.territoires
            asked = dict.fromkeys([ORGANISME, *declared, territoire])
            self._values |= self._computed([t for t in asked if t not in self._values])
        return self._values[territoire]

    def _computed(self, territoires: list[str]) -> dict[str, dict]:
        """The values of territories not computed yet (the organisation first of all)."""
        from cusdoc.compute import foyers
        from cusdoc.compute.tables import share
        from cusdoc.compute.values import setting_values, situation, under_secret

        settings = self.content.settings
        common = setting_values(settings.periode, settings.annee_reference, settings.seuil)
        where = {
            t: {"sur_le_territoire": situation(None if t == ORGANISME else self.geo.territoire(t))}
            for t in territoires
        }
        if self.data is None:
            return {territoire: common | where[territoire] for territoire in territoires}
        found = {t: self._found[t] for t in territoires if t in self._found}
        if missing := [t for t in territoires if t not in found]:
            found |= _data_values(self.data, self.content, missing)
        whole = found[ORGANISME] if ORGANISME in found else self._values[ORGANISME]
        out = {}
        for territoire, values in found.items():
            values = {**common, **where[territoire], **values}
            values["part_parc"] = share(values["logements"].value, whole["logements"].value)
            # the rule applies to the organisation's stock, whatever the passage's territory
            values["regime_foyers"] = foyers.regime(whole["part_foyers"].value)
            out[territoire] = under_secret(values, self.secret, self._leaves(territoire))
        return out

    def _leaves(self, territoire: str) -> frozenset:
        """The (département, EPCI) rows of the attributions table a territory adds up."""
        leaves = self.secret.leaves if self.secret else frozenset()
        if territoire == ORGANISME:
            return frozenset(leaves)
        side = 0 if self.geo.territoire(territoire).nature == "département" else 1
        return frozenset(leaf for leaf in leaves if leaf[side] == territoire)

    @property
    def summary(self) -> str:
        chapitres = self.content.convention["chapitres"]
        first, last = self.content.settings.periode
        return f"Contenu valide : {len(chapitres) + 1} chapitres, période {first}-{last}."

    def partenaire(self, code: str) -> Partenaire:
        known = {p.code: p for p in self.partenaires}
        if code not in known:
            raise CusdocError(
                f"partenaire inconnu : {code} (partenaires déclarés dans "
                f"content/convention.yml : {', '.join(known)})"
            )
        return known[code]


def check(root: Path, values: bool = False, kept: bool = True) -> Project:
    """Load and check the content and the data; raise one error listing every problem.

    The project holds the warnings: what may stay in a draft but not in the signed text.
    values: the text's data values are computed beside the checks, for a command that makes a
    document; kept: the data typed here is kept in the project's build/.cache/ (not for a
    revision's temporary folder, gone once read).
    """
    with ThreadPoolExecutor(max_workers=3) as pool:
        # DuckDB releases the GIL: the data loads (from the first moment: the checks' modules
        # import meanwhile), then is checked against the content, gives the references and the
        # text's values, each on a connection of its own, while the content is validated. What
        # is found on the data counts only if the content is valid.
        loading = pool.submit(load_data, root) if data_present(root) else None
        project = _check(root, values, pool, loading)
    if kept and project.data is not None:
        keep(project.data, root)
    return project


def _check(root: Path, values: bool, pool: ThreadPoolExecutor, loading: Future | None) -> Project:
    """check's work once the data is loading on the pool (loading: None without data)."""
    from cusdoc.assemble import engagement_context
    from cusdoc.assemble.scope import partenaires
    from cusdoc.compute import Calculs, compute
    from cusdoc.load.catalogue import for_data, load_catalogue, verified
    from cusdoc.validate.content import data_file_needed, data_needed, validate_content
    from cusdoc.validate.data import undeclared_epci
    from cusdoc.validate.engagements import (
        check_engagements,
        check_ps1_subjects,
        likely_subjects,
    )
    from cusdoc.validate.realise import check_bilan, check_realise
    from cusdoc.validate.signature import pending
    from cusdoc.validate.totals import has_totals, stale_totals
    from cusdoc.validate.vente import missing_addresses, sale_warnings

    content, problems = load_content(root)
    on_data = computing = values_found = None
    if loading is not None and not problems:
        on_data = pool.submit(_beside, loading, _check_data, content)
        computing = pool.submit(_beside, loading, compute, content)
        if values or has_totals(content):  # stale_totals reads the values too
            declared = [ORGANISME, *content.territoires]
            values_found = pool.submit(_beside, loading, _data_values, content, declared)
    geo = load_geographie()  # read while the data is checked: only the content's checks need it
    problems += validate_content(content, geo, complete=not problems)
    data, data_problems = loading.result() if loading else (None, [])
    problems += data_problems
    if data is None:
        problems += data_needed(content)
    elif not problems:
        problems += data_file_needed(content, data.absent())
    if problems:
        raise ContentError(problems)
    calculs = Calculs({}, {}, {})
    if on_data is not None:
        problems += on_data.result()
        if problems:  # the references are not asked of data that failed its checks
            raise ContentError(problems)
        calculs = computing.result()
    context = engagement_context(content, geo, calculs)
    catalogue = for_data(load_catalogue(), context.absent)
    problems += check_ps1_subjects(content.sources["convention"], context)
    if not problems and "engagements" in content.sources:
        problems += check_engagements(content.sources["engagements"], catalogue, context)
    if not problems:
        engagements = content.sources.get("engagements")
        committed = engagements.data["engagements"] if engagements else {}
        if REALISE in content.sources:
            problems += check_realise(content.sources[REALISE], committed, catalogue, context)
        for name, source in content.sources.items():
            if name.startswith(f"{BILANS}/"):
                annee = int(name.removeprefix(f"{BILANS}/"))
                problems += check_bilan(source, annee, committed, context.periode)
    if problems:
        raise ContentError(problems)
    warnings = pending(content, verified(catalogue, content.convention))
    warnings += likely_subjects(content.sources["convention"], context)
    if data is not None:
        warnings += sale_warnings(data) + missing_addresses(content, data)
        warnings += undeclared_epci(data, content.territoires)
    project = Project(
        root,
        content,
        geo,
        data,
        context,
        partenaires(content.convention, geo),
        calculs.secret,
        warnings,
        _found=values_found.result() if values_found is not None else {},
    )
    project.warnings += stale_totals(content, project.values)  # values read only if cited
    project.warnings.sort()
    return project


def _beside(loading: Future, work: Callable, *args):
    """work(data, *args) on a connection of its own, beside the content's validation, once the
    data loaded; None if it did not (its problems stop the check before any result is asked)."""
    data, problems = loading.result()
    return None if problems else work(data.cursor(), *args)


def _check_data(data: Data, content: Content) -> list[Problem]:
    """The data's problems against the content, counted only once the content passed its
    checks."""
    from cusdoc.assemble import assujettis_ps1
    from cusdoc.validate.data import check_data
    from cusdoc.validate.npl import check_npl
    from cusdoc.validate.vente import check_plan, plan_needs_data
    from cusdoc.validate.volets import check_volets

    territoires = content.territoires
    problems = check_data(data, content.settings, territoires, assujettis_ps1(content.convention))
    problems += check_npl(data, content, territoires)
    problems += check_plan(data, content.settings.periode, territoires)
    problems += plan_needs_data(content, data)
    effet = content.convention["generation"]["date_effet"]
    problems += check_volets(data, content.sources["convention"], effet.year)
    return problems


def _data_values(data: Data, content: Content, territoires: list[str]) -> dict[str, dict]:
    from cusdoc.compute.values import all_values

    classement = content.sources.get("classement")
    loyers = content.sources.get("npl")
    return all_values(
        data,
        territoires,
        content.settings.annee_reference,
        content.settings.seuil,
        classement.data if classement else None,
        loyers.data if loyers else None,
    )


TRACKED = ("content", "templates")  # what a signed version must hold as committed


def check_signable(project: Project) -> None:
    """Refuse the signature version while a warning remains or the project's files are not
    those of a commit: the signed text is the one a commit holds, and its properties name it."""
    reasons = []
    commit, changed = project.revision
    if changed is None:
        reasons.append(
            "le projet n'est pas dans un dépôt git : la version de signature est celle d'un "
            "commit, dont les propriétés du document gardent l'identifiant"
        )
    elif changed:
        shown = ", ".join(changed[:5]) + (", …" if len(changed) > 5 else "")
        reasons.append(
            f"modifications non enregistrées ({shown}) : enregistrez-les dans un commit, la "
            "version de signature est celle d'un commit"
        )
    elif commit is None:
        reasons.append("le dépôt git n'a encore aucun commit : enregistrez le projet d'abord")
    if project.warnings or reasons:
        raise SignatureError(project.warnings, reasons)


def document(
    project: Project,
    code: str | None = ORGANISATION,
    signature: bool = False,
    version: Version | None = None,
) -> Convention:
    """The document model of one scope: the convention, or a partner's extract; version, when
    the scope's own differs from the project's (`Project.version_of`)."""
    from cusdoc.assemble import assemble
    from cusdoc.compute import compute_tables

    partenaire = None if code is ORGANISATION else project.partenaire(code)
    tables = {}
    if project.data is not None:
        data = project.data
        if partenaire is not None:
            # The data is restricted before anything is computed on it.
            data = data.territory(partenaire.nature, partenaire.code)
        tables = compute_tables(data, project.content, project.geo.names, project.secret)
    version = version or project.version(signature)
    return assemble(
        project.content, project.geo, project.context, tables, project.values, version, partenaire
    )


def prepare(
    root: Path, scopes: Sequence[str | None] = (ORGANISATION,), kept: bool = True
) -> list[Convention]:
    """The one recipe: the checked, computed and assembled document of each scope (kept: as
    for `check`)."""
    project = check(root, values=True, kept=kept)
    return [document(project, scope) for scope in scopes]


def source_date_epoch(root: Path) -> int:
    """The date stamped in the deliverables: SOURCE_DATE_EPOCH, else the last commit's date."""
    import os

    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    epoch = git.commit_epoch(root)
    if epoch is not None:
        return epoch
    # Outside git: the newest content file, so the date still follows the content.
    return int(max(p.stat().st_mtime for p in (root / "content").rglob("*") if p.is_file()))


DELIVERABLES = {
    "docx": "convention.docx",
    "pdf": "convention.pdf",
    "xlsx": "indicateurs.xlsx",
    "md": "convention.md",
}


Warn = Callable[[list[Problem]], None]


def checked(root: Path, signature: bool, warn: Warn | None) -> Project:
    """The checked project; for the signature version, one that may be signed. A project's
    warnings go to warn."""
    project = check(root, values=True)
    if signature:
        check_signable(project)
    elif project.warnings and warn is not None:
        warn(project.warnings)
    return project


def build(
    root: Path,
    formats: tuple[str, ...] = ("docx", "pdf", "xlsx"),
    signature: bool = False,
    warn: Warn | None = None,
) -> list[Path]:
    """Produce the deliverables in build/; on failure the previous ones stay as they were.

    signature: the version for signature, refused while a warning remains or the project's
    files differ from the last commit."""
    # Imported here so that `cusdoc check` does not pay for Jinja, Babel, pandoc and Typst.
    from cusdoc.export import export
    from cusdoc.export.cache import Cache, key, scope_inputs, templates_digest
    from cusdoc.export.convert import Templates
    from cusdoc.render import load_templates, render_markdown
    from cusdoc.write import discard_stale, write_atomically

    discard_stale(root / "build")  # what a killed build left: hidden, half-written files
    target = root / "build"
    cache = Cache(root, "convention")
    # Nothing changed since a build that passed: its deliverables, without checking again.
    shortcut = Cache(root, "entrees")
    inputs = None if signature else inputs_key(root)
    known = inputs and _built(shortcut, inputs, cache, formats)
    if known:
        files, warnings = known
        if warnings and warn is not None:
            warn(warnings)
        outputs = {target / DELIVERABLES[fmt]: files[fmt] for fmt in formats}
        write_atomically(outputs)
        return list(outputs)
    templates = Templates.of(root)
    # The templates load while the content is checked: DuckDB leaves Python free.
    with ThreadPoolExecutor(1) as loading:
        loading.submit(load_templates, templates.root)
        project = checked(root, signature, warn)
    epoch = project.epoch
    entry = key(
        scope_inputs(project.content, None),
        project.data.digest if project.data else "sans données",
        templates_digest(templates),
        str(epoch),
        repr(project.version(signature)),
    )
    files = {fmt: data for fmt in formats if (data := cache.get(entry, fmt)) is not None}
    missing = tuple(fmt for fmt in formats if fmt not in files)
    made = {}
    if missing:  # something changed: the document is made again, and what was asked for
        convention = document(project, signature=signature)
        markdown = render_markdown(convention, templates.root)
        made = export(markdown, convention, templates, epoch, missing, alone=True)
        files.update(made)
    outputs = {target / DELIVERABLES[fmt]: files[fmt] for fmt in formats if fmt in files}
    record = {}
    if inputs:
        warnings = [astuple(w) for w in project.warnings]
        pointer = json.dumps({"entree": entry, "avertissements": warnings}, ensure_ascii=False)
        record = shortcut.outputs(inputs, {"json": pointer.encode("utf-8")})
    # Every deliverable is ready before any file of build/ is replaced.
    write_atomically({**outputs, **cache.outputs(entry, made), **record})
    if set(formats) >= {"docx", "pdf"}:
        cache.prune()
        shortcut.prune()
    return list(outputs)


def inputs_key(root: Path) -> str:
    """Everything a build reads, as it is on disk: the content (data and pictures included),
    the templates, cusdoc's code, the date and the commit the documents name."""
    from cusdoc.export.cache import files_digest, key, templates_digest
    from cusdoc.export.convert import Templates

    revision = (git.commit(root), git.uncommitted(root, *TRACKED))
    content = files_digest(root / "content") if (root / "content").is_dir() else "-"
    return key(
        content, templates_digest(Templates.of(root)), str(source_date_epoch(root)), repr(revision)
    )


def _built(shortcut, inputs: str, cache, formats) -> tuple[dict, list[Problem]] | None:
    """The deliverables and warnings of the build made from the same inputs, if kept."""
    pointer = shortcut.get(inputs, "json")
    if pointer is None:
        return None
    try:
        known = json.loads(pointer)
        warnings = [Problem(*fields) for fields in known["avertissements"]]
    except (ValueError, KeyError, TypeError):
        return None
    files = {fmt: cache.get(known["entree"], fmt) for fmt in formats}
    if any(data is None for data in files.values()):
        return None
    return files, warnings
