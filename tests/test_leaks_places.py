"""The names of France read in one pass for the leak scan: the same words as read one by one
(tests/test_leaks.py is the scan's own contract, kept as it is)."""

from cusdoc.extracts import terms, text


def test_every_name_of_france_reads_as_it_reads_alone():
    known = terms._known()
    assert len(known) > 35_000
    assert all(words == tuple(text.words(name).keys) for name, words in known.items())


def test_names_read_together_stay_apart():
    names = ["St Aignan", "B l", "o i s", "", "Saint-Pierre-des-Corps", "st", "Ste Anne"]
    assert terms.keys(names) == [tuple(text.words(name).keys) for name in names]


def test_a_name_with_a_line_break_is_read_alone():
    names = ["Blois", "Tours\nsur-Marne", "Vendôme"]
    assert terms.keys(names) == [("blois",), ("tours", "sur", "marne"), ("vendome",)]
