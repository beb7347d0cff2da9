"""Leak check: an extract must not name, or give the code of, any territory but its partner's.

The forbidden terms are the names and codes of the convention's other départements and EPCI, of
their communes and of the EPCI of those départements, less those that lie in the partner's own
territory. Every XML part of the DOCX
(text and attributes: body, headers, footers, notes, comments, styles, numbering, properties,
custom XML, relationships) and the PDF's text, metadata, outline and link addresses are searched.

How text is compared (docs/redaction.md tells writers the same):

- Text is normalised character by character: compatibility forms folded (NFKC: full-width
  letters, ligatures), accents dropped, case folded, Cyrillic and Greek letters that look Latin
  read as Latin (CONFUSABLES), digits of any script read as ASCII digits; invisible characters
  (Unicode format characters: zero-width spaces and joiners, soft hyphens, direction marks)
  and markup that never belongs to a name (* ^ ~ ` \\ and the middle dot) removed; every dash
  read as « - », every space as « », every apostrophe as « ' ».
- It is then cut into words: runs of letters, runs of digits (« Blois41018 » is two words;
  « 2A » and « 2A004 » stay whole). « St », « Ste » before a name read « Saint », « Sainte »;
  three or more single letters spaced out (« B l o i s ») read as one word; words glued by
  their capitals (« VisiterBlois ») are also read apart.
- Names are sequences of words, matched whatever separates them (« Loir et Cher »,
  « Loir‑et‑Cher »). At each place the longest name wins: an allowed phrase (the partner's
  own names, the people, the exceptions) or the longer name of another commune of France
  (« Tours-sur-Marne ») covers the words it is made of.
- A name with a single significant word (« Blois », « Vue », « La Riche ») leaks only where
  that word is capitalised (« Blois », « BLOIS », « Tours-Blois », « Résidence Blois-Sud ») or
  inside an address or identifier (« www.blois.fr », a bookmark, a style, a pandoc attribute):
  many communes are named by common words (vue, orange, mer, hommes, chargé) that prose writes
  in lower case. Starting a sentence, a word the document also writes in lower case is a word
  (« Son patrimoine »); without its accents, a name needs six letters (« Vendome », not
  « Force » for Forcé). A name of two significant words or more (« Loir-et-Cher »,
  « Saint-Aignan ») leaks in any case.
- An INSEE code or a SIREN leaks as a word, glued to letters or spread over digits apart by
  single spaces (« 4 1 0 1 8 », « 200 030 385 »; not « L. 441-2-3 », an article); a
  five-digit code written like a number, its thousands apart (« 41 018 »), is a number unless
  a word such as « code », « commune », « Insee » or « CP » comes before it. A département's
  code leaks only in context: « (41) », « département 41 », « dép. 41 », or leading a
  five-digit number with no unit after it (a postcode, « 41000 »).
"""

import ctypes
import html
import io
import operator
import re
import unicodedata
import zipfile
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from itertools import accumulate, compress, pairwise

from cusdoc.errors import visible
from cusdoc.load.geography import EPCI_FORMS, Geographie, load_geographie
from cusdoc.model import Partenaire


@dataclass(frozen=True)
class Fuite:
    terme: str  # the forbidden name or code, as officially written
    territoire: str  # the territory it belongs to
    ou: str  # where it was found: a part of the DOCX, a page of the PDF…
    trouve: str = ""  # the text as found, when it differs from the term (« BLOIS »)


# ---------------------------------------------------------------------------------------------
# Normalisation

# Letters of other scripts that look like Latin ones (Unicode confusables, the usual ones).
CONFUSABLES = {
    **dict(zip("АВЕЅІЈКМНОРСТХУ", "ABESIJKMHOPCTXY", strict=True)),
    **dict(zip("аеѕіјорсхуԁһԛԝӏ", "aesijopcxydhqwl", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
    **dict(zip("αιοκνρυϲϳ", "aiokvpucj", strict=True)),
    **dict(zip("ıȷɑɡօսհ", "ijaqouh", strict=True)),
}
# Letters that show nothing, and markup characters: never part of a name.
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
MARKUP = set("*^~`\\\u00b7\u2027")
APOSTROPHES = set("'’‘ʼʻ‛´′＇")
LINE_BREAKS = set("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


@cache
def _fold(ch: str) -> tuple[str, bool]:
    """One source character as the check reads it, and whether it is an upper-case letter."""
    if ch in LINE_BREAKS:
        return "\n", False
    if ch.isspace():
        return " ", False
    category = unicodedata.category(ch)
    if category[0] == "C" or ch in BLANKS or ch in MARKUP:
        return "", False
    if category == "Pd" or ch in "_\u2212\u2043":
        return "-", False
    if ch in APOSTROPHES:
        return "'", False
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit), False
    compatible = unicodedata.normalize("NFKC", ch)
    if compatible != ch:
        parts = [_fold(c) for c in compatible]
        return "".join(p for p, _ in parts), any(upper for _, upper in parts)
    latin = CONFUSABLES.get(ch, ch)
    decomposed = unicodedata.normalize("NFD", latin.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)), latin.isupper()


TOKEN = re.compile(r"(?<![0-9a-z])2[ab](?:[0-9]{3})?(?![0-9a-z])|[0-9]+|[^\W\d_]+")
# The same, captured: re.split gives gap, word, gap, word… gap in one call.
SPLIT = re.compile(f"({TOKEN.pattern})")
# Addresses, and pandoc attributes ({#id}, {custom-style="…"}): names of things, not prose.
LINK = re.compile(
    r"\{[^{}\n]*\}"
    r"|(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"'()\[\]{}]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:fr|com|org|net|eu|gouv|info|bzh|paris|corsica)\b[^\s<>\"'()]*"
)
# What each alternative of LINK needs: a brace, a scheme, an at sign, a domain's suffix.
LINK_HINT = re.compile(r"[{@]|://|www\.|\.(?:fr|com|org|net|eu|gouv|info|bzh|paris|corsica)\b")
# What three single letters spaced out need (« B l o i s »): the middle one alone between two
# separators, the last one alone after its separator. Most texts have none.
SPACED_HINT = re.compile(r"[ .\-][^\W\d_][ .\-][^\W\d_](?![^\W\d_])")


