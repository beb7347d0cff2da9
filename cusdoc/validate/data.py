"""Validate stage, across data files: what each file is fine alone but contradicts in another."""

from cusdoc.errors import Problem
from cusdoc.load.data import DATA_DIR, Data

MAX_REPORTED = 10


def check_data(data: Data, annee_reference: int) -> list[Problem]:
    """Ensembles the classement cannot score, EPCI without the threshold PS-1 needs."""
    unknown = data.execute(
        "SELECT DISTINCT ENSEMBLE FROM patrimoine WHERE ENSEMBLE NOT IN "
        "(SELECT ENSEMBLE FROM ensembles) ORDER BY ENSEMBLE"
    ).fetchall()
    problems = [
        Problem(
            f"{DATA_DIR}/patrimoine.csv",
            1,
            1,
            "ENSEMBLE",
            f"l'ensemble immobilier {ensemble} n'est pas décrit dans ensembles.csv",
        )
        for (ensemble,) in unknown[:MAX_REPORTED]
    ]
    missing = data.execute(
        "SELECT DISTINCT epci FROM attribution a WHERE annee = ? AND epci IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM seuils_premier_quartile s "
        "WHERE s.EPCI = a.epci AND s.annee = a.annee) ORDER BY epci",
        [annee_reference],
    ).fetchall()
    problems += [
        Problem(
            f"{DATA_DIR}/seuils_premier_quartile.csv",
            1,
            1,
            "",
            f"seuil du premier quartile manquant pour l'EPCI {epci} en {annee_reference}, "
            "année de référence (PS-1)",
        )
        for (epci,) in missing
    ]
    return problems
