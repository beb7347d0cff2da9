"""The text as the leak check reads it (extracts/leaks.py says the rules): normalised
character by character, cut into words, with where each word was written."""

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import accumulate, compress, pairwise

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


def spread_code(keys: list[str], one_by_one: bool = True) -> bool:
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


def accents(text: str) -> int:
    return sum(1 for c in unicodedata.normalize("NFD", text) if unicodedata.combining(c))
