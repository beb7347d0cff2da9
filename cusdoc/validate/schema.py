"""The content schema, declared once as cerberus rules with a French description per field.

Writers type the keys: they are French. `meta.description` documents each field.
"""

from cusdoc.load.catalogue import load_catalogue
from cusdoc.load.content import BILANS, NOTE, REALISE
from cusdoc.model import CRITERES, OCCUPATION, TABLES_CLASSEMENT, TABLES_DONNEES, TABLES_NPL

YEAR = {"type": "integer", "min": 1900, "max": 2100}
TEXT = {"type": "string", "empty": False}
DATE = {"type": "date"}
ID = {"type": "string", "regex": r"[a-z0-9]+(-[a-z0-9]+)*"}
CODE = {"type": "string", "regex": r"[0-9][0-9AB][0-9]{0,3}|[0-9]{9}"}
IMAGE_FILE = r"[A-Za-z0-9][A-Za-z0-9_.-]*\.(png|jpg|jpeg|svg|PNG|JPG|JPEG|SVG)"

# What each format of the schema asks for, as the message of a value that does not have it says.
FORMATS = {
    ID["regex"]: "des lettres minuscules sans accent, des chiffres et des tirets "
    "(« edl-patrimoine »)",
    CODE["regex"]: "un code de département (« 37 », « 2A ») ou le SIREN d'un EPCI (9 chiffres)",
    r"organisme|" + CODE["regex"]: "« organisme », un code de département (« 37 ») ou le SIREN "
    "d'un EPCI (9 chiffres)",
    IMAGE_FILE: "un nom de fichier d'image en .png, .jpg ou .svg, sans dossier ni accent",
    r"[0-9]{4}": "une année sur quatre chiffres",
    r"[0-9]{5}": "un code postal de cinq chiffres",
    r"[0-9][0-9AB][0-9]{3}": "un code de commune de cinq caractères (« 41018 »)",
    r"[0-9]{4}-[0-9]{4}": "deux années « AAAA-AAAA »",
    r"[a-z0-9_]+": "des lettres minuscules sans accent, des chiffres et « _ »",
}
TEXTS = {"type": "list", "minlength": 1, "schema": TEXT}


def field(
    rules: dict,
    description: str,
    required: bool = False,
    codes: str | None = None,
    riche: bool = False,
    **more,
) -> dict:
    """One field: its rules, its description and whether it must be there.

    codes names the list of official codes the field takes (for editors' completion):
    "territoires" (départements and EPCI), "passage" (also « organisme ») or "engagement" (also
    régions and « organisme »).
    """
    meta = {"description": description, **({"codes": codes} if codes else {})}
    if riche:  # a writer's text in the language of cusdoc.load.text: values are offered
        meta["riche"] = True
    return {**rules, **more, "required": required, "meta": meta}


def mapping(fields: dict, description: str, required: bool = False, **more) -> dict:
    return field({"type": "dict", "schema": fields}, description, required, **more)


def sequence(item: dict, description: str, required: bool = False, minlength: int = 1) -> dict:
    return field({"type": "list", "schema": item, "minlength": minlength}, description, required)


