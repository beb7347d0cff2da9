"""Assemble stage: turn validated content into the document model the templates print.

Numbers every chapter and section (the one numbering authority for DOCX, PDF and Markdown),
names territories from the official geography and resolves §[id] cross-references.
"""

import calendar
import datetime

from cusdoc import french
from cusdoc.assemble.engagements import build_lignes, indicator_sections, lignes_for
from cusdoc.assemble.scope import filter_chapter
from cusdoc.assemble.text import Resolver, Values, holds_for, prints_nothing, resolve_renvois
from cusdoc.compute import Calculs
from cusdoc.load.catalogue import for_data, load_catalogue, verified
from cusdoc.load.content import Content
from cusdoc.load.geography import Geographie
from cusdoc.model import (
    CHAPITRES_EXTRAIT,
    ORGANISME,
    Action,
    Convention,
    EngagementContext,
    Extrait,
    Image,
    Liste,
    Note,
    Paragraph,
    Partenaire,
    Partie,
    Quantity,
    Section,
    Table,
    Texte,
    Valeur,
    Version,
    chapter_id,
    parse_calendrier,
    passage_territory,
)
from cusdoc.model import TABLES_CLASSEMENT as CLASSEMENT_TABLES
from cusdoc.model import TABLES_NPL as NPL_TABLES

ANNEXES = ("classement", "npl")

FORMES = {
    "OPH": "office public de l'habitat",
    "ESH": "entreprise sociale pour l'habitat",
    "coopérative": "société coopérative d'habitations à loyer modéré",
    "SEM": "société d'économie mixte",
}


def assujettis_ps1(convention: dict) -> dict[str, str]:
    """The EPCI that owe PS-1 as convention.yml declares them → on which basis."""
    return {
        t["code"]: t["assujetti_ps1"]
        for t in convention["territoires"]
        if t.get("assujetti_ps1", "non") != "non"
    }


def engagement_context(content: Content, geo: Geographie, calculs: Calculs) -> EngagementContext:
    """What the commitments are checked against and laid out with."""
    data = content.convention
    settings = content.settings
    territoires = {
        t["code"]: "epci" if t["code"] in geo.epci else "departement" for t in data["territoires"]
    }
    # the régions of the declared départements, and those the organisation sells in
    regions = sorted(
        {geo.departements[c].region for c, n in territoires.items() if n == "departement"}
        | set(calculs.regions_accession)
    )
    return EngagementContext(
        periode=settings.periode,
        annee_reference=settings.annee_reference,
        territoires=territoires,
        regions=tuple(regions),
        # a CUS « accession » (R. 445-15) has the accession volet only; the others, the rental
        # one and those declared
        volets=("accession",)
        if data.get("categorie") == "accession"
        else ("locatif", *data.get("volets", [])),
        references=calculs.references,
        stock=calculs.stock,
        departements_of={c: geo.epci[c].departements for c in territoires if c in geo.epci},
        taux=calculs.taux,
        seuil=settings.seuil,
        absent=calculs.absent,
        assujettis=assujettis_ps1(data),
        thresholded=calculs.thresholded,
        realise=calculs.realise,
        parc=calculs.parc,
    )


