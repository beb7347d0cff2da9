"""Generate the reference pages of the documentation site (docs/reference/) from the code.

The schema, the indicator catalogue and the commands' help are declared once, in cusdoc; these
pages are derived from them, never written by hand. tests/test_docs.py checks that the committed
pages are what this script writes now.

Usage: python scripts/make_docs.py
"""

from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

from cusdoc.cli import main as cli
from cusdoc.compute.references import source_of
from cusdoc.load.catalogue import CATALOGUE, load_catalogue
from cusdoc.model import TOTAL
from cusdoc.validate.schema import BILAN, CHAPITRE, CONVENTION, REALISE_DECLARE, SPECIAL_CHAPTERS

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference"
TERMINAL_WIDTH = 88  # the help is wrapped at a fixed width so that the page is reproducible

# Schema


TYPES = {  # cerberus type → (singular, plural), in the writers' words
    "string": ("texte", "textes"),
    "integer": ("entier", "entiers"),
    "number": ("nombre", "nombres"),
    "float": ("nombre décimal", "nombres décimaux"),
    "boolean": ("oui ou non", "oui ou non"),
    "date": ("date", "dates"),
    None: ("valeur", "valeurs"),
}

# The patterns of the schema, in words; a pattern missing here is shown as it is.
PATTERNS = {
    r"[a-z0-9]+(-[a-z0-9]+)*": "minuscules et chiffres, séparés par des tirets (`edl-patrimoine`)",
    r"[0-9][0-9AB][0-9]{0,3}|[0-9]{9}": (
        "code Insee (département, région, commune) ou SIREN de 9 chiffres, entre guillemets"
    ),
    r"[0-9][0-9AB][0-9]{3}": "code Insee de 5 caractères, entre guillemets",
    r"[0-9]{5}": "5 chiffres, entre guillemets",
    r"[0-9]{4}-[0-9]{4}": "deux années : AAAA-AAAA",
    r"[0-9]{4}": "année sur quatre chiffres",
    r"[a-z0-9_]+": "minuscules, chiffres et `_`",
}

PATH_HELP = """\
Chaque ligne des tableaux est une clé, désignée par son chemin depuis le haut du fichier :
`organisme.siege.commune` est la clé `commune` du groupe `siege` du groupe `organisme`.

- `[]` désigne chaque élément d'une liste : `orientations[].actions[].calendrier` est le
  calendrier de chaque action de chaque orientation ;
- `*` désigne n'importe quelle clé permise d'un dictionnaire (la colonne « valeurs permises »
  de la ligne parente dit lesquelles) : `engagements.*[].valeurs` sont les valeurs de chaque
  territoire, pour chaque indicateur ;
- « obligatoire » s'entend quand le groupe qui contient la clé est présent ;
- une liste de blocs est du texte : paragraphes, listes, tableaux (voir
  [Blocs de texte](#blocs)).
"""


def is_bloc(rules: dict) -> bool:
    """A prose block: a paragraph, or a one-key mapping (list, table…)."""
    return rules.get("check_with") == "bloc"


