"""A signable document: drafting notes and unverified wordings are warnings, never printed; the
signature version is refused while one remains; the cover says which version it is."""

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from cusdoc import TEMPLATES
from cusdoc.cli import main
from cusdoc.pipeline import build, check, document, prepare
from cusdoc.render import render_markdown
from tests.conftest import (
    EPOCH,
    PROJETS,
    REPO,
    commit_project,
    copy_project,
    docx_printed_text,
    leftovers,
)
from tests.regenerate_golden import GOLDEN

QUALITE = """titre: Engagements de qualité de service
note_de_redaction: Relire avec la direction de la clientèle.
sections:
  - titre: Principes
    contenu:
      - note_de_redaction: |
          Chiffres 2024 à confirmer
          avec la DAF.
      - Le texte du chapitre.
      - "Un texte <b>gras</b>."
"""
NOTES = [
    "content/qualite_service.yml:2:1: note_de_redaction : avertissement : note de rédaction "
    "(jamais imprimée) : « Relire avec la direction de la clientèle. »",
    "content/qualite_service.yml:6:9: sections[0].contenu[0].note_de_redaction : "
    "avertissement : note de rédaction (jamais imprimée) : « Chiffres 2024 à confirmer avec "
    "la DAF. »",
]
UNVERIFIED_PS1 = (
    "content/engagements.yml:27:3: engagements.PS-1 : avertissement : formulation de PS-1 non "
    "relue sur Légifrance (catalogue des indicateurs) : relisez-la, puis déclarez-la dans "
    "« intitules_verifies » de content/convention.yml"
)