def _links(norm: str) -> list[tuple[int, int]]:
    """Where LINK matches. No address spans two lines: only the lines with a hint are searched
    (LINK is slow on long texts)."""
    spans: list[tuple[int, int]] = []
    end = -1
    for hint in LINK_HINT.finditer(norm):
        if hint.start() < end:  # its line is searched
            continue
        start = norm.rfind("\n", 0, hint.start()) + 1
        end = norm.find("\n", hint.start())
        end = len(norm) if end < 0 else end
        spans += [match.span() for match in LINK.finditer(norm, start, end)]
    return spans


ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# What may stand after an abbreviation: « St-Aignan », « St. Aignan ».
SHORT = {" ", "-", ".", ". ", ".-"}


@dataclass
class Text:
    """A text cut into normalised words, one item of each list per word (a deliverable has tens
    of thousands of words: no object each), with what lies after the last one."""

    source: str
    keys: list[str]  # the words, normalised
    starts: list[int]  # where each word starts and stops in the normalised text
    stops: list[int]
    gaps: list[str]  # the normalised text between the previous word and this one
    capital: list[bool]  # a letter of it is upper case in the source
    link: list[bool]  # inside an address or an identifier
    tail: str
    shifted: bool = False  # a source character is read as none or several (_normalise)
    unglued: "Text | None" = None  # the same with « ToursBlois » read « Tours Blois »

    def after(self, index: int) -> str:
        """The normalised text between word `index` and the next one."""
        return self.gaps[index + 1] if index + 1 < len(self.keys) else self.tail

    def snippet(self, start: int, end: int) -> str:
        """Words start to end (excluded) as the source writes them."""
        first, last = self._source(self.starts[start]), self._source(self.stops[end - 1] - 1)
        return self.source[first : last + 1]

    def _source(self, k: int) -> int:
        """The source character of normalised character k."""
        return bisect_right(self._ends, k) if self.shifted else k

    @cached_property
    def _ends(self) -> list[int]:
        """Where the normalised text of each source character ends (only a found name needs
        it)."""
        return list(accumulate(self.source.translate(LENGTH).encode("latin-1")))

    def _columns(self) -> tuple[list, ...]:
        return self.keys, self.starts, self.stops, self.gaps, self.capital, self.link

    def copy(self) -> "Text":
        return Text(self.source, *map(list, self._columns()), self.tail, self.shifted)

    def _replace(self, first: int, end: int, rows: list[tuple]) -> None:
        """Words first to end (excluded) replaced by rows (key, start, stop, gap, capital,
        link)."""
        for column, values in zip(self._columns(), zip(*rows, strict=True), strict=True):
            column[first:end] = values


# Per character code: its normalised text, « U » or « . » for each character of it (upper case
# or not), and its length as a character; filled as characters are met (str.translate tables).
FOLDED: dict[int, str] = {}
UPPER: dict[int, str] = {}
LENGTH: dict[int, str] = {}
# Where a word glued to the next by its capitals splits: « ToursBlois », « VivreAMarolles ».
HUMP = re.compile(r"(?<=\.)U|(?<=U)U(?=\.)")


def _normalise(text: str) -> tuple[str, str, bool]:
    """The normalised text, its upper-case marks, and whether a source character is read as
    none or several."""
    characters = set(text)
    for ch in characters:
        if ord(ch) not in FOLDED:
            folded, capital = _fold(ch)
            FOLDED[ord(ch)] = folded
            UPPER[ord(ch)] = ("U" if capital else ".") * len(folded)
            LENGTH[ord(ch)] = chr(len(folded))
    norm = text.translate(FOLDED)
    shifted = len(norm) != len(text) or any(LENGTH[ord(c)] != "\x01" for c in characters)
    return norm, text.translate(UPPER), shifted


def words(text: str, identifier: bool = False) -> Text:
    """The words of a text as the check compares them; identifier: the whole text is an
    address or a name of the file (bookmark, style, id), where lower case counts too."""
    norm, upper, shifted = _normalise(text)
    parts = SPLIT.split(norm)  # gap, word, gap, word… gap
    bounds = list(accumulate(map(len, parts)))
    keys = parts[1::2]
    starts, stops = bounds[0:-1:2], bounds[1::2]
    # each word's upper-case marks: « Blois », « BLOIS », « bLoIs »: a capital makes it a name
    marks = [upper[a:b] for a, b in zip(starts, stops, strict=True)] if "U" in upper else None
    capital = ["U" in m for m in marks] if marks else [False] * len(keys)
    link = [identifier] * len(keys)
    for a, b in [] if identifier else _links(norm):
        first, last = bisect_left(starts, a), bisect_left(starts, b)
        link[first:last] = [True] * (last - first)
    parsed = Text(text, keys, starts, stops, parts[0:-1:2], capital, link, parts[-1], shifted)
    _abbreviations(parsed)
    unglued = _unglued(parsed, norm, upper, marks) if marks else None
    _spaced_letters(parsed, norm)
    if unglued is not None:
        _abbreviations(unglued)
        _spaced_letters(unglued, norm)
    parsed.unglued = unglued
    return parsed


