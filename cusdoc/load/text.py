"""The writers' text language: a closed set of inline forms, parsed into the document model.

A paragraph, a list item or a table cell is plain text with, at most:

    *italique*   **gras**   [texte du lien](https://…)   <https://…>   ^[note de bas de page]
    §[identifiant]  (renvoi à une section)   §{nom}  §{nom@territoire}  (valeur calculée)
    §{nom|singulier|pluriel}  (la valeur et le nom qui la suit, accordé : « 1 logement »)
    \\*  (un caractère qui serait lu comme une mise en forme, écrit tel quel)

Nothing else is markup: what is not one of these forms prints as typed, and the render stage
escapes it. Forms that a writer may expect to work (pandoc's raw code, HTML, citations, headings
inside a paragraph…) are refused with what to write instead, so that nothing is silently lost.
The parser never raises: it returns the inlines and, for what it refused, `Refusal`s at an
offset of the text.
"""

import re
from dataclasses import dataclass

from cusdoc.model import Emphase, Inline, Lien, Note, Renvoi, Texte, Valeur

SCHEMES = ("https://", "mailto:")
NAME = re.compile(r"[a-z0-9_.-]+(?:@[A-Za-z0-9]+)?", re.IGNORECASE)
ID = re.compile(r"[A-Za-z0-9_-]+")
FORME = re.compile(r"[^\W\d_][\w’'\- ]*")  # a noun as it agrees: « ensemble immobilier »
EMAIL = re.compile(r"<[^\s<>@]+@[^\s<>@]+\.[a-z]{2,}>", re.IGNORECASE)  # <nom@exemple.fr>


@dataclass(frozen=True)
class Refusal:
    offset: int  # where in the text, from 0
    found: str  # what was written, as quoted in the message
    message: str  # what it is and what to write instead


# Forms refused wherever they stand: (pattern, what it is, what to write instead).
REFUSED = [
    (
        r"`",
        "code ou code brut (accent grave) non accepté",
        "écrivez le texte lui-même, sans accent grave",
    ),
    (
        r"\{[=#.][^}\n]*\}?|\{\s*[a-z-]+=",
        "attribut pandoc non accepté",
        "la mise en forme vient des gabarits : écrivez le texte seul",
    ),
    (
        r"<!--|<\?|</?(?!https://|mailto:)[A-Za-z][A-Za-z0-9:-]*(?=[\s/>])[^<>\n]{0,30}>?",
        "balise HTML ou XML non acceptée",
        "écrivez le texte sans balise : *italique*, **gras**, listes avec la clé « liste »",
    ),
    (
        r"!\[",
        "image dans le texte non acceptée",
        "une image se déclare comme bloc, avec la clé « image »",
    ),
    (
        r"\[\^[^\]]*\]",
        "appel de note non accepté",
        "écrivez la note à l'endroit de l'appel : ^[texte de la note]",
    ),
    (
        r"\[@|(?<![\w.+-])@[A-Za-z_]",
        "citation bibliographique non acceptée",
        "écrivez la référence en toutes lettres ; une adresse s'écrit en entier (nom@exemple.fr)",
    ),
    (
        r"(?<!\\)\\[A-Za-z]+",
        "commande LaTeX non acceptée",
        "écrivez le texte lui-même ; pour une barre oblique inverse, écrivez \\\\",
    ),
    (
        r"^[ \t]*#{1,6}(?=[ \t]|$)",
        "titre dans un paragraphe non accepté",
        "un titre se déclare par une section (clé « sections », « titre »)",
    ),
    (
        r"^[ \t]*(?:-{3,}|\*{3,}|_{3,}|\.{3})[ \t]*$|\A[ \t]*-{3,}",
        "séparateur ou bloc de métadonnées non accepté",
        "supprimez la ligne : les séparateurs et les métadonnées ne sont pas du texte",
    ),
    (
        r"^[ \t]*:::",
        "bloc pandoc non accepté",
        "écrivez un paragraphe ordinaire ; un tableau se déclare avec la clé « tableau »",
    ),
    (
        r"(?<=\n)[ \t]*(?:[-+*]|\d{1,3}[.)])[ \t]+\S",
        "liste dans un paragraphe non acceptée",
        "une liste se déclare avec la clé « liste » (ou « liste_numerotee »)",
    ),
    (
        r"\bcontent/[\w./-]*|\b[\w-]+\.(?:csv|ya?ml)\b",
        "chemin de fichier non accepté",
        "écrivez pour un lecteur ce que le fichier contient (« répertoire des logements "
        "locatifs des bailleurs sociaux », « attributions de l'organisme »)",
    ),
    (
        r"(?<=\n)[ \t]*\|.*\|[ \t]*$",
        "tableau dans un paragraphe non accepté",
        "un tableau se déclare avec la clé « tableau »",
    ),
]
REFUSED_RE = re.compile(
    "|".join(f"(?P<r{i}>{p})" for i, (p, _, _) in enumerate(REFUSED)), re.MULTILINE
)
MAX_DEPTH = 4  # forms inside forms: gras dans un lien dans une note…
TOO_DEEP = "mise en forme trop imbriquée : quatre niveaux au plus"
NEXT_SIGN = re.compile(r"[\\*^§\[\]<\n]")  # what may start a form or close one
SPACES = re.compile(r"\s+")  # a run of them reads as one space
ESCAPABLE = set("\\`*_{}[]()#+-.!|<>^~$@§&:\"'%=/")


