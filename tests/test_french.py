"""French grammar of names: articles, « de » and « à », elision, gender; and the generated
documents free of the errors a proofreader would mark."""

import re

import pytest

from cusdoc import TEMPLATES, french
from cusdoc.load.geography import load_geographie
from cusdoc.pipeline import check, document
from cusdoc.render import environment, render_markdown
from tests.conftest import REPO

GEO = load_geographie()

# What the councils and the Journal officiel write (after « Département »).
DEPARTEMENTS = {
    "Ain": "de l'Ain",
    "Aisne": "de l'Aisne",
    "Alpes-de-Haute-Provence": "des Alpes-de-Haute-Provence",
    "Calvados": "du Calvados",
    "Charente-Maritime": "de la Charente-Maritime",
    "Cher": "du Cher",
    "Côte-d'Or": "de la Côte-d'Or",
    "Eure-et-Loir": "d'Eure-et-Loir",
    "Haute-Garonne": "de la Haute-Garonne",
    "Hauts-de-Seine": "des Hauts-de-Seine",
    "Hérault": "de l'Hérault",
    "Ille-et-Vilaine": "d'Ille-et-Vilaine",
    "Indre": "de l'Indre",
    "Indre-et-Loire": "d'Indre-et-Loire",
    "Loir-et-Cher": "de Loir-et-Cher",
    "Loiret": "du Loiret",
    "Lot-et-Garonne": "de Lot-et-Garonne",
    "Maine-et-Loire": "de Maine-et-Loire",
    "Paris": "de Paris",
    "Seine-Saint-Denis": "de la Seine-Saint-Denis",
    "Tarn-et-Garonne": "de Tarn-et-Garonne",
    "Territoire de Belfort": "du Territoire de Belfort",
    "Val-d'Oise": "du Val-d'Oise",
    "Yonne": "de l'Yonne",
    "Yvelines": "des Yvelines",
    "La Réunion": "de La Réunion",
    "Mayotte": "de Mayotte",
    "Nouvelle-Calédonie": "de la Nouvelle-Calédonie",
    "Île de Clipperton": "de l'Île de Clipperton",
}


@pytest.mark.parametrize(("nom", "du"), sorted(DEPARTEMENTS.items()))
def test_departement_names_as_their_councils_write_them(nom, du):
    territoire = next(t for t in GEO.departements.values() if t.nom == nom)
    assert territoire.appellation.du == du
    assert territoire.collectivite.le == f"le Département {du}"


def _grammatical_after_de(form: str) -> bool:
    """« du X », « de la X », « des X », « de l'X », « d'X » or « de X », each where it belongs."""
    match = re.fullmatch(r"(du|de la|des|de l'|d'|de) ?(.+)", form)
    if match is None:
        return False
    preposition, name = match[1], match[2]
    if re.match(r"(Le|La|Les|L')\b", name):  # an article of the name itself: « de La Réunion »
        return preposition == "de"
    if preposition in ("de l'", "d'"):
        return french.elides(name)
    if preposition in ("du", "de la", "de"):
        return not french.elides(name)
    return True


@pytest.mark.parametrize("code", sorted(GEO.departements))
def test_every_departement_takes_a_grammatical_form(code):
    territoire = GEO.departements[code]
    nom = territoire.appellation
    assert _grammatical_after_de(nom.du), nom.du
    # one rule for names joined by « et »: no article, as their councils write them
    if "-et-" in territoire.nom:
        assert nom.du in (f"de {territoire.nom}", f"d'{territoire.nom}")
        assert not nom.article
    assert nom.le.endswith(territoire.nom.removeprefix("La "))
    assert territoire.collectivite.du == f"du Département {nom.du}"
    assert territoire.collectivite.au == f"au Département {nom.du}"


def test_departement_articles_after_a():
    names = {t.nom: t.appellation for t in GEO.departements.values()}
    assert names["Cher"].au == "au Cher"
    assert names["Yvelines"].au == "aux Yvelines"
    assert names["Indre"].au == "à l'Indre"
    assert names["Haute-Garonne"].au == "à la Haute-Garonne"
    assert names["Paris"].au == "à Paris"


def test_departement_gender():
    names = {t.nom: t.appellation for t in GEO.departements.values()}
    feminine = ["Indre", "Aisne", "Haute-Garonne", "Yvelines", "Indre-et-Loire", "La Réunion"]
    masculine = ["Cher", "Ain", "Hérault", "Hauts-de-Seine", "Loir-et-Cher", "Maine-et-Loire"]
    assert [n for n in feminine if not names[n].feminin] == []
    assert [n for n in masculine if names[n].feminin] == []


