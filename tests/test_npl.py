"""The nouvelle politique des loyers: the USH worked example of 2017 comes out exactly, and an
annex that breaks a rule is refused at its line and column of npl.csv."""

import csv
import io
import shutil

import openpyxl
import pytest

from cusdoc import TEMPLATES
from cusdoc.compute import compute_tables, npl
from cusdoc.model import Quantity, Table
from cusdoc.pipeline import check, document
from cusdoc.render import render_markdown
from tests.conftest import EPOCH, PROJETS, copy_project, edit, refused

NPL_CSV = "donnees/npl.csv"


@pytest.fixture
def projet(tmp_path):
    """The minimal project with the worked example as its NPL annex, on E1 (Blois, Agglopolys)
    and E4 (Bracieux, Grand Chambord)."""
    root = copy_project(PROJETS / "minimal", tmp_path)
    shutil.copytree(PROJETS / "npl" / "content", root / "content", dirs_exist_ok=True)
    edit(root, "convention.yml", "  - classement", "  - classement\n  - npl")
    return root


def rows_of(root) -> list[dict]:
    """npl.csv read back by the test itself: figures recomputed without cusdoc."""
    with (root / "content" / NPL_CSV).open(encoding="utf-8") as f:
        out = list(csv.DictReader(f, delimiter=";"))
    for row in out:
        for key in ("logements", "surface_m2", "loyer_maximum_m2"):
            row[key] = float(row[key].replace(" ", "").replace(",", "."))
    return out


def tables_of(convention) -> dict[str, Table]:
    annexe = next(c for c in convention.chapitres if c.id == "npl")
    return {t.titre: t for t in annexe.blocs if isinstance(t, Table)}


def value(cell) -> float:
    assert isinstance(cell, Quantity), cell
    return cell.value


def test_the_worked_example_comes_out_exactly(projet):
    csv_rows = rows_of(projet)
    masses = {}
    for row in csv_rows:
        key = (row["ensemble"], row["situation"])
        masses[key] = masses.get(key, 0) + row["surface_m2"] * row["loyer_maximum_m2"]
    # The figures of the USH presentation, recomputed from the file.
    assert masses == {
        ("E1", "avant"): 60_000,
        ("E1", "apres"): 79_200,
        ("E4", "avant"): 60_000,
        ("E4", "apres"): 40_800,
    }
    convention = document(check(projet))
    tables = tables_of(convention)
    synthese = tables["Masses des loyers maximums et transferts entre ensembles immobiliers"]
    by_ensemble = {row[0].split(" ")[0]: [value(c) for c in row[1:]] for row in synthese.lignes}
    # logements, surface, LM before, mass before, LMM after, mass after, transfer
    assert by_ensemble["E1"] == pytest.approx([200, 12_000, 5, 60_000, 6.6, 79_200, 19_200])
    assert by_ensemble["E4"] == pytest.approx([100, 6_000, 10, 60_000, 6.8, 40_800, -19_200])
    assert by_ensemble["Total"] == pytest.approx(
        [300, 18_000, 120_000 / 18_000, 120_000, 120_000 / 18_000, 120_000, 0]
    )
    detail = tables[
        "Loyers maximums avant et après la nouvelle politique des loyers, par catégorie"
    ]
    after = [
        (row[2], value(row[3]), value(row[4]), value(row[5]), value(row[6]))
        for row in detail.lignes
        if row[1] == "après" and row[2] in ("PLAI", "PLUS", "PLS")
    ]
    assert after == [
        ("PLAI", 60, 3_600, 4, 14_400),
        ("PLUS", 80, 4_800, 6, 28_800),
        ("PLS", 60, 3_600, 10, 36_000),
        ("PLAI", 40, 2_400, 5, 12_000),
        ("PLUS", 40, 2_400, 7, 16_800),
        ("PLS", 20, 1_200, 10, 12_000),
    ]
    assert detail.colonnes[4] == "Surface utile (m²)"
    text = render_markdown(convention, TEMPLATES)
    for shown in ("79\u202f200\u00a0€", "40\u202f800\u00a0€", "6,60\u00a0€/m²", "6,80\u00a0€/m²"):
        assert shown in text, shown
    assert "120\u202f000\u00a0€" in text and "19\u202f200\u00a0€" in text
    assert "gestion en stock" in text and "surface utile" in text
    # the introduction's living figures
    assert "porte sur 2 ensembles immobiliers et 300 logements" in text
    assert "passe de 120\u202f000\u00a0€ à 120\u202f000\u00a0€" in text


