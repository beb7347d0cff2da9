"""Benchmarks of the performance targets (make bench). Not a test: timings vary by machine.

The command line is driven as a writer drives it (`cusdoc -C <projet> …`, in a subprocess) and
compared with the bare converters it wraps (pandoc, Typst). No cusdoc module is imported here:
only the package's location (for its templates and its geography) and the synthetic data
generator, wherever the package layout puts them. One French line per target, with the figure
measured, the target and « ok » or « TROP LENT »; exit status 1 if a target is missed.

1. `cusdoc build` (DOCX + PDF + XLSX, from scratch) ≤ 1.25 × the bare converters on the same
   Markdown, both measured in this run (median of 3 each);
2. `cusdoc check` ≤ 0.5 s (median of 7);
3. `cusdoc build` with nothing changed since the last one ≤ 0.7 s (median of 5);
4. 100 partner extracts (DOCX + PDF) ≤ 40 s on 2 cores from scratch, and ≤ 5 s after one
   partner's section changed. The 100-partner project is generated once and kept in the
   temporary folder (cusdoc-bench/); generating it is not measured.

Then bench/indicateurs.py measures the data stage at scale (550 000 and 5.4 million logements).
The first and the last line give the machine's load and the time of a fixed Python loop: on a
shared machine the same code can measure half as fast from one minute to the next.

    python bench/run.py                 # everything
    python bench/run.py 1 3             # some targets only (1, 2, 3, 4, indicateurs)
"""

import argparse
import csv
import hashlib
import html
import importlib
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "content"
CORES = 2
CACHE = Path(tempfile.gettempdir()) / "cusdoc-bench"

# Targets: seconds, or the ratio to the bare converters for the first one.
RATIO_BUILD = 1.25
CHECK_SECONDS = 0.5
NO_CHANGE_SECONDS = 0.7
EXTRACTS_SECONDS = 40.0
EXTRACTS_CHANGED_SECONDS = 5.0

RUNS_BUILD, RUNS_CHECK, RUNS_NO_CHANGE = 3, 7, 5

# A fixed commit date: the deliverables' date, and the extracts' version, come from git.
COMMIT_DATE = "2025-01-15T10:00:00+01:00"


# --- Tools -----------------------------------------------------------------------------------


class BenchError(Exception):
    """The benchmark cannot run: a command failed, a file is missing."""


class NoAliases(yaml.SafeDumper):
    """cusdoc refuses YAML aliases: every repeated value is written out."""

    def ignore_aliases(self, data) -> bool:
        return True


def cusdoc_command() -> str:
    """The cusdoc of this Python environment (the one `make` installs in .venv)."""
    own = Path(sys.executable).parent / "cusdoc"
    found = str(own) if own.exists() else shutil.which("cusdoc")
    if not found:
        raise BenchError(
            "la commande cusdoc est introuvable : lancez make bench (ou pip install -e .)"
        )
    return found


def run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run a command; on failure, stop the benchmark with its output."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise BenchError(f"échec de « {' '.join(command)} » (code {result.returncode}) :\n{output}")
    return result


def cusdoc(project: Path, *arguments: str) -> subprocess.CompletedProcess:
    return run([cusdoc_command(), "-C", str(project), *arguments], cwd=project)


