"""Tests that catch regressions: each one fails when a rule it names is removed from cusdoc.

They drive the command line (cusdoc.cli.main) and read what it prints or writes, never
cusdoc's other modules, so that they hold whatever the package's internal layout. Expected
values are worked out here from the input files, independently of cusdoc's own computations.
"""

import csv
import datetime
import os
import re
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner

import cusdoc
from cusdoc.cli import main
from tests.conftest import EPOCH, PROJETS, REPO, copy_project, project_with


def cusdoc_cli(root: Path, *args: str):
    return CliRunner().invoke(main, ["-C", str(root), *args])


# --- 1. Classement: classes from the best to the worst, the last category without conditions.

CLASSEMENT = {
    # A 2,5 then B 3,5: the order is reversed; C equal to B: the minima must strictly decrease.
    "classement-ordre": (
        "content/classement.yml:16:22: service_rendu.classes[1].note_minimale : les classes vont "
        "de la meilleure à la moins bonne : 3.5 devrait être inférieur à 2.5\n"
        "content/classement.yml:19:22: service_rendu.classes[2].note_minimale : les classes vont "
        "de la meilleure à la moins bonne : 3.5 devrait être inférieur à 3.5\n"
        "2 problèmes à corriger dans le contenu.\n"
    ),
    # C, the last class, starts at 1,5: a score between 1 and 1,5 would have no class.
    "classement-derniere-classe": (
        "content/classement.yml:19:22: service_rendu.classes[2].note_minimale : la dernière "
        "classe reçoit les notes les plus basses : sa note minimale doit être 1 au plus, "
        "trouvé 1.5\n"
        "1 problème à corriger dans le contenu.\n"
    ),
    # « équilibrée », the last category, has conditions: an ensemble could have no category.
    "classement-derniere-categorie": (
        "content/classement.yml:32:7: occupation.categories[3].conditions : la dernière "
        "catégorie reçoit les ensembles qu'aucune autre ne retient : elle n'a pas de conditions\n"
        "1 problème à corriger dans le contenu.\n"
    ),
}


@pytest.mark.parametrize("case", sorted(CLASSEMENT))
def test_classement_rules_are_reported_at_their_line(case, tmp_path):
    root = project_with(case, tmp_path)
    result = cusdoc_cli(root, "check")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == CLASSEMENT[case]


def test_classement_cases_change_only_the_classement():
    for case in CLASSEMENT:
        files = sorted(p.name for p in (PROJETS / case / "content").iterdir())
        assert files == ["classement.yml"], case


# --- 2. PS-1 references, one per EPCI, recomputed here from the example's CSV files.

TRUE = {"1", "oui", "o", "vrai", "true", "y", "yes", "x"}
FALSE = {"0", "non", "n", "faux", "false", "no"}
EPCI_NAMES = {  # as the document names them
    "243700754": "Tours Métropole Val de Loire",
    "200073161": "Communauté de communes Touraine-Est Vallées",
    "200072650": "Communauté de communes Touraine Vallée de l’Indre",
    "200030385": "Communauté d’agglomération de Blois «\u00a0Agglopolys\u00a0»",
    "244100798": "Communauté de communes du Grand Chambord",
}


