import pytest

from cusdoc.render.typography import NBSP, NNBSP, typographie, typographie_markdown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour ; ça va ? Oui !", f"Bonjour{NNBSP}; ça va{NNBSP}? Oui{NNBSP}!"),
        ("Note : voir", f"Note{NBSP}: voir"),
        ("Note: voir", f"Note{NBSP}: voir"),
        ("« texte »", f"«{NBSP}texte{NBSP}»"),
        ("«texte»", f"«{NBSP}texte{NBSP}»"),
        ("12,5 % et 1234 €", f"12,5{NBSP}% et 1234{NBSP}€"),
        ("12 050 logements", f"12{NNBSP}050 logements"),
        ("1 200 000 €", f"1{NNBSP}200{NNBSP}000{NBSP}€"),
        ("n° 12", f"n°{NBSP}12"),
        ("articles L. 441-1 et R. 445-5", f"articles L.{NBSP}441-1 et R.{NBSP}445-5"),
        ("M. Dupont, L. Besnard", "M. Dupont, L. Besnard"),
        ("Quoi ?!", f"Quoi{NNBSP}?!"),
        ("l'État d'Indre-et-Loire", "l’État d’Indre-et-Loire"),
        # left alone: times, years beside a count, URLs, link targets, code, images
        ("à 10:30", "à 10:30"),
        ("en 2023 312 fois", "en 2023 312 fois"),
        ("voir https://exemple.fr/a?b=1;c", "voir https://exemple.fr/a?b=1;c"),
        ("voir [la section](#a:b) : ok", f"voir [la section](#a:b){NBSP}: ok"),
        ("`a : b`", "`a : b`"),
        ("![image](x.png)", "![image](x.png)"),
        ("# Titre {#ancre}", "# Titre {#ancre}"),
    ],
)
def test_typographie(text, expected):
    assert typographie(text) == expected


@pytest.mark.parametrize("text", ["Bonjour ; ça va ?", "« a » : 12 050 €", "n° 3 ; 12,5 %"])
def test_typographie_is_idempotent(text):
    once = typographie(text)
    assert typographie(once) == once


def test_ordinals_are_set_in_superscript_in_the_markdown_as_dates_are():
    text = "Au 1er janvier, la 1re année ; les 1ers mois, `1er`, https://exemple.fr/1er, 11er"
    expected = (
        f"Au 1^er^ janvier, la 1^re^ année{NNBSP}; les 1^ers^ mois, "
        "`1er`, https://exemple.fr/1er, 11er"
    )
    assert typographie_markdown(text) == expected
    assert typographie_markdown(expected) == expected
    # outside Markdown (DOCX properties, XLSX cells) there is no superscript to write
    assert typographie("au 1er janvier") == "au 1er janvier"
    # nor in the metadata block, which Typst prints as plain text too
    assert (
        typographie_markdown('---\ntitle: "Au 1er janvier"\n---')
        == '---\ntitle: "Au 1er janvier"\n---'
    )
