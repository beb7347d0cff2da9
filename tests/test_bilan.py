"""The bilan of a year (cusdoc bilan): engagement against réalisé, read back from the DOCX and
the PDF, checked against figures computed here from the CSV files and content/engagements.yml."""

import csv
import subprocess
import zipfile
from pathlib import Path

import docx
import pypdfium2
import pytest
import yaml
from click.testing import CliRunner
from docx.oxml.ns import qn

from cusdoc.assemble.bilan import Evaluation, kind, met, summary_row
from cusdoc.bilans import _in_force
from cusdoc.cli import main
from cusdoc.model import Quantity
from cusdoc.pipeline import check, prepare
from cusdoc.render.formats import quantite
from cusdoc.render.text import plain
from tests.conftest import (
    EPOCH,
    REPO,
    commit_project,
    copy_project,
    docx_printed_text,
    edit,
    leftovers,
    typed_data_kept,
)
from tests.later_years import add_year

EXPLANATION = "Les mises en commercialisation ont été différées dans l'attente du plan de vente."
BILAN_2027 = f"""
introduction:
  - L'année 2027 clôt la première période triennale de la convention.
ecarts:
  - indicateur: PP-4
    territoire: "37"
    contenu:
      - >-
        {EXPLANATION}
"""


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["-C", str(root), *args])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """The example with three years of réalisé and a bilan file for 2027, its bilan built; and
    what the command printed."""
    root = copy_project(REPO, tmp_path_factory.mktemp("bilan"))
    for annee in (2025, 2026, 2027):
        add_year(root, annee)
    (root / "content" / "bilans").mkdir()
    (root / "content" / "bilans" / "2027.yml").write_text(BILAN_2027, encoding="utf-8")
    later_snapshot(root, 2028)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = run(root, "bilan", "--annee", "2027")
    assert result.exit_code == 0, result.output
    return root, result.output


@pytest.fixture(scope="module")
def project(built) -> Path:
    return built[0]


