"""The installable package: the wheel holds every file cusdoc reads, and works installed as is.

The slow tests build the wheel, install it (not editable) in a new virtual environment and run
cusdoc there, from a folder outside this repository. The dependencies are not downloaded again:
the new environment sees those of the current one through a .pth file, which does not run the
editable install's hook, so `import cusdoc` can only find the installed wheel.
"""

import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from cusdoc import PACKAGE, __version__
from tests.conftest import REPO

RUNTIME_FOLDERS = ("data", "templates", "skeleton")
IDENTITY = {"Nom de l'organisme": "Habitat Loire et Sologne", '"000000000"': '"273700005"'}


def runtime_files() -> set[str]:
    """Every file under cusdoc/{data,templates,skeleton}, relative to the package."""
    return {
        p.relative_to(PACKAGE).as_posix()
        for folder in RUNTIME_FOLDERS
        for p in (PACKAGE / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_package_data_names_every_runtime_file():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["cusdoc"]
    matched = {
        Path(path).relative_to(PACKAGE).as_posix()
        for pattern in patterns
        for path in glob.glob(str(PACKAGE / pattern), recursive=True)
        if Path(path).is_file()
    }
    assert runtime_files() <= matched
    expected = {
        "templates/fonts/LICENSE-OFL.txt",
        "templates/reference.docx",
        "templates/typst/convention.typ",
        "templates/chapitres/generique.md.j2",
        "skeleton/gitignore",
        "skeleton/pre-commit-config.yaml",
        "skeleton/ci/github.yml",
        "skeleton/content/donnees/patrimoine.csv",
        "data/communes.csv",
    }
    assert expected <= runtime_files()


def run(args: list, cwd: Path, env: dict | None = None, check: bool = True):
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} :\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built by pip from a copy of the sources (the checkout stays untouched)."""
    root = tmp_path_factory.mktemp("paquet")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(PACKAGE, source / "cusdoc", ignore=ignore)
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--retries", "1", "--timeout", "15"]
    result = run([*pip, "--wheel-dir", root / "roues", source], root, check=False)
    if result.returncode != 0:
        if "setuptools" in result.stderr and "No matching distribution" in result.stderr:
            pytest.skip("pip cannot get the build backend (setuptools): no package index here")
        pytest.fail(f"pip wheel :\n{result.stdout}\n{result.stderr}")
    [built] = (root / "roues").glob("cusdoc-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_holds_every_runtime_file(wheel):
    assert wheel.name == f"cusdoc-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = {n.removeprefix("cusdoc/") for n in archive.namelist() if n.startswith("cusdoc/")}
    assert runtime_files() <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict]:
    """A new virtual environment with the wheel installed in it; its bin/ and environment."""
    venv = tmp_path_factory.mktemp("environnement") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], venv.parent)
    python = venv / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], venv)
    dependencies = dict.fromkeys(sysconfig.get_path(k) for k in ("purelib", "platlib"))
    Path(purelib.stdout.strip(), "dependances.pth").write_text("\n".join(dependencies) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    pip = [python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed"]
    run([*pip, "--quiet", "--no-compile", wheel], venv.parent, env)
    found = run([python, "-c", "import cusdoc; print(cusdoc.PACKAGE)"], venv.parent, env)
    assert Path(found.stdout.strip()).is_relative_to(venv), found.stdout
    return venv / "bin", env


@pytest.mark.slow
def test_the_installed_wheel_inits_checks_and_builds_a_convention(installed, tmp_path):
    bin_, env = installed
    cusdoc = bin_ / "cusdoc"
    assert run([cusdoc, "--version"], tmp_path, env).stdout == f"cusdoc {__version__}\n"
    run([cusdoc, "init", "convention"], tmp_path, env)
    target = tmp_path / "convention"
    makefile = (target / "Makefile").read_text(encoding="utf-8")
    assert f"CUSDOC ?= cusdoc=={__version__}" in makefile and str(REPO) not in makefile

    result = run([cusdoc, "check"], target, env, check=False)
    assert result.returncode == 1
    problems = result.stderr.splitlines()
    assert problems[-1] == "2 problèmes à corriger dans le contenu."
    assert [line.split(": ", 1)[1].split(" : ")[0] for line in problems[:-1]] == [
        "organisme.raison_sociale",
        "organisme.siren",
    ]

    path = target / "content" / "convention.yml"
    text = path.read_text(encoding="utf-8")
    for example, real in IDENTITY.items():
        text = text.replace(example, real)
    path.write_text(text, encoding="utf-8")
    assert yaml.safe_load(text)["organisme"]["siren"] == "273700005"
    assert run([cusdoc, "check"], target, env).stdout.startswith("Contenu valide")
    run([cusdoc, "build", "--format", "docx,pdf"], target, env)
    assert (target / "build" / "convention.docx").stat().st_size > 0
    assert (target / "build" / "convention.pdf").read_bytes().startswith(b"%PDF")

    # The project cusdoc init made is a repository: two commits, then the tracked changes.
    identity = ["-c", "user.name=Camille Rédaction", "-c", "user.email=c@exemple.fr"]
    run(["git", "add", "-A"], target, env)
    run(["git", *identity, "commit", "-qm", "Identité de l'organisme"], target, env)
    raison = yaml.safe_load(text)["organisme"]["raison_sociale"]
    path.write_text(text.replace(raison, f"{raison} Habitat"), encoding="utf-8")
    run(["git", *identity, "commit", "-qam", "Nouvelle raison sociale"], target, env)
    run([cusdoc, "suivi", "HEAD~1", "HEAD"], target, env)
    with zipfile.ZipFile(target / "build" / "suivi-des-modifications.docx") as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert "<w:ins " in body and "<w:del " in body and "Habitat" in body
