"""The compute stage's tables of a scope: each made when the document asks for it, once."""

import pytest

from cusdoc.compute import Tables, npl
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