def fields(schema: dict, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """Every field of a schema, depth first, as (path, rules)."""
    for key, rules in schema.items():
        path = f"{prefix}{key}"
        yield path, rules
        yield from inner_fields(path, rules)


def inner_fields(path: str, rules: dict) -> Iterator[tuple[str, dict]]:
    """The fields inside a mapping, a list's elements or a dictionary's values."""
    if is_bloc(rules):
        return  # blocks are documented once, in their own table
    inner = rules.get("schema")
    if isinstance(inner, dict) and rules.get("type") == "dict":
        yield from fields(inner, f"{path}.")
    elif isinstance(inner, dict) and rules.get("type") == "list":
        yield from element_fields(f"{path}[]", inner)
    if isinstance(rules.get("valuesrules"), dict):
        yield from element_fields(f"{path}.*", rules["valuesrules"])


def element_fields(path: str, rules: dict) -> Iterator[tuple[str, dict]]:
    """A list element or a dictionary value: a row of its own only if it is described."""
    if "meta" in rules:
        yield path, rules
    yield from inner_fields(path, rules)


def description(rules: dict) -> str:
    return rules.get("meta", {}).get("description", "")


def bloc_kinds(schemas: list[dict]) -> dict:
    """The kinds of block (liste, tableau…) that the schemas allow, all together."""
    kinds = {}
    for schema in schemas:
        for _, rules in fields(schema):
            element = rules.get("schema")
            if rules.get("type") == "list" and isinstance(element, dict) and is_bloc(element):
                kinds.update(element["schema"])
    return kinds


def type_name(rules: dict, plural: bool = False) -> str:
    """The type of a field in French: « liste de textes », « entier ou texte »…"""
    if is_bloc(rules):
        return "blocs" if plural else "bloc"
    kinds = rules.get("type")
    names = [_single_type(kind, rules, plural) for kind in _as_list(kinds)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} ou {names[-1]}"


def _single_type(kind: str | None, rules: dict, plural: bool) -> str:
    if kind == "list":
        word = "listes" if plural else "liste"
        element = rules.get("schema")
        return f"{word} de {type_name(element, plural=True)}" if element else word
    if kind == "dict" and "schema" in rules:
        return "groupes de clés" if plural else "groupe de clés"
    if kind == "dict":
        return "dictionnaires" if plural else "dictionnaire"
    return TYPES[kind][plural]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def constraints(rules: dict) -> list[str]:
    """What a value may be, beyond its type: allowed values, bounds, pattern, length."""
    found = []
    if is_bloc(rules.get("schema") or {}):
        kinds = ", ".join(f"`{kind}`" for kind in rules["schema"]["schema"])
        found.append(f"paragraphes, {kinds}")
    if "allowed" in rules:
        found.append(", ".join(f"`{value}`" for value in rules["allowed"]))
    if "min" in rules and "max" in rules:
        found.append(f"de {_number(rules['min'])} à {_number(rules['max'])}")
    elif "min" in rules:
        found.append(f"≥ {_number(rules['min'])}")
    elif "max" in rules:
        found.append(f"≤ {_number(rules['max'])}")
    if "regex" in rules:
        found.append(PATTERNS.get(rules["regex"], f"motif `{rules['regex']}`"))
    if rules.get("minlength", 0) == 1:
        found.append("non vide")
    elif rules.get("minlength", 0) > 1:
        found.append(f"au moins {rules['minlength']} éléments")
    if isinstance(rules.get("keysrules"), dict):
        keys = constraints(rules["keysrules"]) or [type_name(rules["keysrules"])]
        found.append(f"clés : {' ; '.join(keys)}")
    if isinstance(rules.get("valuesrules"), dict):
        found.append(f"valeurs : {_described_type(rules['valuesrules'])}")
    element = rules.get("schema")
    scalars = rules.get("type") == "list" and isinstance(element, dict) and not is_bloc(element)
    if scalars and (inner := constraints(element)):
        found.append(f"chaque élément : {' ; '.join(inner)}")
    return found


def _described_type(rules: dict) -> str:
    inner = constraints(rules)
    return f"{type_name(rules)} ({' ; '.join(inner)})" if inner else type_name(rules)


def _number(value: float) -> str:
    return str(value).replace(".", ",")


def cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return text.replace("|", "\\|")


def fields_table(schema: dict) -> list[str]:
    lines = [
        "| Chemin | Type | Obligatoire | Valeurs permises | Description |",
        "|---|---|---|---|---|",
    ]
    for path, rules in fields(schema):
        required = "—" if path.endswith(("[]", "*")) else "oui" if rules.get("required") else "non"
        lines.append(
            f"| `{path}` | {type_name(rules)} | {required} "
            f"| {cell(' ; '.join(constraints(rules)))} | {cell(description(rules))} |"
        )
    return lines


def content_files() -> dict[str, tuple[str, dict]]:
    """Each kind of content file: (title, schema)."""
    special = ", ".join(f"`{name}`" for name in SPECIAL_CHAPTERS)
    return {
        "`content/convention.yml`": (
            "Le fichier principal : l'organisme, la période, les territoires, les signataires "
            "et la liste des chapitres.",
            CONVENTION,
        ),
        "Un chapitre : `content/<nom>.yml`": (
            "Tout chapitre listé sous `chapitres:` dont la forme n'est pas particulière "
            f"(tous sauf {special}).",
            CHAPITRE,
        ),
        **{
            f"`content/{name}.yml`": (f"Le chapitre `{name}`.", schema)
            for name, schema in SPECIAL_CHAPTERS.items()
        },
        "`content/realise.yml`": (
            "Après la signature : le réalisé que les données ne donnent pas (PP-1, G-1, "
            "logements-foyers…), déclaré année par année avec sa source. Ce n'est pas un "
            "chapitre : la convention ne l'imprime pas ; `cusdoc indicateurs`, le classeur et les "
            "bilans l'utilisent.",
            REALISE_DECLARE,
        ),
        "Un bilan : `content/bilans/AAAA.yml`": (
            "Ce que l'organisme écrit dans le bilan de l'année AAAA (`cusdoc bilan --annee "
            "AAAA`) : un texte ajouté à l'objet du bilan, et l'explication des écarts entre "
            "engagement et réalisé, imprimée sous le tableau du territoire.",
            BILAN,
        ),
    }


def schema_page() -> str:
    """docs/reference/schema.md: every field of every content file, from the cerberus schema."""
    files = content_files()
    lines = [
        "# Référence du schéma",
        "",
        "*Page produite par `scripts/make_docs.py` à partir de `cusdoc/validate/schema.py` : ne la "
        "modifiez pas à la main, modifiez le schéma puis lancez `make docs`.*",
        "",
        PATH_HELP,
    ]
    for title, (intro, schema) in files.items():
        lines += [f"## {title}", "", intro, "", *fields_table(schema), ""]
    kinds = bloc_kinds([schema for _, schema in files.values()])
    lines += [
        "## Blocs de texte {#blocs}",
        "",
        "Chaque élément d'une liste de blocs (`introduction`, `contenu`…) est soit un "
        "paragraphe (une ligne de texte), soit un groupe d'une seule des clés suivantes ; les "
        "chemins partent du bloc. Les tableaux ne sont pas permis dans les actions des "
        "orientations.",
        "",
        *fields_table(kinds),
        "",
    ]
    return "\n".join(lines)


# Indicators


UNITES = {"nombre": "nombre", "pourcent": "pourcentage (%)", "euros": "euros (€)"}
HORIZONS = {
    "annuel": "annuel : une valeur par année",
    "cumul": "cumul : valeurs cumulées à trois et six ans",
}
SENS = {
    "hausse": "hausse (plus vaut mieux) : un engagement en deçà de la référence porte une "
    "`justification`",
    "baisse": "baisse (un coût : moins vaut mieux) : un engagement au-dessus de la référence "
    "porte une `justification`",
}
ECHELLES = {
    "departement": "département",
    "epci": "EPCI",
    "organisme": "organisme",
    "region": "région",
}
REFERENCES_COURTES = {"calculee": "calculée", "declaree": "déclarée"}
REFERENCES = {
    "calculee": "calculée à partir des données de `content/donnees/` (n'écrivez pas `reference`)",
    "declaree": "déclarée dans `content/engagements.yml` (`reference` et `source_reference`)",
}
VOLETS = {
    "locatif": "locatif",
    "logements_foyers": "logements-foyers",
    "accession": "accession",
}
A_VERIFIER = "Formulation à confirmer sur Légifrance"


def label(words: dict, value: str) -> str:
    """A catalogue value in words; a value the table does not know is shown as it is."""
    return words.get(value, value)


def indicateurs_page() -> str:
    """docs/reference/indicateurs.md: the indicator catalogue, from cusdoc/data/indicateurs.yml."""
    catalogue = load_catalogue()
    lines = [
        "# Catalogue des indicateurs",
        "",
        f"*Page produite par `scripts/make_docs.py` à partir de `cusdoc/data/{CATALOGUE.name}` : "
        "ne la modifiez pas à la main, modifiez le catalogue puis lancez `make docs`.*",
        "",
        "Les engagements chiffrés de `content/engagements.yml` portent sur ces indicateurs. Ceux "
        "des volets logements-foyers et accession ne s'appliquent que si `volets` les déclare "
        "dans `content/convention.yml`. Une formulation marquée « à confirmer sur Légifrance » "
        "n'a pas pu être relue dans le texte en vigueur : `cusdoc check` en avertit sur chaque "
        "engagement qui la porte, et la version de signature est refusée tant que l'organisme "
        "ne l'a pas relue et déclarée dans `intitules_verifies` de `content/convention.yml` "
        "(voir [La version de signature](../signature.md)).",
        "",
        "| Indicateur | Titre | Unité | Horizon | Échelle | Référence | Formulation |",
        "|---|---|---|---|---|---|---|",
    ]
    for ind in catalogue.values():
        lines.append(
            f"| [{ind.id}](#{ind.id.lower()}) | {cell(ind.titre)} "
            f"| {label(UNITES, ind.unite)} | {ind.horizon} | {label(ECHELLES, ind.echelle)} "
            f"| {label(REFERENCES_COURTES, ind.reference)} "
            f"| {'**à confirmer**' if ind.a_verifier else 'relue'} |"
        )
    for ind in catalogue.values():
        lines += ["", *indicateur_section(ind)]
    return "\n".join(lines) + "\n"


DECLARE = "déclaré année par année, avec sa source, dans `content/realise.yml`"


def realise_line(ind) -> str:
    """Where an indicator's réalisé comes from: the data of each year, or content/realise.yml."""
    source = source_of(ind.id, TOTAL)
    if source:
        return (
            "- **Réalisé** : calculé par la même définition sur les lignes de chaque année de la "
            f"période dans `content/donnees/{source}.csv` ; {DECLARE} pour une année que le "
            "fichier ne couvre pas"
        )
    if ind.volet == "logements_foyers":
        return (
            f"- **Réalisé** : {DECLARE} : `foyers.csv` décrit les établissements sans dire "
            "jusqu'à quelle année il est complet"
        )
    return f"- **Réalisé** : {DECLARE}"


def indicateur_section(ind) -> list[str]:
    lines = [f"## {ind.id} : {ind.titre} {{#{ind.id.lower()}}}", ""]
    if ind.a_verifier:
        lines += [f"**{A_VERIFIER}** : la formulation ci-dessous n'a pas pu être relue.", ""]
    lines += [f"> {ind.intitule}", ""]
    ventilations = ", ".join(ind.ventilations) or "aucune"
    sens = label(SENS, ind.sens)
    obligatoire = "oui" if ind.obligatoire else "non : à la demande du préfet (R. 445-5-1)"
    return [
        *lines,
        f"- **Engagement** : {ind.engagement}",
        f"- **Volet** : {label(VOLETS, ind.volet)}",
        f"- **Obligatoire** : {obligatoire}",
        f"- **Unité** : {label(UNITES, ind.unite)}",
        f"- **Horizon** : {label(HORIZONS, ind.horizon)}",
        f"- **Sens** : {sens}",
        f"- **Échelle territoriale** : {label(ECHELLES, ind.echelle)}",
        f"- **Ventilations** : {ventilations}",
        f"- **Valeur de référence** : {label(REFERENCES, ind.reference)}",
        *([f"- **Calcul de la référence** : {ind.calcul}"] if ind.calcul else []),
        *(
            [
                f"- **Sans `content/donnees/{ind.donnees}.csv`** : la référence est déclarée "
                "dans `content/engagements.yml` (`reference` et `source_reference`)"
            ]
            if ind.donnees
            else []
        ),
        realise_line(ind),
    ]


# Command line


def commands(group: click.Group, prefix: str = "cusdoc") -> Iterator[tuple[str, click.Command]]:
    """Every visible command, sub-commands of groups included, as (full name, command)."""
    for name, command in group.commands.items():
        if command.hidden:
            continue
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix} {name}")


