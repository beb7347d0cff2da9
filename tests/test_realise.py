"""The réalisé (#11): each later year's data give it by the reference definitions, under that
year's statistical secrecy; content/realise.yml declares the rest with its source; `cusdoc
indicateurs` and the workbook print it, the signed convention never does.

The expected values are computed here in plain Python from the CSV files, never by cusdoc's SQL.
"""

import csv
import io
import math
import zipfile
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
from click.testing import CliRunner

from cusdoc import DATA, TEMPLATES
from cusdoc.assemble.bilan import assemble_bilan
from cusdoc.cli import main
from cusdoc.export.tidy import tidy_rows, to_csv
from cusdoc.export.xlsx import HEADER_ROW, NPL_SHEET, to_xlsx
from cusdoc.model import Convention
from cusdoc.pipeline import build, prepare
from cusdoc.render import render_markdown
from cusdoc.render.typography import typographie
from tests.conftest import EPOCH, REPO, copy_project, edit, refused
from tests.later_years import add_year

REALISE_YML = """\
realise:
  PP-1:
    - territoire: "37"
      valeurs: {2025: 138}
      ventilations:
        PLAI: {2025: 45}
        PLUS: {2025: 80}
        PLS: {2025: 13}
      source: bilan des agréments 2025 établi par la direction départementale des territoires
  G-1:
    - territoire: organisme
      valeurs: {2025: 1195}
      source: état réglementaire des comptes annuels 2025
"""
COMPUTED = "calculé à partir des données de l’organisme"  # as the workbook prints it
SMALL_EPCI = "200073161"  # CC Touraine-Est Vallées, in Indre-et-Loire with two other EPCI