def read_csv(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8-sig")
    separator = ";" if ";" in text.splitlines()[0] else ","
    return list(csv.DictReader(text.splitlines(), delimiter=separator))


def boolean(text: str) -> bool:
    value = text.strip().lower()
    assert value in TRUE | FALSE, text
    return value in TRUE


def number(text: str) -> float:
    return float(re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", "."))


def ps1_by_hand(root: Path) -> dict[str, float]:
    """EPCI → share (%) of the reference year's signed leases hors QPV that went to a household
    under the EPCI's first-quartile threshold of the year, or rehoused by the ANRU."""
    convention = yaml.safe_load((root / "content" / "convention.yml").read_text(encoding="utf-8"))
    annee = convention["generation"]["annee_reference"]
    communes = next(Path(cusdoc.__file__).parent.rglob("communes.csv"))
    epci_of = {row["code"]: row["epci"] for row in read_csv(communes)}
    donnees = root / "content" / "donnees"
    seuils = {
        (int(row["annee"]), row["EPCI"].strip()): number(row["seuil"])
        for row in read_csv(donnees / "seuils_premier_quartile.csv")
    }
    counted: dict[str, list[bool]] = {}
    for row in read_csv(donnees / "attributions.csv"):
        if int(row["annee"]) != annee or not boolean(row["bail_signe"]) or boolean(row["QPV"]):
            continue
        epci = epci_of[row["DEPCOM"].strip().zfill(5)]
        under = number(row["ressources_uc"]) < seuils[(annee, epci)]
        counted.setdefault(epci, []).append(under or boolean(row["relogement_anru"]))
    return {epci: 100 * sum(flags) / len(flags) for epci, flags in counted.items()}


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return copy_project(REPO, tmp_path_factory.mktemp("exemple"))


def test_ps1_reference_of_every_epci_in_the_csv(example):
    expected = ps1_by_hand(example)
    assert sorted(expected) == sorted(EPCI_NAMES)  # the example's five EPCI
    result = cusdoc_cli(example, "indicateurs", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    references = {
        row["territoire"]: row
        for row in rows
        if row["indicateur"] == "PS-1" and row["nature"] == "reference"
    }
    assert sorted(references) == sorted(expected)
    for epci, value in expected.items():
        row = references[epci]
        assert (row["niveau"], row["ventilation"], row["annee"], row["unite"]) == (
            "epci",
            "total",
            "2023",
            "pourcent",
        )
        # rounded as the documents print it: one decimal
        assert float(row["valeur"]) == pytest.approx(round(value, 1), abs=1e-9), epci


def test_ps1_table_of_every_epci_in_the_document(example, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    expected = ps1_by_hand(example)
    result = cusdoc_cli(example, "build", "--format", "md")
    assert result.exit_code == 0, result.output
    markdown = (example / "build" / "convention.md").read_text(encoding="utf-8")
    start = markdown.index("PS-1 — Attributions hors QPV au premier quartile {#indicateur-ps-1}")
    section = markdown[start : markdown.index("\n## ", start)]
    # Each table is followed by its caption « : PS-1 — <EPCI> »: its first row is the total,
    # whose first cell is the reference of 2023.
    tables = re.findall(
        r"\n\|  \| Réf\. 2023 \|.*\n\|[-:|]+\|\n\| Total \| ([^|]+) \|.*\n\n: (.+)\n", section
    )
    shown = {caption: reference for reference, caption in tables}
    assert shown == {
        f"PS-1 — {EPCI_NAMES[epci]}": f"{value:.1f}".replace(".", ",") + "\u00a0%"
        for epci, value in expected.items()
    }


# --- 3. Leak check: people's names are no territory, even when they are a commune's name.

# In tests/projets/signataires-noms-de-communes, the organisme's signatory is « Claire Morand »
# (Morand, 37160, is in Indre-et-Loire) and Indre-et-Loire's contact is « Lucie Faye » (Faye,
# 41081, is in Loir-et-Cher): Morand is printed in the extracts of Loir-et-Cher and Agglopolys,
# Faye in Indre-et-Loire's, where each names another territory's commune.
NOMS = "signataires-noms-de-communes"
EXTRAITS = {  # the signatories' names print in a signatory's extract; a contact in its own
    "200030385-communaute-d-agglomeration-de-blois-agglopolys": ["Claire Morand"],
    "37-indre-et-loire": ["Lucie Faye"],
    "41-loir-et-cher": [],
}


def docx_text(path: Path) -> str:
    document = docx.Document(path)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.slow
def test_names_of_people_that_are_communes_elsewhere_are_no_leak(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = project_with(NOMS, tmp_path)
    result = cusdoc_cli(root, "extrait", "--tous")
    assert result.exit_code == 0, result.output
    folder = root / "build" / "extraits"
    written = [
        f"build/extraits/{name}.{ext}" for name in sorted(EXTRAITS) for ext in ("docx", "pdf")
    ]
    assert result.stdout == "".join(f"Produit : {root / path}\n" for path in written)
    assert sorted(f"build/extraits/{p.name}" for p in folder.iterdir()) == written
    for name, people in EXTRAITS.items():
        text = docx_text(folder / f"{name}.docx")
        for person in people:  # the names are printed: the exemption is what lets them through
            assert person in text, (name, person)


def test_the_same_commune_in_ordinary_text_is_a_leak(tmp_path):
    """What the exemption above lets through in a name is a leak anywhere else."""
    root = project_with(NOMS, tmp_path)
    edl = root / "content" / "etat_des_lieux.yml"
    assert len(edl.read_text(encoding="utf-8").splitlines()) == 24
    with edl.open("a", encoding="utf-8") as file:
        file.write(
            "  - titre: L'accueil des locataires\n"
            "    contenu:\n"
            "      - Les bureaux de Morand et de Faye accueillent les locataires.\n"
        )
    result = cusdoc_cli(root, "extrait", "--tous")
    assert result.exit_code == 1
    assert result.stdout == ""
    leak = (
        "content/etat_des_lieux.yml:27:9: sections[1].contenu[0] : « {} » ({}) fuirait dans "
        "l'extrait {} : marquez ce passage avec « territoires » ou reformulez-le sans nommer "
        "de territoire\n"
    )
    agglopolys = "200030385 (Communauté d'agglomération de Blois «\u00a0Agglopolys\u00a0»)"
    assert result.stderr == (
        leak.format("Faye", "Loir-et-Cher", "37 (Indre-et-Loire)")
        + leak.format("Morand", "Indre-et-Loire", agglopolys)
        + leak.format("Morand", "Indre-et-Loire", "41 (Loir-et-Cher)")
        + "3 problèmes à corriger dans le contenu.\n"
    )
    assert not (root / "build" / "extraits").exists()  # no deliverable; the data cache may be


# --- 4. The date stamped in the deliverables, without SOURCE_DATE_EPOCH.

COMMIT_DATE = datetime.datetime(2024, 5, 6, 7, 8, 9)
NEWEST_FILE = datetime.datetime(2022, 2, 3, 4, 5, 6)


def stamp_of_the_workbook(root: Path) -> datetime.datetime:
    result = cusdoc_cli(root, "build", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(root / "build" / "indicateurs.xlsx").properties.created


def date_content_files(root: Path) -> None:
    """Every content file (text and data) of 2021, but one of NEWEST_FILE."""
    old = datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC).timestamp()
    for path in (root / "content").rglob("*.*"):
        os.utime(path, (old, old))
    newest = NEWEST_FILE.replace(tzinfo=datetime.UTC).timestamp()
    os.utime(root / "content" / "orientations.yml", (newest, newest))


@pytest.fixture
def unstamped(tmp_path, monkeypatch) -> Path:
    """The minimal project, without SOURCE_DATE_EPOCH, in a folder that no git repository
    above tmp_path can claim."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return copy_project(PROJETS / "minimal", tmp_path / "projet")


def test_without_source_date_epoch_the_stamp_is_the_last_commit_date(unstamped):
    when = COMMIT_DATE.isoformat() + "+00:00"
    identity = ["-c", "user.name=Camille Rédaction", "-c", "user.email=c@exemple.fr"]
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    for args in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-qm", "version déposée"]):
        subprocess.run(
            ["git", "-C", str(unstamped), *args], check=True, capture_output=True, env=env
        )
    date_content_files(unstamped)  # the files' dates must not be what is read
    assert stamp_of_the_workbook(unstamped) == COMMIT_DATE


def test_outside_git_the_stamp_is_the_newest_content_file(unstamped):
    date_content_files(unstamped)
    assert stamp_of_the_workbook(unstamped) == NEWEST_FILE
