"""The content schema, declared once as cerberus rules with a French description per field.

Writers type the keys: they are French. `meta` carries the description used in messages and docs.
"""

YEAR = {"type": "integer", "min": 1900, "max": 2100}
TEXT = {"type": "string", "empty": False}
ID = {"type": "string", "regex": r"[a-z0-9]+(-[a-z0-9]+)*"}
CODE = {"type": "string", "regex": r"[0-9][0-9AB][0-9]{0,3}|[0-9]{9}"}

INLINE_LIST = {"type": "list", "minlength": 1, "schema": TEXT}

TABLEAU = {
    "type": "dict",
    "meta": {"description": "Tableau simple : titre, colonnes, lignes"},
    "schema": {
        "titre": {**TEXT, "required": True, "meta": {"description": "Titre du tableau"}},
        "colonnes": {
            **INLINE_LIST,
            "required": True,
            "meta": {"description": "Intitulés des colonnes"},
        },
        "largeurs": {
            "type": "list",
            "schema": {"type": "number", "min": 0.1},
            "meta": {"description": "Largeurs relatives des colonnes, une par colonne"},
        },
        "lignes": {
            "type": "list",
            "required": True,
            "minlength": 1,
            "schema": {"type": "list", "schema": {"type": ["string", "integer", "float"]}},
            "meta": {"description": "Lignes du tableau, autant de cellules que de colonnes"},
        },
        "source": {**TEXT, "meta": {"description": "Source des données, imprimée sous le tableau"}},
    },
}


def blocs(description: str, tableau: bool = True) -> dict:
    """A list of prose blocks: paragraphs (strings), lists and, where allowed, tables."""
    kinds = {
        "liste": {**INLINE_LIST, "meta": {"description": "Liste à puces"}},
        "liste_numerotee": {**INLINE_LIST, "meta": {"description": "Liste numérotée"}},
    }
    if tableau:
        kinds["tableau"] = TABLEAU
    return {
        "type": "list",
        "minlength": 1,
        "meta": {"description": description},
        "schema": {
            "type": ["string", "dict"],
            "empty": False,
            "check_with": "bloc",
            "schema": kinds,
        },
    }


def _section(depth: int) -> dict:
    fields = {
        "id": {**ID, "meta": {"description": "Identifiant pour les renvois §[id], unique"}},
        "titre": {**TEXT, "required": True, "meta": {"description": "Titre de la section"}},
        "contenu": blocs("Texte de la section"),
        "territoires": {
            "type": "list",
            "schema": CODE,
            "meta": {"description": "Territoires concernés (codes), pour les zooms territoriaux"},
        },
    }
    if depth > 1:
        fields["sections"] = {
            "type": "list",
            "minlength": 1,
            "schema": _section(depth - 1),
            "meta": {"description": "Sous-sections"},
        }
    return {"type": "dict", "check_with": "section", "schema": fields}


CHAPITRE = {
    "titre": {**TEXT, "required": True, "meta": {"description": "Titre du chapitre"}},
    "introduction": blocs("Texte d'introduction du chapitre"),
    "sections": {
        "type": "list",
        "required": True,
        "minlength": 1,
        "schema": _section(3),
        "meta": {"description": "Sections du chapitre (trois niveaux au plus)"},
    },
}

ACTION = {
    "type": "dict",
    "schema": {
        "id": {**ID, "meta": {"description": "Identifiant pour les renvois §[id], unique"}},
        "intitule": {**TEXT, "required": True, "meta": {"description": "Intitulé de l'action"}},
        "aujourd_hui": {
            **blocs("Situation actuelle", tableau=False),
            "required": True,
        },
        "objectifs": {**blocs("Objectifs", tableau=False), "required": True},
        "moyens_et_etapes": {**blocs("Moyens et étapes", tableau=False), "required": True},
        "pilote": {**TEXT, "required": True, "meta": {"description": "Service pilote"}},
        "partenaires": {**INLINE_LIST, "meta": {"description": "Partenaires associés"}},
        "calendrier": {
            "type": ["integer", "string"],
            "required": True,
            "check_with": "calendrier",
            "meta": {"description": "Année (2026) ou période (2025-2027) de réalisation"},
        },
        "territoires": _section(1)["schema"]["territoires"],
    },
}

ORIENTATIONS = {
    "titre": {**TEXT, "required": True, "meta": {"description": "Titre du chapitre"}},
    "introduction": blocs("Texte d'introduction du chapitre"),
    "orientations": {
        "type": "list",
        "required": True,
        "minlength": 1,
        "meta": {"description": "Orientations stratégiques, chacune avec son programme d'actions"},
        "schema": {
            "type": "dict",
            "schema": {
                "id": {**ID, "meta": {"description": "Identifiant pour les renvois §[id], unique"}},
                "titre": {**TEXT, "required": True, "meta": {"description": "Intitulé"}},
                "contenu": {**blocs("Enjeux et ambitions de l'orientation"), "required": True},
                "actions": {
                    "type": "list",
                    "required": True,
                    "minlength": 1,
                    "schema": ACTION,
                    "meta": {"description": "Programme d'actions de l'orientation"},
                },
            },
        },
    },
}

FORMES = ["OPH", "ESH", "coopérative", "SEM"]
PARTIES = ["État", "organisme", "département", "EPCI"]
STATUTS = ["signataire", "associé"]

