"""The logements-foyers and accession volets: PP-LF references recomputed from foyers.csv by the
test itself, the rules that call for each volet refused at their file, line and column, and
région-scale accession commitments from the check to the workbook."""

import csv
import io
import shutil

import openpyxl
import pytest

from cusdoc import DATA
from cusdoc.assemble.engagements import lignes_for
from cusdoc.compute import compute_tables, foyers
from cusdoc.export.tidy import tidy_rows
from cusdoc.export.xlsx import HEADER_ROW, to_xlsx
from cusdoc.load.catalogue import load_catalogue
from cusdoc.model import TOTAL, Quantity
from cusdoc.pipeline import check, document
from tests.conftest import EPOCH, PROJETS, copy_project, edit, refused

FOYERS_ENGAGEMENTS = """  PP-LF-1:
    - territoire: "41"
      valeurs: {2025: 0, 2026: 10, 2027: 0, 2028: 0, 2029: 0, 2030: 0}
      justification: une seule opération est programmée.
  PP-LF-2:
    - territoire: "41"
      valeurs: {2025: 0, 2026: 40, 2027: 0, 2028: 30, 2029: 0, 2030: 0}
      justification: les rénovations suivent le plan stratégique de patrimoine.
  PP-LF-3:
    - territoire: "41"
      valeurs: {2025: 0, 2026: 40, 2027: 0, 2028: 30, 2029: 0, 2030: 0}
      justification: les réhabilitations suivent le plan stratégique de patrimoine.
"""

ACCESSION_ENGAGEMENTS = """  PP-ACC-1:
    - territoire: "24"
      reference: 12.5
      source_reference: contrats PSLA de 2021 à 2023
      valeurs: {2025: 10, 2026: 10, 2027: 12, 2028: 12, 2029: 15, 2030: 15}
      justification: les contrats en cours arrivent à terme après 2028.
  PS-ACC-1:
    - territoire: "24"
      reference: 70
      source_reference: contrats signés en 2023
      valeurs: {2025: 75, 2026: 75, 2027: 75, 2028: 80, 2029: 80, 2030: 80}
"""

VOLETS = "lieu_signature: Orléans\n"


def with_volet(root, volet: str, engagements: str):
    edit(root, "convention.yml", VOLETS, f"{VOLETS}\nvolets: [{volet}]\n")
    path = root / "content" / "engagements.yml"
    path.write_text(path.read_text(encoding="utf-8") + engagements, encoding="utf-8")
    return root


def foyers_project(target):
    """The minimal project with three foyers in Loir-et-Cher, two in Blois (Agglopolys)."""
    root = copy_project(PROJETS / "minimal", target)
    shutil.copytree(PROJETS / "foyers" / "content", root / "content", dirs_exist_ok=True)
    return with_volet(root, "logements_foyers", FOYERS_ENGAGEMENTS)


@pytest.fixture
def projet(tmp_path):
    return foyers_project(tmp_path)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """The foyers project, checked once for the tests that only read it."""
    return check(foyers_project(tmp_path_factory.mktemp("foyers")))


@pytest.fixture
def ventes(tmp_path):
    """The minimal project with 20 new logements sold in accession from 2022 to 2024."""
    root = copy_project(PROJETS / "minimal", tmp_path)
    shutil.copytree(PROJETS / "accession" / "content", root / "content", dirs_exist_ok=True)
    return root


