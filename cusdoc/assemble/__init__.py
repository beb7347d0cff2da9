"""Assemble stage: turn validated content into the document model the templates print.

Numbers every chapter and section (the one numbering authority for DOCX, PDF and Markdown),
names territories from the official geography and resolves §[id] cross-references.
"""

import re

from cusdoc.assemble.engagements import build_lignes, indicator_sections, lignes_for
from cusdoc.assemble.scope import CHAPITRES_EXTRAIT, filter_chapter
from cusdoc.compute import Calculs
from cusdoc.load.catalogue import load_catalogue, verified
from cusdoc.load.content import Content
from cusdoc.load.geography import Geographie
from cusdoc.model import (
    REF,
    Action,
    Convention,
    EngagementContext,
    Extrait,
    Liste,
    Paragraph,
    Partenaire,
    Partie,
    Section,
    Table,
    Version,
    chapter_id,
    parse_calendrier,
)
from cusdoc.model import TABLES_CLASSEMENT as CLASSEMENT_TABLES

ANNEXES = ("classement",)

FORMES = {
    "OPH": "office public de l'habitat",
    "ESH": "entreprise sociale pour l'habitat",
    "coopérative": "société coopérative d'habitations à loyer modéré",
    "SEM": "société d'économie mixte",
}


def engagement_context(content: Content, geo: Geographie, calculs: Calculs) -> EngagementContext:
    """What the commitments are checked against and laid out with."""
    data = content.convention
    settings = content.settings
    territoires = {
        t["code"]: "epci" if t["code"] in geo.epci else "departement" for t in data["territoires"]
    }
    regions = sorted(
        {geo.departements[c].region for c, n in territoires.items() if n == "departement"}
    )
    return EngagementContext(
        periode=settings.periode,
        annee_reference=settings.annee_reference,
        territoires=territoires,
        regions=tuple(regions),
        volets=tuple(data.get("volets", [])),
        references=calculs.references,
        stock=calculs.stock,
        departements_of={c: geo.epci[c].departements for c in territoires if c in geo.epci},
        taux=calculs.taux,
        seuil=settings.seuil,
    )


def assemble(
    content: Content,
    geo: Geographie,
    context: EngagementContext,
    tables: dict[str, Table],
    version: Version,
    partenaire: Partenaire | None = None,
) -> Convention:
    """The document of one scope: the convention, or with a partner, its extract (the partner's
    chapters, zooms and commitments only).

    context holds the organisation's references and stock, which the commitments are laid out
    with; tables, the computed tables of the scope's territory.
    """
    data = content.convention
    settings = content.settings
    organisme = data["organisme"]
    catalogue = verified(load_catalogue(), data)
    names = [n for n in data["chapitres"] if partenaire is None or n in CHAPITRES_EXTRAIT]
    # Annexes keep their own title (« Annexe — … ») and take no number; chapter 1 of the
    # convention is its object, which an extract leaves out.
    numbered = [n for n in names if n not in ANNEXES]
    first = 2 if partenaire is None else 1
    chapitres = []
    lignes = []
    for name in names:
        numero = "" if name in ANNEXES else str(numbered.index(name) + first)
        chapter_data = content.sources[name].data
        if partenaire is not None:
            chapter_data = filter_chapter(chapter_data, partenaire)
        chapitre = _chapter(name, chapter_data, numero, tables)
        if name == "engagements":
            lignes = build_lignes(chapter_data["engagements"], catalogue, context, geo)
            if partenaire is not None:
                lignes = lignes_for(lignes, partenaire, context, catalogue)
            chapitre.sections = indicator_sections(lignes, chapitre.numero, context)
        chapitres.append(chapitre)
    if partenaire is None:
        chapitres.insert(
            0,
            Section("objet", "1", "Objet, durée et périmètre de la convention", 1, gabarit="objet"),
        )
    _resolve_refs(chapitres)
    territoires = [_territoire(t, geo) for t in data["territoires"]]
    parties = [_partie(s, organisme, geo) for s in data["signataires"]]
    if partenaire is not None:
        parties = [p for p in parties if p.territoire in (None, partenaire.code)]
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
    )


def _extrait(partenaire: Partenaire) -> Extrait:
    consultation = partenaire.date_consultation
    limite = None
    if consultation is not None:
        # CCH L. 445-1: partners receive the document at least a month before the meeting.
        month, year = consultation.month - 1 or 12, consultation.year - (consultation.month == 1)
        limite = consultation.replace(year=year, month=month, day=min(consultation.day, 28))
    contact = partenaire.contact and {
        "fonction": None,
        "courriel": None,
        "telephone": None,
        **partenaire.contact,
    }
    return Extrait(partenaire, consultation, limite, contact)


def _chapter(name: str, data: dict, numero: str, tables: dict[str, Table]) -> Section:
    chapitre = Section(
        chapter_id(name), numero, data["titre"], 1, _blocks(data.get("introduction", []), tables)
    )
    if "orientations" in data:
        chapitre.gabarit = "orientations"
        chapitre.sections = [
            _orientation(o, f"{numero}.{i}", tables)
            for i, o in enumerate(data["orientations"], start=1)
        ]
    elif "sections" in data:
        chapitre.sections = _sections(data["sections"], numero, 2, tables)
    if "service_rendu" in data:
        chapitre.blocs += [tables[name] for name in CLASSEMENT_TABLES if name in tables]
    return chapitre