TERRITOIRES = sequence(
    field(
        {"type": "string", "regex": r"organisme|" + CODE["regex"]},
        "Code d'un département, SIREN d'un EPCI, ou « organisme »",
        codes="passage",
    ),
    "Territoires dont le passage parle (codes) : il ne figure que dans leurs extraits ; "
    "« organisme » pour un passage qui ne vaut que pour l'ensemble de l'organisme (omis des "
    "extraits)",
)
CELLULE = field({"type": ["string", "integer", "float"]}, "Cellule", riche=True)
LIGNE_BALISEE = {
    "cellules": field({"type": "list", "schema": CELLULE}, "Cellules", required=True),
    "territoires": TERRITOIRES,
}
TABLEAU = mapping(
    {
        "titre": field(TEXT, "Titre du tableau", required=True),
        "colonnes": field(TEXTS, "Intitulés des colonnes", required=True),
        "largeurs": sequence(
            {"type": "number", "min": 0.1}, "Largeurs relatives des colonnes, une par colonne"
        ),
        "lignes": sequence(
            {
                "type": ["list", "dict"],
                # One rule instead of cerberus's anyof, which validates every row twice; the
                # editor's JSON Schema gets the two forms (meta "formes").
                "check_with": "ligne",
                "meta": {
                    "description": "Une ligne : ses cellules, ou {cellules, territoires}",
                    "formes": [
                        {"type": "list", "schema": CELLULE},
                        {"type": "dict", "schema": LIGNE_BALISEE},
                    ],
                },
            },
            "Lignes du tableau, autant de cellules que de colonnes ; une ligne balisée s'écrit "
            "{cellules: [...], territoires: [...]}",
            required=True,
        ),
        "source": field(TEXT, "Source des données, imprimée sous le tableau"),
    },
    "Tableau simple : titre, colonnes, lignes",
)
IMAGE = mapping(
    {
        "fichier": field(
            {
                "type": "string",
                "regex": IMAGE_FILE,
            },
            "Nom du fichier dans content/images/ (PNG, JPEG ou SVG)",
            required=True,
        ),
        "legende": field(TEXT, "Légende imprimée sous l'image", required=True),
        "source": field(TEXT, "Source de l'image, imprimée sous la légende"),
        "largeur": field(
            {"type": "number", "min": 0.1, "max": 1}, "Largeur, en part de la largeur du texte"
        ),
    },
    "Image du dossier content/images/",
)
ELEMENT = {
    "type": ["string", "dict"],
    "empty": False,
    "schema": {
        "texte": field(TEXT, "Texte de l'élément", required=True, riche=True),
        "territoires": TERRITOIRES,
    },
    "meta": {"description": "Élément de liste : un texte, ou {texte, territoires}", "riche": True},
}


PARTENAIRE = {
    "type": ["string", "dict"],
    "empty": False,
    "schema": {
        "texte": field(TEXT, "Nom du partenaire", required=True),
        "territoires": TERRITOIRES,
    },
    "meta": {"description": "Partenaire d'une action : un nom, ou {texte, territoires}"},
}


# Taken out of the data when it is read (cusdoc.load.content): allowed on any mapping and as
# a block of its own, never printed, reported by cusdoc check.
NOTE_DE_REDACTION = field(
    TEXT,
    "Note de rédaction : jamais imprimée, signalée par cusdoc check, refusée par la version de "
    "signature",
)


def blocs(description: str, tableau: bool = True, required: bool = False) -> dict:
    """A list of prose blocks: paragraphs (strings), lists and, where allowed, tables."""
    kinds = {
        "paragraphe": field(TEXT, "Paragraphe balisé par « territoires »", riche=True),
        "liste": sequence(ELEMENT, "Liste à puces"),
        "liste_numerotee": sequence(ELEMENT, "Liste numérotée"),
        "territoires": TERRITOIRES,
        NOTE: NOTE_DE_REDACTION,
    }
    if tableau:
        kinds["tableau"] = TABLEAU
        kinds["image"] = IMAGE
        kinds["tableau_calcule"] = field(
            {
                "type": "string",
                "allowed": sorted([*TABLES_DONNEES, *TABLES_CLASSEMENT, *TABLES_NPL]),
            },
            "Tableau calculé à partir des données de content/donnees/",
        )
    block = {
        "type": ["string", "dict"],
        "empty": False,
        "check_with": "bloc",
        "schema": kinds,
        "meta": {"description": "Paragraphe, ou bloc (liste, tableau…)", "riche": True},
    }
    return sequence(block, description, required)


IDENTIFIANT = field(ID, "Identifiant pour les renvois §[id], unique")


def section(depth: int) -> dict:
    fields = {
        "id": IDENTIFIANT,
        "titre": field(TEXT, "Titre de la section", required=True),
        "contenu": blocs("Texte de la section"),
        "territoires": TERRITOIRES,
    }
    if depth > 1:
        fields["sections"] = sequence(section(depth - 1), "Sous-sections")
    return {"type": "dict", "check_with": "section", "schema": fields}


CHAPITRE = {
    "titre": field(TEXT, "Titre du chapitre", required=True),
    "introduction": blocs("Texte d'introduction du chapitre"),
    "sections": sequence(section(3), "Sections du chapitre (trois niveaux au plus)", required=True),
}

