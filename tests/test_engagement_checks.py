"""Commitments the State could not validate, refused by `cusdoc check` (part of issue 10): each
case passed the check before, and is now refused at its file, line and column."""

from tests.conftest import edit, refused

PP1 = """      ventilations:
        PLAI: {2025: 4, 2026: 4, 2027: 4, 2028: 4, 2029: 4, 2030: 5}
        PLUS: {2025: 5, 2026: 5, 2027: 6, 2028: 6, 2029: 6, 2030: 7}
        PLS: {2025: 1, 2026: 1, 2027: 2, 2028: 2, 2029: 2, 2030: 2}
"""


def test_a_financing_missing_from_pp1(minimal):
    edit(
        minimal,
        "engagements.yml",
        "        PLS: {2025: 1, 2026: 1, 2027: 2, 2028: 2, 2029: 2, 2030: 2}\n",
        "",
    )
    assert refused(minimal) == [
        "content/engagements.yml:11:9: engagements.PP-1[0].ventilations : PP-1 se ventile par "
        "financement : ajoutez PLS (PLAI + PLUS + PLS font le total)"
    ]


def test_pp1_without_any_financing(minimal):
    edit(minimal, "engagements.yml", PP1, "      ventilations:\n")
    assert refused(minimal) == [
        "content/engagements.yml:6:7: engagements.PP-1[0] : PP-1 se ventile par financement : "
        "ajoutez PLAI, PLUS, PLS (PLAI + PLUS + PLS font le total)"
    ]


def test_a_part_hors_qpv_above_its_total_rate(minimal):
    edit(
        minimal,
        "engagements.yml",
        "      valeurs: {2025: 30, 2026: 30, 2027: 32.5, 2028: 32.5, 2029: 35, 2030: 35}\n",
        "      valeurs: {2025: 30, 2026: 30, 2027: 32.5, 2028: 32.5, 2029: 35, 2030: 35}\n"
        "      ventilations:\n"
        "        hors QPV: {2025: 31, 2026: 20, 2027: 20, 2028: 20, 2029: 20, 2030: 20}\n",
    )
    assert refused(minimal) == [
        "content/engagements.yml:35:26: engagements.PS-2[0].ventilations.hors QPV.2025 : « dont "
        "hors QPV » (31) dépasse le total (30) en 2025"
    ]


def test_half_a_logement(minimal):
    edit(minimal, "engagements.yml", "PLAI: {2025: 4,", "PLAI: {2025: 3.5,")
    edit(minimal, "engagements.yml", "PLUS: {2025: 5,", "PLUS: {2025: 5.5,")
    assert refused(minimal) == [
        "content/engagements.yml:11:22: engagements.PP-1[0].ventilations.PLAI.2025 : un nombre "
        "entier est attendu, trouvé 3,5",
        "content/engagements.yml:12:22: engagements.PP-1[0].ventilations.PLUS.2025 : un nombre "
        "entier est attendu, trouvé 5,5",
    ]


def test_an_effective_date_that_is_not_the_first_of_january(minimal):
    edit(minimal, "convention.yml", "date_effet: 2025-01-01", "date_effet: 2025-07-01")
    assert refused(minimal) == [
        "content/convention.yml:11:15: generation.date_effet : la convention prend effet le 1er "
        "janvier de sa première année (2025-01-01) ; trouvé 2025-07-01"
    ]


def test_a_period_longer_than_six_years(minimal):
    edit(minimal, "convention.yml", "derniere_annee: 2030", "derniere_annee: 2031")
    assert (
        "content/convention.yml:13:19: generation.derniere_annee : la période 2025-2031 dure "
        "7 ans : une convention d'utilité sociale porte sur six ans au plus (CCH L. 445-1)"
    ) in refused(minimal)


def test_a_logement_in_another_commune_than_its_ensemble(minimal):
    edit(
        minimal,
        "donnees/patrimoine.csv",
        "41018;QN04101M;12;G;2;48;1965;C;S1;E1",
        "41009;QN04101M;12;G;2;48;1965;C;S1;E1",
    )
    assert refused(minimal) == [
        "content/donnees/patrimoine.csv:3:1: DEPCOM : logement en commune 41009, alors que son "
        "ensemble E1 est en commune 41018 (ensembles.csv) : corrigez l'un ou l'autre"
    ]
