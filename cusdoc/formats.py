"""French formatting of numbers, percentages, amounts and dates (Babel, CLDR fr_FR)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from cusdoc.typographie import NBSP, NNBSP

LOCALE = "fr_FR"


def nombre(value: float, decimales: int | None = None) -> str:
    """1234.5 → « 1 234,5 » (espace fine insécable entre milliers)."""
    number = Decimal(str(value))
    pattern = None
    if decimales is not None:
        # Administrative figures round half up (12,345 → 12,35), not to even.
        number = number.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)
        pattern = "#,##0" + ("." + "0" * decimales if decimales else "")
    text = format_decimal(number, format=pattern, locale=LOCALE)
    return text.replace(NBSP, NNBSP).replace(" ", NNBSP)


def pourcent(value: float, decimales: int = 1) -> str:
    """12.5 (déjà en pourcentage) → « 12,5 % »."""
    return nombre(value, decimales) + NBSP + "%"


def euros(value: float, decimales: int = 0) -> str:
    """1234 → « 1 234 € »."""
    return nombre(value, decimales) + NBSP + "€"


def date_longue(value: datetime.date) -> str:
    """2025-01-01 → « 1er janvier 2025 » (« er » en exposant, syntaxe pandoc)."""
    text = format_date(value, "d MMMM y", locale=LOCALE)
    return "1^er^" + text[1:] if value.day == 1 else text


FILTERS = {"nombre": nombre, "pourcent": pourcent, "euros": euros, "date_longue": date_longue}