def test_the_living_figures_are_the_annex_totals_of_the_territory(projet):
    project = check(projet)
    whole = project.values("organisme")
    assert whole["npl_masse_avant"].value == whole["npl_masse_apres"].value == 120_000
    assert whole["npl_masse_transferee"].value == 19_200
    assert whole["npl_logements_plai"].value == 100 and whole["npl_part_pls"].value == 80 / 3
    assert whole["npl_plafond_pls"] == Quantity(10, "euros_m2")
    # Agglopolys holds E1 only: its view sees the rent maximums of E1, which gains mass.
    agglopolys = project.values("200030385")
    assert agglopolys["npl_ensembles"].value == 1
    assert agglopolys["npl_masse_avant"].value == 60_000
    assert agglopolys["npl_masse_apres"].value == 79_200
    chambord = project.data.territory("EPCI", "244100798")
    assert [e["ensemble"] for e in npl.ensembles(chambord)] == ["E4"]
    # a table placed in a partner's document is computed on its territory's view
    tables = compute_tables(chambord, project.content, project.geo.names, project.secret)
    rows = tables["npl_synthese"].lignes
    assert [r[0] for r in rows] == ["E4 – La Sologne (Bracieux)", "Total"]
    assert value(rows[-1][6]) == 40_800


def test_flux_gives_the_share_of_yearly_relettings_of_each_category(projet):
    edit(projet, "npl.yml", "gestion: stock", "gestion: flux")
    convention = document(check(projet))
    detail = tables_of(convention)[
        "Loyers maximums avant et après la nouvelle politique des loyers, par catégorie"
    ]
    assert detail.colonnes[-1] == "Part des relocations annuelles"
    shares = [(row[2], value(row[-1])) for row in detail.lignes if row[1] == "après"]
    assert shares[:4] == [("PLAI", 30), ("PLUS", 40), ("PLS", 30), ("toutes catégories", 100)]
    assert "gestion en flux" in render_markdown(convention, TEMPLATES)


def test_a_mass_that_grows_is_refused_at_its_line(projet):
    edit(projet, NPL_CSV, "E4;apres;PLUS;40;2 400;7", "E4;apres;PLUS;40;2 400;8")
    assert refused(projet) == [
        "content/donnees/npl.csv:5:6: loyer_maximum_m2 : la masse des loyers maximums après la "
        "NPL (122 400 €) dépasse celle d'avant (120 000 €) sur les ensembles de l'annexe, de "
        "2 400 € (l'ensemble E1 est celui qui gagne le plus) : les loyers maximums peuvent "
        "passer d'un ensemble à l'autre, mais leur masse totale ne peut pas croître"
    ]


def test_logements_that_do_not_add_up_are_refused_at_the_ensemble(projet):
    edit(projet, NPL_CSV, "E1;apres;PLAI;60;3 600;4", "E1;apres;PLAI;50;3 600;4")
    assert refused(projet) == [
        "content/donnees/npl.csv:5:4: logements : les catégories de l'ensemble E1 après la NPL "
        "totalisent 190, pour 200 avant (ligne 2) : chacun de ses logements reçoit une "
        "catégorie, une seule"
    ]


def test_a_surface_that_does_not_add_up_is_refused(projet):
    edit(projet, NPL_CSV, "E4;apres;PLAI;40;2 400;5", "E4;apres;PLAI;40;2 400,5;5")
    assert refused(projet) == [
        "content/donnees/npl.csv:9:5: surface_m2 : les catégories de l'ensemble E4 après la NPL "
        "totalisent 6 000,5 m², pour 6 000 m² avant (ligne 6) : chaque m² de sa surface reçoit "
        "une catégorie, une seule"
    ]