def _unglued(parsed: Text, norm: str, upper: str, marks: list[str]) -> Text | None:
    """The text with the words glued by their capitals taken apart, if it has any."""
    humps = {}
    for index in compress(range(len(marks)), parsed.capital):
        mark = marks[index]
        if ".U" in mark or "UU." in mark:  # where HUMP matches inside the word
            start, stop = parsed.starts[index], parsed.stops[index]
            humps[index] = [m.start() for m in HUMP.finditer(upper, start + 1, stop)]
    if not humps:
        return None
    unglued = parsed.copy()
    for index, positions in reversed(humps.items()):
        gap, link = parsed.gaps[index], parsed.link[index]
        bounds = [parsed.starts[index], *positions, parsed.stops[index]]
        pieces = []
        for a, b in pairwise(bounds):
            pieces.append((norm[a:b], a, b, gap, "U" in upper[a:b], link))
            gap = ""
        unglued._replace(index, index + 1, pieces)
    return unglued


def _abbreviations(parsed: Text) -> None:
    """« St-Aignan », « Ste Anne » are « Saint-Aignan », « Sainte Anne »."""
    keys, gaps = parsed.keys, parsed.gaps
    if ABBREVIATIONS.keys().isdisjoint(keys):
        return
    for index in range(len(keys) - 1):
        if keys[index] in ABBREVIATIONS and keys[index + 1].isalpha() and gaps[index + 1] in SHORT:
            keys[index] = ABBREVIATIONS[keys[index]]


def _spread_code(keys: list[str], one_by_one: bool = True) -> bool:
    """Digits written as a code is spread out: one by one, or in groups of three."""
    if all(len(k) == 1 for k in keys):
        return one_by_one and len(keys) >= 3
    return 1 <= len(keys[0]) <= 3 and all(len(k) == 3 for k in keys[1:])


def _spaced_letters(parsed: Text, norm: str) -> None:
    """Three or more single letters apart by one space, dash or dot are one word: « B l o i s »
    (a capital after small letters starts another: « il y a à B l o i s »)."""
    if SPACED_HINT.search(norm) is None:
        return
    keys, gaps, capital = parsed.keys, parsed.gaps, parsed.capital
    runs = []  # [first, last] of each run of single letters
    for index in (i for i, k in enumerate(keys) if len(k) == 1 and k.isalpha()):
        if (
            runs
            and runs[-1][1] == index - 1
            and gaps[index] in (" ", "-", ".")
            and (capital[index - 1] or not capital[index])
        ):
            runs[-1][1] = index
        else:
            runs.append([index, index])
    runs = [(first, last + 1) for first, last in runs if last - first >= 2]
    for index, end in reversed(runs):
        merged = "".join(keys[index:end])
        start, stop, link = parsed.starts[index], parsed.stops[end - 1], parsed.link[index]
        parsed._replace(index, end, [(merged, start, stop, gaps[index], capital[index], link)])


@cache
def key(phrase: str) -> tuple[str, ...]:
    """A name as a sequence of normalised words (kept: every partner's lexique reads the same
    names of communes; the names of France are read all at once, `_known`)."""
    known = _known().get(phrase)
    return tuple(words(phrase).keys) if known is None else known


def _accents(text: str) -> int:
    return sum(1 for c in unicodedata.normalize("NFD", text) if unicodedata.combining(c))


# ---------------------------------------------------------------------------------------------
# The forbidden terms


# Words that do not make a name specific: a name leaks in lower case with two other words.
STOPWORDS = {
    "le", "la", "les", "l", "de", "du", "des", "d", "et", "en", "sur", "sous", "lez", "au",
    "aux", "a",
}  # fmt: skip
# Words that make a département's code a code: « département 41 », « dép. 41 ».
DEPARTEMENT_WORDS = {"departement", "departements", "dep", "deps", "dept", "depts", "dpt", "dpts"}
# Words that make a number a code: « code Insee 41 018 », « CP 41 000 ».
CODE_WORDS = {
    "code", "codes", "insee", "cog", "commune", "communes", "cp", "postal", "siren", "siret",
    "epci", "depcom", "numero", *DEPARTEMENT_WORDS,
}  # fmt: skip
# Words that may stand between such a word and the code: « département n° 41 ».
LINKING = {"n", "no", "du", "de", "le", "la", "d", "et", "ou", "postal", "insee"}
# After a five-digit number: a quantity, not a postcode.
UNITS = {"euros", "eur", "keur", "meur", "m", "km", "ha", "logements", "menages", "habitants"}


@dataclass(frozen=True)
class Term:
    nom: str  # as officially written
    territoire: str  # the territory it names
    significant: int | None = None  # a name of one significant word: its index
    accents: int = 0  # how many accents that word has (« Vendôme »: 1)


@cache
def _shape(nom: str) -> tuple[int | None, int]:
    """For a name of one significant word, its index and its accents (None, 0 otherwise)."""
    parsed = words(nom)
    significant = [i for i, w in enumerate(parsed.keys) if w not in STOPWORDS]
    if len(significant) >= 2 or not parsed.keys:
        return None, 0
    index = significant[0] if significant else len(parsed.keys) - 1
    return index, _accents(parsed.snippet(index, index + 1))


@cache
def _term(nom: str, territoire: str) -> Term:
    return Term(nom, territoire, *_shape(nom))


