"""Seeded mutational fuzzing of `cusdoc check` over tests/projets/minimal (issue 14).

Each case breaks one file of the minimal project the way writers and spreadsheets do: a
control character, deep nesting, aliases, a wrong type, an impossible date, a huge number, a
list for a scalar, a truncated file, a bad CSV cell. Whatever the input, `cusdoc check` ends
with status 0 or 1, never a traceback; on 1, every line but the summary starts with
`file:line:column: `. Mutations that can never be valid must give 1.

The suite is deterministic (SEED, CASES) and short enough for CI: `make test` runs its first
QUICK_CASES cases, `make test-lent` the others. A longer campaign runs each case in a fresh
process, which also catches crashes and hangs:

    .venv/bin/python -m tests.test_fuzz --cas 1000 --graine 14
"""

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from cusdoc.cli import main

MINIMAL = Path(__file__).resolve().parent / "projets" / "minimal"
SEED = 14
CASES = 100  # about 9 s on an idle two-core machine, 16 s under load
QUICK_CASES = 30  # in `make test`; the others in `make test-lent`

LOCATED = re.compile(r"^content/[\w./-]+:\d+:\d+: \S")
SUMMARY = re.compile(r"^\d+ problèmes? à corriger dans le contenu\.$")
# PyYAML's and DuckDB's own words, which must never reach a writer.
ENGLISH = re.compile(r"\b(expected|found|while|could not|cannot|Error|Exception)\b")

CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x1f\x7f\x80\x9f\ufffe"
IMPOSSIBLE = [
    "2025-02-30",
    "2023-13-01",
    "0000-01-01",
    ".nan",
    ".inf",
    "-.inf",
    "1.0e+400",
    "1" + "0" * 20,
    "9" * 5000,
    "!!python/object/apply:os.system [ls]",
    "*inconnu",
    '"::: {.tableau}"',
    '"<w:p>texte</w:p>"',
    '"`x`{=openxml}"',
    '"\\v"',
]
ODD = [
    "[a, b]",
    "{a: 1}",
    "",
    "null",
    "~",
    "true",
    "0",
    "-1",
    "1e15",
    "2025-07-01",
    "2025",
    "'41'",
    "x" * 5000,
    "[[[[]]]]",
    "- a",
    "'",
    '"',
    "&ancre valeur",
    "|",
    "a: b: c",
    "[" * 40 + "]" * 40,
    "{a: [1, {b: [2, {c: 3}]}]}",
]
NEVER_NUMBER = ["NaN", "inf", "-inf", "1e400", "1e308", "-1e308", "99999999999999999999999"]
ODD_CELLS = [
    "",
    "abc",
    "0",
    "-5",
    "1,5",
    "1.5",
    "2025-02-30",
    '"',
    ";",
    ",",
    "\x0b",
    "🏠",
    "x" * 3000,
]
NEVER_COMMUNE = ["141025", "99999", "4101", "75056"]  # the last outside the territories
NUMERIC_COLUMNS = {
    "FINAN",
    "NBPIECE",
    "SURFHAB",
    "CONSTRUCT",
    "annee",
    "ressources_uc",
    "seuil",
    "qualite_construction",
    "equipements",
    "localisation",
    "environnement",
    "menages",
    "menages_sous_60_pct",
    "menages_apl",
    "taux_vacance",
    "taux_rotation",
}


@dataclass(frozen=True)
class Mutation:
    file: str  # relative to the project root
    data: bytes
    kind: str
    must_fail: bool  # no valid project can contain it


def _value_lines(lines: list[str]) -> list[int]:
    """Lines « key: value » (or « - key: value ») whose value is a plain scalar on one line."""
    return [
        i
        for i, line in enumerate(lines)
        if re.match(r"^\s*(- )?[\w -]+: [^|>\s]", line) and not line.rstrip().endswith(":")
    ]


def _set_value(rng: random.Random, text: str, value: str) -> str:
    lines = text.split("\n")
    candidates = _value_lines(lines)
    if not candidates:
        return text + f"\ncle: {value}\n"
    i = rng.choice(candidates)
    head = re.match(r"^(\s*(- )?[\w -]+: )", lines[i])[1]
    lines[i] = head + value
    return "\n".join(lines)


