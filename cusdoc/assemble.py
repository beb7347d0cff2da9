"""Assemble stage: turn validated content into the document model the templates print.

Numbers every chapter and section (the one numbering authority for DOCX, PDF and Markdown),
names territories from the official geography and resolves §[id] cross-references.
"""

import re
from dataclasses import dataclass, field, replace

from cusdoc import classement
from cusdoc.calcul import Calculs
from cusdoc.engagements import (
    ORGANISME,
    Context,
    Ligne,
    build_lignes,
    cumulative,
    cumulative_periods,
)
from cusdoc.extraits import CHAPITRES_EXTRAIT, Partenaire, filter_chapter
from cusdoc.formats import euros, nombre, pourcent
from cusdoc.geographie import Geographie
from cusdoc.indicateurs import TOTAL, load_catalogue
from cusdoc.load import Content
from cusdoc.secret import MASQUE, NOTE, SEUIL, rate_shown
from cusdoc.validate import REF, chapter_id, parse_calendrier

ANNEXES = ("classement",)

FORMES = {
    "OPH": "office public de l'habitat",
    "ESH": "entreprise sociale pour l'habitat",
    "coopérative": "société coopérative d'habitations à loyer modéré",
    "SEM": "société d'économie mixte",
}


@dataclass
class Section:
    """A heading with its prose; chapters are sections of level 1."""

    id: str
    numero: str
    titre: str
    niveau: int
    blocs: list = field(default_factory=list)
    sections: list["Section"] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    gabarit: str = "generique"  # the template of a chapter: templates/chapitres/<gabarit>.md.j2
    tableaux: list[dict] = field(default_factory=list)  # computed tables printed after blocs
    territoires: list[str] = field(default_factory=list)  # the zoom's territories, if any


@dataclass
class Partie:
    """One party to the convention, as named in the preamble and the signature page."""

    partie: str
    designation: str  # "l'État", "le Département d'Indre-et-Loire", …
    fonction: str
    nom: str
    territoire: str | None = None


@dataclass
class Convention:
    organisme: dict
    forme: str
    siege_commune: str
    periode: tuple[int, int]
    date_effet: object
    annee_reference: int
    psp: dict
    region: str
    territoires: list[dict]
    perimetre: dict
    parties: list[Partie]
    lieu_signature: str
    visas: list[str]
    chapitres: list[Section]
    engagements: list[Ligne] = field(default_factory=list)
    extrait: dict | None = None  # for a partner's extract: who, which version, until when


def engagement_context(content: Content, geo: Geographie, calculs: Calculs) -> Context:
    """What the commitments are checked against and laid out with."""
    data = content.sources["convention"].data
    generation = data["generation"]
    territoires = {
        t["code"]: "epci" if t["code"] in geo.epci else "departement" for t in data["territoires"]
    }
    regions = sorted(
        {geo.departements[c].region for c, n in territoires.items() if n == "departement"}
    )
    return Context(
        periode=(generation["premiere_annee"], generation["derniere_annee"]),
        annee_reference=generation["annee_reference"],
        territoires=territoires,
        regions=tuple(regions),
        volets=tuple(data.get("volets", [])),
        references=calculs.references,
        stock=calculs.stock,
        departements_of={c: geo.epci[c].departements for c in territoires if c in geo.epci},
        denominateurs=calculs.denominateurs,
        seuil=data.get("secret_statistique", SEUIL),
    )


def assemble(
    content: Content,
    geo: Geographie,
    calculs: Calculs | None = None,
    partenaire: Partenaire | None = None,
    version: dict | None = None,
) -> Convention:
    """Build the document model from content that passed validation: the convention, or with
    a partner, its extract (the partner's chapters, zooms and commitments only)."""
    calculs = calculs or Calculs()
    data = content.sources["convention"].data
    organisme, generation = data["organisme"], data["generation"]
    periode = (generation["premiere_annee"], generation["derniere_annee"])
    context = engagement_context(content, geo, calculs)
    names = [n for n in data["chapitres"] if partenaire is None or n in CHAPITRES_EXTRAIT]
    # Annexes keep their own title (« Annexe — … ») and take no number; chapter 1 of the
    # convention is its object, which an extract leaves out.
    numbered = [n for n in names if n not in ANNEXES]
    first = 2 if partenaire is None else 1
    chapitres = []
    lignes: list[Ligne] = []
    for name in names:
        numero = "" if name in ANNEXES else str(numbered.index(name) + first)
        chapter_data = content.sources[name].data
        if partenaire is not None:
            chapter_data = filter_chapter(chapter_data, partenaire)
        chapitre = _chapter(name, chapter_data, numero, calculs.tables)
        if name == "engagements":
            lignes = build_lignes(chapter_data["engagements"], load_catalogue(), context, geo)
            if partenaire is not None:
                lignes = lignes_for(lignes, partenaire, context, geo)
            chapitre.sections = _indicator_sections(lignes, chapitre.numero, context)
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
        periode=periode,
        date_effet=generation["date_effet"],
        annee_reference=generation["annee_reference"],
        psp={"periode": None, **data["plan_strategique_patrimoine"]},
        region=region,
        territoires=territoires,
        perimetre=_perimetre_table(territoires),
        parties=parties,
        lieu_signature=data["lieu_signature"],
        visas=data.get("visas", []),
        chapitres=chapitres,
        engagements=lignes,
        extrait=None if partenaire is None else _extrait(partenaire, version or {}),
    )