@cache
def _phrase(name: str) -> tuple[str, ...] | None:
    """A name's words, or None for a name of less than two letters (« Y » is a word)."""
    words_ = key(name)
    return words_ if len("".join(words_)) >= 2 else None


def keys(names: list[str]) -> list[tuple[str, ...]]:
    """`key` of each name, read in one pass: a line break ends all that joins words (an
    abbreviation, letters spaced out), so that names read apart as each reads alone."""
    parsed = words("\n".join(names))
    out: list[list[str]] = [[]]
    for word, gap in zip(parsed.keys, parsed.gaps, strict=True):
        out += [[] for _ in range(gap.count("\n"))]
        out[-1].append(word)
    out += [[] for _ in range(parsed.tail.count("\n"))]
    if len(out) != len(names):  # a name holds a line break of its own
        return [tuple(words(name).keys) for name in names]
    return [tuple(words_) for words_ in out]


@cache
def _known() -> dict[str, tuple[str, ...]]:
    """The names of every commune, département, EPCI (in each form) and région of France →
    their words."""
    geo = load_geographie()
    names = [n for n, _ in geo.communes.values()] + [t.nom for t in geo.departements.values()]
    names += list(geo.regions.values())  # « Centre-Val de Loire » is not the Loire
    for epci in geo.epci.values():
        names += _epci_names(epci.nom)
    names = sorted(set(names))
    return dict(zip(names, keys(names), strict=True))


@cache
def _places() -> frozenset[tuple[str, ...]]:
    """The names of France as words."""
    return frozenset(k for k in _known().values() if k)


@cache
def _neutral() -> frozenset[tuple[str, ...]]:
    """Names of two words or more of every place of France: where one is written, its words
    are that place's name, not another's (« Tours-sur-Marne »)."""
    return frozenset(k for k in _places() if len(k) >= 2)


@cache
def _pairs() -> frozenset[tuple[str, str]]:
    """The first two words of the names of France of two words or more: only where a text
    writes one of them can such a name start."""
    return frozenset(k[:2] for k in _neutral())


@cache
def _firsts() -> frozenset[str]:
    return frozenset(first for first, _ in _pairs())


@cache
def _lengths() -> dict[str, tuple[int, ...]]:
    """First word → the numbers of words of the names of France that start with it, longest
    first."""
    lengths: dict[str, set[int]] = {}
    for words_ in _places():
        lengths.setdefault(words_[0], set()).add(len(words_))
    return {w: tuple(sorted(n, reverse=True)) for w, n in lengths.items()}


def warm_up() -> None:
    """The names of France read before a lexique needs them (a worker does it while it waits)."""
    _lengths(), _firsts()


