"""Validate stage, after compute: the commitments of content/engagements.yml checked against
the catalogue, the period, the territories and what the organisation's data holds."""

from cusdoc.errors import Problem
from cusdoc.load.content import Source, dotted
from cusdoc.model import (
    ORGANISME,
    TOTAL,
    EngagementContext,
    Indicateur,
    niveau_of,
    years,
)

FINANCEMENTS = ("PLAI", "PLUS", "PLS")
PS1_MINIMUM = 25  # CCH L. 441-1: a quarter of attributions hors QPV, unless the CIA sets a rate


def required_territories(indicateur: Indicateur, context: EngagementContext) -> list[str]:
    if indicateur.echelle == "organisme":
        return [ORGANISME]
    if indicateur.echelle == "region":
        return list(context.regions)
    wanted = "epci" if indicateur.echelle == "epci" else "departement"
    return [code for code, niveau in context.territoires.items() if niveau == wanted]


def check_engagements(
    source: Source, catalogue: dict[str, Indicateur], context: EngagementContext
) -> list[Problem]:
    """Every inconsistency of the commitments, located in content/engagements.yml."""
    data = source.data.get("engagements") if isinstance(source.data, dict) else None
    if not isinstance(data, dict):
        return []
    problems: list[Problem] = []

    def report(path, message, key=False):
        line, column = source.position(path, key=key)
        problems.append(Problem(source.file, line, column, dotted(path), message))

    for ident, indicateur in catalogue.items():
        needed = indicateur.obligatoire and indicateur.volet in context.volets
        if needed and ident not in data:
            report(
                ("engagements",),
                f"l'indicateur obligatoire {ident} ({indicateur.titre}) n'a pas d'engagement",
            )
    for ident, rows in data.items():
        indicateur = catalogue.get(ident)
        if indicateur is None or not isinstance(rows, list):
            continue  # reported by the schema
        if indicateur.volet not in context.volets:
            absent = (
                "qu'une convention « accession » (categorie: accession) n'a pas"
                if indicateur.volet == "locatif"
                else "absent de « volets » dans content/convention.yml"
            )
            report(
                ("engagements", ident),
                f"l'indicateur {ident} relève du volet « {indicateur.volet} », {absent}",
                key=True,
            )
            continue
        _check_indicator(indicateur, rows, context, report)
    return problems


def _check_indicator(
    indicateur: Indicateur, rows: list, context: EngagementContext, report
) -> None:
    ident = indicateur.id
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("territoire"), str):
            continue
        path = ("engagements", ident, index)
        code = row["territoire"]
        niveau = niveau_of(code, indicateur, context)
        if niveau is None:
            report((*path, "territoire"), _territory_refused(indicateur, code, context))
            continue
        if code in seen:
            report((*path, "territoire"), f"le territoire {code} a déjà ses engagements ({ident})")
            continue
        seen[code] = index
        _check_row(indicateur, niveau, row, path, context, report)
    for code in required_territories(indicateur, context):
        if code not in seen:
            report(
                ("engagements", ident),
                f"pas d'engagement {ident} pour le territoire {code}",
                key=True,
            )
    _check_sums(indicateur, rows, seen, context, report)


def _territory_refused(indicateur: Indicateur, code: str, context: EngagementContext) -> str:
    expected = {
        "organisme": "« organisme »",
        "region": f"le code de la région ({', '.join(context.regions)})",
        "epci": "le SIREN d'un EPCI déclaré dans convention.yml",
        "departement": "le code d'un département (ou d'un EPCI) déclaré dans convention.yml",
    }[indicateur.echelle]
    return (
        f"{indicateur.id} se décline à l'échelle {_echelle(indicateur)} : {expected} attendu ; "
        f"trouvé « {code} »"
    )


def _echelle(indicateur: Indicateur) -> str:
    return {
        "organisme": "de l'organisme",
        "region": "de la région",
        "epci": "des EPCI",
        "departement": "des départements",
    }[indicateur.echelle]


