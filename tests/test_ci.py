"""What a convention repository's CI relies on: annotations, templates, the project skeleton."""

import yaml
from click.testing import CliRunner

from cusdoc import SKELETON as MODELE
from cusdoc.cli import github_annotation, main
from cusdoc.errors import Problem
from tests.conftest import project_with


def test_problems_become_github_annotations(tmp_path):
    root = project_with("annee-hors-periode", tmp_path)
    result = CliRunner().invoke(main, ["-C", str(root), "check", "--format", "github"])
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=content/orientations.yml,line=14,col=21::orientations[0].actions[0]."
        "calendrier : l'année 2035 est hors de la période 2025-2030\n"
    )


def test_annotation_escapes_what_github_reads_as_syntax():
    problem = Problem("content/a,b.yml", 3, 4, "x", "50 % :\nsuite")
    assert (
        github_annotation(problem)
        == "::error file=content/a%2Cb.yml,line=3,col=4::x : 50 %25 :%0Asuite"
    )


def test_ci_templates_run_the_check_the_build_and_the_comment():
    github = yaml.safe_load((MODELE / "ci" / "github.yml").read_text(encoding="utf-8"))
    steps = " ".join(str(s.get("run", "")) for s in github["jobs"]["convention"]["steps"])
    assert "make check-ci" in steps and "make convention extraits" in steps
    assert "cusdoc diff" in steps and "--format markdown" in steps and "gh pr comment" in steps
    gitlab = yaml.safe_load((MODELE / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gitlab["production"]["artifacts"]["paths"] == ["build/"]
    assert any("cusdoc diff" in line for line in gitlab["production"]["script"])