# What every refused form contains, closely enough that prose, links (« [texte](…) »),
# values (« §{nom@37} ») and addresses (« nom@exemple.fr ») do not look suspect: a text
# without any of these has no refused form, and is not searched for them.
SUSPECT = re.compile(
    r"(?=[`<\\#!\[@{\n:.*_c-])"  # the first character of one of them: a quick scan for it
    r"(?:[`<\\#]|!\[|\[[\^@]|(?<![\w.+-])@[A-Za-z_]|\{[=#.]|\{\s*[a-z-]+="
    r"|\n[ \t]*(?:[-+*|]|\d)|content/|\.(?:csv|ya?ml)\b|:::|---|\.\.\.|\*\*\*|___)"
)


def refusals(text: str) -> list[Refusal]:
    """The forms of other languages found in the text, in order."""
    if not SUSPECT.search(text):
        return []
    out, seen = [], set()
    for match in REFUSED_RE.finditer(text):
        index = int(match.lastgroup[1:])
        if index in seen:  # once per kind and text: the writer fixes them all at once
            continue
        seen.add(index)
        _, what, instead = REFUSED[index]
        whole = match[0].strip() or match[0]
        found = whole[:40]
        shown = found + ("…" if len(whole) > 40 else "")
        out.append(Refusal(match.start(), found, f"{what} : « {shown} » ; {instead}"))
    return out


