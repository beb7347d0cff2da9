"""cusdoc avenant: the changes since the signed version, as the document the parties sign."""

import os
import subprocess

import docx
import pypdfium2
import pytest
from click.testing import CliRunner

from cusdoc.cli import main
from cusdoc.review.avenant import latest_signed
from tests.conftest import (
    EPOCH,
    PROJETS,
    REPO,
    commit_project,
    copy_project,
    docx_printed_text,
    edit,
    leftovers,
)

IDENTITY = ["-c", "user.name=Camille Rédaction", "-c", "user.email=c@exemple.fr"]


def git(root, *args, when="2026-01-01T00:00:00+00:00"):
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(
        ["git", "-C", str(root), *IDENTITY, *args], check=True, capture_output=True, env=env
    )


def avenant(root, *args):
    """cusdoc avenant, as a user runs it: (exit code, standard output, error output)."""
    result = CliRunner().invoke(
        main, ["-C", str(root), "avenant", *args], env={"SOURCE_DATE_EPOCH": EPOCH}
    )
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def flat(text: str) -> str:
    """Text with its no-break spaces as spaces, on one line."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def docx_text(path) -> str:
    return flat(docx_printed_text(path))


def pdf_text(path) -> str:
    pages = pypdfium2.PdfDocument(path)
    return flat(" ".join(page.get_textpage().get_text_range() for page in pages))


# ---------------------------------------------------------------------------------------------
# The example: signed, then one commitment and the text of one action changed on a branch


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example signed (tag signee-2025), then on a branch PP-2 of Loir-et-Cher changed
    (2026: 45 → 50, 2030: 45 → 40) and an action of Indre-et-Loire rewritten; the avenant made
    from it."""
    root = copy_project(REPO, tmp_path_factory.mktemp("exemple"))
    commit_project(root)
    git(root, "tag", "signee-2025")
    git(root, "switch", "-qc", "modification")
    edit(
        root,
        "engagements.yml",
        "valeurs: {2025: 40, 2026: 45, 2027: 45, 2028: 45, 2029: 45, 2030: 45}",
        "valeurs: {2025: 40, 2026: 50, 2027: 45, 2028: 45, 2029: 45, 2030: 40}",
    )
    edit(
        root,
        "orientations.yml",
        '"2026 : lancement dans la métropole',
        '"2027 : lancement dans la métropole',
    )
    git(root, "commit", "-qam", "modification", when="2026-03-01T00:00:00+00:00")
    code, out, err = avenant(root)
    assert code == 0, err
    assert out.splitlines() == [
        f"Produit : {root / 'build' / 'avenant-1.docx'}",
        f"Produit : {root / 'build' / 'avenant-1.pdf'}",
    ]
    return root


