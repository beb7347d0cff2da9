"""The synthetic data generator, and the example organisation's data files it produced."""

import csv
import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.synthetic import Commune, generate

REPO = Path(__file__).resolve().parent.parent
DONNEES = REPO / "content" / "donnees"
FILES = (
    "patrimoine.csv",
    "attributions.csv",
    "seuils_premier_quartile.csv",
    "ensembles.csv",
    "travaux.csv",
)

# A small organisation: Tours and Blois with exact counts, the rest of their EPCI by weight.
COMMUNES = [Commune("37261", count=1500), Commune("41018", count=700)] + [
    Commune(code, weight=1 + i % 3)
    for i, code in enumerate(("37122", "37233", "37214", "41295", "41047", "37156", "37159"))
]


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def share(rows: list[dict[str, str]], test) -> float:
    """The share of rows that pass a test."""
    return sum(map(test, rows)) / len(rows)


def weighted_rate(ensembles: list[dict[str, str]], size: Counter, column: str) -> float:
    """A rate of ensembles.csv averaged over their logements."""
    total = sum(float(r[column].replace(",", ".")) * size[r["ENSEMBLE"]] for r in ensembles)
    return total / sum(size[r["ENSEMBLE"]] for r in ensembles)


def documented_columns() -> dict[str, list[str]]:
    """The columns of each file, as docs/donnees.md lists them (tables, or a sentence), in the
    sections named after a file."""
    text = (REPO / "docs" / "donnees.md").read_text(encoding="utf-8")
    columns = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        file = re.match(r"`([\w.]+)`", section)
        if file is None:  # a section on all the files (the réalisé)
            continue
        name = file.group(1)
        listed = re.findall(r"^\| `(\w+)` \|", section, flags=re.M)
        if not listed:
            sentence = re.search(r"colonnes (.*)", section).group(1)
            listed = re.findall(r"`(\w+)`", sentence)
        columns[name] = listed
    return columns


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("seed-1")
    generate(directory, COMMUNES, 5000, [2022, 2023], seed=1)
    return directory


@pytest.fixture(scope="module")
def communes() -> dict[str, tuple[str, str]]:
    """Commune code → (département, EPCI), from the packaged geography."""
    with (REPO / "cusdoc" / "data" / "communes.csv").open(encoding="utf-8") as f:
        return {row["code"]: (row["departement"], row["epci"]) for row in csv.DictReader(f)}


# --- The generator -------------------------------------------------------------------------


def test_same_seed_writes_the_same_bytes(generated, tmp_path):
    counts = generate(tmp_path, COMMUNES, 5000, [2022, 2023], seed=1)
    assert counts["patrimoine.csv"] == 5000
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (generated / name).read_bytes(), name


def test_another_seed_writes_other_data(generated, tmp_path):
    generate(tmp_path, COMMUNES, 5000, [2022, 2023], seed=2)
    for name in FILES:
        assert (tmp_path / name).read_bytes() != (generated / name).read_bytes(), name


@pytest.mark.parametrize("name", FILES)
def test_generated_columns_are_the_documented_ones(generated, name):
    header = (generated / name).read_text(encoding="utf-8").splitlines()[0]
    assert header.split(";") == documented_columns()[name]


def test_generated_stock_keeps_exact_counts_and_sizes(generated):
    logements = read(generated / "patrimoine.csv")
    by_commune = Counter(row["DEPCOM"] for row in logements)
    assert (by_commune["37261"], by_commune["41018"]) == (1500, 700)
    sizes = Counter(row["ENSEMBLE"] for row in logements)
    assert all(10 <= n <= 300 for n in sizes.values())
    assert len(read(generated / "ensembles.csv")) == len(sizes)
    assert all(row["SURFHAB"].count(",") == 1 for row in logements)


