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
import re
import unicodedata
import zipfile
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import accumulate

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


@dataclass(slots=True)
class Word:
    key: str  # normalised
    capital: bool  # a letter of it is upper case in the source
    link: bool  # inside an address or an identifier
    start: int  # in the source text
    end: int
    gap: str  # the normalised text between the previous word and this one


TOKEN = re.compile(r"(?<![0-9a-z])2[ab](?:[0-9]{3})?(?![0-9a-z])|[0-9]+|[^\W\d_]+")
# Addresses, and pandoc attributes ({#id}, {custom-style="…"}): names of things, not prose.
LINK = re.compile(
    r"\{[^{}\n]*\}"
    r"|(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"'()\[\]{}]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:fr|com|org|net|eu|gouv|info|bzh|paris|corsica)\b[^\s<>\"'()]*"
)
# What each alternative of LINK needs: a brace, a scheme, an at sign, a domain's suffix.
LINK_HINT = re.compile(r"[{@]|://|www\.|\.(?:fr|com|org|net|eu|gouv|info|bzh|paris|corsica)\b")


def _may_link(norm: str) -> bool:
    """Whether LINK can match at all (it is slow on long texts that hold no address)."""
    return LINK_HINT.search(norm) is not None


ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# What may stand after an abbreviation: « St-Aignan », « St. Aignan ».
SHORT = {" ", "-", ".", ". ", ".-"}


@dataclass
class Text:
    """A text cut into normalised words, with what lies after the last one."""

    source: str
    words: list[Word]
    tail: str
    unglued: "Text | None" = None  # the same with « ToursBlois » read « Tours Blois »

    def after(self, index: int) -> str:
        """The normalised text between word `index` and the next one."""
        return self.words[index + 1].gap if index + 1 < len(self.words) else self.tail

    def snippet(self, start: int, end: int) -> str:
        return self.source[self.words[start].start : self.words[end - 1].end]


# Per character code: its normalised text, « U » or « . » for each character of it (upper case
# or not), and its length as a character; filled as characters are met (str.translate tables).
FOLDED: dict[int, str] = {}
UPPER: dict[int, str] = {}
LENGTH: dict[int, str] = {}
# Where a word glued to the next by its capitals splits: « ToursBlois », « VivreAMarolles ».
HUMP = re.compile(r"(?<=\.)U|(?<=U)U(?=\.)")


def _normalise(text: str) -> tuple[str, str, list[int] | None]:
    """The normalised text, its upper-case marks, and where each of its characters comes from
    in the source (None: character for character)."""
    for ch in set(text):
        if ord(ch) not in FOLDED:
            folded, capital = _fold(ch)
            FOLDED[ord(ch)] = folded
            UPPER[ord(ch)] = ("U" if capital else ".") * len(folded)
            LENGTH[ord(ch)] = chr(len(folded))
    norm = text.translate(FOLDED)
    if len(norm) == len(text) and all(LENGTH[ord(c)] == "\x01" for c in set(text)):
        return norm, text.translate(UPPER), None
    ends = list(accumulate(text.translate(LENGTH).encode("latin-1")))
    return norm, text.translate(UPPER), ends


def words(text: str, identifier: bool = False) -> Text:
    """The words of a text as the check compares them; identifier: the whole text is an
    address or a name of the file (bookmark, style, id), where lower case counts too."""
    norm, upper, ends = _normalise(text)

    def source(k: int) -> int:  # the source character of normalised character k
        return k if ends is None else bisect_right(ends, k)

    links = [m.span() for m in LINK.finditer(norm)] if _may_link(norm) else []
    link_starts = [a for a, _ in links]
    out: list[Word] = []
    unglued: list[Word] = []  # words glued by their capitals taken apart
    previous = 0
    for match in TOKEN.finditer(norm):
        start, end = match.span()
        link = identifier
        if links and not link:
            at = bisect_right(link_starts, start) - 1  # the last address starting at or before
            link = at >= 0 and start < links[at][1]
        gap = norm[previous:start]
        previous = end
        # « Blois », « BLOIS », « bLoIs »: a letter in upper case makes it a name
        capital = "U" in upper[start:end]
        if ends is None:
            word = Word(match[0], capital, link, start, end, gap)
        else:
            word = Word(match[0], capital, link, source(start), source(end - 1) + 1, gap)
        out.append(word)
        humps = [m.start() for m in HUMP.finditer(upper, start + 1, end)] if capital else ()
        if not humps:
            unglued.append(word)
            continue
        for a, b in zip([start, *humps], [*humps, end], strict=True):
            capital = "U" in upper[a:b]
            piece = Word(norm[a:b], capital, link, source(a), source(b - 1) + 1, gap)
            unglued.append(piece)
            gap = ""
    tail = norm[previous:]
    glued = len(unglued) > len(out)
    return Text(
        text,
        _spaced_letters(_abbreviations(out)),
        tail,
        Text(text, _spaced_letters(_abbreviations(unglued)), tail) if glued else None,
    )