def test_an_ensemble_outside_the_perimeter_is_refused_at_its_line(projet):
    ensembles = projet / "content" / "donnees" / "ensembles.csv"
    with ensembles.open("a", encoding="utf-8") as f:
        f.write("E5;Les Deux-Lions;37261;3;3;3;3;2;1;1;0;5\n")
    with (projet / "content" / NPL_CSV).open("a", encoding="utf-8") as f:
        f.write("E5;avant;PLUS;10;600;6\nE5;apres;PLUS;10;600;6\n")
    problems = refused(projet)
    assert (
        "content/donnees/npl.csv:10:1: ensemble : l'ensemble immobilier E5 (Tours, département "
        "37) est hors du périmètre de la convention, dont les territoires sont déclarés dans "
        "content/convention.yml (41, 200030385)"
    ) in problems
    assert any(p.startswith("content/donnees/ensembles.csv:6:3: DEPCOM") for p in problems)


def test_an_ensemble_outside_the_perimeter_described_twice_is_refused_once(projet):
    """A row repeated in ensembles.csv names its commune once (it stopped the check before)."""
    ensembles = projet / "content" / "donnees" / "ensembles.csv"
    with ensembles.open("a", encoding="utf-8") as f:
        f.write("E5;Les Deux-Lions;37261;3;3;3;3;2;1;1;0;5\n" * 2)
    with (projet / "content" / NPL_CSV).open("a", encoding="utf-8") as f:
        f.write("E5;avant;PLUS;10;600;6\nE5;apres;PLUS;10;600;6\n")
    problems = [p for p in refused(projet) if p.startswith("content/donnees/npl.csv")]
    assert [p.split(" : ")[0] for p in problems] == [
        "content/donnees/npl.csv:10:1: ensemble",
        "content/donnees/npl.csv:11:1: ensemble",
    ]


def test_an_unknown_ensemble_and_a_wrong_category_are_refused(projet):
    edit(projet, NPL_CSV, "E4;avant", "E9;avant")
    assert refused(projet) == [
        "content/donnees/npl.csv:6:1: ensemble : l'ensemble immobilier E9 n'est pas décrit dans "
        "ensembles.csv : l'annexe ne porte que sur des ensembles de l'organisme",
    ]
    edit(projet, NPL_CSV, "E9;avant", "E4;avant")
    edit(projet, NPL_CSV, "E1;apres;PLS", "E1;apres;PLI")
    assert refused(projet) == [
        "content/donnees/npl.csv:3:3: categorie : après la NPL, la catégorie est PLAI, PLUS ou "
        "PLS ; trouvé « PLI »",
    ]


def test_each_ensemble_has_one_row_before_and_one_row_per_category_after(projet):
    edit(projet, NPL_CSV, "E4;avant;PLA;100;6 000;10\n", "")
    edit(projet, NPL_CSV, "E1;apres;PLUS", "E1;apres;PLS")
    assert refused(projet) == [
        "content/donnees/npl.csv:4:3: categorie : la catégorie PLS de l'ensemble E1 est déjà "
        "donnée ligne 3 : une ligne par catégorie",
        "content/donnees/npl.csv:6:2: situation : l'ensemble E4 n'a pas la ligne « avant » qui "
        "donne son loyer maximum actuel",
    ]


def test_a_maximum_above_the_declared_ceiling_of_the_pls_is_refused(projet):
    edit(projet, "npl.yml", "valeur: 10", "valeur: 9.5")
    problems = refused(projet)
    assert problems[0] == (
        "content/donnees/npl.csv:3:6: loyer_maximum_m2 : loyer maximum PLS de 10 €/m² pour "
        "l'ensemble E1, au-dessus du plafond du PLS déclaré dans content/npl.yml (9,5 €/m², "
        "plafond d'essai des tests)"
    )
    assert len(problems) == 2  # E1 and E4 both have a PLS at 10 €/m²


def test_the_surface_stock_or_flux_and_the_ceiling_must_be_declared(projet):
    edit(projet, "npl.yml", "surface: utile\n", "")
    edit(projet, "npl.yml", "gestion: stock", "gestion: mixte")
    problems = refused(projet)
    assert problems == [
        "content/npl.yml:3:1: surface : la clé « surface » est obligatoire",
        "content/npl.yml:9:10: gestion : valeur possible : « stock », « flux » ; trouvé « mixte »",
    ]


