"""travaux.csv: works and sales give the references of PP-2, PP-3, PP-4 and SR-1, the yearly
flows of the reference year; the stock only bounds the commitments of the period.

The minimal project's travaux.csv has one rehabilitation in 2022 and seven rows in 2023; its
stock is 8 logements in Loir-et-Cher (4 classed F or G, 3 accessible), 7 in Agglopolys.
"""

import csv
from collections import Counter

from cusdoc.load.data import load_data
from cusdoc.pipeline import check, prepare
from tests.conftest import PROJETS, edit, refused

AGGLOPOLYS, CHAMBORD = "200030385", "244100798"
ENSEMBLE_EPCI = {"E1": AGGLOPOLYS, "E2": AGGLOPOLYS, "E3": AGGLOPOLYS, "E4": CHAMBORD}
FILE = "content/donnees/travaux.csv"


def works_by_hand(year: int) -> Counter:
    """The references recomputed from the file with the csv module: (indicator, EPCI) → n."""
    totals = Counter()
    path = PROJETS / "minimal" / FILE
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            if int(row["annee"]) != year:
                continue
            nature = row["nature"].lower().replace("é", "e").replace(" ", "_")
            n, epci = int(row["logements"]), ENSEMBLE_EPCI[row["ENSEMBLE"]]
            indicators = {
                "rehabilitation": ["PP-3"],
                "mise_en_commercialisation": ["PP-4"],
                "adaptation_pmr": ["SR-1"],
            }.get(nature, [])
            out_of_fg = row["dpe_avant"] in ("F", "G") and row["dpe_apres"] in tuple("ABCDE")
            if nature in ("rehabilitation", "renovation_energetique") and out_of_fg:
                indicators.append("PP-2")
            for indicateur in indicators:
                totals[indicateur, epci] += n
    return totals


def test_references_are_the_reference_years_works_recomputed_from_the_file(minimal):
    project = check(minimal)
    expected = works_by_hand(2023)
    for indicateur in ("PP-2", "PP-3", "PP-4", "SR-1"):
        for epci in (AGGLOPOLYS, CHAMBORD):
            key = (indicateur, "epci", epci, "total")
            assert project.context.references[key] == expected[indicateur, epci], key
        by_hand = expected[indicateur, AGGLOPOLYS] + expected[indicateur, CHAMBORD]
        assert project.context.references[(indicateur, "departement", "41", "total")] == by_hand
    # not the stock: 4 logements F or G, 3 accessible
    assert (expected["PP-2", AGGLOPOLYS], expected["SR-1", AGGLOPOLYS]) == (3, 1)


def test_the_values_cite_the_same_works(minimal):
    project = check(minimal)
    for territoire in ("41", AGGLOPOLYS, CHAMBORD):
        values = project.values(territoire)
        references = project.context.references
        for name, indicateur in (
            ("renovations_energetiques", "PP-2"),
            ("rehabilitations", "PP-3"),
            ("mises_en_commercialisation", "PP-4"),
            ("adaptations_pmr", "SR-1"),
        ):
            niveau = "departement" if territoire == "41" else "epci"
            assert values[name].value == references[(indicateur, niveau, territoire, "total")]
    assert project.values(AGGLOPOLYS)["ventes"].value == 1


def test_a_partners_view_keeps_its_own_works(minimal):
    """An EPCI's extract gives the references computed on its territory."""
    project = check(minimal)
    (extract,) = prepare(minimal, [AGGLOPOLYS])
    lignes = {ligne.indicateur.id: ligne for ligne in extract.engagements}
    assert lignes["SR-1"].reference["total"].value == 1
    assert lignes["PP-2"].reference["total"].value == 3
    assert project.context.references[("PP-2", "epci", CHAMBORD, "total")] == 0


