"""French formatting of numbers, percentages, amounts and dates (Babel, CLDR fr_FR)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import parse_pattern
from markupsafe import Markup

from cusdoc.render.typography import NBSP, NNBSP

LOCALE = "fr_FR"


@cache
def _pattern(decimales: int | None):
    """Babel's number pattern, parsed once: formatting thousands of cells stays fast."""
    if decimales is None:
        return parse_pattern(Locale.parse(LOCALE).decimal_formats[None].pattern)
    return parse_pattern("#,##0" + ("." + "0" * decimales if decimales else ""))


@cache
def _locale() -> Locale:
    return Locale.parse(LOCALE)


@lru_cache(maxsize=4096, typed=True)  # a table repeats its figures (0, 1, 100 %…)
def nombre(value: float, decimales: int | None = None) -> str:
    """1234.5 → « 1 234,5 » (espace fine insécable entre milliers)."""
    number = Decimal(str(value))
    if decimales is not None:
        # Administrative figures round half up (12,345 → 12,35), not to even.
        number = number.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)
    text = _pattern(decimales).apply(number, _locale())
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
    return Markup("1^er^" + text[1:]) if value.day == 1 else text


DECIMALES = {"nombre": None, "pourcent": 1, "points": 1, "euros": 0, "euros_m2": 2, "note": 2}
MINUS = "\u2212"  # the minus sign of French typography, not the hyphen


def quantite(q) -> str:
    """A Quantity in French, with its unit; « – » when there is no value; a gap (signed) with
    its sign, « +12 », « −3,5 pt »."""
    if q.value is None:
        return "–"
    if q.signed:
        text = _unsigned(abs(q.value), q)
        if not any(digit in text for digit in "123456789"):  # a gap that rounds to nothing
            return text
        return ("+" if q.value > 0 else MINUS) + text
    return _unsigned(q.value, q)


def _unsigned(value, q) -> str:
    decimales = q.decimals if q.decimals is not None else DECIMALES[q.unit]
    if q.unit == "pourcent":
        return pourcent(value, decimales)
    if q.unit == "points":
        return nombre(value, decimales) + NBSP + "pt"
    if q.unit == "euros":
        return euros(value, decimales)
    if q.unit == "euros_m2":
        return euros(value, decimales) + "/m²"
    return nombre(value, decimales)


FILTERS = {"nombre": nombre, "pourcent": pourcent, "euros": euros, "date_longue": date_longue}
