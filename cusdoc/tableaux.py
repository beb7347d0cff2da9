"""Tables computed from the organisation's data, placed in the text by `tableau_calcule: nom`."""

from cusdoc.formats import nombre, pourcent

SOURCE = "données de l'organisme (content/donnees/patrimoine.csv), traitement cusdoc"
FAMILLES = ("PLAI", "PLUS", "PLS", "PLI", "autres")
FAMILLE_LIBELLES = {
    "PLAI": "PLAI et assimilés (PLA d'intégration, PLA très social)",
    "PLUS": "PLUS et assimilés (PLA ordinaire)",
    "PLS": "PLS",
    "PLI": "PLI",
    "autres": "HLM/O et financements antérieurs à 1977, autres",
}
CLASSES = ("A", "B", "C", "D", "E", "F", "G")


def _share(part: int, whole: int) -> str:
    return pourcent(100 * part / whole) if whole else "–"


def parc_par_territoire(db, names: dict[str, str]) -> dict:
    rows = db.execute(
        """
        SELECT departement, epci, count(*), count(*) FILTER (WHERE en_qpv),
               count(*) FILTER (WHERE classe_fg), count(*) FILTER (WHERE ACCESSIBLE_PMR)
        FROM logements GROUP BY ROLLUP (departement, epci)
        ORDER BY departement NULLS LAST, epci IS NOT NULL, count(*) DESC, epci
        """
    ).fetchall()
    total = next(r[2] for r in rows if r[0] is None)
    lignes = []
    for departement, epci, count, qpv, fg, pmr in rows:
        if departement is None:
            label = "Ensemble du patrimoine"
        elif epci is None:
            label = names.get(departement, departement)
        else:
            label = f"dont {names.get(epci, epci)}"
        figures = [nombre(count), _share(count, total), nombre(qpv), nombre(fg), nombre(pmr)]
        lignes.append([label, *figures])
    return {
        "titre": "Répartition du patrimoine par territoire",
        "colonnes": [
            "Territoire",
            "Logements",
            "Part du parc",
            "dont en QPV",
            "dont classés F ou G",
            "Accessibles PMR",
        ],
        "largeurs": [4, 1.2, 1.2, 1.2, 1.3, 1.3],
        "lignes": lignes,
        "source": SOURCE,
    }


def _by_departement(db, column: str, keys: tuple[str, ...], names: dict[str, str]):
    departements = [
        d
        for (d,) in db.execute(
            "SELECT DISTINCT departement FROM logements ORDER BY departement"
        ).fetchall()
    ]
    counts = dict(
        ((key, dep), n)
        for key, dep, n in db.execute(
            f"SELECT {column}, departement, count(*) FROM logements GROUP BY ALL"
        ).fetchall()
    )
    total = sum(counts.values())
    lignes = []
    for key in keys:
        per_dep = [counts.get((key, d), 0) for d in departements]
        lignes.append(
            [key, *map(nombre, per_dep), nombre(sum(per_dep)), _share(sum(per_dep), total)]
        )
    per_dep_total = [sum(counts.get((k, d), 0) for k in keys) for d in departements]
    lignes.append(["Total", *map(nombre, per_dep_total), nombre(total), _share(total, total)])
    colonnes = [names.get(d, d) for d in departements]
    return colonnes, lignes


def parc_par_financement(db, names: dict[str, str]) -> dict:
    colonnes, lignes = _by_departement(db, "famille", FAMILLES, names)
    for ligne in lignes[:-1]:
        ligne[0] = FAMILLE_LIBELLES[ligne[0]]
    return {
        "titre": "Répartition du patrimoine par famille de financement",
        "colonnes": ["Financement", *colonnes, "Ensemble", "Part du parc"],
        "largeurs": [4, *[1.3] * len(colonnes), 1.3, 1.3],
        "lignes": lignes,
        "source": SOURCE + " ; familles de codes FINAN du RPLS",
    }


def parc_par_dpe(db, names: dict[str, str]) -> dict:
    colonnes, lignes = _by_departement(
        db, "coalesce(DPEENERGIE, 'sans DPE')", (*CLASSES, "sans DPE"), names
    )
    for ligne in lignes[:-1]:
        ligne[0] = f"Classe {ligne[0]}" if len(ligne[0]) == 1 else "Sans DPE"
    return {
        "titre": "Répartition du patrimoine par étiquette énergétique",
        "colonnes": ["Étiquette énergétique", *colonnes, "Ensemble", "Part du parc"],
        "largeurs": [3, *[1.3] * len(colonnes), 1.3, 1.3],
        "lignes": lignes,
        "source": SOURCE,
    }


COMPUTED_TABLES = {
    "parc_par_territoire": parc_par_territoire,
    "parc_par_financement": parc_par_financement,
    "parc_par_dpe": parc_par_dpe,
}