def _project(folder: Path, *annees: int, realise: str | None = None) -> Path:
    """A copy of the example with the data of later years, and content/realise.yml."""
    root = copy_project(REPO, folder)
    for annee in annees:
        add_year(root, annee)
    if realise is not None:
        (root / "content" / "realise.yml").write_text(realise, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def later(tmp_path_factory) -> Path:
    """The example with its 2025 and 2026 data and the réalisé it declares."""
    return _project(tmp_path_factory.mktemp("later"), 2025, 2026, realise=REALISE_YML)


def indicateurs(root: Path) -> list[dict]:
    """The rows of `cusdoc indicateurs --format csv`."""
    result = CliRunner().invoke(
        main, ["-C", str(root), "indicateurs", "--format", "csv"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def realise(rows: list[dict]) -> dict[tuple[str, str, str, str], str]:
    """(indicateur, territoire, ventilation, annee) → valeur, of the rows of nature realise."""
    return {
        (r["indicateur"], r["territoire"], r["ventilation"], r["annee"]): r["valeur"]
        for r in rows
        if r["nature"] == "realise"
    }


def _prepared(root: Path) -> Convention:
    """The convention of a project, dated as the other tests date it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        (convention,) = prepare(root)
    return convention


@pytest.fixture(scope="module")
def later_convention(later) -> Convention:
    return _prepared(later)


@pytest.fixture(scope="module")
def example() -> Convention:
    return _prepared(REPO)


@pytest.fixture(scope="module")
def later_rows(later_convention) -> list[dict]:
    """The rows `cusdoc indicateurs --format csv` prints for the later years' project."""
    return list(csv.DictReader(io.StringIO(to_csv(tidy_rows(later_convention)))))


def _pipe_rows(table: str) -> list[list[str]]:
    """The cells of a pipe table's rows (header first), separator line left out."""
    lines = [line for line in table.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines if "---" not in line]


# ---------------------------------------------------------------------------------------------
# The réalisé of the data, computed again in plain Python


def _csv(root: Path, name: str) -> list[dict]:
    with (root / "content" / "donnees" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


@cache
def _communes() -> dict[str, tuple[str, str]]:
    """Commune code → (département, EPCI), from the geography cusdoc ships."""
    with (DATA / "communes.csv").open(encoding="utf-8", newline="") as f:
        return {r["code"]: (r["departement"], r["epci"]) for r in csv.DictReader(f)}


def _yes(row: dict, column: str) -> bool:
    return row[column] == "1"


def _prioritaire(row: dict) -> bool:
    return _yes(row, "prioritaire") or _yes(row, "dalo")


# Shares of the signed attributions of a département (REFERENCES of compute/references.py).
SHARES = {
    ("PS-2", "total"): _prioritaire,
    ("PS-2", "hors QPV"): lambda row: _prioritaire(row) and not _yes(row, "QPV"),
    ("PP-5", "total"): lambda row: _yes(row, "mutation"),
}
# Logements of the works of a département.
WORKS = {
    "PP-2": lambda w: (
        w["nature"] in ("renovation_energetique", "rehabilitation")
        and w["dpe_avant"] in ("F", "G")
        and w["dpe_apres"] in ("A", "B", "C", "D", "E")
    ),
    "PP-3": lambda w: w["nature"] == "rehabilitation",
    "PP-4": lambda w: w["nature"] == "mise_en_commercialisation",
    "SR-1": lambda w: w["nature"] == "adaptation_pmr",
}


def percent(numerator: int, denominator: int) -> Decimal:
    """A share in per cent to one decimal, half up, as the documents print it."""
    tenths = math.floor(Fraction(1000 * numerator, denominator) + Fraction(1, 2))
    return Decimal(tenths) / 10


def ps1_counts(root: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(year, EPCI) → (numerator, denominator) of PS-1: the EPCI's signed attributions outside
    QPV, and those to a household under the year's first-quartile threshold or rehoused."""
    communes = _communes()
    seuils = {
        (r["annee"], r["EPCI"]): Decimal(r["seuil"]) for r in _csv(root, "seuils_premier_quartile")
    }
    counts: dict[tuple[str, str], list[int]] = {}
    for r in _csv(root, "attributions"):
        key = (r["annee"], communes[r["DEPCOM"]][1])
        if key in seuils and _yes(r, "bail_signe") and not _yes(r, "QPV"):
            count = counts.setdefault(key, [0, 0])
            count[0] += Decimal(r["ressources_uc"]) < seuils[key] or _yes(r, "relogement_anru")
            count[1] += 1
    return {key: (numerator, denominator) for key, (numerator, denominator) in counts.items()}


def expected_realise(root: Path, annees: list[int], committed: set) -> dict:
    """(indicateur, territoire, ventilation, annee) → value, for every commitment
    (indicateur, niveau, territoire, ventilation) of a computed indicator."""
    communes = _communes()
    ensembles: dict[str, str] = {}
    for row in _csv(root, "ensembles"):
        ensembles.setdefault(row["ENSEMBLE"], row["DEPCOM"])
    signed = [r for r in _csv(root, "attributions") if _yes(r, "bail_signe")]
    works = _csv(root, "travaux")
    ps1 = ps1_counts(root)
    out = {}
    for annee in annees:
        for indicateur, niveau, territoire, ventilation in committed:
            key = (indicateur, territoire, ventilation, str(annee))
            if indicateur in WORKS:
                assert niveau == "departement"
                out[key] = Decimal(
                    sum(
                        int(w["logements"])
                        for w in works
                        if w["annee"] == str(annee)
                        and communes[ensembles[w["ENSEMBLE"]]][0] == territoire
                        and WORKS[indicateur](w)
                    )
                )
            elif (indicateur, ventilation) in SHARES:
                assert niveau == "departement"
                rows = [
                    r
                    for r in signed
                    if r["annee"] == str(annee) and communes[r["DEPCOM"]][0] == territoire
                ]
                meets = sum(map(SHARES[(indicateur, ventilation)], rows))
                out[key] = percent(meets, len(rows))
            elif indicateur == "PS-1":
                assert niveau == "epci"
                out[key] = percent(*ps1[(str(annee), territoire)])
    return out


def committed_of(rows: list[dict], indicateurs: set[str]) -> set[tuple[str, str, str, str]]:
    return {
        (r["indicateur"], r["niveau"], r["territoire"], r["ventilation"])
        for r in rows
        if r["nature"] == "engagement" and r["indicateur"] in indicateurs
    }


@pytest.mark.slow
def test_the_rows_of_the_realise_are_the_data_of_each_later_year(later, later_rows):
    computed = {*WORKS, "PS-1", *(i for i, _ in SHARES)}
    committed = committed_of(later_rows, computed)
    assert {c[0] for c in committed} == computed  # PS-2 total and hors QPV, PS-1 per EPCI…
    expected = expected_realise(later, [2025, 2026], committed)
    found = {k: Decimal(v) for k, v in realise(later_rows).items() if k[0] in computed}
    assert found == expected
    # each EPCI of PS-1, each département of the others, both years
    assert len(found) == 2 * len(committed)


@pytest.mark.slow
def test_a_cumulative_realise_needs_every_year_of_its_span(tmp_path):
    convention = _prepared(_project(tmp_path, 2025, 2026, 2027))
    found = realise(tidy_rows(convention))
    for ligne in ("PP-2", "PP-3", "PP-4", "SR-1"):
        for departement in ("37", "41"):
            years = [found[(ligne, departement, "total", str(y))] for y in (2025, 2026, 2027)]
            assert found[(ligne, departement, "total", "2025-2027")] == sum(years)
    assert not [k for k in found if k[3] == "2025-2030"]  # 2028 to 2030 are not recorded
    assert not [k for k in found if k[0] in ("PS-1", "PS-2", "PP-5") and "-" in k[3]]  # rates
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx(convention, int(EPOCH))))
    (row,) = [r for r in _sheet_rows(workbook["PP-4"]) if r["Code du territoire"].value == "37"]
    assert row["Réalisé cumul 3 ans"].value == found[("PP-4", "37", "total", "2025-2027")]
    assert row["Réalisé cumul 6 ans"].value is None


def test_the_example_has_no_realise(example):
    assert [r for r in tidy_rows(example) if r["nature"] == "realise"] == []


@pytest.mark.slow
def test_a_year_before_the_period_gives_no_realise(tmp_path):
    rows = indicateurs(_project(tmp_path, 2024))
    assert realise(rows) == {}
    assert {r["annee"] for r in rows if r["nature"] == "reference"} == {"2023"}


# ---------------------------------------------------------------------------------------------
# The réalisé declared in content/realise.yml


@pytest.mark.slow
def test_declared_realise_is_printed_with_its_values(later_rows):
    declared = {k: v for k, v in realise(later_rows).items() if k[0] in ("PP-1", "G-1")}
    assert declared == {
        ("PP-1", "37", "total", "2025"): "138",
        ("PP-1", "37", "PLAI", "2025"): "45",
        ("PP-1", "37", "PLUS", "2025"): "80",
        ("PP-1", "37", "PLS", "2025"): "13",
        ("G-1", "organisme", "total", "2025"): "1195",
    }


@pytest.fixture(scope="module")
def declaring(tmp_path_factory) -> Path:
    """The example with its 2025 data, for a test to write its own content/realise.yml."""
    return _project(tmp_path_factory.mktemp("declaring"), 2025)


ENTRY = """\
realise:
  {indicateur}:
    - territoire: "{territoire}"
      valeurs: {{{valeurs}}}
      source: bilan de l'organisme
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ENTRY.format(indicateur="PP-1", territoire="45", valeurs="2025: 30"),
            "content/realise.yml:3:19: realise.PP-1[0].territoire : aucun engagement de PP-1 "
            "pour le territoire « 45 » dans content/engagements.yml (engagements de PP-1 : 37, "
            "41) : le réalisé se déclare pour un engagement de la convention",
        ),
        (
            ENTRY.format(indicateur="PP-1", territoire="37", valeurs="2031: 150"),
            "content/realise.yml:4:17: realise.PP-1[0].valeurs.2031 : l'année 2031 est hors de "
            "la période 2025-2030",
        ),
        (
            ENTRY.format(indicateur="PP-1", territoire="37", valeurs="2024: 150"),
            "content/realise.yml:4:17: realise.PP-1[0].valeurs.2024 : l'année 2024 est hors de "
            "la période 2025-2030",
        ),
        (
            ENTRY.format(indicateur="PS-2", territoire="37", valeurs="2025: 31.5"),
            "content/realise.yml:4:17: realise.PS-2[0].valeurs.2025 : le réalisé 2025 de PS-2 "
            "se calcule à partir de content/donnees/attributions.csv, qui couvre cette année : "
            "retirez cette valeur",
        ),
        (
            ENTRY.format(indicateur="PP-2", territoire="41", valeurs="2025: 12"),
            "content/realise.yml:4:17: realise.PP-2[0].valeurs.2025 : le réalisé 2025 de PP-2 "
            "se calcule à partir de content/donnees/travaux.csv, qui couvre cette année : "
            "retirez cette valeur",
        ),
        (
            'realise:\n  PP-2:\n    - territoire: "37"\n      valeurs: {2026: 130}\n'
            "      ventilations:\n        PLAI: {2026: 40}\n      source: bilan 2026\n",
            "content/realise.yml:6:9: realise.PP-2[0].ventilations.PLAI : la ventilation « PLAI » "
            "n'a pas d'engagement de PP-2 pour ce territoire dans content/engagements.yml",
        ),
        (
            ENTRY.format(indicateur="G-1", territoire="organisme", valeurs="2026: 1190")
            + "    - territoire: organisme\n      valeurs: {2027: 1180, 2026: 1185}\n"
            "      source: bilan 2\n",
            "content/realise.yml:7:29: realise.G-1[1].valeurs.2026 : le réalisé 2026 est déjà "
            "déclaré pour ce territoire (realise.G-1[0])",
        ),
        (
            ENTRY.format(indicateur="PP-1", territoire="37", valeurs="2026: 150.5"),
            "content/realise.yml:4:17: realise.PP-1[0].valeurs.2026 : un nombre entier est "
            "attendu, trouvé 150,5",
        ),
        (
            ENTRY.format(indicateur="PS-1", territoire="243700754", valeurs="2027: 130"),
            "content/realise.yml:4:17: realise.PS-1[0].valeurs.2027 : un taux de 0 à 100 % est "
            "attendu, trouvé 130",
        ),
        (
            ENTRY.format(indicateur="G-1", territoire="organisme", valeurs="2026: 1")
            + "      sources: comptes\n",
            "content/realise.yml:6:7: realise.G-1[0] : clé inconnue « sources » ; vouliez-vous "
            "dire « source » ? (clés possibles : source, territoire, valeurs, ventilations)",
        ),
    ],
    ids=[
        "territoire-sans-engagement",
        "annee-apres-la-periode",
        "annee-avant-la-periode",
        "valeur-des-attributions",
        "valeur-des-travaux",
        "ventilation-sans-engagement",
        "annee-en-double",
        "nombre-non-entier",
        "taux-au-dela-de-100",
        "cle-inconnue",
    ],
)
def test_declared_realise_refused(declaring, text, expected):
    (declaring / "content" / "realise.yml").write_text(text, encoding="utf-8")
    assert refused(declaring) == [expected]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'realise:\n  PP-1:\n    - territoire: "37\x07"\n      valeurs: {2025: 1}\n'
            b"      source: x\n",
            "content/realise.yml:3:22: caractère de contrôle U+0007 : supprimez-le",
        ),
        (
            b"realise: [PP-1, G-1]\n",
            "content/realise.yml:1:10: realise : des clés « nom: valeur » sont attendues, trouvé "
            "une liste",
        ),
        (
            b"- PP-1\n",
            "content/realise.yml:1:1: des clés « nom: valeur » sont attendues en haut du "
            "fichier, trouvé une liste",
        ),
        (
            b'realise:\n  PP-1: {territoire: "37"}\n',
            "content/realise.yml:2:9: realise.PP-1 : une liste (lignes commençant par « - ») est "
            "attendue, trouvé des clés « nom: valeur »",
        ),
        (
            b"realise: " + b"[" * 1000 + b"]" * 1000 + b"\n",
            "content/realise.yml:1:41: YAML invalide : imbrication trop profonde (plus de 32 "
            "niveaux de listes et de clés) : un texte qui commence par « [ » ou « { » doit être "
            "entre guillemets",
        ),
        (
            b"realise:\n  PP-1: \xff\n",
            "content/realise.yml:2:9: le fichier doit être encodé en UTF-8 ; octet 0xff "
            "invalide (enregistrez le fichier en UTF-8 depuis votre éditeur)",
        ),
    ],
    ids=[
        "caractere-de-controle",
        "liste",
        "liste-en-haut",
        "ligne-non-liste",
        "imbrication",
        "octets",
    ],
)
def test_hostile_realise_gives_a_message_not_a_traceback(declaring, data, expected):
    (declaring / "content" / "realise.yml").write_bytes(data)
    assert refused(declaring) == [expected]


def test_a_year_the_data_do_not_cover_is_declared(declaring):
    text = ENTRY.format(indicateur="PS-2", territoire="41", valeurs="2026: 31.5, 2027: 32")
    (declaring / "content" / "realise.yml").write_text(text, encoding="utf-8")
    found = realise(indicateurs(declaring))
    ps2 = {k[3]: v for k, v in found.items() if k[:3] == ("PS-2", "41", "total")}
    assert ps2.keys() == {"2025", "2026", "2027"} and ps2["2025"]  # 2025: from the data
    assert (ps2["2026"], ps2["2027"]) == ("31.5", "32")


def test_realise_is_not_a_chapter(tmp_path):
    root = _project(tmp_path, realise=REALISE_YML)
    edit(root, "convention.yml", "  - engagements\n", "  - engagements\n  - realise\n")
    problems = refused(root)
    assert len(problems) == 1
    assert problems[0].startswith("content/convention.yml:")
    assert problems[0].endswith(" : « realise » n'est pas un chapitre")


@pytest.mark.slow
def test_a_year_of_attributions_needs_its_thresholds(tmp_path):
    root = _project(tmp_path, 2025)
    path = root / "content" / "donnees" / "seuils_premier_quartile.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith("2025;")), encoding="utf-8")
    assert refused(root) == [
        "content/donnees/seuils_premier_quartile.csv:1:1: seuil du premier quartile manquant "
        f"pour l'EPCI {epci} en 2025, année de la période couverte par attributions.csv "
        "(réalisé de PS-1)"
        for epci in ("200030385", "200072650", "200073161", "243700754", "244100798")
    ]


def test_a_threshold_given_twice_is_refused(tmp_path):
    root = _project(tmp_path)
    path = root / "content" / "donnees" / "seuils_premier_quartile.csv"
    with path.open("a", encoding="utf-8") as f:
        f.write("2023;244100798;8800\n")
    assert refused(root) == [
        "content/donnees/seuils_premier_quartile.csv:22:2: EPCI : le seuil de l'EPCI "
        "244100798 en 2023 est donné deux fois (lignes 16 et 22) : une ligne par EPCI et par "
        "année est attendue"
    ]


# ---------------------------------------------------------------------------------------------
# Statistical secrecy of each year


@pytest.mark.slow
def test_secrecy_of_a_later_year_masks_a_small_epci_and_what_gives_it_back(tmp_path):
    root = _project(tmp_path, 2025)
    communes = _communes()

    def small(row: dict) -> bool:
        return row["annee"] == "2025" and communes[row["DEPCOM"]][1] == SMALL_EPCI

    rows = _csv(root, "attributions")
    kept = [{**r, "bail_signe": "1", "QPV": "0"} for r in filter(small, rows)][:3]  # under 5
    path = root / "content" / "donnees" / "attributions.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]), delimiter=";", lineterminator="\n")
        writer.writeheader()
        writer.writerows([r for r in rows if not small(r)] + kept)
    convention = _prepared(root)
    found = realise(tidy_rows(convention))
    ps1 = {k[1]: v for k, v in found.items() if k[0] == "PS-1"}
    assert ps1[SMALL_EPCI] is None
    # Indre-et-Loire's PS-1 count, less those of its other EPCI, would give the small one back:
    # the other EPCI with the fewest such attributions is masked too, as in the reference year.
    counts = ps1_counts(root)
    others = {
        epci: counts[("2025", epci)][0]
        for epci in ps1
        if epci != SMALL_EPCI and {d for d, e in communes.values() if e == epci} == {"37"}
    }
    assert len(others) == 2
    fewest = min(others, key=others.get)
    assert {epci for epci, value in ps1.items() if value is None} == {SMALL_EPCI, fewest}
    assert all(value is not None for k, value in found.items() if k[0] != "PS-1")
    # the workbook leaves the same cells empty
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx(convention, int(EPOCH))))
    empty = {
        r["Code du territoire"].value
        for r in _sheet_rows(workbook["PS-1"])
        if r["Réalisé 2025"].value is None
    }
    assert empty == {SMALL_EPCI, fewest}
    # and the bilan prints them « s », gap included, with the reason under the table
    bilan, _ = assemble_bilan(convention, 2025, [], lambda blocks, territoire: [], [], {})
    markdown = render_markdown(bilan, TEMPLATES)
    for epci in (SMALL_EPCI, fewest):
        nom = next(ligne.nom for ligne in convention.engagements if ligne.territoire == epci)
        caption = f": PS-1 — {typographie(nom)}"
        table = markdown.split(caption)[0].rstrip().rsplit("\n\n", 1)[-1]
        assert [cells[2:4] for cells in _pipe_rows(table)[1:]] == [["s", "s"]]
    assert "s\u00a0: secret statistique (effectif inférieur à 5, ou qui permettrait" in markdown


# ---------------------------------------------------------------------------------------------
# The workbook


@pytest.fixture(scope="module")
def later_workbook(later_convention):
    return openpyxl.load_workbook(io.BytesIO(to_xlsx(later_convention, int(EPOCH))))


def _sheet_rows(sheet) -> list[dict]:
    headers = [c.value for c in sheet[HEADER_ROW]]
    return [dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]


@pytest.mark.slow
def test_the_workbook_has_the_realise_columns(later_workbook):
    workbook = later_workbook
    headers = [c.value for c in workbook["PS-2"][HEADER_ROW]]
    assert headers[-8:] == [
        "Cumul 3 ans",
        "Cumul 6 ans",
        "Réalisé 2025",
        "Réalisé 2026",
        "Réalisé cumul 3 ans",
        "Réalisé cumul 6 ans",
        "Source du réalisé",
        "Unité",
    ]
    hors_qpv = next(
        r
        for r in _sheet_rows(workbook["PS-2"])
        if r["Code du territoire"].value == "37" and r["Ventilation"].value == "dont hors QPV"
    )
    assert hors_qpv["Réalisé 2025"].number_format == '0.0"\u00a0"%'
    assert hors_qpv["Source du réalisé"].value == f"2025 et 2026\u00a0: {COMPUTED}"
    pp1 = {
        r["Ventilation"].value: r
        for r in _sheet_rows(workbook["PP-1"])
        if r["Code du territoire"].value == "37"
    }
    assert pp1["Total"]["Réalisé 2025"].value == 138
    assert pp1["Total"]["Réalisé 2025"].number_format == "#,##0"
    assert pp1["Total"]["Réalisé 2026"].value is None
    assert pp1["Total"]["Source du réalisé"].value == (
        "2025\u00a0: bilan des agréments 2025 établi par la direction départementale des "
        "territoires"
    )
    assert pp1["dont hors QPV"]["Réalisé 2025"].value is None
    assert pp1["dont hors QPV"]["Source du réalisé"].value is None


@pytest.mark.slow
def test_the_workbook_realise_is_the_rows_realise(later_workbook, later_rows):
    """Every réalisé cell, for every indicator, is the value `cusdoc indicateurs` prints (a
    percentage as a fraction); a cumulative span not wholly recorded stays empty."""
    workbook = later_workbook
    found = realise(later_rows)
    compared = 0
    for sheet in workbook.worksheets[1:]:
        if sheet.title == NPL_SHEET:
            continue
        for row in _sheet_rows(sheet):
            code = row["Code du territoire"].value
            territoire = "organisme" if row["Niveau"].value == "Organisme" else code
            ventilation = {"Total": "total"}.get(row["Ventilation"].value, row["Ventilation"].value)
            ventilation = ventilation.removeprefix("dont ")
            percent_ = row["Unité"].value == "Pourcentage"
            for annee in ("2025", "2026"):
                printed = found.get((sheet.title, territoire, ventilation, annee))
                cell = row[f"Réalisé {annee}"].value
                if printed:
                    value = Decimal(printed) / (100 if percent_ else 1)
                    assert Decimal(str(cell)) == value, (sheet.title, code, annee)
                    compared += 1
                else:
                    assert cell is None
            assert row["Réalisé cumul 3 ans"].value is None
            assert row["Réalisé cumul 6 ans"].value is None
    assert compared == len([v for v in found.values() if v])


@pytest.mark.slow
def test_the_workbook_without_realise_is_unchanged(later_convention, example):
    """The réalisé adds columns and nothing else: without it, the later years' workbook is
    byte for byte the example's, whose headers end with the cumuls and the unit."""
    expected = to_xlsx(example, int(EPOCH))
    sheet = openpyxl.load_workbook(io.BytesIO(expected))["PS-2"]
    assert [c.value for c in sheet[HEADER_ROW]][-3:] == ["Cumul 3 ans", "Cumul 6 ans", "Unité"]
    lignes = [replace(x, realise={}, sources_realise={}) for x in later_convention.engagements]
    assert to_xlsx(replace(later_convention, engagements=lignes), int(EPOCH)) == expected


# ---------------------------------------------------------------------------------------------
# The signed convention never prints the réalisé


@pytest.mark.slow
def test_the_convention_text_is_unchanged_by_the_realise(later_convention, example):
    assert render_markdown(later_convention, TEMPLATES) == render_markdown(example, TEMPLATES)


def _pdf_text(path: Path) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(path))


@pytest.mark.slow
def test_the_convention_documents_are_unchanged_by_the_realise(later, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    example = _project(tmp_path / "exemple")
    documents = {}
    for root in (example, later):
        docx_path, pdf_path = build(root, ("docx", "pdf"))
        with zipfile.ZipFile(docx_path) as archive:
            documents[root] = (archive.read("word/document.xml"), _pdf_text(pdf_path))
    assert documents[later] == documents[example]