ACTION = mapping(
    {
        "id": IDENTIFIANT,
        "intitule": field(TEXT, "Intitulé de l'action", required=True),
        "aujourd_hui": blocs("Situation actuelle", tableau=False, required=True),
        "objectifs": blocs("Objectifs", tableau=False, required=True),
        "moyens_et_etapes": blocs("Moyens et étapes", tableau=False, required=True),
        "pilote": field(TEXT, "Service pilote", required=True),
        "partenaires": field(
            {"type": "list", "minlength": 1, "schema": PARTENAIRE},
            "Partenaires associés : un nom, ou {texte, territoires} pour un partenaire que les "
            "extraits des autres territoires ne citent pas",
        ),
        "calendrier": field(
            {"type": ["integer", "string"], "check_with": "calendrier"},
            "Année (2026) ou période (2025-2027) de réalisation",
            required=True,
        ),
        "territoires": TERRITOIRES,
    },
    "Une action du programme",
)

ORIENTATIONS = {
    "titre": field(TEXT, "Titre du chapitre", required=True),
    "introduction": blocs("Texte d'introduction du chapitre"),
    "orientations": sequence(
        mapping(
            {
                "id": IDENTIFIANT,
                "titre": field(TEXT, "Intitulé de l'orientation", required=True),
                "contenu": blocs("Enjeux et ambitions de l'orientation", required=True),
                "territoires": TERRITOIRES,
                "actions": sequence(ACTION, "Programme d'actions de l'orientation", required=True),
            },
            "Une orientation stratégique",
        ),
        "Orientations stratégiques, chacune avec son programme d'actions",
        required=True,
    ),
}

INDICATEUR = {"type": "string", "allowed": list(load_catalogue())}  # PP-1, PS-1…

YEAR_VALUES = {
    "type": "dict",
    "keysrules": {"type": "string", "regex": r"[0-9]{4}"},
    "valuesrules": {"type": "number", "min": 0},
}

ENGAGEMENT = mapping(
    {
        "territoire": field(
            {"type": "string"},
            "Code du département, SIREN de l'EPCI, code de la région, ou « organisme »",
            required=True,
            codes="engagement",
        ),
        "reference": field(
            {"type": "number", "min": 0},
            "Valeur de référence, pour un indicateur dont la référence est déclarée",
        ),
        "source_reference": field(TEXT, "Source de la valeur de référence déclarée"),
        "valeurs": field(YEAR_VALUES, "L'engagement de chaque année (« 2025: 150 »)", True),
        "ventilations": field(
            {"type": "dict", "valuesrules": YEAR_VALUES},
            "Les déclinaisons (PLAI, PLUS, PLS, hors QPV…), année par année",
        ),
        "taux_cia": field(
            {"type": "number", "min": 0, "max": 100},
            "PS-1 : taux fixé par la convention intercommunale d'attribution, en % ; demande "
            "« cia »",
        ),
        "cia": mapping(
            {
                "reference": field(
                    TEXT,
                    "La convention intercommunale d'attribution (ou l'accord) qui fixe le taux, "
                    "telle qu'imprimée sous le tableau de PS-1",
                    required=True,
                ),
                "date": field(DATE, "Sa date (AAAA-MM-JJ)", required=True),
            },
            "PS-1 : la source de « taux_cia », imprimée sous le tableau",
        ),
        "justification": field(
            TEXT,
            "Pourquoi l'engagement est en deçà de la référence (au-dessus pour un coût, G-1) ; "
            "imprimée avec le tableau",
        ),
    },
    "Les engagements d'un territoire",
)


def by_indicator(row: dict, description: str) -> dict:
    """Indicator of the catalogue (PP-1…) → its rows, one per territory: the shape of the
    commitments and of the declared réalisé."""
    return field(
        {
            "type": "dict",
            "keysrules": INDICATEUR,
            "valuesrules": {"type": "list", "minlength": 1, "schema": row},
        },
        description,
        required=True,
    )


ENGAGEMENTS = {
    "titre": field(TEXT, "Titre du chapitre", required=True),
    "introduction": blocs("Texte d'introduction du chapitre"),
    "engagements": by_indicator(
        ENGAGEMENT,
        "Par indicateur (PP-1, PS-1…), la liste des territoires et de leurs engagements",
    ),
}

# content/realise.yml: the réalisé the data do not give (PP-1's agréments, G-1's costs, the
# foyers'), declared year by year with its source. Not a chapter: the signed convention does not
# print it; `cusdoc indicateurs`, the workbook and the bilans do.
REALISE_LIGNE = mapping(
    {
        "territoire": field(
            {"type": "string"},
            "Le territoire d'un engagement de content/engagements.yml (code du département, "
            "SIREN de l'EPCI, code de la région, ou « organisme »)",
            required=True,
            codes="engagement",
        ),
        "valeurs": field(YEAR_VALUES, "Le réalisé de chaque année (« 2025: 142 »)", True),
        "ventilations": field(
            {"type": "dict", "valuesrules": YEAR_VALUES},
            "Le réalisé des déclinaisons de l'engagement (PLAI, PLUS…), année par année",
        ),
        "source": field(
            TEXT,
            "D'où vient le réalisé déclaré (« bilan des agréments 2025 de la DDT »)",
            required=True,
        ),
    },
    "Le réalisé déclaré d'un territoire",
)

