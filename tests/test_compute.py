"""The compute stage's tables of a scope: each made when the document asks for it, once."""

import pytest

from cusdoc.compute import Tables, compute_tables, npl
from cusdoc.pipeline import check, document
from tests.conftest import REPO


def test_a_table_is_made_when_first_asked_for_with_those_its_maker_gives():
    made = []

    def maker(*names):
        def make():
            made.append(names)
            return {name: f"tableau {name}" for name in names}

        return make

    tables = Tables({("a",): maker("a"), ("b", "c"): maker("b", "c")})
    assert list(tables) == ["a", "b", "c"] and "c" in tables and "d" not in tables
    assert made == []
    assert tables["c"] == "tableau c" and tables["b"] == "tableau b"
    assert made == [("b", "c")]
    assert dict(tables) == {"a": "tableau a", "b": "tableau b", "c": "tableau c"}
    assert made == [("b", "c"), ("a",)]


@pytest.mark.slow
def test_an_extract_makes_no_table_it_does_not_print(monkeypatch):
    """The NPL's tables are the convention's annex: a partner's extract never computes them."""
    project = check(REPO)
    monkeypatch.setattr(npl, "tables", lambda *_: pytest.fail("NPL tables computed"))
    for partenaire in project.partenaires:
        document(project, partenaire.code)


GRAND_CHAMBORD = "244100798"  # an EPCI partner of the example, in Loir-et-Cher only


def _labels(table) -> list[str]:
    return [ligne[0] for ligne in table.lignes]


def test_an_epci_s_tables_name_the_epci_not_its_departement():
    """In an EPCI's view a département's rows hold the EPCI's logements only: printed under the
    département's name, a reader would quote them as the département's."""
    project = check(REPO)
    whole = compute_tables(project.data, project.content, project.geo.names, project.secret)
    data = project.data.territory("epci", GRAND_CHAMBORD)
    epci = compute_tables(data, project.content, project.geo.names, project.secret)
    name = project.geo.names[GRAND_CHAMBORD]
    assert name == "Communauté de communes du Grand Chambord"
    # one row, the EPCI's: neither « Loir-et-Cher » nor a « dont » row equal to it, no total
    parc = epci["parc_par_territoire"]
    assert _labels(parc) == [name]
    row = next(r for r in whole["parc_par_territoire"].lignes if r[0] == f"dont {name}")
    assert [c.value for c in parc.lignes[0][1:2]] == [row[1].value]
    assert row[1].value < next(
        r[1].value for r in whole["parc_par_territoire"].lignes if r[0] == "Loir-et-Cher"
    )
    for table in ("parc_par_financement", "parc_par_dpe"):
        assert epci[table].colonnes[1:-2] == [name], table
        assert "Loir-et-Cher" in whole[table].colonnes, table
    attributions = epci["attributions_par_territoire"]
    assert _labels(attributions) == [name]
    # the same masks as the convention's row of the EPCI
    convention_row = next(
        r for r in whole["attributions_par_territoire"].lignes if r[0] == f"dont {name}"
    )
    assert [c.masked for c in attributions.lignes[0][1:]] == [c.masked for c in convention_row[1:]]
    assert any(c.masked for c in convention_row[1:])
    # a département's view keeps its name and its EPCI
    departement = compute_tables(
        project.data.territory("département", "41"),
        project.content,
        project.geo.names,
        project.secret,
    )
    assert _labels(departement["parc_par_territoire"])[:1] == ["Loir-et-Cher"]
    assert f"dont {name}" in _labels(departement["parc_par_territoire"])
