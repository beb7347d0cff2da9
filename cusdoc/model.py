"""The document model: plain data that flows from compute to assemble to render.

Compute produces numbers (`Quantity`, with their unit and, when masked, the reason); assemble
builds the `Convention` of one scope (the whole organisation, or one partner) out of chapters,
sections, blocks, tables and engagement lines; render is the only stage that formats.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import ClassVar

from cusdoc.french import Nom

REF = re.compile(r"§\[([^\]]*)\]")  # a cross-reference in a writer's text: §[id]
ORGANISME = "organisme"  # the territory code of an organisation-wide figure


def passage_territory(item, scope: str) -> str:
    """The territory a passage's values are for: the one it is tagged with alone, else its
    parent's (scope)."""
    tags = item.get("territoires") if isinstance(item, dict) else None
    if isinstance(tags, list) and len(tags) == 1 and isinstance(tags[0], str):
        return tags[0]
    return scope


TOTAL = "total"  # the breakdown of an indicator's whole value

# Ids that assemble gives to parts it writes itself: a writer's id may not take them.
GENERATED_IDS = {
    "objet": "partie produite par cusdoc",
    "objet-objet": "partie produite par cusdoc",
    "objet-duree": "partie produite par cusdoc",
    "objet-perimetre": "partie produite par cusdoc",
    "preambule": "partie produite par cusdoc",
    "presentation": "partie produite par cusdoc",
    "signatures": "partie produite par cusdoc",
}
INDICATEUR = "indicateur-"  # + the indicator's id in lower case: its section
GENERATED_PREFIXES = {INDICATEUR: "section produite pour chaque indicateur"}


def indicator_section_id(indicateur_id: str) -> str:
    return INDICATEUR + indicateur_id.lower()


# The vocabulary of the content that the later stages implement.
TABLES_DONNEES = (  # `tableau_calcule:` in a chapter
    "parc_par_territoire",
    "parc_par_financement",
    "parc_par_dpe",
    "attributions_par_territoire",
    "plan_de_mise_en_vente",
    "foyers_etablissements",
)
# The chapters a partner receives (CCH L. 445-1: the état des lieux and the orientations for its
# territory), with the commitments that concern it.
CHAPITRES_EXTRAIT = ("etat_des_lieux", "orientations", "engagements")
TABLES_CLASSEMENT = ("classement_synthese", "classement_occupation", "classement_ensembles")
CRITERES = ("qualite_construction", "equipements", "localisation", "environnement")
OCCUPATION = ("part_menages_sous_60_pct", "part_menages_apl", "taux_vacance", "taux_rotation")
# The nouvelle politique des loyers: its tables, and the categories of ceilings a logement gets.
TABLES_NPL = ("npl_ensembles", "npl_synthese")
CATEGORIES_NPL = ("PLAI", "PLUS", "PLS")


def parse_calendrier(value) -> tuple[int, int] | None:
    """2026 → (2026, 2026); "2025-2027" → (2025, 2027); anything else → None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    match = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", str(value))
    return (int(match[1]), int(match[2])) if match else None


def generated_id(ident: str) -> str | None:
    """Why an id is reserved by cusdoc, or None if a writer may use it."""
    if ident in GENERATED_IDS:
        return GENERATED_IDS[ident]
    return next((why for p, why in GENERATED_PREFIXES.items() if ident.startswith(p)), None)


def slug(text: str, separator: str = "-") -> str:
    """« Communauté de communes du Grand Chambord » → communaute-de-communes-du-grand-chambord:
    accents dropped, lower case, words joined by separator."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", separator, ascii_text.lower()).strip(separator)


def ventilation_key(ventilation: str) -> str:
    """« hors QPV » → hors_qpv, as a value name writes a breakdown."""
    return "_".join(str(ventilation).lower().split())


def chapter_id(name: str) -> str:
    """The anchor of a chapter file: etat_des_lieux → etat-des-lieux."""
    return name.replace("_", "-")


# ---------------------------------------------------------------------------------------------
# Numbers and tables


