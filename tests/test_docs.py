"""The documentation: every command and every schema field documented, the site builds strictly."""

import importlib.util
import subprocess
import sys

import pytest

from cusdoc.cli import main
from tests.conftest import REPO


def _make_docs():
    path = REPO / "scripts" / "make_docs.py"
    spec = importlib.util.spec_from_file_location("make_docs", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


make_docs = _make_docs()
COMMANDS = dict(make_docs.commands(main))


@pytest.mark.parametrize("name", sorted(make_docs.PAGES))
def test_reference_page_is_what_make_docs_writes(name):
    committed = (REPO / "docs" / "reference" / name).read_text(encoding="utf-8")
    assert committed == make_docs.PAGES[name](), f"docs/reference/{name} : lancez `make docs`"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name):
    help_text = COMMANDS[name].help or ""
    assert help_text.strip(), f"{name} n'a pas d'aide"
    examples = [line for line in help_text.splitlines() if line.strip().startswith("Exemple : ")]
    assert examples, f"{name} n'a pas de ligne « Exemple : »"


def test_every_command_is_in_the_cli_reference():
    reference = (REPO / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert [name for name in COMMANDS if f"## `{name}`" not in reference] == []


@pytest.mark.parametrize("title", sorted(make_docs.content_files()))
def test_every_schema_field_has_a_description(title):
    _, schema = make_docs.content_files()[title]
    missing = [path for path, rules in make_docs.fields(schema) if not make_docs.description(rules)]
    assert missing == []


def test_every_block_field_has_a_description():
    schemas = [schema for _, schema in make_docs.content_files().values()]
    kinds = make_docs.bloc_kinds(schemas)
    assert kinds
    missing = [path for path, rules in make_docs.fields(kinds) if not make_docs.description(rules)]
    assert missing == []


def test_schema_reference_lists_nested_fields():
    page = make_docs.schema_page()
    for path in (
        "organisme.siege.commune",
        "orientations[].actions[].calendrier",
        "engagements.*[].valeurs",
        "occupation.categories[].conditions.*.minimum",
        "tableau.lignes",
    ):
        assert f"| `{path}` |" in page


def test_unchecked_indicator_wordings_are_marked():
    page = make_docs.indicateurs_page()
    unchecked = [ind for ind in make_docs.load_catalogue().values() if ind.a_verifier]
    assert unchecked
    for ind in unchecked:
        section = page.split(f"## {ind.id} : ")[1].split("\n## ")[0]
        assert "Formulation à confirmer sur Légifrance" in section


def test_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    assert (tmp_path / "reference" / "schema" / "index.html").exists()


def test_architecture_page_names_every_module_and_only_existing_ones():
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    page = (repo / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(cusdoc/[\w/]+\.py)`", page))
    modules = {
        str(p.relative_to(repo))
        for p in (repo / "cusdoc").rglob("*.py")
        if not (p.name == "__init__.py" and p.stat().st_size == 0)
    }
    assert modules - named == set(), "modules missing from docs/architecture.md"
    assert named - modules == set(), "docs/architecture.md names modules that do not exist"