def foyers_rows(root) -> list[dict]:
    with (root / "content" / "donnees" / "foyers.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=";"))


def epci_of() -> dict[str, str]:
    with (DATA / "communes.csv").open(encoding="utf-8") as f:
        return {row["code"]: row["epci"] for row in csv.DictReader(f)}


def test_pp_lf_references_are_the_equivalents_of_foyers_csv(checked):
    rows = foyers_rows(checked.root)
    epci = epci_of()
    expected = {}
    for territoire, kept in (
        ("41", rows),
        ("200030385", [r for r in rows if epci[r["DEPCOM"]] == "200030385"]),
    ):
        renovated = [
            r
            for r in kept
            if r["annee_renovation"] == "2023"
            and r["dpe_avant_renovation"] in ("F", "G")
            and r["DPEENERGIE"] in ("A", "B", "C", "D", "E")
        ]
        expected[territoire] = (
            sum(int(r["equivalents"]) for r in kept if r["annee_agrement"] == "2023"),
            sum(int(r["equivalents"]) for r in renovated),
            sum(int(r["equivalents"]) for r in kept if r["annee_rehabilitation"] == "2023"),
        )
    assert expected == {"41": (12, 12, 40), "200030385": (12, 12, 40)}
    references = checked.context.references
    for territoire, values in expected.items():
        niveau = "departement" if territoire == "41" else "epci"
        found = tuple(references[(f"PP-LF-{n}", niveau, territoire, TOTAL)] for n in (1, 2, 3))
        assert found == values
    convention = document(checked)
    tables = {ligne.indicateur.id: ligne for ligne in convention.engagements}
    assert tables["PP-LF-3"].reference[TOTAL] == Quantity(40, "nombre")
    assert tables["PP-LF-2"].reference[TOTAL] == Quantity(12, "nombre")


def test_a_renovation_says_the_label_it_left(projet):
    edit(projet, "donnees/foyers.csv", ";2023;F\n", ";2023;\n")
    assert refused(projet) == [
        "content/donnees/foyers.csv:3:12: annee_renovation : l'établissement F2 a une rénovation "
        "énergétique achevée en 2023 sans sa classe d'avant : renseignez « dpe_avant_renovation » "
        "(de A à G), ou videz « annee_renovation »"
    ]


def test_a_territory_of_the_stock_without_foyers_has_none(projet):
    edit(projet, "donnees/foyers.csv", ";41025;", ";41018;")  # out of the Grand Chambord
    references = check(projet).context.references
    assert [references[(f"PP-LF-{n}", "epci", "244100798", TOTAL)] for n in (1, 2, 3)] == [0] * 3


def test_the_table_of_the_foyers_on_the_whole_and_on_a_partner(checked):
    rows = foyers_rows(checked.root)
    for data, kept in (
        (checked.data, rows),
        (checked.data.territory("EPCI", "200030385"), rows[:2]),
    ):
        table = compute_tables(data, checked.content, checked.geo.names)["foyers_etablissements"]
        expected = sorted(kept, key=lambda r: (-int(r["equivalents"]), r["nom"]))
        assert [row[0] for row in table.lignes] == [r["nom"] for r in expected] + ["Total"]
        assert [row[4].value for row in table.lignes] == [
            *(int(r["equivalents"]) for r in expected),
            sum(int(r["equivalents"]) for r in kept),
        ]
    assert table.lignes[0][1:4] == ["Blois", "résidence sociale", "Association A"]
    assert table.lignes[0][5:] == ["F", "1975 (2023)"]


def test_the_share_of_foyers_and_the_rule_it_calls_for(checked):
    equivalents = sum(int(r["equivalents"]) for r in foyers_rows(checked.root))
    with (checked.root / "content" / "donnees" / "patrimoine.csv").open(encoding="utf-8") as f:
        logements = sum(1 for _ in f) - 1
    values = checked.values("organisme")
    assert values["equivalents_foyers"].value == equivalents == 82
    assert values["part_foyers"].value == pytest.approx(100 * 82 / (82 + logements))
    # 82 of 90: past 50 %, the convention has a part akin to a CUS « logements-foyers »
    assert values["regime_foyers"] == (
        "la convention comporte une partie « logements-foyers » assimilable à une convention "
        "d'utilité sociale « logements-foyers »"
    )


@pytest.mark.parametrize(
    ("part", "starts"),
    [
        (None, "l'organisme ne gère pas"),
        (0, "l'organisme ne gère pas"),
        (49.9, "les logements-foyers forment une catégorie autonome"),
        (50, "la convention comporte une partie"),
        (99.9, "la convention comporte une partie"),
        (100, "l'organisme conclut une convention d'utilité sociale « logements-foyers »"),
    ],
)
def test_the_thresholds_of_the_foyers_rule(part, starts):
    assert foyers.regime(part).startswith(starts)


def test_foyers_without_their_volet(projet):
    edit(projet, "convention.yml", "\nvolets: [logements_foyers]\n", "")
    problems = refused(projet)
    assert problems[0] == (
        "content/donnees/foyers.csv:2:6: equivalents : l'organisme gère des logements-foyers (82 "
        "équivalents-logements pour 8 logements familiaux, soit 91,1 % du patrimoine) : la "
        "convention comporte une partie « logements-foyers » assimilable à une convention "
        "d'utilité sociale « logements-foyers » (Union sociale pour l'habitat, « L'élaboration "
        "de la CUS », juin 2017, seuils de 50 % et 100 %) ; ajoutez « logements_foyers » à "
        "« volets » dans content/convention.yml et les engagements PP-LF-1 à PP-LF-3 (article "
        "R. 445-36 du code de la construction et de l'habitation)"
    )


def test_the_volet_without_foyers(minimal):
    with_volet(minimal, "logements_foyers", FOYERS_ENGAGEMENTS)
    problems = refused(minimal)
    assert problems[0] == (
        "content/convention.yml:41:10: volets[0] : le volet « logements_foyers » demande la "
        "description des établissements dans content/donnees/foyers.csv, introuvable ou sans "
        "ligne"
    )


def test_an_etablissement_described_twice(projet):
    edit(projet, "donnees/foyers.csv", "F3;", "F1;")
    assert refused(projet) == [
        "content/donnees/foyers.csv:4:1: etablissement : l'établissement F1 est décrit deux fois "
        "(lignes 2 et 4) : une ligne par établissement est attendue"
    ]


def test_a_capacity_that_is_not_a_number_of_equivalents(projet):
    edit(projet, "donnees/foyers.csv", ";12;", ";12 places;")
    assert refused(projet) == [
        "content/donnees/foyers.csv:3:6: equivalents : valeur attendue : un nombre entier "
        "d'équivalents-logements, de 1 à 9 999 ; trouvé « 12 places »"
    ]


def test_a_foyer_outside_the_territories(projet):
    edit(projet, "donnees/foyers.csv", ";41025;", ";37261;")
    (problem,) = refused(projet)
    assert problem.startswith("content/donnees/foyers.csv:4:3: DEPCOM : ")
    assert "37261" in problem and "Tours" in problem


def test_more_equivalents_renovated_than_the_foyers_hold(projet):
    edit(projet, "engagements.yml", "2026: 40, 2027: 0, 2028: 30", "2026: 45, 2027: 0, 2028: 30")
    edit(
        projet,
        "engagements.yml",
        '  PP-LF-3:\n    - territoire: "41"\n      valeurs: {2025: 0, 2026: 40,',
        '  PP-LF-3:\n    - territoire: "41"\n      valeurs: {2025: 0, 2026: 90,',
    )
    assert refused(projet) == [
        "content/engagements.yml:51:16: engagements.PP-LF-2[0].valeurs : 75 "
        "équivalents-logements F ou G à rénover sur la période, pour 70 équivalents-logements "
        "classés F ou G dans les logements-foyers du territoire (foyers.csv)",
        "content/engagements.yml:55:16: engagements.PP-LF-3[0].valeurs : 120 "
        "équivalents-logements à réhabiliter sur la période, pour 82 équivalents-logements dans "
        "les logements-foyers du territoire (foyers.csv)",
    ]


def test_twenty_sales_call_for_the_accession_volet(ventes):
    assert refused(ventes) == [
        "content/donnees/accession.csv:3:5: logements_vendus : 20 logements neufs vendus en "
        "accession de 2022 à 2024, les trois années qui précèdent l'entrée en vigueur de la "
        "convention : à partir de 20, la convention comporte le volet accession, avec son plan "
        "de développement et les engagements PP-ACC-1 et PS-ACC-1 (article R. 445-15 du code de "
        "la construction et de l'habitation) ; ajoutez « accession » à « volets » dans "
        "content/convention.yml"
    ]


def test_nineteen_sales_do_not(ventes):
    edit(ventes, "donnees/accession.csv", "2024;6", "2024;5")
    check(ventes)


@pytest.fixture
def accession(ventes):
    return with_volet(ventes, "accession", ACCESSION_ENGAGEMENTS)


def test_region_commitments_from_the_check_to_the_workbook(accession):
    project = check(accession)
    convention = document(project)
    lignes = {ligne.indicateur.id: ligne for ligne in convention.engagements}
    pp = lignes["PP-ACC-1"]
    assert (pp.niveau, pp.territoire, pp.nom) == ("region", "24", "Région Centre-Val de Loire")
    assert pp.reference[TOTAL] == Quantity(12.5, "pourcent")
    rows = [r for r in tidy_rows(convention) if r["indicateur"] == "PS-ACC-1"]
    assert {(r["niveau"], r["territoire"]) for r in rows} == {("region", "24")}
    assert [r["valeur"] for r in rows if r["nature"] == "engagement"] == [75, 75, 75, 80, 80, 80]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(convention, int(EPOCH))))["PP-ACC-1"]
    (row,) = sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)
    assert row[:5] == ("Région", "24", "Région Centre-Val de Loire", "Total", 0.125)
    # A partner's extract holds its territory's commitments, never the région's.
    partenaire = project.partenaire("200030385")
    kept = lignes_for(convention.engagements, partenaire, project.context, load_catalogue())
    assert kept and all(ligne.niveau != "region" for ligne in kept)


