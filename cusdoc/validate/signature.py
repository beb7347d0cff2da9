"""Validate stage, warnings: what a draft may hold and a signed convention may not.

Drafting notes (`note_de_redaction`, taken out of the data when it is read), working phrases
left in a printed text (« à vérifier »…) and the indicator wordings that the catalogue marks as
not read on Légifrance, unless the organisation declares them read (`intitules_verifies` in
content/convention.yml). None of them stops a project's build; each stops the signature build.
"""

import re

from cusdoc.errors import Problem
from cusdoc.load.content import Content, Source, dotted
from cusdoc.model import Indicateur
from cusdoc.validate.content import walk

# What a writer leaves for later in a sentence; never in a signed document.
WORKING = re.compile(
    r"(?=[àaÀAT])"  # the first letter of one of them: a quick scan for it
    r"(?:(?i:\b[àa] (?:v[ée]rifier|confirmer|compl[ée]ter)\b)|\bTODO\b)"
)
SHOWN = 60  # characters of a note quoted in its warning


def pending(content: Content, catalogue: dict[str, Indicateur]) -> list[Problem]:
    """Every warning of the content, in file order: the points to settle before signature."""
    problems = []
    for source in content.sources.values():
        problems += drafting_notes(source)
        problems += working_phrases(source)
    engagements = content.sources.get("engagements")
    if engagements is not None:
        problems += unverified_wordings(engagements, catalogue)
    return sorted(problems)


def drafting_notes(source: Source) -> list[Problem]:
    out = []
    for note in source.notes:
        text = " ".join(note.text.split())
        shown = text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
        out.append(
            Problem(
                source.file,
                note.line,
                note.column,
                dotted(note.path),
                f"note de rédaction (jamais imprimée) : « {shown} »",
                avertissement=True,
            )
        )
    return out


def working_phrases(source: Source) -> list[Problem]:
    """A printed text that still says what remains to be done."""
    return [
        source.problem(
            path,
            f"« {match[0]} » dans un texte imprimé : réglez le point avant la signature, ou "
            "écrivez la remarque dans une clé « note_de_redaction »",
            avertissement=True,
        )
        for path, value in walk(source.data)
        if isinstance(value, str) and (match := WORKING.search(value))
    ]


def unverified_wordings(source: Source, catalogue: dict[str, Indicateur]) -> list[Problem]:
    """The commitments on an indicator whose printed wording nobody has read on Légifrance."""
    engagements = source.data.get("engagements") or {}
    return [
        source.problem(
            ("engagements", ident),
            f"formulation de {ident} non relue sur Légifrance (catalogue des indicateurs) : "
            "relisez-la, puis déclarez-la dans « intitules_verifies » de content/convention.yml",
            key=True,
            avertissement=True,
        )
        for ident in engagements
        if ident in catalogue and catalogue[ident].a_verifier
    ]