def test_a_ceiling_below_a_cent_is_refused_with_its_bound_written_in_french(projet):
    edit(projet, "npl.yml", "  valeur: 10", "  valeur: -3")
    assert refused(projet) == [
        "content/npl.yml:12:11: plafond_pls.valeur : une valeur d'au moins 0,01 est attendue, "
        "trouvé le nombre -3"
    ]


def test_the_data_and_the_annex_go_together(projet, tmp_path):
    edit(projet, "convention.yml", "  - npl", "")
    assert refused(projet) == [
        "content/donnees/npl.csv:1:1: npl.csv décrit une nouvelle politique des loyers, mais "
        "content/convention.yml ne liste pas son annexe : ajoutez « npl » à « chapitres » "
        "(fichier content/npl.yml, qui déclare la surface, la gestion en stock ou en flux et le "
        "plafond du PLS)"
    ]
    minimal = copy_project(PROJETS / "minimal", tmp_path / "sans-donnees-npl")
    shutil.copy(PROJETS / "npl" / "content" / "npl.yml", minimal / "content" / "npl.yml")
    edit(minimal, "convention.yml", "  - classement", "  - classement\n  - npl")
    assert refused(minimal) == [
        "content/npl.yml:3:1: l'annexe de la nouvelle politique des loyers demande le fichier "
        "content/donnees/npl.csv, introuvable"
    ]


def test_a_project_without_npl_has_no_annex_and_no_npl_table(minimal):
    convention = document(check(minimal))
    assert all(c.id != "npl" for c in convention.chapitres)
    edit(
        minimal,
        "gestion_sociale.yml",
        "sections:\n",
        "sections:\n  - titre: NPL\n    contenu:\n      - tableau_calcule: npl_synthese\n",
    )
    (problem,) = refused(minimal)
    assert "le tableau « npl_synthese » est celui de l'annexe de la nouvelle politique" in problem


def test_the_workbook_has_the_annex_rows_as_numbers(projet):
    from cusdoc.export.xlsx import HEADER_ROW, NPL_SHEET, to_xlsx

    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx(document(check(projet)), 0)))
    sheet = workbook[NPL_SHEET]
    headers = [c.value for c in sheet[HEADER_ROW]]
    assert headers[:4] == ["Ensemble immobilier", "Situation", "Catégorie", "Logements"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]
    # every row names its ensemble; masses are numbers that add up in the spreadsheet
    assert [r[0] for r in rows] == ["E1 – Quartier Nord (Blois)"] * 5 + [
        "E4 – La Sologne (Bracieux)"
    ] * 5 + ["Total"] * 2
    e1 = [
        r for r in rows if r[0].startswith("E1") and r[1] == "après" and r[2] != "toutes catégories"
    ]
    assert sum(r[6] for r in e1) == 79_200
    assert rows[-1][5] == pytest.approx(120_000 / 18_000)
    assert sheet.cell(HEADER_ROW + 1, 6).number_format == '#,##0.00"\u00a0€/m²"'


@pytest.mark.slow
def test_the_docx_annex_reads_back_with_the_figures_of_the_example(projet, monkeypatch):
    import docx

    from cusdoc.pipeline import build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build(projet, ("docx",))
    document_ = docx.Document(projet / "build" / "convention.docx")
    tables = {
        tuple(c.text for c in t.rows[0].cells[:3]): [[c.text for c in r.cells] for r in t.rows]
        for t in document_.tables
    }
    detail = tables[("Ensemble immobilier", "Situation", "Catégorie")]
    e1 = detail[1:6]
    assert [r[2] for r in e1] == ["HLMO", "PLAI", "PLUS", "PLS", "toutes catégories"]
    assert [r[6] for r in e1] == [
        "60\u202f000\u00a0€",
        "14\u202f400\u00a0€",
        "28\u202f800\u00a0€",
        "36\u202f000\u00a0€",
        "79\u202f200\u00a0€",
    ]
    synthese = tables[("Ensemble immobilier", "Logements", "Surface utile (m²)")]
    assert synthese[1][5:] == ["6,60\u00a0€/m²", "79\u202f200\u00a0€", "19\u202f200\u00a0€"]
    assert synthese[2][5:] == ["6,80\u00a0€/m²", "40\u202f800\u00a0€", "-19\u202f200\u00a0€"]
    assert synthese[3][4] == synthese[3][6] == "120\u202f000\u00a0€"