def _check_row(indicateur, niveau, row, path, context: EngagementContext, report) -> None:
    ident = indicateur.id
    span = years(context.periode)
    if indicateur.reference == "declaree" and "reference" not in row:
        report(path, f"la référence de {ident} est à déclarer : ajoutez « reference »")
    if indicateur.reference == "calculee" and "reference" in row:
        report(
            (*path, "reference"),
            f"la référence de {ident} est calculée à partir des données : retirez « reference »",
            key=True,
        )
    series = {TOTAL: row.get("valeurs")}
    for name, values in (row.get("ventilations") or {}).items():
        if name not in indicateur.ventilations:
            possible = ", ".join(indicateur.ventilations) or "aucune"
            report(
                (*path, "ventilations", name),
                f"ventilation inconnue pour {ident} : « {name} » (possibles : {possible})",
                key=True,
            )
            continue
        series[name] = values
    for name, values in series.items():
        if not isinstance(values, dict):
            continue
        base = (*path, "valeurs") if name == TOTAL else (*path, "ventilations", name)
        _check_years(values, span, base, context, report)
        for year, value in values.items():
            if indicateur.unite == "pourcent" and isinstance(value, int | float) and value > 100:
                report((*base, year), f"un taux de 0 à 100 % est attendu, trouvé {value}")
            if indicateur.unite == "nombre" and isinstance(value, float) and not value.is_integer():
                shown = f"{value:g}".replace(".", ",")
                report((*base, year), f"un nombre entier est attendu, trouvé {shown}")
    total = row.get("valeurs") if isinstance(row.get("valeurs"), dict) else {}
    _check_breakdowns(indicateur, series, total, path, report)
    if ident == "PS-1":
        _check_ps1(row, total, path, report)
    _check_stock(indicateur, niveau, row["territoire"], total, path, context, report)


def _check_years(values: dict, span: list[int], base, context: EngagementContext, report) -> None:
    first, last = context.periode
    for key in values:
        if not (key.isdigit() and first <= int(key) <= last):
            report((*base, key), f"l'année {key} est hors de la période {first}-{last}", key=True)
    missing = [str(y) for y in span if str(y) not in values]
    if missing:
        report(base, f"années manquantes : {', '.join(missing)}")


def _check_breakdowns(indicateur, series: dict, total: dict, path, report) -> None:
    financements = [n for n in FINANCEMENTS if isinstance(series.get(n), dict)]
    committed = any(isinstance(v, int | float) and v for v in total.values())
    if set(FINANCEMENTS) <= set(indicateur.ventilations) and committed and len(financements) < 3:
        # an offer by financing is read whole: PLAI + PLUS + PLS make the total
        missing = ", ".join(n for n in FINANCEMENTS if n not in financements)
        report(
            (*path, "ventilations") if financements else path,
            f"{indicateur.id} se ventile par financement : ajoutez {missing} (PLAI + PLUS + PLS "
            "font le total)",
        )
    for year, value in total.items():
        if not isinstance(value, int | float):
            continue
        if indicateur.additif and len(financements) == len(FINANCEMENTS):
            parts = sum(series[n].get(year, 0) for n in financements)
            if parts != value:
                report(
                    (*path, "valeurs", year),
                    f"PLAI + PLUS + PLS = {parts:g}, différent du total {value:g} en {year}",
                )
        for name, values in series.items():
            if name.startswith("hors") and isinstance(values, dict):
                part = values.get(year)
                # « dont hors QPV » counts, or is the share of the same attributions: never more
                if isinstance(part, int | float) and part > value:
                    report(
                        (*path, "ventilations", name, year),
                        f"« dont {name} » ({part:g}) dépasse le total ({value:g}) en {year}",
                    )


