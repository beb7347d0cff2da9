"""Derive cusdoc's compact official geography from the Etalab package on the npm registry.

Usage: python scripts/make_geographie.py cusdoc/data
Needs npm. Writes regions.csv, departements.csv, epci.csv and communes.csv (UTF-8, comma).
"""

import csv
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif@6.0.0"


def fetch(workdir: Path) -> Path:
    """Download and unpack the npm package; return its data folder."""
    out = subprocess.run(
        ["npm", "pack", PACKAGE, "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    with tarfile.open(workdir / out.stdout.strip().splitlines()[-1]) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package" / "data"


def official_name(name: str) -> str:
    """The source writes quoted names with doubled apostrophes: ''Agglopolys'' → « Agglopolys »."""
    return re.sub(r"''(.+?)''", "«\u00a0\\1\u00a0»", name)


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(sorted(rows))


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = fetch(Path(tmp))
        load = lambda name: json.loads((data / name).read_text(encoding="utf-8"))  # noqa: E731
        regions, departements, epcis, communes = (
            load(n) for n in ("regions.json", "departements.json", "epci.json", "communes.json")
        )
    epci_of = {m["code"]: e["code"] for e in epcis for m in e["membres"]}
    write(
        target / "regions.csv",
        ["code", "nom", "liaison"],
        [[r["code"], r["nom"], r["typeLiaison"]] for r in regions],
    )
    write(
        target / "departements.csv",
        ["code", "nom", "region", "liaison"],
        [[d["code"], d["nom"], d["region"], d["typeLiaison"]] for d in departements],
    )
    write(
        target / "epci.csv",
        ["siren", "nom", "type"],
        [[e["code"], official_name(e["nom"]), e["type"]] for e in epcis],
    )
    write(
        target / "communes.csv",
        ["code", "nom", "departement", "epci"],
        [
            [c["code"], c["nom"], c["departement"], epci_of.get(c["code"], "")]
            for c in communes
            if c["type"] == "commune-actuelle"
        ],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
