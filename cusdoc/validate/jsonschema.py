"""JSON Schemas for the editor, translated from the cerberus schemas of cusdoc.schema.

VS Code's YAML extension reads them for completion, hover help and error squiggles. The
check_with rules (one key per block, SIREN key, years within the period) have no JSON Schema
form: `cusdoc check` remains the reference.
"""

import json
from pathlib import Path

from cusdoc.load.content import NOTE
from cusdoc.validate.schema import (
    BILAN,
    CHAPITRE,
    CONVENTION,
    NOTE_DE_REDACTION,
    REALISE_DECLARE,
    SPECIAL_CHAPTERS,
)
from cusdoc.write import write_atomically

DRAFT = "https://json-schema.org/draft/2020-12/schema"
GENERATED = "Produit par « cusdoc schema » à partir de cusdoc/validate/schema.py : ne pas modifier."

TITLES = {
    "convention": "content/convention.yml : l'organisme, la génération, les partenaires",
    "chapitre": "Un chapitre de content/ : titre, introduction et sections",
    "orientations": "content/orientations.yml : orientations stratégiques et programme d'actions",
    "engagements": "content/engagements.yml : les engagements chiffrés, indicateur par indicateur",
    "classement": "content/classement.yml : le classement des ensembles immobiliers",
    "npl": "content/npl.yml : l'annexe de la nouvelle politique des loyers",
    "realise": "content/realise.yml : le réalisé déclaré, année par année, avec sa source",
    "bilan": "content/bilans/AAAA.yml : les explications des écarts du bilan d'une année",
}
# The files after the signature, which a new project does not have yet: mapped all the same.
AFTER_SIGNATURE = {"realise": ["/content/realise.yml"], "bilan": ["/content/bilans/*.yml"]}

TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "float": {"type": "number"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "dict": {"type": "object"},
    "list": {"type": "array"},
}

# The cerberus rules translated; required is listed by the parent, check_with has no equivalent.
RULES = {"type", "required", "allowed", "regex", "min", "max", "minlength", "empty", "schema"}
RULES |= {"keysrules", "valuesrules", "meta", "check_with"}


def json_schemas() -> dict[str, dict]:
    """One JSON Schema per kind of content file: convention, chapitre, each special chapter,
    and the files after the signature (réalisé, bilans)."""
    fields = {
        "convention": CONVENTION,
        "chapitre": CHAPITRE,
        **SPECIAL_CHAPTERS,
        "realise": REALISE_DECLARE,
        "bilan": BILAN,
    }
    return {kind: document_schema(kind, schema) for kind, schema in fields.items()}


def write_schemas(folder: Path) -> list[Path]:
    """Write <kind>.schema.json for every kind into folder; the paths written, in kind order."""
    outputs = {folder / f"{kind}.schema.json": dump(s) for kind, s in json_schemas().items()}
    write_atomically(outputs)
    return list(outputs)


