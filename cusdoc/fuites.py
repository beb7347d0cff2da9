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

from cusdoc.extraits import Partenaire
from cusdoc.geographie import EPCI_FORMS, Geographie

SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass(frozen=True)
class Fuite:
    terme: str
    territoire: str  # the territory the term belongs to
    ou: str  # where it was found: a part of the DOCX, a page of the PDF…


def normalize(text: str) -> str:
    return SPACES.sub(" ", text.replace("’", "'")).strip()


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
    return {normalize(n) for n in names if len(n) > 3}


def forbidden_terms(
    partenaire: Partenaire, territoires: list[str], geo: Geographie
) -> dict[str, str]:
    """term → the territory it names, for every territory of the convention but the partner's."""
    own_communes = partenaire.communes
    terms: dict[str, str] = {}
    for code in territoires:
        if code == partenaire.code or code in partenaire.epci:
            continue
        territoire = geo.territoire(code)
        if territoire.nature == "département":
            if partenaire.nature == "EPCI" and code in geo.epci[partenaire.code].departements:
                continue  # an EPCI lies in its département: naming it leaks nothing
            terms[normalize(territoire.nom)] = territoire.nom
            communes = {c for c, (_, dep) in geo.communes.items() if dep == code}
        else:
            for name in _epci_names(territoire.nom):
                terms[name] = territoire.nom
            terms[code] = territoire.nom
            communes = set(geo.communes_of_epci(code))
        for commune in communes - own_communes:
            terms[normalize(geo.communes[commune][0])] = territoire.nom
            terms[commune] = territoire.nom
    return terms


def _pattern(terms: dict[str, str]) -> re.Pattern:
    alternatives = sorted((re.escape(t) for t in terms), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(alternatives) + r")(?![\w-])")


def scan_text(text: str, terms: dict[str, str], ou: str) -> list[Fuite]:
    if not terms:
        return []
    found = dict.fromkeys(m[1] for m in _pattern(terms).finditer(normalize(text)))
    return [Fuite(term, terms[term], ou) for term in found]


TAG = re.compile(r"<[^>]+>")
ATTRIBUTE = re.compile(r'="([^"]*)"')


def scan_docx(data: bytes, terms: dict[str, str]) -> list[Fuite]:
    """Every XML part: its text (runs joined, paragraphs apart) and its attribute values."""
    leaks = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
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


def scan_pdf(data: bytes, terms: dict[str, str]) -> list[Fuite]:
    """Every page's text, and the document's metadata."""
    import pypdfium2

    leaks = []
    pdf = pypdfium2.PdfDocument(data)
    try:
        metadata = " ".join(str(v) for v in pdf.get_metadata_dict().values())
        leaks += scan_text(metadata, terms, "PDF métadonnées")
        for index in range(len(pdf)):
            page = pdf[index]
            text = page.get_textpage().get_text_range()
            leaks += scan_text(text, terms, f"PDF page {index + 1}")
    finally:
        pdf.close()
    return leaks