def test_generated_distributions_are_rpls_like(generated):
    stock = read(generated / "patrimoine.csv")
    assert share(stock, lambda r: r["FINAN"] in ("10", "11")) == pytest.approx(0.11, abs=0.005)
    assert share(stock, lambda r: r["FINAN"] in ("12", "13")) == pytest.approx(0.74, abs=0.005)
    assert share(stock, lambda r: r["DPEENERGIE"] in ("F", "G")) == pytest.approx(0.10, abs=0.02)
    assert share(stock, lambda r: r["QPV"] != "") == pytest.approx(0.30, abs=0.08)
    assert share(stock, lambda r: r["ACCESSIBLE_PMR"] == "1") == pytest.approx(0.05, abs=0.005)
    assert share(stock, lambda r: r["TYPECONST"] == "C") > 0.6
    attributions = read(generated / "attributions.csv")
    signed = sum(row["bail_signe"] == "1" for row in attributions)
    assert signed / 2 / len(stock) == pytest.approx(0.09, abs=0.005)


def test_generated_plan_de_mise_en_vente_meets_the_sale_conditions(generated):
    """Segment « céder » only, hors QPV, DPE A to E, built ten years before the year, a year of
    2025-2030 for the whole ensemble; in each département of the stock."""
    stock = read(generated / "patrimoine.csv")
    plan = [row for row in stock if row["mise_en_vente"]]
    assert {row["DEPCOM"][:2] for row in plan} == {"37", "41"}
    assert share(stock, lambda r: r["mise_en_vente"] != "") == pytest.approx(0.04, abs=0.01)
    for row in plan:
        year = int(row["mise_en_vente"])
        assert 2025 <= year <= 2030
        assert row["CODSEGPATRIM"] == "CEDER" and row["QPV"] == ""
        assert row["DPEENERGIE"] in "ABCDE" and row["DPEENERGIE"]
        assert int(row["CONSTRUCT"]) <= year - 10
    years = {}
    for row in plan:
        assert years.setdefault(row["ENSEMBLE"], row["mise_en_vente"]) == row["mise_en_vente"]


def test_generated_addresses_are_one_per_ensemble_of_a_commune(generated):
    ensembles = read(generated / "ensembles.csv")
    addresses = [(row["DEPCOM"], row["adresse"]) for row in ensembles]
    assert len(set(addresses)) == len(addresses)
    assert all(re.fullmatch(r"\d+ [a-zé]+ \S.*", address) for _, address in addresses)


def test_generated_thresholds_cover_every_epci_and_year(generated, communes):
    seuils = read(generated / "seuils_premier_quartile.csv")
    epcis = {communes[row["DEPCOM"]][1] for row in read(generated / "patrimoine.csv")}
    assert {(row["annee"], row["EPCI"]) for row in seuils} == {
        (year, epci) for year in ("2022", "2023") for epci in epcis
    }
    assert all(6000 <= int(row["seuil"]) <= 12000 for row in seuils)


def test_generated_works_are_plausible_for_the_stock(generated, communes):
    """Works of each year in proportion to the stock; never more logements than the ensemble
    has; a renovated or rehabilitated ensemble now has the label its works gave it."""
    stock = read(generated / "patrimoine.csv")
    size = Counter(row["ENSEMBLE"] for row in stock)
    labels = {(row["ENSEMBLE"], row["DPEENERGIE"]) for row in stock}
    works = read(generated / "travaux.csv")
    assert all(1 <= int(w["logements"]) <= size[w["ENSEMBLE"]] for w in works)
    for w in works:
        if w["dpe_apres"]:
            assert (w["ENSEMBLE"], w["dpe_apres"]) in labels
            assert w["dpe_avant"] > w["dpe_apres"]
    by_year = Counter((w["annee"], w["nature"]) for w in works for _ in range(int(w["logements"])))
    assert by_year["2023", "rehabilitation"] == pytest.approx(0.015 * len(stock), abs=2)
    assert by_year["2022", "adaptation_pmr"] == pytest.approx(0.006 * len(stock), abs=2)
    out_of_fg = [w for w in works if w["dpe_avant"] in ("F", "G")]
    assert {w["nature"] for w in out_of_fg} == {"renovation_energetique"}


# --- The example organisation ---------------------------------------------------------------


@pytest.fixture(scope="module")
def stock() -> list[dict[str, str]]:
    return read(DONNEES / "patrimoine.csv")


