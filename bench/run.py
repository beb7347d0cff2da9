"""Benchmarks of the targets in the issues (make bench). Not a test: timings vary by machine.

Runs the CLI as a writer does, on a copy of the example, and prints the median of several runs.
"""

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CUSDOC = Path(sys.executable).parent / "cusdoc"

TARGETS = [
    # (name, arguments, runs, target in seconds)
    ("cusdoc check (exemple)", ["check"], 7, 1.0),
    ("cusdoc build DOCX + PDF (exemple)", ["build", "--format", "docx,pdf"], 5, 5.0),
]


def median_seconds(arguments: list[str], root: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(CUSDOC), "-C", str(root), *arguments], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(REPO / "content", root / "content")
        shutil.copytree(REPO / "templates", root / "templates")
        for name, arguments, runs, target in TARGETS:
            seconds = median_seconds(arguments, root, runs)
            verdict = "ok" if seconds <= target else "TROP LENT"
            failures += seconds > target
            print(
                f"{name:40} médiane {seconds:5.2f} s sur {runs} essais (cible {target} s) {verdict}"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
