"""Indicators computed on the minimal project's data, against values worked out by hand.

The data (tests/projets/minimal/content/donnees/) holds 8 logements in Loir-et-Cher: 7 in
Agglopolys (Blois 41018, Averdon 41009) and 1 in Grand Chambord (Bracieux 41025), and six
attributions in 2023 (one more in 2022, which the 2023 reference ignores). travaux.csv holds
seven rows of works and sales in 2023, one rehabilitation in 2022.
"""

import json
import shutil
from collections import Counter

import openpyxl
import pytest
from click.testing import CliRunner

from cusdoc.cli import main
from cusdoc.compute.references import compute_references, stock
from cusdoc.errors import ContentError
from cusdoc.load.data import load_data
from cusdoc.model import Quantity
from cusdoc.pipeline import build, check, prepare
from cusdoc.render import cell_text, layout
from tests.conftest import EPOCH, PROJETS, copy_project, edit, typed_data_kept

AGGLOPOLYS, CHAMBORD = "200030385", "244100798"


@pytest.fixture(scope="module")
def db():
    database, problems = load_data(PROJETS / "minimal")
    assert problems == []
    return database


def test_stock_counts(db):
    assert stock(db)[("departement", "41")] == {"logements": 8, "fg": 4, "qpv": 3, "pmr": 3}
    assert stock(db)[("epci", AGGLOPOLYS)] == {"logements": 7, "fg": 3, "qpv": 3, "pmr": 3}
    assert stock(db)[("epci", CHAMBORD)] == {"logements": 1, "fg": 1, "qpv": 0, "pmr": 0}


def test_references_by_hand(db):
    ref, counts = compute_references(db, 2023)
    # Works of 2023 (travaux.csv), all in Agglopolys but the two rows of E4 (Grand Chambord).
    # PP-2: F or G to A-E: the rehabilitation of line 3 (2, F → C) and the renovation of line 4
    # (1, G → E); line 5 starts from E. The stock's 4 F/G logements are not the reference.
    assert ref[("PP-2", "departement", "41", "total")] == 3
    assert ref[("PP-2", "epci", AGGLOPOLYS, "total")] == 3
    assert ref[("PP-2", "epci", CHAMBORD, "total")] == 0
    # PP-3: the 2023 rehabilitation of line 3 (line 2's is of 2022)
    assert ref[("PP-3", "departement", "41", "total")] == 2
    # PP-4: line 8 (2 put on the market); the sale of line 9 is no PP-4
    assert ref[("PP-4", "departement", "41", "total")] == 2
    # SR-1: lines 6 (E2, Agglopolys) and 7 (E4, Grand Chambord), not the 3 accessible ones
    assert ref[("SR-1", "departement", "41", "total")] == 2
    assert ref[("SR-1", "epci", AGGLOPOLYS, "total")] == 1
    assert ref[("SR-1", "epci", CHAMBORD, "total")] == 1
    # PS-1 Agglopolys: signed leases hors QPV in 2023 are lines 3, 4, 5 of the file; line 3 is
    # under the 8 000 € threshold, line 4 is an ANRU rehousing, line 5 is above: 2 / 3.
    assert ref[("PS-1", "epci", AGGLOPOLYS, "total")] == pytest.approx(200 / 3)
    # Grand Chambord has no first-quartile threshold (it does not owe PS-1): no reference.
    assert ("PS-1", "epci", CHAMBORD, "total") not in ref
    # PS-2, PS-3 and PP-5 count signed leases, as the tables and PS-1 do: the five 2023
    # attributions followed by a lease (lines 2, 3, 4, 5 and 7; line 6 has none).
    # PS-2 (prioritaire or DALO): lines 2 and 3 → 2 / 5; hors QPV: line 3 → 1 / 5
    assert ref[("PS-2", "departement", "41", "total")] == 40
    assert ref[("PS-2", "departement", "41", "hors QPV")] == 20
    # PS-3 (DALO): line 3 only; PP-5 (mutations): lines 4 and 5, both in Agglopolys (4 leases)
    assert ref[("PS-3", "departement", "41", "total")] == 20
    assert ref[("PP-5", "departement", "41", "total")] == 40
    assert ref[("PP-5", "epci", AGGLOPOLYS, "total")] == 50
    # denominators, for statistical secrecy: 3 signed leases hors QPV in Agglopolys in 2023
    assert counts[("PS-1", "epci", AGGLOPOLYS, "total")] == 3
    assert counts[("PS-2", "departement", "41", "total")] == 5
    assert ("PP-2", "departement", "41", "total") not in counts


