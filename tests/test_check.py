"""Each folder of tests/projets/ is one broken case: its exact messages are in attendu.txt."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from cusdoc.cli import main
from tests.conftest import PROJETS, copy_project, project_with

CASES = sorted(p.name for p in PROJETS.iterdir() if (p / "attendu.txt").is_file())


@pytest.mark.parametrize("case", CASES)
def test_check_reports_exact_french_messages(case, tmp_path):
    root = project_with(case, tmp_path)
    result = CliRunner().invoke(main, ["-C", str(root), "check"])
    assert result.exit_code == 1
    assert type(result.exception) is SystemExit
    assert result.stderr == (PROJETS / case / "attendu.txt").read_text(encoding="utf-8")
    assert "Traceback" not in result.output


def test_minimal_project_is_valid(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    result = CliRunner().invoke(main, ["-C", str(root), "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Contenu valide : 8 chapitres, période 2025-2030.\n"


def test_every_case_changes_only_files_of_the_minimal_project():
    """A case folder overlays files that exist in minimal/, so its name says what it breaks."""
    minimal = {p.name for p in (PROJETS / "minimal" / "content").iterdir()}
    for case in CASES:
        files = {p.name for p in (PROJETS / case / "content").iterdir()}
        assert files <= minimal, case


def test_missing_convention_file(tmp_path):
    (tmp_path / "content").mkdir()
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "check"])
    assert result.exit_code == 1
    assert result.stderr == (
        "content/convention.yml:1:1: fichier introuvable\n1 problème à corriger dans le contenu.\n"
    )


def test_all_problems_are_reported_at_once(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    for name in ("gestion_sociale.yml", "qualite_service.yml"):
        (root / "content" / name).write_text("titre: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "check"])
    lines = result.stderr.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == [
        "content/gestion_sociale.yml",
        "content/qualite_service.yml",
    ]
    assert lines[-1] == "2 problèmes à corriger dans le contenu."


def test_example_content_is_valid():
    root = Path(__file__).resolve().parent.parent
    result = CliRunner().invoke(main, ["-C", str(root), "check"])
    assert result.exit_code == 0, result.stderr


def test_an_undeclared_epci_that_owes_a_plh_is_warned_at_its_first_row(tmp_path):
    """Vendôme (41269) lies in the declared Loir-et-Cher, but in the CA Territoires Vendômois,
    which the minimal project does not declare: a communauté d'agglomération owes a PLH, so it
    is associated with the convention. A communauté de communes is not asked for."""
    root = copy_project(PROJETS / "minimal", tmp_path)
    donnees = root / "content" / "donnees"
    with (donnees / "ensembles.csv").open("a", encoding="utf-8") as f:
        f.write("E5;Les Prés;41269;3;3;3;3;1;0;0;0;5;3 rue du Pré\n")
    with (donnees / "patrimoine.csv").open("a", encoding="utf-8") as f:
        f.write("41269;;13;D;3;60;1990;C;;E5;non;Vendôme\n" * 2)
    result = CliRunner().invoke(main, ["-C", str(root), "check"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "content/donnees/patrimoine.csv:10:1: DEPCOM : avertissement : la commune 41269 (2 "
        "lignes, dont celle-ci) est dans « CA Territoires Vendômois » (200072072), communauté "
        "d'agglomération tenue de se doter d'un programme local de l'habitat, que "
        "content/convention.yml ne déclare pas : un tel EPCI est associé à l'élaboration de la "
        "convention pour ce qui concerne son territoire (CCH L. 445-1) ; déclarez-le dans "
        "« territoires »"
    )
    # Bracieux (41025) lies in the undeclared CC du Grand Chambord: a CC is not warned
    assert "41025" not in result.stderr
    assert len(result.stderr.splitlines()) == 2  # the warning and the count