def _abbreviations(ws: list[Word]) -> list[Word]:
    """« St-Aignan », « Ste Anne » are « Saint-Aignan », « Sainte Anne »."""
    for index, word in enumerate(ws[:-1]):
        following = ws[index + 1]
        if word.key in ABBREVIATIONS and following.key.isalpha() and following.gap in SHORT:
            word.key = ABBREVIATIONS[word.key]
    return ws


def _spread_code(ws: list, one_by_one: bool = True) -> bool:
    """Digits written as a code is spread out: one by one, or in groups of three."""
    keys = [w.key for w in ws]
    if all(len(k) == 1 for k in keys):
        return one_by_one and len(keys) >= 3
    return 1 <= len(keys[0]) <= 3 and all(len(k) == 3 for k in keys[1:])


def _spaced_letters(ws: list[Word]) -> list[Word]:
    """Three or more single letters apart by one space, dash or dot are one word: « B l o i s »
    (a capital after small letters starts another: « il y a à B l o i s »)."""
    single = [len(w.key) == 1 and w.key.isalpha() for w in ws]
    out: list[Word] = []
    index = 0
    while index < len(ws):
        end = index + 1
        while (
            end < len(ws)
            and single[index]
            and single[end]
            and ws[end].gap in (" ", "-", ".")
            and (ws[end - 1].capital or not ws[end].capital)
        ):
            end += 1
        if end - index >= 3:
            first = ws[index]
            key = "".join(w.key for w in ws[index:end])
            out.append(
                Word(key, first.capital, first.link, first.start, ws[end - 1].end, first.gap)
            )
        else:
            out.extend(ws[index:end])
        index = end
    return out


@cache
@cache
def key(phrase: str) -> tuple[str, ...]:
    """A name as a sequence of normalised words (kept: every partner's lexique reads the same
    names of communes)."""
    return tuple(w.key for w in words(phrase).words)


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
def _shape(nom: str) -> tuple[tuple[str, ...], int | None, int]:
    """A name's words; for a name of one significant word, its index and its accents."""
    parsed = words(nom).words
    words_ = tuple(w.key for w in parsed)
    significant = [i for i, w in enumerate(words_) if w not in STOPWORDS]
    if len(significant) >= 2 or not words_:
        return words_, None, 0
    index = significant[0] if significant else len(words_) - 1
    return words_, index, _accents(nom[parsed[index].start : parsed[index].end])


@cache
def _term(nom: str, territoire: str) -> Term:
    _, significant, accents = _shape(nom)
    return Term(nom, territoire, significant, accents)


@cache
def _places() -> tuple[tuple[str, ...], ...]:
    """The names of every commune, département, EPCI (in each form) and région of France."""
    geo = load_geographie()
    names = [n for n, _ in geo.communes.values()] + [t.nom for t in geo.departements.values()]
    names += list(geo.regions.values())  # « Centre-Val de Loire » is not the Loire
    for epci in geo.epci.values():
        names += _epci_names(epci.nom)
    return tuple(k for k in map(key, sorted(set(names))) if k)


@cache
def _neutral() -> frozenset[tuple[str, ...]]:
    """Names of two words or more of every place of France: where one is written, its words
    are that place's name, not another's (« Tours-sur-Marne »)."""
    return frozenset(k for k in _places() if len(k) >= 2)


@cache
def _lengths() -> dict[str, tuple[int, ...]]:
    """First word → the numbers of words of the names of France that start with it, longest
    first."""
    lengths: dict[str, set[int]] = {}
    for words_ in _places():
        lengths.setdefault(words_[0], set()).add(len(words_))
    return {w: tuple(sorted(n, reverse=True)) for w, n in lengths.items()}