def later_snapshot(root: Path, annee: int) -> None:
    """content/donnees/patrimoine_<annee>.csv: the stock of patrimoine.csv, a logement in 97
    sold, one F or G in three renovated to C."""
    folder = root / "content" / "donnees"
    with (folder / "patrimoine.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter=";")
        fields, rows = reader.fieldnames, list(reader)
    kept = [row for index, row in enumerate(rows) if index % 97 != 0]
    for index, row in enumerate(kept):
        if row["DPEENERGIE"] in ("F", "G") and index % 3 == 0:
            row["DPEENERGIE"] = "C"
    with (folder / f"patrimoine_{annee}.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fields, delimiter=";", lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)


def stock_by_departement(path: Path) -> dict[str, tuple[int, int, int]]:
    """Logements, F or G, accessible by département, counted here from a stock file."""
    out: dict[str, list[int]] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            counts = out.setdefault(row["DEPCOM"][:2], [0, 0, 0])
            counts[0] += 1
            counts[1] += row["DPEENERGIE"] in ("F", "G")
            counts[2] += row["ACCESSIBLE_PMR"] == "1"
    return {code: tuple(counts) for code, counts in out.items()}


def pdf_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(path)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def text_of(element) -> str:
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def table_rows(path: Path, caption: str) -> list[list[str]]:
    """The rows of the table under the caption that ends with `caption` (header row first)."""
    for paragraph in docx.Document(path).element.body.iter(qn("w:p")):
        if text_of(paragraph).endswith(caption):
            table = paragraph.getnext()
            while table.tag != qn("w:tbl"):
                table = table.getnext()
            return [[text_of(c) for c in row.iter(qn("w:tc"))] for row in table.iter(qn("w:tr"))]
    raise AssertionError(f"aucun tableau « {caption} »")


def put_on_sale(root: Path, departement: str) -> dict[int, int]:
    """PP-4 as the data say, computed here: logements put on sale each year in a département
    (travaux.csv, each ensemble located by ensembles.csv)."""
    folder = root / "content" / "donnees"
    with (folder / "ensembles.csv").open(encoding="utf-8") as f:
        commune = {row["ENSEMBLE"]: row["DEPCOM"] for row in csv.DictReader(f, delimiter=";")}
    out: dict[int, int] = {}
    with (folder / "travaux.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            on_sale = row["nature"] == "mise_en_commercialisation"
            if on_sale and commune[row["ENSEMBLE"]].startswith(departement):
                year = int(row["annee"])
                out[year] = out.get(year, 0) + int(row["logements"])
    return out


def number(value: int) -> str:
    return quantite(Quantity(value))


def gap(value: int) -> str:
    return quantite(Quantity(value, signed=True))


@pytest.mark.slow
def test_the_bilan_gives_engagement_and_realise_of_each_year_and_their_cumul(project):
    committed = yaml.safe_load((project / "content" / "engagements.yml").read_text())
    engagement = next(r for r in committed["engagements"]["PP-4"] if r["territoire"] == "37")
    years = [2025, 2026, 2027]
    promised = [engagement["valeurs"][y] for y in years]
    realised = put_on_sale(project, "37")
    rows = table_rows(project / "build" / "bilan-2027.docx", "PP-4 — Indre-et-Loire")
    assert rows[0] == ["Année", "Engagement", "Réalisé", "Écart", "Écart (%)", "Atteint"]
    for row, year, e in zip(rows[1:4], years, promised, strict=True):
        r = realised.get(year, 0)
        # a commitment made on its cumuls is not judged year by year
        assert row[:4] + row[5:] == [str(year), number(e), number(r), gap(r - e), "–"]
    total_e, total_r = sum(promised), sum(realised.get(y, 0) for y in years)
    cumul = rows[4]
    assert cumul[:4] == [
        "Cumul 2025-2027",
        number(total_e),
        number(total_r),
        gap(total_r - total_e),
    ]
    assert cumul[5] == ("oui" if total_r >= total_e else "non")


@pytest.mark.slow
def test_the_bilan_shows_a_chart_per_indicator_and_the_explanation_of_a_gap(project):
    path = project / "build" / "bilan-2027.docx"
    with zipfile.ZipFile(path) as archive:
        pictures = [n for n in archive.namelist() if n.startswith("word/media/")]
    text = docx_printed_text(path)
    indicators = {line.split(" — ")[0] for line in text.splitlines() if " — engagement et" in line}
    assert len(pictures) == len(indicators) >= 8
    assert "Figure\u00a01.\u00a0– PP-1 — engagement et réalisé par année" in text
    assert f"Explication de l’écart\u00a0: {EXPLANATION.replace(chr(39), '’')}" in text
    printed = pdf_text(project / "build" / "bilan-2027.pdf")
    assert "Bilan à trois ans de la convention" in printed
    assert "Figure 1. – PP-1 — engagement et réalisé par année" in " ".join(printed.split())
    assert "Explication de l’écart" in printed
    assert leftovers(text) == [] and leftovers(printed) == []


@pytest.mark.slow
def test_the_summary_judges_each_commitment_on_its_cumul_at_three_years(project):
    rows = table_rows(project / "build" / "bilan-2027.docx", "Engagements et réalisé en 2027")
    assert rows[0] == [
        "Indicateur", "Territoire", "Période", "Engagement", "Réalisé", "Écart", "Atteint"
    ]  # fmt: skip
    pp4 = next(r for r in rows if r[:2] == ["PP-4", "Indre-et-Loire"])
    assert pp4[2] == "Cumul 2025-2027"
    # a rate is judged on the year: PS-2 2027
    ps2 = next(r for r in rows if r[:2] == ["PS-2", "Indre-et-Loire"])
    assert ps2[2] == "2027" and ps2[5].endswith("pt")


@pytest.mark.slow
def test_a_partners_bilan_holds_its_territory_only(project):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = run(project, "bilan", "--annee", "2027", "--partenaire", "37")
    assert result.exit_code == 0, result.output
    path = project / "build" / "extraits" / "bilan-2027-37-indre-et-loire.docx"
    text = docx_printed_text(path)
    assert "Extrait pour le Département d’Indre-et-Loire" in text
    assert "Loir-et-Cher" not in text and "Agglopolys" not in text
    assert "Tours Métropole Val de Loire" in text  # an EPCI of the département


@pytest.mark.slow
def test_unmet_commitments_without_explanation_are_warned(built):
    _, output = built
    warned = [line for line in output.splitlines() if "n'est pas atteint" in line]
    # at the file's « ecarts: » (line 4: the text starts with a blank line)
    assert warned and all(line.startswith("content/bilans/2027.yml:4:1: ") for line in warned)
    assert any("l'engagement PP-4 n'est pas atteint pour « Loir-et-Cher »" in w for w in warned)
    # PP-4 in Indre-et-Loire is unmet too, but explained
    assert not any("PP-4 n'est pas atteint pour « Indre-et-Loire »" in w for w in warned)


@pytest.mark.slow
def test_the_bilan_is_reproducible(project):
    first = {p.name: p.read_bytes() for p in (project / "build").glob("bilan-2027.*")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = run(project, "bilan", "--annee", "2027")
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in (project / "build").glob("bilan-2027.*")} == first


@pytest.mark.slow
def test_a_year_without_realise_or_out_of_the_period_is_refused(project):
    result = run(project, "bilan", "--annee", "2031")
    assert result.exit_code == 1
    assert "l'année 2031 est hors de la période des engagements 2025-2030" in result.output
    bare = copy_project(REPO, project.parent / "sans-realise")
    result = run(bare, "bilan", "--annee", "2025")
    assert result.exit_code == 1
    assert "aucun réalisé pour l'année 2025 : ajoutez ses lignes" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "2027.yml",
            "ecarts:\n  - indicateur: PP-4\n    territoire: '75'\n    contenu: [texte]\n",
            "content/bilans/2027.yml:3:17: ecarts[0].territoire : aucun engagement de PP-4 pour le "
            "territoire « 75 »",
        ),
        (
            "2033.yml",
            "introduction: [texte]\n",
            "content/bilans/2033.yml:1:1: le bilan 2033 est hors de la période 2025-2030",
        ),
        (
            "bilan-2027.yml",
            "introduction: [texte]\n",
            "content/bilans/bilan-2027.yml:1:1: un fichier de content/bilans/ porte le nom",
        ),
        (
            "2027.yml",
            "ecarts:\n  - indicateur: PP-9\n    territoire: '37'\n    contenu: [texte]\n",
            "content/bilans/2027.yml:2:17: ecarts[0].indicateur : valeur inconnue « PP-9 »",
        ),
    ],
)
def test_a_bilan_file_is_checked(tmp_path, name, text, message):
    root = copy_project(REPO, tmp_path)
    (root / "content" / "bilans").mkdir()
    (root / "content" / "bilans" / name).write_text(text, encoding="utf-8")
    result = run(root, "check")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_a_commitment_made_on_its_cumuls_is_in_progress_between_them(project):
    """PP-4 is committed at three and six years: in 2026 its summary is the cumul so far, not
    judged; in its first year, that year."""
    convention = prepare(project)[0]
    pp4 = next(
        ligne
        for ligne in convention.engagements
        if ligne.indicateur.id == "PP-4" and ligne.territoire == "37"
    )
    so_far = summary_row(pp4, 2026, convention.periode)
    assert (so_far.libelle, so_far.atteint) == ("Cumul 2025-2026", "en cours")
    assert so_far.engagement.value == pp4.valeurs["total"][2025] + pp4.valeurs["total"][2026]
    first = summary_row(pp4, 2025, convention.periode)
    assert (first.libelle, first.atteint) == ("2025", "en cours")