CONVENTION = {
    "organisme": {
        "type": "dict",
        "required": True,
        "meta": {"description": "L'organisme HLM qui conclut la convention"},
        "schema": {
            "raison_sociale": {**TEXT, "required": True, "meta": {"description": "Raison sociale"}},
            "sigle": {**TEXT, "meta": {"description": "Sigle usuel"}},
            "forme": {
                "type": "string",
                "required": True,
                "allowed": FORMES,
                "meta": {"description": "Catégorie d'organisme"},
            },
            "siren": {
                "type": "string",
                "required": True,
                "check_with": "siren",
                "meta": {"description": "Numéro SIREN (9 chiffres)"},
            },
            "siege": {
                "type": "dict",
                "required": True,
                "meta": {"description": "Adresse du siège"},
                "schema": {
                    "adresse": {**TEXT, "required": True, "meta": {"description": "Voie"}},
                    "code_postal": {
                        "type": "string",
                        "required": True,
                        "regex": r"[0-9]{5}",
                        "meta": {"description": "Code postal"},
                    },
                    "commune": {
                        "type": "string",
                        "required": True,
                        "regex": r"[0-9][0-9AB][0-9]{3}",
                        "meta": {"description": "Code INSEE de la commune"},
                    },
                },
            },
            "rattachement": {
                **CODE,
                "meta": {"description": "Collectivité de rattachement d'un OPH (code)"},
            },
        },
    },
    "generation": {
        "type": "dict",
        "required": True,
        "meta": {"description": "La génération de la convention et sa période"},
        "schema": {
            "date_effet": {
                "type": "date",
                "required": True,
                "meta": {"description": "Date d'effet (AAAA-MM-JJ)"},
            },
            "premiere_annee": {
                **YEAR,
                "required": True,
                "meta": {"description": "Première année d'engagement"},
            },
            "derniere_annee": {
                **YEAR,
                "required": True,
                "meta": {"description": "Dernière année d'engagement"},
            },
            "annee_reference": {
                **YEAR,
                "required": True,
                "meta": {"description": "Année des valeurs de référence"},
            },
        },
    },
    "plan_strategique_patrimoine": {
        "type": "dict",
        "required": True,
        "meta": {"description": "Le plan stratégique de patrimoine (CCH L. 411-9)"},
        "schema": {
            "date_approbation": {
                "type": "date",
                "required": True,
                "meta": {"description": "Date d'approbation (AAAA-MM-JJ)"},
            },
            "instance": {
                **TEXT,
                "required": True,
                "meta": {"description": "Instance qui l'a approuvé"},
            },
            "periode": {
                "type": "string",
                "regex": r"[0-9]{4}-[0-9]{4}",
                "meta": {"description": "Période couverte (AAAA-AAAA)"},
            },
        },
    },
    "territoires": {
        "type": "list",
        "required": True,
        "minlength": 1,
        "meta": {
            "description": "Départements (code) et EPCI (SIREN) où l'organisme a du patrimoine"
        },
        "schema": {
            "type": "dict",
            "schema": {
                "code": {**CODE, "required": True, "meta": {"description": "Code du territoire"}},
                "statut": {
                    "type": "string",
                    "required": True,
                    "allowed": STATUTS,
                    "meta": {"description": "Signataire ou associé"},
                },
            },
        },
    },
    "signataires": {
        "type": "list",
        "required": True,
        "minlength": 2,
        "meta": {"description": "Les signataires, dans l'ordre des blocs de signature"},
        "schema": {
            "type": "dict",
            "schema": {
                "partie": {
                    "type": "string",
                    "required": True,
                    "allowed": PARTIES,
                    "meta": {"description": "Partie représentée"},
                },
                "territoire": {**CODE, "meta": {"description": "Code du département ou de l'EPCI"}},
                "fonction": {
                    **TEXT,
                    "required": True,
                    "meta": {"description": "Qualité du signataire (« Le préfet de la région … »)"},
                },
                "nom": {**TEXT, "required": True, "meta": {"description": "Prénom et nom"}},
            },
        },
    },
    "lieu_signature": {**TEXT, "required": True, "meta": {"description": "Ville de signature"}},
    "visas": {
        **INLINE_LIST,
        "meta": {
            "description": "Visas ajoutés à ceux du code de la construction et de l'habitation"
        },
    },
    "chapitres": {
        "type": "list",
        "required": True,
        "minlength": 1,
        "schema": {"type": "string", "regex": r"[a-z0-9_]+"},
        "meta": {"description": "Les chapitres, dans l'ordre : noms des fichiers de content/"},
    },
}

REQUIRED_CHAPTERS = {
    "etat_des_lieux": "l'état des lieux",
    "orientations": "les orientations stratégiques et le programme d'actions",
    "politique_patrimoniale": "la politique patrimoniale et d'investissement",
    "gestion_sociale": "le cahier des charges de gestion sociale",
    "qualite_service": "les engagements de qualité de service",
}

# The chapters whose shape is not the generic one (titre, introduction, sections).
SPECIAL_CHAPTERS = {"orientations": ORIENTATIONS}


def schema_for(name: str) -> dict:
    """The cerberus schema of a content file."""
    if name == "convention":
        return CONVENTION
    return SPECIAL_CHAPTERS.get(name, CHAPITRE)
