"""Commitments the State could not validate, refused by `cusdoc check` (part of issue 10): each
case passed the check before, and is now refused at its file, line and column."""

import docx
import pytest
import yaml
from docx.oxml.ns import qn

from cusdoc.pipeline import build, check
from tests.conftest import EPOCH, edit, refused

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


# Targets short of their reference (issue 10): each indicator has a direction in the catalogue.

PS2_JUSTIFIED = "      justification: la référence repose sur cinq attributions seulement.\n"
G1_JUSTIFIED = "      justification: le coût suit l'inflation des charges de personnel.\n"


def test_a_rate_below_its_computed_reference_without_justification(minimal):
    edit(minimal, "engagements.yml", PS2_JUSTIFIED, "")
    # PS-2 reference of 41 in 2023: 2 prioritaires or DALO among the 5 signed leases
    assert refused(minimal) == [
        "content/engagements.yml:33:23: engagements.PS-2[0].valeurs.2025 : engagement en deçà "
        "de la référence (40 %) en 2025, 2026, 2027, 2028, 2029, 2030 : ajoutez "
        "« justification », qui dit pourquoi ; elle est imprimée avec le tableau"
    ]


def test_a_cost_above_its_declared_reference_without_justification(minimal):
    edit(minimal, "engagements.yml", G1_JUSTIFIED, "")
    assert refused(minimal) == [
        "content/engagements.yml:43:35: engagements.G-1[0].valeurs.2026 : engagement au-dessus "
        "de la référence (1150 €) en 2026, 2027, 2028, 2029, 2030 (G-1 est un coût : plus bas "
        "vaut mieux) : ajoutez « justification », qui dit pourquoi ; elle est imprimée avec le "
        "tableau"
    ]


def test_a_cost_that_falls_needs_no_justification(minimal):
    edit(minimal, "engagements.yml", G1_JUSTIFIED, "")
    edit(
        minimal,
        "engagements.yml",
        "2027: 1170, 2028: 1180, 2029: 1190, 2030: 1200",
        ("2027: 1140, 2028: 1130, 2029: 1120, 2030: 1100"),
    )
    edit(minimal, "engagements.yml", "2026: 1160", "2026: 1150")
    assert check(minimal).summary.startswith("Contenu valide")


# PS-1: owed by the EPCI of CCH L. 441-1, declared in convention.yml, and by them alone.

SUBJECT = '  - code: "200030385"\n    statut: signataire\n    assujetti_ps1: plh\n'


def test_an_epci_must_say_whether_it_owes_ps1(minimal):
    edit(minimal, "convention.yml", "    assujetti_ps1: plh\n", "")
    assert refused(minimal) == [
        "content/convention.yml:23:5: territoires[1] : l'EPCI 200030385 (Communauté "
        "d'agglomération de Blois «\xa0Agglopolys\xa0») doit dire s'il est assujetti à PS-1 (CCH "
        "L. 441-1) : ajoutez « assujetti_ps1: plh » (tenu de se doter d'un programme local de "
        "l'habitat), « habitat_qpv » (compétent en matière d'habitat avec au moins un quartier "
        "prioritaire) ou « non »"
    ]


def test_a_departement_does_not_owe_ps1(minimal):
    edit(
        minimal,
        "convention.yml",
        "    statut: associé\n",
        "    statut: associé\n    assujetti_ps1: non\n",
    )
    assert refused(minimal) == [
        "content/convention.yml:23:5: territoires[0].assujetti_ps1 : seul un EPCI est "
        "assujetti à PS-1 : retirez « assujetti_ps1 » d'un département"
    ]


