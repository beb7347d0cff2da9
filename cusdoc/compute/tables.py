"""Tables computed from the organisation's data, placed in the text by `tableau_calcule: nom`."""

from dataclasses import dataclass

from cusdoc.compute.secrecy import reason, suppress
from cusdoc.load.data import Data
from cusdoc.model import Quantity, Table

SOURCE = "données de l'organisme (content/donnees/patrimoine.csv), traitement cusdoc"


@dataclass(frozen=True)
class TableContext:
    names: dict[str, str]  # territory code → name
    annee: int  # reference year
    seuil: int  # statistical secrecy threshold


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
            label = "Ensemble du patrimoine"
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
        SOURCE,
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
        SOURCE + " ; familles de codes FINAN du RPLS",
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
        SOURCE,
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


def attributions_par_territoire(data: Data, context: TableContext) -> Table:
    """Attributions followed by a signed lease in the reference year, by territory, under
    statistical secrecy: EPCI add up to their département, départements to the whole."""
    counts = ", ".join(f"count(*) FILTER (WHERE {c})" for c in ATTRIBUTION_COUNTS.values())
    rows = data.execute(
        f"""
        SELECT a.departement, a.epci, {counts}
        FROM attribution a LEFT JOIN (SELECT annee AS seuil_annee, EPCI AS seuil_epci, seuil
                                      FROM seuils_premier_quartile) s
             ON s.seuil_epci = a.epci AND s.seuil_annee = a.annee
        WHERE a.annee = ? AND bail_signe
        GROUP BY ROLLUP (a.departement, a.epci)
        ORDER BY a.departement NULLS LAST, a.epci IS NOT NULL, count(*) DESC, a.epci
        """,
        [context.annee],
    ).fetchall()
    values = [list(r[2:]) for r in rows]
    masked: set[tuple[int, int]] = set()
    # Each block of lines adds up to a total line: EPCI to their département (when no
    # attribution lies outside an EPCI), départements to the whole.
    departements = [i for i, r in enumerate(rows) if r[0] is not None and r[1] is None]
    blocks = [departements]
    for index in departements:
        blocks.append([i for i, r in enumerate(rows) if r[0] == rows[index][0] and r[1]])
    for block in blocks:
        for i, j in suppress([values[i] for i in block], context.seuil, rows_total=False):
            masked.add((block[i], j))
    for i, j in suppress(values, context.seuil, rows_total=False, columns_total=False):
        masked.add((i, j))  # primary everywhere, totals included
    why = reason(context.seuil)
    lignes = []
    for i, (departement, epci, *_) in enumerate(rows):
        if departement is None:
            label = "Ensemble"
        elif epci is None:
            label = context.names.get(departement, departement)
        else:
            label = f"dont {context.names.get(epci, epci)}"
        cells = [
            Quantity(v, masked=why if (i, j) in masked else None) for j, v in enumerate(values[i])
        ]
        lignes.append([label, *cells])
    return Table(
        f"Attributions suivies d'un bail signé en {context.annee}",
        ["Territoire", *ATTRIBUTION_COUNTS],
        lignes,
        [3.2, 1.3, 1.2, 1.5, 1.3, 1.1, 1.2],
        f"données de l'organisme (content/donnees/attributions.csv), année {context.annee}",
    )


COMPUTED_TABLES = {
    "parc_par_territoire": parc_par_territoire,
    "parc_par_financement": parc_par_financement,
    "parc_par_dpe": parc_par_dpe,
    "attributions_par_territoire": attributions_par_territoire,
}
