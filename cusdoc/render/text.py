"""Render stage for text: the document model's inlines, and every other printed string, as
pandoc Markdown that can only mean what cusdoc generates.

Every string a template prints is escaped (the Jinja environment's `finalize`): characters that
pandoc Markdown reads as syntax are written with a backslash, so a writer's « `x`{=typst} »,
« <w:p> » or « @nom » prints as typed. Only what this module and the templates generate is
markup: `Markdown` strings (markupsafe's `Markup`, which Jinja passes through unescaped).
"""

import datetime
import re
from functools import lru_cache

from markupsafe import Markup

from cusdoc.model import Emphase, Inline, Lien, Note, Quantity, Renvoi, Texte, Valeur
from cusdoc.render.formats import date_longue, quantite

Markdown = Markup  # text that is already pandoc Markdown

# Every ASCII punctuation character pandoc Markdown may read as syntax somewhere in a line.
SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|^~$@&])")
# What starts a list, a quote, a heading or a definition when it opens a line.
LINE_START = re.compile(r"^(\s*)([-+:%]|\d+[.)])(?=\s|$)")
LONG_WORD = 30  # characters: a longer run without a space is given break opportunities
BREAK = "\u200b"  # zero-width space: a line may break there, nothing is printed
NEWLINE = re.compile(r"\s*\n\s*")  # a line break in a value: a space in the Markdown
LONG_RUN = re.compile(rf"\S{{{LONG_WORD + 1},}}")
SEPARATOR = re.compile(r"([/.\-_?&=])(?=[^\s])")  # a long string may break after one


def escape(text) -> Markdown:
    """Plain text as Markdown that prints it as it is."""
    if isinstance(text, Markup):
        return text
    return _escaped(str(text))


@lru_cache(maxsize=1 << 14)  # the same names and figures, in cell after cell
def _escaped(text: str, line_start: bool = True) -> Markdown:
    """line_start: the text may open a line, where « - », « : » or « 1. » would be syntax; a
    piece of text after a value or a note never does (escaped there, « 2023 : » would lose
    its no-break space to the backslash)."""
    if "\n" in text:
        text = NEWLINE.sub(" ", text)
    text = SPECIAL.sub(r"\\\1", breakable(text))
    return Markup(LINE_START.sub(_line_start, text, count=1) if line_start else text)


def _line_start(match: re.Match) -> str:
    mark = match[2]
    return match[1] + (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark)


def breakable(text: str) -> str:
    """Long unbreakable strings (addresses, identifiers) get break opportunities after their
    separators and every LONG_WORD characters, so that they never run off the page."""
    if len(text) <= LONG_WORD:
        return text

    def cut(match: re.Match) -> str:
        word = SEPARATOR.sub(r"\1" + BREAK, match[0])
        pieces = word.split(BREAK)
        out = []
        for piece in pieces:
            out.append(
                BREAK.join(piece[i : i + LONG_WORD] for i in range(0, len(piece), LONG_WORD))
            )
        return BREAK.join(out)

    return LONG_RUN.sub(cut, text)


def inlines(items: list[Inline], line_start: bool = True) -> Markdown:
    """A writer's parsed text, with its resolved values and renvois; line_start: it may open a
    line (a paragraph, a cell), not when it is inside an emphasis, a link or a note."""
    return Markup("".join(_inline(item, line_start and i == 0) for i, item in enumerate(items)))


def _inline(item: Inline, line_start: bool) -> str:
    if isinstance(item, Texte):
        return _escaped(item.text, line_start)
    if isinstance(item, Emphase):
        mark = "**" if item.fort else "*"
        return f"{mark}{inlines(item.contenu, False)}{mark}"
    if isinstance(item, Lien):
        # The address is kept whole; pandoc percent-encodes what a link target cannot hold.
        url = item.url.replace("\\", "%5C").replace(")", "%29").replace(" ", "%20")
        return f"[{inlines(item.contenu, False)}](<{url.replace('>', '%3E')}>)"
    if isinstance(item, Note):
        return f"^[{inlines(item.contenu, False)}]"
    if isinstance(item, Renvoi):
        return renvoi(item)
    if isinstance(item, Valeur):
        return valeur(item.quantite, item.formes)
    raise TypeError(item)


def renvoi(item: Renvoi) -> str:
    """« 3.2 « Titre » », a link within the document; a part an extract leaves out is named with
    its number in the convention, without a link."""
    titre = escape(item.titre or "")
    if not item.present:
        if not item.titre:
            return "la convention"
        numero = f"{item.numero} " if item.numero else ""  # an annex has no number
        return f"{numero}« {titre} » de la convention"
    label = f"{item.numero} « {titre} »" if item.numero else f"« {titre} »"
    return f"[{label}](#{item.id})"


SECRET = {"pourcent": "part non diffusée (secret statistique)"}
SECRET_COUNT = "nombre non diffusé (secret statistique)"


def valeur(value, formes: tuple[str, str] | None = None) -> str:
    """A value in a sentence: French formatting and unit; a masked count or share is not
    printed, and the sentence says why. formes: the noun that follows, singular and plural,
    agreed with the count (zero and one take the singular)."""
    if formes is not None:
        singulier, pluriel = (escape(forme) for forme in formes)
        if not isinstance(value, Quantity) or value.value is None or value.masked:
            return f"{valeur(value)} {de(pluriel)}{pluriel}"
        return f"{quantite(value)} {singulier if abs(value.value) < 2 else pluriel}"
    if isinstance(value, datetime.date):
        return date_longue(value)
    if isinstance(value, Quantity):
        if value.masked:
            return SECRET.get(value.unit, SECRET_COUNT)
        if value.unit == "annee":
            return "–" if value.value is None else str(int(value.value))
        return quantite(value)
    return escape("–" if value is None else value)


def de(nom: str) -> str:
    """« de » before a noun, elided before a vowel or a mute h: « d’ensembles »."""
    return "d’" if nom[:1].lower() in "aeiouyhéèêâîôû" else "de "


def plain(items: list[Inline]) -> str:
    """A writer's text as a reader sees it, without markup (review, tidy outputs)."""
    out = []
    for item in items:
        if isinstance(item, Texte):
            out.append(item.text)
        elif isinstance(item, Emphase | Lien):
            out.append(plain(item.contenu))
        elif isinstance(item, Note):
            out.append(f" [note : {plain(item.contenu)}]")
        elif isinstance(item, Renvoi):
            out.append(f"{item.numero or ''} « {item.titre or ''} »".strip())
        elif isinstance(item, Valeur):
            out.append(valeur(item.quantite, item.formes))
    return "".join(out)


def cell(value) -> str:
    """A table cell as a reader sees it."""
    return plain(value) if isinstance(value, list) else str(value)
