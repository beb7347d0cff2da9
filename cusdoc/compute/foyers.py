"""The logements-foyers in the stock: their share, and the arrangement it calls for.

The rule is the USH presentation of 2017 (seeds, « L'élaboration de la CUS », « CUS Foyers »):
under 50 % of the stock in foyers, they are an autonomous category of the convention's
commitments; from 50 % to under 100 %, the convention has a « logements-foyers » part akin to
a CUS « logements-foyers »; at 100 %, the organisation signs a CUS « logements-foyers ». The
share is our reading, in équivalents-logements among logements familiaux and équivalents
[à vérifier: the presentation says « % du patrimoine »].
"""

from cusdoc.load.data import Data

# The share of the stock in foyers (in %) from which each arrangement applies.
REGIMES = (
    (100, "l'organisme conclut une convention d'utilité sociale « logements-foyers »"),
    (
        50,
        "la convention comporte une partie « logements-foyers » assimilable à une convention "
        "d'utilité sociale « logements-foyers »",
    ),
    (0, "les logements-foyers forment une catégorie autonome d'engagements de la convention"),
)
SANS_FOYERS = "l'organisme ne gère pas de logements-foyers"


def regime(part: float | None) -> str:
    """The arrangement the share of the stock in foyers calls for, as a clause."""
    if not part:
        return SANS_FOYERS
    return next(text for floor, text in REGIMES if part >= floor)


def counts(data: Data) -> dict[str, float | None]:
    """Établissements, their équivalents-logements (all, F or G), logements familiaux, and the
    foyers' share of the stock in %, on the data given."""
    etablissements, equivalents, fg, logements = data.execute(
        "SELECT (SELECT count(*) FROM foyer), (SELECT coalesce(sum(equivalents), 0) FROM foyer), "
        "(SELECT coalesce(sum(equivalents) FILTER (WHERE classe_fg), 0) FROM foyer), "
        "(SELECT count(*) FROM logements)"
    ).fetchone()
    whole = equivalents + logements
    return {
        "etablissements": etablissements,
        "equivalents": equivalents,
        "equivalents_fg": fg,
        "logements": logements,
        "part": 100 * equivalents / whole if whole else None,
    }
