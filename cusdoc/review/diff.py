"""Reviewing a change: what two versions of the convention commit to, say and send to whom.

Both versions are read from git (or the working tree) and checked; no deliverable is written.
"""

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from cusdoc.errors import CusdocError
from cusdoc.export.tidy import tidy_rows
from cusdoc.git import checkout
from cusdoc.load.catalogue import load_catalogue
from cusdoc.model import (
    CHAPITRES_EXTRAIT,
    Convention,
    Liste,
    Paragraph,
    Partenaire,
    Section,
    chapter_id,
    generated_id,
)
from cusdoc.pipeline import Project, check, document
from cusdoc.render.text import cell, plain


@dataclass
class Engagement:
    cle: tuple[str, str, str, str, str]  # indicateur, niveau, territoire, ventilation, annee
    avant: float | None
    apres: float | None
    unite: str

    @property
    def nature(self) -> str:
        if self.avant is None:
            return "ajouté"
        return "supprimé" if self.apres is None else "modifié"


@dataclass
class Texte:
    id: str
    titre: str
    nature: str  # ajouté, supprimé, modifié
    avant: str
    apres: str
    territoires: list[str] = field(default_factory=list)
    chapitre: str = ""  # the id of its chapter


@dataclass
class Differences:
    engagements: list[Engagement]
    textes: list[Texte]
    extraits: list[Partenaire]  # the partners whose extract changes


def checked_at(folder: Path, revision: str) -> Project:
    """The checked project of a revision's checkout; a refusal names the revision."""
    try:
        return check(folder, values=True, kept=False)
    except CusdocError as error:
        message = f"la version {revision} ne passe pas la vérification :\n{error}"
        raise CusdocError(message) from error


def load(root: Path, revision: str) -> tuple[Convention, Project]:
    """The checked document model of a revision, and its project (partners, references)."""
    with checkout(root, revision) as folder:
        project = checked_at(folder, revision)
        return document(project), project


def commitments(before: Convention, after: Convention) -> list[Engagement]:
    """Every commitment that changed, keyed by indicator, territory, breakdown and year."""

    def index(convention):
        return {
            (r["indicateur"], r["niveau"], r["territoire"], r["ventilation"], r["annee"]): r
            for r in tidy_rows(convention)
            if r["nature"] == "engagement"
        }

    old, new = index(before), index(after)
    order = list(load_catalogue())

    def rank(key):  # catalogue order, total first, years before cumulative spans
        indicateur, niveau, territoire, ventilation, annee = key
        return (
            order.index(indicateur),
            territoire,
            ventilation != "total",
            ventilation,
            "-" in annee,
            annee,
        )

    changes = []
    for key in sorted(old.keys() | new.keys(), key=rank):
        a, b = old.get(key), new.get(key)
        if a and b and a["valeur"] == b["valeur"]:
            continue
        changes.append(Engagement(key, a and a["valeur"], b and b["valeur"], (a or b)["unite"]))
    return changes


def _block_text(block) -> str:
    if isinstance(block, Paragraph):
        return plain(block.contenu)
    if isinstance(block, Liste):
        return "\n".join(plain(item) for item in block.items)
    rows = [block.colonnes, *block.lignes]
    return block.titre + "\n" + "\n".join(" | ".join(map(cell, row)) for row in rows)


def sections(convention: Convention) -> dict[str, tuple[str, str, list[str], str]]:
    """id → (title, own text, territories, chapter) of every section and action; a zoom's
    territories pass to what it holds. The commitments' sections are left to `commitments`."""
    out = {}

    def visit(section: Section, tags: list[str], chapter: str) -> None:
        if generated_id(section.id):
            return
        tags = section.territoires or tags
        text = "\n\n".join(_block_text(b) for b in section.blocs)
        out[section.id] = (f"{section.numero} {section.titre}".strip(), text, tags, chapter)
        for action in section.actions:
            blocks = [*action.aujourd_hui, *action.objectifs, *action.moyens_et_etapes]
            parts = [_block_text(b) for b in blocks]
            parts.append(f"{action.pilote} — {action.calendrier}")
            out[action.id] = (
                f"{action.numero} {action.intitule}",
                "\n\n".join(parts),
                action.territoires or tags,
                chapter,
            )
        for child in section.sections:
            visit(child, tags, chapter)

    for chapitre in convention.chapitres:
        visit(chapitre, [], chapitre.id)
    return out


