"""cusdoc's Typst writer (export/typst.py): what pandoc reads of the rendered Markdown, set by
Typst as it was typed, in the layout's tables, notes and links."""

import random

import pypandoc
import pypdfium2
import pytest
import typst as compiler

from cusdoc import TEMPLATES
from cusdoc.errors import ToolError
from cusdoc.export import ast
from cusdoc.export.convert import Templates, to_typst
from cusdoc.export.typst import source
from cusdoc.model import Texte
from cusdoc.render.text import BREAK, inlines
from tests.test_text import HOSTILE

MARK = "§§"  # between paragraphs in the PDF's text


def pdf_text(typst_source: str) -> str:
    pdf = compiler.compile(typst_source.encode("utf-8"))
    document = pypdfium2.PdfDocument(pdf)
    return "".join(page.get_textpage().get_text_range() for page in document)


def typeset(markdown: str) -> str:
    """The text of the PDF of a Markdown body, with no layout but Typst's defaults."""
    return pdf_text(source(ast.read(markdown, 0), ""))


def reading(text: str) -> str:
    """Text as a reader compares it: one space for any space, Typst's typographic quotes and
    dashes as typed."""
    for typed, set_as in (("'", "‘’"), ('"', "“”"), ("--", "–"), ("---", "—"), ("...", "…")):
        for char in set_as:
            text = text.replace(char, typed)
    return " ".join(text.replace(BREAK, "").replace("\u00a0", " ").split())


def test_what_is_not_markup_is_set_as_pandoc_read_it():
    """Hostile text: Typst sets what pandoc read of it (its plain-text writer says what that is),
    nothing more, nothing less."""
    rng = random.Random(9)
    alphabet = "ab c*_`{}[]()<>#|^~$@&!:;.-+=%\\/'\"0123456789 "
    texts = HOSTILE + ["".join(rng.choices(alphabet, k=40)).strip() or "x" for _ in range(200)]
    markdown = f"\n\n{MARK}\n\n".join(inlines([Texte(t)]) for t in texts)
    read = pypandoc.convert_text(markdown, "plain", format=ast.READER, extra_args=["--wrap=none"])
    expected = reading(read).split(MARK)
    printed = reading(typeset(markdown)).split(MARK)
    assert len(printed) == len(texts)
    for text, want, out in zip(texts, expected, printed, strict=True):
        assert out.strip() == want.strip(), text


def test_code_after_a_call_does_not_extend_it():
    """A footnote or a superscript followed by « . », « ; », « ( » or « [ »: text, not a call."""
    markdown = "Le 1^er^. Une note^[Texte.]; puis (a) et **gras**[b] et *x*.y fin."
    assert (
        reading(typeset(markdown)) == "Le 1er. Une note1; puis (a) et gras[b] et x.y fin. 1Texte."
    )


def test_a_paragraph_that_starts_like_markup_stays_a_paragraph():
    for start in ("- tiret", "+ plus", "= égal", "12. Douze", "/ barre"):
        assert reading(typeset(inlines([Texte(start)]))) == start


def test_links_notes_and_headings_keep_their_targets():
    markdown = (
        "# Titre {#titre}\n\nVoir [le titre](#titre), [le site](https://exemple.fr/a_b//c) "
        "et une note^[La note, avec [un lien](mailto:a@exemple.fr).].\n"
    )
    typst_source = source(ast.read(markdown, 0), "")
    assert "= Titre\n<titre>" in typst_source
    assert "#link(<titre>)[le titre]" in typst_source
    assert '#link("https://exemple.fr/a_b//c")[le site]' in typst_source
    assert '#footnote[La note, avec #link("mailto:a@exemple.fr")[un lien];.]' in typst_source
    assert reading(pdf_text(typst_source)) == (
        "Titre Voir le titre, le site et une note1. 1La note, avec un lien."
    )


FRONT_MATTER = "---\ntitle: Titre\norganisme: Office\nperiode: 2025-2030\n---\n\n"


def test_a_table_with_its_source_is_one_call_of_the_layout():
    markdown = FRONT_MATTER + (
        "| Territoire | Logements |\n|:-----------|----------:|\n| Blois | 1 200 |\n\n"
        ": Logements par territoire\n\n::: {.source}\nSource : RPLS\n:::\n"
    )
    typst_source = to_typst(ast.read(markdown, 0), Templates(TEMPLATES))
    call = typst_source[typst_source.index("#tableau(") :]
    assert "aligns: (left, right,)" in call
    assert "header: ([Territoire], [Logements],)" in call
    assert "caption: [Logements par territoire]" in call
    assert "source: [Source : RPLS]" in call
    assert "#block(above" not in call  # the source went into the table, not after it
    text = reading(pdf_text(typst_source))
    assert "Tableau 1" in text
    assert "Logements par territoire Territoire Logements Blois 1 200 Source : RPLS" in text


def test_an_element_the_templates_never_write_is_refused_in_french():
    with pytest.raises(ToolError, match="bloc « CodeBlock » inattendu"):
        source(ast.read("Texte :\n\n    du code indenté\n", 0), "")
    raw = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": []}
    raw["blocks"] = [{"t": "RawBlock", "c": ["typst", '#read("/etc/passwd")']}]
    with pytest.raises(ToolError, match="bloc « RawBlock » inattendu"):
        source(raw, "")


def test_raw_markup_in_the_rendered_markdown_stays_text():
    """The reader keeps no raw HTML, TeX or attribute: typed, they are text."""
    typed = '`#read("x")`{=typst} <b>gras</b> \\newpage'
    assert reading(typeset(typed)) == '#read("x"){=typst} <b>gras</b> \\newpage'
