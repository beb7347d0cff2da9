"""Benchmark of the data stage (make bench): load the CSV extracts and compute every indicator.

Targets of the issue « Engagements chiffrés »: 550 000 logements (the largest French group) and
60 000 attributions in under 3 s and 1 GB of memory on 2 cores; the national RPLS scale
(5,4 million logements) in under 60 s. Data comes from the seeded generator; each measure runs
in a fresh process so that its peak memory is its own.
"""

import importlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SCALES = [
    # (name, logements, attributions, target seconds, target memory in MB or None)
    ("grand groupe", 550_000, 60_000, 3.0, 1024),
    ("parc national RPLS", 5_400_000, 60_000, 60.0, None),
]


def synthetic():
    """The seeded data generator of the tests."""
    sys.path.insert(0, str(REPO))
    return importlib.import_module("tests.synthetic")


def generate(root: Path, logements: int, attributions: int) -> float:
    from cusdoc.load.geography import load_geographie

    generator = synthetic()
    geo = load_geographie()
    # a national spread, equal weights
    communes = [generator.Commune(code) for code in geo.communes]
    start = time.perf_counter()
    generator.generate(
        root / "content" / "donnees", communes, logements, [2022, 2023], 2026, attributions
    )
    return time.perf_counter() - start


def measure(root: str) -> None:
    """Child process: load and compute, print seconds and peak memory as JSON."""
    from cusdoc.compute.references import compute_references
    from cusdoc.load.data import load_data

    start = time.perf_counter()
    data, problems = load_data(Path(root))
    assert not problems, problems[:3]
    references, _ = compute_references(data, 2023)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "memory_mb": peak, "references": len(references)}))


def main() -> int:
    failures = 0
    for name, logements, attributions, target, memory in SCALES:
        with tempfile.TemporaryDirectory() as tmp:
            made = generate(Path(tmp), logements, attributions)
            out = subprocess.run(
                [sys.executable, __file__, "--mesure", tmp],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout)
        ok = result["seconds"] <= target and (memory is None or result["memory_mb"] <= memory)
        failures += not ok
        print(
            f"{name:20} {logements:>9,} logements : chargement + calcul {result['seconds']:5.2f} s "
            f"(cible {target} s), mémoire {result['memory_mb']:6.0f} Mo"
            f"{f' (cible {memory} Mo)' if memory else ''} {'ok' if ok else 'TROP LENT'} "
            f"— génération des données {made:.1f} s".replace(",", "\u202f")
        )
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--mesure"]:
        measure(sys.argv[2])
    else:
        sys.exit(main())
