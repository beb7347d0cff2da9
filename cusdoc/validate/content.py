"""Validate stage: every content file against its schema, then the checks across files."""

import datetime
import difflib
import functools
import re

import cerberus
import yaml
from cerberus import errors as cerrors
from cerberus.schema import DefinitionSchema

from cusdoc import SKELETON
from cusdoc.compute.values import NEEDS
from cusdoc.errors import Problem
from cusdoc.load.catalogue import load_catalogue
from cusdoc.load.content import REALISE, SEUIL_MINIMUM, Content, Path_, Source, dotted
from cusdoc.load.geography import Geographie
from cusdoc.load.text import parse, references
from cusdoc.model import REF, Valeur, chapter_id, generated_id, parse_calendrier
from cusdoc.validate.images import check_images
from cusdoc.validate.schema import FORMATS, LIGNE_BALISEE, REQUIRED_CHAPTERS, schema_for
from cusdoc.validate.text import check_text
from cusdoc.validate.volets import check_accession_signatories

TYPE_NAMES = {
    "string": "un texte",
    "integer": "un nombre entier",
    "float": "un nombre",
    "number": "un nombre",
    "boolean": "oui ou non (true/false)",
    "date": "une date AAAA-MM-JJ",
    "dict": "des clés « nom: valeur »",
    "list": "une liste (lignes commençant par « - »)",
}


AGREEMENT = {"date": "attendue", "list": "attendue", "dict": "attendues"}