class _Parser:
    """Recursive descent over one text; `refused` collects what cannot be read."""

    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.depth = 0  # forms open around the current character
        self.refused: list[Refusal] = []

    def refuse(self, offset: int, found: str, message: str) -> None:
        self.refused.append(Refusal(offset, found, message))

    def inlines(self, closers: tuple[str, ...] = (), in_note: bool = False) -> list[Inline]:
        """Inlines up to one of closers (not consumed) or the end."""
        out: list[Inline] = []
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                out.append(Texte("".join(buffer)))
                buffer.clear()

        text = self.text
        while self.i < len(text):
            if any(text.startswith(c, self.i) for c in closers):
                break
            start = self.i
            ordinary = NEXT_SIGN.search(text, start)
            stop = ordinary.start() if ordinary else len(text)
            if stop > start:  # a run of characters that start no form: taken at once
                buffer.append(text[start:stop])
                self.i = stop
                continue
            char = text[start]
            if char == "\\" and start + 1 < len(text) and text[start + 1] in ESCAPABLE:
                buffer.append(text[start + 1])
                self.i += 2
            elif char == "*" and not _opens(text, start):
                buffer.append(char)  # « 3 * 4 »: an asterisk before a space is a character
                self.i += 1
            elif self.depth >= MAX_DEPTH and char in "*^[":
                if not any(r.message == TOO_DEEP for r in self.refused):  # said once
                    self.refuse(start, char, TOO_DEEP)
                buffer.append(char)
                self.i += 1
            elif text.startswith("**", start):
                flush()
                out.append(self.span("**", Emphase, fort=True, in_note=in_note))
            elif char == "*":
                flush()
                out.append(self.span("*", Emphase, fort=False, in_note=in_note))
            elif text.startswith("^[", start):
                flush()
                out.append(self.note(in_note))
            elif text.startswith("§[", start):
                flush()
                out.append(self.renvoi())
            elif text.startswith("§{", start):
                flush()
                out.append(self.valeur())
            elif char == "[":
                flush()
                out.extend(self.lien(in_note))
            elif text.startswith(("<https://", "<mailto:"), start) or EMAIL.match(text, start):
                flush()
                out.append(self.autolien())
            else:
                buffer.append(char)
                self.i += 1
        flush()
        return out

    def nested(self, closers: tuple[str, ...], in_note: bool) -> list[Inline]:
        """The inlines of a form, one level deeper."""
        self.depth += 1
        try:
            return self.inlines(closers, in_note)
        finally:
            self.depth -= 1

    def span(self, mark: str, kind, fort: bool, in_note: bool) -> Inline:
        start = self.i
        self.i += len(mark)
        closers = (mark,) if mark == "**" else ("*",)
        contenu = self.nested(closers + ("\n\n",), in_note)
        if self.text.startswith(mark, self.i):
            self.i += len(mark)
            if not contenu:
                self.refuse(start, mark * 2, "mise en forme vide ; supprimez les astérisques")
            return kind(contenu, fort)
        what = "gras" if fort else "italique"
        self.refuse(
            start,
            mark,
            f"{what} non fermé : ajoutez « {mark} » à la fin du passage, ou écrivez « \\* » "
            "pour un astérisque",
        )
        return kind(contenu, fort)

    def note(self, in_note: bool) -> Inline:
        start = self.i
        self.i += 2
        if in_note:
            self.refuse(start, "^[", "note dans une note : une note ne peut en contenir une autre")
        contenu = self.nested(("]",), in_note=True)
        if self.text.startswith("]", self.i):
            self.i += 1
        else:
            self.refuse(start, "^[", "note non fermée : ajoutez « ] » à la fin de la note")
        if not _plain(contenu).strip() and all(isinstance(i, Texte) for i in contenu):
            self.refuse(start, "^[]", "note vide : écrivez son texte entre ^[ et ]")
        return Note(contenu)

    def renvoi(self) -> Inline:
        start = self.i
        end = self.text.find("]", start)
        ident = self.text[start + 2 : end] if end >= 0 else ""
        if end < 0 or not ID.fullmatch(ident):
            self.refuse(
                start,
                self.text[start : start + 20],
                "renvoi illisible : écrivez §[identifiant] (lettres, chiffres, tirets)",
            )
            self.i = start + 2 if end < 0 else end + 1
            return Texte("")
        self.i = end + 1
        return Renvoi(ident, offset=start)

    def valeur(self) -> Inline:
        start = self.i
        end = self.text.find("}", start)
        inside = self.text[start + 2 : end] if end >= 0 else ""
        name, *formes = (part.strip() for part in inside.split("|"))
        valid = NAME.fullmatch(name) and len(formes) in (0, 2) and all(map(FORME.fullmatch, formes))
        if end < 0 or not valid:
            self.refuse(
                start,
                self.text[start : start + 30],
                "valeur illisible : écrivez §{nom} ou §{nom@territoire}, par exemple "
                "§{logements} ou §{logements@37} ; pour accorder le nom qui suit, "
                "§{logements|logement|logements}",
            )
            self.i = start + 2 if end < 0 else end + 1
            return Texte("")
        self.i = end + 1
        nom, _, territoire = name.partition("@")
        return Valeur(nom, territoire or None, offset=start, formes=tuple(formes) or None)

    def lien(self, in_note: bool) -> list[Inline]:
        """A link; or, for a bracket that opens none (« [sic] », « [1] », a lone « [ »), the
        bracket as text and what follows it read as ever: values, notes, renvois included."""
        start = self.i
        self.i += 1
        contenu = self.nested(("]",), in_note)
        if not self.text.startswith("](", self.i):
            if not self.text.startswith("]", self.i):
                return [Texte("["), *contenu]
            self.i += 1
            return [Texte("["), *contenu, Texte("]")]
        end = _closing(self.text, self.i + 2)
        url = self.text[self.i + 2 : end if end >= 0 else len(self.text)].strip()
        self.i = end + 1 if end >= 0 else len(self.text)
        if end < 0:
            self.refuse(
                start,
                f"({url[:30]}",
                "lien non fermé : ajoutez « ) » juste après l'adresse",
            )
            return [Texte(_plain(contenu))]
        if not url.startswith(SCHEMES) or re.search(r"\s", url):
            hint = " (écrivez https:)" if url.startswith("http:") else ""
            self.refuse(
                start,
                f"({url[:30]})",
                f"adresse de lien non acceptée « {url[:40]} »{hint} : seuls les liens https: "
                "et mailto: sont acceptés",
            )
            return [Texte(_plain(contenu))]
        return [Lien(contenu or [Texte(url)], url)]

    def autolien(self) -> Inline:
        start = self.i
        end = self.text.find(">", start)
        if end < 0 or re.search(r"\s", self.text[start:end]):
            self.refuse(start, "<", "lien non fermé : écrivez <https://…> sans espace")
            self.i = len(self.text) if end < 0 else end + 1
            return Texte("")
        url = self.text[start + 1 : end]
        self.i = end + 1
        if not url.startswith(SCHEMES):
            url = "mailto:" + url
        return Lien([Texte(url.removeprefix("mailto:"))], url)