class Lexique:
    """Forbidden names and codes, and the phrases that are no leak whatever their words.

    names: name → the territory it belongs to; codes: INSEE code or SIREN → territory;
    departements: a forbidden département's code → its name (a code only in context);
    allowed: the partner's own names, the people's names (« Marie » is also a commune), the
    exceptions (the signing place, the signatories' titles, what the writer declared).

    Pickled as these arguments (a worker process builds the tables again, faster than it would
    read them).
    """

    def __init__(
        self,
        names: dict[str, str],
        codes: dict[str, str] | None = None,
        departements: dict[str, str] | None = None,
        allowed: tuple[str, ...] = (),
    ):
        self._arguments = (names, codes, departements, allowed)
        self.names = names
        # words → the first name written so; one-letter names (« Y ») are words, not names
        self.terms = {p: n for n in reversed(names) if (p := _phrase(n)) is not None}
        codes = codes or {}
        self.codes = dict(zip(map(str.lower, codes), codes.items(), strict=True))
        # a spread code is never read longer than the longest code or a postcode
        self.longest = max([5, *map(len, self.codes)])
        self.departements = {
            code.lower(): Term(code, nom) for code, nom in (departements or {}).items()
        }
        # Postcodes of Corsica start with 20, whichever of its départements.
        self.postcodes = {
            ("20" if c in ("2a", "2b") else c): t for c, t in self.departements.items()
        }
        self.allowed = {k for k in map(key, allowed) if k}
        # the numbers of words of the phrases starting with a word, longest first: those of the
        # names of France (_lengths), and of the other phrases here (people, exceptions)
        known = _lengths()
        extra: dict[str, set[int]] = {}
        others = (self.allowed | self.terms.keys()) - _places()
        for words_ in others:
            if len(words_) not in known.get(words_[0], ()):
                extra.setdefault(words_[0], set(known.get(words_[0], ()))).add(len(words_))
        self.lengths = {w: tuple(sorted(n, reverse=True)) for w, n in extra.items()}
        # Where a phrase may start (`_starts`): at a forbidden name of one word, or at the first
        # two words of a longer phrase (of France, or one of the others).
        self.single = {words_[0] for words_ in self.terms if len(words_) == 1}
        pairs = {words_[:2] for words_ in others if len(words_) >= 2}
        self.pairs = _pairs() | pairs
        self.firsts = _firsts() | self.single | {first for first, _ in pairs}

    def __reduce__(self):
        return Lexique, self._arguments

    def __len__(self) -> int:
        return len(self.terms) + len(self.codes)

    def find(
        self,
        text: "str | Text",
        identifier: bool = False,
        relaxed: bool = False,
        common: frozenset[str] = frozenset(),
        spread: bool = True,
    ) -> list[tuple[Term, str]]:
        """(term, text as found) for every forbidden term in the text (or its `words`), once
        each.

        common: the words the document writes in lower case somewhere (`common_words`);
        relaxed: names of one significant word are taken in lower case too (to locate where a
        term comes from, not to decide whether it leaks);
        spread: codes written digit by digit are read too (not in a PDF's page text, where the
        cells of a table row, « 2 2 2 2 6 », come out the same way: the DOCX and the content,
        where cells stay apart, are searched for them).
        """
        parsed = text if isinstance(text, Text) else words(text, identifier)
        hits = [
            (parsed, hit)
            for hit in [*self._names(parsed, relaxed, common), *self._codes(parsed, spread)]
        ]
        if parsed.unglued is not None:  # « PyPI » is no « Py »: names of four letters or more
            unglued = parsed.unglued
            hits += [(unglued, h) for h in self._names(unglued, relaxed, common, shortest=4)]
        found: dict[str, tuple[Term, str]] = {}
        for variant, (term, start, end) in hits:
            found.setdefault(term.nom, (term, variant.snippet(start, end)))
        return list(found.values())

    def _starts(self, keys: list[str]) -> list[int]:
        """The words where a phrase of more than one word, or a forbidden name of one, may
        start. Elsewhere, a phrase covers one word at most, as reading on past it does: only
        these words need reading."""
        single, pairs, last = self.single, self.pairs, len(keys) - 1
        return [
            i
            for i in [i for i, k in enumerate(keys) if k in self.firsts]
            if keys[i] in single or (i < last and (keys[i], keys[i + 1]) in pairs)
        ]

    def _names(self, parsed: Text, relaxed: bool, common: frozenset[str], shortest: int = 2):
        """(term, first word, past its last word) of every forbidden name of the text; names
        of fewer letters than `shortest` are left out.

        Read from the start: at each word the longest phrase wins, and the next word read is
        the one after it."""
        keys = parsed.keys
        neutral = _neutral()
        exempt = None  # computed at the first name found
        index = 0
        for start in self._starts(keys):
            if start < index:  # inside the phrase read before
                continue
            covered = 0  # words an allowed or neutral phrase starting here covers
            hit = None
            first = keys[start]
            for length in self.lengths.get(first) or _lengths().get(first, ()):
                if start + length > len(keys):
                    continue
                phrase = tuple(keys[start : start + length])
                if phrase in self.allowed:
                    covered = max(covered, length)
                elif phrase in self.terms:
                    name = self.terms[phrase]
                    term = _term(name, self.names[name])
                    if (
                        hit is None
                        and len("".join(phrase)) >= shortest
                        and (relaxed or _written_as_name(term, parsed, start, common))
                    ):
                        hit = (term, start, start + length)
                elif phrase in neutral:
                    covered = max(covered, length)
            if hit is not None:
                exempt = self._exempt(keys) if exempt is None else exempt
                if set(range(hit[1], hit[2])) <= exempt:
                    hit = None
            if hit is not None and hit[2] - start > covered:
                yield hit
                index = hit[2]
            else:
                index = start + max(covered, 1)

    def _exempt(self, keys: list[str]) -> set[int]:
        """The words that lie inside an allowed phrase, compared letters only.

        Wherever the phrase starts (a neutral phrase may start before it: « la vallée de
        l'Indre »), and however the layout cut it: a PDF line broken at the hyphen of
        « Saint-Gilles-Croix-de-Vie » gives « Croixde-Vie ».
        """
        if not self.allowed or not keys:
            return set()
        letters = "".join(keys)
        owner = [i for i, k in enumerate(keys) for _ in k]  # letter → its word
        exempt: set[int] = set()
        for phrase in self._allowed_letters:
            start = letters.find(phrase)
            while start >= 0:
                end = start + len(phrase)
                # whole words only: the phrase starts and ends at word boundaries
                if (start == 0 or owner[start - 1] != owner[start]) and (
                    end == len(letters) or owner[end] != owner[end - 1]
                ):
                    exempt.update(range(owner[start], owner[end - 1] + 1))
                start = letters.find(phrase, start + 1)
        return exempt

    @cached_property
    def _allowed_letters(self) -> tuple[str, ...]:
        return tuple(sorted({"".join(words_) for words_ in self.allowed}, key=len, reverse=True))

    def _codes(self, parsed: Text, spread: bool = True):
        keys, gaps = parsed.keys, parsed.gaps
        index = 0
        for start in [i for i, k in enumerate(keys) if k[0].isdigit()]:
            if start < index:  # inside the run of digits read before
                continue
            # digits apart by one space: « 4 1 0 1 8 » (not « L. 441-2-3 », an article)
            end = start + 1
            while end < len(keys) and keys[end].isdigit() and gaps[end] == " ":
                end += 1
            for position in range(start, end):
                yield from self._code(parsed, position, position + 1)
            # Only a code written spread out is read across spaces: digit by digit
            # (« 4 1 0 1 8 ») or in groups of three (« 41 018 », « 200 030 385 »). Neighbouring
            # cells of a table (« 21 21 2 ») are not one number.
            for first in range(start, end):
                digits = len(keys[first])
                for last in range(first + 2, end + 1):
                    digits += len(keys[last - 1])
                    if digits > self.longest:
                        break
                    if _spread_code(keys[first:last], spread):
                        yield from self._code(parsed, first, last)
            index = end

    def _code(self, parsed: Text, start: int, end: int):
        digits = "".join(parsed.keys[start:end])
        if digits in self.codes:
            if len(digits) == 9 or not self._quantity(parsed, start, end):
                yield Term(*self.codes[digits]), start, end
        elif len(digits) == 5 and digits.isdigit() and not self._quantity(parsed, start, end):
            for prefix in (digits[:2], digits[:3]):
                if prefix in self.postcodes:
                    yield self.postcodes[prefix], start, end
        elif (
            end - start == 1
            and digits in self.departements
            and self._context(parsed, start, end, DEPARTEMENT_WORDS)
        ):
            yield self.departements[digits], start, end

    def _quantity(self, parsed: Text, start: int, end: int) -> bool:
        """A number with its thousands apart (« 41 018 ») unless named a code, or a number
        followed by its unit: not a code."""
        number = (
            end - start > 1
            and _thousands(parsed, start, end)
            and not self._context(parsed, start, end, CODE_WORDS)
        )
        return number or _unit_after(parsed, end - 1)

    @staticmethod
    def _context(parsed: Text, start: int, end: int, keywords: set[str]) -> bool:
        """« (41) », « département 41 », « code Insee 41 018 »: a code, not a number."""
        keys, gaps = parsed.keys, parsed.gaps
        if gaps[start].rstrip().endswith("(") and parsed.after(end - 1).lstrip().startswith(")"):
            return True
        index = start
        for _ in range(4):
            if index == 0 or not CONTEXT_GAP.fullmatch(gaps[index]):
                return False
            index -= 1
            word = keys[index]
            if word in keywords:
                return True
            if word not in LINKING and not word.isdigit():
                return False
        return False


