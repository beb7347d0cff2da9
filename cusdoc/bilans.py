"""The recipe of a bilan (`cusdoc bilan --annee AAAA`): the checked project, the document of
each scope, its bilan with its charts, then render, export and write, as `pipeline.build` does
for the convention.

build/bilan-AAAA.docx and .pdf for the whole organisation; build/extraits/bilan-AAAA-<code>-<nom>
for a partner, limited to its territory as its extract of the convention is (a partner without
a commitment of its own has none).
"""

import tempfile
from dataclasses import replace
from pathlib import Path

from cusdoc import git
from cusdoc.errors import CusdocError, LeakError, Problem
from cusdoc.load.content import BILANS, Content, parse_yaml
from cusdoc.model import TOTAL, Convention, Texte, Valeur, realise_years
from cusdoc.pipeline import ORGANISATION, Project, Warn, checked, document


def build_bilan(
    root: Path,
    annee: int,
    scopes: list[str | None] | None = None,
    warn: Warn | None = None,
) -> list[Path]:
    """The bilan of a year for each scope (ORGANISATION: the whole organisation; a partner's
    code); nothing is written unless every one is made."""
    from cusdoc.assemble import prose
    from cusdoc.assemble.bilan import assemble_bilan
    from cusdoc.export import export
    from cusdoc.export.convert import Templates
    from cusdoc.extracts import leaks_of
    from cusdoc.render import render_markdown
    from cusdoc.render.charts import png
    from cusdoc.write import write_atomically

    project, vigueur = _in_force(checked(root, False, None))
    first, last = project.content.settings.periode
    if not first <= annee <= last:
        raise CusdocError(f"l'année {annee} est hors de la période des engagements {first}-{last}")
    source = project.content.sources.get(f"{BILANS}/{annee}")
    written = source.data if source is not None else {}
    explications = written.get("ecarts") or []
    templates = Templates.of(root)
    outputs: dict[Path, bytes] = {}
    leaks: list = []
    with tempfile.TemporaryDirectory(prefix="cusdoc-bilan-") as folder:
        charts = replace(templates, images=Path(folder))
        for code in scopes or [ORGANISATION]:
            convention = document(project, code)
            partenaire = None if code is ORGANISATION else project.partenaire(code)
            own = [ligne for ligne in convention.engagements if ligne.valeurs.get(TOTAL)]
            if partenaire is not None and not own:
                continue  # a partner without a commitment of its own has no bilan
            if not any(year <= annee for year in realise_years(convention.engagements)):
                raise CusdocError(_nothing_recorded(annee, convention))
            blocks = prose(project.values, convention.engagements, partenaire)
            parc = {project.context.annee_reference + 1: project.context.stock}
            bilan, graphiques = assemble_bilan(
                convention,
                annee,
                explications,
                blocks,
                vigueur,
                parc | project.context.parc,
                written.get("introduction"),
            )
            for graphique in graphiques:
                (Path(folder) / graphique.fichier).write_bytes(png(graphique, templates.fonts))
            files = export(render_markdown(bilan, templates.root), bilan, charts, project.epoch)
            name = f"bilan-{annee}" if partenaire is None else f"bilan-{annee}-{partenaire.fichier}"
            if partenaire is not None:  # its bilan, as its extract, names no other territory
                printed = [f"{BILANS}/{annee}"] if source is not None else []
                leaks += leaks_of(project, partenaire, name, files, printed)
            target = root / "build" / ("" if partenaire is None else "extraits")
            for fmt in ("docx", "pdf"):
                outputs[target / f"{name}.{fmt}"] = files[fmt]
            if partenaire is None and warn is not None:
                unexplained = _unexplained(bilan, annee, explications, source)
                if unexplained:
                    warn(unexplained)
    if leaks:
        raise LeakError(leaks)
    write_atomically(outputs)
    return list(outputs)


def _in_force(project: Project) -> tuple[Project, list]:
    """The project with the commitments of the text in force (the signed convention and the
    avenants signed since, marked by git tags: docs/avenants.md), and what the bilan says of
    them. Without a signed version, the commitments of the files as they are."""
    signed = git.latest_signed(project.root)
    if signed is None:
        return project, [Texte("les engagements du projet de convention (aucune version signée)")]
    revision, since = git.in_force(project.root, signed)
    file = "content/engagements.yml"
    problems: list[Problem] = []
    text = git.show(project.root, revision, file)
    source = None if text is None else parse_yaml(file, text, problems)
    if source is None or problems:
        raise CusdocError(f"les engagements de la version en vigueur ({revision}) sont illisibles")
    day = Valeur("date_signature", quantite=git.revision_date(project.root, signed))
    vigueur = [Texte("les engagements de la convention signée le "), day]
    if since:
        numbers = [str(rank) for rank in range(1, len(since) + 1)]
        vigueur.append(
            Texte(
                f", modifiés par l'avenant n° {numbers[0]}"
                if len(numbers) == 1
                else f", modifiés par les avenants n° {', '.join(numbers[:-1])} et {numbers[-1]}"
            )
        )
    content = Content(project.root, {**project.content.sources, "engagements": source})
    return replace(project, content=content), vigueur


def _nothing_recorded(annee: int, convention: Convention) -> str:
    first = convention.periode[0]
    span = f"l'année {first}" if annee == first else f"les années {first} à {annee}"
    return (
        f"aucun réalisé pour {span} : ajoutez {'ses' if annee == first else 'leurs'} lignes à "
        "content/donnees/attributions.csv et content/donnees/travaux.csv, ou déclarez le "
        "réalisé dans content/realise.yml"
    )


def _unexplained(bilan: Convention, annee: int, explications: list, source) -> list[Problem]:
    """The commitments a bilan finds unmet and the organisation does not explain."""
    from cusdoc.assemble.bilan import NON, summary_row

    explained = {(e["indicateur"], e["territoire"]) for e in explications}
    out = []
    for ligne in bilan.engagements:
        if (ligne.indicateur.id, ligne.territoire) in explained:
            continue
        row = summary_row(ligne, annee, bilan.periode)
        if row.atteint == NON:
            message = (
                f"l'engagement {ligne.indicateur.id} n'est pas atteint pour « {ligne.nom} » "
                f"({row.libelle}) : expliquez l'écart dans « ecarts » (indicateur "
                f"{ligne.indicateur.id}, territoire « {ligne.territoire} »)"
            )
            out.append(_at_ecarts(source, annee, message))
    return out


def _at_ecarts(source, annee: int, message: str) -> Problem:
    """A warning at the « ecarts: » of the year's bilan file, else at its top, else at the top
    of the file to write."""
    if source is None:
        return Problem(f"content/{BILANS}/{annee}.yml", 1, 1, "ecarts", message, True)
    has = isinstance(source.data, dict) and "ecarts" in source.data
    return source.problem(("ecarts",) if has else (), message, key=True, avertissement=True)
