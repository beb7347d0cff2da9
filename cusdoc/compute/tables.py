"""Tables computed from the organisation's data, placed in the text by `tableau_calcule: nom`."""

from dataclasses import dataclass

from cusdoc.compute import foyers
from cusdoc.compute.secrecy import Row, Secret, decide, reason
from cusdoc.load.data import Data
from cusdoc.model import TOTAL, Quantity, Table


@dataclass(frozen=True)
class TableContext:
    names: dict[str, str]  # territory code → name
    annee: int  # reference year
    seuil: int  # statistical secrecy threshold
    # the masks decided on the whole organisation's data; None: decide on the data given
    secret: Secret | None = None


def source_parc(context: TableContext) -> str:
    """Where the stock comes from, as a reader names it. RPLS describes the stock on 1 January
    of its collection year: the year after the reference year, whose attributions are counted."""
    return (
        "répertoire des logements locatifs des bailleurs sociaux (RPLS) au 1er janvier "
        f"{context.annee + 1}, données de l'organisme"
    )


FAMILLES = ("PLAI", "PLUS", "PLS", "PLI", "autres")
FAMILLE_LIBELLES = {
    "PLAI": "PLAI et assimilés (PLA d'intégration, PLA très social)",
    "PLUS": "PLUS et assimilés (PLA ordinaire)",
    "PLS": "PLS",
    "PLI": "PLI",
    "autres": "HLM/O et financements antérieurs à 1977, autres",
}
CLASSES = ("A", "B", "C", "D", "E", "F", "G")


def count(n: int) -> Quantity:
    return Quantity(n)


def share(part: int, whole: int) -> Quantity:
    """part / whole in %, none when whole is 0."""
    return Quantity(100 * part / whole if whole else None, "pourcent")


def parc_par_territoire(data: Data, context: TableContext) -> Table:
    names = context.names
    rows = data.execute(
        """
        SELECT departement, epci, count(*), count(*) FILTER (WHERE en_qpv),
               count(*) FILTER (WHERE classe_fg), count(*) FILTER (WHERE ACCESSIBLE_PMR)
        FROM logements GROUP BY ROLLUP (departement, epci)
        ORDER BY departement NULLS LAST, epci IS NOT NULL, count(*) DESC, epci
        """
    ).fetchall()
    total = next((r[2] for r in rows if r[0] is None), 0)
    lignes = []
    for departement, epci, n, qpv, fg, pmr in rows:
        if departement is None:
            # a partner's table adds up its territory only, and says so
            label = "Ensemble du territoire" if data.scope else "Ensemble du patrimoine"
        elif epci is None:
            label = names.get(departement, departement)
        else:
            label = f"dont {names.get(epci, epci)}"
        lignes.append([label, count(n), share(n, total), count(qpv), count(fg), count(pmr)])
    return Table(
        "Répartition du patrimoine par territoire",
        [
            "Territoire",
            "Logements",
            "Part du parc",
            "dont en QPV",
            "dont classés F ou G",
            "Accessibles PMR",
        ],
        lignes,
        [4, 1.2, 1.2, 1.2, 1.3, 1.3],
        source_parc(context),
    )


def _by_departement(data: Data, column: str, keys: tuple[str, ...], names: dict[str, str]):
    departements = [
        d
        for (d,) in data.execute(
            "SELECT DISTINCT departement FROM logements ORDER BY departement"
        ).fetchall()
    ]
    counts = dict(
        ((key, dep), n)
        for key, dep, n in data.execute(
            f"SELECT {column}, departement, count(*) FROM logements GROUP BY ALL"
        ).fetchall()
    )
    total = sum(counts.values())
    lignes = []
    for key in keys:
        per_dep = [counts.get((key, d), 0) for d in departements]
        lignes.append([key, *map(count, per_dep), count(sum(per_dep)), share(sum(per_dep), total)])
    per_dep_total = [sum(counts.get((k, d), 0) for k in keys) for d in departements]
    lignes.append(["Total", *map(count, per_dep_total), count(total), share(total, total)])
    colonnes = [names.get(d, d) for d in departements]
    return colonnes, lignes


def parc_par_financement(data: Data, context: TableContext) -> Table:
    colonnes, lignes = _by_departement(data, "famille", FAMILLES, context.names)
    for ligne in lignes[:-1]:
        ligne[0] = FAMILLE_LIBELLES[ligne[0]]
    return Table(
        "Répartition du patrimoine par famille de financement",
        ["Financement", *colonnes, "Ensemble", "Part du parc"],
        lignes,
        [4, *[1.3] * len(colonnes), 1.3, 1.3],
        source_parc(context) + " ; familles regroupant les codes de financement initial du RPLS",
    )


