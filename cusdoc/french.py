"""French grammar of proper names: the article a name takes, its forms after « de » and « à »
(contracted or elided), its gender. Every sentence that names a territory, a partner or the
organisation builds the name here; templates reach it through the filters `le`, `du`, `au`,
`accord` and `majuscule`.

The rules, one for every kind of name:

- A name that opens with the common noun of a legal form (« Communauté », « Métropole »,
  « Office »…) takes the definite article and that noun's gender: « la Communauté de communes
  du Grand Chambord », « l'Office public de l'habitat de … ». Any other name is a proper name
  and takes none: « Tours Métropole Val de Loire » (a métropole: feminine), « Habitat Loire et
  Sologne ». A name written with its article (« Les Foyers de … », « La Réunion ») keeps it,
  contracted after « de » and « à » (« des Foyers de … »).
- « de », « le » and « la » elide before a vowel or a mute h (« d'Habitat Loire et Sologne »,
  « d'Orléans Métropole », « l'Eurométropole de Strasbourg »), not before the aspirated h of
  the few words of H_ASPIRE (« de Haute-Savoie Habitat »).
- A département takes the article of INSEE's « type de nom en clair » (TNCC: « le Cher »,
  « l'Indre », « les Yvelines »), except a name made of two names joined by « et », which
  takes none: the councils call themselves « Département de Loir-et-Cher », « Département
  d'Indre-et-Loire », « Département de Lot-et-Garonne », whatever the TNCC says.
- A council is « le Département » of its département: « le Département de Loir-et-Cher ».
"""

import re
from dataclasses import dataclass

VOWELS = "aeiouyàâäéèêëîïôöùûüœæ"

# Words whose h is aspirated: nothing elides before them (« de Haute-Savoie Habitat »).
H_ASPIRE = frozenset(
    ["haut", "haute", "hauts", "hautes", "hainaut", "havre", "hollande", "hongrie", "hameau"]
)

# Common nouns of legal forms that open a name, and whether they are feminine.
NOUNS = {
    "Communauté": True,
    "Métropole": True,
    "Eurométropole": True,
    "Établissement": False,
    "Syndicat": False,
    "Office": False,
    "Société": True,
    "Entreprise": True,
    "Compagnie": True,
    "Coopérative": True,
    "Union": True,
    "Département": False,
    "Région": True,
}

# INSEE TNCC → the article of a département's name (6 to 8 only name communes).
TNCC_ARTICLES = {"0": "", "1": "", "2": "le", "3": "la", "4": "les", "5": "l'"}
# Collectivités d'outre-mer the Etalab files give TNCC 0, with the article they take.
OUTRE_MER = {
    "Nouvelle-Calédonie": "la",
    "Polynésie française": "la",
    "Terres australes et antarctiques françaises": "les",
    "Île de Clipperton": "l'",
}

# The name of an organisation of each legal form takes the gender of the form: « l'office ».
FEMININE_FORMS = {"OPH": False, "ESH": True, "coopérative": True, "SEM": True}

CONTRACTIONS = {("de", "le"): "du", ("de", "les"): "des", ("à", "le"): "au", ("à", "les"): "aux"}
OWN_ARTICLE = re.compile(r"(Le|La|Les) (?=\S)|(L)['’](?=\w)")


def elides(text: str) -> bool:
    """Whether « de », « le », « la » elide before text: a vowel or a mute h opens it."""
    word = re.split(r"[\s\-'’]", text, maxsplit=1)[0].lower()
    if not word:
        return False
    if word[0] == "h":
        return word not in H_ASPIRE
    if word[0] == "y":  # a consonant before a vowel (« le Yémen »), but « l'Yonne »
        return word == "yonne" or (len(word) > 1 and word[1] not in VOWELS)
    return word[0] in VOWELS


