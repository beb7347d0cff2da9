"""The editor's JSON Schemas: they accept the example, refuse mistakes, and are never stale."""

import copy
import datetime
import json

import jsonschema
import pytest
import yaml

from cusdoc.validate.jsonschema import json_schemas, write_schemas
from cusdoc.validate.schema import SPECIAL_CHAPTERS
from tests.conftest import REPO

CONTENT = sorted((REPO / "content").glob("*.yml"))
SCHEMAS = json_schemas()


def kind_of(name: str) -> str:
    """The kind of schema a content file follows, as in cusdoc.schema.schema_for."""
    return name if name == "convention" or name in SPECIAL_CHAPTERS else "chapitre"


def as_json(data):
    """YAML data as an editor sees it: dates are strings, keys are strings."""
    if isinstance(data, dict):
        return {str(key): as_json(value) for key, value in data.items()}
    if isinstance(data, list):
        return [as_json(item) for item in data]
    if isinstance(data, datetime.date):
        return data.isoformat()
    return data


def load(name: str):
    return as_json(yaml.safe_load((REPO / "content" / f"{name}.yml").read_text(encoding="utf-8")))


def errors(kind: str, data) -> list[tuple[list, str]]:
    """(path, JSON Schema keyword) of every error, with formats (dates) checked."""
    validator = jsonschema.Draft202012Validator(
        SCHEMAS[kind], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [(list(e.absolute_path), e.validator) for e in validator.iter_errors(data)]


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_schema_is_valid_for_2020_12_and_for_draft_7(kind):
    jsonschema.Draft202012Validator.check_schema(SCHEMAS[kind])
    # the YAML extension checks schemas against the draft-07 meta-schema
    jsonschema.Draft7Validator.check_schema(SCHEMAS[kind])


@pytest.mark.parametrize("file", CONTENT, ids=lambda f: f.stem)
def test_example_content_is_valid(file):
    assert errors(kind_of(file.stem), load(file.stem)) == []


def test_kinds_cover_every_example_file():
    """The example is a convention before its signature: it has no réalisé nor bilan."""
    assert {kind_of(file.stem) for file in CONTENT} == set(SCHEMAS) - {"realise", "bilan"}


REALISE = """
realise:
  PP-1:
    - territoire: "37"
      valeurs: {2025: 138}
      ventilations:
        PLAI: {2025: 45}
      source: bilan des agréments 2025
"""
BILAN = """
introduction:
  - L'année 2027 clôt la première période triennale.
ecarts:
  - indicateur: PP-4
    territoire: "37"
    contenu:
      - Les mises en commercialisation ont été différées.
"""


def test_the_files_after_the_signature_have_their_schemas():
    assert errors("realise", as_json(yaml.safe_load(REALISE))) == []
    assert errors("bilan", as_json(yaml.safe_load(BILAN))) == []
    unsourced = yaml.safe_load(REALISE)
    del unsourced["realise"]["PP-1"][0]["source"]
    assert errors("realise", as_json(unsourced)) != []
    unknown = yaml.safe_load(BILAN)
    unknown["ecarts"][0]["indicateur"] = "PP-9"
    assert errors("bilan", as_json(unknown)) != []


def _year_as_text(data):
    data["generation"]["premiere_annee"] = "deux mille vingt-cinq"


def _value_as_text(data):
    data["engagements"]["PP-1"][0]["valeurs"]["2025"] = "cent cinquante"


def _unknown_key(data):
    data["organisme"]["raison"] = "Habitat Loire et Sologne"


def _unknown_indicator(data):
    data["engagements"]["PP-9"] = data["engagements"]["PP-1"]


def _bad_date(data):
    data["generation"]["date_effet"] = "2025-13-01"


def _unknown_status(data):
    data["territoires"][0]["statut"] = "signatair"


@pytest.mark.parametrize(
    "name, breaks, expected",
    [
        pytest.param(
            "convention",
            _year_as_text,
            (["generation", "premiere_annee"], "type"),
            id="annee-en-texte",
        ),
        pytest.param(
            "engagements",
            _value_as_text,
            (["engagements", "PP-1", 0, "valeurs", "2025"], "type"),
            id="valeur-en-texte",
        ),
        pytest.param(
            "convention", _unknown_key, (["organisme"], "additionalProperties"), id="cle-inconnue"
        ),
        pytest.param(
            "engagements", _unknown_indicator, (["engagements"], "enum"), id="indicateur-inconnu"
        ),
        pytest.param(
            "convention", _bad_date, (["generation", "date_effet"], "format"), id="date-invalide"
        ),
        pytest.param(
            "convention",
            _unknown_status,
            (["territoires", 0, "statut"], "enum"),
            id="statut-inconnu",
        ),
    ],
)
def test_broken_copy_is_refused(name, breaks, expected):
    data = copy.deepcopy(load(name))
    breaks(data)
    assert errors(kind_of(name), data) == [expected]


def test_committed_schemas_are_up_to_date(tmp_path):
    written = write_schemas(tmp_path)
    committed = REPO / "schemas"
    assert sorted(p.name for p in committed.iterdir()) == sorted(p.name for p in written)
    stale = [p.name for p in written if p.read_bytes() != (committed / p.name).read_bytes()]
    assert stale == [], "régénérez schemas/ avec « cusdoc schema »"


def test_vscode_maps_each_content_file_to_its_schema():
    settings = json.loads((REPO / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    for schema in mapping:
        assert (REPO / schema).is_file()
    for file in CONTENT:
        schemas = [s for s, patterns in mapping.items() if f"/content/{file.name}" in patterns]
        assert schemas == [f"./schemas/{kind_of(file.stem)}.schema.json"], file.name


def _snippets(schema, root: dict, found=None):
    """The labels of every defaultSnippets of a schema, wherever it stands, $ref followed."""
    found = set() if found is None else found
    if isinstance(schema, dict):
        found.update(s["label"] for s in schema.get("defaultSnippets", []))
        if isinstance(schema.get("$ref"), str):
            _snippets(root["$defs"][schema["$ref"].removeprefix("#/$defs/")], root, found)
        for key, value in schema.items():
            if key != "$defs":
                _snippets(value, root, found)
    elif isinstance(schema, list):
        for value in schema:
            _snippets(value, root, found)
    return found


def test_the_editor_offers_the_value_names_in_text_fields():
    schemas = json_schemas()
    paragraph = schemas["chapitre"]["properties"]["sections"]["items"]["properties"]["contenu"]
    offered = _snippets(paragraph["items"], schemas["chapitre"])
    assert {"§{logements}", "§{part_qpv}", "§{seuil_secret}", "§{attributions}"} <= offered
    # the values are offered where a writer types text, not where a code is expected
    convention = schemas["convention"]
    assert _snippets(convention["properties"]["territoires"], convention) == set()