def test_without_the_file_the_four_references_are_declared(minimal):
    (minimal / FILE).unlink()
    data, problems = load_data(minimal)
    assert problems == [] and "travaux" in data.absent()
    why = (
        " (sans content/donnees/travaux.csv, elle ne peut être calculée ; ajoutez ce fichier, ou "
        "déclarez la référence de l'année 2023 avec sa source dans « source_reference »)"
    )
    assert refused(minimal) == [
        f"content/engagements.yml:16:7: engagements.PP-2[0] : la référence de PP-2 est à "
        f"déclarer : ajoutez « reference »{why}",
        f"content/engagements.yml:20:7: engagements.PP-3[0] : la référence de PP-3 est à "
        f"déclarer : ajoutez « reference »{why}",
        f"content/engagements.yml:24:7: engagements.PP-4[0] : la référence de PP-4 est à "
        f"déclarer : ajoutez « reference »{why}",
        f"content/engagements.yml:36:7: engagements.SR-1[0] : la référence de SR-1 est à "
        f"déclarer : ajoutez « reference »{why}",
    ]
    for indicateur in ("PP-2", "PP-3", "PP-4", "SR-1"):
        edit(
            minimal,
            "engagements.yml",
            f'  {indicateur}:\n    - territoire: "41"\n',
            f'  {indicateur}:\n    - territoire: "41"\n      reference: 7\n'
            "      source_reference: bilan des travaux 2023\n",
        )
    (convention,) = prepare(minimal)
    lignes = {ligne.indicateur.id: ligne for ligne in convention.engagements}
    for indicateur in ("PP-2", "PP-3", "PP-4", "SR-1"):
        assert lignes[indicateur].reference["total"].value == 7
        assert lignes[indicateur].source_reference == "bilan des travaux 2023"


def test_without_the_file_a_value_of_works_is_refused_where_the_text_cites_it(minimal):
    edit(
        minimal,
        "politique_patrimoniale.yml",
        "      - Le texte du chapitre.",
        "      - En 2023, l'office a vendu §{ventes} logements.",
    )
    assert check(minimal).values("41")["ventes"].value == 1
    (minimal / FILE).unlink()
    assert refused(minimal) == [
        "content/politique_patrimoniale.yml:5:35: sections[0].contenu[0] : la valeur "
        "« §{ventes} » est calculée à partir de content/donnees/travaux.csv, introuvable : "
        "ajoutez ce fichier, ou écrivez le nombre avec sa source"
    ]


def test_a_reference_written_when_the_file_gives_it_is_refused(minimal):
    edit(
        minimal,
        "engagements.yml",
        '  SR-1:\n    - territoire: "41"\n',
        '  SR-1:\n    - territoire: "41"\n      reference: 3\n',
    )
    assert refused(minimal) == [
        "content/engagements.yml:37:7: engagements.SR-1[0].reference : la référence de SR-1 est "
        "calculée à partir des données : retirez « reference »"
    ]


def test_unreadable_values_of_works_are_refused_where_they_stand(minimal):
    edit(minimal, "donnees/travaux.csv", "2023;E2;adaptation_pmr;1;;", "2023;E2;démolition;0;;")
    edit(minimal, "donnees/travaux.csv", ";1;G;E", ";1;H;E")
    assert refused(minimal) == [
        "content/donnees/travaux.csv:4:5: dpe_avant : valeur attendue : une classe énergétique "
        "de A à G ; trouvé « H »",
        "content/donnees/travaux.csv:6:3: nature : valeur attendue : une nature de travaux ou de "
        "vente : rehabilitation, renovation_energetique, adaptation_pmr, "
        "mise_en_commercialisation, vente ; trouvé « démolition »",
        "content/donnees/travaux.csv:6:4: logements : valeur attendue : un nombre entier de "
        "logements, de 1 à 99 999 ; trouvé « 0 »",
    ]