def describe(value) -> str:
    """How a found value is named in a message."""
    if value is None:
        return "une valeur vide"
    if isinstance(value, bool):
        return f"la valeur booléenne {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"le nombre {value}"
    if isinstance(value, datetime.date):
        return f"la date {value.isoformat()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"« {shown} »"
    if isinstance(value, list):
        return "une liste"
    return "des clés « nom: valeur »"


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        d = int(char) * (2 if index % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


class TrustedSchema(DefinitionSchema):
    """Our own schema, not checked again at every run: tests/test_schema.py checks it once.

    Checking a schema is most of cerberus's time on the example (0,3 s of `cusdoc check`); the
    validator of schemas that cerberus makes for it, and its expansion, cost a third of the rest.
    Only the expansion is needed, and it is made once per schema (schema_for gives constants).
    """

    def __init__(self, validator, schema: dict) -> None:
        self.validator = validator
        self.schema = _expanded(schema)

    def validate(self, schema=None) -> None:
        return None


_EXPANDED: dict[int, tuple[dict, dict]] = {}


def _expanded(schema: dict) -> dict:
    """The schema with cerberus's shorthands expanded, kept by its id beside the schema it comes
    from (which keeps that id from being reused)."""
    if id(schema) not in _EXPANDED:
        _EXPANDED[id(schema)] = (schema, DefinitionSchema.expand(schema))
    return _EXPANDED[id(schema)][1]


class ContentValidator(cerberus.Validator):
    """Cerberus with the few rules our schema names in check_with."""

    @classmethod
    def trusting(cls, schema: dict, **config) -> "ContentValidator":
        validator = cls(**config)
        validator.schema = TrustedSchema(validator, schema)
        return validator

    def _check_with_bloc(self, field, value):
        kinds = [k for k in value if k != "territoires"] if isinstance(value, dict) else [""]
        if len(kinds) != 1:
            expected = "« paragraphe », « liste », « liste_numerotee », « tableau » ou « image »"
            found = ", ".join(f"« {k} »" for k in kinds) or "aucune clé"
            self._error(
                field,
                f"un bloc a une seule clé parmi {expected} (et, au besoin, « territoires ») ; "
                f"trouvé {found}",
            )

    def _check_with_ligne(self, field, value):
        """A table row: a list of cells, or a mapping {cellules, territoires}."""
        if isinstance(value, dict):
            validator = self._get_child_validator(
                document_crumb=field, schema_crumb=(field, "check_with"), schema=LIGNE_BALISEE
            )
            if not validator(value, normalize=False):
                self._error(validator._errors)
            return
        for index, cell in enumerate(value):
            if not isinstance(cell, str | int | float) or isinstance(cell, bool):
                self._error(
                    field,
                    f"cellule {index + 1} : un texte ou un nombre est attendu, trouvé "
                    f"{describe(cell)}",
                )

    def _check_with_section(self, field, value):
        if isinstance(value, dict) and "contenu" not in value and "sections" not in value:
            self._error(field, "une section a un « contenu » ou des « sections »")

    def _check_with_siren(self, field, value):
        if not re.fullmatch(r"[0-9]{9}", value):
            self._error(field, f"un SIREN de 9 chiffres est attendu, trouvé {describe(value)}")
        elif not luhn_ok(value):
            self._error(field, f"le SIREN {value} est invalide (clé de contrôle erronée)")

    def _check_with_calendrier(self, field, value):
        years = parse_calendrier(value)
        if years is None:
            self._error(
                field,
                "une année (2026) ou une période (2025-2027) est attendue, "
                f"trouvé {describe(value)}",
            )
            return
        first, last = self._config.get("periode") or years
        debut, fin = years
        if debut > fin:
            self._error(field, f"la période {debut}-{fin} commence après sa fin")
        for year in dict.fromkeys((debut, fin)):
            if not first <= year <= last:
                self._error(field, f"l'année {year} est hors de la période {first}-{last}")


def validate_content(content: Content, geo: Geographie, complete: bool = True) -> list[Problem]:
    """All problems of the content: schema, then cross-file checks.

    complete=False when some file could not be read: references into it are then not checked.
    """
    convention = content.sources.get("convention")
    periode = _periode(convention.data) if convention else None
    problems = []
    for name, source in content.sources.items():
        problems += _validate_schema(name, source, periode)
    if convention and isinstance(convention.data, dict):
        problems += _check_convention(convention, geo, periode)
        problems += _check_chapters(convention)
        problems += check_placeholder_identity(convention)
    problems += _check_ids_and_refs(content, complete)
    if convention and isinstance(convention.data, dict):
        problems += check_text(content, geo, load_catalogue())
    problems += check_images(content)
    problems += _check_tables(content)
    if "classement" in content.sources:
        problems += _check_classement(content.sources["classement"])
    return problems


def _periode(data) -> tuple[int, int] | None:
    generation = data.get("generation") if isinstance(data, dict) else None
    if not isinstance(generation, dict):
        return None
    first, last = generation.get("premiere_annee"), generation.get("derniere_annee")
    if isinstance(first, int) and isinstance(last, int) and first <= last:
        return first, last
    return None


def _validate_schema(name: str, source: Source, periode) -> list[Problem]:
    schema = schema_for(name)
    if not isinstance(source.data, dict):
        line, column = source.position(())
        return [
            Problem(
                source.file,
                line,
                column,
                "",
                f"des clés « nom: valeur » sont attendues en haut du fichier, "
                f"trouvé {describe(source.data)}",
            )
        ]
    validator = ContentValidator.trusting(schema, periode=periode)
    validator.validate(source.data, normalize=False)  # no coercion nor default in the schema
    return [_problem(source, schema, e) for e in _leaf_errors(validator._errors)]


def _leaf_errors(errors):
    for error in errors:
        if error.is_group_error and error.child_errors:
            yield from _leaf_errors(error.child_errors)
        elif not error.is_group_error:
            yield error


def _schema_at(schema: dict, path: Path_) -> dict | None:
    """The mapping of field rules that applies at path (list indices skip a level)."""
    rules = {"schema": schema, "type": "dict"}
    for part in path:
        inner = rules.get("schema")
        if inner is None and "valuesrules" in rules:  # a mapping of free keys (realise.PP-1)
            rules = rules["valuesrules"]
            continue
        if inner is None:
            return None
        rules = inner if isinstance(part, int) else inner.get(part, {})
        if rules.get("check_with") == "ligne" and isinstance(part, int):
            rules = {"schema": LIGNE_BALISEE}  # a tagged row, checked by its own rule
    inner = rules.get("schema")
    return inner if isinstance(inner, dict) and "type" not in inner else None


def _problem(source: Source, schema: dict, error) -> Problem:
    path = tuple(error.document_path)
    message = _french(error, schema, path)
    if error.code == cerrors.UNKNOWN_FIELD.code:
        line, column = source.position(path, key=True)
        path = path[:-1]  # the message names the key
    elif error.code == cerrors.REQUIRED_FIELD.code:
        line, column = source.position(path[:-1])
    else:
        line, column = source.position(path)
    return Problem(source.file, line, column, dotted(path), message)


def _french(error, schema: dict, path: Path_) -> str:
    rule, constraint, value = error.rule, error.constraint, error.value
    if error.code == cerrors.CUSTOM.code:
        return error.info[0]
    if error.code == cerrors.UNKNOWN_FIELD.code:
        allowed = sorted((_schema_at(schema, path[:-1]) or {}).keys())
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
        hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else ""
        if set(allowed) >= {"liste", "liste_numerotee"}:
            hint += " ; un paragraphe qui contient « : » doit être placé entre guillemets"
        known = ", ".join(allowed)
        return f"clé inconnue {describe(str(path[-1]))}{hint} (clés possibles : {known})"
    if rule == "required":
        return f"la clé « {path[-1]} » est obligatoire"
    if rule == "type":
        wanted = constraint if isinstance(constraint, list) else [constraint]
        names = " ou ".join(TYPE_NAMES.get(t, t) for t in wanted)
        hint = ""
        if "string" in wanted and isinstance(value, int | float | datetime.date):
            hint = " (mettez la valeur entre guillemets)"
        # the participle agrees with the nearest name: « une liste … est attendue »
        participle = AGREEMENT.get(wanted[-1], "attendu")
        verb = "sont" if participle.endswith("s") else "est"
        return f"{names} {verb} {participle}, trouvé {describe(value)}{hint}"
    if rule in ("empty", "nullable"):
        return "une valeur non vide est attendue"
    if rule == "minlength":
        plural = "s" if constraint > 1 else ""
        return f"au moins {constraint} élément{plural} attendu{plural}"
    if rule == "allowed":
        close = difflib.get_close_matches(str(value), [str(c) for c in constraint], n=1)
        if close:
            return f"valeur inconnue {describe(value)} ; vouliez-vous dire « {close[0]} » ?"
        choices = ", ".join(f"« {c} »" for c in constraint)
        return f"valeur possible : {choices} ; trouvé {describe(value)}"
    if rule == "min":
        return f"une valeur d'au moins {_nombre(constraint)} est attendue, trouvé {describe(value)}"
    if rule == "max":
        return f"une valeur d'au plus {_nombre(constraint)} est attendue, trouvé {describe(value)}"
    if rule == "regex":
        expected = FORMATS.get(constraint, "le format que décrit la documentation de la clé")
        return f"format invalide, trouvé {describe(value)} : il faut {expected}"
    return f"valeur refusée par la règle {rule} : {describe(value)}"


def _nombre(value) -> str:
    """A bound as a French reader writes it: « 0,01 »."""
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)