@pytest.mark.parametrize("name", FILES)
def test_example_columns_are_the_documented_ones(name):
    header = (DONNEES / name).read_text(encoding="utf-8").splitlines()[0]
    assert header.split(";") == documented_columns()[name]


@pytest.mark.slow
def test_example_files_are_what_the_script_writes(tmp_path):
    path = REPO / "scripts" / "make_example_data.py"
    spec = importlib.util.spec_from_file_location("make_example_data", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DONNEES / name).read_bytes(), name


def test_example_stock_by_epci(stock, communes):
    by_epci = Counter(communes[row["DEPCOM"]][1] for row in stock)
    assert by_epci == {
        "243700754": 7020,
        "200073161": 1210,
        "200072650": 1182,
        "200030385": 2154,
        "244100798": 484,
    }


def test_example_qpv(stock):
    assert Counter(row["QPV"] for row in stock if row["QPV"]) == {
        "QN037006M": 1120,  # Sanitas
        "QN037004M": 640,  # Europe-Chateaubriand
        "QN037007M": 510,  # Rives du Cher
        "QN037002M": 490,  # La Rabière
        "QN037003M": 420,  # La Rabaterie
        "QN041003M": 800,  # Quartiers Nord
    }


def test_example_energy_classes(stock, communes):
    passoires = [row for row in stock if row["DPEENERGIE"] in ("F", "G")]
    assert len(passoires) == 1140
    assert Counter(communes[row["DEPCOM"]][1] for row in passoires) == {
        "243700754": 610,
        "200073161": 140,
        "200072650": 125,
        "200030385": 205,
        "244100798": 60,
    }
    by_class = Counter((communes[row["DEPCOM"]][0], row["DPEENERGIE"]) for row in stock)
    assert [by_class["37", c] for c in "ABCDEFG"] == [120, 720, 2080, 3897, 1720, 630, 245]
    assert [by_class["41", c] for c in "ABCDEFG"] == [25, 170, 530, 1068, 580, 195, 70]


def test_example_financing(stock, communes):
    family = {"10": "PLAI", "11": "PLAI", "12": "PLUS", "13": "PLUS", "14": "PLS", "16": "PLI"}
    counts = Counter((communes[r["DEPCOM"]][0], family.get(r["FINAN"], "autre")) for r in stock)
    assert counts == {
        ("37", "PLAI"): 1060,
        ("37", "PLUS"): 6930,
        ("37", "PLS"): 520,
        ("37", "autre"): 902,
        ("41", "PLAI"): 265,
        ("41", "PLUS"): 1990,
        ("41", "PLS"): 83,
        ("41", "autre"): 300,
    }


def test_example_typology_age_and_accessibility(stock):
    assert sum(row["ACCESSIBLE_PMR"] == "1" for row in stock) == 612
    assert Counter(row["TYPECONST"] for row in stock) == {"C": 9881, "I": 2169}
    rooms = Counter(min(int(row["NBPIECE"]), 5) for row in stock)
    assert rooms == {1: 720, 2: 2410, 3: 4340, 4: 3380, 5: 1200}
    years = [int(row["CONSTRUCT"]) for row in stock]
    assert round(sum(years) / len(years)) == 1978
    assert sum(1960 <= y < 1970 for y in years) == 3300
    assert sum(1970 <= y < 1980 for y in years) == 3800
    assert sum(y < 1980 for y in years) == 7900
    assert len({row["ENSEMBLE"] for row in stock}) == 428


def test_example_service_classes(stock):
    """Note 0.2 × (construction + équipements) + 0.3 × (localisation + environnement)."""
    size = Counter(row["ENSEMBLE"] for row in stock)
    classes = Counter()
    for row in read(DONNEES / "ensembles.csv"):
        scores = [int(row[c]) for c in ("qualite_construction", "equipements")]
        scores += [int(row[c]) for c in ("localisation", "environnement")]
        note = 2 * (scores[0] + scores[1]) + 3 * (scores[2] + scores[3])
        name = "A" if note >= 40 else "B" if note >= 30 else "C" if note >= 20 else "D"
        classes[name, "ensembles"] += 1
        classes[name, "logements"] += size[row["ENSEMBLE"]]
    assert [classes[c, "ensembles"] for c in "ABCD"] == [92, 168, 121, 47]
    assert [classes[c, "logements"] for c in "ABCD"] == [2386, 4868, 3590, 1206]