# What may stand between a code and the word before it that makes it a code.
CONTEXT_GAP = re.compile(r"[ .:°'\-]*")
# What ends a sentence or starts a paragraph, a cell, a quotation, an item of a list.
INITIAL = re.compile(r"([.!?:;|\n«\"(\[•]|\s-)\s*$")


def _written_as_name(term: Term, parsed: Text, index: int, common: frozenset[str]) -> bool:
    """Whether a name of one significant word is written as a name where it was found.

    In an address or an identifier, yes (three letters or more). Elsewhere it needs a capital,
    and, if it lacks the name's accents, six letters or more (« Vendome », but « Force » is
    a word, not Forcé). A capital that starts a sentence, a cell or an item proves less: a word
    that the same document writes in lower case elsewhere (« Son patrimoine… », « son ») is a
    word there, unless written all in capitals.
    """
    if term.significant is None:
        return True
    position = index + term.significant
    word = parsed.keys[position]
    if parsed.link[position]:
        return len(word) >= 3
    if not parsed.capital[position]:
        return False

    def written() -> str:  # read only where it matters: a long text maps its positions once
        return parsed.snippet(position, position + 1)

    if term.accents and len(word) < 6 and _accents(written()) < term.accents:
        return False
    initial = position == 0 or INITIAL.search(parsed.gaps[position])
    return not (initial and word in common and not written().isupper())


def common_words(texts) -> frozenset[str]:
    """The words a document writes in lower case, outside addresses: words of the language.
    texts: strings, or their `words`."""
    lower: set[str] = set()
    for text in texts:
        parsed = text if isinstance(text, Text) else words(text)
        plain = map(operator.not_, map(operator.or_, parsed.capital, parsed.link))
        lower.update(compress(parsed.keys, plain))
    return frozenset(k for k in lower if k.isalpha())


def _thousands(parsed: Text, start: int, end: int) -> bool:
    keys, gaps = parsed.keys, parsed.gaps
    return (
        1 <= len(keys[start]) <= 3
        and all(len(k) == 3 for k in keys[start + 1 : end])
        and all(g == " " for g in gaps[start + 1 : end])
    )


def _unit_after(parsed: Text, index: int) -> bool:
    after = parsed.after(index)
    if "€" in after or "%" in after:
        return True
    following = parsed.keys[index + 1] if index + 1 < len(parsed.keys) else None
    return following is not None and following in UNITS and after.strip() == ""


def _epci_names(nom: str) -> set[str]:
    """« Communauté de communes du Grand Chambord » is also written « CC du Grand Chambord » and
    « Grand Chambord »; « … Blois « Agglopolys » » also « Agglopolys »."""
    names = {nom}
    for short, long in EPCI_FORMS.items():
        if nom.startswith(long):
            rest = nom[len(long) :]
            names.add(short + rest)
            core = re.sub(r"^(du |de la |des |de l'|de |d')", "", rest.replace("’", "'"))
            names.add(core)
    names.update(re.findall(r"«\s*([^»]+?)\s*»", nom))
    return {n for n in names if len(n) > 3}


@dataclass(frozen=True)
class _Communes:
    """The communes of a territory as a lexique takes them, all owned by the territory."""

    names: dict[str, str]  # code → name
    keys: dict[str, tuple[str, ...]]  # name → its words (`key`)
    owner: str  # the territory's name

    def add(self, names: dict, codes: dict, own: frozenset[str], own_names: set) -> None:
        """Its communes outside the partner's territory; not their names that one of the
        partner's communes bears too (two communes may share a name)."""
        if not self.names.keys().isdisjoint(own):  # a territory across the partner's (rare)
            for commune in self.names.keys() - own:
                if self.keys[self.names[commune]] not in own_names:
                    names[self.names[commune]] = self.owner
                codes[commune] = self.owner
            return
        shared = own_names.intersection(self.keys.values())
        if shared:
            names.update({n: self.owner for n, k in self.keys.items() if k not in shared})
        else:
            names.update(dict.fromkeys(self.keys, self.owner))
        codes.update(dict.fromkeys(self.names, self.owner))