def _check_convention(source: Source, geo: Geographie, periode) -> list[Problem]:
    data = source.data
    problems = []
    generation = data.get("generation")
    if isinstance(generation, dict):
        first, last = generation.get("premiere_annee"), generation.get("derniere_annee")
        reference = generation.get("annee_reference")
        if isinstance(first, int) and isinstance(last, int) and first > last:
            problems.append(
                source.problem(
                    ("generation", "derniere_annee"),
                    f"la dernière année ({last}) précède la première ({first})",
                )
            )
        if isinstance(first, int) and isinstance(last, int) and last - first + 1 > 6:
            problems.append(
                source.problem(
                    ("generation", "derniere_annee"),
                    f"la période {first}-{last} dure {last - first + 1} ans : une convention "
                    "d'utilité sociale porte sur six ans au plus (CCH L. 445-1)",
                )
            )
        effet = generation.get("date_effet")
        if isinstance(first, int) and isinstance(effet, datetime.date):
            expected = datetime.date(first, 1, 1)
            if effet != expected:
                problems.append(
                    source.problem(
                        ("generation", "date_effet"),
                        f"la convention prend effet le 1er janvier de sa première année "
                        f"({expected.isoformat()}) ; trouvé {effet.isoformat()}",
                    )
                )
        if periode and isinstance(reference, int) and reference >= periode[0]:
            problems.append(
                source.problem(
                    ("generation", "annee_reference"),
                    f"l'année de référence ({reference}) doit précéder la période "
                    f"{periode[0]}-{periode[1]}",
                )
            )
        problems += _check_psp(source, generation)
    organisme = data.get("organisme") if isinstance(data.get("organisme"), dict) else {}
    siege = organisme.get("siege") if isinstance(organisme.get("siege"), dict) else {}
    if isinstance(siege.get("commune"), str) and siege["commune"] not in geo.table.codes:
        problems.append(
            source.problem(
                ("organisme", "siege", "commune"),
                f"la commune {siege['commune']} n'existe pas dans le code officiel géographique",
            )
        )
    problems += _check_territories(source, geo)
    problems += _check_seuil(source)
    problems += check_accession_signatories(source)
    return problems