@dataclass(frozen=True)
class Quantity:
    """A computed number: None when there is none to give (printed « – »).

    unit: nombre, pourcent (already ×100), points (a difference of percentages), euros,
    euros_m2 (euros per m²), note; decimals: None for the unit's default;
    masked: why the value is not printed (statistical secrecy), or None;
    signed: a gap, printed with its sign (« +12 », « −3 »).
    """

    value: float | int | None
    unit: str = "nombre"
    decimals: int | None = None
    masked: str | None = None
    signed: bool = False

    def __str__(self) -> str:  # how a quantity reads in plain text (diff, tidy rows)
        return "–" if self.value is None else f"{self.value:g}"


Cell = str | Quantity | list  # a writer's cell is parsed text (Rich)


@dataclass
class Table:
    """A table as data: cells are text or quantities; render formats and aligns them."""

    titre: str
    colonnes: list[str]
    lignes: list[list[Cell]]
    largeurs: list[float] | None = None  # relative widths, one per column
    source: str | None = None
    kind: ClassVar[str] = "tableau"

    @property
    def masks(self) -> list[str]:
        """The distinct reasons of the masked cells, in order of appearance."""
        reasons = [
            c.masked for row in self.lignes for c in row if isinstance(c, Quantity) and c.masked
        ]
        return list(dict.fromkeys(reasons))


# ---------------------------------------------------------------------------------------------
# Text


# A writer's text, parsed (cusdoc.load.text): plain text, emphasis, links, footnotes, renvois
# to sections and references to computed values. Assemble resolves renvois and values for the
# document's scope; render is the only stage that writes them in a markup language.


@dataclass(frozen=True)
class Texte:
    text: str


@dataclass
class Emphase:
    contenu: list["Inline"]
    fort: bool = False  # **gras** rather than *italique*


@dataclass
class Lien:
    contenu: list["Inline"]
    url: str  # https: or mailto: only


@dataclass
class Note:
    contenu: list["Inline"]


@dataclass
class Renvoi:
    """§[id]: resolved by assemble to the target's number and title, or left out."""

    id: str
    offset: int = 0  # in the writer's text, for messages
    numero: str | None = None
    titre: str | None = None
    present: bool = True  # False when the target is not in this document (an extract)


@dataclass
class Valeur:
    """§{nom} or §{nom@territoire}: resolved by assemble to the value for the scope."""

    nom: str
    territoire: str | None = None
    offset: int = 0
    quantite: "Quantity | str | datetime.date | None" = None
    formes: tuple[str, str] | None = None  # the noun that follows, singular and plural


Inline = Texte | Emphase | Lien | Note | Renvoi | Valeur
Rich = list[Inline]


@dataclass
class Paragraph:
    contenu: Rich
    kind: ClassVar[str] = "paragraphe"


@dataclass
class Liste:
    items: list[Rich]
    numerotee: bool = False
    kind: ClassVar[str] = "liste"


@dataclass
class Image:
    """A picture of the project's content/images/, checked (kind, size, no outside reference)."""

    fichier: str  # its name in content/images/
    legende: str
    source: str | None = None
    largeur: float = 1.0  # share of the text width
    kind: ClassVar[str] = "image"


IMAGES = "content/images"  # where a writer puts the pictures the text shows


@dataclass
class Panneau:
    """One territory's panel of a chart: the engagement and the réalisé of each year."""

    nom: str
    engagement: dict[int, float]
    realise: dict[int, float]  # the years recorded and shown (none masked by secrecy)
    reference: float | None = None


@dataclass
class Graphique:
    """A chart of a bilan: engagement against réalisé over the years, a panel per territory;
    render draws it (render/charts.py) into the picture `fichier` that an Image block shows."""

    fichier: str
    unite: str
    annees: list[int]
    panneaux: list[Panneau]
    reference: str  # the legend of the reference line (« Référence 2023 »)


Block = Paragraph | Liste | Table | Image