def _check_ps1(row: dict, total: dict, path, report) -> None:
    cia = row.get("taux_cia")
    minimum = cia if isinstance(cia, int | float) else PS1_MINIMUM
    for year, value in total.items():
        if isinstance(value, int | float) and value < minimum:
            why = (
                f"le taux de la convention intercommunale d'attribution ({cia:g} %)"
                if cia is not None
                else "le minimum légal de 25 % (indiquez « taux_cia » si la convention "
                "intercommunale d'attribution fixe un autre taux)"
            )
            report((*path, "valeurs", year), f"engagement de {value:g} % en {year}, sous {why}")


def _check_stock(
    indicateur, niveau, code, total: dict, path, context: EngagementContext, report
) -> None:
    """A target cannot exceed the stock it applies to."""
    counts = context.stock.get((niveau, code))
    if counts is None or not total:
        return
    values = [v for v in total.values() if isinstance(v, int | float)]
    if indicateur.id == "PP-2" and sum(values) > counts["fg"]:
        report(
            (*path, "valeurs"),
            f"{sum(values):g} logements F ou G à rénover sur la période, pour {counts['fg']} "
            f"logements classés F ou G dans le parc du territoire",
        )
    if indicateur.id == "PP-3":
        for year, value in total.items():
            if isinstance(value, int | float) and value > counts["logements"]:
                report(
                    (*path, "valeurs", year),
                    f"{value:g} logements réhabilités en {year}, pour un parc de "
                    f"{counts['logements']} logements",
                )
    equivalents = counts.get("equivalents", 0)
    if indicateur.id == "PP-LF-2" and sum(values) > counts.get("equivalents_fg", 0):
        report(
            (*path, "valeurs"),
            f"{sum(values):g} équivalents-logements F ou G à rénover sur la période, pour "
            f"{counts.get('equivalents_fg', 0)} équivalents-logements classés F ou G dans les "
            "logements-foyers du territoire (foyers.csv)",
        )
    if indicateur.id == "PP-LF-3":
        for year, value in total.items():
            if isinstance(value, int | float) and value > equivalents:
                report(
                    (*path, "valeurs", year),
                    f"{value:g} équivalents-logements réhabilités en {year}, pour "
                    f"{equivalents} équivalents-logements dans les logements-foyers du "
                    "territoire (foyers.csv)",
                )
    if indicateur.id == "PP-4" and sum(values) > counts["logements"]:
        report(
            (*path, "valeurs"),
            f"{sum(values):g} logements mis en commercialisation sur la période, pour un parc "
            f"de {counts['logements']} logements",
        )


def _check_sums(indicateur, rows: list, seen: dict, context: EngagementContext, report) -> None:
    """Départements add up to the organisation's figure; a département's EPCI stay within it."""
    if not indicateur.additif or indicateur.echelle != "departement":
        return
    by_code = {code: rows[index].get("valeurs") or {} for code, index in seen.items()}
    departements = [c for c in by_code if context.territoires.get(c) == "departement"]
    for year in map(str, years(context.periode)):
        if ORGANISME in by_code:
            parts = sum(by_code[d].get(year, 0) or 0 for d in departements)
            whole = by_code[ORGANISME].get(year)
            if isinstance(whole, int | float) and parts != whole:
                report(
                    ("engagements", indicateur.id, seen[ORGANISME], "valeurs", year),
                    f"la somme des départements ({parts:g}) diffère du total de l'organisme "
                    f"({whole:g}) en {year}",
                )
        for epci in (c for c in by_code if context.territoires.get(c) == "epci"):
            deps = context.departements_of.get(epci, ())
            if len(deps) != 1 or deps[0] not in by_code:
                continue
            inside = [
                c
                for c in by_code
                if context.territoires.get(c) == "epci" and context.departements_of.get(c) == deps
            ]
            parts = sum(by_code[c].get(year, 0) or 0 for c in inside)
            whole = by_code[deps[0]].get(year)
            if epci == inside[0] and isinstance(whole, int | float) and parts > whole:
                report(
                    ("engagements", indicateur.id, seen[epci], "valeurs", year),
                    f"les EPCI du département {deps[0]} totalisent {parts:g}, plus que le "
                    f"département ({whole:g}) en {year}",
                )