def _closing(text: str, start: int) -> int:
    """Where the « ) » that closes a link's address stands, parentheses inside it balanced
    (« https://fr.wikipedia.org/wiki/Tours_(Indre-et-Loire) »); -1 without one."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            if depth == 0:
                return index
            depth -= 1
    return -1


def _opens(text: str, at: int) -> bool:
    """Whether the asterisks at `at` open emphasis: a letter or a sign follows them."""
    end = at
    while end < len(text) and text[end] == "*":
        end += 1
    return end < len(text) and not text[end].isspace()


def _plain(inlines: list[Inline]) -> str:
    return "".join(i.text if isinstance(i, Texte) else "" for i in inlines)


def parse(text: str) -> tuple[list[Inline], list[Refusal]]:
    """The inlines of a writer's text and what was refused in it (nothing when it is valid)."""
    found = refusals(text)
    parser = _Parser(text)
    inlines = parser.inlines()
    return _joined(inlines), sorted(found + parser.refused, key=lambda r: r.offset)


def _joined(inlines: list[Inline]) -> list[Inline]:
    """Whitespace runs, line breaks included, read as one space (the lines of a literal block
    join like those of a folded one)."""
    out: list[Inline] = []
    for item in inlines:
        if isinstance(item, Texte):
            if not item.text:
                continue
            if out and isinstance(out[-1], Texte):
                item = Texte(out.pop().text + item.text)
            item = Texte(SPACES.sub(" ", item.text))
        elif isinstance(item, Emphase | Lien | Note):
            item.contenu = _joined(item.contenu)
        out.append(item)
    return out


def references(inlines: list[Inline]):
    """Every Renvoi and Valeur of inlines, notes and links included, depth first."""
    for item in inlines:
        if isinstance(item, Renvoi | Valeur):
            yield item
        elif isinstance(item, Emphase | Lien | Note):
            yield from references(item.contenu)