def test_a_region_commitment_at_a_departement(accession):
    edit(
        accession,
        "engagements.yml",
        '  PS-ACC-1:\n    - territoire: "24"',
        '  PS-ACC-1:\n    - territoire: "41"',
    )
    assert refused(accession) == [
        "content/engagements.yml:51:3: engagements.PS-ACC-1 : pas d'engagement PS-ACC-1 pour le "
        "territoire 24",
        "content/engagements.yml:52:19: engagements.PS-ACC-1[0].territoire : PS-ACC-1 se "
        "décline à l'échelle de la région : le code de la région (24) attendu ; trouvé « 41 »",
    ]


def test_sales_in_another_region_call_for_its_commitments(accession):
    path = accession / "content" / "donnees" / "accession.csv"
    path.write_text(path.read_text(encoding="utf-8") + "A3;72181;PSLA;2024;4\n", encoding="utf-8")
    assert refused(accession) == [
        "content/engagements.yml:45:3: engagements.PP-ACC-1 : pas d'engagement PP-ACC-1 pour le "
        "territoire 52",
        "content/engagements.yml:51:3: engagements.PS-ACC-1 : pas d'engagement PS-ACC-1 pour le "
        "territoire 52",
    ]


def test_no_collectivite_signs_an_accession_convention(minimal):
    edit(minimal, "convention.yml", VOLETS, f"{VOLETS}\ncategorie: accession\n")
    assert refused(minimal) == [
        "content/convention.yml:24:13: territoires[1].statut : une convention d'utilité sociale "
        "« accession » (organisme sans patrimoine locatif) n'est signée que par l'État et "
        "l'organisme : aucune collectivité ne peut la signer, elle peut seulement être associée "
        "(Union sociale pour l'habitat, « L'élaboration de la CUS », juin 2017) ; trouvé "
        "« statut: signataire » (statut attendu : associé)",
        "content/convention.yml:35:17: signataires[2].territoire : une convention d'utilité "
        "sociale « accession » (organisme sans patrimoine locatif) n'est signée que par l'État "
        "et l'organisme : aucune collectivité ne peut la signer, elle peut seulement être "
        "associée (Union sociale pour l'habitat, « L'élaboration de la CUS », juin 2017) ; "
        "trouvé « territoire: 200030385 »",
    ]