def test_works_that_contradict_the_stock_or_the_labels_are_refused_where_they_stand(minimal):
    for old, new in (
        ("2022;E2;rehabilitation;2;D;C", "2032;E2;rehabilitation;2;D;C"),
        ("2023;E1;rehabilitation;2;F;C", "2023;E1;rehabilitation;4;F;C"),
        ("Rénovation énergétique;1;G;E", "Rénovation énergétique;1;;E"),
        ("2023;E4;renovation_energetique;1;E;C", "2023;E4;renovation_energetique;1;E;E"),
        ("2023;E2;adaptation_pmr;1;;", "2023;E9;adaptation_pmr;1;;"),
        ("2023;E3;mise_en_commercialisation;2;;", "2023;E3;mise_en_commercialisation;2;C;F"),
        ("2023;E3;vente;1;;", "2023;E3;renovation_energetique;1;F;"),
    ):
        edit(minimal, "donnees/travaux.csv", old, new)
    assert refused(minimal) == [
        "content/donnees/travaux.csv:2:1: annee : travaux datés de 2032, après la fin de la "
        "convention (2030) : des travaux réalisés sont attendus",
        "content/donnees/travaux.csv:3:4: logements : 4 logements pour l'ensemble E1, qui n'en "
        "compte que 3 dans patrimoine.csv",
        "content/donnees/travaux.csv:4:5: dpe_avant : une rénovation énergétique donne "
        "l'étiquette avant travaux (dpe_avant), de A à G",
        "content/donnees/travaux.csv:5:6: dpe_apres : une rénovation énergétique améliore "
        "l'étiquette : E après travaux n'est pas meilleure que E avant",
        "content/donnees/travaux.csv:6:2: ENSEMBLE : ensemble immobilier E9 sans aucun logement "
        "dans patrimoine.csv : l'identifiant d'un ensemble de patrimoine.csv (colonne ENSEMBLE) "
        "est attendu",
        "content/donnees/travaux.csv:8:6: dpe_apres : l'étiquette après travaux (F) est moins "
        "bonne que celle d'avant (C)",
        "content/donnees/travaux.csv:9:6: dpe_apres : une rénovation énergétique donne "
        "l'étiquette après travaux (dpe_apres), de A à G",
    ]


def test_the_first_bad_row_is_reported_with_the_count_of_the_others(minimal):
    edit(minimal, "donnees/travaux.csv", "2023;E2;adaptation_pmr;1;;", "2031;E2;adaptation_pmr;1;;")
    edit(minimal, "donnees/travaux.csv", "2023;E4;adaptation_pmr;1;;", "2033;E4;adaptation_pmr;1;;")
    assert refused(minimal) == [
        "content/donnees/travaux.csv:6:1: annee : travaux datés de 2031, après la fin de la "
        "convention (2030) : des travaux réalisés sont attendus (et 1 autre ligne)"
    ]


def test_the_period_cannot_draw_more_than_the_stock(minimal):
    """Yearly flows within the stock each, but more than the stock over the period: 8
    logements, 5 of them not accessible."""
    for old, new in (
        ("2028: 0, 2029: 2, 2030: 0}", "2028: 0, 2029: 2, 2030: 1}"),  # PP-3: 9
        (
            "2026: 1, 2027: 0, 2028: 1, 2029: 0, 2030: 0}",
            "2026: 1, 2027: 0, 2028: 1, 2029: 0, 2030: 7}",
        ),  # PP-4: 9
        (
            "2026: 0, 2027: 1, 2028: 1, 2029: 1, 2030: 0}",
            "2026: 0, 2027: 1, 2028: 1, 2029: 1, 2030: 2}",
        ),  # SR-1: 6
    ):
        edit(minimal, "engagements.yml", old, new)
    assert refused(minimal) == [
        "content/engagements.yml:21:16: engagements.PP-3[0].valeurs : 9 logements à réhabiliter "
        "sur la période, pour 8 logements dans le parc du territoire",
        "content/engagements.yml:25:16: engagements.PP-4[0].valeurs : 9 logements mis en "
        "commercialisation sur la période, pour 8 logements dans le parc du territoire",
        "content/engagements.yml:37:16: engagements.SR-1[0].valeurs : 6 logements à rendre "
        "accessibles ou à adapter sur la période, pour 5 logements du parc du territoire non "
        "accessibles aux personnes à mobilité réduite",
    ]
