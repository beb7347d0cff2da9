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
from dataclasses import dataclass
from functools import lru_cache

from cusdoc.errors import visible
from cusdoc.extracts.terms import Lexique, common_words
from cusdoc.extracts.text import BLANKS, Text, words


@dataclass(frozen=True)
class Fuite:
    terme: str  # the forbidden name or code, as officially written
    territoire: str  # the territory it belongs to
    ou: str  # where it was found: a part of the DOCX, a page of the PDF…
    trouve: str = ""  # the text as found, when it differs from the term (« BLOIS »)


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