@dataclass
class Action:
    """One action of the programme, under an orientation."""

    id: str
    numero: str
    intitule: str
    aujourd_hui: list[Block]
    objectifs: list[Block]
    moyens_et_etapes: list[Block]
    pilote: str
    partenaires: list[str]
    calendrier: str
    territoires: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A heading with its text; chapters are sections of level 1."""

    id: str
    numero: str
    titre: str
    niveau: int
    blocs: list[Block] = field(default_factory=list)
    sections: list["Section"] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    gabarit: str = "generique"  # a chapter's template: templates/chapitres/<gabarit>.md.j2
    territoires: list[str] = field(default_factory=list)  # a zoom's territories, if any


# ---------------------------------------------------------------------------------------------
# Engagements


@dataclass(frozen=True)
class Indicateur:
    id: str
    titre: str
    intitule: str
    a_verifier: bool
    engagement: str
    volet: str
    obligatoire: bool
    unite: str  # nombre, pourcent, euros
    horizon: str  # annuel, cumul
    sens: str  # hausse (more is better) or baisse (G-1, a cost)
    echelle: str  # departement, epci, organisme, region
    ventilations: tuple[str, ...]
    reference: str  # calculee, declaree
    calcul: str = ""  # how a computed reference is computed, in the words of the docs
    donnees: str = ""  # the optional data file a computed reference needs, if any

    @property
    def additif(self) -> bool:
        """Counts add up across years and territories; rates and amounts do not."""
        return self.unite == "nombre"


@dataclass
class Ligne:
    """One territory's commitments for one indicator: every breakdown, year by year."""

    indicateur: Indicateur
    niveau: str  # organisme, region, departement, epci
    territoire: str
    nom: str
    reference: dict[str, Quantity]  # ventilation → reference value
    source_reference: str | None
    valeurs: dict[str, dict[int, float]] = field(default_factory=dict)  # ventilation → year → v
    taux_cia: float | None = None
    cia: dict | None = None  # PS-1: the source of taux_cia, {reference, date}
    justification: str | None = None  # why a target falls short of its reference
    # what happened after the signature: ventilation → year → value, from the data of that year
    # or declared in content/realise.yml; and year → where the year's values come from
    realise: dict[str, dict[int, Quantity]] = field(default_factory=dict)
    sources_realise: dict[int, str] = field(default_factory=dict)


def realise_years(lignes: list[Ligne]) -> list[int]:
    """The years some of the commitments have a réalisé for."""
    return sorted(
        {year for ligne in lignes for recorded in ligne.realise.values() for year in recorded}
    )


def realise_sources(ligne: Ligne, years: list[int]) -> list[str]:
    """Where the réalisé of the years given comes from, years grouped by source: « 2025 et
    2026 : calculé à partir des données de l'organisme »."""
    by_source: dict[str, list[str]] = {}
    for year in sorted(years):
        if year in ligne.sources_realise:
            by_source.setdefault(ligne.sources_realise[year], []).append(str(year))
    return [f"{_enumeration(found)} : {source}" for source, found in by_source.items()]


def _enumeration(items: list[str]) -> str:
    """a ; a et b ; a, b et c."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def years(periode: tuple[int, int]) -> list[int]:
    return list(range(periode[0], periode[1] + 1))


def cumulative_periods(periode: tuple[int, int]) -> list[tuple[str, list[int]]]:
    """The cumulative columns: the first three years, then the whole period."""
    span = years(periode)
    return [("Cumul 3 ans", span[:3]), (f"Cumul {len(span)} ans", span)]


def cumulative(values: dict[int, float], span: list[int]) -> float | None:
    """The sum over the years, when every one of them has a value."""
    present = [values[y] for y in span if y in values]
    return sum(present) if len(present) == len(span) else None


@dataclass(frozen=True)
class EngagementContext:
    """What the commitments are checked against and laid out with."""

    periode: tuple[int, int]
    annee_reference: int
    territoires: dict[str, str]  # code → "departement" or "epci", as declared in convention.yml
    regions: tuple[str, ...]
    volets: tuple[str, ...]  # whose indicators apply: locatif and those declared, or accession
    references: dict  # (indicateur, niveau, territoire, ventilation) → value
    stock: dict  # (niveau, territoire) → counts
    departements_of: dict[str, tuple[str, ...]]  # EPCI → the départements it lies in
    taux: dict  # (indicateur, niveau, territoire, ventilation) → Rate: counts and secrecy
    seuil: int  # statistical secrecy
    absent: tuple[str, ...] = ()  # optional data files not given: their references are declared
    # EPCI that owe PS-1, as convention.yml declares them → basis (plh or habitat_qpv)
    assujettis: dict[str, str] = field(default_factory=dict)
    # EPCI with a first-quartile threshold and attributions in the reference year → how many
    thresholded: dict[str, int] = field(default_factory=dict)
    # year of the period the data record → (values, rates) of that year, keyed as references
    realise: dict[int, tuple[dict, dict]] = field(default_factory=dict)
    # the later snapshots of the stock: year (1 January) → counts by (niveau, territoire)
    parc: dict[int, dict] = field(default_factory=dict)


def niveau_of(code: str, indicateur: Indicateur, context: EngagementContext) -> str | None:
    """The level a territory code stands for in an indicator's table, or None if not allowed."""
    if indicateur.echelle == "organisme":
        return ORGANISME if code == ORGANISME else None
    if indicateur.echelle == "region":
        return "region" if code in context.regions else None
    if code == ORGANISME and indicateur.additif:
        return ORGANISME
    declared = context.territoires.get(code)
    if indicateur.echelle == "epci":
        return "epci" if declared == "epci" else None
    return declared  # départements, and EPCI when the préfet asks for them


