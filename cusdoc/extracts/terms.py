"""The forbidden terms of a partner's extract (extracts/leaks.py says the rules): the names and
codes of the convention's other territories and of their communes, the names of France that
cover them, and the lexique that finds them in a text read into words (extracts/text.py)."""

import operator
import re
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import compress

from cusdoc.extracts.text import Text, accents, spread_code, words
from cusdoc.load.geography import EPCI_FORMS, Geographie, load_geographie
from cusdoc.model import Partenaire

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
    return index, accents(parsed.snippet(index, index + 1))


@cache
def _term(nom: str, territoire: str) -> Term:
    return Term(nom, territoire, *_shape(nom))


@cache
def _phrase(name: str) -> tuple[str, ...] | None:
    """A name's words, or None for a name of less than two letters (« Y » is a word)."""
    words_ = key(name)
    return words_ if len("".join(words_)) >= 2 else None


@cache
def key(phrase: str) -> tuple[str, ...]:
    """A name as a sequence of normalised words (kept: every partner's lexique reads the same
    names of communes; the names of France are read all at once, `_known`)."""
    known = _known().get(phrase)
    return tuple(words(phrase).keys) if known is None else known


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
                    if spread_code(keys[first:last], spread):
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

    if term.accents and len(word) < 6 and accents(written()) < term.accents:
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