def test_computed_table_by_financing(db):
    from cusdoc.compute.tables import TableContext, parc_par_financement

    table = parc_par_financement(db, TableContext({"41": "Loir-et-Cher"}, 2023, 5))
    # no CUS column: the initial financing, FINAN 11, 12, 13, 13, 14, 52, 11, 13
    assert table.titre == "Répartition du patrimoine par famille de financement initial"
    assert table.source.endswith("; famille du financement initial (codes du RPLS regroupés)")
    assert table.colonnes == ["Financement", "Loir-et-Cher", "Ensemble", "Part du parc"]
    assert [row[1].value for row in table.lignes] == [2, 4, 1, 0, 1, 8]
    assert [row[1].unit for row in table.lignes] == ["nombre"] * 6
    assert table.lignes[-1][-1] == Quantity(100.0, "pourcent")


# The category of ceilings at relocation (RPLS « plafond de ressources au titre de la CUS »),
# line by line; the last logement has none and falls back on its FINAN, 13.
PLAFONDS_CUS = ["11", "13", "13", "13", "14", "13", "11", ""]


def _with_ceilings(root, plafonds) -> None:
    path = root / "content/donnees/patrimoine.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [f"{line};{cus}" for line, cus in zip(lines, ["CUS", *plafonds], strict=True)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_the_financing_table_shows_the_ceilings_where_the_data_give_them(tmp_path):
    from cusdoc.compute.tables import TableContext, parc_par_financement

    root = copy_project(PROJETS / "minimal", tmp_path)
    _with_ceilings(root, PLAFONDS_CUS)
    data, problems = load_data(root)
    assert problems == []
    table = parc_par_financement(data, TableContext({"41": "Loir-et-Cher"}, 2023, 5))
    assert table.titre == (
        "Répartition du patrimoine par catégorie de plafonds de ressources, à défaut de "
        "financement initial"
    )
    assert table.source.endswith(
        "; catégorie de plafonds de ressources au titre de la convention d'utilité sociale ; à "
        "défaut, famille du financement initial (codes du RPLS regroupés)"
    )
    # the HLM/O logement (FINAN 52) let under PLUS ceilings counts as PLUS, and so does the
    # last one, by its FINAN
    expected = Counter(
        {"11": "PLAI", "13": "PLUS", "14": "PLS", "": "PLUS"}[c] for c in PLAFONDS_CUS
    )
    counts = [expected[f] for f in ("PLAI", "PLUS", "PLS", "PLI")]
    assert [row[1].value for row in table.lignes] == [*counts, 0, 8]
    assert [row[0] for row in table.lignes][:4] == ["PLAI", "PLUS", "PLS", "PLI"]