def test_example_occupation(stock, communes):
    size = Counter(row["ENSEMBLE"] for row in stock)
    ensembles = read(DONNEES / "ensembles.csv")
    menages = sum(int(row["menages"]) for row in ensembles)
    assert menages == 11520
    sous_60 = sum(int(row["menages_sous_60_pct"]) for row in ensembles)
    apl = sum(int(row["menages_apl"]) for row in ensembles)
    assert round(100 * sous_60 / menages, 1) == 63.1
    assert round(100 * apl / menages, 1) == 48.7
    rate = {
        (column, dep): weighted_rate(
            [r for r in ensembles if dep in ("", communes[r["DEPCOM"]][0])], size, column
        )
        for column in ("taux_vacance", "taux_rotation")
        for dep in ("", "37", "41")
    }
    assert [round(rate["taux_vacance", d], 1) for d in ("", "37", "41")] == [2.8, 2.3, 4.6]
    assert [round(rate["taux_rotation", d], 1) for d in ("", "37", "41")] == [9.1, 8.8, 10.2]


def test_example_attributions(communes):
    attributions = read(DONNEES / "attributions.csv")
    signed = [row for row in attributions if row["bail_signe"] == "1"]
    by_year = Counter((row["annee"], communes[row["DEPCOM"]][1]) for row in signed)
    assert [by_year["2023", e] for e in ("243700754", "200073161", "200072650")] == [641, 108, 106]
    assert [by_year["2023", e] for e in ("200030385", "244100798")] == [206, 45]
    assert Counter(row["annee"] for row in signed) == {"2021": 1078, "2022": 1109, "2023": 1106}
    seuils = {(r["annee"], r["EPCI"]): int(r["seuil"]) for r in read(DONNEES / FILES[2])}
    hors_qpv = [row for row in signed if row["annee"] == "2023" and row["QPV"] == "0"]
    premier = Counter(
        communes[row["DEPCOM"]][1]
        for row in hors_qpv
        if row["relogement_anru"] == "1"
        or int(row["ressources_uc"]) < seuils["2023", communes[row["DEPCOM"]][1]]
    )
    assert premier == {
        "243700754": 75,
        "200030385": 24,
        "200073161": 25,
        "200072650": 22,
        "244100798": 13,
    }
    assert len(hors_qpv) == 711
    in_2023 = [row for row in signed if row["annee"] == "2023"]
    assert sum(row["prioritaire"] == "1" for row in in_2023) == 303
    assert sum(row["dalo"] == "1" for row in in_2023) == 61
    assert sum(row["mutation"] == "1" for row in in_2023) == 262


def test_example_works(communes):
    """Works and sales by year and département, as make_example_data.py states them; 2023 gives
    the references of PP-2, PP-3, PP-4 and SR-1."""
    departement = {
        row["ENSEMBLE"]: communes[row["DEPCOM"]][0] for row in read(DONNEES / "ensembles.csv")
    }
    totals = Counter()
    for w in read(DONNEES / "travaux.csv"):
        totals[w["annee"], departement[w["ENSEMBLE"]], w["nature"]] += int(w["logements"])
    assert [totals["2023", "37", n] for n in ("rehabilitation", "renovation_energetique")] == [
        193,
        124,
    ]
    assert [totals["2023", "41", n] for n in ("rehabilitation", "renovation_energetique")] == [
        51,
        33,
    ]
    assert [totals["2023", d, "adaptation_pmr"] for d in ("37", "41")] == [78, 21]
    assert [totals["2023", d, "mise_en_commercialisation"] for d in ("37", "41")] == [16, 6]
    assert (
        sum(
            totals[y, d, "renovation_energetique"]
            for y in ("2021", "2022", "2023")
            for d in ("37", "41")
        )
        == 458
    )