def seconds_of(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_of(runs: int, action: Callable[[], object]) -> float:
    """Median wall time of the action over several runs."""
    return statistics.median(seconds_of(action) for _ in range(runs))


def package_dir() -> Path:
    """The installed cusdoc package's folder, found without importing it."""
    spec = importlib.util.find_spec("cusdoc")
    if spec is None or not spec.origin:
        raise BenchError("le paquet cusdoc n'est pas installé dans cet environnement")
    return Path(spec.origin).parent


def templates_dir() -> Path:
    """cusdoc.TEMPLATES: the templates shipped inside the package."""
    result = run([sys.executable, "-c", "import cusdoc; print(cusdoc.TEMPLATES)"])
    templates = Path(result.stdout.strip())
    if not (templates / "reference.docx").is_file():
        raise BenchError(f"modèles introuvables : pas de reference.docx dans {templates}")
    return templates


def geography_dir() -> Path:
    """The folder of the official geography files (communes.csv…) shipped with cusdoc."""
    for folder in (package_dir() / "data", REPO / "cusdoc" / "data"):
        if (folder / "communes.csv").is_file():
            return folder
    found = sorted(package_dir().rglob("communes.csv"))
    if not found:
        raise BenchError("géographie officielle introuvable (communes.csv) dans le paquet cusdoc")
    return found[0].parent


def synthetic_module():
    """The seeded data generator of the tests."""
    sys.path.insert(0, str(REPO))
    return importlib.import_module("tests.synthetic")


def git_commit(project: Path) -> None:
    """Make the project a git repository with one commit, as a writer's project is: the date
    stamped in the documents is then the commit's, not the date of the last edited file."""
    if not shutil.which("git"):
        os.environ.setdefault("SOURCE_DATE_EPOCH", "1736931600")
        return
    (project / ".gitignore").write_text("build/\n", encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_DATE": COMMIT_DATE, "GIT_COMMITTER_DATE": COMMIT_DATE}
    identity = ["-c", "user.name=cusdoc bench", "-c", "user.email=bench@cusdoc.invalid"]
    for command in (
        ["init", "--quiet"],
        ["add", "--all"],
        [*identity, "commit", "--quiet", "--no-gpg-sign", "-m", "Projet de mesure"],
    ):
        subprocess.run(["git", "-C", str(project), *command], env=env, check=True)


def example_project(root: Path) -> Path:
    """A copy of the example (content/ only: the templates are cusdoc's), under git."""
    project = root / "exemple"
    shutil.copytree(EXAMPLE, project / "content")
    git_commit(project)
    return project


def clean_build(project: Path) -> None:
    """From scratch: no deliverable, no cache (build/.cache is inside build/)."""
    shutil.rmtree(project / "build", ignore_errors=True)


def decimal(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def verdict(ok: bool) -> str:
    return "ok" if ok else "TROP LENT"


# --- 1. Build against the bare converters ----------------------------------------------------

# pandoc → Typst → PDF: pandoc's own Typst writer and template, then the typst package with the
# fonts cusdoc ships, in a process of its own. cusdoc writes its Typst itself (export/typst.py):
# the bare converters are pandoc and Typst with their defaults, nothing of cusdoc's.
TYPST_SCRIPT = """
import subprocess, sys
import typst
pandoc, markdown, templates, target = sys.argv[1:]
source = subprocess.run(
    [pandoc, "--from=markdown", "--to=typst", "--standalone", "--wrap=none", markdown],
    check=True, capture_output=True,
).stdout
pdf = typst.compile(source, font_paths=[f"{templates}/fonts"], ignore_system_fonts=True)
open(target, "wb").write(pdf)
"""


def bare_converters(markdown: Path, templates: Path, out: Path) -> float:
    """Wall time of pandoc → DOCX and pandoc → Typst → PDF, side by side as cusdoc runs them."""
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    docx = [
        pandoc,
        "--from=markdown",
        "--to=docx",
        f"--reference-doc={templates / 'reference.docx'}",
        "--toc",
        "--toc-depth=2",
        f"--output={out / 'nu.docx'}",
        str(markdown),
    ]
    pdf = [sys.executable, "-c", TYPST_SCRIPT, pandoc, str(markdown), str(templates)]
    pdf.append(str(out / "nu.pdf"))
    start = time.perf_counter()
    processes = [subprocess.Popen(c, cwd=out, stderr=subprocess.PIPE) for c in (docx, pdf)]
    errors = [(p.args, p.communicate()[1], p.returncode) for p in processes]
    seconds = time.perf_counter() - start
    for command, stderr, code in errors:
        if code != 0:
            raise BenchError(
                f"échec du convertisseur « {command[0]} » (code {code}) :\n"
                f"{stderr.decode(errors='replace').strip()}"
            )
    return seconds


def target_build(root: Path) -> list[tuple[str, bool]]:
    project = example_project(root)
    templates = templates_dir()
    clean_build(project)
    cusdoc(project, "build", "--format", "md")
    markdown = root / "convention.md"
    shutil.copyfile(project / "build" / "convention.md", markdown)
    build_times, bare_times = [], []
    for _ in range(RUNS_BUILD):  # interleaved: both sides see the same machine load
        clean_build(project)
        build_times.append(seconds_of(lambda: cusdoc(project, "build")))
        produced = {p.name for p in (project / "build").iterdir()}
        missing = {"convention.docx", "convention.pdf", "indicateurs.xlsx"} - produced
        if missing:
            raise BenchError(f"cusdoc build n'a pas produit {', '.join(sorted(missing))}")
        bare_times.append(bare_converters(markdown, templates, root))
    build, bare = statistics.median(build_times), statistics.median(bare_times)
    ratio = build / bare
    ok = ratio <= RATIO_BUILD
    print(
        f"1. cusdoc build DOCX + PDF + XLSX (exemple, à partir de rien) : {decimal(build)} s, "
        f"convertisseurs seuls (pandoc → DOCX ∥ pandoc → Typst → PDF) : {decimal(bare)} s, "
        f"rapport {decimal(ratio)} (médianes de {RUNS_BUILD} essais ; "
        f"cible ≤ {decimal(RATIO_BUILD)}) {verdict(ok)}",
        flush=True,
    )
    return [("1", ok)]


# --- 2. Check, 3. Build with nothing changed -------------------------------------------------


def target_check(root: Path) -> list[tuple[str, bool]]:
    project = example_project(root)
    seconds = median_of(RUNS_CHECK, lambda: cusdoc(project, "check"))
    ok = seconds <= CHECK_SECONDS
    print(
        f"2. cusdoc check (exemple) : {decimal(seconds)} s (médiane de {RUNS_CHECK} essais ; "
        f"cible ≤ {decimal(CHECK_SECONDS, 1)} s) {verdict(ok)}",
        flush=True,
    )
    return [("2", ok)]


def target_no_change(root: Path) -> list[tuple[str, bool]]:
    project = example_project(root)
    clean_build(project)
    cusdoc(project, "build")
    seconds = median_of(RUNS_NO_CHANGE, lambda: cusdoc(project, "build"))
    ok = seconds <= NO_CHANGE_SECONDS
    print(
        f"3. cusdoc build sans modification depuis le précédent (exemple) : {decimal(seconds)} s "
        f"(médiane de {RUNS_NO_CHANGE} essais ; cible ≤ {decimal(NO_CHANGE_SECONDS, 1)} s) "
        f"{verdict(ok)}",
        flush=True,
    )
    return [("3", ok)]


# --- 4. 100 partner extracts -----------------------------------------------------------------

YEARS = range(2025, 2031)
DATA_YEARS = (2021, 2022, 2023)  # attributions, as in the example; thresholds one year more
NEW_LOGEMENTS = 48_000  # with the example's 12 050: a group of 60 000 logements
SEED = 2026

# 18 départements added to the example's two (37, 41), and 75 of their EPCI added to its five:
# 100 partners. Their names are no common word of the example's text (« Loire », « Cher »,
# « Nord »…) nor their communes' (« Maisons » in Calvados and Eure-et-Loir, « Orléans » where the
# convention is signed): the leak check would rightly refuse them in the other partners'
# extracts. Nor is an EPCI named after its département (« Mayenne Communauté »).
DEPARTEMENTS = (
    "16",
    "17",
    "21",
    "22",
    "24",
    "29",
    "35",
    "44",
    "49",
    "56",
    "58",
    "61",
    "72",
    "79",
    "85",
    "86",
    "87",
    "89",
)
EPCI_COUNT = 75

EPCI_FORMS = {
    "CA ": "Communauté d'agglomération ",
    "CC ": "Communauté de communes ",
    "CU ": "Communauté urbaine ",
}

# The sentence edited in one partner's zoom, for the second measure.
EDITED = "géré par l'agence de proximité"
EDIT = "géré par l'agence de proximité, renforcée en 2025 d'une chargée de clientèle"
EDIT_MARK = "renforcée en 2025"  # as found in the extract, whatever its typography

CONTACT = {
    "nom": "Camille Morel",
    "fonction": "responsable des relations avec les collectivités",
    "courriel": "camille.morel@hls-habitat.fr",
}
PRESIDENTS = ("Hélène Girard", "Marc Lemoine", "Anne Fabre", "Pierre Vidal", "Julie Perret")


def read_csv(name: str) -> list[dict[str, str]]:
    with (geography_dir() / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def chosen_epci(communes: list[dict[str, str]]) -> dict[str, list[str]]:
    """EPCI lying wholly in one of DEPARTEMENTS, taken in turn from each département by SIREN
    order; département → its chosen EPCI."""
    departements_of: dict[str, set[str]] = {}
    for row in communes:
        if row["epci"]:
            departements_of.setdefault(row["epci"], set()).add(row["departement"])
    candidates = {
        d: sorted(e for e, deps in departements_of.items() if deps == {d}) for d in DEPARTEMENTS
    }
    chosen: dict[str, list[str]] = {d: [] for d in DEPARTEMENTS}
    count, rank = 0, 0
    while count < EPCI_COUNT:
        for d in DEPARTEMENTS:
            if rank < len(candidates[d]) and count < EPCI_COUNT:
                chosen[d].append(candidates[d][rank])
                count += 1
        rank += 1
    return chosen


def epci_title(nom: str) -> str:
    for short, long in EPCI_FORMS.items():
        if nom.startswith(short):
            return long + nom[len(short) :]
    return nom


def zoom(code: str, titre: str, departement: bool) -> dict:
    """A zoom of the état des lieux for a partner: text that names no other territory."""
    if departement:
        contenu = [
            "L'office est présent dans ce département depuis la reprise du patrimoine d'une "
            "société d'économie mixte ; son patrimoine y est " + EDITED + ", en lien étroit "
            "avec les services de l'État et du Département.",
            "Les besoins de rénovation concernent surtout des pavillons et de petits immeubles "
            "chauffés à l'électricité, dispersés ; la vacance y reste contenue et la demande se "
            "renouvelle, portée par le vieillissement des habitants des bourgs.",
        ]
    else:
        contenu = [
            "L'office possède sur le territoire de l'intercommunalité un patrimoine dispersé, "
            + EDITED
            + ". Les enjeux portent sur le maintien d'une offre locative dans les bourgs, "
            "l'adaptation des logements au vieillissement et l'amélioration de la performance "
            "énergétique du parc ancien.",
            "L'intercommunalité, associée à la présente convention, conduit sa politique de "
            "l'habitat dans le cadre de son programme local de l'habitat ; elle n'a pas, à la "
            "date de la présente convention, installé de conférence intercommunale du logement.",
        ]
    return {"id": f"edl-zoom-{code}", "titre": titre, "territoires": [code], "contenu": contenu}


def values(value) -> dict[int, float]:
    return {year: value for year in YEARS}


def dump(path: Path, data) -> None:
    text = yaml.dump(data, Dumper=NoAliases, allow_unicode=True, sort_keys=False, width=1_000_000)
    path.write_text(text, encoding="utf-8")


def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def make_partners_project(project: Path) -> tuple[int, str]:
    """The example with 100 partners; returns the number of partners and the EPCI whose zoom
    the second measure edits."""
    communes = read_csv("communes.csv")
    names = {row["code"]: row["nom"] for row in read_csv("departements.csv")}
    names |= {row["siren"]: epci_title(row["nom"]) for row in read_csv("epci.csv")}
    by_departement = chosen_epci(communes)
    content = project / "content"
    shutil.copytree(EXAMPLE, content)

    convention = load(content / "convention.yml")
    day = date(2025, 3, 20)
    for index, dep in enumerate(DEPARTEMENTS):
        convention["territoires"].append(
            {"code": dep, "statut": "signataire", "date_consultation": day, "contact": CONTACT}
        )
        convention["signataires"].append(
            {
                "partie": "département",
                "territoire": dep,
                "fonction": "La présidente du conseil départemental"
                if index % 2
                else "Le président du conseil départemental",
                "nom": PRESIDENTS[index % len(PRESIDENTS)],
            }
        )
        for epci in by_departement[dep]:
            convention["territoires"].append(
                {
                    "code": epci,
                    "statut": "associé",
                    "assujetti_ps1": "plh",
                    "date_consultation": day,
                    "contact": CONTACT,
                }
            )
    # The example names the river Indre; with Loire-Atlantique declared, « Indre » is also one of
    # its communes: the writer declares the phrase, as the leak check documents.
    convention["fuites"] = {"exceptions": ["vallée de l'Indre"]}
    dump(content / "convention.yml", convention)
    partners = len(convention["territoires"])

    etat = load(content / "etat_des_lieux.yml")
    zooms = next(s for s in etat["sections"] if s.get("id") == "edl-zooms")
    for dep in DEPARTEMENTS:
        zooms["sections"].append(zoom(dep, names[dep], True))
        zooms["sections"] += [zoom(e, names[e], False) for e in by_departement[dep]]
    dump(content / "etat_des_lieux.yml", etat)

    epci = [e for dep in DEPARTEMENTS for e in by_departement[dep]]
    stock = make_data(content / "donnees", communes, set(epci))
    engagements = load(content / "engagements.yml")
    rows = engagements["engagements"]
    for dep in DEPARTEMENTS:
        logements, fg = stock[dep]
        rows["PP-1"].append(
            {
                "territoire": dep,
                "reference": 10,
                "source_reference": "moyenne annuelle des agréments obtenus de 2021 à 2023",
                "valeurs": values(12),
                "ventilations": {"PLAI": values(4), "PLUS": values(6), "PLS": values(2)},
            }
        )
        # Targets within the stock: half the F and G over the period, 1 % rehabilitated a year.
        rows["PP-2"].append({"territoire": dep, "valeurs": values(fg // 12)})
        # References computed from the generated travaux.csv, as in the example.
        for ident, value in (("PP-3", logements // 100), ("PP-4", logements // 600)):
            rows[ident].append({"territoire": dep, "valeurs": values(value)})
        rows["PP-5"].append({"territoire": dep, "valeurs": values(20)})
        rows["PS-2"].append({"territoire": dep, "valeurs": values(28)})
        rows["SR-1"].append({"territoire": dep, "valeurs": values(3)})
        # The example has a logements-foyers volet: no foyer in the added départements.
        rows["PP-LF-1"].append({"territoire": dep, "valeurs": values(0)})
        rows["PP-LF-2"].append({"territoire": dep, "valeurs": values(0)})
        rows["PP-LF-3"].append({"territoire": dep, "valeurs": values(0)})
    rows["PS-1"] += [{"territoire": e, "valeurs": values(25)} for e in epci]
    # Generated targets may fall short of the generated data's references: they say why.
    for indicateur in rows.values():
        for row in indicateur:
            row.setdefault("justification", "objectif de la mesure de performance.")
    dump(content / "engagements.yml", engagements)
    git_commit(project)
    return partners, epci[-1]


def make_data(
    folder: Path, communes: list[dict[str, str]], epci: set[str]
) -> dict[str, tuple[int, int]]:
    """The example's data, and synthetic data in the communes of the added EPCI; returns the
    added départements' logements and logements classed F or G."""
    synthetic = synthetic_module()
    with tempfile.TemporaryDirectory() as tmp:
        added = Path(tmp)
        chosen = [synthetic.Commune(row["code"]) for row in communes if row["epci"] in epci]
        synthetic.generate(added, chosen, NEW_LOGEMENTS, DATA_YEARS, SEED)
        # The example has thresholds one year past its attributions: so do the added EPCI.
        seuils = added / "seuils_premier_quartile.csv"
        lines = seuils.read_text(encoding="utf-8").splitlines()
        last = str(DATA_YEARS[-1])
        lines += [
            f"{int(a) + 1};{e};{round(int(s) * 1.035)}"
            for a, e, s in (line.split(";") for line in lines[1:])
            if a == last
        ]
        seuils.write_text("\n".join(lines) + "\n", encoding="utf-8")
        for name in (
            "patrimoine.csv",
            "attributions.csv",
            "ensembles.csv",
            "travaux.csv",
            seuils.name,
        ):
            own = (folder / name).read_text(encoding="utf-8")
            header, *rows = (added / name).read_text(encoding="utf-8").splitlines()
            if own.splitlines()[0] != header:
                raise BenchError(f"{name} : les colonnes du générateur diffèrent de l'exemple")
            (folder / name).write_text(own.rstrip("\n") + "\n" + "\n".join(rows) + "\n", "utf-8")
        departement = {row["code"]: row["departement"] for row in communes}
        stock = {d: [0, 0] for d in DEPARTEMENTS}
        with (added / "patrimoine.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter=";"):
                counts = stock[departement[row["DEPCOM"]]]
                counts[0] += 1
                counts[1] += row["DPEENERGIE"] in ("F", "G")
    return {d: (n, fg) for d, (n, fg) in stock.items()}


def cache_key() -> str:
    """What the generated project depends on: this file, the example, the generator."""
    digest = hashlib.sha256()
    sources = [Path(__file__), *sorted(EXAMPLE.rglob("*"))]
    sources += [REPO / "tests" / "synthetic.py", package_dir() / "synthetic.py"]
    sources += [geography_dir() / name for name in ("communes.csv", "departements.csv", "epci.csv")]
    for path in sources:
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def partners_project() -> tuple[Path, int, str]:
    """The generated project, from the cache if it is there and checks; else made again."""
    folder = CACHE / f"partenaires-{cache_key()}"
    done = folder / "fait.txt"
    if done.is_file():
        partners, edited = done.read_text(encoding="utf-8").split()
        try:  # still valid for this version of cusdoc's checks
            cusdoc(folder / "projet", "check")
            return folder / "projet", int(partners), edited
        except BenchError:
            pass
    for stale in CACHE.glob("partenaires-*"):  # made by another version of the bench
        shutil.rmtree(stale, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    partners, edited = make_partners_project(folder / "projet")
    try:
        cusdoc(folder / "projet", "check")
    except BenchError as e:
        raise BenchError(f"le projet de {partners} partenaires généré est refusé :\n{e}") from e
    done.write_text(f"{partners} {edited}\n", encoding="utf-8")
    print(
        f"   (projet de {partners} partenaires généré et vérifié en "
        f"{decimal(time.perf_counter() - start, 1)} s, non mesuré : {folder / 'projet'})",
        flush=True,
    )
    return folder / "projet", partners, edited


def edit_zoom(project: Path, code: str) -> None:
    """A writer edits one sentence of one partner's zoom, as in an editor: one line changes."""
    path = project / "content" / "etat_des_lieux.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"id: edl-zoom-{code}\n")
    at = text.index(EDITED, start)
    path.write_text(text[:at] + EDIT + text[at + len(EDITED) :], encoding="utf-8")


def docx_text(path: Path) -> str:
    """The text of a DOCX's body, runs joined."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


def target_extracts(root: Path) -> list[tuple[str, bool]]:
    pristine, partners, edited = partners_project()
    project = root / "partenaires"
    shutil.copytree(pristine, project, symlinks=True)
    try:
        cusdoc(project, "check")  # the rules may have changed since the project was cached
    except BenchError as e:
        raise BenchError(f"le projet de {partners} partenaires est refusé :\n{e}") from e
    clean_build(project)
    result = None

    def extracts():
        nonlocal result
        result = cusdoc(project, "extrait", "--tous")

    seconds = seconds_of(extracts)
    files = len(list((project / "build" / "extraits").glob("*.*")))
    if files != 2 * partners:
        raise BenchError(f"{files} fichiers produits pour {partners} extraits :\n{result.stdout}")
    ok = seconds <= EXTRACTS_SECONDS
    print(
        f"4. {partners} extraits de partenaires (DOCX + PDF, {files} fichiers, à partir de rien, "
        f"sur {CORES} cœurs) : {decimal(seconds, 1)} s (cible ≤ {decimal(EXTRACTS_SECONDS, 0)} s)"
        f" {verdict(ok)}",
        flush=True,
    )
    edit_zoom(project, edited)
    changed = seconds_of(extracts)
    produced = (project / "build" / "extraits").glob(f"{edited}-*.docx")
    if not any(EDIT_MARK in docx_text(p) for p in produced):
        raise BenchError(f"l'extrait de {edited} ne contient pas la modification de son zoom")
    changed_ok = changed <= EXTRACTS_CHANGED_SECONDS
    print(
        f"   les mêmes extraits après modification du zoom d'un partenaire (EPCI {edited}) : "
        f"{decimal(changed, 1)} s (cible ≤ {decimal(EXTRACTS_CHANGED_SECONDS, 0)} s) "
        f"{verdict(changed_ok)}",
        flush=True,
    )
    return [("4", ok), ("4 après modification", changed_ok)]


# --- Data stage at scale ---------------------------------------------------------------------


def target_data(root: Path) -> list[tuple[str, bool]]:
    print("Étape des données (bench/indicateurs.py) :", flush=True)
    code = subprocess.run([sys.executable, str(REPO / "bench" / "indicateurs.py")]).returncode
    return [("indicateurs", code == 0)]


# --- Main ------------------------------------------------------------------------------------

TARGETS = {
    "1": target_build,
    "2": target_check,
    "3": target_no_change,
    "4": target_extracts,
    "indicateurs": target_data,
}


def pin_cores() -> list[int]:
    """Run on CORES cores at most (the targets' machine): this process and its children."""
    if not hasattr(os, "sched_setaffinity"):
        return list(range(os.cpu_count() or 1))
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) > CORES:
        cpus = cpus[:CORES]
        os.sched_setaffinity(0, cpus)
    return cpus


def load_average() -> str:
    """The machine's load over the last minute: other work slows the measures down."""
    return decimal(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else "inconnue"


# A fixed pure-Python loop: the same code measures slower on a slower or busier machine, by about
# as much, so that figures taken at different moments can be compared.
REFERENCE_LOOP = "sum(range(30_000_000))"


def machine_speed() -> str:
    """Seconds of the reference loop in a fresh interpreter, median of 3."""
    return decimal(median_of(3, lambda: run([sys.executable, "-c", REFERENCE_LOOP])))


def main() -> int:
    parser = argparse.ArgumentParser(description="Mesure les cibles de performance de cusdoc.")
    parser.add_argument(
        "cibles", nargs="*", help="cibles à mesurer (toutes par défaut) : 1, 2, 3, 4, indicateurs"
    )
    chosen = parser.parse_args().cibles or list(TARGETS)
    unknown = [c for c in chosen if c not in TARGETS]
    if unknown:
        parser.error(f"cible inconnue : {', '.join(unknown)} (possibles : {', '.join(TARGETS)})")
    cpus = pin_cores()
    print(
        f"cusdoc : {cusdoc_command()} ; mesures sur {len(cpus)} cœur(s) "
        f"(processeurs {', '.join(map(str, cpus))}) ; charge de la machine : {load_average()} ; "
        f"boucle de référence ({REFERENCE_LOOP}) : {machine_speed()} s",
        flush=True,
    )
    if len(cpus) < CORES:
        print(f"Attention : les cibles supposent {CORES} cœurs.", flush=True)
    results = []
    try:
        for name in TARGETS:
            if name in chosen:
                with tempfile.TemporaryDirectory(prefix="cusdoc-bench-") as tmp:
                    results += TARGETS[name](Path(tmp))
    except BenchError as e:
        print(f"Mesure impossible : {e}", file=sys.stderr)
        return 2
    missed = [name for name, ok in results if not ok]
    print(
        f"Cibles atteintes : {len(results) - len(missed)} sur {len(results)}"
        + (f" ; manquées : {', '.join(missed)}" if missed else "")
        + f" (charge de la machine à la fin : {load_average()} ; au-delà de {CORES}, d'autres "
        f"travaux ralentissent les mesures ; boucle de référence : {machine_speed()} s)"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