def _check_seuil(source: Source) -> list[Problem]:
    """The statistical secrecy threshold is not below the lowest one a source gives."""
    seuil = source.data.get("secret_statistique")
    if isinstance(seuil, bool) or not isinstance(seuil, int) or not 1 <= seuil < SEUIL_MINIMUM:
        return []  # the default, or a value the schema reports
    return [
        source.problem(
            ("secret_statistique",),
            f"seuil du secret statistique trop bas ({seuil}) : {SEUIL_MINIMUM} au moins, la "
            "règle de fréquence de l'Insee (aucun résultat publié ne repose sur moins de "
            f"{SEUIL_MINIMUM} unités)",
        )
    ]


def _check_psp(source: Source, generation: dict) -> list[Problem]:
    """The PSP must have been approved less than three years before the CUS takes effect."""
    psp = source.data.get("plan_strategique_patrimoine")
    effet = _day(generation.get("date_effet"))
    approved = _day(psp.get("date_approbation")) if isinstance(psp, dict) else None
    if effet is None or approved is None or effet.year <= 3:
        return []
    # 29 February has no match three years earlier: the day before is the limit.
    day = 28 if (effet.month, effet.day) == (2, 29) else effet.day
    limit = effet.replace(year=effet.year - 3, day=day)
    if approved <= limit or approved > effet:
        return [
            source.problem(
                ("plan_strategique_patrimoine", "date_approbation"),
                f"le plan stratégique de patrimoine doit avoir été approuvé moins de trois ans "
                f"avant la date d'effet ({effet.isoformat()}) ; trouvé {approved.isoformat()}",
            )
        ]
    return []


