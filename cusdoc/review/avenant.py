"""The avenant: what changed since the signed convention, as the document the parties sign.

`cusdoc diff` shows a reviewer what changed; the avenant states it in numbered articles: each
part of the text rewritten, added or removed, and each territory's commitments as they were and
as they become. It is signed by the State, the organisation and the signatory partners whose
territory a change concerns.

Signed texts are marked by git tags (docs/avenants.md): `signee-AAAA` on the commit of the
signed convention, `avenant-K` on that of each signed avenant. The changes are those of the
working tree since the text in force: the last avenant signed after the convention, else the
convention itself.
"""

import copy
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from cusdoc import french, git
from cusdoc.assemble.engagements import engagement_table, table_notes
from cusdoc.errors import CusdocError
from cusdoc.load.geography import Geographie
from cusdoc.model import (
    ORGANISME,
    TOTAL,
    Action,
    Avenant,
    Block,
    Convention,
    Emphase,
    EngagementContext,
    Lien,
    Ligne,
    Liste,
    Note,
    Paragraph,
    Partenaire,
    Quantity,
    Renvoi,
    Section,
    Table,
    Texte,
    Valeur,
)
from cusdoc.pipeline import Project
from cusdoc.review.diff import Engagement, differences, load

SIGNED = "signee-*"  # the tag of the signed convention: signee-2025
AMENDED = "avenant-*"  # the tag of each signed avenant: avenant-1, avenant-2…
FINAL = "Les autres stipulations de la convention{} demeurent inchangées."
EFFECT = "Le présent avenant prend effet à la date de sa signature par la dernière des parties."

Part = Section | Action


def build_avenant(root: Path, base: str | None = None, numero: int | None = None) -> list[Path]:
    """Write build/avenant-K.docx and .pdf: the changes of the working tree since the signed
    version `base` (by default the latest `signee-*` tag); on failure build/ stays as it was."""
    from cusdoc.export import export
    from cusdoc.export.convert import Templates
    from cusdoc.render import render_markdown
    from cusdoc.write import discard_stale, write_atomically

    in_force, avenant = amended(root, base, numero)
    before, old = load(root, in_force)
    after, new = load(root, git.WORKTREE)
    document = avenant_document(before, after, old.context, new, avenant)
    if document is None:
        raise CusdocError(
            f"aucune modification depuis la version signée ({in_force}) : pas d'avenant à produire"
        )
    templates = Templates.of(root)
    markdown = render_markdown(document, templates.root)
    files = export(markdown, document, templates, new.epoch, ("docx", "pdf"))
    target = root / "build"
    discard_stale(target)
    outputs = {target / f"avenant-{avenant.numero}.{fmt}": data for fmt, data in files.items()}
    write_atomically(outputs)
    return list(outputs)


def amended(root: Path, base: str | None, numero: int | None) -> tuple[str, Avenant]:
    """The revision of the text in force, and what the avenant says of itself: its number
    (by default, one more than the avenants signed since the convention), the day the
    convention was signed and the avenants signed since."""
    if git.commit(root) is None:
        raise CusdocError(
            "le projet n'est pas dans un dépôt git (ou n'a aucun commit) : l'avenant compare la "
            "version signée, enregistrée dans git, à l'état actuel des fichiers"
        )
    signed = base or latest_signed(root)
    git.resolve(root, signed)
    since = git.tags(root, AMENDED, contains=signed)
    in_force = since[-1][0] if since else signed
    precedents = [(rank, day) for rank, (_, day) in enumerate(since, start=1)]
    avenant = Avenant(numero or len(since) + 1, git.revision_date(root, signed), precedents)
    return in_force, avenant


def latest_signed(root: Path) -> str:
    """The most recent `signee-*` tag; a French error saying how to mark one if there is none."""
    found = git.tags(root, SIGNED)
    if not found:
        raise CusdocError(
            "aucune version signée : marquez le commit de la convention signée d'une étiquette "
            "git (git tag signee-2025 <commit>), ou donnez la version signée (cusdoc avenant "
            "<révision>)"
        )
    return found[-1][0]


