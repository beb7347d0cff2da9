"""Reviewing a change between two commits of a convention repository."""

import shutil
import subprocess

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn

from cusdoc.cli import main
from tests.conftest import PROJETS

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """Two commits: a target changed, a sentence changed, a section added."""
    root = tmp_path_factory.mktemp("depot")
    shutil.copytree(PROJETS / "minimal" / "content", root / "content")
    git(root, "init", "-q")
    git(root, "-c", "user.name=Camille Rédaction", "-c", "user.email=c@exemple.fr", "add", "-A")
    git(
        root,
        "-c",
        "user.name=Camille Rédaction",
        "-c",
        "user.email=c@exemple.fr",
        "commit",
        "-qm",
        "version déposée",
    )
    content = root / "content"
    edit(
        content / "engagements.yml",
        "valeurs: {2025: 1, 2026: 1, 2027: 1, 2028: 2, 2029: 2, 2030: 2}",
        "valeurs: {2025: 1, 2026: 1, 2027: 2, 2028: 2, 2029: 2, 2030: 2}",
    )
    edit(
        content / "orientations.yml",
        "Produire des logements abordables.",
        "Produire des logements abordables et sobres.",
    )
    edit(
        content / "politique_patrimoniale.yml",
        "      - Le texte du chapitre.\n",
        "      - Le texte du chapitre.\n  - id: pat-vente\n    titre: Le plan de vente\n"
        "    contenu:\n      - Dix logements par an sont proposés à la vente.\n",
    )
    git(
        root,
        "-c",
        "user.name=Dominique Relecture",
        "-c",
        "user.email=d@exemple.fr",
        "commit",
        "-qam",
        "relecture",
    )
    return root


def test_diff_reports_exactly_the_changes(repo):
    result = CliRunner().invoke(main, ["-C", str(repo), "diff", "HEAD~1", "HEAD"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Modifications de la convention\n\n"
        "Engagements chiffrés\n\n"
        "SR-1 Loir-et-Cher (41) total 2027 : 1 → 2 (+1)\n"
        "SR-1 Loir-et-Cher (41) total 2025-2027 : 3 → 4 (+1)\n"
        "SR-1 Loir-et-Cher (41) total 2025-2030 : 9 → 10 (+1)\n\n"
        "Texte\n\n"
        "* 3.1 Développer l'offre (modifié)\n\n"
        "Produire des logements [-abordables.-] {+abordables et sobres.+}\n\n"
        "* 4.2 Le plan de vente (ajouté)\n\n"
        "{+Dix logements par an sont proposés à la vente.+}\n\n"
        "Extraits concernés\n\n"
        "- Loir-et-Cher (41)\n"
        "- Communauté d'agglomération de Blois «\u00a0Agglopolys\u00a0» (200030385)\n"
    )


def test_diff_as_a_pull_request_comment(repo):
    result = CliRunner().invoke(main, ["-C", str(repo), "diff", "HEAD~1", "HEAD", "-f", "markdown"])
    lines = result.stdout.splitlines()
    assert lines[0] == "# Modifications de la convention"
    assert "| SR-1 | Loir-et-Cher (41) | total | 2027 | 1 | 2 | +1 |" in lines
    assert "Produire des logements ~~abordables.~~ **abordables et sobres.**" in lines


def test_suivi_writes_word_revisions_authored_by_the_commit(repo):
    result = CliRunner().invoke(main, ["-C", str(repo), "suivi", "HEAD~1", "HEAD"])
    assert result.exit_code == 0, result.output
    document = docx.Document(repo / "build" / "suivi-des-modifications.docx")
    body = document.element.body
    inserted = ["".join(t.text for t in i.iter(qn("w:t"))) for i in body.iter(qn("w:ins"))]
    deleted = ["".join(t.text for t in d.iter(qn("w:delText"))) for d in body.iter(qn("w:del"))]
    assert "abordables et sobres." in inserted
    assert "abordables." in deleted
    assert "Dix logements par an sont proposés à la vente." in inserted
    authors = {e.get(qn("w:author")) for e in [*body.iter(qn("w:ins")), *body.iter(qn("w:del"))]}
    assert authors == {"Dominique Relecture"}
    ids = [e.get(qn("w:id")) for e in [*body.iter(qn("w:ins")), *body.iter(qn("w:del"))]]
    assert len(ids) == len(set(ids))


def test_unknown_revision(repo):
    result = CliRunner().invoke(main, ["-C", str(repo), "diff", "nulle-part", "HEAD"])
    assert result.exit_code == 1
    assert "révision introuvable : nulle-part" in result.stderr