@dataclass(frozen=True)
class Nom:
    """A proper name with what a French sentence needs to put it after a word."""

    texte: str  # the name without its article: « Cher », « Communauté de communes du … »
    article: str = ""  # "", "le", "la", "les", "l'"; capitalised when the name is written with it
    feminin: bool = False

    @property
    def le(self) -> str:
        """The name with its article: « la Communauté de communes … », « l'Indre », « Paris »."""
        if not self.article:
            return self.texte
        return self.article + ("" if self.article.endswith("'") else " ") + self.texte

    @property
    def du(self) -> str:
        """After « de »: « du Cher », « de la Métropole … », « d'Habitat … », « de Paris »."""
        return self._after("de")

    @property
    def au(self) -> str:
        """After « à »: « au Cher », « aux Yvelines », « à la Communauté … », « à Paris »."""
        return self._after("à")

    def _after(self, preposition: str) -> str:
        contracted = CONTRACTIONS.get((preposition, self.article.lower()))
        if contracted:
            return f"{contracted} {self.texte}"
        if self.article:
            return f"{preposition} {self.le}"
        if preposition == "de" and elides(self.texte):
            return "d'" + self.texte
        return f"{preposition} {self.texte}"


def nom(texte: str, feminin: bool = False) -> Nom:
    """A name read from its text: its own article, else that of the legal form it opens with,
    else none. feminin is the gender of a name that shows none."""
    if match := OWN_ARTICLE.match(texte):
        article = match[1] or "L'"
        genre = {"La": True, "Le": False}.get(article, feminin)
        return Nom(texte[match.end() :], article, genre)
    head = re.split(r"[\s\-]", texte, maxsplit=1)[0]
    if head in NOUNS:
        genre = NOUNS[head]
        return Nom(texte, "l'" if elides(texte) else "la" if genre else "le", genre)
    return Nom(texte, "", feminin)


def departement(texte: str, tncc: str) -> Nom:
    """A département by its INSEE name and TNCC: (« Cher », "2") → le Cher; (« Loir-et-Cher »,
    "2") → Loir-et-Cher, as its council writes it."""
    if OWN_ARTICLE.match(texte):  # « La Réunion »
        return nom(texte)
    article = OUTRE_MER.get(texte, TNCC_ARTICLES.get(tncc, ""))
    if re.search(r"[\s-]et[\s-]", texte) and texte not in OUTRE_MER:
        article = ""
    return Nom(texte, article, _feminine_departement(texte, article))


def _feminine_departement(texte: str, article: str) -> bool:
    """The gender of a département's name: the article's when it shows it; for a plural, every
    one is feminine but the Hauts-de-Seine; otherwise that of the first name, feminine when it
    ends in « e » (l'Aisne, l'Indre-et-Loire; not le Maine)."""
    if article in ("le", "la"):
        return article == "la"
    head = re.split(r"[\s\-]", texte, maxsplit=1)[0]
    if article == "les":
        return head != "Hauts"
    return head.endswith("e") and head != "Maine"


def conseil(territoire: Nom) -> Nom:
    """The council of a département: « le Département d'Indre-et-Loire »."""
    return Nom(f"Département {territoire.du}", "le", False)


def epci(texte: str) -> Nom:
    """An EPCI by its full name; one that does not open with its form is still a communauté or a
    métropole: « Tours Métropole Val de Loire » is feminine."""
    return nom(texte, feminin=True)


def organisme(raison_sociale: str, forme: str) -> Nom:
    """The organisation by its raison sociale; a name that shows no gender takes that of its
    legal form (« Habitat Loire et Sologne », an office: masculine)."""
    return nom(raison_sociale, FEMININE_FORMS.get(forme, False))


ETAT = Nom("État", "l'", False)


def accord(mot: str, sujet: Nom) -> str:
    """A word agreed with the gender of what it says something of: « associé » → « associée »
    for a communauté; « signataire » stays."""
    return mot + "e" if sujet.feminin and not mot.endswith("e") else mot


def majuscule(text: str) -> str:
    """The first letter in capital: « la Communauté … » at the start of a line."""
    return text[:1].upper() + text[1:]


def _as_nom(value: "Nom | str") -> Nom:
    return value if isinstance(value, Nom) else nom(value)


FILTERS = {
    "le": lambda value: _as_nom(value).le,
    "du": lambda value: _as_nom(value).du,
    "au": lambda value: _as_nom(value).au,
    "accord": lambda mot, value: accord(mot, _as_nom(value)),
    "majuscule": majuscule,
}