def assemble(
    content: Content,
    geo: Geographie,
    context: EngagementContext,
    tables: dict[str, Table],
    values: Values,
    version: Version,
    partenaire: Partenaire | None = None,
) -> Convention:
    """The document of one scope: the convention, or with a partner, its extract (the partner's
    chapters, zooms and commitments only).

    context holds the organisation's references and stock, which the commitments are laid out
    with; tables, the computed tables of the scope's territory; values, the data values of a
    territory, for the writers' §{nom}.
    """
    data = content.convention
    settings = content.settings
    organisme = data["organisme"]
    catalogue = verified(for_data(load_catalogue(), context.absent), data)
    toutes = []
    if "engagements" in content.sources:
        declared = content.sources.get("realise")
        toutes = build_lignes(
            content.sources["engagements"].data["engagements"],
            catalogue,
            context,
            geo,
            declared.data.get("realise") or {} if declared else {},
        )
    scope = ORGANISME if partenaire is None else partenaire.code
    builder = _Builder(Resolver(values, toutes, partenaire is not None), tables, partenaire)
    names = [n for n in data["chapitres"] if partenaire is None or n in CHAPITRES_EXTRAIT]
    chapitres = []
    lignes = []
    for name, numero in _numbers(names, partenaire is None):
        chapter_data = content.sources[name].data
        if partenaire is not None:
            chapter_data = filter_chapter(chapter_data, partenaire)
        chapitre = builder.chapter(name, chapter_data, numero, scope)
        if name == "engagements":
            lignes = toutes
            if partenaire is not None:
                lignes = lignes_for(lignes, partenaire, context, catalogue)
            chapitre.sections = indicator_sections(lignes, chapitre.numero, context)
        chapitres.append(chapitre)
    if partenaire is None:
        chapitres.insert(
            0,
            Section("objet", "1", "Objet, durée et périmètre de la convention", 1, gabarit="objet"),
        )
    elsewhere = {} if partenaire is None else outline(content)
    _resolve_refs(chapitres, elsewhere)
    territoires = [_territoire(t, geo) for t in data["territoires"]]
    parties = [_partie(s, organisme, geo) for s in data["signataires"]]
    if partenaire is not None:
        # A partner that signs gets the blocks of the parties to its extract; one only associated
        # with the drafting is consulted on its extract and signs nothing: no signature page.
        signe = partenaire.statut == "signataire"
        parties = [p for p in parties if signe and p.territoire in (None, partenaire.code)]
    siege = geo.communes[organisme["siege"]["commune"]]
    region = geo.regions[geo.departements[siege[1]].region]
    return Convention(
        organisme=organisme,
        forme=FORMES[organisme["forme"]],
        siege_commune=siege[0],
        periode=settings.periode,
        date_effet=data["generation"]["date_effet"],
        annee_reference=settings.annee_reference,
        psp={"periode": None, **data["plan_strategique_patrimoine"]},
        region=region,
        territoires=territoires,
        perimetre=_perimetre_table(territoires),
        parties=parties,
        lieu_signature=data["lieu_signature"],
        visas=data.get("visas", []),
        chapitres=chapitres,
        seuil=settings.seuil,
        version=version,
        engagements=lignes,
        extrait=None if partenaire is None else _extrait(partenaire),
        npl=tables.get(NPL_TABLES[0]) if "npl" in names else None,
        gabarit="convention" if partenaire is None else "extrait",
    )


def _numbers(names: list[str], convention: bool):
    """(chapter, number): annexes keep their own title (« Annexe — … ») and take no number;
    chapter 1 of the convention is its object, which an extract leaves out."""
    numbered = [n for n in names if n not in ANNEXES]
    first = 2 if convention else 1
    for name in names:
        yield name, "" if name in ANNEXES else str(numbered.index(name) + first)


def outline(content: Content) -> dict[str, tuple[str, str]]:
    """id → (number, title) of every part of the whole convention."""
    out = {}

    def sections(items: list, parent: str) -> None:
        for index, item in enumerate(items, start=1):
            numero = f"{parent}.{index}"
            out[item.get("id", "s-" + numero.replace(".", "-"))] = (numero, item["titre"])
            sections(item.get("sections", []), numero)
            for rank, action in enumerate(item.get("actions", []), start=1):
                if "id" in action:
                    out[action["id"]] = (f"{numero}.{rank}", action["intitule"])

    for name, numero in _numbers(content.convention["chapitres"], True):
        data = content.sources[name].data
        out[chapter_id(name)] = (numero, data["titre"])
        sections(data.get("sections", data.get("orientations", [])), numero)
    return out


def month_before(day: datetime.date) -> datetime.date:
    """The same day a month earlier; the month's last day when it has no such day (31 March
    → 28 or 29 February), so that the delay is never shorter than a month."""
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _extrait(partenaire: Partenaire) -> Extrait:
    consultation = partenaire.date_consultation
    limite = None
    if consultation is not None:
        # CCH L. 445-1: partners receive the document at least a month before the meeting.
        limite = month_before(consultation)
    contact = partenaire.contact and {
        "fonction": None,
        "courriel": None,
        "telephone": None,
        **partenaire.contact,
    }
    return Extrait(partenaire, consultation, limite, contact)


def prose(values: Values, lignes: list, partenaire: Partenaire | None = None):
    """A writer's blocks outside the chapters (a bilan's explanations) → the model's blocks,
    values resolved for the territory given, as in the chapters."""
    return _Builder(Resolver(values, lignes, partenaire is not None), {}, partenaire).blocks