def texts(before: Convention, after: Convention) -> list[Texte]:
    old, new = sections(before), sections(after)
    changes = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a and b and a[:2] == b[:2]:
            continue
        nature = "ajouté" if a is None else "supprimé" if b is None else "modifié"
        title = (b or a)[0]
        changes.append(
            Texte(
                key, title, nature, a[1] if a else "", b[1] if b else "", (b or a)[2], (b or a)[3]
            )
        )
    return changes


def affected(
    partners: list[Partenaire], engagements: list[Engagement], textes: list[Texte]
) -> list[Partenaire]:
    """The partners whose extract the change touches."""
    extract_chapters = {chapter_id(name) for name in CHAPITRES_EXTRAIT}
    touched = set()
    for partner in partners:
        for change in textes:
            here = not change.territoires or any(partner.covers(c) for c in change.territoires)
            if here and change.chapitre in extract_chapters:
                touched.add(partner.code)
        for change in engagements:
            territoire = change.cle[2]
            if territoire == "organisme" or partner.covers(territoire):
                touched.add(partner.code)
    return [p for p in partners if p.code in touched]


def differences(before: Convention, after: Convention, partners: list[Partenaire]) -> Differences:
    engagements = commitments(before, after)
    textes = texts(before, after)
    return Differences(engagements, textes, affected(partners, engagements, textes))


def compare(root: Path, base: str, head: str) -> Differences:
    before, _ = load(root, base)
    after, project = load(root, head)
    return differences(before, after, project.partenaires)


def word_diff(before: str, after: str, deleted, inserted) -> str:
    """The new text with the words removed and added marked by the two functions, one space
    between words whatever the spaces of either version."""
    a, b = before.split(), after.split()
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += a[i1:i2]
            continue
        if i2 > i1:
            out.append(deleted(" ".join(a[i1:i2])).strip())
        if j2 > j1:
            out.append(inserted(" ".join(b[j1:j2])).strip())
    return " ".join(out)


def _value(value, unite: str) -> str:
    from cusdoc.model import Quantity
    from cusdoc.render.formats import quantite

    return quantite(Quantity(value, unite))


def _gap(delta: float, unite: str) -> str:
    from cusdoc.model import Quantity
    from cusdoc.render.formats import quantite

    unit = "points" if unite == "pourcent" else unite
    return quantite(Quantity(delta, unit, signed=True))


def _name(code: str, names: dict[str, str]) -> str:
    return "organisme" if code == "organisme" else f"{names.get(code, code)} ({code})"


def report(differences: Differences, names: dict[str, str], markdown: bool) -> str:
    """The review, as Markdown for a pull-request comment or as plain text for a terminal."""
    if markdown:
        deleted, inserted = (lambda t: f"~~{t.strip()}~~ "), (lambda t: f"**{t.strip()}** ")
    else:
        deleted, inserted = (lambda t: f"[-{t.strip()}-] "), (lambda t: f"{{+{t.strip()}+}} ")
    title = "## " if markdown else ""
    lines = [f"{'# ' if markdown else ''}Modifications de la convention", ""]
    lines += [f"{title}Engagements chiffrés", ""]
    if not differences.engagements:
        lines += ["Aucun engagement modifié.", ""]
    elif markdown:
        lines += [
            "| Indicateur | Territoire | Ventilation | Année | Avant | Après | Écart |",
            "|---|---|---|---|--:|--:|--:|",
        ]
    for change in differences.engagements:
        indicateur, _, territoire, ventilation, annee = change.cle
        gap = change.nature
        if change.nature == "modifié":  # signed, in points for a rate
            gap = _gap(change.apres - change.avant, change.unite)
        cells = [
            indicateur,
            _name(territoire, names),
            ventilation,
            annee,
            _value(change.avant, change.unite),
            _value(change.apres, change.unite),
            gap,
        ]
        if markdown:
            lines.append("| " + " | ".join(cells) + " |")
        else:
            lines.append(
                f"{indicateur} {cells[1]} {ventilation} {annee} : {cells[4]} → {cells[5]} ({gap})"
            )
    lines += ["", f"{title}Texte", ""]
    if not differences.textes:
        lines += ["Aucun texte modifié.", ""]
    for change in differences.textes:
        lines += [f"{'### ' if markdown else '* '}{change.titre} ({change.nature})", ""]
        lines += [word_diff(change.avant, change.apres, deleted, inserted).strip(), ""]
    lines += [f"{title}Extraits concernés", ""]
    lines += [f"- {p.nom} ({p.code})" for p in differences.extraits] or ["Aucun."]
    return "\n".join(lines).rstrip() + "\n"