class Lexique:
    """Forbidden names and codes, and the phrases that are no leak whatever their words.

    names: name → the territory it belongs to; codes: INSEE code or SIREN → territory;
    departements: a forbidden département's code → its name (a code only in context);
    allowed: the partner's own names, the people's names (« Marie » is also a commune), the
    exceptions (the signing place, the signatories' titles, what the writer declared).
    """

    def __init__(
        self,
        names: dict[str, str],
        codes: dict[str, str] | None = None,
        departements: dict[str, str] | None = None,
        allowed: tuple[str, ...] = (),
    ):
        self.terms: dict[tuple[str, ...], Term] = {}
        for name, owner in names.items():
            words_ = key(name)
            # one-letter names (« Y ») are words, not names
            if words_ and len("".join(words_)) >= 2 and words_ not in self.terms:
                self.terms[words_] = _term(name, owner)
        self.codes = {code.lower(): Term(code, owner) for code, owner in (codes or {}).items()}
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
        for words_ in [*self.allowed, *self.terms]:
            if len(words_) not in known.get(words_[0], ()):
                extra.setdefault(words_[0], set(known.get(words_[0], ()))).add(len(words_))
        self.lengths = {w: tuple(sorted(n, reverse=True)) for w, n in extra.items()}

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

    def _names(self, parsed: Text, relaxed: bool, common: frozenset[str], shortest: int = 2):
        """(term, first word, past its last word) of every forbidden name of the text; names
        of fewer letters than `shortest` are left out."""
        ws = parsed.words
        keys = [w.key for w in ws]
        neutral = _neutral()
        exempt = self._exempt(keys)
        index = 0
        while index < len(ws):
            covered = 0  # words an allowed or neutral phrase starting here covers
            hit = None
            first = keys[index]
            for length in self.lengths.get(first) or _lengths().get(first, ()):
                if index + length > len(ws):
                    continue
                phrase = tuple(keys[index : index + length])
                if phrase in self.allowed:
                    covered = max(covered, length)
                elif phrase in self.terms:
                    term = self.terms[phrase]
                    named = relaxed or _written_as_name(term, parsed, index, common)
                    if hit is None and named and len("".join(phrase)) >= shortest:
                        hit = (term, index, index + length)
                elif phrase in neutral:
                    covered = max(covered, length)
            if hit is not None and set(range(hit[1], hit[2])) <= exempt:
                hit = None
            if hit is not None and hit[2] - index > covered:
                yield hit
                index = hit[2]
            else:
                index += max(covered, 1)

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
        ws = parsed.words
        index = 0
        while index < len(ws):
            if not ws[index].key[0].isdigit():
                index += 1
                continue
            # digits apart by one space: « 4 1 0 1 8 » (not « L. 441-2-3 », an article)
            end = index + 1
            while end < len(ws) and ws[end].key.isdigit() and ws[end].gap == " ":
                end += 1
            for position in range(index, end):
                yield from self._code(parsed, position, position + 1)
            # Only a code written spread out is read across spaces: digit by digit
            # (« 4 1 0 1 8 ») or in groups of three (« 41 018 », « 200 030 385 »). Neighbouring
            # cells of a table (« 21 21 2 ») are not one number.
            for first in range(index, end):
                for last in range(first + 2, end + 1):
                    if _spread_code(ws[first:last], spread):
                        yield from self._code(parsed, first, last)
            index = end

    def _code(self, parsed: Text, start: int, end: int):
        ws = parsed.words
        digits = "".join(w.key for w in ws[start:end])
        spread = end - start > 1
        # a number with its thousands apart (« 41 018 ») reads as a quantity unless named a code
        named = self._context(parsed, start, end, CODE_WORDS)
        number = spread and _thousands(ws[start:end]) and not named
        unit = _unit_after(parsed, end - 1)
        if digits in self.codes:
            term = self.codes[digits]
            if len(digits) == 9 or not (number or unit):
                yield term, start, end
        elif len(digits) == 5 and digits.isdigit() and not (number or unit):
            for prefix in (digits[:2], digits[:3]):
                if prefix in self.postcodes:
                    yield self.postcodes[prefix], start, end
        elif (
            not spread
            and digits in self.departements
            and self._context(parsed, start, end, DEPARTEMENT_WORDS)
        ):
            yield self.departements[digits], start, end

    @staticmethod
    def _context(parsed: Text, start: int, end: int, keywords: set[str]) -> bool:
        """« (41) », « département 41 », « code Insee 41 018 »: a code, not a number."""
        ws = parsed.words
        if ws[start].gap.rstrip().endswith("(") and parsed.after(end - 1).lstrip().startswith(")"):
            return True
        index = start
        for _ in range(4):
            if index == 0 or not re.fullmatch(r"[ .:°'\-]*", ws[index].gap):
                return False
            index -= 1
            word = ws[index].key
            if word in keywords:
                return True
            if word not in LINKING and not word.isdigit():
                return False
        return False


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
    word = parsed.words[position]
    if word.link:
        return len(word.key) >= 3
    if not word.capital:
        return False
    written = parsed.source[word.start : word.end]
    if _accents(written) < term.accents and len(word.key) < 6:
        return False
    initial = position == 0 or INITIAL.search(word.gap)
    return not (initial and word.key in common and not written.isupper())