@dataclass(frozen=True)
class _Territoire:
    """What a convention's territory adds to the lexique of the partners that are not it."""

    code: str
    nature: str
    nom: str
    forms: tuple[str, ...]  # the EPCI's names (`_epci_names`)
    epci: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...]  # a département's EPCI
    communes: _Communes


class Territoires:
    """The convention's départements and EPCI, read once for every partner's lexique."""

    def __init__(self, codes: list[str], geo: Geographie):
        self.geo = geo
        self.territoires = [self._read(code) for code in codes]

    def _read(self, code: str) -> _Territoire:
        geo = self.geo
        territoire = geo.territoire(code)
        epci = ()
        if territoire.nature == "département":
            communes = geo.communes_of_departement(code)
            # its EPCI name it as surely, declared in the convention or not
            epci = tuple(
                (siren, tuple(_epci_names(e.nom)), geo.communes_of_epci(siren))
                for siren, e in geo.epci.items()
                if code in e.departements
            )
        else:
            communes = geo.communes_of_epci(code)
        names = {c: geo.communes[c][0] for c in communes}
        keys = {n: key(n) for n in names.values()}
        return _Territoire(
            code,
            territoire.nature,
            territoire.nom,
            tuple(_epci_names(territoire.nom)),
            epci,
            _Communes(names, keys, territoire.nom),
        )

    def lexique(
        self, partenaire: Partenaire, people: tuple[str, ...] = (), exceptions: tuple[str, ...] = ()
    ) -> Lexique:
        """The names and codes of every territory of the convention but the partner's.

        people: names of persons, never territories; exceptions: phrases the partner must see
        (signing place, signatories' titles, what the writer declared in convention.yml).
        """
        geo = self.geo
        own_communes = partenaire.communes
        own_names = {key(geo.communes[c][0]) for c in own_communes}
        names: dict[str, str] = {}
        codes: dict[str, str] = {}
        departements: dict[str, str] = {}
        for territoire in self.territoires:
            if territoire.code == partenaire.code or territoire.code in partenaire.epci:
                continue
            nom = territoire.nom
            if territoire.nature == "département":
                if (
                    partenaire.nature == "EPCI"
                    and territoire.code in geo.epci[partenaire.code].departements
                ):
                    continue  # an EPCI lies in its département: naming it leaks nothing
                names[nom] = nom
                departements[territoire.code] = nom
                for siren, forms, members in territoire.epci:
                    if siren != partenaire.code and members.isdisjoint(own_communes):
                        for name in forms:
                            names.setdefault(name, nom)
                        codes.setdefault(siren, nom)
            else:
                names.update(dict.fromkeys(territoire.forms, nom))
                codes[territoire.code] = nom
            territoire.communes.add(names, codes, own_communes, own_names)
        # Its own name, and those of its EPCI, are no leak, whatever their words.
        own = _epci_names(partenaire.nom) if partenaire.nature == "EPCI" else {partenaire.nom}
        for epci in partenaire.epci:
            own |= _epci_names(geo.epci[epci].nom)
        return Lexique(names, codes, departements, (*people, *sorted(own), *exceptions))


def forbidden_terms(
    partenaire: Partenaire,
    territoires: list[str],
    geo: Geographie,
    people: tuple[str, ...] = (),
    exceptions: tuple[str, ...] = (),
) -> Lexique:
    """The names and codes of every territory of the convention but the partner's (see
    `Territoires.lexique`)."""
    return Territoires(territoires, geo).lexique(partenaire, people, exceptions)


# A tag of raw HTML or XML in a writer's text (not « < 5 », not an autolink <https://…>).
RAW_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>", re.DOTALL)


def markdown_text(text: str) -> str:
    """A writer's Markdown as pandoc shows it: comments and raw tags dropped, a symbol run read
    as its character, character references read (« &#66;lois » is « Blois »)."""
    return html.unescape(RAW_TAG.sub("", SYM.sub(_symbol, text)))


def as_found(found: str, terme: str) -> str:
    """The text as found, for a message: "" when it is the term as officially written;
    invisible characters shown by their code (« Bra<U+200B>cieux »)."""
    found = unicodedata.normalize("NFC", found)
    return "" if found == terme else visible(found, BLANKS)


def scan_text(
    text: "str | Text",
    lexique: Lexique,
    ou: str,
    identifier: bool = False,
    common: frozenset[str] = frozenset(),
    spread: bool = True,
) -> list[Fuite]:
    return [
        Fuite(term.nom, term.territoire, ou, as_found(found, term.nom))
        for term, found in lexique.find(text, identifier, common=common, spread=spread)
    ]


# ---------------------------------------------------------------------------------------------
# The deliverables

TAG = re.compile(r"<[^>]*>")
SYM = re.compile(r"<w:sym\b[^>]*?\bw:char=\"([0-9A-Fa-f]{2,4})\"[^>]*>")
BREAKS = re.compile(r"</w:p>|</w:tc>|<w:tab/>|<w:br/>|<w:cr/>")
ATTRIBUTE = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# Attributes that only say how the file is made: schemas, revision ids, measures.
PLUMBING = re.compile(
    r"xmlns(:.*)?|mc:Ignorable|Type|ContentType|Extension|PartName|TargetMode"
    r"|w:rsid\w*|w1\d:\w*Id|r:(id|embed|link|pict)|Id|xml:space"
)
# Attributes that are names in the file: lower case counts there (a bookmark « blois-sud »).
NAMES = re.compile(r"w:name|w:anchor|w:styleId|w:tag|w:alias|Target|name")
# Fonts come from the template: their names (« Microsoft New Tai Lue ») are no one's text.
FONTS = re.compile(r"<(w:font|w:rFonts|a:font|a:latin|a:ea|a:cs|a:sym)\b")
NAME_ELEMENTS = re.compile(r"<w:(name|pStyle|rStyle|tblStyle|basedOn|next|link|alias|tag)\b")
MEASURE = re.compile(
    r"-?[0-9.]+(pt|%|cm|mm|in|emu)?|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8}|true|false"
    r"|\{?[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}?"  # a GUID
)


