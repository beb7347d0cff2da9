"""The plan de mise en vente built from the data (column mise_en_vente of patrimoine.csv), its
checks, and the classement annex that identifies each ensemble (CCH R. 445-3)."""

import csv
from collections import defaultdict
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from cusdoc.cli import main
from cusdoc.compute import compute_tables
from cusdoc.model import Quantity
from cusdoc.pipeline import build, check
from tests.conftest import EPOCH, edit, project_with, refused

CLASSES = "ABCDEFG"
FAMILIES = {"11": "PLAI", "12": "PLUS", "13": "PLUS", "14": "PLS", "52": "autres"}


@pytest.fixture
def vente(tmp_path) -> Path:
    """The minimal project with a plan de mise en vente (E1 in 2027, E2 in 2026) and the
    addresses of its ensembles, one missing."""
    return project_with("vente", tmp_path)


def _rows(root: Path, name: str) -> list[dict]:
    with (root / "content" / "donnees" / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _tables(root: Path, territory: tuple[str, str] | None = None) -> dict:
    project = check(root)
    data = project.data if territory is None else project.data.territory(*territory)
    return compute_tables(data, project.content, {}, project.secret)


def _plain(row: list) -> list:
    return [c.value if isinstance(c, Quantity) else c for c in row]


def test_the_plan_is_recomputed_from_the_csv(vente):
    ensembles = {row["ENSEMBLE"]: row for row in _rows(vente, "ensembles")}
    communes = {"41018": "Blois", "41009": "Averdon", "41025": "Bracieux"}
    plan = defaultdict(list)
    for row in _rows(vente, "patrimoine"):
        if row["annee_mise_en_vente"]:
            plan[row["ENSEMBLE"]].append(row)
    expected = []
    for code in sorted(plan):
        rows, ensemble = plan[code], ensembles[code]
        families = [f for f in ("PLAI", "PLUS", "PLS") if f in {FAMILIES[r["FINAN"]] for r in rows}]
        years = sorted({r["annee_mise_en_vente"] for r in rows})
        expected.append(
            [
                f"{code} {ensemble['nom']}",
                f"{ensemble['adresse']}, {communes[ensemble['DEPCOM']]}",
                ", ".join(families),
                ", ".join(c for c in CLASSES if c in {r["DPEENERGIE"] for r in rows}),
                "oui" if any(r["QPV"] for r in rows) else "non",
                years[0] if len(years) == 1 else f"{years[0]} à {years[-1]}",
                len(rows),
            ]
        )
    expected.append(["Total", "", "", "", "", "", sum(len(r) for r in plan.values())])
    table = _tables(vente)["plan_de_mise_en_vente"]
    assert [_plain(row) for row in table.lignes] == expected
    assert expected[-1][-1] == 3
    assert not table.masks  # a count of logements is not secret


def test_a_territory_sees_its_own_ensembles_only(vente):
    edit(
        vente,
        "donnees/patrimoine.csv",
        "41025;;13;G;5;95;1972;I;;E4;non;",
        "41025;;13;G;5;95;1972;I;;E4;non;2028",
    )
    whole = _tables(vente)["plan_de_mise_en_vente"]
    chambord = _tables(vente, ("epci", "244100798"))["plan_de_mise_en_vente"]
    assert [row[0] for row in whole.lignes] == [
        "E1 Quartier Nord",
        "E2 Les Rives",
        "E4 La Sologne",
        "Total",
    ]
    assert [_plain(row)[0::6] for row in chambord.lignes] == [
        ["E4 La Sologne", 1],
        ["Total", 1],
    ]


def test_an_ensemble_outside_the_perimeter_is_refused_where_it_is_planned(vente):
    with (vente / "content" / "donnees" / "patrimoine.csv").open("a", encoding="utf-8") as f:
        f.write("37261;;13;D;3;60;1980;C;;E5;non;2026\n37261;;13;D;3;60;1980;C;;E5;non;2026\n")
    with (vente / "content" / "donnees" / "ensembles.csv").open("a", encoding="utf-8") as f:
        f.write("E5;Les Prébendes;37261;3 rue Saint-Martin;4;4;4;4;12;3;3;0;5\n")
    problems = refused(vente)
    assert (
        "content/donnees/patrimoine.csv:10:12: mise_en_vente : l'ensemble E5 (Tours, "
        "département 37) est hors du périmètre de la convention (territoires déclarés dans "
        "content/convention.yml : 41, 200030385) : ses 2 logements ne peuvent pas figurer au "
        "plan de mise en vente" in problems
    )
    # the ensemble's own row is refused as any row outside the territories; the logements once
    assert sum("patrimoine.csv" in p for p in problems) == 1
    assert any(p.startswith("content/donnees/ensembles.csv:6:3: DEPCOM") for p in problems)


def test_a_year_outside_the_period_is_refused(vente):
    edit(vente, "donnees/patrimoine.csv", "E1;oui;2027", "E1;oui;2032")
    assert refused(vente) == [
        "content/donnees/patrimoine.csv:4:12: mise_en_vente : année de mise en vente 2032 hors "
        "de la période de la convention (2025-2030) : le plan de mise en vente ne porte que sur "
        "ses années"
    ]


def test_pp4_stays_within_the_plan_at_three_and_six_years(vente):
    # 2 logements put on the market in 2025-2027 where the plan has 3: accepted
    edit(vente, "engagements.yml", "{2025: 0, 2026: 1, 2027: 0,", "{2025: 1, 2026: 1, 2027: 0,")
    check(vente)
    # 4 in 2025-2027, 5 in 2025-2030: the plan has 3 logements in all, all of them by 2027
    edit(vente, "engagements.yml", "{2025: 1, 2026: 1, 2027: 0,", "{2025: 2, 2026: 1, 2027: 1,")
    assert refused(vente) == [
        "content/engagements.yml:25:16: engagements.PP-4[0].valeurs : 4 logements mis en "
        "commercialisation de 2025 à 2027 sur le territoire 41, mais le plan de mise en vente "
        "n'en prévoit que 3 pour ces années (colonne mise_en_vente de patrimoine.csv) : seul un "
        "logement inscrit au plan peut être mis en commercialisation",
        "content/engagements.yml:25:16: engagements.PP-4[0].valeurs : 5 logements mis en "
        "commercialisation de 2025 à 2030 sur le territoire 41, mais le plan de mise en vente "
        "n'en prévoit que 3 pour ces années (colonne mise_en_vente de patrimoine.csv) : seul un "
        "logement inscrit au plan peut être mis en commercialisation",
    ]


def test_without_the_column_the_plan_is_not_checked_but_its_table_is_refused(minimal):
    check(minimal)  # PP-4 commits 2 logements: no plan in the data, nothing to compare
    edit(
        minimal,
        "politique_patrimoniale.yml",
        "      - Le texte du chapitre.",
        "      - Le texte du chapitre.\n      - tableau_calcule: plan_de_mise_en_vente",
    )
    assert refused(minimal) == [
        "content/politique_patrimoniale.yml:6:26: sections[0].contenu[1].tableau_calcule : le "
        "tableau calculé « plan_de_mise_en_vente » demande la colonne mise_en_vente de "
        "patrimoine.csv (année prévue de mise en commercialisation de chaque logement inscrit "
        "au plan), absente"
    ]


def test_sale_conditions_are_warnings_with_their_rule(vente):
    edit(
        vente,
        "donnees/patrimoine.csv",
        "41009;;52;F;3;60;1958;I;;E3;non;",
        "41009;;52;F;3;60;1958;I;;E3;non;2025",
    )
    edit(
        vente,
        "donnees/patrimoine.csv",
        "41009;;11;;2;45;2021;I;;E3;oui;",
        "41009;;11;;2;45;2021;I;;E3;oui;2025",
    )
    result = CliRunner().invoke(main, ["-C", str(vente), "check"])
    assert result.exit_code == 0, result.output
    warnings = result.stderr.splitlines()
    assert (
        "content/donnees/patrimoine.csv:7:12: mise_en_vente : avertissement : 1 logement de "
        "l'ensemble E3 inscrit au plan de mise en vente et classé F ou G : un logement classé F "
        "ou G ne peut pas être vendu à une personne physique (CCH L. 443-7 modifié par la loi "
        "n° 2021-1104 du 22 août 2021 (règle à relire sur Légifrance)) : vendez-le à une "
        "personne morale, ou après travaux" in warnings
    )
    assert any(
        w.startswith("content/donnees/patrimoine.csv:8:12:") and "sans DPE" in w for w in warnings
    )
    assert any(
        w.startswith("content/donnees/patrimoine.csv:8:12:")
        and "achevé moins de 10 ans avant l'année de mise en vente" in w
        for w in warnings
    )


def test_the_annex_masks_the_category_of_a_small_ensemble_in_the_docx(vente, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build(vente, ("docx",))
    document = docx.Document(vente / "build" / "convention.docx")
    table = next(
        t
        for t in document.tables
        if t.cell(0, 0).text == "Ensemble immobilier" and t.cell(0, 6).text == "Occupation"
    )
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[1] == [
        "E1 Quartier Nord",
        "4 rue Jean-Moulin, Blois",
        "PLAI, PLUS",
        "oui",
        "3",
        "C",
        "en dysfonctionnement",
    ]
    # E2 houses 2 ménages, under the threshold of 5: its category is not printed
    assert rows[2][0] == "E2 Les Rives" and rows[2][6] == "s"
    assert rows[3][1] == "Averdon (adresse non renseignée)"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "s : secret statistique (ensemble de moins de 5 ménages)" in " ".join(text.split())


def test_a_missing_address_is_a_warning_where_it_is_missing(vente):
    assert [str(w) for w in check(vente).warnings] == [
        "content/donnees/ensembles.csv:4:4: adresse : avertissement : 1 ensemble sans adresse : "
        "l'article R. 445-3 du CCH identifie chaque ensemble par son adresse ; le classement et "
        "le plan de mise en vente n'impriment sinon que sa commune, suivie de « (adresse non "
        "renseignée) »"
    ]
    path = vente / "content" / "donnees" / "ensembles.csv"
    lines = [line.split(";") for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(";".join(r[:3] + r[4:]) for r in lines) + "\n", encoding="utf-8")
    assert [w.message[:56] for w in check(vente).warnings] == [
        "4 ensembles sans adresse (colonne adresse absente) : l'a"
    ]