def common_words(texts) -> frozenset[str]:
    """The words a document writes in lower case, outside addresses: words of the language.
    texts: strings, or their `words`."""
    return frozenset(
        w.key
        for text in texts
        for w in (text if isinstance(text, Text) else words(text)).words
        if not w.capital and not w.link and w.key.isalpha()
    )


def _thousands(ws: list[Word]) -> bool:
    return (
        1 <= len(ws[0].key) <= 3
        and all(len(w.key) == 3 for w in ws[1:])
        and all(w.gap == " " for w in ws[1:])
    )


def _unit_after(parsed: Text, index: int) -> bool:
    after = parsed.after(index)
    if "€" in after or "%" in after:
        return True
    following = parsed.words[index + 1] if index + 1 < len(parsed.words) else None
    return following is not None and following.key in UNITS and after.strip() == ""


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


def _epci_of(geo: Geographie, departement: str) -> set[str]:
    return {siren for siren, epci in geo.epci.items() if departement in epci.departements}


def forbidden_terms(
    partenaire: Partenaire,
    territoires: list[str],
    geo: Geographie,
    people: tuple[str, ...] = (),
    exceptions: tuple[str, ...] = (),
) -> Lexique:
    """The names and codes of every territory of the convention but the partner's.

    people: names of persons, never territories; exceptions: phrases the partner must see
    (signing place, signatories' titles, what the writer declared in convention.yml).
    """
    own_communes = partenaire.communes
    own_names = {key(geo.communes[c][0]) for c in own_communes}
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    departements: dict[str, str] = {}
    for code in territoires:
        if code == partenaire.code or code in partenaire.epci:
            continue
        territoire = geo.territoire(code)
        if territoire.nature == "département":
            if partenaire.nature == "EPCI" and code in geo.epci[partenaire.code].departements:
                continue  # an EPCI lies in its département: naming it leaks nothing
            names[territoire.nom] = territoire.nom
            departements[code] = territoire.nom
            communes = geo.communes_of_departement(code)
            # its EPCI name it as surely, declared in the convention or not
            for epci in _epci_of(geo, code) - {partenaire.code}:
                if not geo.communes_of_epci(epci) & own_communes:
                    for name in _epci_names(geo.epci[epci].nom):
                        names.setdefault(name, territoire.nom)
                    codes.setdefault(epci, territoire.nom)
        else:
            for name in _epci_names(territoire.nom):
                names[name] = territoire.nom
            codes[code] = territoire.nom
            communes = geo.communes_of_epci(code)
        for commune in communes - own_communes:
            name = geo.communes[commune][0]
            if key(name) not in own_names:  # two communes may share a name
                names[name] = territoire.nom
            codes[commune] = territoire.nom
    # Its own name, and those of its EPCI, are no leak, whatever their words.
    own = _epci_names(partenaire.nom) if partenaire.nature == "EPCI" else {partenaire.nom}
    for epci in partenaire.epci:
        own |= _epci_names(geo.epci[epci].nom)
    return Lexique(names, codes, departements, (*people, *sorted(own), *exceptions))


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


def docx_texts(data: bytes):
    """(part, text, identifier?) for the text of every XML part of a DOCX and its attributes."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            xml = SYM.sub(_symbol, archive.read(name).decode("utf-8", errors="replace"))
            if name.startswith("word/"):
                # a word can be split across runs: join them, keep paragraphs and cells apart
                text = TAG.sub("", BREAKS.sub("\n", xml))
            else:
                text = TAG.sub(" ", xml)
            yield name, html.unescape(text), False
            values = set()
            for tag in set(TAG.findall(xml)):  # a tag written a thousand times is read once
                if FONTS.match(tag):
                    continue
                element_named = bool(NAME_ELEMENTS.match(tag))
                for attribute, double, single in ATTRIBUTE.findall(tag):
                    value = html.unescape(double or single)
                    if PLUMBING.fullmatch(attribute) or not value.strip():
                        continue
                    named = bool(NAMES.fullmatch(attribute)) or (
                        element_named and attribute == "w:val"
                    )
                    if not named and MEASURE.fullmatch(value):
                        continue
                    values.add((value, named))
            for value, named in sorted(values):
                yield name, value, named


def scan_docx(data: bytes, terms: Lexique) -> list[Fuite]:
    """Every XML part: its text (runs joined, paragraphs apart) and its attributes."""
    texts = [(part, words(text, named), named) for part, text, named in docx_texts(data)]
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
