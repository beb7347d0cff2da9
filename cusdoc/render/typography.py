"""French typography pass on prose: no-break spaces where the Imprimerie nationale puts them.

Idempotent, so applying it to text that already went through it changes nothing. URLs, code
spans and link targets are left alone. `typographie_markdown` is the one pass the whole rendered
document goes through, template literals included; it leaves pandoc's syntax alone.
"""

import re
from functools import lru_cache

NBSP = "\u00a0"  # espace insécable, before « : » and inside guillemets
NNBSP = "\u202f"  # espace fine insécable, before « ; ! ? » and between thousands

# code, addresses, link targets and pandoc's attributes ({#id}, {.classe}, {width=50%}: a
# no-break space before its % would make pandoc's DOCX writer ignore the width)
PROTECTED = re.compile(r"(`[^`]*`|<?https?://[^\s>)]+>?|\]\([^)]*\)|\{(?:[#.]|width=)[^}]*\})")
SPACES = f"[ {NBSP}{NNBSP}]"
AFTER = rf"(?=\s|$|[)»\]*_”\"'’.,!?{NBSP}{NNBSP}])"
HOLE = "\ue000"  # stands for a protected part while the rules run

# Each rule with what a text holds when the rule can change it (one of these strings), or None.
RULES = [
    # typographic apostrophe: l'État → l’État
    (("'",), re.compile(r"(?<=\w)'(?=\w)"), "’"),
    # thin no-break space before ; ! ? (not in "?!" pairs beyond the first, not before "[")
    (
        (";", "!", "?"),
        re.compile(rf"(?<=[^\s{NBSP}{NNBSP}!?;]){SPACES}?([;!?]){AFTER}"),
        NNBSP + r"\1",
    ),
    # no-break space before a colon used as punctuation (not in 10:30 or https:)
    ((":",), re.compile(rf"(?<=[^\s{NBSP}{NNBSP}:]){SPACES}?:{AFTER}"), NBSP + ":"),
    # inside guillemets
    (("«",), re.compile(rf"«{SPACES}*"), "«" + NBSP),
    (("»",), re.compile(rf"{SPACES}*»"), NBSP + "»"),
    # number and its unit or sign
    (("%", "€", "m²"), re.compile(rf"(\d){SPACES}?(%|€|m²|k€|M€)"), r"\1" + NBSP + r"\2"),
    # a gap in percentage points: 1,5 pt
    (("pt",), re.compile(rf"(\d){SPACES}?(pt)\b"), r"\1" + NBSP + r"\2"),
    # n° 12, art. 5
    (("n°", "N°", "art."), re.compile(rf"\b(n°|N°|art\.){SPACES}+(?=\w)"), r"\1" + NBSP),
    # an article of a code: L. 441-1, R. 445-5, D. 331-76-5-1 never cut after its letter
    ((". ",), re.compile(r"\b([LRD]\.) (?=\d)"), r"\1" + NBSP),
    # thousands typed with a plain space: 12 050 → 12 050 (not years: first group of 1-3 digits)
    (
        None,
        re.compile(rf"(?<![\d,.])(\d{{1,3}})((?:{SPACES}\d{{3}})+)(?!\d)"),
        lambda m: m[1] + re.sub(SPACES, NNBSP, m[2]),
    ),
]


# Text with none of these has nothing for the rules to do (most table cells).
TRIGGERS = re.compile(r"[;:!?«»%€']|n°|N°|art\.|\d[ \u00a0]\d|m²|\d[ \u00a0]?pt\b|\b[LRD]\. \d")


# Markdown only: the letters of « 1er » in superscript, as `date_longue` writes a date, so that
# the text a writer typed and the dates cusdoc writes look alike in the DOCX and the PDF.
ORDINALS = [(None, re.compile(r"\b1(er|re|ers|res)\b"), r"1^\1^")]


@lru_cache(maxsize=8192)
def typographie(text: str) -> str:
    """Apply the French spacing rules outside URLs, code and link targets."""
    if not TRIGGERS.search(text):
        return text
    return _outside_protected(text, RULES)


@lru_cache(maxsize=8192)
def _markdown_text(text: str) -> str:
    """A line of Markdown text: the spacing rules, and ordinals in superscript."""
    text = typographie(text)
    return _outside_protected(text, ORDINALS) if "1" in text else text


def _outside_protected(text: str, rules: list) -> str:
    kept = PROTECTED.findall(text)
    text = PROTECTED.sub(HOLE, text)
    for needs, pattern, replacement in rules:
        if needs is None or any(need in text for need in needs):
            text = pattern.sub(replacement, text)
    pieces = text.split(HOLE)
    return "".join(piece + kept[i] if i < len(kept) else piece for i, piece in enumerate(pieces))


# Lines that are pandoc syntax, not text: table separators and fences (code, raw blocks).
SEPARATOR = re.compile(r"^\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*$|^\s*[-+=:| ]+$")
FENCE = re.compile(r"^\s*(```|~~~)")
# A YAML metadata line: its key is never touched, its value is text.
METADATA = re.compile(r"^([A-Za-z][\w-]*:[ \t]*)(.*)$")
# A footnote definition label, `[^note]:`, is syntax too.
NOTE_LABEL = re.compile(r"^(\[\^[^\]]+\]:)(.*)$")


def typographie_markdown(markdown: str) -> str:
    """The French spacing rules on every line of a pandoc Markdown document that is text.

    Left alone: the keys of the YAML metadata block (its values are text, with no superscript
    ordinal: Typst prints some of them as plain strings), table separator lines, fenced code
    and raw blocks, footnote labels; inside a line, what `typographie` already protects (URLs,
    code, link targets, attributes).
    """
    lines = markdown.split("\n")
    out = []
    metadata = bool(lines) and lines[0] == "---"
    fenced = False
    for number, line in enumerate(lines):
        if metadata:
            if number > 0 and line in ("---", "..."):
                metadata = False
            elif match := METADATA.match(line):
                line = match[1] + typographie(match[2])
            out.append(line)
        elif FENCE.match(line):
            fenced = not fenced
            out.append(line)
        elif fenced or SEPARATOR.match(line):
            out.append(line)
        elif match := NOTE_LABEL.match(line):
            out.append(match[1] + _markdown_text(match[2]))
        else:
            out.append(_markdown_text(line))
    return "\n".join(out)
