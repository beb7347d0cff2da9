"""The extracts' Markdown read a section at a time: the same document as pandoc's reading of the
whole, each section read once by a process."""

import pytest

from cusdoc.export import ast
from cusdoc.export.convert import Templates
from cusdoc.extracts import reading
from cusdoc.pipeline import Project, check, document
from cusdoc.render import render_markdown
from tests.conftest import REPO
from tests.test_values import generated  # noqa: F401  (the example's text on generated data)


def _markdowns(project: Project) -> list[str]:
    templates = Templates.of(project.root)
    return [
        render_markdown(document(project, partenaire.code), templates.root)
        for partenaire in project.partenaires
    ]


@pytest.fixture(scope="module")
def example() -> tuple[Project, list[str]]:
    project = check(REPO)
    return project, _markdowns(project)


def _same_as_whole(project: Project, markdowns: list[str], monkeypatch) -> None:
    monkeypatch.setattr(reading, "_blocks", {})
    for markdown in markdowns:
        assert reading.read(markdown, project.epoch) == ast.read(markdown, project.epoch)


@pytest.mark.slow
def test_every_extract_of_the_example_reads_as_a_whole(example, monkeypatch):
    _same_as_whole(*example, monkeypatch)


@pytest.mark.slow
def test_every_extract_of_generated_data_reads_as_a_whole(generated, monkeypatch):  # noqa: F811
    _same_as_whole(generated, _markdowns(generated), monkeypatch)


@pytest.mark.slow
def test_a_section_read_before_is_not_read_again(example, monkeypatch):
    project, markdowns = example
    monkeypatch.setattr(reading, "_blocks", {})
    for markdown in markdowns:
        reading.read(markdown, project.epoch)
    read = []
    whole = ast.read

    def recorded(markdown: str, epoch: int) -> dict:
        read.append(markdown)
        return whole(markdown, epoch)

    monkeypatch.setattr(ast, "read", recorded)
    reading.read(markdowns[0], project.epoch)
    assert read == [reading.pieces(markdowns[0])[0]]  # the metadata alone


def test_the_markdown_is_cut_before_headings_outside_divs_their_line_apart():
    markdown = (
        "---\ntitle: T\n---\n\n# 1 Un {#un}\n\nTexte.\n\n::: {.tableau}\n\n# Pas un titre\n\n"
        ":::\n\n## 1.1 Deux {#deux}\n\nFin."
    )
    assert reading.pieces(markdown) == [
        "---\ntitle: T\n---\n\n",
        "# 1 Un {#un}\n",
        "\nTexte.\n\n",
        "::: {.tableau}\n\n# Pas un titre\n\n:::\n\n",
        "## 1.1 Deux {#deux}\n",
        "\nFin.",
    ]


def test_blocks_that_read_alone_come_apart_lists_and_captions_stay(monkeypatch):
    markdown = (
        "---\ntitle: T\n---\n\nAvant le premier titre.\n\n# 1 Un {#un}\n\nTexte.\n\n"
        "| a | b |\n|---|--:|\n| x | 1 |\n\n: Légende\n\n*Nombre* de logements.\n\n"
        "- un ;\n\n- deux.\n\nM. Dupont.\n\n1. premier\n\nSuite du texte.\n\n    retrait\n"
    )
    assert reading.pieces(markdown) == [
        "---\ntitle: T\n---\n\nAvant le premier titre.\n\n",
        "# 1 Un {#un}\n",
        "\nTexte.\n\n",
        "| a | b |\n|---|--:|\n| x | 1 |\n\n: Légende\n\n",
        "*Nombre* de logements.\n\n- un ;\n\n- deux.\n\nM. Dupont.\n\n1. premier\n\n",
        "Suite du texte.\n\n    retrait\n",
    ]
    monkeypatch.setattr(reading, "_blocks", {})
    assert reading.read(markdown, 0) == ast.read(markdown, 0)