def _laughs(levels: int) -> str:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def mutate_yaml(rng: random.Random, text: str) -> tuple[str, str, bool]:
    """(kind, mutated text, must fail) for one YAML file."""
    kind = rng.choice(
        [
            "contrôle",
            "imbrication",
            "alias",
            "volume",
            "valeur impossible",
            "valeur étrange",
            "troncature",
            "ligne supprimée",
            "ligne doublée",
            "indentation",
            "octet",
        ]
    )
    lines = text.split("\n")
    if kind == "contrôle":
        at = rng.randrange(len(text) + 1)
        return kind, text[:at] + rng.choice(CONTROLS) + text[at:], True
    if kind == "imbrication":
        depth = rng.choice([33, 100, 1000, 50_000])
        nested = "[" * depth + "]" * depth
        if rng.random() < 0.5:
            return kind, text + f"\nprofond: {nested}\n", True
        return kind, _set_value(rng, text, nested), True
    if kind == "alias":
        if rng.random() < 0.5:
            return kind, text + "\n" + _laughs(rng.choice([2, 9, 12])), True
        return kind, "ancre: &a 1\n" + _set_value(rng, text, "*a"), True
    if kind == "volume":
        if rng.random() < 0.5:  # more values than a file may hold, then more bytes
            return kind, text + "\nliste: [" + "a," * 120_000 + "a]\n", True
        return kind, text + "\n# " + "x" * 2_100_000 + "\n", True
    if kind == "valeur impossible":
        return kind, _set_value(rng, text, rng.choice(IMPOSSIBLE)), True
    if kind == "valeur étrange":
        return kind, _set_value(rng, text, rng.choice(ODD)), False
    if kind == "troncature":
        return kind, text[: rng.randrange(len(text) + 1)], False
    if kind == "ligne supprimée":
        del lines[rng.randrange(len(lines))]
        return kind, "\n".join(lines), False
    if kind == "ligne doublée":
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return kind, "\n".join(lines), False
    if kind == "indentation":
        i = rng.randrange(len(lines))
        lines[i] = rng.choice([" ", "  ", "\t", ""]) + lines[i].lstrip(" " * rng.randrange(3))
        return kind, "\n".join(lines), False
    raw = bytearray(text.encode("utf-8"))
    raw[rng.randrange(len(raw))] = rng.randrange(256)
    return kind, raw.decode("utf-8", errors="surrogateescape"), False


def mutate_csv(rng: random.Random, text: str) -> tuple[str, str, bool]:
    """(kind, mutated text, must fail) for one CSV file."""
    lines = text.rstrip("\n").split("\n")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    header = lines[0].split(delimiter)
    kind = rng.choice(["cellule", "cellule", "cellule", "troncature", "ligne doublée", "octet"])
    if kind == "cellule":
        row = rng.randrange(1, len(lines))
        cells = lines[row].split(delimiter)
        column = rng.randrange(len(cells))
        name = header[column] if column < len(header) else ""
        if name in NUMERIC_COLUMNS and rng.random() < 0.5:
            value, must_fail = rng.choice(NEVER_NUMBER), True
        elif name == "DEPCOM" and rng.random() < 0.5:
            value, must_fail = rng.choice(NEVER_COMMUNE), True
        else:
            value, must_fail = rng.choice(ODD_CELLS), False
        cells[column] = value
        lines[row] = delimiter.join(cells)
        return f"{kind} {name}", "\n".join(lines) + "\n", must_fail
    if kind == "troncature":
        return kind, text[: rng.randrange(len(text) + 1)], False
    if kind == "ligne doublée":
        i = rng.randrange(1, len(lines))
        lines.insert(i, lines[i])
        return kind, "\n".join(lines) + "\n", False
    raw = bytearray(text.encode("utf-8"))
    raw[rng.randrange(len(raw))] = rng.randrange(256)
    return kind, raw.decode("utf-8", errors="surrogateescape"), False


def mutations(seed: int, count: int) -> list[Mutation]:
    """count mutations of the minimal project, the same for the same seed."""
    rng = random.Random(seed)
    files = sorted(p.relative_to(MINIMAL).as_posix() for p in (MINIMAL / "content").rglob("*.*"))
    made = []
    for _ in range(count):
        file = rng.choice(files)
        text = (MINIMAL / file).read_text(encoding="utf-8")
        mutate = mutate_csv if file.endswith(".csv") else mutate_yaml
        kind, mutated, must_fail = mutate(rng, text)
        data = mutated.encode("utf-8", errors="surrogateescape")
        made.append(Mutation(file, data, kind, must_fail))
    return made