def cusdoc(root: Path, *args: str):
    return CliRunner().invoke(main, ["-C", str(root), *args])


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / "content" / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def minimal(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return copy_project(PROJETS / "minimal", tmp_path / "projet")


@pytest.fixture
def drafted(minimal) -> Path:
    """The minimal project with drafting notes, a working phrase and an unread wording."""
    (minimal / "content" / "qualite_service.yml").write_text(
        QUALITE.replace("<b>gras</b>", "à compléter"), encoding="utf-8"
    )
    edit(minimal, "convention.yml", "  - {indicateur: PS-1,", "  # - {indicateur: PS-1,")
    return minimal


def test_check_lists_every_warning_with_its_position_and_passes(drafted):
    result = cusdoc(drafted, "check")
    assert result.exit_code == 0
    assert result.stdout == "Contenu valide : 8 chapitres, période 2025-2030.\n"
    assert result.stderr.splitlines() == [
        UNVERIFIED_PS1,
        *NOTES,
        "content/qualite_service.yml:10:9: sections[0].contenu[1] : avertissement : "
        "« à compléter » dans un texte imprimé : réglez le point avant la signature, ou écrivez "
        "la remarque dans une clé « note_de_redaction »",
        "4 avertissements : la version de signature (--signature) est refusée tant qu'il en reste.",
    ]


def test_check_signature_fails_and_github_annotates_warnings(drafted):
    result = cusdoc(drafted, "check", "--signature")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[-2:] == [
        "le projet n'est pas dans un dépôt git : la version de signature est celle d'un "
        "commit, dont les propriétés du document gardent l'identifiant",
        "Version de signature refusée : 5 points à régler.",
    ]
    annotations = cusdoc(drafted, "check", "--format", "github").stdout.splitlines()
    assert annotations[1] == (
        "::warning file=content/qualite_service.yml,line=2,col=1::note_de_redaction : note de "
        "rédaction (jamais imprimée) : « Relire avec la direction de la clientèle. »"
    )
    assert [a.split("::")[1] for a in annotations[:4]] == [
        "warning file=content/engagements.yml,line=27,col=3",
        "warning file=content/qualite_service.yml,line=2,col=1",
        "warning file=content/qualite_service.yml,line=6,col=9",
        "warning file=content/qualite_service.yml,line=10,col=9",
    ]


def test_a_note_is_taken_out_and_the_blocks_after_it_keep_their_positions(minimal):
    (minimal / "content" / "qualite_service.yml").write_text(QUALITE, encoding="utf-8")
    result = cusdoc(minimal, "check")
    # The paragraph after the note is contenu[1], on its own line, as the writer reads it; the
    # tag is placed where it is typed.
    assert result.stderr.splitlines()[0] == (
        "content/qualite_service.yml:10:19: sections[0].contenu[1] : balise HTML ou XML non "
        "acceptée : « <b> » ; écrivez le texte sans balise : *italique*, **gras**, listes avec "
        "la clé « liste »"
    )
    edit(minimal, "qualite_service.yml", '      - "Un texte <b>gras</b>."\n', "")
    (convention,) = prepare(minimal)
    markdown = render_markdown(convention, TEMPLATES)
    assert "Le texte du chapitre." in markdown
    assert "DAF" not in markdown and "clientèle" not in markdown


def test_a_note_must_be_a_text(minimal):
    edit(
        minimal,
        "gestion_sociale.yml",
        "titre: Engagements",
        "note_de_redaction: [a, b]\ntitre: Engagements",
    )
    result = cusdoc(minimal, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "content/gestion_sociale.yml:1:1: note_de_redaction : une note de rédaction est un texte"
    )


def test_the_signature_build_refuses_a_note_and_keeps_the_last_deliverables(minimal):
    commit_project(minimal)
    assert cusdoc(minimal, "build", "--format", "md").exit_code == 0
    before = (minimal / "build" / "convention.md").read_bytes()
    (minimal / "content" / "qualite_service.yml").write_text(
        QUALITE.replace('      - "Un texte <b>gras</b>."\n', ""), encoding="utf-8"
    )
    commit_project(minimal, "notes")
    result = cusdoc(minimal, "build", "--format", "md", "--signature")
    assert result.exit_code == 1
    assert type(result.exception) is SystemExit  # a French message, no traceback
    assert (
        result.stderr
        == "\n".join([*NOTES, "Version de signature refusée : 2 points à régler."]) + "\n"
    )
    assert (minimal / "build" / "convention.md").read_bytes() == before


def test_the_signature_build_refuses_uncommitted_changes(minimal):
    commit_project(minimal)
    edit(minimal, "gestion_sociale.yml", "Le texte", "Le nouveau texte")
    result = cusdoc(minimal, "extrait", "--tous", "--signature")
    assert result.exit_code == 1
    assert result.stderr == (
        "modifications non enregistrées (content/gestion_sociale.yml) : enregistrez-les dans "
        "un commit, la version de signature est celle d'un commit\n"
        "Version de signature refusée : 1 point à régler.\n"
    )
    assert not (minimal / "build" / "extraits").exists()


@pytest.mark.slow
def test_the_signature_docx_is_reproducible_and_names_its_commit_in_its_properties(minimal):
    commit = commit_project(minimal)
    first = build(minimal, ("docx",), signature=True)[0].read_bytes()
    for path in (minimal / "build" / ".cache" / "convention").iterdir():
        path.unlink()
    path = build(minimal, ("docx",), signature=True)[0]
    assert path.read_bytes() == first
    document = docx.Document(path)
    assert document.core_properties.version == f"commit {commit}"
    assert document.core_properties.content_status == "Version signée"
    text = docx_printed_text(path)
    assert "Version signée du 1er janvier 2026" in text
    assert commit[:7] not in text and leftovers(text) == []


def test_a_project_build_records_its_number_and_uncommitted_changes(minimal):
    commit = commit_project(minimal)
    edit(
        minimal, "convention.yml", "lieu_signature:", "version: {numero_projet: 4}\nlieu_signature:"
    )
    path = build(minimal, ("docx",))[0]
    properties = docx.Document(path).core_properties
    assert properties.content_status == "Projet n° 4"
    assert properties.version == f"commit {commit} avec des modifications non enregistrées"
    assert "Projet n°\u00a04 du 1er janvier 2026" in docx_printed_text(path)


def test_a_verified_wording_is_printed_in_the_organisations_words(minimal):
    edit(
        minimal,
        "convention.yml",
        '  - {indicateur: SR-1, date: 2025-04-02, source: "CCH, art. R. 445-5 (test)"}',
        '  - {indicateur: SR-1, date: 2025-04-02, source: "CCH, art. R. 445-5 (test)", '
        "intitule: Nombre de logements adaptés relu.}",
    )
    (convention,) = prepare(minimal)
    markdown = render_markdown(convention, TEMPLATES)
    assert "*Nombre de logements adaptés relu.*" in markdown
    assert "handicapées ou à mobilité réduite" not in markdown


def test_the_printed_threshold_is_the_one_applied(minimal):
    edit(minimal, "convention.yml", "lieu_signature:", "secret_statistique: 7\nlieu_signature:")
    convention, extrait = prepare(minimal, [None, "41"])
    markdown = render_markdown(extrait, TEMPLATES)
    assert "les effectifs de moins de 7 ménages sont masqués" in markdown
    assert "s\u00a0: secret statistique (effectif inférieur à 7, ou qui permettrait" in markdown
    assert "inférieur à 5" not in render_markdown(convention, TEMPLATES)


def test_a_threshold_below_the_insee_frequency_rule_is_refused(minimal):
    edit(minimal, "convention.yml", "lieu_signature:", "secret_statistique: 2\nlieu_signature:")
    result = cusdoc(minimal, "check")
    assert result.exit_code == 1
    assert result.stderr == (
        "content/convention.yml:39:21: secret_statistique : seuil du secret statistique trop "
        "bas (2) : 3 au moins, la règle de fréquence de l'Insee (aucun résultat publié ne "
        "repose sur moins de 3 unités)\n1 problème à corriger dans le contenu.\n"
    )


@pytest.mark.slow
def test_no_printed_markdown_holds_a_drafting_leftover(monkeypatch):
    """The convention of the example and of the minimal project, and every extract of the
    example, as Markdown: the text that the DOCX and the PDF are made of."""
    for name in GOLDEN:
        text = (Path(__file__).parent / "golden" / name).read_text(encoding="utf-8")
        assert leftovers(text) == [], name
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project = check(REPO)
    assert project.warnings == []
    for partenaire in project.partenaires:
        markdown = render_markdown(document(project, partenaire.code), TEMPLATES)
        assert "- **Version\u00a0:** Projet n°\u00a03 du 1^er^ janvier 2026\u202f;" in markdown
        assert leftovers(markdown) == [], partenaire.code
