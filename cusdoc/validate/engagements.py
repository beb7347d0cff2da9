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
    if indicateur.echelle == "epci":  # PS-1: the EPCI of CCH L. 441-1, as declared
        return list(context.assujettis)
    return [code for code, niveau in context.territoires.items() if niveau == "departement"]


def check_engagements(
    source: Source, catalogue: dict[str, Indicateur], context: EngagementContext
) -> list[Problem]:
    """Every inconsistency of the commitments, located in content/engagements.yml."""
    data = source.data.get("engagements") if isinstance(source.data, dict) else None
    if not isinstance(data, dict):
        return []
    problems: list[Problem] = []

    def report(path, message, key=False):
        problems.append(source.problem(path, message, key))

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
        if indicateur.echelle == "epci" and code not in context.assujettis:
            report(
                (*path, "territoire"),
                f"l'EPCI {code} n'est pas déclaré assujetti à {ident} dans convention.yml "
                "(« assujetti_ps1 ») : retirez cet engagement, ou déclarez l'EPCI assujetti",
            )
            continue
        _check_row(indicateur, niveau, row, path, context, report)
    for code in required_territories(indicateur, context):
        if code not in seen:
            which = (
                f"l'EPCI {code}, déclaré assujetti dans convention.yml (« assujetti_ps1 »)"
                if indicateur.echelle == "epci"
                else f"le territoire {code}"
            )
            report(("engagements", ident), f"pas d'engagement {ident} pour {which}", key=True)
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
        why = (
            f" (sans content/donnees/{indicateur.donnees}.csv, elle ne peut être calculée ; "
            "ajoutez ce fichier, ou déclarez la référence de l'année "
            f"{context.annee_reference} avec sa source dans « source_reference »)"
            if indicateur.donnees
            else ""
        )
        report(path, f"la référence de {ident} est à déclarer : ajoutez « reference »{why}")
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
    _check_direction(indicateur, niveau, row, total, path, context, report)
    if ident == "PS-1":
        _check_ps1(row, total, path, context, report)
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


def _reference_of(indicateur: Indicateur, niveau, row: dict, context: EngagementContext):
    """The reference a territory's commitment is measured against: declared, or computed."""
    if indicateur.reference == "declaree":
        return row.get("reference")
    return context.references.get((indicateur.id, niveau, row["territoire"], TOTAL))


def _check_direction(
    indicateur, niveau, row: dict, total: dict, path, context: EngagementContext, report
) -> None:
    """A target that falls short of its reference (above it for a cost) says why."""
    reference = _reference_of(indicateur, niveau, row, context)
    if not isinstance(reference, int | float):
        return
    lower = indicateur.sens == "hausse"
    short = [
        year
        for year, value in total.items()
        if isinstance(value, int | float) and (value < reference if lower else value > reference)
    ]
    if not short or "justification" in row:
        return
    where = "en deçà de" if lower else "au-dessus de"
    why = "" if lower else f" ({indicateur.id} est un coût : plus bas vaut mieux)"
    shown = f"{reference:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    shown += {"pourcent": " %", "euros": " €"}.get(indicateur.unite, "")
    report(
        (*path, "valeurs", short[0]),
        f"engagement {where} la référence ({shown}) en {', '.join(short)}{why} : ajoutez "
        "« justification », qui dit pourquoi ; elle est imprimée avec le tableau",
    )


def _check_ps1(row: dict, total: dict, path, context: EngagementContext, report) -> None:
    code = row["territoire"]
    if context.references.get(("PS-1", "epci", code, TOTAL)) is None:
        report(
            (*path, "territoire"),
            f"la référence de PS-1 ne peut être calculée pour l'EPCI {code}, assujetti : aucune "
            f"attribution hors QPV suivie d'un bail signé en {context.annee_reference} dans "
            "content/donnees/attributions.csv",
        )
    cia = row.get("taux_cia")
    if cia is not None and "cia" not in row:
        report(
            (*path, "taux_cia"),
            "un taux de la convention intercommunale d'attribution demande sa source : ajoutez "
            "« cia: {reference: …, date: AAAA-MM-JJ} » (la convention ou l'accord qui le fixe)",
            key=True,
        )
    if "cia" in row and cia is None:
        report(
            (*path, "cia"),
            "« cia » est la source de « taux_cia », absent : ajoutez le taux ou retirez « cia »",
            key=True,
        )
    minimum = cia if isinstance(cia, int | float) else PS1_MINIMUM
    for year, value in total.items():
        if isinstance(value, int | float) and value < minimum:
            why = (
                f"le taux de la convention intercommunale d'attribution ({cia:g} %)"
                if cia is not None
                else "le minimum légal de 25 % (indiquez « taux_cia » et sa source « cia » si "
                "la convention intercommunale d'attribution fixe un autre taux)"
            )
            report((*path, "valeurs", year), f"engagement de {value:g} % en {year}, sous {why}")


