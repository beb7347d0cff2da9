"""The indicators as data: tidy rows, one per indicator × territory × breakdown × year, as CSV
or JSON (`cusdoc indicateurs`)."""

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal

from cusdoc.model import Convention, Quantity, cumulative, cumulative_periods, years
from cusdoc.render.formats import DECIMALES

COLUMNS = (
    "indicateur",
    "niveau",
    "territoire",
    "ventilation",
    "annee",
    "nature",
    "valeur",
    "unite",
)


def tidy_rows(convention: Convention) -> list[dict]:
    """One row per indicator × territory × breakdown × year (or span) × nature."""
    rows = []
    all_years = years(convention.periode)
    periods = cumulative_periods(convention.periode)
    for ligne in convention.engagements:
        base = {
            "indicateur": ligne.indicateur.id,
            "niveau": ligne.niveau,
            "territoire": ligne.territoire,
            "unite": ligne.indicateur.unite,
        }
        for ventilation, values in ligne.valeurs.items():
            reference = ligne.reference.get(ventilation)
            if reference is not None and reference.value is not None:
                rows.append(
                    {
                        **base,
                        "ventilation": ventilation,
                        "annee": str(convention.annee_reference),
                        "nature": "reference",
                        "valeur": shown(reference),
                    }
                )
            spans = [(str(y), [y]) for y in all_years]
            if ligne.indicateur.additif:
                spans += [(span_label(span), span) for _, span in periods]
            for annee, span in spans:
                value = printed(cumulative(values, span), ligne.indicateur.unite)
                rows.append(
                    {
                        **base,
                        "ventilation": ventilation,
                        "annee": annee,
                        "nature": "engagement",
                        "valeur": value,
                    }
                )
            for annee, value in realised(ligne, ventilation, all_years, periods):
                rows.append(
                    {
                        **base,
                        "ventilation": ventilation,
                        "annee": annee,
                        "nature": "realise",
                        "valeur": value,
                    }
                )
    return [{column: row[column] for column in COLUMNS} for row in rows]


def realised(ligne, ventilation: str, all_years: list[int], periods) -> list[tuple[str, object]]:
    """(year or span, value as printed) of a breakdown's réalisé: each year recorded, then, for
    an additive indicator, each cumulative span whose every year is recorded and shown."""
    recorded = ligne.realise.get(ventilation, {})
    out = [(str(y), shown(recorded[y])) for y in all_years if y in recorded]
    if ligne.indicateur.additif:
        values = {y: q.value for y, q in recorded.items() if not q.masked}
        for _, span in periods:
            total = cumulative(values, span)
            if total is not None:
                out.append((span_label(span), printed(total, ligne.indicateur.unite)))
    return out


def span_label(span: list[int]) -> str:
    """A cumulative span as the rows name it: « 2025-2027 »."""
    return f"{span[0]}-{span[-1]}"


def shown(quantity: Quantity | None) -> float | None:
    """The value as the documents print it: rounded as they round it (a percentage to one
    decimal), none when masked by statistical secrecy."""
    if quantity is None or quantity.masked:
        return None
    return printed(quantity.value, quantity.unit, quantity.decimals)


def printed(value, unit: str, decimals: int | None = None):
    """A number rounded half up as render prints it in its unit (cusdoc.render.formats)."""
    if value is None or isinstance(value, bool):
        return value
    places = decimals if decimals is not None else DECIMALES.get(unit)
    if places is None:
        places = 3  # a plain number: Babel's pattern shows up to three decimals
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return int(number) if number == number.to_integral_value() else float(number)


def _number(value):
    return round(value, 6) if isinstance(value, float) else value


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _number(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def to_json(rows: list[dict]) -> str:
    return json.dumps(
        [{k: _number(v) for k, v in row.items()} for row in rows], ensure_ascii=False, indent=2
    )