def avenant_document(
    before: Convention,
    after: Convention,
    old_context: EngagementContext,
    project: Project,
    avenant: Avenant,
) -> Convention | None:
    """The avenant's document: one article per change of `after` from `before`, then the final
    article; signed by the parties the changes concern. None when nothing changed."""
    changes = differences(before, after, project.partenaires)
    texts = _Texts(before, after)
    # In the order of the convention: each article ranked by its chapter, the commitments after
    # any change to the text of their chapter.
    order = [c.id for c in after.chapitres] + [c.id for c in before.chapitres] + ["engagements"]
    articles = []  # (rank, title, blocks)
    kept = []  # the territories of the changes an article states
    for change in changes.textes:
        article = texts.article(change.id)
        if article is not None:
            articles.append(((order.index(change.chapitre), 0), *article))
            kept += change.territoires
    for key, group in _by_line(changes.engagements).items():
        old, new = _ligne(before, key), _ligne(after, key)
        article = commitment_article(group, old, new, old_context, project.context, project.geo)
        articles.append(((order.index("engagements"), 1), *article))
        kept.append(key[2])
    if not articles:
        return None
    articles.sort(key=lambda article: article[0])  # stable: a chapter's parts in their order
    since = f", telle que modifiée par {_avenants(avenant)}," if avenant.precedents else ""
    final = [_text(FINAL.format(since)), _text(EFFECT)]
    titled = [(title, blocks) for _, title, blocks in articles] + [("Dispositions finales", final)]
    partners = {p.code: p for p in project.partenaires}
    return replace(
        after,
        titre=f"Avenant n° {avenant.numero} à la convention d'utilité sociale",
        gabarit="avenant",
        parties=[
            p
            for p in after.parties
            if p.territoire is None or _concerned(partners.get(p.territoire), kept)
        ],
        chapitres=[
            Section(f"article-{n}", f"Article {n}", title, 2, blocks)
            for n, (title, blocks) in enumerate(titled, start=1)
        ],
        engagements=[],
        extrait=None,
        npl=None,
        avenant=avenant,
        version=replace(after.version, numero=None),  # not the convention's project number
    )


def _avenants(avenant: Avenant) -> str:
    """« l'avenant n° 1 », « les avenants n° 1 et n° 2 »."""
    numbers = [f"n° {numero}" for numero, _ in avenant.precedents]
    if len(numbers) == 1:
        return f"l'avenant {numbers[0]}"
    return f"les avenants {', '.join(numbers[:-1])} et {numbers[-1]}"


def _concerned(partner: Partenaire | None, territories: list[str]) -> bool:
    """Whether a change concerns a partner's territory (for a département, an EPCI in it)."""
    return partner is not None and any(partner.covers(code) for code in territories)


# ---------------------------------------------------------------------------------------------
# The text


class _Texts:
    """The articles that restate the parts of the text that changed."""

    def __init__(self, before: Convention, after: Convention):
        self.old, self.new = _parts(before), _parts(after)

    def article(self, ident: str) -> tuple[str, list[Block]] | None:
        """The title and blocks of the article that restates a part; None for a part that only
        took another number (an article adds or removes the part before it)."""
        if ident not in self.new:
            return self._removed(*self.old[ident])
        if ident not in self.old:
            return self._added(*self.new[ident])
        old, new = self.old[ident][0], self.new[ident][0]
        name = _name(old)
        blocks = []
        if _title(old) != _title(new):
            blocks.append(
                _text(f"L'intitulé {name.du} de la convention devient « {_title(new)} ».")
            )
        if _wording(old) != _wording(new):
            blocks += _replaced(old, new, name)
        return (_heading(name), blocks) if blocks else None

    def _removed(self, part: Part, parent, siblings: list[Part]) -> tuple[str, list[Block]]:
        name = _name(part)
        removed = (
            f"{french.majuscule(name.le)} de la convention est {french.accord('supprimé', name)}."
        )
        return _heading(name), [
            _text(" ".join(filter(None, [removed, _renumbered(part, siblings)])))
        ]

    def _added(self, part: Part, parent, siblings: list[Part]) -> tuple[str, list[Block]]:
        name = _name(part)
        where = (
            "à la convention" if parent is None else f"{self._old_name(parent).au} de la convention"
        )
        added = (
            f"Il est ajouté {where} {'une' if name.feminin else 'un'} {name.texte}, ainsi "
            f"{french.accord('rédigé', name)} :"
        )
        blocks = [_text(added), *_quoted(part)]
        if renumbered := _renumbered(part, siblings, name):
            blocks.append(_text(renumbered))
        return _heading(name), blocks

    def _old_name(self, part: Part) -> french.Nom:
        """A part named as the signed text numbers it, if it has it."""
        return _name(self.old[part.id][0] if part.id in self.old else part)


def _parts(convention: Convention) -> dict[str, tuple[Part, Section | None, list[Part]]]:
    """id → (part, the part that holds it, the parts beside it) of every chapter, section and
    action."""
    out = {}

    def visit(section: Section, parent: Section | None, siblings: list[Part]) -> None:
        out[section.id] = (section, parent, siblings)
        for action in section.actions:
            out[action.id] = (action, section, section.actions)
        for child in section.sections:
            visit(child, section, section.sections)

    for chapitre in convention.chapitres:
        visit(chapitre, None, convention.chapitres)
    return out