def judge(mutation: Mutation, status: int, stdout: str, stderr: str) -> str | None:
    """What is wrong with the outcome of one case, or None."""
    if "Traceback" in stdout + stderr:
        return f"trace Python : {(stdout + stderr).strip().splitlines()[-1][:200]}"
    if status not in (0, 1):
        return f"code de sortie {status}"
    if status == 0:
        return "code 0 sur une entrée invalide" if mutation.must_fail else None
    lines = stderr.rstrip("\n").split("\n")
    if not SUMMARY.match(lines[-1]):
        return f"résumé manquant : {lines[-1]!r}"
    for line in lines[:-1]:
        if not LOCATED.match(line):
            return f"ligne sans position : {line[:200]!r}"
        if ENGLISH.search(line.split(": ", 1)[1]):
            return f"message en anglais : {line[:200]!r}"
    return None


CI_MUTATIONS = mutations(SEED, CASES)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(MINIMAL / "content", root / "content")
    return root


@pytest.mark.parametrize(
    "index",
    [i if i < QUICK_CASES else pytest.param(i, marks=pytest.mark.slow) for i in range(CASES)],
)
def test_check_survives_mutation(project, index):
    mutation = CI_MUTATIONS[index]
    path = project / mutation.file
    original = path.read_bytes()
    path.write_bytes(mutation.data)
    try:
        result = CliRunner().invoke(main, ["-C", str(project), "check"], catch_exceptions=False)
    finally:
        path.write_bytes(original)
    verdict = judge(mutation, result.exit_code, result.stdout, result.stderr)
    assert verdict is None, f"{mutation.kind} dans {mutation.file} : {verdict}\n{result.stderr}"


# The campaign: every case in a fresh process, with a time limit.

TIMEOUT = 10  # seconds: longer is a hang
SLOW = 1.0  # seconds: longer than that is reported


def _run_case(mutation: Mutation, workdir: Path) -> tuple[str | None, float]:
    root = Path(tempfile.mkdtemp(dir=workdir))
    shutil.copytree(MINIMAL / "content", root / "content")
    (root / mutation.file).write_bytes(mutation.data)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cusdoc", "-C", str(root), "check"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return "blocage", TIMEOUT
    finally:
        elapsed = time.perf_counter() - start
        shutil.rmtree(root, ignore_errors=True)
    if done.returncode < 0:
        return f"plantage (signal {-done.returncode})", elapsed
    return judge(mutation, done.returncode, done.stdout, done.stderr), elapsed


def campaign(count: int, seed: int, workers: int) -> int:
    cases = mutations(seed, count)
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(workers) as pool:
        # The unmutated project, run the same way: the time a process takes to start and check.
        unchanged = Mutation(
            "content/convention.yml",
            (MINIMAL / "content/convention.yml").read_bytes(),
            "aucune",
            False,
        )
        baseline = sorted(
            elapsed for _, elapsed in pool.map(lambda m: _run_case(m, Path(tmp)), [unchanged] * 10)
        )
        outcomes = list(pool.map(lambda m: _run_case(m, Path(tmp)), cases))
    tally = {"trace Python": 0, "plantage": 0, "code de sortie": 0, "blocage": 0, "autre": 0}
    for index, ((verdict, _), mutation) in enumerate(zip(outcomes, cases, strict=True)):
        if verdict is None:
            continue
        family = next((k for k in tally if verdict.startswith(k)), "autre")
        family = "code de sortie" if verdict.startswith("code") else family
        tally[family] += 1
        print(f"cas {index} ({mutation.kind}, {mutation.file}) : {verdict}")
    times = sorted(elapsed for _, elapsed in outcomes)
    slow = sum(t > SLOW for t in times)
    print(f"{count} mutations (graine {seed}) :")
    print(f"  traces Python : {tally['trace Python']}")
    print(f"  plantages : {tally['plantage']}")
    print(f"  codes de sortie faux : {tally['code de sortie']}")
    print(f"  blocages (> {TIMEOUT} s) : {tally['blocage']}")
    print(f"  autres (message sans position, en anglais…) : {tally['autre']}")
    print(f"  mutations toujours invalides (code 1 exigé) : {sum(m.must_fail for m in cases)}")
    print(
        f"  durée par cas : médiane {times[len(times) // 2]:.2f} s, "
        f"maximum {times[-1]:.2f} s, {slow} au-delà de {SLOW} s "
        f"(projet intact : médiane {baseline[len(baseline) // 2]:.2f} s, "
        f"maximum {baseline[-1]:.2f} s)"
    )
    return 1 if any(tally.values()) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Campagne de fuzzing de cusdoc check.")
    parser.add_argument("--cas", type=int, default=1000)
    parser.add_argument("--graine", type=int, default=SEED)
    parser.add_argument("--processus", type=int, default=2)
    options = parser.parse_args()
    sys.exit(campaign(options.cas, options.graine, options.processus))