def test_the_kind_of_bilan_follows_the_cumulative_spans():
    periode = (2025, 2030)
    assert [kind(y, periode) for y in (2025, 2027, 2028, 2030)] == [
        "annuel", "à trois ans", "annuel", "à six ans"
    ]  # fmt: skip


def test_a_gap_is_signed_in_points_for_a_rate_and_a_cost_is_met_below_its_engagement():
    row = Evaluation("2027", Quantity(25.0, "pourcent"), Quantity(23.06, "pourcent"), "non")
    assert quantite(row.ecart) == "−1,9\u00a0pt"
    assert quantite(row.ecart_relatif) == "−7,8\u00a0%"
    masked = Evaluation("2027", Quantity(25.0, "pourcent"), Quantity(None, masked="s"), "–")
    assert masked.ecart.masked == "s" and masked.ecart_relatif.masked == "s"

    class Cost:
        class indicateur:  # noqa: N801 — a Ligne's indicator, as met reads it
            sens = "baisse"

    assert (met(Cost, 1200, 1150), met(Cost, 1200, 1250), met(Cost, 1200, None)) == (
        "oui", "non", "–"
    )  # fmt: skip


@pytest.mark.slow
def test_the_bilan_evaluates_the_commitments_in_force(tmp_path):
    """The signed convention's commitments (signee-* tag), amended by the avenants signed since
    (avenant-* tags), whatever the files say now; the files' own without a signed version."""
    root = copy_project(REPO, tmp_path)
    add_year(root, 2025)
    file = root / "content" / "engagements.yml"
    signed = "valeurs: {2025: 40, 2026: 45, 2027: 45, 2028: 45, 2029: 45, 2030: 45}"
    amended = signed.replace("2026: 45", "2026: 50").replace("2030: 45", "2030: 40")
    drafted = amended.replace("2027: 45", "2027: 48").replace("2029: 45", "2029: 42")

    def commitments() -> tuple[dict, str]:
        """PP-2 of Loir-et-Cher as the bilan evaluates it, and what the bilan says of it."""
        project, vigueur = _in_force(check(root))
        rows = project.content.sources["engagements"].data["engagements"]["PP-2"]
        return next(r for r in rows if r["territoire"] == "41")["valeurs"], plain(vigueur)

    def written(line: str) -> dict:
        return {str(year): value for year, value in yaml.safe_load(line)["valeurs"].items()}

    edit(root, "engagements.yml", signed, amended)
    assert commitments() == (
        written(amended),
        "les engagements du projet de convention (aucune version signée)",
    )
    edit(root, "engagements.yml", amended, signed)
    typed_data_kept()  # the check's typed data, written beside it, are in build/ before git adds
    commit_project(root)
    subprocess.run(["git", "-C", str(root), "tag", "signee-2025"], check=True)
    edit(root, "engagements.yml", signed, amended)
    identity = ["-c", "user.name=R", "-c", "user.email=r@exemple.fr"]
    subprocess.run(["git", "-C", str(root), *identity, "commit", "-qam", "avenant"], check=True)
    subprocess.run(["git", "-C", str(root), "tag", "avenant-1"], check=True)
    edit(root, "engagements.yml", amended, drafted)  # a draft, not signed
    values, said = commitments()
    assert values == written(amended)
    assert said.startswith("les engagements de la convention signée le ")
    assert said.endswith(", modifiés par l'avenant n° 1")
    assert file.read_text(encoding="utf-8").count(drafted) == 1  # the files are left as they are


