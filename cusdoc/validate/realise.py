"""Validate stage, after compute: what follows the signature. The réalisé declared in
content/realise.yml, checked against the commitments it reports on and against what the data of
each year already give; the explanations of content/bilans/AAAA.yml, against the commitments."""

from cusdoc.compute.references import source_of
from cusdoc.errors import Problem
from cusdoc.load.content import Source
from cusdoc.model import TOTAL, EngagementContext, Indicateur, niveau_of


def check_realise(
    source: Source,
    engagements: dict,
    catalogue: dict[str, Indicateur],
    context: EngagementContext,
) -> list[Problem]:
    """Every problem of the declared réalisé, located in content/realise.yml. engagements: the
    commitments of content/engagements.yml (indicator → rows), validated already."""
    data = source.data.get("realise") if isinstance(source.data, dict) else None
    if not isinstance(data, dict):
        return []
    problems: list[Problem] = []

    def report(path, message, key=False):
        problems.append(source.problem(path, message, key))

    for ident, rows in data.items():
        indicateur = catalogue.get(ident)
        if indicateur is None or not isinstance(rows, list):
            continue  # reported by the schema
        committed = {row["territoire"]: row for row in engagements.get(ident, [])}
        seen: dict[tuple[str, str, str], int] = {}
        for index, row in enumerate(rows):
            path = ("realise", ident, index)
            code = row["territoire"]
            if code not in committed:
                where = ", ".join(committed) or "aucun territoire"
                report(
                    (*path, "territoire"),
                    f"aucun engagement de {ident} pour le territoire « {code} » dans "
                    f"content/engagements.yml (engagements de {ident} : {where}) : le réalisé "
                    "se déclare pour un engagement de la convention",
                )
                continue
            niveau = niveau_of(code, indicateur, context)
            breakdowns = {TOTAL, *(committed[code].get("ventilations") or {})}
            series = {TOTAL: row["valeurs"], **(row.get("ventilations") or {})}
            for name, values in series.items():
                base = (*path, "valeurs") if name == TOTAL else (*path, "ventilations", name)
                if name not in breakdowns:
                    report(
                        base,
                        f"la ventilation « {name} » n'a pas d'engagement de {ident} pour ce "
                        "territoire dans content/engagements.yml",
                        key=True,
                    )
                    continue
                for year, value in values.items():
                    where = (*base, year)
                    problem = _year_problem(indicateur, niveau, code, name, year, value, context)
                    if problem is None and (code, name, year) in seen:
                        problem = (
                            f"le réalisé {year} est déjà déclaré pour ce territoire "
                            f"(realise.{ident}[{seen[(code, name, year)]}])"
                        )
                    if problem:
                        report(where, problem, key=True)
                    seen.setdefault((code, name, year), index)
    return problems


def _year_problem(indicateur, niveau, code, name, year, value, context) -> str | None:
    """What is wrong with one declared value: a year out of the period, a value out of its
    unit, or a réalisé the data of that year give already."""
    first, last = context.periode
    if not (year.isdigit() and first <= int(year) <= last):
        return f"l'année {year} est hors de la période {first}-{last}"
    if indicateur.unite == "pourcent" and isinstance(value, int | float) and value > 100:
        return f"un taux de 0 à 100 % est attendu, trouvé {value}"
    if indicateur.unite == "nombre" and isinstance(value, float) and not value.is_integer():
        return f"un nombre entier est attendu, trouvé {value:g}".replace(".", ",")
    values, _ = context.realise.get(int(year), ({}, {}))
    if (indicateur.id, niveau, code, name) in values:
        fichier = source_of(indicateur.id, name)
        return (
            f"le réalisé {year} de {indicateur.id} se calcule à partir de "
            f"content/donnees/{fichier}.csv, qui couvre cette année : retirez cette valeur"
        )
    return None


def check_bilan(
    source: Source, annee: int, engagements: dict, periode: tuple[int, int]
) -> list[Problem]:
    """The explanations of the bilan of a year: of a year of the period, each for a commitment,
    once."""
    problems: list[Problem] = []
    if not periode[0] <= annee <= periode[1]:
        message = f"le bilan {annee} est hors de la période {periode[0]}-{periode[1]}"
        problems.append(source.problem((), message))
    data = source.data if isinstance(source.data, dict) else {}
    seen: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(data.get("ecarts") or []):
        key = (entry["indicateur"], entry["territoire"])
        committed = [row["territoire"] for row in engagements.get(key[0], [])]
        path = ("ecarts", index)
        message = None
        if key[1] not in committed:
            where = ", ".join(committed) or "aucun territoire"
            message = (
                f"aucun engagement de {key[0]} pour le territoire « {key[1]} » dans "
                f"content/engagements.yml (engagements de {key[0]} : {where})"
            )
        elif key in seen:
            message = f"cet écart est déjà expliqué (ecarts[{seen[key]}])"
        seen.setdefault(key, index)
        if message:
            problems.append(source.problem((*path, "territoire"), message))
    return problems
