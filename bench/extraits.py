"""Benchmark of the partner extracts (make bench): a national group with 100 partners.

Target of the issue « Extraits territoriaux »: 100 partner extracts, DOCX and PDF, in under
60 s on 2 cores. The project is made here: the minimal example's chapters, 100 partners (20
départements and 80 of their EPCI), commitments for each, and synthetic data for 60 000
logements spread over the partners' communes.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
MINIMAL = REPO / "tests" / "projets" / "minimal"
YEARS = range(2025, 2031)


def partners(geo, departements: int = 20, epci: int = 80) -> list[str]:
    """Départements in code order, and their EPCI lying wholly inside them."""
    chosen_deps = sorted(d for d in geo.departements if d.isdigit())[:departements]
    by_dep = [
        code
        for code, t in sorted(geo.epci.items())
        if len(t.departements) == 1 and t.departements[0] in chosen_deps
    ]
    return chosen_deps + by_dep[:epci]


def values(value) -> dict:
    return {year: value for year in YEARS}


def make_project(root: Path) -> int:
    from cusdoc.load.geography import load_geographie
    from tests.synthetic import Commune, generate

    geo = load_geographie()
    codes = partners(geo)
    shutil.copytree(MINIMAL / "content", root / "content")
    shutil.rmtree(root / "content" / "donnees")
    convention = yaml.safe_load((root / "content" / "convention.yml").read_text(encoding="utf-8"))
    convention["territoires"] = [{"code": c, "statut": "associé"} for c in codes]
    convention["signataires"] = [s for s in convention["signataires"] if "territoire" not in s]
    (root / "content" / "convention.yml").write_text(
        yaml.safe_dump(convention, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    departements = [c for c in codes if c in geo.departements]
    epci = [c for c in codes if c in geo.epci]
    engagements = {
        "PP-1": [{"territoire": d, "reference": 10, "valeurs": values(10)} for d in departements],
        "PP-2": [{"territoire": d, "valeurs": values(0)} for d in departements],
        "PP-3": [{"territoire": d, "reference": 5, "valeurs": values(1)} for d in departements],
        "PP-4": [{"territoire": d, "reference": 0, "valeurs": values(0)} for d in departements],
        "PS-1": [{"territoire": e, "valeurs": values(25)} for e in epci],
        "PS-2": [{"territoire": d, "valeurs": values(30)} for d in departements],
        "SR-1": [{"territoire": d, "valeurs": values(1)} for d in departements],
        "G-1": [{"territoire": "organisme", "reference": 1100, "valeurs": values(1100)}],
    }
    (root / "content" / "engagements.yml").write_text(
        yaml.safe_dump(
            {"titre": "Engagements chiffrés", "engagements": engagements}, allow_unicode=True
        ),
        encoding="utf-8",
    )
    communes = [Commune(c) for e in epci for c in geo.communes_of_epci(e)]
    generate(root / "content" / "donnees", communes, 60_000, [2022, 2023], 2026)
    return len(codes)


def main() -> int:
    from cusdoc.extracts import build_extracts

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        count = make_project(root)
        start = time.perf_counter()
        written = build_extracts(root)
        seconds = time.perf_counter() - start
    ok = seconds <= 60
    print(
        f"{count} extraits de partenaires (DOCX + PDF, {len(written)} fichiers) : "
        f"{seconds:5.1f} s (cible 60 s) {'ok' if ok else 'TROP LENT'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