EXAMPLE_EPCI = {
    "243700754": (
        "Tours Métropole Val de Loire",
        "de Tours Métropole Val de Loire",
        "à Tours Métropole Val de Loire",
    ),
    "244100798": (
        "la Communauté de communes du Grand Chambord",
        "de la Communauté de communes du Grand Chambord",
        "à la Communauté de communes du Grand Chambord",
    ),
    "200030385": (
        "la Communauté d'agglomération de Blois «\u00a0Agglopolys\u00a0»",
        "de la Communauté d'agglomération de Blois «\u00a0Agglopolys\u00a0»",
        "à la Communauté d'agglomération de Blois «\u00a0Agglopolys\u00a0»",
    ),
    "200073161": (
        "la Communauté de communes Touraine-Est Vallées",
        "de la Communauté de communes Touraine-Est Vallées",
        "à la Communauté de communes Touraine-Est Vallées",
    ),
    "200072650": (
        "la Communauté de communes Touraine Vallée de l'Indre",
        "de la Communauté de communes Touraine Vallée de l'Indre",
        "à la Communauté de communes Touraine Vallée de l'Indre",
    ),
    "244500468": ("Orléans Métropole", "d'Orléans Métropole", "à Orléans Métropole"),
    "246700488": (
        "l'Eurométropole de Strasbourg",
        "de l'Eurométropole de Strasbourg",
        "à l'Eurométropole de Strasbourg",
    ),
    "200054781": (
        "la Métropole du Grand Paris",
        "de la Métropole du Grand Paris",
        "à la Métropole du Grand Paris",
    ),
}


@pytest.mark.parametrize("siren", sorted(EXAMPLE_EPCI))
def test_epci_names_with_their_article(siren):
    appellation = GEO.epci[siren].appellation
    assert (appellation.le, appellation.du, appellation.au) == EXAMPLE_EPCI[siren]
    assert appellation.feminin  # a communauté, a métropole
    assert french.accord("associé", GEO.epci[siren].collectivite) == "associée"


def test_every_epci_takes_a_grammatical_form():
    wrong = [
        t.appellation.du for t in GEO.epci.values() if not _grammatical_after_de(t.appellation.du)
    ]
    assert wrong == []
    # a name that opens with its legal form takes « la », capital kept: « de la Communauté »
    forms = {
        t.appellation.du.split(" ")[:3] == ["de", "la", "Communauté"]
        for t in GEO.epci.values()
        if t.nom.startswith("Communauté")
    }
    assert forms == {True}


def test_an_etablissement_public_territorial_is_masculine():
    ept = french.epci("Établissement public territorial Plaine Commune")
    assert ept.le == "l'Établissement public territorial Plaine Commune"
    assert ept.du == "de l'Établissement public territorial Plaine Commune"
    assert french.accord("associé", ept) == "associé"


@pytest.mark.parametrize(
    ("raison_sociale", "forme", "le", "du", "au", "feminin"),
    [
        ("Habitat Loire et Sologne", "OPH", "Habitat Loire et Sologne",
         "d'Habitat Loire et Sologne", "à Habitat Loire et Sologne", False),
        ("Val de Loire Habitat", "OPH", "Val de Loire Habitat",
         "de Val de Loire Habitat", "à Val de Loire Habitat", False),
        ("Immobilière Atlantic Aménagement", "ESH", "Immobilière Atlantic Aménagement",
         "d'Immobilière Atlantic Aménagement", "à Immobilière Atlantic Aménagement", True),
        ("Office public de l'habitat de Loir-et-Cher", "OPH",
         "l'Office public de l'habitat de Loir-et-Cher",
         "de l'Office public de l'habitat de Loir-et-Cher",
         "à l'Office public de l'habitat de Loir-et-Cher", False),
        ("Les Foyers de Seine-et-Marne", "ESH", "Les Foyers de Seine-et-Marne",
         "des Foyers de Seine-et-Marne", "aux Foyers de Seine-et-Marne", True),
        ("Le Foyer rémois", "ESH", "Le Foyer rémois", "du Foyer rémois", "au Foyer rémois", False),
        ("La Maison du CIL", "ESH", "La Maison du CIL", "de La Maison du CIL",
         "à La Maison du CIL", True),
        ("L’Habitation moderne", "coopérative", "L'Habitation moderne",
         "de L'Habitation moderne", "à L'Habitation moderne", True),
        ("Haute-Savoie Habitat", "OPH", "Haute-Savoie Habitat", "de Haute-Savoie Habitat",
         "à Haute-Savoie Habitat", False),
        ("Hérault Habitat", "OPH", "Hérault Habitat", "d'Hérault Habitat",
         "à Hérault Habitat", False),
        ("Société anonyme d'HLM du Cher", "ESH", "la Société anonyme d'HLM du Cher",
         "de la Société anonyme d'HLM du Cher", "à la Société anonyme d'HLM du Cher", True),
    ],
)  # fmt: skip
def test_organisation_names(raison_sociale, forme, le, du, au, feminin):
    nom = french.organisme(raison_sociale, forme)
    assert (nom.le, nom.du, nom.au, nom.feminin) == (le, du, au, feminin)


def test_agreement_with_the_partner():
    departement = GEO.departements["41"].collectivite
    assert french.accord("associé", departement) == "associé"
    assert french.accord("signataire", departement) == "signataire"
    for siren in ("244100798", "243700754"):
        assert french.accord("associé", GEO.epci[siren].collectivite) == "associée"
        assert french.accord("signataire", GEO.epci[siren].collectivite) == "signataire"
    assert french.accord("associé", french.ETAT) == "associé"


