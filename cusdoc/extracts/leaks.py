"""Leak check: an extract must not name, or give the code of, any territory but its partner's.

The forbidden terms are the names and codes of the convention's other départements and EPCI and
of their communes, less those that lie in the partner's own territory. Every part of the DOCX
(text and attributes of every XML part: body, headers, footers, notes, comments, properties,
custom XML, bookmarks) and the PDF's text and metadata are searched.
"""

import io
import re
import zipfile
from dataclasses import dataclass

from cusdoc.load.geography import EPCI_FORMS, Geographie
from cusdoc.model import Partenaire


@dataclass(frozen=True)
class Fuite:
    terme: str
    territoire: str  # the territory the term belongs to
    ou: str  # where it was found: a part of the DOCX, a page of the PDF…


TOKEN = re.compile(r"[\w'’]+(?:-[\w'’]+)*")


def tokens(text: str) -> tuple[str, ...]:
    """Words as the leak check compares them: hyphenated names stay one word (« Saint-Ouen »
    is not « Ouen »), punctuation and spacing do not count."""
    return tuple(t.replace("’", "'") for t in TOKEN.findall(text))


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


class Lexique:
    """Forbidden terms, matched word by word: fast on long documents and many terms.

    `ignore` lists phrases that are not territories even if a word of theirs is a commune's
    name: the names of the signatories and contacts (« Marie » is also a commune).
    """

    def __init__(self, terms: dict[str, str], ignore: tuple[str, ...] = ()):
        self.terms = {tokens(term): owner for term, owner in terms.items() if tokens(term)}
        self.first = {key[0] for key in self.terms}
        self.longest = max((len(key) for key in self.terms), default=0)
        self.ignore = {tokens(phrase) for phrase in ignore if tokens(phrase)}

    def __len__(self) -> int:
        return len(self.terms)

    def _skipped(self, words: tuple[str, ...]) -> set[int]:
        skipped = set()
        for phrase in self.ignore:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if words[i : i + n] == phrase:
                    skipped.update(range(i, i + n))
        return skipped

    def find(self, text: str) -> list[tuple[str, str]]:
        """(term, the territory it names) for every forbidden term in the text, once each."""
        words = tokens(text)
        skipped = self._skipped(words) if self.ignore else set()
        found = {}
        for i, word in enumerate(words):
            if word not in self.first or i in skipped:
                continue
            for n in range(self.longest, 0, -1):
                key = words[i : i + n]
                if key in self.terms:
                    found.setdefault(" ".join(key), self.terms[key])
                    break
        return list(found.items())


def forbidden_terms(
    partenaire: Partenaire,
    territoires: list[str],
    geo: Geographie,
    people: tuple[str, ...] = (),
) -> Lexique:
    """The names and codes of every territory of the convention but the partner's."""
    own_communes = partenaire.communes
    own_names = {geo.communes[c][0] for c in own_communes}
    terms: dict[str, str] = {}
    for code in territoires:
        if code == partenaire.code or code in partenaire.epci:
            continue
        territoire = geo.territoire(code)
        if territoire.nature == "département":
            if partenaire.nature == "EPCI" and code in geo.epci[partenaire.code].departements:
                continue  # an EPCI lies in its département: naming it leaks nothing
            terms[territoire.nom] = territoire.nom
            communes = geo.communes_of_departement(code)
        else:
            for name in _epci_names(territoire.nom):
                terms[name] = territoire.nom
            terms[code] = territoire.nom
            communes = geo.communes_of_epci(code)
        for commune in communes - own_communes:
            name = geo.communes[commune][0]
            if name not in own_names:  # two communes may share a name
                terms[name] = territoire.nom
            terms[commune] = territoire.nom
    # Its own name, and those of its EPCI, are no leak, whatever their words.
    own = _epci_names(partenaire.nom) if partenaire.nature == "EPCI" else {partenaire.nom}
    for epci in partenaire.epci:
        own |= _epci_names(geo.epci[epci].nom)
    return Lexique(terms, (*people, *sorted(own)))


def scan_text(text: str, lexique: Lexique, ou: str) -> list[Fuite]:
    return [Fuite(term, owner, ou) for term, owner in lexique.find(text)]


TAG = re.compile(r"<[^>]+>")
# Attributes that carry text or names: bookmarks, hyperlink anchors, tooltips, alt text.
ATTRIBUTE = re.compile(r'\b(?:w:name|w:anchor|w:tooltip|descr|title|name)="([^"]*)"')
# The parts that hold content; the theme, fonts, styles and settings come from the template.
CONTENT_PARTS = re.compile(
    r"^(word/(document|header\d*|footer\d*|footnotes|endnotes|comments\w*)\.xml"
    r"|word/_rels/.*|docProps/.*|customXml/.*)$"
)


def scan_docx(data: bytes, terms: Lexique) -> list[Fuite]:
    """Every content part: its text (runs joined, paragraphs apart) and its names."""
    leaks = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not CONTENT_PARTS.match(name):
                continue
            xml = archive.read(name).decode("utf-8", errors="replace")
            if name.startswith("word/"):
                # a word can be split across runs: join them, keep paragraphs and cells apart
                text = TAG.sub("", re.sub(r"</w:p>|</w:tc>|<w:tab/>|<w:br/>", " ", xml))
            else:
                text = TAG.sub(" ", xml)
            attributes = " ".join(ATTRIBUTE.findall(xml))
            # identifiers (bookmarks, anchors) glue codes to words: « zoom-41018 »
            identifiers = re.sub(r"[-_#]", " ", attributes)
            found = scan_text(f"{text} {attributes} {identifiers}", terms, f"DOCX {name}")
            leaks += list(dict.fromkeys(found))
    return leaks


def scan_pdf(data: bytes, terms: Lexique) -> list[Fuite]:
    """Every page's text, and the document's metadata."""
    import pypdfium2

    leaks = []
    pdf = pypdfium2.PdfDocument(data)
    try:
        metadata = " ".join(str(v) for v in pdf.get_metadata_dict().values())
        leaks += scan_text(metadata, terms, "PDF métadonnées")
        for index in range(len(pdf)):
            page = pdf[index]
            # PDFium marks a word hyphenated at the end of a line with U+FFFE: join it back
            text = page.get_textpage().get_text_range()
            text = text.replace("\ufffe\r\n", "").replace("\ufffe", "")
            leaks += scan_text(text, terms, f"PDF page {index + 1}")
    finally:
        pdf.close()
    return leaks
