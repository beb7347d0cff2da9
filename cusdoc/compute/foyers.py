"""The logements-foyers in the stock: their share, and the arrangement it calls for.

The rule is the USH presentation of 2017 (seeds, « L'élaboration de la CUS », « CUS Foyers »):
under 50 % of the stock in foyers, they are an autonomous category of the convention's
commitments; from 50 % to under 100 %, the convention has a « logements-foyers » part akin to
a CUS « logements-foyers »; at 100 %, the organisation signs a CUS « logements-foyers ». The
share is our reading, in équivalents-logements among logements familiaux and équivalents
[à vérifier: the presentation says « % du patrimoine »].
"""

from cusdoc.load.data import Data
from cusdoc.model import Quantity, Table

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
    return {
        "etablissements": etablissements,
        "equivalents": equivalents,
        "equivalents_fg": fg,
        "logements": logements,
        "part": part(equivalents, logements),
    }


def part(equivalents: int, logements: int) -> float | None:
    """The foyers' share of the stock in %: their équivalents-logements among the logements
    familiaux and the équivalents."""
    whole = equivalents + logements
    return 100 * equivalents / whole if whole else None


def etablissements(data: Data, context) -> Table:
    """The établissements of foyers.csv on the data given, largest first, with their total
    (`tableau_calcule: foyers_etablissements`; context: the `TableContext` of the document)."""
    rows = data.execute(
        """
        SELECT f.nom, c.nom, f.type, f.gestionnaire, f.equivalents, f.DPEENERGIE,
               f.annee_construction, f.annee_rehabilitation
        FROM foyer f JOIN communes c ON c.code = f.DEPCOM
        ORDER BY f.equivalents DESC, f.nom
        """
    ).fetchall()
    lignes = [
        [
            nom,
            commune,
            nature,
            gestionnaire,
            Quantity(equivalents),
            dpe or "non connue",
            # a year is never grouped in thousands: text
            f"{construction} ({rehab})" if rehab else str(construction),
        ]
        for nom, commune, nature, gestionnaire, equivalents, dpe, construction, rehab in rows
    ]
    total = sum(row[4] for row in rows)
    lignes.append(["Total", "", "", "", Quantity(total), "", ""])
    return Table(
        "Les logements-foyers de l'organisme",
        [
            "Établissement",
            "Commune",
            "Nature",
            "Gestionnaire",
            "Équivalents-logements",
            "Classe énergie",
            "Construit (réhabilité)",
        ],
        lignes,
        [2.6, 1.5, 2.4, 2.6, 1.5, 1.1, 1.6],
        f"logements-foyers de l'organisme au 1er janvier {context.annee + 1}, données de "
        "l'organisme",
    )