def _symbol(match: re.Match) -> str:
    """A symbol run (<w:sym w:char="F042"/>) shows a character: read it as that character."""
    code = int(match[1], 16)
    return chr(code - 0xF000 if 0xF000 <= code <= 0xF0FF else code)


def _part_texts(name: str, raw: bytes):
    """(text, identifier?) for the text of an XML part of a DOCX and for its attributes."""
    xml = SYM.sub(_symbol, raw.decode("utf-8", errors="replace"))
    # a word can be split across runs: join them, keep paragraphs and cells apart
    word = name.startswith("word/")
    yield html.unescape(TAG.sub("", BREAKS.sub("\n", xml)) if word else TAG.sub(" ", xml)), False
    values = set()
    for tag in set(TAG.findall(xml)):  # a tag written a thousand times is read once
        if FONTS.match(tag):
            continue
        element_named = bool(NAME_ELEMENTS.match(tag))
        for attribute, double, single in ATTRIBUTE.findall(tag):
            value = html.unescape(double or single)
            if PLUMBING.fullmatch(attribute) or not value.strip():
                continue
            named = bool(NAMES.fullmatch(attribute)) or (element_named and attribute == "w:val")
            if not named and MEASURE.fullmatch(value):
                continue
            values.add((value, named))
    yield from sorted(values)


def _part_words(name: str, raw: bytes) -> tuple[tuple[Text, bool], ...]:
    return tuple((words(text, named), named) for text, named in _part_texts(name, raw))


# The parts that come from the template (styles, theme, settings…) are the same in every
# extract: a worker reads each once. The document's own text is too long to keep.
_same_part_words = lru_cache(maxsize=64)(_part_words)
SAME_PARTS_SIZE = 64_000


def scan_docx(data: bytes, terms: Lexique) -> list[Fuite]:
    """Every XML part: its text (runs joined, paragraphs apart) and its attributes."""
    texts = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in archive.namelist():
            if part.endswith((".xml", ".rels")):
                raw = archive.read(part)
                read = _same_part_words if len(raw) < SAME_PARTS_SIZE else _part_words
                texts += [(part, parsed, named) for parsed, named in read(part, raw)]
    common = common_words(parsed for _, parsed, named in texts if not named)
    leaks = []
    for part, parsed, named in texts:
        leaks += scan_text(parsed, terms, f"DOCX {part}", named, common)
    return list(dict.fromkeys(leaks))


def _line_hyphen(match: re.Match) -> str:
    following = match.string[match.end()]
    return "-" if following.isupper() else ""


def scan_pdf(data: bytes, terms: Lexique) -> list[Fuite]:
    """Every page's text and link addresses, the outline and the document's metadata."""
    import pypdfium2

    texts = []  # (where, text, identifier?)
    pdf = pypdfium2.PdfDocument(data)
    try:
        metadata = "\n".join(str(v) for v in pdf.get_metadata_dict().values())
        texts.append(("PDF métadonnées", metadata, False))
        outline = "\n".join(item.get_title() for item in pdf.get_toc())
        texts.append(("PDF signets", outline, False))
        for index in range(len(pdf)):
            page = pdf[index]
            # PDFium writes U+FFFE for a hyphen that ends a line: a word cut by hyphenation is
            # joined back (« Ven-dôme »); before a capital the hyphen was the name's own
            # (« Indre-et-Loire », « St-Gildas »)
            text = page.get_textpage().get_text_range().replace("\ufffe\r\n", "\ufffe")
            text = re.sub("\ufffe(?=[^\\W\\d_])", _line_hyphen, text).replace("\ufffe", "")
            texts.append((f"PDF page {index + 1}", text, None))
            texts += [(f"PDF page {index + 1}, lien", uri, True) for uri in _uris(pdf, page)]
    finally:
        pdf.close()
    # named None: a page's text, where neighbouring table cells read as one run of digits
    parsed = [(where, words(text, bool(named)), named) for where, text, named in texts]
    common = common_words(words_ for _, words_, named in parsed if not named)
    leaks = []
    for where, words_, named in parsed:
        leaks += scan_text(words_, terms, where, bool(named), common, spread=named is not None)
    return list(dict.fromkeys(leaks))


def _uris(pdf, page) -> list[str]:
    """The addresses of a page's links (the visible text may say something else)."""
    import pypdfium2.raw as pdfium

    uris = []
    position = ctypes.c_int(0)
    link = pdfium.FPDF_LINK()
    while pdfium.FPDFLink_Enumerate(page.raw, ctypes.byref(position), ctypes.byref(link)):
        action = pdfium.FPDFLink_GetAction(link)
        if not action or pdfium.FPDFAction_GetType(action) != pdfium.PDFACTION_URI:
            continue
        size = pdfium.FPDFAction_GetURIPath(pdf.raw, action, None, 0)
        buffer = ctypes.create_string_buffer(size)
        pdfium.FPDFAction_GetURIPath(pdf.raw, action, buffer, size)
        uris.append(buffer.value.decode("utf-8", errors="replace"))
    return uris