@pytest.mark.slow
def test_a_later_snapshot_of_the_stock_is_compared_with_the_etat_des_lieux(project):
    folder = project / "content" / "donnees"
    before = stock_by_departement(folder / "patrimoine.csv")
    after = stock_by_departement(folder / "patrimoine_2028.csv")
    rows = table_rows(
        project / "build" / "bilan-2027.docx",
        "Logements au 1er janvier 2024 et au 1er janvier 2028",
    )
    assert rows[0][1:3] == ["Logements 2024", "Logements 2028"]
    printed = {row[0]: row[1:] for row in rows[1:]}
    for code, name in (("37", "Indre-et-Loire"), ("41", "Loir-et-Cher")):
        expected = [number(c[i]) for i in range(3) for c in (before[code], after[code])]
        assert printed[name] == expected
    assert after["37"] != before["37"]  # the snapshot differs: the comparison says something
    totals = [sum(c[i] for c in s.values()) for i in range(3) for s in (before, after)]
    assert printed["Ensemble du patrimoine"] == [number(t) for t in totals]


def test_a_later_snapshot_is_checked_as_the_stock_is(tmp_path):
    root = copy_project(REPO, tmp_path)
    later_snapshot(root, 2026)
    path = root / "content" / "donnees" / "patrimoine_2026.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[5].split(";")
    cells[3] = "Z"  # DPEENERGIE
    lines[5] = ";".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(root, "check")
    assert result.exit_code == 1
    assert "content/donnees/patrimoine_2026.csv:6:4: DPEENERGIE" in result.output


@pytest.mark.slow
def test_a_partners_bilan_that_names_another_territory_is_not_written(tmp_path):
    root = copy_project(REPO, tmp_path)
    add_year(root, 2025)
    (root / "content" / "bilans").mkdir()
    (root / "content" / "bilans" / "2025.yml").write_text(
        "introduction:\n  - En Loir-et-Cher, l'année a été calme.\n", encoding="utf-8"
    )
    result = run(root, "bilan", "--annee", "2025", "--partenaire", "37")
    assert result.exit_code == 1
    assert "build/extraits/bilan-2025-37-indre-et-loire.docx : « Loir-et-Cher »" in result.output
    assert "content/bilans/2025.yml:2:5" in result.output  # where it was written
    assert not (root / "build" / "bilan-2025.docx").exists()  # nothing is written
    assert "Traceback" not in result.output