def _sections(items: list[dict], parent: str, niveau: int, tables: dict) -> list[Section]:
    out = []
    for index, item in enumerate(items, start=1):
        numero = f"{parent}.{index}"
        section = Section(
            item.get("id", "s-" + numero.replace(".", "-")),
            numero,
            item["titre"],
            niveau,
            _blocks(item.get("contenu", []), tables),
            territoires=item.get("territoires", []),
        )
        section.sections = _sections(item.get("sections", []), numero, niveau + 1, tables)
        out.append(section)
    return out


def _orientation(item: dict, numero: str, tables: dict) -> Section:
    orientation = Section(
        item.get("id", "s-" + numero.replace(".", "-")),
        numero,
        item["titre"],
        2,
        _blocks(item["contenu"], tables),
        territoires=item.get("territoires", []),
    )
    for index, action in enumerate(item["actions"], start=1):
        debut, fin = parse_calendrier(action["calendrier"])
        orientation.actions.append(
            Action(
                id=action.get("id", f"s-{numero.replace('.', '-')}-{index}"),
                numero=f"{numero}.{index}",
                intitule=action["intitule"],
                aujourd_hui=_blocks(action["aujourd_hui"], tables),
                objectifs=_blocks(action["objectifs"], tables),
                moyens_et_etapes=_blocks(action["moyens_et_etapes"], tables),
                pilote=action["pilote"],
                partenaires=action.get("partenaires", []),
                calendrier=str(debut) if debut == fin else f"{debut}-{fin}",
                territoires=action.get("territoires", []),
            )
        )
    return orientation


def _perimetre_table(territoires: list[dict]) -> Table:
    return Table(
        "Territoires couverts par la convention",
        ["Territoire", "Nature", "Code", "Département", "Statut"],
        [[t["nom"], t["nature"], t["code"], t["departements"], t["statut"]] for t in territoires],
        [5, 2, 2, 3, 2],
        "code officiel géographique (Insee), découpage administratif Etalab",
    )


def _blocks(blocks: list, tables: dict[str, Table]) -> list:
    """Content blocks as the model's paragraphs, lists and tables."""
    out = []
    for block in blocks:
        if isinstance(block, str):
            out.append(Paragraph(block))
        elif "liste" in block:
            out.append(Liste(block["liste"]))
        elif "liste_numerotee" in block:
            out.append(Liste(block["liste_numerotee"], numerotee=True))
        elif "tableau" in block:
            table = block["tableau"]
            out.append(
                Table(
                    table["titre"],
                    table["colonnes"],
                    [[str(cell) for cell in row] for row in table["lignes"]],
                    table.get("largeurs"),
                    table.get("source"),
                )
            )
        else:
            out.append(tables[block["tableau_calcule"]])
    return out


def _territoire(item: dict, geo: Geographie) -> dict:
    territoire = geo.territoire(item["code"])
    return {
        "code": item["code"],
        "nature": territoire.nature,
        "nom": territoire.nom,
        "departements": ", ".join(geo.departements[d].nom for d in territoire.departements),
        "statut": item["statut"],
    }


def with_article(nom: str) -> str:
    """An EPCI named by its legal form takes an article: « la Communauté de communes … »."""
    return f"la {nom}" if nom.startswith(("Communauté", "Métropole", "Établissement")) else nom


def _partie(item: dict, organisme: dict, geo: Geographie) -> Partie:
    partie = item["partie"]
    if partie == "État":
        designation = "l'État"
    elif partie == "organisme":
        designation = organisme["raison_sociale"]
    elif partie == "département":
        designation = "le Département " + geo.departements[item["territoire"]].de_nom
    else:
        designation = with_article(geo.epci[item["territoire"]].nom)
    return Partie(partie, designation, item["fonction"], item["nom"], item.get("territoire"))


def _resolve_refs(chapitres: list[Section]) -> None:
    """Replace §[id] by a link showing the number and title of the target."""
    targets: dict[str, Section | Action] = {}

    def collect(section: Section) -> None:
        targets[section.id] = section
        for action in section.actions:
            targets[action.id] = action
        for child in section.sections:
            collect(child)

    for chapitre in chapitres:
        collect(chapitre)

    def link(match: re.Match) -> str:
        if match[1] not in targets:  # a part of the convention that an extract leaves out
            return "la convention principale"
        target = targets[match[1]]
        titre = target.titre if isinstance(target, Section) else target.intitule
        if target.numero:
            return f"[{target.numero} « {titre} »](#{match[1]})"
        return f"[« {titre} »](#{match[1]})"

    def resolve(text: str) -> str:
        return REF.sub(link, text) if "§[" in text else text

    def blocks(items: list) -> None:
        for block in items:
            if isinstance(block, Paragraph):
                block.text = resolve(block.text)
            elif isinstance(block, Liste):
                block.items = [resolve(item) for item in block.items]

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