def _day(value) -> datetime.date | None:
    """A date, also when YAML read a date and time (2025-07-01 10:00)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    return value if isinstance(value, datetime.date) else None


def _text(value) -> str | None:
    """The value if it is a text; a cross-check skips what the schema reports as mistyped."""
    return value if isinstance(value, str) else None


def _ps1_subject(source: Source, path, item: dict, epci, code, geo: Geographie) -> list:
    """Whether an EPCI owes PS-1 is declared, never guessed (CCH L. 441-1); a département
    does not owe it."""
    declared = "assujetti_ps1" in item
    if epci and not declared:
        return [
            source.problem(
                path,
                f"l'EPCI {code} ({epci.nom}) doit dire s'il est assujetti à PS-1 (CCH L. 441-1) : "
                "ajoutez « assujetti_ps1: plh » (tenu de se doter d'un programme local de "
                "l'habitat), « habitat_qpv » (compétent en matière d'habitat avec au moins un "
                "quartier prioritaire) ou « non »",
            )
        ]
    if declared and not epci and code in geo.departements:
        return [
            source.problem(
                (*path, "assujetti_ps1"),
                "seul un EPCI est assujetti à PS-1 : retirez « assujetti_ps1 » d'un département",
                key=True,
            )
        ]
    return []


def _check_territories(source: Source, geo: Geographie) -> list[Problem]:
    data = source.data
    problems = []
    territoires = data.get("territoires") if isinstance(data.get("territoires"), list) else []
    statut_of: dict[str, str] = {}
    for index, item in enumerate(territoires):
        code = _text(item.get("code")) if isinstance(item, dict) else None
        if code is None:
            continue
        path = ("territoires", index, "code")
        if code in statut_of:
            problems.append(source.problem(path, f"le territoire {code} est déjà déclaré"))
        elif code != code.strip() and geo.territoire(code.strip()) is not None:
            problems.append(
                source.problem(
                    path,
                    f"espace en trop dans le code « {code} » : écrivez « {code.strip()} » "
                    f"({geo.territoire(code.strip()).nom})",
                )
            )
        elif geo.territoire(code) is None:
            nature = "l'EPCI de SIREN" if len(code.strip()) == 9 else "le département"
            problems.append(
                source.problem(path, f"{nature} {code} n'existe pas dans la géographie officielle")
            )
        statut_of[code] = item.get("statut")
    departements = {c for c in statut_of if c in geo.departements}
    # A mistyped code may be the missing département: its EPCI are not reported as well.
    typed = all(isinstance(t, dict) and isinstance(t.get("code"), str) for t in territoires)
    for index, item in enumerate(territoires if typed else ()):
        code = _text(item.get("code")) if isinstance(item, dict) else None
        epci = geo.epci.get(code) if code is not None else None
        if epci and not set(epci.departements) & departements:
            problems.append(
                source.problem(
                    ("territoires", index, "code"),
                    f"l'EPCI {code} ({epci.nom}) n'est dans aucun des départements déclarés "
                    f"({', '.join(sorted(departements)) or 'aucun'})",
                )
            )
        problems += _ps1_subject(source, ("territoires", index), item, epci, code, geo)
    signataires = data.get("signataires") if isinstance(data.get("signataires"), list) else []
    signed: set[str] = set()
    counts = {"État": 0, "organisme": 0}
    for index, item in enumerate(signataires):
        if not isinstance(item, dict):
            continue
        partie, code = _text(item.get("partie")), item.get("territoire")
        if partie in counts:
            counts[partie] += 1
            if code is not None:
                problems.append(
                    source.problem(
                        ("signataires", index, "territoire"),
                        f"pas de territoire pour la partie « {partie} »",
                    )
                )
            continue
        if partie not in ("département", "EPCI"):
            continue
        path = ("signataires", index)
        if not isinstance(code, str):
            problems.append(
                source.problem(path, f"la clé « territoire » est obligatoire pour un {partie}")
            )
            continue
        territoire = geo.territoire(code)
        if territoire is None or territoire.nature != partie:
            problems.append(
                source.problem(
                    (*path, "territoire"),
                    f"le code {code} n'est pas celui d'un {partie} de la géographie officielle",
                )
            )
        elif statut_of.get(code) != "signataire":
            problems.append(
                source.problem(
                    (*path, "territoire"),
                    f"le territoire {code} ({territoire.nom}) doit figurer dans « territoires » "
                    "avec le statut « signataire »",
                )
            )
        signed.add(code)
    for partie, count in counts.items():
        if signataires and count != 1:
            problems.append(
                source.problem(
                    ("signataires",),
                    f"un et un seul bloc de signature est attendu pour la partie « {partie} », "
                    f"trouvé {count}",
                )
            )
    for index, item in enumerate(territoires):
        code = _text(item.get("code")) if isinstance(item, dict) else None
        if statut_of.get(code) == "signataire" and code not in signed and geo.territoire(code):
            problems.append(
                source.problem(
                    ("territoires", index),
                    f"le territoire signataire {code} ({geo.territoire(code).nom}) "
                    "n'a pas de bloc dans « signataires »",
                )
            )
    return problems


def _check_chapters(source: Source) -> list[Problem]:
    chapitres = source.data.get("chapitres")
    if not isinstance(chapitres, list):
        return []
    problems = []
    seen: set = set()
    for index, name in enumerate(chapitres):
        if not isinstance(name, str):
            continue  # the schema says a text is expected
        if name in ("convention", REALISE):
            problems.append(
                source.problem(("chapitres", index), f"« {name} » n'est pas un chapitre")
            )
        if name in seen:
            problems.append(
                source.problem(("chapitres", index), f"le chapitre « {name} » est déjà listé")
            )
        seen.add(name)
    for name, description in REQUIRED_CHAPTERS.items():
        if name not in seen:
            problems.append(
                source.problem(
                    ("chapitres",),
                    f"le chapitre obligatoire « {name} » ({description}) manque",
                )
            )
    return problems


# The identity fields that `cusdoc init` fills with example values, as the message names them.
IDENTITY = {"raison_sociale": "la raison sociale", "siren": "le SIREN"}


@functools.cache
def skeleton_identity() -> dict[str, str]:
    """The example raison sociale and SIREN of the skeleton's content/convention.yml."""
    text = (SKELETON / "content" / "convention.yml").read_text(encoding="utf-8")
    organisme = yaml.load(text, Loader=yaml.CSafeLoader)["organisme"]
    return {key: organisme[key] for key in IDENTITY}