def lignes_for(
    lignes: list[Ligne], partenaire: Partenaire, context: Context, geo: Geographie
) -> list[Ligne]:
    """A partner's commitments: its own territory's, labelled organisation-wide figures, and for
    an EPCI the references computed on its territory where the commitment is departmental."""
    out = []
    for ligne in lignes:
        if ligne.territoire == partenaire.code or ligne.territoire in partenaire.epci:
            out.append(ligne)
        elif ligne.niveau in (ORGANISME, "region"):
            echelle = "de l'organisme" if ligne.niveau == ORGANISME else "de la région"
            nom = f"{ligne.nom} (indicateur mesuré à l'échelle {echelle})"
            out.append(replace(ligne, nom=nom))
    if partenaire.nature == "EPCI":
        present = {(kept.indicateur.id, kept.territoire) for kept in out}
        for ligne in lignes:
            indicateur = ligne.indicateur
            if indicateur.reference != "calculee" or (indicateur.id, partenaire.code) in present:
                continue
            if indicateur.echelle != "departement" or ligne.niveau != "departement":
                continue
            present.add((indicateur.id, partenaire.code))
            reference = {
                name: context.references.get((indicateur.id, "epci", partenaire.code, name))
                for name in ligne.valeurs
            }
            out.append(
                Ligne(
                    indicateur=indicateur,
                    niveau="epci",
                    territoire=partenaire.code,
                    nom=f"{partenaire.nom} (référence ; l'engagement est départemental)",
                    reference=reference,
                    source_reference=None,
                    valeurs={name: {} for name in ligne.valeurs},
                )
            )
    order = list(load_catalogue())
    return sorted(out, key=lambda kept: order.index(kept.indicateur.id))


def _extrait(partenaire: Partenaire, version: dict) -> dict:
    consultation = partenaire.date_consultation
    limite = None
    if consultation is not None:
        # CCH L. 445-1: partners receive the document at least a month before the meeting.
        month, year = consultation.month - 1 or 12, consultation.year - (consultation.month == 1)
        limite = consultation.replace(year=year, month=month, day=min(consultation.day, 28))
    return {
        "partenaire": partenaire,
        "commit": version.get("commit"),
        "date_version": version.get("date"),
        "date_consultation": consultation,
        "date_limite": limite,
        "contact": partenaire.contact
        and {"fonction": None, "courriel": None, "telephone": None, **partenaire.contact},
    }


