"""The schemas themselves: valid for cerberus (checked here, not at every run), documented."""

import cerberus
import pytest

from cusdoc.validate.content import ContentValidator
from cusdoc.validate.schema import CHAPITRE, CONVENTION, SPECIAL_CHAPTERS

SCHEMAS = {"convention": CONVENTION, "chapitre": CHAPITRE, **SPECIAL_CHAPTERS}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_a_valid_cerberus_schema(name):
    ContentValidator(SCHEMAS[name])  # raises cerberus.SchemaError if it is not


def _fields(schema: dict, path=()):
    for key, rules in schema.items():
        yield (*path, key), rules
        inner = rules.get("schema")
        if isinstance(inner, dict) and inner.get("type") == "dict":
            inner = inner.get("schema")
        if isinstance(inner, dict) and "type" not in inner:
            yield from _fields(inner, (*path, key))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_field_has_a_french_description(name):
    missing = [
        ".".join(path)
        for path, rules in _fields(SCHEMAS[name])
        if not rules.get("meta", {}).get("description")
    ]
    assert missing == []


def test_a_broken_schema_is_refused():
    with pytest.raises(cerberus.SchemaError):
        ContentValidator({"titre": {"type": "texte"}})