# ---------------------------------------------------------------------------------------------
# Parties, partners and the document


@dataclass(frozen=True)
class Partenaire:
    """A département or an EPCI declared in convention.yml: a partner that gets an extract."""

    code: str
    nature: str  # "département" or "EPCI"
    nom: str
    statut: str  # signataire or associé
    contact: dict | None
    date_consultation: object  # datetime.date or None
    communes: frozenset[str]  # INSEE codes of the communes of its territory
    epci: frozenset[str]  # for a département: the convention's EPCI that lie in it
    appellation: Nom  # « le Département d'Indre-et-Loire », « la Communauté de communes … »
    slug: str  # the file name of its extract: <code>-<slug>

    @property
    def fichier(self) -> str:
        """build/extraits/<code>-<nom>, without extension."""
        return f"{self.code}-{self.slug}"

    def covers(self, code: str) -> bool:
        """Whether text tagged with this territory code belongs in the partner's extract."""
        return code == self.code or code in self.epci


@dataclass
class Partie:
    """One party to the convention, as named in the preamble and the signature page."""

    partie: str
    designation: Nom  # « l'État », « le Département d'Indre-et-Loire »…
    fonction: str
    nom: str
    territoire: str | None = None


@dataclass(frozen=True)
class Version:
    """Which text a document is: a numbered project, or the version for signature.

    The cover prints the status and the date; the commit goes to the document's properties
    only, never to its text.
    """

    signature: bool
    numero: int | None  # the project's number (version.numero_projet of convention.yml)
    date: object  # datetime.date: the day stamped in the deliverables
    commit: str | None = None  # the commit the document derives from; None outside git
    modifie: bool = False  # made from a working tree that differs from the commit

    @property
    def statut(self) -> str:
        """« Version signée », « Projet n° 3 » or « Projet », as the document properties say."""
        if self.signature:
            return "Version signée"
        return f"Projet n° {self.numero}" if self.numero else "Projet"

    @property
    def reference(self) -> str:
        """The commit as the document properties record it."""
        if self.commit is None:
            return "hors dépôt git"
        changes = " avec des modifications non enregistrées" if self.modifie else ""
        return f"commit {self.commit}{changes}"


@dataclass
class Extrait:
    """What a partner's extract says about itself on its cover page."""

    partenaire: Partenaire
    date_consultation: object
    date_limite: object
    contact: dict | None


@dataclass
class Avenant:
    """What an avenant says of itself: its number, and the texts it amends."""

    numero: int
    signature: object  # datetime.date: the day the convention was signed
    # the avenants signed since, in order: (number, day signed)
    precedents: list[tuple[int, object]] = field(default_factory=list)


@dataclass
class Convention:
    """The document of one scope: the whole convention, or a partner's extract of it."""

    organisme: dict
    forme: str
    siege_commune: str
    periode: tuple[int, int]
    date_effet: object
    annee_reference: int
    psp: dict
    region: str
    territoires: list[dict]
    perimetre: Table
    parties: list[Partie]
    lieu_signature: str
    visas: list[str]
    chapitres: list[Section]
    seuil: int  # statistical secrecy: the printed text names the threshold the tables apply
    version: Version
    engagements: list[Ligne] = field(default_factory=list)
    extrait: Extrait | None = None
    avenant: Avenant | None = None
    npl: Table | None = None  # the NPL annex by ensemble and category, for the workbook
    # what the document is: its title (page de titre, en-têtes, propriétés) and its template
    # (templates/<gabarit>.md.j2): the convention, an extract, a bilan, an avenant
    titre: str = "Convention d'utilité sociale"
    gabarit: str = "convention"
    sous_titre: str | None = None  # a bilan's or an avenant's, under the title
