"""Reviewing a change between two commits of a convention repository."""

import shutil
import subprocess
import zipfile

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from lxml import etree

from cusdoc.cli import main
from cusdoc.export.convert import TEMPLATES
from cusdoc.review.diff import word_diff
from cusdoc.review.tracked import diff_blocks
from tests.conftest import PROJETS, typed_data_kept

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
        "valeurs: {2025: 1, 2026: 0, 2027: 1, 2028: 1, 2029: 1, 2030: 0}",
        "valeurs: {2025: 1, 2026: 0, 2027: 2, 2028: 1, 2029: 1, 2030: 0}",
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
        "SR-1 Loir-et-Cher (41) total 2025-2027 : 2 → 3 (+1)\n"
        "SR-1 Loir-et-Cher (41) total 2025-2030 : 4 → 5 (+1)\n\n"
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


@pytest.mark.slow
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


@pytest.mark.parametrize("command", ["diff", "suivi"])
def test_a_revision_of_an_empty_tree_is_named_as_failing_its_check(repo, command):
    """A commit with no file at all (git checkout --orphan; git commit --allow-empty): git's
    archive of it is a lone header, which used to end in a traceback."""
    empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's, whatever the repository
    commit = subprocess.run(
        ["git", "-C", str(repo), *RELECTURE, "commit-tree", empty_tree, "-m", "vide"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    git(repo, "tag", "-f", "vide", commit)
    result = CliRunner().invoke(main, ["-C", str(repo), command, "vide", "HEAD"])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[:2] == [
        "la version vide ne passe pas la vérification :",
        "content/convention.yml:1:1: fichier introuvable",
    ]


@pytest.mark.parametrize("command", ["diff", "suivi"])
def test_a_revision_holding_a_link_out_of_the_project_is_not_read(repo, command):
    """A committed symbolic link to /etc/passwd: refused by the archive's filter, in French."""

    def out(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    blob = subprocess.run(
        ["git", "-C", str(repo), "hash-object", "-w", "--stdin"],
        input="/etc/passwd",
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"120000,{blob},content/donnees/lien.csv")
    tree = out("write-tree")
    git(repo, "read-tree", "HEAD")  # the index as it was
    commit = out(*RELECTURE, "commit-tree", tree, "-p", "HEAD", "-m", "lien")
    git(repo, "tag", "-f", "lien", commit)
    result = CliRunner().invoke(main, ["-C", str(repo), command, "HEAD", "lien"])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        "la révision lien contient un lien ou un chemin qui sort du projet "
        "(content/donnees/lien.csv) : elle n'est pas lue"
    )


# Tables: a changed engagement value or cell is a revision in its own cell.

RELECTURE = ["-c", "user.name=Dominique Relecture", "-c", "user.email=d@exemple.fr"]
SR1_BEFORE = "valeurs: {2025: 1, 2026: 0, 2027: 1, 2028: 1, 2029: 1, 2030: 0}"
SR1_AFTER = "valeurs: {2025: 1, 2026: 0, 2027: 2, 2028: 1, 2029: 1, 2030: 0}"


def first_commit(root, with_templates=False):
    shutil.copytree(PROJETS / "minimal" / "content", root / "content")
    if with_templates:
        shutil.copytree(TEMPLATES, root / "templates", ignore=shutil.ignore_patterns("fonts"))
        edit(
            root / "templates" / "convention.md.j2",
            '{% include "signatures.md.j2" %}',
            'Gabarit propre au projet.\n\n{% include "signatures.md.j2" %}',
        )
    git(root, "init", "-q")
    git(root, *RELECTURE, "add", "-A")
    git(root, *RELECTURE, "commit", "-qm", "version déposée")


def change_tables(root):
    """SR-1 for Loir-et-Cher in 2027, and one cell of the writer's table in chapter 2."""
    edit(root / "content" / "engagements.yml", SR1_BEFORE, SR1_AFTER)
    edit(
        root / "content" / "etat_des_lieux.yml",
        '[PLAI, "200", "16,7 %"]',
        '[PLAI, "210", "16,7 %"]',
    )


@pytest.fixture(scope="module")
def depot_tableaux(tmp_path_factory):
    """Two commits: one engagement value and one cell of a writer's table changed."""
    root = tmp_path_factory.mktemp("depot-tableaux")
    first_commit(root)
    change_tables(root)
    git(root, *RELECTURE, "commit", "-qam", "relecture des tableaux")
    return root


def suivi(root, *revisions):
    result = CliRunner().invoke(main, ["-C", str(root), "suivi", *revisions])
    assert result.exit_code == 0, result.output
    path = root / "build" / "suivi-des-modifications.docx"
    with zipfile.ZipFile(path) as archive:
        body = etree.fromstring(archive.read("word/document.xml")).find(f"{W}body")
    docx.Document(path)  # opens in python-docx
    return body


def plain(text):
    """Typographic spaces (cusdoc's French typography) read as ordinary ones."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def revisions(element, kind):
    return list(element.iter(f"{W}{kind}"))


def inserted(element):
    return [plain("".join(t.text for t in i.iter(f"{W}t"))) for i in revisions(element, "ins")]


def deleted(element):
    return [
        plain("".join(t.text for t in d.iter(f"{W}delText"))) for d in revisions(element, "del")
    ]


def text(element):
    """What an element reads, deletions left out."""
    return plain("".join(t.text for t in element.iter(f"{W}t")))


def table_captioned(body, caption):
    """The w:tbl after the caption paragraph reading `caption`."""
    for paragraph in body.iter(f"{W}p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        is_caption = style is not None and style.get(f"{W}val") == "TableCaption"
        if is_caption and text(paragraph) == caption:
            table = paragraph.getnext()
            assert table.tag == f"{W}tbl"
            return table
    raise AssertionError(f"pas de tableau « {caption} »")


def cells(table):
    """The table's w:tc, row by row."""
    return [row.findall(f"{W}tc") for row in table.findall(f"{W}tr")]


def assert_unique_ids(body):
    ids = [e.get(f"{W}id") for e in [*revisions(body, "ins"), *revisions(body, "del")]]
    assert ids and len(ids) == len(set(ids))


def test_suivi_marks_a_changed_engagement_in_its_cell(depot_tableaux):
    body = suivi(depot_tableaux, "HEAD~1", "HEAD")
    (header, total) = cells(table_captioned(body, "SR-1 — Loir-et-Cher"))
    columns = [text(c) for c in header]
    changed = {
        columns.index("2027"): ("1", "2"),
        columns.index("Cumul 3 ans"): ("2", "3"),
        columns.index("Cumul 6 ans"): ("4", "5"),
    }
    for i, cell in enumerate(total):
        if i in changed:
            old, new = changed[i]
            assert (deleted(cell), inserted(cell)) == ([old], [new])
            assert text(cell) == new
        else:
            assert not revisions(cell, "ins") and not revisions(cell, "del"), columns[i]
    assert not [c for c in header if revisions(c, "ins") or revisions(c, "del")]
    assert_unique_ids(body)


@pytest.mark.slow
def test_suivi_marks_a_changed_cell_of_a_writers_table(depot_tableaux):
    body = suivi(depot_tableaux, "HEAD~1", "HEAD")
    table = table_captioned(body, "Logements par financement")
    rows = cells(table)
    assert [[text(c) for c in row] for row in rows] == [
        ["Financement", "Logements", "Part"],
        ["PLAI", "210", "16,7 %"],
        ["PLUS", "1 000", "83,3 %"],
    ]
    assert (deleted(rows[1][1]), inserted(rows[1][1])) == (["200"], ["210"])
    others = [c for row in rows for c in row if c is not rows[1][1]]
    assert not [c for c in others if revisions(c, "ins") or revisions(c, "del")]
    assert not [p for p in table.iter(f"{W}trPr") if revisions(p, "ins") or revisions(p, "del")]
    authors = {e.get(f"{W}author") for e in [*revisions(body, "ins"), *revisions(body, "del")]}
    assert authors == {"Dominique Relecture"}
    assert_unique_ids(body)


@pytest.mark.slow
def test_suivi_with_the_projects_own_templates(tmp_path):
    """Each version is converted with its own templates while its checkout still exists."""
    first_commit(tmp_path, with_templates=True)
    change_tables(tmp_path)
    git(tmp_path, *RELECTURE, "commit", "-qam", "relecture des tableaux")
    body = suivi(tmp_path, "HEAD~1", "HEAD")
    assert "Gabarit propre au projet." in [text(p) for p in body.iter(f"{W}p")]
    (_, total) = cells(table_captioned(body, "SR-1 — Loir-et-Cher"))
    assert ["1"] in [deleted(c) for c in total]
    assert_unique_ids(body)


@pytest.mark.slow
def test_suivi_of_the_working_tree(depot_tableaux, tmp_path):
    """Uncommitted: a row replaced in a writer's table, a cell of an action's table changed."""
    root = tmp_path / "depot"
    shutil.copytree(depot_tableaux, root)
    git(root, "config", "user.name", "Claude Travail")
    edit(
        root / "content" / "etat_des_lieux.yml",
        '[PLUS, "1 000", "83,3 %"]',
        '[PLS, "80", "6,7 %"]',
    )
    edit(root / "content" / "orientations.yml", "dont 35 % de PLAI.", "dont 40 % de PLAI.")
    body = suivi(root, "HEAD", "travail")

    rows = table_captioned(body, "Logements par financement").findall(f"{W}tr")
    assert len(rows) == 4  # the header, PLAI, PLUS struck through, PLS inserted
    removed, added = rows[2], rows[3]
    assert [deleted(c) for c in removed.findall(f"{W}tc")] == [["PLUS"], ["1 000"], ["83,3 %"]]
    assert text(removed) == ""
    assert revisions(removed.find(f"{W}trPr"), "del")  # accepting removes the row
    assert [inserted(c) for c in added.findall(f"{W}tc")] == [["PLS"], ["80"], ["6,7 %"]]
    assert not deleted(added)
    assert revisions(added.find(f"{W}trPr"), "ins")  # rejecting removes the row
    assert not revisions(rows[1], "ins") and not revisions(rows[1], "del")

    # The action's table, made by export/ast.py from a ::: {.tableau} Div.
    action = next(t for t in body.iter(f"{W}tbl") if text(t).startswith("Aujourd’hui"))
    (_, row) = cells(action)
    assert (deleted(row[1]), inserted(row[1])) == (["35 %"], ["40 %"])
    assert not revisions(row[0], "ins") and not revisions(row[2], "del")
    authors = {e.get(f"{W}author") for e in [*revisions(body, "ins"), *revisions(body, "del")]}
    assert authors == {"Claude Travail"}
    assert_unique_ids(body)


# Tables in pandoc's AST (pandoc 3: attr, caption, colspecs, head, bodies, foot).

AUTHOR, DATE = "Dominique Relecture", "2026-01-01T00:00:00+00:00"
NO_ATTR = ["", [], []]


def words(text):
    out = []
    for word in text.split():
        out += [{"t": "Space"}, {"t": "Str", "c": word}]
    return out[1:]


def cell(text, rowspan=1):
    blocks = [{"t": "Plain", "c": words(text)}] if text else []
    return [NO_ATTR, {"t": "AlignDefault"}, rowspan, 1, blocks]


def row(*texts):
    return [NO_ATTR, [cell(t) for t in texts]]


def table(caption, header, *rows):
    specs = [[{"t": "AlignDefault"}, {"t": "ColWidthDefault"}] for _ in header]
    return {
        "t": "Table",
        "c": [
            NO_ATTR,
            [None, [{"t": "Plain", "c": words(caption)}]],
            specs,
            [NO_ATTR, [row(*header)]],
            [[NO_ATTR, 0, [], list(rows)]],
            [NO_ATTR, []],
        ],
    }


def spans(node, kind):
    """The words in `kind` spans, span by span."""
    found = []
    if isinstance(node, list):
        for child in node:
            found += spans(child, kind)
    elif isinstance(node, dict):
        if node.get("t") == "Span" and kind in node["c"][0][1]:
            found.append(" ".join(w["c"] for w in node["c"][1] if w["t"] == "Str"))
        else:
            found += spans(node.get("c"), kind)
    return found


def body_rows(result):
    return result["c"][4][0][3]


def test_diff_table_cell_by_cell():
    before = table("Logements par financement", ["Financement", "Logements"], row("PLAI", "200"))
    after = table("Logements par financement", ["Financement", "Logements"], row("PLAI", "210"))
    (result,) = diff_blocks([before], [after], AUTHOR, DATE)
    (plai,) = body_rows(result)
    assert plai[1][0] == cell("PLAI")
    assert (spans(plai[1][1], "deletion"), spans(plai[1][1], "insertion")) == (["200"], ["210"])
    assert result["c"][3] == after["c"][3]  # the header untouched


def test_diff_table_keeps_a_removed_row_struck_through():
    header = ["Financement", "Logements"]
    before = table("T", header, row("PLAI", "200"), row("PLUS", "1000"), row("PLS", "50"))
    after = table("T", header, row("PLAI", "200"), row("PLS", "60"), row("PLI", "5"))
    (result,) = diff_blocks([before], [after], AUTHOR, DATE)
    plai, plus, pls, pli = body_rows(result)
    assert plai == row("PLAI", "200")
    assert spans(plus, "deletion") == ["PLUS", "1000"] and not spans(plus, "insertion")
    assert plus[0][1] == ["deletion"]  # the whole row, for its w:tr
    assert (spans(pls, "deletion"), spans(pls, "insertion")) == (["50"], ["60"])
    assert pls[0][1] == []
    assert spans(pli, "insertion") == ["PLI", "5"] and pli[0][1] == ["insertion"]


def test_diff_table_caption():
    before = table("Logements par financement", ["A"], row("1"))
    after = table("Logements selon le financement", ["A"], row("1"))
    (result,) = diff_blocks([before], [after], AUTHOR, DATE)
    caption = result["c"][1][1]
    assert (spans(caption, "deletion"), spans(caption, "insertion")) == (["par"], ["selon le"])
    assert body_rows(result) == [row("1")]


def test_diff_table_of_another_shape_is_replaced_whole():
    before = table("T", ["Financement", "Logements"], row("PLAI", "200"))
    after = table("T", ["Financement", "Logements", "Part"], row("PLAI", "200", "16,7 %"))
    old, new = diff_blocks([before], [after], AUTHOR, DATE)
    assert spans(old, "deletion") == ["T", "Financement", "Logements", "PLAI", "200"]
    assert not spans(old, "insertion")
    assert spans(new, "insertion") == [
        "T",
        "Financement",
        "Logements",
        "Part",
        "PLAI",
        "200",
        "16,7 %",
    ]
    assert not spans(new, "deletion")
    assert [r[0][1] for r in body_rows(old)] == [["deletion"]]
    assert [r[0][1] for r in body_rows(new)] == [["insertion"]]


def test_diff_table_with_merged_cells_of_another_grid_is_replaced_whole():
    merged = [NO_ATTR, [cell("PLAI", rowspan=2), cell("200")]]
    before = table("T", ["A", "B"], merged, row("210"))
    after = table("T", ["A", "B"], row("PLAI", "200"), row("PLUS", "210"))
    old, new = diff_blocks([before], [after], AUTHOR, DATE)
    assert spans(old, "deletion") and spans(new, "insertion")


def test_diff_table_inside_a_div_and_after_a_new_paragraph():
    before = [{"t": "Div", "c": [["", ["bloc"], []], [table("T", ["A", "B"], row("x", "1"))]]}]
    after = [
        {
            "t": "Div",
            "c": [
                ["", ["bloc"], []],
                [{"t": "Para", "c": words("Nouveau.")}, table("T", ["A", "B"], row("x", "2"))],
            ],
        }
    ]
    (div,) = diff_blocks(before, after, AUTHOR, DATE)
    para, result = div["c"][1]
    assert spans(para, "insertion") == ["Nouveau."]
    ((x, value),) = [r[1] for r in body_rows(result)]
    assert x == cell("x")
    assert (spans(value, "deletion"), spans(value, "insertion")) == (["1"], ["2"])


def test_diff_blocks_removed_table_and_list_stay_struck_through():
    removed = [
        table("T", ["A"], row("x")),
        {"t": "BulletList", "c": [[{"t": "Plain", "c": words("un point")}]]},
    ]
    result = diff_blocks(removed, [], AUTHOR, DATE)
    assert spans(result, "deletion") == ["T", "A", "x", "un point"]


def test_diff_blocks_removed_heading_leaves_its_id():
    heading = {"t": "Header", "c": [2, ["s-4-1", [], []], words("Le plan de vente")]}
    (result,) = diff_blocks([heading], [], AUTHOR, DATE)
    assert result["c"][1] == ["", [], []]
    assert spans(result, "deletion") == ["Le plan de vente"]


def test_a_revisions_typed_data_is_not_kept_in_its_passing_folder(repo, monkeypatch):
    """A revision is checked in a temporary folder that is deleted once read: its typed data is
    not copied there (a copy still running would write into a folder being deleted)."""
    from cusdoc.load import data as loading
    from cusdoc.review.diff import load

    copies = []
    monkeypatch.setattr(loading, "_TYPED", {})  # typed afresh, as by a new process
    monkeypatch.setattr(loading, "_UNKEPT", set())
    monkeypatch.setattr(loading, "_copy", lambda db, path: copies.append(path))
    load(repo, "HEAD~1")
    typed_data_kept()
    assert copies == []
    loading.keep(loading.load_data(repo)[0], repo)  # the project's own data: kept
    typed_data_kept()
    assert [path.parent for path in copies] == [repo / "build" / ".cache" / "donnees"]


def test_a_word_added_is_marked_between_single_spaces():
    deleted, inserted = (lambda t: f"[-{t}-]"), (lambda t: f"{{+{t}+}}")
    assert word_diff("Un paragraphe", "Un autre paragraphe", deleted, inserted) == (
        "Un {+autre+} paragraphe"
    )
    assert word_diff("a  b c", "a b", deleted, inserted) == "a b [-c-]"


def test_a_changed_rate_is_told_in_points_with_a_true_minus(tmp_path):
    root = tmp_path / "depot"
    first_commit(root)
    edit(
        root / "content" / "engagements.yml",
        "valeurs: {2025: 30, 2026: 30,",
        "valeurs: {2025: 12.5, 2026: 30,",
    )
    result = CliRunner().invoke(main, ["-C", str(root), "diff"])
    assert result.exit_code == 0, result.output
    assert (
        "PS-2 Loir-et-Cher (41) total 2025 : 30,0\u00a0% → 12,5\u00a0% (\u221217,5\u00a0pt)"
        in result.stdout
    )


def test_a_revision_outside_git_says_the_project_is_no_repository(tmp_path):
    shutil.copytree(PROJETS / "minimal" / "content", tmp_path / "content")
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "diff", "HEAD"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "révision introuvable : HEAD (le projet n'est pas un dépôt git : les versions se "
        "comparent une fois enregistrées, git init puis git commit)"
    )
