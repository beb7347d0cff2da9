"""The rendered Markdown read by pandoc (export/ast.py): in pieces as in one reading, and the
templates' divs made Word tables for the DOCX."""

import copy

import pytest

from cusdoc.export import ast

DOCUMENT = """---
title: "Titre"
---

# Préambule {#preambule}

Un texte^[Une note.] et un [renvoi](#annexe).

::: {.encadre}

# Pas un chapitre

:::

# 1 Chapitre {#chapitre}

- un
- deux

| A | B |
|:--|--:|
| x | 1 |

: Un tableau

# Annexe {#annexe}

Fin.
"""


@pytest.mark.slow
def test_the_example_read_in_pieces_is_the_example_read_at_once(example_build):
    markdown = (example_build / "convention.md").read_text(encoding="utf-8")
    whole = ast.read(markdown, 0)
    for readers in (2, 3):
        assert len(ast.chapters(markdown, readers)) == readers
        assert ast.read(markdown, 0, readers) == whole


def test_pieces_start_at_chapters_outside_divs():
    chapters = {"# Préambule {#preambule}", "# 1 Chapitre {#chapitre}", "# Annexe {#annexe}"}
    for readers in (2, 3, 4):
        pieces = ast.chapters(DOCUMENT, readers)
        assert len(pieces) >= 2
        assert "".join(pieces) == DOCUMENT
        assert {piece.split("\n", 1)[0] for piece in pieces[1:]} <= chapters
        assert ast.read(DOCUMENT, 0, readers) == ast.read(DOCUMENT, 0)


def test_one_reader_or_no_chapter_reads_the_whole():
    assert ast.chapters(DOCUMENT, 1) == [DOCUMENT]
    assert ast.chapters("Un paragraphe.\n", 2) == ["Un paragraphe.\n"]


def test_divs_inside_an_action_table_become_word_elements_first():
    """A source line in a cell of an action table gets its style; the AST read is untouched."""
    markdown = """::: {.tableau largeurs="1,1"}
- - Aujourd'hui
  - Objectifs
- - ![Carte](carte.png)

    ::: {.source}
    Source : Insee
    :::
  - Rien.
:::

::: {.saut-de-page}
:::
"""
    document = ast.read(markdown, 0)
    before = copy.deepcopy(document)
    table, page_break = ast.for_docx(document)["blocks"]
    assert document == before
    assert table["t"] == "Table" and page_break == ast.PAGE_BREAK
    cell = table["c"][4][0][3][0][1][0][4]
    source = cell[-1]
    assert source["t"] == "Div"
    assert ["custom-style", "Source"] in source["c"][0][2]


# Every kind of inline the templates and the writers' text can give pandoc.
RICH = """---
title: "Un « titre » du 1^er^ janvier"
---

# 1 Un chapitre {#chapitre}

Du texte *en italique*, **en gras** et *mêlé **de gras** ici*, le 1^er^ mars,
un "guillemet droit" et 'simple', un [lien](https://exemple.fr/a) et un
[renvoi au chapitre](#chapitre), une note^[Une note, *en italique*, avec [un lien](#x).]
puis  deux espaces, un\\
saut de ligne, [un passage]{.x}, du `code` et x^2^ ; n° 12 000.

- un élément de liste avec *italique* ;
- 1. une liste dans la liste

| Colonne A | Colonne B |
|:---------|----------:|
| une cellule *en italique* | 1 234,5 % |
| [lien](#chapitre) | une note^[Dans une cellule.] |

: Légende du *tableau*

![Une image « légendée »](carte.png){width=50%}

::: {.tableau largeurs="1,1"}
- - Aujourd'hui
  - Objectifs
- - Texte *en italique* dans une action.
  - Rien.
:::
"""


def test_words_joined_for_the_docx_writer_give_the_same_docx(tmp_path):
    """pandoc's DOCX writer joins words and spaces itself: joined before, its DOCX is the same
    (a guard for a pandoc upgrade)."""
    from tests.test_images import png

    (tmp_path / "carte.png").write_bytes(png())
    apart = ast.for_docx(ast.read(RICH, 0))
    joined = ast.joined(apart)
    args = [f"--resource-path={tmp_path}", "--toc"]
    docx = [ast.pandoc(ast.write(d), "docx", args, 0, source="json") for d in (apart, joined)]
    assert len(ast.write(joined)) < len(ast.write(apart))
    assert docx[0] == docx[1]