def test_an_epci_with_a_threshold_and_attributions_left_out_of_the_convention(minimal):
    # The audit's case: Grand Chambord has a first-quartile threshold and one attribution in
    # 2023, but is neither in the convention nor in PS-1.
    _threshold(minimal, "2023;244100798;7500\n")
    assert refused(minimal) == [
        "content/convention.yml:20:1: territoires : l'EPCI 244100798 a un seuil du premier "
        "quartile pour 2023 (seuils_premier_quartile.csv), fixé par arrêté pour les EPCI "
        "assujettis à PS-1, et 1 attribution dans les données : déclarez-le dans « territoires » "
        "avec « assujetti_ps1: plh » ou « habitat_qpv », ou retirez son seuil"
    ]


def test_an_epci_with_a_threshold_declared_not_subject(minimal):
    edit(minimal, "convention.yml", "assujetti_ps1: plh", "assujetti_ps1: non")
    assert refused(minimal) == [
        "content/convention.yml:25:20: territoires[1].assujetti_ps1 : l'EPCI 200030385 a un "
        "seuil du premier quartile pour 2023 (seuils_premier_quartile.csv), fixé par arrêté "
        "pour les EPCI assujettis à PS-1, et 4 attributions dans les données : déclarez "
        "« assujetti_ps1: plh » ou « habitat_qpv », ou retirez son seuil"
    ]


GRAND_CHAMBORD = '  - code: "244100798"\n    statut: associé\n    assujetti_ps1: {}\n'
PS1_GRAND_CHAMBORD = (
    '    - territoire: "244100798"\n'
    "      valeurs: {2025: 25, 2026: 25, 2027: 25, 2028: 25, 2029: 25, 2030: 25}\n"
)


def test_a_ps1_commitment_for_an_epci_that_does_not_owe_it(minimal):
    edit(minimal, "convention.yml", "signataires:", GRAND_CHAMBORD.format("non") + "\nsignataires:")
    edit(minimal, "engagements.yml", "  PS-2:", PS1_GRAND_CHAMBORD + "  PS-2:")
    assert refused(minimal) == [
        "content/engagements.yml:31:19: engagements.PS-1[1].territoire : l'EPCI 244100798 "
        "n'est pas déclaré assujetti à PS-1 dans convention.yml (« assujetti_ps1 ») : retirez "
        "cet engagement, ou déclarez l'EPCI assujetti"
    ]


def test_a_subject_epci_whose_ps1_reference_cannot_be_computed(minimal):
    edit(minimal, "convention.yml", "signataires:", GRAND_CHAMBORD.format("plh") + "\nsignataires:")
    edit(minimal, "engagements.yml", "  PS-2:", PS1_GRAND_CHAMBORD + "  PS-2:")
    edit(minimal, "donnees/attributions.csv", "2023,41025,0,1,3000,0,0,0,0\n", "")
    assert refused(minimal) == [
        "content/engagements.yml:31:19: engagements.PS-1[1].territoire : la référence de PS-1 "
        "ne peut être calculée pour l'EPCI 244100798, assujetti : aucune attribution hors QPV "
        "suivie d'un bail signé en 2023 dans content/donnees/attributions.csv"
    ]


def test_a_subject_epci_left_out_of_ps1(minimal):
    _threshold(minimal, "2023;244100798;7500\n")
    edit(minimal, "convention.yml", "signataires:", GRAND_CHAMBORD.format("plh") + "\nsignataires:")
    assert refused(minimal) == [
        "content/engagements.yml:27:3: engagements.PS-1 : pas d'engagement PS-1 pour l'EPCI "
        "244100798, déclaré assujetti dans convention.yml (« assujetti_ps1 »)"
    ]


CIA = (
    "      taux_cia: 22\n"
    "      cia: {reference: convention intercommunale d'attribution d'Agglopolys, "
    "date: 2023-06-26}\n"
)


def test_a_cia_rate_without_its_source(minimal):
    edit(
        minimal,
        "engagements.yml",
        "      justification: la référence repose sur trois",
        ("      taux_cia: 22\n      justification: la référence repose sur trois"),
    )
    assert refused(minimal) == [
        "content/engagements.yml:30:7: engagements.PS-1[0].taux_cia : un taux de la convention "
        "intercommunale d'attribution demande sa source : ajoutez « cia: {reference: …, date: "
        "AAAA-MM-JJ} » (la convention ou l'accord qui le fixe)"
    ]