@pytest.mark.slow
def test_the_avenant_states_each_change_in_an_article(example):
    document = docx.Document(example / "build" / "avenant-1.docx")
    assert flat(document.paragraphs[2].text) == "Avenant n° 1 à la convention d’utilité sociale"
    headings = [flat(p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "Article 1 — Action 3.1.4 « Accroître la production en Indre-et-Loire et la rééquilibrer "
        "entre les territoires »",
        "Article 2 — Engagements PP-2 : Loir-et-Cher",
        "Article 3 — Dispositions finales",
        "Signatures",
    ]
    text = docx_text(example / "build" / "avenant-1.docx")
    assert (
        "L’action 3.1.4 « Accroître la production en Indre-et-Loire et la rééquilibrer entre les "
        "territoires » de la convention est remplacée par les stipulations suivantes :" in text
    )
    assert "2027 : lancement dans la métropole" in text
    assert (
        "Les engagements de l’indicateur PP-2 (Rénovation énergétique des logements F et G) pour "
        "le département de Loir-et-Cher sont modifiés comme suit : en 2026 : 50 au lieu de 45 ; "
        "en 2030 : 40 au lieu de 45." in text
    )
    assert "Les autres stipulations de la convention demeurent inchangées." in text


@pytest.mark.slow
def test_the_commitments_table_as_it_was_and_as_it_becomes(example):
    document = docx.Document(example / "build" / "avenant-1.docx")
    captions = [flat(p.text) for p in document.paragraphs if p.style.name == "Table Caption"]
    assert captions == [
        "Tableau 1. – PP-2 — Loir-et-Cher : engagements tels qu’ils étaient",
        "Tableau 2. – PP-2 — Loir-et-Cher : engagements tels qu’ils deviennent",
    ]
    was, becomes = ([c.text for c in t.rows[-1].cells] for t in document.tables[:2])
    assert [c.text for c in document.tables[0].rows[0].cells][2:8] == [
        "2025",
        "2026",
        "2027",
        "2028",
        "2029",
        "2030",
    ]
    assert was[2:10] == ["40", "45", "45", "45", "45", "45", "130", "265"]
    assert becomes[2:10] == ["40", "50", "45", "45", "45", "40", "135", "265"]


@pytest.mark.slow
def test_the_visas_name_the_signed_convention(example):
    text = docx_text(example / "build" / "avenant-1.docx")
    assert (
        "Vu : le code de la construction et de l’habitation, notamment ses articles L. 445-1 et "
        "suivants et R. 445-1 et suivants ; la convention d’utilité sociale d’Habitat Loire et "
        "Sologne pour les années 2025 à 2030, signée le 1er janvier 2026 ; la délibération" in text
    )


@pytest.mark.slow
def test_only_the_parties_concerned_sign(example):
    """The action is Indre-et-Loire's: its Département signs; Tours Métropole, a signatory of the
    convention, has no change on its territory (an action of the département is not its own)."""
    document = docx.Document(example / "build" / "avenant-1.docx")
    signatures = document.tables[-1]
    blocks = [flat(cell.text) for row in signatures.rows for cell in row.cells if cell.text]
    assert [block.split(",")[0] for block in blocks] == [
        "Pour l’État",
        "Pour Habitat Loire et Sologne",
        "Pour le Département d’Indre-et-Loire",
    ]
    text = docx_text(example / "build" / "avenant-1.docx")
    assert "Fait à Orléans, le ………………………, en 3 exemplaires originaux." in text
    parties = text.split("Entre les soussignés :")[1].split("il est convenu")[0]
    assert "Claire Delaunay" in parties
    assert "Antoine Rivière" not in text


@pytest.mark.slow
def test_the_pdf_says_the_same(example):
    text = pdf_text(example / "build" / "avenant-1.pdf")
    assert "Avenant n° 1 à la convention d’utilité sociale" in text
    assert "Article 1 — Action 3.1.4" in text
    assert "en 2026 : 50 au lieu de 45 ;" in text
    assert "engagements tels qu’ils étaient" in text
    assert "engagements tels qu’ils deviennent" in text
    assert "Claire Delaunay" in text
    assert "Antoine Rivière" not in text


@pytest.mark.slow
def test_nothing_of_the_drafting_is_printed(example):
    for text in (
        docx_printed_text(example / "build" / "avenant-1.docx"),
        pdf_text(example / "build" / "avenant-1.pdf"),
    ):
        assert leftovers(text) == []
        assert "signee" not in text
        assert "travail" not in text  # the working tree's revision name


@pytest.mark.slow
def test_the_avenant_is_reproducible(example):
    paths = [example / "build" / f"avenant-1.{fmt}" for fmt in ("docx", "pdf")]
    first = [path.read_bytes() for path in paths]
    code, _, err = avenant(example)
    assert code == 0, err
    assert [path.read_bytes() for path in paths] == first


# ---------------------------------------------------------------------------------------------
# The signed versions, on the small project


@pytest.fixture
def signed(tmp_path):
    """The minimal project committed and tagged signee-2025 (on 1 January 2026)."""
    root = copy_project(PROJETS / "minimal", tmp_path)
    commit_project(root)
    git(root, "tag", "signee-2025")
    return root


G1 = "valeurs: {2025: 1150, 2026: 1160, 2027: 1170, 2028: 1180, 2029: 1190, 2030: 1200}"


def change_g1(root, year_2026: int) -> None:
    path = root / "content" / "engagements.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("valeurs: {2025: 1150, 2026: ")
    end = text.index(",", start + len("valeurs: {2025: 1150, "))
    path.write_text(text[:start] + f"valeurs: {{2025: 1150, 2026: {year_2026}" + text[end:])


def test_without_a_signed_version_the_error_says_how_to_mark_it(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    commit_project(root)
    code, _, err = avenant(root)
    assert code == 1
    assert err.startswith("aucune version signée : marquez le commit de la convention signée")
    assert "git tag signee-2025 <commit>" in err
    assert not (root / "build").exists()


def test_outside_git_the_error_says_so(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    code, _, err = avenant(root, "signee-2025")
    assert code == 1
    assert err.startswith("le projet n'est pas dans un dépôt git")


def test_an_unknown_base_is_named(signed):
    code, _, err = avenant(signed, "signee-2019")
    assert code == 1
    assert err.strip() == "révision introuvable : signee-2019"


def test_without_a_change_there_is_no_avenant(signed):
    code, _, err = avenant(signed)
    assert code == 1
    assert err.strip() == (
        "aucune modification depuis la version signée (signee-2025) : pas d'avenant à produire"
    )
    assert not (signed / "build" / "avenant-1.docx").exists()


def test_the_number_is_given(signed):
    change_g1(signed, 1165)
    code, _, err = avenant(signed, "--numero", "3")
    assert code == 0, err
    assert sorted(p.name for p in (signed / "build").glob("avenant-*")) == [
        "avenant-3.docx",
        "avenant-3.pdf",
    ]
    text = docx_text(signed / "build" / "avenant-3.docx")
    assert "Avenant n° 3 à la convention d’utilité sociale" in text
    # an organisation-wide commitment: the EPCI that signed the convention does not sign
    assert "en 2026 : 1 165 € au lieu de 1 160 €." in text
    assert "pour l’ensemble de l’organisme" in text
    assert "Paul Durand" not in text


def test_the_number_follows_the_avenants_signed_since(signed):
    """avenant-1 signed after the convention: the next is n° 2, and it amends the text as
    avenant 1 left it. An avenant tag of an older convention does not count."""
    change_g1(signed, 1165)
    git(signed, "commit", "-qam", "avenant 1", when="2026-06-15T00:00:00+00:00")
    git(signed, "tag", "avenant-1")
    change_g1(signed, 1170)
    code, _, err = avenant(signed)
    assert code == 0, err
    text = docx_text(signed / "build" / "avenant-2.docx")
    assert "Avenant n° 2 à la convention d’utilité sociale" in text
    assert (
        "signée le 1er janvier 2026 ; l’avenant n° 1 à cette convention, signé le 15 juin 2026"
        in text
    )
    assert "en 2026 : 1 170 € au lieu de 1 165 €." in text
    assert "la convention, telle que modifiée par l’avenant n° 1, demeurent inchangées" in text


def test_an_avenant_of_an_earlier_convention_is_not_counted(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    commit_project(root)
    git(root, "tag", "avenant-1")  # an avenant of the convention before
    change_g1(root, 1165)
    git(root, "commit", "-qam", "nouvelle convention", when="2026-02-01T00:00:00+00:00")
    git(root, "tag", "signee-2025")
    change_g1(root, 1170)
    code, _, err = avenant(root)
    assert code == 0, err
    assert (root / "build" / "avenant-1.docx").exists()


def test_the_latest_signed_version_is_the_default_base(signed):
    """By date, then by name: a later signed version wins whatever its name."""
    change_g1(signed, 1165)
    git(signed, "commit", "-qam", "v2", when="2027-01-01T00:00:00+00:00")
    git(signed, "tag", "-a", "signee-2019", "-m", "signée", when="2027-01-02T00:00:00+00:00")
    assert latest_signed(signed) == "signee-2019"
    git(signed, "tag", "-a", "signee-2030", "-m", "signée", when="2027-01-02T00:00:00+00:00")
    assert latest_signed(signed) == "signee-2030"


def chapter(*sections: str) -> str:
    """A chapter of content/ whose sections are given as (id, title, text) lines."""
    lines = ["titre: Politique patrimoniale et d'investissement", "sections:"]
    for ident, titre, texte in (section.split("|") for section in sections):
        lines += [f"  - id: {ident}", f"    titre: {titre}", "    contenu:", f"      - {texte}"]
    return "\n".join(lines) + "\n"


def test_parts_added_removed_and_renamed(tmp_path):
    """A section added, one removed, a title changed; a renvoi that now prints another number
    does not make its paragraph an article: the renumbering sentence covers it."""
    root = copy_project(PROJETS / "minimal", tmp_path)
    path = root / "content" / "politique_patrimoniale.yml"
    principes = "pat-principes|Principes|Le texte du chapitre."
    vente = "pat-vente|La vente|Dix logements par an."
    path.write_text(chapter(principes, vente, "pat-archives|Archives|Un texte ancien."))
    edit(root, "gestion_sociale.yml", "Le texte du chapitre.", "Voir §[pat-vente].")
    commit_project(root)
    git(root, "tag", "signee-2025")
    path.write_text(chapter(principes, "pat-travaux|Les travaux|Vingt logements par an.", vente))
    edit(root, "qualite_service.yml", "titre: Principes", "titre: Nos principes")
    code, _, err = avenant(root)
    assert code == 0, err
    document = docx.Document(root / "build" / "avenant-1.docx")
    headings = [flat(p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "Article 1 — Section 4.3 « Archives »",
        "Article 2 — Section 4.2 « Les travaux »",
        "Article 3 — Section 6.1 « Principes »",
        "Article 4 — Dispositions finales",
        "Signatures",
    ]
    text = docx_text(root / "build" / "avenant-1.docx")
    assert (
        "Il est ajouté au chapitre 4 « Politique patrimoniale et d’investissement » de la "
        "convention une section 4.2 « Les travaux », ainsi rédigée : 4.2 Les travaux Vingt "
        "logements par an. Les sections qui suivent la section 4.2 « Les travaux » sont "
        "renumérotées en conséquence, ainsi que les renvois qui les citent. Article 3" in text
    )
    assert "La section 4.3 « Archives » de la convention est supprimée. Article 2" in text
    assert (
        "L’intitulé de la section 6.1 « Principes » de la convention devient « Nos principes »."
        in text
    )


def test_a_signatory_epci_signs_for_its_commitments(signed):
    edit(
        signed,
        "engagements.yml",
        "valeurs: {2025: 25, 2026: 25, 2027: 26,",
        "valeurs: {2025: 25, 2026: 25, 2027: 27,",
    )
    code, _, err = avenant(signed)
    assert code == 0, err
    document = docx.Document(signed / "build" / "avenant-1.docx")
    blocks = [flat(c.text) for row in document.tables[-1].rows for c in row.cells if c.text]
    assert [block.split(",")[0] for block in blocks] == [
        "Pour l’État",
        "Pour Habitat Exemple",
        "Pour la Communauté d’agglomération de Blois « Agglopolys »",
    ]
    text = docx_text(signed / "build" / "avenant-1.docx")
    assert (
        "Les engagements de l’indicateur PS-1 (Attributions hors QPV au premier quartile) pour "
        "la Communauté d’agglomération de Blois « Agglopolys » sont modifiés comme suit : en "
        "2027 : 27,0 % au lieu de 26,0 %." in text
    )
