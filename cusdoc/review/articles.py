"""The articles of an avenant: each change of the convention in the words of an amendment.

A part of the text (chapter, section or action) is replaced, added or removed, named by its
number and title in the signed text; a territory's commitments for one indicator are said year
by year (« en 2026 : 50 au lieu de 45 ») with their table as it was and as it becomes. Only what
a part says of its own counts: a renvoi that prints another number because a part was added or
removed before its target is covered by the renumbering sentence of that part's article.
"""

import copy
from collections.abc import Iterator
from dataclasses import replace

from cusdoc import french
from cusdoc.assemble.engagements import engagement_table, table_notes
from cusdoc.load.geography import Geographie
from cusdoc.model import (
    ORGANISME,
    TOTAL,
    Action,
    Block,
    Convention,
    Emphase,
    EngagementContext,
    Lien,
    Ligne,
    Liste,
    Note,
    Paragraph,
    Quantity,
    Renvoi,
    Section,
    Table,
    Texte,
    Valeur,
)
from cusdoc.review.diff import Engagement

Part = Section | Action
Article = tuple[str, list[Block]]  # its title, and what it says


class TextArticles:
    """The articles that restate the parts of the text that changed."""

    def __init__(self, before: Convention, after: Convention):
        self.old, self.new = _parts(before), _parts(after)

    def article(self, ident: str) -> Article | None:
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

    def _removed(self, part: Part, parent, siblings: list[Part]) -> Article:
        name = _name(part)
        removed = (
            f"{french.majuscule(name.le)} de la convention est {french.accord('supprimé', name)}."
        )
        return _heading(name), [
            _text(" ".join(filter(None, [removed, _renumbered(part, siblings)])))
        ]

    def _added(self, part: Part, parent, siblings: list[Part]) -> Article:
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


def by_line(changes: list[Engagement]) -> dict[tuple[str, str, str], list[Engagement]]:
    """The changed commitments by indicator, level and territory, in the diff's order."""
    groups: dict[tuple[str, str, str], list[Engagement]] = {}
    for change in changes:
        groups.setdefault(change.cle[:3], []).append(change)
    return groups


def ligne_of(convention: Convention, key: tuple[str, str, str]) -> Ligne | None:
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
) -> Article:
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