REALISE_DECLARE = {
    "realise": by_indicator(
        REALISE_LIGNE, "Par indicateur (PP-1, G-1…), le réalisé déclaré de chaque territoire"
    ),
}

# content/bilans/AAAA.yml: what the organisation writes in the bilan of a year, in the text
# language of the chapters.
BILAN = {
    "introduction": blocs("Texte ajouté à l'objet du bilan", tableau=False),
    "ecarts": sequence(
        mapping(
            {
                "indicateur": field(
                    INDICATEUR,
                    "L'indicateur (PP-4, PS-1…)",
                    required=True,
                ),
                "territoire": field(
                    {"type": "string"},
                    "Le territoire de l'engagement (code du département, SIREN de l'EPCI, code "
                    "de la région, ou « organisme »)",
                    required=True,
                    codes="engagement",
                ),
                "contenu": blocs("L'explication de l'écart", tableau=False, required=True),
            },
            "L'explication de l'écart d'un engagement",
        ),
        "Les explications des écarts entre engagement et réalisé, imprimées sous leur tableau",
    ),
}

BOUND = mapping(
    {
        "minimum": field({"type": "number"}, "Valeur minimale (incluse)"),
        "maximum": field({"type": "number"}, "Valeur maximale (incluse)"),
    },
    "Bornes d'un indicateur d'occupation",
)

CLASSEMENT = {
    "titre": field(TEXT, "Titre de l'annexe", required=True),
    "introduction": blocs("Texte de présentation de la méthode"),
    "service_rendu": mapping(
        {
            "ponderations": field(
                {
                    "type": "dict",
                    "keysrules": {"type": "string", "allowed": list(CRITERES)},
                    "valuesrules": {"type": "number", "min": 0},
                },
                "Poids de chaque critère dans la note de service rendu",
                required=True,
            ),
            "classes": sequence(
                mapping(
                    {
                        "classe": field(TEXT, "Nom court de la classe (A, B…)", required=True),
                        "libelle": field(TEXT, "Libellé de la classe", required=True),
                        "note_minimale": field(
                            {"type": "number"}, "Note pondérée minimale de la classe", True
                        ),
                    },
                    "Une classe de service rendu",
                ),
                "Les classes, de la meilleure à la moins bonne",
                required=True,
            ),
        },
        "Le classement selon le service rendu",
        required=True,
    ),
    "occupation": mapping(
        {
            "categories": sequence(
                mapping(
                    {
                        "categorie": field(TEXT, "Nom de la catégorie", required=True),
                        "conditions": field(
                            {
                                "type": "dict",
                                "keysrules": {
                                    "type": "string",
                                    "allowed": list(OCCUPATION),
                                },
                                "valuesrules": BOUND,
                            },
                            "Conditions sur les indicateurs d'occupation ; la dernière catégorie "
                            "n'en a pas",
                        ),
                        "au_moins": field(
                            {"type": "integer", "min": 1},
                            "Nombre de conditions qui doivent être remplies (toutes par défaut)",
                        ),
                    },
                    "Une catégorie d'occupation",
                ),
                "Les catégories, dans l'ordre où elles sont essayées",
                required=True,
            )
        },
        "Les catégories d'occupation sociale",
        required=True,
    ),
}

SURFACES = ["utile", "corrigée"]
GESTIONS = ["stock", "flux"]

NPL = {
    "titre": field(TEXT, "Titre de l'annexe", required=True),
    "introduction": blocs("Texte de présentation de la nouvelle politique des loyers"),
    "surface": field(
        {"type": "string", "allowed": SURFACES},
        "La surface des ensembles de l'annexe, à laquelle s'appliquent les loyers maximums au m² "
        "de content/donnees/npl.csv : utile ou corrigée",
        required=True,
    ),
    "gestion": field(
        {"type": "string", "allowed": GESTIONS},
        "stock : la catégorie (PLAI, PLUS, PLS) de chaque logement est fixée ; flux : pour "
        "chaque catégorie, une part des relocations de chaque année est visée, celle de ses "
        "logements dans npl.csv",
        required=True,
    ),
    "plafond_pls": mapping(
        {
            "valeur": field(
                {"type": "number", "min": 0.01, "max": 100},
                "Le plafond, en euros par m² de la surface déclarée",
                required=True,
            ),
            "source": field(
                TEXT, "Le texte qui le fixe (arrêté ou avis, zone et année)", required=True
            ),
        },
        "Le plafond de loyer du PLS qui s'applique aux ensembles de l'annexe : aucun loyer "
        "maximum après la NPL ne le dépasse (cusdoc n'embarque pas ces plafonds)",
        required=True,
    ),
}