def test_a_ceiling_code_that_is_not_one(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    _with_ceilings(root, ["11", "12", *PLAFONDS_CUS[2:]])
    _, problems = load_data(root)
    assert [str(p) for p in problems] == [
        "content/donnees/patrimoine.csv:3:13: CUS : valeur attendue : un code de plafond de "
        "ressources du RPLS (11 PLAI, 13 PLUS, 14 PLS, 16 PLI), ou vide ; trouvé « 12 »"
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_encoding_and_separator_variants_give_the_same_references(tmp_path, encoding, db):
    root = copy_project(PROJETS / "minimal", tmp_path)
    for name in ("patrimoine", "attributions", "seuils_premier_quartile", "ensembles", "travaux"):
        path = root / "content" / "donnees" / f"{name}.csv"
        text = path.read_text(encoding="utf-8")
        separator = "," if ";" in text.splitlines()[0] else ";"
        if separator == ",":  # a comma-separated file writes decimals with a point
            text = text.replace(",", ".").replace(";", ",")
        else:
            text = text.replace(",", ";")
        path.write_bytes(text.encode(encoding))
    variant, problems = load_data(root)
    assert problems == []
    assert compute_references(variant, 2023) == compute_references(db, 2023)


def test_tab_separated_files_give_the_same_references(tmp_path, db):
    """A spreadsheet's « texte (séparateur : tabulation) » export reads like its CSV."""
    root = copy_project(PROJETS / "minimal", tmp_path)
    for name in ("patrimoine", "attributions", "seuils_premier_quartile", "ensembles", "travaux"):
        path = root / "content" / "donnees" / f"{name}.csv"
        text = path.read_text(encoding="utf-8")
        separator = ";" if ";" in text.splitlines()[0] else ","
        path.write_text(text.replace(separator, "\t"), encoding="utf-8")
    variant, problems = load_data(root)
    assert problems == []
    assert compute_references(variant, 2023) == compute_references(db, 2023)


def test_indicateurs_csv_rows(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    result = CliRunner().invoke(main, ["-C", str(root), "indicateurs", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "indicateur,niveau,territoire,ventilation,annee,nature,valeur,unite"
    assert "PP-1,departement,41,total,2025-2027,engagement,32,nombre" in lines
    assert "PP-2,departement,41,total,2023,reference,3,nombre" in lines
    # 3 attributions only: under the secrecy threshold, the rate is not published
    assert f"PS-1,epci,{AGGLOPOLYS},total,2023,reference,,pourcent" in lines
    assert "G-1,organisme,organisme,total,2030,engagement,1200,euros" in lines
    assert not any(line.startswith("PS-1,epci,200030385,total,2025-2027") for line in lines)


def test_indicateurs_json(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    result = CliRunner().invoke(main, ["-C", str(root), "indicateurs", "--format", "json"])
    rows = json.loads(result.stdout)
    assert rows[0] == {
        "indicateur": "PP-1",
        "niveau": "departement",
        "territoire": "41",
        "ventilation": "total",
        "annee": "2023",
        "nature": "reference",
        "valeur": 10,
        "unite": "nombre",
    }


def test_xlsx_has_one_sheet_per_indicator(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = copy_project(PROJETS / "minimal", tmp_path)
    build(root, ("xlsx",))
    workbook = openpyxl.load_workbook(root / "build" / "indicateurs.xlsx")
    assert workbook.sheetnames == [
        "Convention",
        "PP-1",
        "PP-2",
        "PP-3",
        "PP-4",
        "PS-1",
        "PS-2",
        "SR-1",
        "G-1",
    ]
    rows = list(workbook["PP-1"].iter_rows(min_row=3, values_only=True))
    assert rows[0][:5] == (
        "Niveau",
        "Code du territoire",
        "Territoire",
        "Ventilation",
        "Référence 2023",
    )
    assert rows[1] == (
        "Département",
        "41",
        "Loir-et-Cher",
        "Total",
        10,
        10,
        10,
        12,
        12,
        12,
        14,
        32,
        70,
        "Nombre",
    )
    first = (root / "build" / "indicateurs.xlsx").read_bytes()
    build(root, ("xlsx",))
    assert (root / "build" / "indicateurs.xlsx").read_bytes() == first


def test_replacing_the_data_changes_the_references(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    path = root / "content" / "donnees" / "travaux.csv"
    with path.open("a", encoding="utf-8") as f:
        f.write("2023;E2;renovation_energetique;2;F;B\n")
    (convention,) = prepare(root)
    pp2 = next(e for e in convention.engagements if e.indicateur.id == "PP-2")
    assert pp2.reference["total"] == Quantity(5, "nombre")


def test_no_data_folder_is_reported_where_data_was_needed(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    shutil.rmtree(root / "content" / "donnees")
    result = CliRunner().invoke(main, ["-C", str(root), "check"])
    assert result.stderr.splitlines()[:2] == [
        "content/engagements.yml:1:1: les engagements chiffrés demandent les données de "
        "l'organisme : le dossier content/donnees/ est introuvable",
        "content/etat_des_lieux.yml:20:26: sections[0].contenu[3].tableau_calcule : le tableau "
        "calculé « parc_par_financement » demande les données de l'organisme : le dossier "
        "content/donnees/ est introuvable",
    ]


def test_classement_by_hand(db):
    """Weights 20/20/30/30: E1 (2,2,3,2) → 2,3 class C; E2 (4,4,4,3) → 3,7 class A;
    E3 (3,3,2,4) → 3,0 class B; E4 (2,3,2,4) → 2,8 class B. Occupation: E1 has 8,5 % vacancy
    (dysfunctional from 8 %); E4 has no household under 60 % of the ceilings (rebalancing
    up to 40 %); E2 and E3 have half of them: balanced. Each houses fewer than 5 ménages: no
    category is published."""
    import yaml

    from cusdoc.compute.classement import classify

    config = yaml.safe_load((PROJETS / "minimal" / "content" / "classement.yml").read_text())
    rows = classify(db, config, 5)
    summary = [
        (r["ensemble"], round(r["note"], 2), r["classe"], r["categorie"], r["logements"])
        for r in rows
    ]
    assert summary == [
        ("E1", 2.3, "C", "en dysfonctionnement", 3),
        ("E2", 3.7, "A", "équilibrée", 2),
        ("E3", 3.0, "B", "équilibrée", 2),
        ("E4", 2.8, "B", "en rééquilibrage", 1),
    ]
    assert [r["publiee"] for r in rows] == [False] * 4
    assert [r["publiee"] for r in classify(db, config, 3)] == [True, False, False, False]


def test_rpls_column_names_of_other_vintages_are_accepted(tmp_path, db):
    """The 2017 RPLS file suffixes _red; a project can declare its own names too."""
    root = copy_project(PROJETS / "minimal", tmp_path)
    path = root / "content" / "donnees" / "patrimoine.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].replace("DEPCOM", "DEPCOM_red").replace("NBPIECE", "nbpiece_red")
    header = header.replace("ENSEMBLE", "programme")
    path.write_text("\n".join([header, *lines[1:]]) + "\n", encoding="utf-8")
    (root / "content" / "donnees" / "colonnes.yml").write_text(
        "patrimoine:\n  ENSEMBLE: [programme]\n", encoding="utf-8"
    )
    variant, problems = load_data(root)
    assert problems == []
    assert compute_references(variant, 2023) == compute_references(db, 2023)


def test_attributions_table_masks_small_counts_and_their_complements(db):
    """Six attributions in 2023, five with a signed lease: Agglopolys 4 (file lines 2 to 5),
    Grand Chambord 1 (line 7; line 6 has no signed lease). Every count is under 5 but the
    département's and the whole's 5 attributions: all EPCI cells are masked."""
    from cusdoc.compute.tables import TableContext, attributions_par_territoire

    names = {"41": "Loir-et-Cher", AGGLOPOLYS: "Agglopolys", CHAMBORD: "Grand Chambord"}
    table = attributions_par_territoire(db, TableContext(names, 2023, 5))
    assert [[cell_text(cell) for cell in row[:3]] for row in table.lignes] == [
        ["Loir-et-Cher", "5", "s"],
        ["dont Agglopolys", "s", "s"],
        ["dont Grand Chambord", "s", "s"],
        ["Ensemble", "5", "s"],
    ]
    assert layout(table)["source"].endswith(
        "s : secret statistique (effectif inférieur à 5, ou qui permettrait d'en retrouver un par "
        "différence)"
    )


def test_the_rates_count_what_the_attributions_table_counts(db):
    """One definition: a rate's numerator and denominator are cells of the attributions table
    (signed leases of the year), for every département."""
    from cusdoc.compute.tables import ATTRIBUTION_COUNTS, attribution_counts

    ref, counts = compute_references(db, 2023)
    table = attribution_counts(db, 2023)
    columns = list(ATTRIBUTION_COUNTS)
    for row, values in table.items():
        if len(row) != 1:
            continue
        cells = dict(zip(columns, values, strict=True))
        key = (row[0],)
        assert counts[("PS-2", "departement", *key, "total")] == cells["Attributions"]
        for indicateur, column in (
            ("PS-2", "dont ménages prioritaires"),
            ("PS-3", "dont DALO"),
            ("PP-5", "dont mutations"),
        ):
            expected = 100 * cells[column] / cells["Attributions"]
            assert ref[(indicateur, "departement", *key, "total")] == pytest.approx(expected)


def test_typed_data_is_kept_and_read_back_as_typed(tmp_path, monkeypatch):
    """The typed tables are written to build/.cache/donnees/ once the project passed its
    checks; a later command reads them instead of the CSV, with the same values."""
    from cusdoc.load import data as loading

    monkeypatch.setattr(loading, "_TYPED", {})  # typed by no earlier test
    monkeypatch.setattr(loading, "_UNKEPT", set())
    root = copy_project(PROJETS / "minimal", tmp_path / "p")
    fresh, problems = load_data(root)
    assert problems == []
    loading.keep(fresh, root)
    typed_data_kept()
    kept = list((root / "build" / ".cache" / "donnees").glob("*.duckdb"))
    assert [p.stem for p in kept] == [fresh.digest]
    monkeypatch.setattr(loading, "_TYPED", {})  # as a new process would start
    read, problems = load_data(root)
    assert problems == [] and read.db is not fresh.db
    assert stock(read) == stock(fresh)
    assert compute_references(read, 2023) == compute_references(fresh, 2023)


def test_typed_data_is_kept_only_for_a_project_that_passed(tmp_path, monkeypatch):
    from cusdoc.load import data as loading

    monkeypatch.setattr(loading, "_TYPED", {})
    monkeypatch.setattr(loading, "_UNKEPT", set())
    root = copy_project(PROJETS / "minimal", tmp_path / "p")
    edit(root, "convention.yml", "date_effet: 2025-01-01", "date_effet: 2025-13-01")
    with pytest.raises(ContentError):
        check(root)
    typed_data_kept()
    assert not list((root / "build" / ".cache" / "donnees").glob("*.duckdb"))
    edit(root, "convention.yml", "date_effet: 2025-13-01", "date_effet: 2025-01-01")
    check(root)  # the data typed by the refused check, kept now
    typed_data_kept()
    assert len(list((root / "build" / ".cache" / "donnees").glob("*.duckdb"))) == 1


def test_small_data_is_queried_on_one_thread_large_data_on_duckdbs_own(tmp_path, monkeypatch):
    import duckdb

    from cusdoc.load import data as loading

    monkeypatch.setattr(loading, "_TYPED", {})
    small, _ = load_data(copy_project(PROJETS / "minimal", tmp_path / "petit"))
    assert small.db.execute("SELECT current_setting('threads')").fetchone() == (1,)
    monkeypatch.setattr(loading, "SMALL_DATA_BYTES", 0)  # as if the files were large
    monkeypatch.setattr(loading, "_TYPED", {})
    large, _ = load_data(copy_project(PROJETS / "minimal", tmp_path / "grand"))
    default = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()
    assert large.db.execute("SELECT current_setting('threads')").fetchone() == default