def _title(part: Part) -> str:
    return part.intitule if isinstance(part, Action) else part.titre


def _name(part: Part) -> french.Nom:
    """« la section 3.2 « Titre » », « le chapitre 5 « … » », « l'action 2.1.3 « … » »."""
    if isinstance(part, Action):
        return french.Nom(f"action {part.numero} « {part.intitule} »", "l'", True)
    if part.niveau == 1 and not part.numero:  # an annex, whose title says it
        return french.Nom(f"annexe « {part.titre.removeprefix('Annexe — ')} »", "l'", True)
    if part.niveau == 1:
        return french.Nom(f"chapitre {part.numero} « {part.titre} »", "le")
    return french.Nom(f"section {part.numero} « {part.titre} »", "la", True)


def _heading(name: french.Nom) -> str:
    return french.majuscule(name.texte)


def _renumbered(part: Part, siblings: list[Part], name: french.Nom | None = None) -> str:
    """« Les sections qui la suivent sont renumérotées en conséquence, … » after a part removed,
    or after one added (named), when numbered parts follow it."""
    place = next(i for i, sibling in enumerate(siblings) if sibling is part)
    if not any(sibling.numero for sibling in siblings[place + 1 :]):
        return ""
    if isinstance(part, Action):
        kind = "actions qui {} sont renumérotées"
    elif part.niveau == 1:
        kind = "chapitres qui {} sont renumérotés"
    else:
        kind = "sections qui {} sont renumérotées"
    follows = f"suivent {name.le}" if name else f"{'la' if _name(part).feminin else 'le'} suivent"
    return f"Les {kind.format(follows)} en conséquence, ainsi que les renvois qui les citent."


def _replaced(old: Part, new: Part, name: french.Nom) -> list[Block]:
    """The sentence that replaces a part's text, and the new text. A part that holds others has
    its own paragraphs replaced, those before the first part it holds."""
    first = next(iter([*getattr(old, "sections", []), *getattr(old, "actions", [])]), None)
    if first is None:
        sentence = (
            f"{french.majuscule(name.le)} de la convention est "
            f"{french.accord('remplacé', name)} par les stipulations suivantes :"
        )
        return [_text(sentence), *_quoted(new)]
    opening = f"Les alinéas {name.du} de la convention qui précèdent {_name(first).le}"
    if not new.blocs:
        return [_text(f"{opening} sont supprimés.")]
    return [
        _text(f"{opening} sont remplacés par les stipulations suivantes :"),
        *_outside(new.blocs),
    ]


def _quoted(part: Part) -> list[Block]:
    """A part as an article writes it: its number and title in bold, then its own text (an
    action's columns one after the other)."""
    heading = Paragraph([Emphase([Texte(f"{part.numero} {_title(part)}".strip())], fort=True)])
    if isinstance(part, Section):
        return [heading, *_outside(part.blocs)]
    blocks = [heading]
    for label, content in (
        ("Aujourd'hui", part.aujourd_hui),
        ("Objectifs", part.objectifs),
        ("Moyens et étapes", part.moyens_et_etapes),
    ):
        blocks += [Paragraph([Emphase([Texte(label)])]), *_outside(content)]
    line = [Emphase([Texte("Pilote :")], fort=True), Texte(f" {part.pilote}. ")]
    if part.partenaires:
        line += [Emphase([Texte("Partenaires :")], fort=True)]
        line += [Texte(f" {', '.join(part.partenaires)}. ")]
    line += [Emphase([Texte("Calendrier :")], fort=True), Texte(f" {part.calendrier}.")]
    return [*blocks, Paragraph(line)]


def _outside(blocks: list[Block]) -> list[Block]:
    """Blocks of the convention as the avenant quotes them: a renvoi names its target in the
    convention (« 3.2 « Titre » de la convention »), the avenant holding no part to link to."""
    blocks = copy.deepcopy(blocks)
    for renvoi in _renvois(blocks):
        renvoi.present = False
    return blocks


def _wording(part: Part) -> list:
    """What a part says of its own, a renvoi by its target only: a part that another's
    renumbering changes the renvois of is not rewritten (that article renumbers them)."""
    if isinstance(part, Section):
        content = [part.blocs]
    else:
        content = [part.aujourd_hui, part.objectifs, part.moyens_et_etapes]
        content.append([part.pilote, part.partenaires, part.calendrier])
    content = copy.deepcopy(content)
    for renvoi in _renvois([block for blocks in content[:3] for block in blocks]):
        renvoi.numero = renvoi.titre = None
    return content