def parc_par_dpe(data: Data, context: TableContext) -> Table:
    colonnes, lignes = _by_departement(
        data, "coalesce(DPEENERGIE, 'sans DPE')", (*CLASSES, "sans DPE"), context.names
    )
    for ligne in lignes[:-1]:
        ligne[0] = f"Classe {ligne[0]}" if len(ligne[0]) == 1 else "Sans DPE"
    return Table(
        "Répartition du patrimoine par étiquette énergétique",
        ["Étiquette énergétique", *colonnes, "Ensemble", "Part du parc"],
        lignes,
        [3, *[1.3] * len(colonnes), 1.3, 1.3],
        source_parc(context),
    )


ATTRIBUTION_COUNTS = {
    "Attributions": "true",
    "dont hors QPV": "NOT QPV",
    "dont 1er quartile ou relogés, hors QPV": (
        "NOT QPV AND (ressources_uc < s.seuil OR relogement_anru)"
    ),
    "dont ménages prioritaires": "prioritaire OR dalo",
    "dont DALO": "dalo",
    "dont mutations": "mutation",
}


# The column of the attributions table that counts what a rate counts: a rate is masked with
# its count. PS-1 counts the same households; PS-2, PS-3 and PP-5 count them among every
# attribution of the year, the table among those with a signed lease (nearly all of them).
RATE_COLUMNS = {
    ("PS-1", TOTAL): "dont 1er quartile ou relogés, hors QPV",
    ("PS-2", TOTAL): "dont ménages prioritaires",
    ("PS-3", TOTAL): "dont DALO",
    ("PP-5", TOTAL): "dont mutations",
}


def attribution_counts(data: Data, annee: int) -> dict[Row, list[int]]:
    """Attributions followed by a signed lease in the year, by (département, EPCI), by
    département (département,) and whole (), in the order the table prints them."""
    counts = ", ".join(f"count(*) FILTER (WHERE {c})" for c in ATTRIBUTION_COUNTS.values())
    rows = data.execute(
        f"""
        SELECT a.departement, a.epci, grouping(a.departement), grouping(a.epci), {counts}
        FROM attribution a LEFT JOIN (SELECT annee AS seuil_annee, EPCI AS seuil_epci, seuil
                                      FROM seuils_premier_quartile) s
             ON s.seuil_epci = a.epci AND s.seuil_annee = a.annee
        WHERE a.annee = ? AND bail_signe
        GROUP BY ROLLUP (a.departement, a.epci)
        ORDER BY grouping(a.departement), a.departement, grouping(a.epci) DESC, count(*) DESC,
                 a.epci NULLS LAST
        """,
        [annee],
    ).fetchall()
    out = {}
    for departement, epci, whole, by_departement, *values in rows:
        row = () if whole else (departement,) if by_departement else (departement, epci)
        out[row] = values
    return out


def organisation_secret(data: Data, annee: int, seuil: int) -> Secret:
    """The masks of the attributions table, decided once on the whole organisation's data."""
    return decide(attribution_counts(data, annee), list(ATTRIBUTION_COUNTS), seuil)


def attributions_par_territoire(data: Data, context: TableContext) -> Table:
    """Attributions followed by a signed lease in the reference year, by territory, under
    statistical secrecy: EPCI add up to their département, départements to the whole.

    The masks are the organisation's (context.secret): a count masked in the convention is
    masked in every extract that prints it, whatever the extract's own rows would allow."""
    counts = attribution_counts(data, context.annee)
    columns = list(ATTRIBUTION_COUNTS)
    secret = context.secret or decide(counts, columns, context.seuil)
    leaves = [row for row in counts if len(row) == 2]
    why = reason(context.seuil)
    lignes = []
    for row, values in counts.items():
        if not row:
            label = "Ensemble du territoire" if data.scope else "Ensemble"
        elif len(row) == 1:
            label = context.names.get(row[0], row[0])
        elif row[1] is None:
            label = "dont communes hors EPCI"
        else:
            label = f"dont {context.names.get(row[1], row[1])}"
        parts = frozenset(leaf for leaf in leaves if leaf[: len(row)] == row)
        cells = [
            Quantity(v, masked=why if secret.masks(parts, column, v) else None)
            for column, v in zip(columns, values, strict=True)
        ]
        lignes.append([label, *cells])
    return Table(
        f"Attributions suivies d'un bail signé en {context.annee}",
        ["Territoire", *ATTRIBUTION_COUNTS],
        lignes,
        [3.2, 1.3, 1.2, 1.5, 1.3, 1.1, 1.2],
        f"attributions de l'organisme en {context.annee} (système national d'enregistrement)",
    )


COMPUTED_TABLES = {
    "parc_par_territoire": parc_par_territoire,
    "parc_par_financement": parc_par_financement,
    "parc_par_dpe": parc_par_dpe,
    "attributions_par_territoire": attributions_par_territoire,
    "foyers_etablissements": foyers.etablissements,
}