# What the commitments of a period, added up, cannot exceed: (the stock they draw on, what is
# committed, what that stock is). A logement leaves the F/G classes, is rehabilitated, put on
# the market or made accessible once in a period: the yearly flows add up to part of a stock.
STOCK_BOUNDS = {
    "PP-2": (
        lambda c: c["fg"],
        "logements F ou G à rénover",
        "logements classés F ou G dans le parc du territoire",
    ),
    "PP-3": (
        lambda c: c["logements"],
        "logements à réhabiliter",
        "logements dans le parc du territoire",
    ),
    "PP-4": (
        lambda c: c["logements"],
        "logements mis en commercialisation",
        "logements dans le parc du territoire",
    ),
    "SR-1": (
        lambda c: c["logements"] - c["pmr"],
        "logements à rendre accessibles ou à adapter",
        "logements du parc du territoire non accessibles aux personnes à mobilité réduite",
    ),
    "PP-LF-2": (
        lambda c: c.get("equivalents_fg", 0),
        "équivalents-logements F ou G à rénover",
        "équivalents-logements classés F ou G dans les logements-foyers du territoire (foyers.csv)",
    ),
    "PP-LF-3": (
        lambda c: c.get("equivalents", 0),
        "équivalents-logements à réhabiliter",
        "équivalents-logements dans les logements-foyers du territoire (foyers.csv)",
    ),
}


def check_ps1_subjects(convention: Source, context: EngagementContext) -> list[Problem]:
    """An EPCI the first-quartile arrêté gives a threshold, where the organisation made
    attributions, owes PS-1: the convention declares it so (CCH L. 441-1)."""
    declared = {
        t.get("code"): (index, t.get("assujetti_ps1"))
        for index, t in enumerate(convention.data.get("territoires") or [])
        if isinstance(t, dict)
    }
    problems = []
    for epci, count in sorted(context.thresholded.items()):
        index, assujetti = declared.get(epci, (None, None))
        if assujetti in ("plh", "habitat_qpv"):
            continue
        seuil = (
            f"l'EPCI {epci} a un seuil du premier quartile pour {context.annee_reference} "
            "(seuils_premier_quartile.csv), fixé par arrêté pour les EPCI assujettis à PS-1, "
            f"et {count} attribution{'s' if count > 1 else ''} dans les données"
        )
        if index is None:
            path, where = ("territoires",), "déclarez-le dans « territoires » avec"
        else:
            path, where = ("territoires", index, "assujetti_ps1"), "déclarez"
        line, column = convention.position(path, key=index is None)
        message = (
            f"{seuil} : {where} « assujetti_ps1: plh » ou « habitat_qpv », ou retirez son seuil"
        )
        problems.append(Problem(convention.file, line, column, dotted(path), message))
    return problems


def likely_subjects(convention: Source, context: EngagementContext) -> list[Problem]:
    """Warnings: an EPCI where the organisation has logements in a QPV owes PS-1 if it is
    competent for housing (CCH L. 441-1), which the data cannot tell: the convention says so
    (« assujetti_ps1 »), for each of them."""
    line, column = convention.position(("territoires",), key=True)
    return [
        Problem(
            convention.file,
            line,
            column,
            "territoires",
            f"l'EPCI {epci}, absent de « territoires », compte {counts['qpv']} logement"
            f"{'s' if counts['qpv'] > 1 else ''} de l'organisme en quartier prioritaire : s'il "
            "est compétent en matière d'habitat, il est assujetti à PS-1 ; déclarez-le avec "
            "« assujetti_ps1: habitat_qpv », ou « non » s'il ne l'est pas",
            avertissement=True,
        )
        for (niveau, epci), counts in sorted(context.stock.items())
        if niveau == "epci" and counts["qpv"] and epci not in context.territoires
    ]


def _check_stock(
    indicateur, niveau, code, total: dict, path, context: EngagementContext, report
) -> None:
    """The commitments of the period, added up, cannot exceed the stock they draw on."""
    counts = context.stock.get((niveau, code))
    if counts is None or indicateur.id not in STOCK_BOUNDS:
        return
    bound, committed, stock = STOCK_BOUNDS[indicateur.id]
    period = sum(v for v in total.values() if isinstance(v, int | float))
    if period > bound(counts):
        report(
            (*path, "valeurs"),
            f"{period:g} {committed} sur la période, pour {bound(counts)} {stock}",
        )
    elif indicateur.id == "PP-4" and "vente" in counts:
        _check_plan(code, total, counts["vente"], path, context, report)


def _check_plan(code, total: dict, vente: dict, path, context: EngagementContext, report) -> None:
    """PP-4 counts logements put on the market, cumulated at three and six years; only a
    logement of the plan de mise en vente may be (the convention authorises the sales of its
    plan, cus-domain.md §1.2). So, on each territory, the commitment cumulated at three years
    stays within the plan's logements of those years, and at six years within the whole plan."""
    span = [str(y) for y in years(context.periode)]
    for horizon in (span[:3], span):
        committed = sum(v for y, v in total.items() if y in horizon and isinstance(v, int | float))
        planned = sum(vente.get(y, 0) for y in horizon)
        if committed > planned:
            years_ = f"{horizon[0]} à {horizon[-1]}"
            report(
                (*path, "valeurs"),
                f"{committed:g} logements mis en commercialisation de {years_} sur le "
                f"territoire {code}, mais le plan de mise en vente n'en prévoit que {planned} "
                f"pour ces années (colonne mise_en_vente de patrimoine.csv) : seul un logement "
                "inscrit au plan peut être mis en commercialisation",
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