def test_a_cia_source_without_its_rate(minimal):
    edit(
        minimal,
        "engagements.yml",
        "      justification: la référence repose sur trois",
        (CIA.splitlines(keepends=True)[1] + "      justification: la référence repose sur trois"),
    )
    assert refused(minimal) == [
        "content/engagements.yml:30:7: engagements.PS-1[0].cia : « cia » est la source de "
        "« taux_cia », absent : ajoutez le taux ou retirez « cia »"
    ]


def _row(root, ident: str) -> dict:
    data = yaml.safe_load((root / "content/engagements.yml").read_text(encoding="utf-8"))
    return data["engagements"][ident][0]


def _threshold(root, row: str) -> None:
    with (root / "content/donnees/seuils_premier_quartile.csv").open("a") as f:
        f.write(row)


def test_the_cia_rate_and_the_justification_are_printed_under_the_ps1_table(minimal, monkeypatch):
    edit(
        minimal,
        "engagements.yml",
        "      justification: la référence repose sur trois",
        (CIA + "      justification: la référence repose sur trois"),
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    body = docx.Document(build(minimal, ("docx",))[0]).element.body
    blocks = [
        (element.tag, " ".join("".join(t.text or "" for t in element.iter(qn("w:t"))).split()))
        for element in body.iterchildren()
    ]
    # the table whose caption names PS-1, then its source and the paragraphs under it
    table = next(
        i for i, (tag, _) in enumerate(blocks) if tag == qn("w:tbl") and "PS-1" in blocks[i - 1][1]
    )
    under = [text.replace("’", "'") for _, text in blocks[table + 1 : table + 4]]
    assert under[0].startswith("Source : référence calculée")
    # why Agglopolys owes PS-1, as convention.yml declares it
    assert "EPCI tenu de se doter d'un programme local de l'habitat (CCH L. 441-1)" in under[0]
    assert under[1:] == [
        "Taux de la convention intercommunale d'attribution : 22,0 % au moins (source : "
        "convention intercommunale d'attribution d'Agglopolys, 26 juin 2023).",
        "Justification : la référence repose sur trois attributions seulement.",
    ]


def test_an_epci_with_logements_in_a_qpv_not_declared_subject_is_a_warning(minimal):
    from click.testing import CliRunner

    from cusdoc.cli import main

    edit(minimal, "donnees/patrimoine.csv", "41025;;13;G", "41025;QN04102M;13;G")
    result = CliRunner().invoke(main, ["-C", str(minimal), "check"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        "content/convention.yml:20:1: territoires : avertissement : l'EPCI 244100798, absent de "
        "« territoires », compte 1 logement de l'organisme en quartier prioritaire : s'il est "
        "compétent en matière d'habitat, il est assujetti à PS-1 ; déclarez-le avec "
        "« assujetti_ps1: habitat_qpv », ou « non » s'il ne l'est pas"
    )
    edit(minimal, "convention.yml", "signataires:", GRAND_CHAMBORD.format("non") + "\nsignataires:")
    result = CliRunner().invoke(main, ["-C", str(minimal), "check"], catch_exceptions=False)
    assert result.exit_code == 0 and "avertissement" not in result.stderr


@pytest.mark.parametrize("deleted", ["PP-1 bis", "G1", "PS-ACC-2"])
def test_an_indicator_the_2019_decree_deleted_is_refused(minimal, deleted):
    edit(
        minimal,
        "engagements.yml",
        "  G-1:\n",
        f"  {deleted}:\n    - territoire: organisme\n"
        "      valeurs: {2025: 1, 2026: 1, 2027: 1, 2028: 1, 2029: 1, 2030: 1}\n  G-1:\n",
    )
    (problem,) = refused(minimal)
    assert problem.startswith(
        f"content/engagements.yml:40:5: engagements.{deleted} : valeur inconnue « {deleted} »"
    )