FORMES = ["OPH", "ESH", "coopérative", "SEM"]
VOLETS = ["logements_foyers", "accession"]
CATEGORIES = ["locative", "accession"]
PARTIES = ["État", "organisme", "département", "EPCI"]
STATUTS = ["signataire", "associé"]
ASSUJETTI_PS1 = ["plh", "habitat_qpv", "non"]

CONVENTION = {
    "organisme": mapping(
        {
            "raison_sociale": field(TEXT, "Raison sociale", required=True),
            "sigle": field(TEXT, "Sigle usuel"),
            "forme": field(
                {"type": "string", "allowed": FORMES}, "Catégorie d'organisme", required=True
            ),
            "siren": field(
                {"type": "string", "check_with": "siren"}, "Numéro SIREN (9 chiffres)", True
            ),
            "siege": mapping(
                {
                    "adresse": field(TEXT, "Voie", required=True),
                    "code_postal": field(
                        {"type": "string", "regex": r"[0-9]{5}"}, "Code postal", required=True
                    ),
                    "commune": field(
                        {"type": "string", "regex": r"[0-9][0-9AB][0-9]{3}"},
                        "Code Insee de la commune",
                        required=True,
                    ),
                },
                "Adresse du siège",
                required=True,
            ),
            "rattachement": field(CODE, "Collectivité de rattachement d'un OPH (code)"),
        },
        "L'organisme HLM qui conclut la convention",
        required=True,
    ),
    "generation": mapping(
        {
            "date_effet": field(DATE, "Date d'effet (AAAA-MM-JJ)", required=True),
            "premiere_annee": field(YEAR, "Première année d'engagement", required=True),
            "derniere_annee": field(YEAR, "Dernière année d'engagement", required=True),
            "annee_reference": field(YEAR, "Année des valeurs de référence", required=True),
        },
        "La génération de la convention et sa période",
        required=True,
    ),
    "plan_strategique_patrimoine": mapping(
        {
            "date_approbation": field(DATE, "Date d'approbation (AAAA-MM-JJ)", required=True),
            "instance": field(TEXT, "Instance qui l'a approuvé", required=True),
            "periode": field(
                {"type": "string", "regex": r"[0-9]{4}-[0-9]{4}"}, "Période couverte (AAAA-AAAA)"
            ),
        },
        "Le plan stratégique de patrimoine (CCH L. 411-9)",
        required=True,
    ),
    "territoires": sequence(
        mapping(
            {
                "code": field(
                    CODE, "Code du département ou SIREN de l'EPCI", True, codes="territoires"
                ),
                "statut": field(
                    {"type": "string", "allowed": STATUTS}, "Signataire ou associé", required=True
                ),
                "assujetti_ps1": field(
                    {"type": "string", "allowed": ASSUJETTI_PS1},
                    "EPCI seulement, obligatoire : assujetti à PS-1 (CCH L. 441-1) et à quel "
                    "titre : plh (tenu de se doter d'un programme local de l'habitat), "
                    "habitat_qpv (compétent en matière d'habitat avec au moins un quartier "
                    "prioritaire), ou non",
                ),
                "date_consultation": field(
                    DATE, "Date de la réunion de consultation du partenaire (AAAA-MM-JJ)"
                ),
                "contact": mapping(
                    {
                        "nom": field(TEXT, "Prénom et nom", required=True),
                        "fonction": field(TEXT, "Fonction"),
                        "courriel": field(TEXT, "Adresse électronique"),
                        "telephone": field(TEXT, "Téléphone"),
                    },
                    "L'interlocuteur de l'organisme pour ce partenaire",
                ),
            },
            "Un territoire",
        ),
        "Départements (code) et EPCI (SIREN) où l'organisme a du patrimoine",
        required=True,
    ),
    "signataires": sequence(
        mapping(
            {
                "partie": field(
                    {"type": "string", "allowed": PARTIES}, "Partie représentée", required=True
                ),
                "territoire": field(CODE, "Code du département ou de l'EPCI", codes="territoires"),
                "fonction": field(
                    TEXT, "Qualité du signataire (« Le préfet de la région … »)", required=True
                ),
                "nom": field(TEXT, "Prénom et nom", required=True),
            },
            "Un bloc de signature",
        ),
        "Les signataires, dans l'ordre des blocs de signature",
        required=True,
        minlength=2,
    ),
    "lieu_signature": field(TEXT, "Ville de signature", required=True),
    "secret_statistique": field(
        {"type": "integer", "min": 1},
        "Seuil du secret statistique : un effectif de ménages inférieur est masqué (5 par "
        "défaut, 3 au moins : règle de fréquence de l'Insee) ; le texte produit par cusdoc "
        "l'imprime",
    ),
    "version": mapping(
        {
            "numero_projet": field(
                {"type": "integer", "min": 1},
                "Numéro du projet, imprimé en page de titre (« Projet n° 3 du … ») ; la "
                "version de signature (cusdoc build --signature) ne l'imprime pas",
            ),
        },
        "La version imprimée en page de titre et sur la présentation des extraits",
    ),
    "intitules_verifies": sequence(
        mapping(
            {
                "indicateur": field(
                    INDICATEUR,
                    "Identifiant de l'indicateur (PS-1…)",
                    required=True,
                ),
                "date": field(DATE, "Date de la relecture (AAAA-MM-JJ)", required=True),
                "source": field(
                    TEXT,
                    "Texte relu : article et version en vigueur (« CCH, art. R. 445-5, version "
                    "en vigueur au 1er juillet 2025, Légifrance »)",
                    required=True,
                ),
                "intitule": field(
                    TEXT, "La formulation relue, si elle diffère de celle du catalogue"
                ),
            },
            "Une formulation relue",
        ),
        "Les formulations d'indicateurs que le catalogue de cusdoc marque comme non relues et "
        "que l'organisme a relues sur Légifrance",
    ),
    "fuites": mapping(
        {
            "exceptions": field(
                TEXTS,
                "Expressions que tout partenaire doit lire bien qu'elles nomment un autre "
                "territoire (« direction territoriale de Blois ») : le contrôle des fuites ne "
                "les signale pas, écrites en entier",
            ),
        },
        "Le contrôle des fuites des extraits (le lieu de signature et la qualité des "
        "signataires sont admis d'office)",
    ),
    "categorie": field(
        {"type": "string", "allowed": CATEGORIES},
        "La catégorie de la convention : locative (par défaut, avec ses volets), ou accession "
        "pour un organisme sans patrimoine locatif (CCH R. 445-15), qu'aucune collectivité ne "
        "signe",
    ),
    "volets": sequence(
        {"type": "string", "allowed": VOLETS},
        "Les volets facultatifs de la convention : logements_foyers (dès que l'organisme gère "
        "des logements-foyers), accession (obligatoire à partir de 20 logements neufs vendus en "
        "accession les trois années qui précèdent la convention, CCH R. 445-15)",
    ),
    "visas": field(TEXTS, "Visas ajoutés à ceux du code de la construction et de l'habitation"),
    "chapitres": sequence(
        {"type": "string", "regex": r"[a-z0-9_]+"},
        "Les chapitres, dans l'ordre : noms des fichiers de content/",
        required=True,
    ),
}

REQUIRED_CHAPTERS = {
    "etat_des_lieux": "l'état des lieux",
    "orientations": "les orientations stratégiques et le programme d'actions",
    "politique_patrimoniale": "la politique patrimoniale et d'investissement",
    "gestion_sociale": "les engagements en matière de gestion sociale",
    "qualite_service": "les engagements de qualité de service",
}

# The chapters whose shape is not the generic one (titre, introduction, sections).
SPECIAL_CHAPTERS = {
    "orientations": ORIENTATIONS,
    "engagements": ENGAGEMENTS,
    "classement": CLASSEMENT,
    "npl": NPL,
}


def schema_for(name: str) -> dict:
    """The cerberus schema of a content file."""
    if name == "convention":
        return CONVENTION
    if name == REALISE:
        return REALISE_DECLARE
    if name.startswith(f"{BILANS}/"):
        return BILAN
    return SPECIAL_CHAPTERS.get(name, CHAPITRE)