def dump(schema: dict) -> bytes:
    """Stable JSON text: sorted keys, so that a regenerated file differs only where rules do."""
    return (json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def document_schema(kind: str, fields: dict) -> dict:
    """The JSON Schema of a whole file, whose top level is the mapping of fields; the long
    lists it refers to (official codes, value names) are written once, in $defs."""
    schema = translate({"type": "dict", "schema": fields})
    used = sorted(set(_refs(schema)))
    defs = {"$defs": {name: DEFINITIONS[name]() for name in used}} if used else {}
    return {"$schema": DRAFT, "$comment": GENERATED, "title": TITLES[kind], **schema, **defs}


def _refs(schema):
    """The names of the $defs a schema refers to."""
    if isinstance(schema, dict):
        if isinstance(schema.get("$ref"), str):
            yield schema["$ref"].removeprefix("#/$defs/")
        for value in schema.values():
            yield from _refs(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _refs(value)


def translate(rules: dict) -> dict:
    """The JSON Schema of one cerberus rule set; a list of types becomes one branch per type."""
    unknown = set(rules) - RULES
    if unknown:
        raise ValueError(f"no JSON Schema translation for cerberus rules {sorted(unknown)}")
    kinds = rules.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    branches = [typed(rules, kind) for kind in kinds]
    formes = rules.get("meta", {}).get("formes")
    if formes:  # a check_with rule's forms, given for the editor
        result = {"anyOf": [translate(branch) for branch in formes]}
    elif len(branches) == 1:
        result = branches[0]
    elif all(set(b) == {"type"} for b in branches):
        result = {"type": list(dict.fromkeys(b["type"] for b in branches))}
    else:
        result = {"anyOf": branches}
    meta = rules.get("meta", {})
    if meta.get("codes"):
        result["$ref"] = f"#/$defs/codes-{meta['codes']}"
    if meta.get("riche"):
        result["$ref"] = "#/$defs/valeurs"
    description = meta.get("description")
    return {**result, "description": description} if description else result


def official_codes(kind: str) -> list[str]:
    """Codes from the official geography, so that the editor completes them."""
    from cusdoc.load.geography import load_geographie

    geo = load_geographie()
    codes = [*geo.departements, *geo.epci]
    if kind == "engagement":
        codes += ["organisme", *geo.regions]
    if kind == "passage":
        codes += ["organisme"]
    return sorted(set(codes))


def value_snippets() -> list[dict]:
    """The values a text may cite, offered by the editor's completion: « §{logements} »…"""
    from cusdoc.compute.values import CATALOGUE

    return [
        {"label": f"§{{{name}}}", "description": definition.libelle, "body": f"§{{{name}}}"}
        for name, definition in CATALOGUE.items()
    ]


DEFINITIONS = {
    "codes-territoires": lambda: {"enum": official_codes("territoires")},
    "codes-passage": lambda: {"enum": official_codes("passage")},
    "codes-engagement": lambda: {"enum": official_codes("engagement")},
    "valeurs": lambda: {"defaultSnippets": value_snippets()},
}


def typed(rules: dict, kind: str | None) -> dict:
    """One cerberus type with the rules that apply to values of that type."""
    result = dict(TYPES[kind]) if kind else {}
    if "allowed" in rules:
        result["enum"] = list(rules["allowed"])
    json_type = result.get("type")
    for applies_to, rules_of in TYPED_RULES.items():
        if json_type in (None, *applies_to):
            result |= rules_of(rules)
    return result


def string_rules(rules: dict) -> dict:
    """regex (a full match for cerberus, hence anchored) and empty: False."""
    result = {}
    if "regex" in rules:
        result["pattern"] = f"^(?:{rules['regex']})$"
    if rules.get("empty") is False:
        result["minLength"] = 1
    return result


def number_rules(rules: dict) -> dict:
    """min and max, both inclusive."""
    names = {"min": "minimum", "max": "maximum"}
    return {names[rule]: rules[rule] for rule in names if rule in rules}


def array_rules(rules: dict) -> dict:
    """minlength (or empty: False) and the rules of every item."""
    result = {}
    minimum = max(rules.get("minlength", 0), 1 if rules.get("empty") is False else 0)
    if minimum:
        result["minItems"] = minimum
    if "schema" in rules:
        result["items"] = translate(rules["schema"])
    return result


def object_rules(rules: dict) -> dict:
    """Known fields (no others allowed) or key and value rules, and empty: False."""
    result = {}
    if "schema" in rules:
        # A drafting note may stand on any mapping: cusdoc takes it out when it reads the file.
        fields = {NOTE: NOTE_DE_REDACTION, **rules["schema"]}
        result["properties"] = {name: translate(field) for name, field in fields.items()}
        result["additionalProperties"] = False
        required = [name for name, field in fields.items() if field.get("required")]
        if required:
            result["required"] = required
    if "keysrules" in rules:
        result["propertyNames"] = translate(rules["keysrules"])
    if "valuesrules" in rules:
        result["additionalProperties"] = translate(rules["valuesrules"])
    if rules.get("empty") is False:
        result["minProperties"] = 1
    return result


TYPED_RULES = {
    ("string",): string_rules,
    ("integer", "number"): number_rules,
    ("array",): array_rules,
    ("object",): object_rules,
}