def test_templates_reach_the_grammar_through_filters():
    env = environment(TEMPLATES)
    template = env.from_string(
        "{{ p | le | majuscule }} ; {{ p | du }} ; {{ p | au }} ; {{ 'associé' | accord(p) }} ; "
        "{{ o | du }}"
    )
    text = template.render(p=GEO.epci["244100798"].appellation, o="Habitat Loire et Sologne")
    assert text == (
        "La Communauté de communes du Grand Chambord ; "
        "de la Communauté de communes du Grand Chambord ; "
        "à la Communauté de communes du Grand Chambord ; associée ; d'Habitat Loire et Sologne"
    )


# The classes of error a proofreader marks, on text with plain apostrophes and spaces.
FEMININE_NOUNS = r"(?:Communauté|Métropole|Eurométropole)"
ERRORS = {
    "no elision before a vowel or a mute h": re.compile(
        r"\b(?:de|que|le|la) (?:[AEIOUÉÈÊÎÔÛÂ]|H(?!aut))"
    ),
    "article after a contraction": re.compile(
        r"\b(?:du|des|au|aux|de la|de l'|à la|à l') ?(?:Le|La|Les|L')\b"
    ),
    "uncontracted article": re.compile(r"\b(?:de|à) (?:Le|Les)\b"),
    "capital article in a sentence": re.compile(
        r"[a-zà-ÿ,] (?:Le|La|Les|L') ?(?:Communauté|Métropole|Eurométropole|Département|Office)"
    ),
    "masculine after a feminine partner": re.compile(
        rf"{FEMININE_NOUNS}[^,;.|]*, associé\b(?!e)"  # in a sentence
        rf"|^\| [^|]*{FEMININE_NOUNS}[^|]*\|.*\| associé \|$",  # in the table of territories
        re.MULTILINE,
    ),
    "feminine after a Département": re.compile(r"Département [^,;.|]*, associée"),
    "an article before a département named « X-et-Y »": re.compile(
        r"\b(?:du|des|au|aux|de la|de l'|à la|à l')\s?[A-ZÉ][\w']*-et-"
    ),
    "« 1er » not in superscript": re.compile(r"\b1er\b"),
}


@pytest.fixture(scope="module")
def example_documents() -> dict[str, str]:
    """The Markdown of the example convention and of every partner's extract, plain apostrophes
    and spaces."""
    project = check(REPO)
    scopes = [None, *(p.code for p in project.partenaires)]
    out = {}
    for scope in scopes:
        text = render_markdown(document(project, scope), TEMPLATES)
        text = text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
        out[scope or "convention"] = text.replace("**", "")
    return out


@pytest.mark.slow
def test_the_example_documents_have_none_of_the_errors(example_documents):
    found = {
        (scope, error, match[0])
        for scope, text in example_documents.items()
        for error, pattern in ERRORS.items()
        for match in pattern.finditer(text)
    }
    assert found == set()


def test_the_patterns_catch_the_errors_they_name():
    wrong = [
        ("no elision before a vowel or a mute h", "la convention de Habitat Loire et Sologne"),
        ("no elision before a vowel or a mute h", "les communes de Orléans Métropole"),
        ("no elision before a vowel or a mute h", "le Département de Indre-et-Loire"),
        ("article after a contraction", "à l'intention du L'Habitation"),
        ("uncontracted article", "les logements de Le Foyer rémois"),
        ("capital article in a sentence", "l'extrait de La Communauté de communes"),
        ("masculine after a feminine partner", "Tours Métropole Val de Loire, associé à"),
        ("masculine after a feminine partner", "| Communauté de communes X | EPCI | 1 | associé |"),
        ("feminine after a Département", "le Département de Loir-et-Cher, associée"),
        ("an article before a département named « X-et-Y »", "le Département du Loir-et-Cher"),
        ("« 1er » not in superscript", "au 1er janvier"),
    ]
    assert [(error, text) for error, text in wrong if not ERRORS[error].search(text)] == []
    right = "d'Habitat Loire et Sologne, de Haute-Savoie Habitat, le Département de Loir-et-Cher"
    assert [error for error, pattern in ERRORS.items() if pattern.search(right)] == []


@pytest.mark.slow
def test_each_partner_is_named_as_it_should_be(example_documents):
    intention = {
        "37": "du Département d'Indre-et-Loire, signataire",
        "41": "du Département de Loir-et-Cher, associé à l'élaboration",
        "243700754": "de Tours Métropole Val de Loire, signataire",
        "244100798": "de la Communauté de communes du Grand Chambord, associée à l'élaboration",
        "200030385": "de la Communauté d'agglomération de Blois « Agglopolys », associée",
    }
    for code, expected in intention.items():
        assert f"Établi à l'intention {expected}" in example_documents[code]
    assert "Extrait pour le Département de Loir-et-Cher" in example_documents["41"]
    assert "convention d'utilité sociale d'Habitat Loire et Sologne" in example_documents["41"]
    assert "- Pour le Département d'Indre-et-Loire," in example_documents["convention"]
