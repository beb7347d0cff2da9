"""Later years of data for a copied project: what an organisation adds each year after the
signature (the attributions and the completed works of the year, the year's first-quartile
thresholds), drawn from the last year the example records."""

import csv
import random
from pathlib import Path

SOURCE_YEAR = 2023  # the example's reference year: its rows are redrawn for the later year


def add_year(root: Path, annee: int, seed: int = 7) -> None:
    """Append `annee` to attributions.csv, travaux.csv and seuils_premier_quartile.csv of the
    project at root: each row of SOURCE_YEAR again, its flags and counts redrawn, so that the
    year's réalisé differs from the reference. A file that records the year already (the
    example's thresholds of 2024) keeps its rows."""
    rng = random.Random(f"{seed}-{annee}")
    folder = root / "content" / "donnees"

    def attribution(row: dict) -> dict:
        flips = {"bail_signe": 0.85, "prioritaire": 0.3, "dalo": 0.08, "mutation": 0.22}
        out = {k: ("1" if rng.random() < p else "0") for k, p in flips.items()}
        income = int(row["ressources_uc"] or 0)
        return {**row, **out, "ressources_uc": str(int(income * rng.uniform(0.8, 1.2)))}

    def works(row: dict) -> dict:
        # never more than the ensemble holds (cusdoc check counts them against patrimoine.csv)
        return {**row, "logements": str(max(1, int(row["logements"]) - rng.randint(0, 2)))}

    def threshold(row: dict) -> dict:
        return {**row, "seuil": str(round(int(row["seuil"]) * 1.03))}

    for name, redraw in (
        ("attributions", attribution),
        ("travaux", works),
        ("seuils_premier_quartile", threshold),
    ):
        path = folder / f"{name}.csv"
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter=";")
            fields, rows = reader.fieldnames, list(reader)
        if any(row["annee"] == str(annee) for row in rows):
            continue
        added = [
            {**redraw(row), "annee": str(annee)} for row in rows if row["annee"] == str(SOURCE_YEAR)
        ]
        with path.open("a", encoding="utf-8", newline="") as f:
            csv.DictWriter(f, fields, delimiter=";", lineterminator="\n").writerows(added)