def _renvois(blocks: list) -> Iterator[Renvoi]:
    """Every renvoi of the blocks, in their paragraphs, lists, tables and notes."""

    def inlines(items: list) -> Iterator[Renvoi]:
        for item in items:
            if isinstance(item, Renvoi):
                yield item
            elif isinstance(item, Emphase | Lien | Note):
                yield from inlines(item.contenu)

    for block in blocks:
        if isinstance(block, Paragraph):
            yield from inlines(block.contenu)
        elif isinstance(block, Liste):
            for item in block.items:
                yield from inlines(item)
        elif isinstance(block, Table):
            for row in block.lignes:
                for cell in row:
                    if isinstance(cell, list):
                        yield from inlines(cell)


def _text(sentence: str) -> Paragraph:
    return Paragraph([Texte(sentence)])


# ---------------------------------------------------------------------------------------------
# The commitments


def _by_line(changes: list[Engagement]) -> dict[tuple[str, str, str], list[Engagement]]:
    """The changed commitments by indicator, level and territory, in the diff's order."""
    groups: dict[tuple[str, str, str], list[Engagement]] = {}
    for change in changes:
        groups.setdefault(change.cle[:3], []).append(change)
    return groups


def _ligne(convention: Convention, key: tuple[str, str, str]) -> Ligne | None:
    return next(
        (
            ligne
            for ligne in convention.engagements
            if (ligne.indicateur.id, ligne.niveau, ligne.territoire) == key
        ),
        None,
    )


def commitment_article(
    changes: list[Engagement],
    old: Ligne | None,
    new: Ligne | None,
    old_context: EngagementContext,
    new_context: EngagementContext,
    geo: Geographie,
) -> tuple[str, list[Block]]:
    """The article of one indicator and territory: what changes, said year by year, and the
    table as it was and as it becomes."""
    ligne = new or old
    indicateur = ligne.indicateur
    subject = (
        f"Les engagements de l'indicateur {indicateur.id} ({indicateur.titre}) {_for(ligne, geo)}"
    )
    title = f"Engagements {indicateur.id} : {ligne.nom}"
    caption = f"{indicateur.id} — {ligne.nom} : engagements"
    if old is None:
        table = engagement_table(new, new_context)
        return title, [
            _text(f"{subject} sont ajoutés à la convention :"),
            replace(table, titre=f"{caption} ajoutés"),
            *table_notes(new),
        ]
    was = replace(engagement_table(old, old_context), titre=f"{caption} tels qu'ils étaient")
    if new is None:
        return title, [_text(f"{subject} sont supprimés."), was]
    becomes = replace(engagement_table(new, new_context), titre=f"{caption} tels qu'ils deviennent")
    years = [_year(change) for change in changes if "-" not in change.cle[4]]
    opening = Texte(f"{subject} sont modifiés comme suit :")
    if len(years) == 1:
        lead = [Paragraph([opening, Texte(" "), *years[0], Texte(".")])]
    else:
        items = [
            [*year, Texte(" ;" if i < len(years) - 1 else ".")] for i, year in enumerate(years)
        ]
        lead = [Paragraph([opening]), Liste(items)]
    return title, [*lead, was, becomes, *table_notes(new)]


def _for(ligne: Ligne, geo: Geographie) -> str:
    """« pour le département de Loir-et-Cher », « pour la Communauté de communes … »."""
    if ligne.niveau == ORGANISME:
        return "pour l'ensemble de l'organisme"
    if ligne.niveau == "region":
        return f"pour la région {geo.regions[ligne.territoire]}"
    territoire = geo.territoire(ligne.territoire)
    if territoire.nature == "département":
        return f"pour le département {territoire.appellation.du}"
    return f"pour {territoire.appellation.le}"


def _year(change: Engagement) -> list:
    """« en 2026 : 50 au lieu de 45 », « en 2026, PLAI : 20 au lieu de 18 »."""
    _, _, _, ventilation, annee = change.cle
    label = f"en {annee}"
    if ventilation != TOTAL:
        label += f", dont {ventilation}" if ventilation.startswith("hors") else f", {ventilation}"

    def value(number) -> Valeur:
        return Valeur("engagement", quantite=Quantity(number, change.unite))

    if change.avant is None:
        return [Texte(f"{label} : "), value(change.apres), Texte(", engagement nouveau")]
    if change.apres is None:
        return [Texte(f"{label} : plus d'engagement, au lieu de "), value(change.avant)]
    return [Texte(f"{label} : "), value(change.apres), Texte(" au lieu de "), value(change.avant)]