def test_an_accession_convention_has_no_rental_commitment(ventes):
    edit(ventes, "convention.yml", "    statut: signataire", "    statut: associé")
    edit(ventes, "convention.yml", VOLETS, f"{VOLETS}\ncategorie: accession\n")
    signataire = "  - partie: EPCI\n"
    convention = (ventes / "content" / "convention.yml").read_text(encoding="utf-8")
    start = convention.index(signataire)
    end = convention.index("\n\n", start)
    edit(ventes, "convention.yml", convention[start : end + 1], "")
    problems = refused(ventes)
    # 20 sales and no « volets »: the category is the accession volet
    assert not any("accession.csv" in p for p in problems)
    assert problems[:2] == [
        "content/engagements.yml:5:3: engagements : l'indicateur obligatoire PP-ACC-1 (Logements "
        "PSLA transformés en logements locatifs sociaux) n'a pas d'engagement",
        "content/engagements.yml:5:3: engagements : l'indicateur obligatoire PS-ACC-1 (Contrats "
        "d'accession signés avec des ménages modestes) n'a pas d'engagement",
    ]
    assert (
        "content/engagements.yml:5:3: engagements.PP-1 : l'indicateur PP-1 relève du volet "
        "« locatif », qu'une convention « accession » (categorie: accession) n'a pas"
    ) in problems