def help_text(full_name: str) -> str:
    """The output of `<command> --help`, at a fixed width."""
    args = [*full_name.split()[1:], "--help"]
    result = CliRunner().invoke(cli, args, prog_name="cusdoc", terminal_width=TERMINAL_WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"{full_name} --help a échoué : {result.output}")
    return result.stdout.rstrip()


def cli_page() -> str:
    """docs/reference/cli.md: the help of each command, from cusdoc.cli."""
    lines = [
        "# Référence de la ligne de commande",
        "",
        "*Page produite par `scripts/make_docs.py` à partir de l'aide de chaque commande "
        "(`cusdoc COMMANDE --aide`) : ne la modifiez pas à la main.*",
        "",
        "Les commandes se lancent depuis le dossier du projet, ou d'ailleurs avec "
        "`cusdoc -C DOSSIER COMMANDE`. Le programme est `.venv/bin/cusdoc`, installé par la "
        "première commande `make` (`make check`, par exemple).",
    ]
    for full_name in ["cusdoc", *(name for name, _ in commands(cli))]:
        lines += ["", f"## `{full_name}`", "", "```text", help_text(full_name), "```"]
    return "\n".join(lines) + "\n"


def valeurs_page() -> str:
    """The catalogue of the values a text cites, by group."""
    from cusdoc.compute.values import CATALOGUE

    lines = [
        "# Valeurs calculées",
        "",
        "Une phrase cite une valeur au lieu de la saisir : `§{nom}`. La valeur est calculée",
        "pour le territoire du passage (celui de sa section, de son action ou du bloc, s'il en a",
        "un seul ; sinon l'organisme, ou le partenaire dans son extrait) ; `§{nom@code}` désigne",
        "un territoire (`§{logements@37}`, `§{part_fg@organisme}`). Elle s'imprime à la",
        "française, avec son unité (`12 050`, `9,5 %`) ; un effectif inférieur au seuil du",
        "secret statistique ne s'imprime pas. Un nom inconnu est une erreur de `cusdoc check`,",
        "qui propose le nom le plus proche. `§{nom|singulier|pluriel}` accorde le nom qui suit",
        "un nombre (« 1 logement », « 12 050 logements »). Voir le",
        "[guide du rédacteur](../redaction.md#valeurs).",
        "",
        "Page produite par `make docs` à partir de `cusdoc/compute/values.py`.",
    ]
    groups: dict[str, list] = {}
    for name, definition in CATALOGUE.items():
        groups.setdefault(definition.groupe, []).append((name, definition))
    units = {"nombre": "nombre", "pourcent": "%", "annee": "année", "texte": "texte"}
    for groupe, entries in groups.items():
        lines += ["", f"## {groupe}", "", "| valeur | ce qu'elle donne | unité |", "|---|---|---|"]
        for name, definition in entries:
            unite = units.get(definition.unite, definition.unite)
            lines.append(f"| `§{{{name}}}` | {cell(definition.libelle)} | {unite} |")
    return "\n".join(lines) + "\n"


PAGES = {
    "schema.md": schema_page,
    "valeurs.md": valeurs_page,
    "indicateurs.md": indicateurs_page,
    "cli.md": cli_page,
}


def write_pages(target: Path = REFERENCE) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, page in PAGES.items():
        (target / name).write_text(page(), encoding="utf-8")
        print(f"docs/reference/{name}")


if __name__ == "__main__":
    write_pages()
