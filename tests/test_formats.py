import datetime

from cusdoc.render import cellule, siren
from cusdoc.render.formats import date_longue, euros, nombre, pourcent
from cusdoc.render.typography import NBSP, NNBSP


def test_nombre_groups_thousands_with_a_thin_no_break_space():
    assert nombre(1234.5) == f"1{NNBSP}234,5"
    assert nombre(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert nombre(12.345, 2) == "12,35"
    assert nombre(7, 0) == "7"


def test_pourcent_and_euros():
    assert pourcent(12.5) == f"12,5{NBSP}%"
    assert pourcent(25, 0) == f"25{NBSP}%"
    assert euros(1234) == f"1{NNBSP}234{NBSP}€"


def test_date_longue_writes_the_first_of_the_month_as_an_ordinal():
    assert date_longue(datetime.date(2025, 1, 1)) == "1^er^ janvier 2025"
    assert date_longue(datetime.date(2024, 6, 20)) == "20 juin 2024"
    assert date_longue(datetime.date(2025, 8, 15)) == "15 août 2025"


def test_siren_is_grouped_by_three():
    assert siren("273700005") == f"273{NBSP}700{NBSP}005"


def test_cellule_is_one_line_with_its_pipes_escaped():
    assert cellule("a | b") == "a \\| b"
    assert cellule(" a\n b ") == "a b"
    assert cellule(12) == "12"