def _chapter(name: str, data: dict, numero: str, tables: dict) -> Section:
    chapitre = Section(
        chapter_id(name),
        numero,
        data["titre"],
        1,
        _normalize_blocks(data.get("introduction", []), tables),
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
        chapitre.tableaux = [
            normalize_table(tables[name]) for name in classement.TABLES if name in tables
        ]
    return chapitre


def _indicator_sections(lignes: list[Ligne], numero: str, context: Context) -> list[Section]:
    """One section per indicator, with one table per territory."""
    sections: list[Section] = []
    for ligne in lignes:
        indicateur = ligne.indicateur
        if not sections or sections[-1].id != f"indicateur-{indicateur.id.lower()}":
            blocs = [f"*{indicateur.intitule}*"]
            if indicateur.a_verifier:
                blocs[0] += "^[Formulation à confirmer sur Légifrance avant signature.]"
            blocs.append(f"**Engagement :** {indicateur.engagement}")
            sections.append(
                Section(
                    f"indicateur-{indicateur.id.lower()}",
                    f"{numero}.{len(sections) + 1}",
                    f"{indicateur.id} — {indicateur.titre}",
                    2,
                    blocs,
                )
            )
        sections[-1].tableaux.append(engagement_table(ligne, context))
    return sections


FORMATTERS = {
    "nombre": lambda v: nombre(v),
    "pourcent": lambda v: pourcent(v, 1),
    "euros": lambda v: euros(v),
}


def engagement_table(ligne: Ligne, context: Context) -> dict:
    """Référence | each year | cumul 3 ans | cumul 6 ans, one row per breakdown."""
    indicateur = ligne.indicateur
    show = FORMATTERS[indicateur.unite]
    years = list(range(context.periode[0], context.periode[1] + 1))
    periods = cumulative_periods(context.periode)
    lignes = []
    secret = False
    for name, values in ligne.valeurs.items():
        reference = ligne.reference.get(name)
        key = (indicateur.id, ligne.niveau, ligne.territoire, name)
        if key in context.denominateurs and not rate_shown(
            context.denominateurs[key], context.seuil
        ):
            cells = [MASQUE]
            secret = True
        else:
            cells = [show(reference) if reference is not None else "–"]
        cells += [show(values[y]) if y in values else "–" for y in years]
        for _, span in periods:
            total = cumulative(values, span) if indicateur.additif else None
            cells.append(show(total) if total is not None else "–")
        lignes.append(
            [
                "Total" if name == TOTAL else f"dont {name}" if name.startswith("hors") else name,
                *cells,
            ]
        )
    source = (
        f"référence calculée à partir des données de l'organisme ({context.annee_reference})"
        if indicateur.reference == "calculee"
        else ligne.source_reference or "référence déclarée par l'organisme"
    )
    if secret:
        source += " ; " + NOTE.format(seuil=context.seuil)
    return normalize_table(
        {
            "titre": f"{indicateur.id} — {ligne.nom}",
            "colonnes": [
                "",
                f"Réf. {context.annee_reference}",
                *map(str, years),
                *(label for label, _ in periods),
            ],
            "largeurs": [2.2, 1.2, *[1] * len(years), 1.2, 1.2],
            "lignes": lignes,
            "source": source,
        }
    )


def _sections(items: list[dict], parent: str, niveau: int, tables: dict) -> list[Section]:
    out = []
    for index, item in enumerate(items, start=1):
        numero = f"{parent}.{index}"
        section = Section(
            item.get("id", "s-" + numero.replace(".", "-")),
            numero,
            item["titre"],
            niveau,
            _normalize_blocks(item.get("contenu", []), tables),
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
        _normalize_blocks(item["contenu"], tables),
        territoires=item.get("territoires", []),
    )
    for index, action in enumerate(item["actions"], start=1):
        debut, fin = parse_calendrier(action["calendrier"])
        orientation.actions.append(
            {
                **action,
                "id": action.get("id", f"s-{numero.replace('.', '-')}-{index}"),
                "numero": f"{numero}.{index}",
                "calendrier": str(debut) if debut == fin else f"{debut}-{fin}",
                "partenaires": action.get("partenaires", []),
            }
        )
    return orientation


def _perimetre_table(territoires: list[dict]) -> dict:
    lignes = [
        [t["nom"], t["nature"], t["code"], t["departements"], t["statut"]] for t in territoires
    ]
    return normalize_table(
        {
            "titre": "Territoires couverts par la convention",
            "colonnes": ["Territoire", "Nature", "Code", "Département", "Statut"],
            "largeurs": [5, 2, 2, 3, 2],
            "lignes": lignes,
            "source": "code officiel géographique (Insee), découpage administratif Etalab",
        }
    )


NUMERIC_CELL = re.compile(r"[-+−]?[\d\s\u00a0\u202f]+([,.]\d+)?\s*(%|€|k€|M€)?")


def normalize_table(table: dict) -> dict:
    """Fill in default widths, right-align the columns whose cells are all numbers, and give the
    separator line of the pipe table: its dashes set the relative widths."""
    width = len(table["colonnes"])
    rows = [[str(cell) for cell in row] for row in table["lignes"]]
    alignements = [
        "d"
        if all(NUMERIC_CELL.fullmatch(row[i]) for row in rows if row[i] not in ("", "–", "s"))
        else "g"
        for i in range(width)
    ]
    largeurs = table.get("largeurs") or [1] * width
    # pandoc reads relative widths from the dashes once a line is wider than 72 characters.
    dashes = [max(3, round(120 * w / sum(largeurs))) for w in largeurs]
    separateur = (
        "|"
        + "|".join(
            "-" * (n - 1) + ":" if a == "d" else ":" + "-" * (n - 1)
            for n, a in zip(dashes, alignements, strict=True)
        )
        + "|"
    )
    return {
        **table,
        "lignes": rows,
        "largeurs": largeurs,
        "alignements": alignements,
        "separateur": separateur,
    }


def _normalize_blocks(blocks: list, tables: dict) -> list:
    """Tables get their defaults; a computed table is replaced by its content."""
    out = []
    for block in blocks:
        if isinstance(block, dict) and "tableau" in block:
            block = {"tableau": normalize_table(block["tableau"])}
        elif isinstance(block, dict) and "tableau_calcule" in block:
            block = {"tableau": normalize_table(tables[block["tableau_calcule"]])}
        out.append(block)
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
    targets: dict[str, Section | dict] = {}

    def collect(section: Section) -> None:
        targets[section.id] = section
        for action in section.actions:
            targets[action["id"]] = action
        for child in section.sections:
            collect(child)

    for chapitre in chapitres:
        collect(chapitre)

    def link(match: re.Match) -> str:
        if match[1] not in targets:  # a part of the convention that an extract leaves out
            return "la convention principale"
        target = targets[match[1]]
        numero, titre = (
            (target.numero, target.titre)
            if isinstance(target, Section)
            else (target["numero"], target["intitule"])
        )
        return f"[{numero} « {titre} »](#{match[1]})" if numero else f"[« {titre} »](#{match[1]})"

    def resolve(value):
        if isinstance(value, str):
            return REF.sub(link, value)
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    def walk(section: Section) -> None:
        section.blocs = resolve(section.blocs)
        section.actions = [resolve(a) for a in section.actions]
        for child in section.sections:
            walk(child)

    for chapitre in chapitres:
        walk(chapitre)