def check_placeholder_identity(source: Source) -> list[Problem]:
    """The organisation still bears the example identity that `cusdoc init` wrote."""
    organisme = source.data.get("organisme")
    if not isinstance(organisme, dict):
        return []
    return [
        source.problem(
            ("organisme", key),
            f"{describe(example)} est la valeur d'exemple du modèle cusdoc init : "
            f"remplacez-la par {IDENTITY[key]} de l'organisme",
        )
        for key, example in skeleton_identity().items()
        if organisme.get(key) == example
    ]


def walk(data, path: Path_ = ()):
    """Every (path, value) of nested data, depth first."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk(value, (*path, index))


def section_ids(content: Content):
    """(source, path, id) of every id declared in the chapters."""
    for name, source in content.sources.items():
        if name == "convention":
            continue
        for path, value in walk(source.data):
            if path and path[-1] == "id" and isinstance(value, str):
                yield source, path, value


def _check_ids_and_refs(content: Content, complete: bool) -> list[Problem]:
    problems = []
    # id → where it is declared, as the duplicate message names it
    declared: dict[str, str] = {
        chapter_id(name): f"chapitre {source.file}" for name, source in content.sources.items()
    }
    for source, path, ident in section_ids(content):
        reserved = generated_id(ident)
        if reserved:
            problems.append(
                source.problem(
                    path,
                    f"l'identifiant « {ident} » est réservé ({reserved}) : choisissez-en un autre",
                )
            )
            continue
        if ident in declared:
            problems.append(
                source.problem(path, f"l'identifiant « {ident} » est déjà pris ({declared[ident]})")
            )
            continue
        declared[ident] = f"{source.file}, ligne {source.position(path)[0]}"
    for source in content.sources.values() if complete else ():
        for path, value in walk(source.data):
            if not isinstance(value, str) or "§[" not in value:
                continue
            for match in REF.finditer(value):
                if match[1] not in declared:
                    close = difflib.get_close_matches(match[1], declared, n=1, cutoff=0.6)
                    hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else ""
                    problems.append(
                        source.problem(
                            path, f"renvoi §[{match[1]}] vers une section inconnue{hint}"
                        )
                    )
    return problems


def _check_tables(content: Content) -> list[Problem]:
    problems = []
    for source in content.sources.values():
        for path, value in walk(source.data):
            if not (path and path[-1] == "tableau" and isinstance(value, dict)):
                continue
            colonnes = value.get("colonnes")
            if not isinstance(colonnes, list):
                continue
            width = len(colonnes)
            largeurs = value.get("largeurs")
            if isinstance(largeurs, list) and len(largeurs) != width:
                problems.append(
                    source.problem(
                        (*path, "largeurs"),
                        f"{width} largeurs attendues (une par colonne), trouvé {len(largeurs)}",
                    )
                )
            lignes = value.get("lignes")
            for index, row in enumerate(lignes if isinstance(lignes, list) else []):
                where = (*path, "lignes", index)
                if isinstance(row, dict):  # a tagged row: {cellules, territoires}
                    row, where = row.get("cellules"), (*where, "cellules")
                if isinstance(row, list) and len(row) != width:
                    hint = (
                        " ; dans une liste entre crochets, une virgule sépare deux cellules : "
                        "mettez entre guillemets une cellule qui en contient une"
                        if len(row) > width
                        else ""
                    )
                    problems.append(
                        source.problem(
                            where,
                            f"{width} cellules attendues (une par colonne), "
                            f"trouvé {len(row)}{hint}",
                        )
                    )
    return problems


def data_needed(content: Content) -> list[Problem]:
    """Without content/donnees/, nothing can be computed: say where the data was needed."""
    problems = []
    for name, source in content.sources.items():
        if name == "engagements":
            problems.append(
                source.problem(
                    (),
                    "les engagements chiffrés demandent les données de l'organisme : "
                    "le dossier content/donnees/ est introuvable",
                )
            )
            continue
        if name == "npl":
            problems.append(
                source.problem(
                    (),
                    "l'annexe de la nouvelle politique des loyers demande les données de "
                    "l'organisme : le dossier content/donnees/ est introuvable",
                )
            )
        for path, value in walk(source.data):
            if path and path[-1] == "tableau_calcule":
                problems.append(
                    source.problem(
                        path,
                        f"le tableau calculé « {value} » demande les données de l'organisme : "
                        "le dossier content/donnees/ est introuvable",
                    )
                )
    return problems


def data_file_needed(content: Content, absent: tuple[str, ...]) -> list[Problem]:
    """A value the text cites from an optional data file the project goes without."""
    names = [nom for nom, fichier in NEEDS.items() if fichier in absent]
    problems = []
    for source in content.sources.values() if names else ():
        for path, value in walk(source.data):
            # only a text that names such a value is parsed
            if not isinstance(value, str) or not any(nom in value for nom in names):
                continue
            for item in references(parse(value)[0]):
                fichier = NEEDS.get(item.nom) if isinstance(item, Valeur) else None
                if fichier in absent:
                    written = f"§{{{item.nom}"
                    line, column = source.position_in(path, written, value, item.offset)
                    problems.append(
                        Problem(
                            source.file,
                            line,
                            column,
                            dotted(path),
                            f"la valeur « {written}}} » est calculée à partir de "
                            f"content/donnees/{fichier}.csv, introuvable : ajoutez ce fichier, "
                            "ou écrivez le nombre avec sa source",
                        )
                    )
    return problems


def _check_classement(source: Source) -> list[Problem]:
    """Classes from the best score down, weights that make an average, categories that can
    retain an ensemble, the last one catching every ensemble."""
    data = source.data if isinstance(source.data, dict) else {}
    service_rendu = _mapping(data.get("service_rendu"))
    categories = _mapping(data.get("occupation")).get("categories")
    categories = categories if isinstance(categories, list) else []
    return [
        *_check_classes(source, service_rendu.get("classes")),
        *_check_weights(source, service_rendu.get("ponderations")),
        *_check_categories(source, categories),
    ]


def _check_classes(source: Source, classes) -> list[Problem]:
    classes = classes if isinstance(classes, list) else []
    minima = [c.get("note_minimale") if isinstance(c, dict) else None for c in classes]
    ordered = all(isinstance(m, int | float) for m in minima)  # else the schema reports it
    problems = [
        source.problem(
            ("service_rendu", "classes", index, "note_minimale"),
            f"les classes vont de la meilleure à la moins bonne : {minima[index]:g} "
            f"devrait être inférieur à {minima[index - 1]:g}",
        )
        for index in range(1, len(minima) if ordered else 0)
        if minima[index] >= minima[index - 1]
    ]
    if minima and isinstance(minima[-1], int | float) and minima[-1] > 1:
        problems.append(
            source.problem(
                ("service_rendu", "classes", len(minima) - 1, "note_minimale"),
                f"la dernière classe reçoit les notes les plus basses : sa note minimale doit "
                f"être 1 au plus, trouvé {minima[-1]:g}",
            )
        )
    return problems


def _check_weights(source: Source, ponderations) -> list[Problem]:
    weights = list(ponderations.values()) if isinstance(ponderations, dict) else []
    if not weights or any(w != 0 or not isinstance(w, int | float) for w in weights):
        return []
    return [
        source.problem(
            ("service_rendu", "ponderations"),
            "au moins une pondération doit être positive : la note de service rendu est une "
            "moyenne pondérée",
        )
    ]


def _check_categories(source: Source, categories: list) -> list[Problem]:
    problems = []
    for index, category in enumerate(categories):
        if not isinstance(category, dict):
            continue
        conditions, au_moins = category.get("conditions"), category.get("au_moins")
        if (
            isinstance(conditions, dict)
            and isinstance(au_moins, int)
            and au_moins > len(conditions)
        ):
            count = len(conditions)
            problems.append(
                source.problem(
                    ("occupation", "categories", index, "au_moins"),
                    f"{au_moins} conditions à remplir pour {count} déclarée"
                    f"{'s' if count > 1 else ''} : aucun ensemble ne serait retenu",
                )
            )
    if categories and isinstance(categories[-1], dict) and categories[-1].get("conditions"):
        problems.append(
            source.problem(
                ("occupation", "categories", len(categories) - 1, "conditions"),
                "la dernière catégorie reçoit les ensembles qu'aucune autre ne retient : "
                "elle n'a pas de conditions",
                key=True,
            )
        )
    return problems


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}
