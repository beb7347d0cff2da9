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
CATEGORIE_LIBELLES = {  # categories of ceilings; « autres »: initial financing, without one
    **{famille: famille for famille in FAMILLES[:4]},
    "autres": "HLM/O et financements antérieurs à 1977, autres, sans catégorie de plafonds",
}
CLASSES = ("A", "B", "C", "D", "E", "F", "G")


def count(n: int) -> Quantity:
    return Quantity(n)


def share(part: int, whole: int) -> Quantity:
    """part / whole in %, none when whole is 0."""
    return Quantity(100 * part / whole if whole else None, "pourcent")


def within_epci(data: Data) -> bool:
    """Whether the data are an EPCI's view: a département's rows are then the EPCI's only."""
    return bool(data.territoire) and data.territoire[0] != "département"


def departement_labels(data: Data, names: dict[str, str], departements) -> dict[str, str]:
    """How a table names each département's rows: its name; in an EPCI's view, the EPCI's
    (with the département's, for an EPCI that spans several), since a reader would take the
    département's name for the whole département's figures."""
    departements = list(dict.fromkeys(departements))
    if not within_epci(data):
        return {d: names.get(d, d) for d in departements}
    epci = names.get(data.territoire[1], data.territoire[1])
    if len(departements) == 1:
        return {departements[0]: epci}
    return {d: f"{epci} ({names.get(d, d)})" for d in departements}


def parc_par_territoire(data: Data, context: TableContext) -> Table:
    """The stock by département and EPCI. In an EPCI's view, one row per département part of
    the EPCI (one in all but a few cases), and the total only when there are several."""
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
    labels = departement_labels(data, names, (r[0] for r in rows if r[0] is not None))
    if within_epci(data):  # an EPCI's rows are its départements' rows: printed once
        rows = [r for r in rows if r[1] is None and (r[0] is not None or len(labels) > 1)]
    lignes = []
    for departement, epci, n, qpv, fg, pmr in rows:
        if departement is None:
            # a partner's table adds up its territory only, and says so
            label = "Ensemble du territoire" if data.scope else "Ensemble du patrimoine"
        elif epci is None:
            label = labels[departement]
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
    labels = departement_labels(data, names, departements)
    return [labels[d] for d in departements], lignes


PLAFONDS = "catégorie de plafonds de ressources au titre de la convention d'utilité sociale"
FINANCEMENT_INITIAL = "famille du financement initial (codes du RPLS regroupés)"


def parc_par_financement(data: Data, context: TableContext) -> Table:
    """By category of resource ceilings at relocation, where the data give it; by family of the
    initial financing otherwise: title and source say which the table shows."""
    colonnes, lignes = _by_departement(data, "famille", FAMILLES, context.names)
    total, by_ceiling = data.execute(
        "SELECT count(*), count(*) FILTER (WHERE famille_cus) FROM logements"
    ).fetchone()
    labels = CATEGORIE_LIBELLES if by_ceiling else FAMILLE_LIBELLES
    for ligne in lignes[:-1]:
        ligne[0] = labels[ligne[0]]
    if not by_ceiling:
        titre, source = "par famille de financement initial", FINANCEMENT_INITIAL
    elif by_ceiling == total:
        titre, source = "par catégorie de plafonds de ressources", PLAFONDS
    else:
        titre = "par catégorie de plafonds de ressources, à défaut de financement initial"
        source = f"{PLAFONDS} ; à défaut, {FINANCEMENT_INITIAL}"
    return Table(
        f"Répartition du patrimoine {titre}",
        ["Catégorie" if by_ceiling else "Financement", *colonnes, "Ensemble", "Part du parc"],
        lignes,
        [4, *[1.3] * len(colonnes), 1.3, 1.3],
        f"{source_parc(context)} ; {source}",
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
    labels = departement_labels(data, context.names, (row[0] for row in counts if row))
    shown = list(counts)
    if within_epci(data):  # an EPCI's rows are its départements' rows: printed once
        shown = [row for row in shown if len(row) == 1 or (not row and len(labels) > 1)]
    lignes = []
    for row in shown:
        values = counts[row]
        if not row:
            label = "Ensemble du territoire" if data.scope else "Ensemble"
        elif len(row) == 1:
            label = labels[row[0]]
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


def adresse(rue: str | None, commune: str) -> str:
    """An ensemble's address as the annexes print it: « 12 rue des Tilleuls, Monts », or the
    commune alone when ensembles.csv gives no address (CCH R. 445-3 asks for one)."""
    return f"{rue}, {commune}" if rue else f"{commune} (adresse non renseignée)"


def _listed(values, order: tuple[str, ...]) -> str:
    """Distinct values in a fixed order, « PLAI, PLUS »."""
    return ", ".join(v for v in order if v in values)


def plan_de_mise_en_vente(data: Data, context: TableContext) -> Table:
    """The logements of patrimoine.csv to be put on the market (column mise_en_vente), by
    ensemble: where they are, how they were financed, their DPE classes, QPV, when, how many.

    Stock counts from the RPLS fields are not about households: no statistical secrecy
    (cus-domain.md §5)."""
    rows = data.execute(
        """
        SELECT e.ENSEMBLE, e.nom, e.adresse, c.nom, list(DISTINCT l.famille),
               list(DISTINCT coalesce(l.DPEENERGIE, 'sans DPE')), bool_or(l.en_qpv),
               min(l.mise_en_vente), max(l.mise_en_vente), count(*)
        FROM logements l JOIN ensembles e ON e.ENSEMBLE = l.ENSEMBLE
        JOIN communes c ON c.code = e.DEPCOM
        WHERE l.mise_en_vente IS NOT NULL
        GROUP BY ALL ORDER BY e.ENSEMBLE
        """
    ).fetchall()
    lignes = [
        [
            f"{ensemble} {nom}",
            adresse(rue, commune),
            _listed(familles, FAMILLES),
            _listed(classes, (*CLASSES, "sans DPE")),
            "oui" if qpv else "non",
            str(first) if first == last else f"{first} à {last}",
            count(n),
        ]
        for ensemble, nom, rue, commune, familles, classes, qpv, first, last, n in rows
    ]
    total = sum(row[-1] for row in rows)
    lignes.append(["Total", "", "", "", "", "", count(total)])
    # seven columns: the identifier and the name, the street and the commune, share a cell
    return Table(
        "Plan de mise en vente : logements à mettre en commercialisation par ensemble immobilier",
        ["Ensemble immobilier", "Adresse", "Financement", "DPE", "QPV", "Année", "Logements"],
        lignes,
        [3, 3.4, 1.2, 0.9, 0.7, 0.9, 1.1],
        source_parc(context)
        + " ; année à partir de laquelle les logements inscrits peuvent être mis en "
        "commercialisation, leur financement et leurs classes énergétiques",
    )


COMPUTED_TABLES = {
    "parc_par_territoire": parc_par_territoire,
    "parc_par_financement": parc_par_financement,
    "parc_par_dpe": parc_par_dpe,
    "attributions_par_territoire": attributions_par_territoire,
    "plan_de_mise_en_vente": plan_de_mise_en_vente,
    "foyers_etablissements": foyers.etablissements,
}
