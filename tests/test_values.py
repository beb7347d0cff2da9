"""The values a sentence cites, §{nom}, agree with the tables and indicators of the same data."""

import pytest

from cusdoc.compute.values import known
from cusdoc.model import ORGANISME, TOTAL
from cusdoc.pipeline import check
from tests.conftest import REPO


@pytest.fixture(scope="module")
def project():
    return check(REPO)


def test_the_share_of_ps1_is_the_reference_of_each_epci(project):
    references = {
        key[2]: value
        for key, value in project.context.references.items()
        if key[:2] == ("PS-1", "epci") and key[3] == TOTAL
    }
    assert len(references) == 5
    for territoire, reference in references.items():
        value = project.values(territoire)["part_attributions_premier_quartile"].value
        assert value == pytest.approx(reference), territoire


def test_the_quartiers_add_up_to_the_logements_in_qpv(project):
    for territoire in (ORGANISME, "37", "41", "200073161"):
        values = project.values(territoire)
        quartiers = [v.value for k, v in values.items() if k.startswith("logements_quartier_")]
        assert sum(quartiers) == values["logements_qpv"].value, territoire


def test_small_dalo_counts_are_masked_with_their_share(project):
    values = project.values("244100798")
    assert values["attributions_dalo"].masked and values["part_attributions_dalo"].masked


def test_a_quartier_is_named_by_its_code_in_lower_case():
    assert known("logements_quartier_qn037006m", None, set())
    assert not known("logements_quartier_QN037006M", None, set())


def test_the_attributions_of_each_year_are_counted_and_the_reference_year_is_the_default(project):
    values = project.values(ORGANISME)
    assert values["attributions_2023"] == values["attributions"]
    assert known("attributions_2021", None, set()) and not known("attributions_21", None, set())


def test_the_segments_of_the_strategic_plan_add_up_to_the_stock(project):
    values = project.values(ORGANISME)
    segments = [v.value for k, v in values.items() if k.startswith("logements_segment_")]
    assert sum(segments) == values["logements"].value
    assert known("part_segment_ceder", None, set())


def test_the_works_cited_are_the_references_of_their_indicators(project):
    """§{rehabilitations}… count what the references of PP-3… count, in each département and
    for the whole organisation (the sum of the départements)."""
    pairs = {
        "renovations_energetiques": "PP-2",
        "rehabilitations": "PP-3",
        "mises_en_commercialisation": "PP-4",
        "adaptations_pmr": "SR-1",
    }
    references = project.context.references
    for name, indicateur in pairs.items():
        parts = [references[(indicateur, "departement", d, TOTAL)] for d in ("37", "41")]
        for departement, part in zip(("37", "41"), parts, strict=True):
            assert project.values(departement)[name].value == part, (name, departement)
        assert project.values(ORGANISME)[name].value == sum(parts), name