class _Builder:
    """Chapters, sections and blocks of validated content, text parsed and resolved."""

    def __init__(self, resolver: Resolver, tables: dict[str, Table], partenaire):
        self.resolver = resolver
        self.tables = tables
        self.partenaire = partenaire

    def chapter(self, name: str, data: dict, numero: str, scope: str) -> Section:
        chapitre = Section(
            chapter_id(name),
            numero,
            data["titre"],
            1,
            self.blocks(data.get("introduction", []), scope),
        )
        if "orientations" in data:
            chapitre.gabarit = "orientations"
            chapitre.sections = [
                self.orientation(o, f"{numero}.{i}", scope)
                for i, o in enumerate(data["orientations"], start=1)
            ]
        elif "sections" in data:
            chapitre.sections = self.sections(data["sections"], numero, 2, scope)
        if "service_rendu" in data:
            chapitre.blocs += [self.tables[n] for n in CLASSEMENT_TABLES if n in self.tables]
        if "plafond_pls" in data:
            chapitre.blocs += [_npl_rules(data), *(self.tables[n] for n in NPL_TABLES)]
        return chapitre

    def sections(self, items: list[dict], parent: str, niveau: int, scope: str) -> list[Section]:
        out = []
        for index, item in enumerate(items, start=1):
            numero = f"{parent}.{index}"
            here = passage_territory(item, scope)
            section = Section(
                item.get("id", "s-" + numero.replace(".", "-")),
                numero,
                item["titre"],
                niveau,
                self.blocks(item.get("contenu", []), here),
                territoires=item.get("territoires", []),
            )
            section.sections = self.sections(item.get("sections", []), numero, niveau + 1, here)
            out.append(section)
        return out

    def orientation(self, item: dict, numero: str, scope: str) -> Section:
        here = passage_territory(item, scope)
        orientation = Section(
            item.get("id", "s-" + numero.replace(".", "-")),
            numero,
            item["titre"],
            2,
            self.blocks(item["contenu"], here),
            territoires=item.get("territoires", []),
        )
        for index, action in enumerate(item["actions"], start=1):
            debut, fin = parse_calendrier(action["calendrier"])
            there = passage_territory(action, here)
            orientation.actions.append(
                Action(
                    id=action.get("id", f"s-{numero.replace('.', '-')}-{index}"),
                    numero=f"{numero}.{index}",
                    intitule=action["intitule"],
                    aujourd_hui=self.blocks(action["aujourd_hui"], there),
                    objectifs=self.blocks(action["objectifs"], there),
                    moyens_et_etapes=self.blocks(action["moyens_et_etapes"], there),
                    pilote=action["pilote"],
                    partenaires=[_item_text(p) for p in action.get("partenaires", [])],
                    calendrier=str(debut) if debut == fin else f"{debut}-{fin}",
                    territoires=action.get("territoires", []),
                )
            )
        return orientation

    def rich(self, text, territoire: str):
        """Parsed text, or None when an extract leaves it out: it gives a value of another
        territory, or one its partner has none of. A footnote that does is left out alone."""
        inlines = self.resolver.rich(text, territoire)
        if self.partenaire is None:
            return inlines
        covers = self.partenaire.covers
        inlines = [
            item
            for item in inlines
            if not isinstance(item, Note) or holds_for(item.contenu, covers)
        ]
        return inlines if holds_for(inlines, covers) else None

    def blocks(self, blocks: list, scope: str) -> list:
        """Content blocks as the model's paragraphs, lists and tables."""
        out = []
        for block in blocks:
            here = passage_territory(block, scope)
            if isinstance(block, str) or "paragraphe" in block:
                text = block if isinstance(block, str) else block["paragraphe"]
                if (inlines := self.rich(text, here)) is not None and not prints_nothing(inlines):
                    out.append(Paragraph(inlines))
            elif "liste" in block or "liste_numerotee" in block:
                items = block.get("liste", block.get("liste_numerotee"))
                kept = [self.rich(_item_text(i), passage_territory(i, here)) for i in items]
                kept = [i for i in kept if i is not None and not prints_nothing(i)]
                if kept:
                    out.append(Liste(kept, numerotee="liste_numerotee" in block))
            elif "tableau" in block:
                out.append(self.table(block["tableau"], here))
            elif "image" in block:
                image = block["image"]
                out.append(
                    Image(
                        image["fichier"],
                        image["legende"],
                        image.get("source"),
                        image.get("largeur", 1.0),
                    )
                )
            else:
                out.append(self.tables[block["tableau_calcule"]])
        return out

    def table(self, table: dict, scope: str) -> Table:
        lignes = []
        for row in table["lignes"]:
            here = passage_territory(row, scope)
            cells = row["cellules"] if isinstance(row, dict) else row
            parsed = [self.rich(str(cell), here) for cell in cells]
            if all(cell is not None for cell in parsed):
                lignes.append(parsed)
        return Table(
            table["titre"], table["colonnes"], lignes, table.get("largeurs"), table.get("source")
        )


def _npl_rules(data: dict) -> Paragraph:
    """What the annex's declarations say: surface, stock or flux, the ceiling of the PLS."""
    gestion = {
        "stock": "la catégorie de chaque logement (PLAI, PLUS ou PLS) est fixée : le plafond "
        "de ressources et le loyer maximum de sa catégorie s'appliquent à chacune de ses "
        "relocations (gestion en stock)",
        "flux": "une part des logements reloués chaque année est attribuée sous chaque "
        "catégorie (PLAI, PLUS ou PLS), celle de la colonne « Part des relocations annuelles » "
        "(gestion en flux)",
    }[data["gestion"]]
    plafond = data["plafond_pls"]
    return Paragraph(
        [
            Texte(
                f"Les loyers maximums de l'annexe sont exprimés en euros par mètre carré de "
                f"surface {data['surface']}. Dans chaque ensemble immobilier, {gestion}. Le "
                "loyer maximum moyen de chaque catégorie ne dépasse pas le plafond du PLS "
                "applicable, "
            ),
            Valeur("npl_plafond_pls", quantite=Quantity(plafond["valeur"], "euros_m2")),
            Texte(
                f" ({plafond['source']}), et la masse des loyers maximums de l'ensemble des "
                "ensembles immobiliers de l'annexe ne croît pas."
            ),
        ]
    )


def _item_text(item) -> str:
    return item["texte"] if isinstance(item, dict) else item


def _perimetre_table(territoires: list[dict]) -> Table:
    return Table(
        "Territoires couverts par la convention",
        ["Territoire", "Nature", "Code", "Département", "Statut"],
        [[t["nom"], t["nature"], t["code"], t["departements"], t["statut"]] for t in territoires],
        [5, 2, 2, 3, 2],
        "code officiel géographique (Insee), découpage administratif Etalab",
    )


def _territoire(item: dict, geo: Geographie) -> dict:
    territoire = geo.territoire(item["code"])
    return {
        "code": item["code"],
        "nature": territoire.nature,
        "nom": territoire.nom,
        "departements": ", ".join(geo.departements[d].nom for d in territoire.departements),
        "statut": french.accord(item["statut"], territoire.collectivite),
    }


def _partie(item: dict, organisme: dict, geo: Geographie) -> Partie:
    partie = item["partie"]
    if partie == "État":
        designation = french.ETAT
    elif partie == "organisme":
        designation = french.organisme(organisme["raison_sociale"], organisme["forme"])
    else:
        designation = geo.territoire(item["territoire"]).collectivite
    return Partie(partie, designation, item["fonction"], item["nom"], item.get("territoire"))


def _resolve_refs(chapitres: list[Section], elsewhere: dict) -> None:
    """Every §[id] of the text: the number and title of its target."""
    targets: dict[str, tuple[str, str]] = {}

    def collect(section: Section) -> None:
        targets[section.id] = (section.numero, section.titre)
        for action in section.actions:
            targets[action.id] = (action.numero, action.intitule)
        for child in section.sections:
            collect(child)

    for chapitre in chapitres:
        collect(chapitre)

    def blocks(items: list) -> None:
        for block in items:
            if isinstance(block, Paragraph):
                resolve_renvois(block.contenu, targets, elsewhere)
            elif isinstance(block, Liste):
                for item in block.items:
                    resolve_renvois(item, targets, elsewhere)
            elif isinstance(block, Table):
                for row in block.lignes:
                    for cell in row:
                        if isinstance(cell, list):
                            resolve_renvois(cell, targets, elsewhere)

    def walk(section: Section) -> None:
        blocks(section.blocs)
        for action in section.actions:
            blocks(action.aujourd_hui)
            blocks(action.objectifs)
            blocks(action.moyens_et_etapes)
        for child in section.sections:
            walk(child)

    for chapitre in chapitres:
        walk(chapitre)
