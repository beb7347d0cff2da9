"""cusdoc init: a git repository that depends on no path of this machine, flagged until renamed."""

import errno
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cusdoc import SKELETON, __version__
from cusdoc.cli import main
from cusdoc.errors import ContentError
from cusdoc.pipeline import build, check
from cusdoc.scaffold import init_project
from tests.conftest import REPO, project_with

IDENTITY = {"raison_sociale": "Habitat Loire et Sologne", "siren": "273700005"}
GIT_IDENTITY_VARIABLES = (
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "EMAIL",
)


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True)
    return result.stdout.decode().strip()


@pytest.fixture
def git_identity(tmp_path, monkeypatch):
    """git reads only the global configuration this test writes (none, or one identity)."""

    def configure(name: str | None = None, email: str | None = None) -> None:
        config = tmp_path / "gitconfig"
        lines = ["[user]", f"\tname = {name}", f"\temail = {email}"] if name else []
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
        monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for variable in GIT_IDENTITY_VARIABLES:
            monkeypatch.delenv(variable, raising=False)

    return configure


def init(target: Path):
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    return result


def set_identity(target: Path, **values: str) -> None:
    """Replace the skeleton's example raison sociale and SIREN in content/convention.yml."""
    path = target / "content" / "convention.yml"
    text = path.read_text(encoding="utf-8")
    skeleton = yaml.safe_load(text)["organisme"]
    for key, value in (IDENTITY | values).items():
        old = f'"{skeleton[key]}"' if key == "siren" else skeleton[key]
        new = f'"{value}"' if key == "siren" else value
        assert text.count(f"{key}: {old}") == 1
        text = text.replace(f"{key}: {old}", f"{key}: {new}")
    path.write_text(text, encoding="utf-8")


def test_init_makes_a_repository_with_one_commit_and_a_clean_status(tmp_path, git_identity):
    git_identity("Camille Rédaction", "camille@exemple.fr")
    target = tmp_path / "convention"
    result = init(target)
    commit = git(target, "rev-parse", "--short", "HEAD")
    assert result.stdout.splitlines()[0] == (
        f"Dépôt git créé : {target} (branche main), premier commit {commit} de "
        "Camille Rédaction <camille@exemple.fr>."
    )
    assert "identité git" not in result.stdout
    assert git(target, "rev-list", "--count", "HEAD") == "1"
    assert git(target, "branch", "--show-current") == "main"
    assert git(target, "status", "--porcelain", "--untracked-files=all") == ""
    committed = set(git(target, "ls-files").splitlines())
    written = {
        p.relative_to(target).as_posix()
        for p in target.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(target).parts
    }
    assert committed == written
    assert {"Makefile", ".gitignore", ".vscode/settings.json", "content/convention.yml"} <= written
    # only that commit bears the fallback identity: the repository keeps none of its own
    with pytest.raises(subprocess.CalledProcessError):
        git(target, "config", "--local", "user.name")


def test_without_git_identity_the_first_commit_is_cusdoc(tmp_path, git_identity):
    git_identity()
    target = tmp_path / "convention"
    result = init(target)
    assert git(target, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == (
        "cusdoc <cusdoc@localhost>|cusdoc <cusdoc@localhost>"
    )
    assert "Aucune identité git n'est configurée" in result.stdout
    with pytest.raises(subprocess.CalledProcessError):
        git(target, "config", "user.name")  # the fallback was for that commit only


def test_without_git_the_files_are_written_and_the_error_says_what_to_do(
    tmp_path, monkeypatch, git_identity
):
    git_identity()
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    target = tmp_path / "convention"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 1
    assert "mais le dépôt git n'a pas pu être créé" in result.stderr
    assert "git init" in result.stderr and "Traceback" not in result.output
    assert (target / "content" / "convention.yml").is_file()


def test_the_makefile_and_the_ci_install_cusdoc_by_version(tmp_path):
    target = tmp_path / "convention"
    written = {p.relative_to(target).as_posix() for p in init_project(target)}
    assert {
        "Makefile",
        ".gitignore",
        ".pre-commit-config.yaml",
        ".gitlab-ci.yml",
        ".github/workflows/convention.yml",
        ".vscode/settings.json",
        "content/convention.yml",
        "content/donnees/patrimoine.csv",
        "schemas/convention.schema.json",
    } <= written
    makefile = (target / "Makefile").read_text(encoding="utf-8")
    assert f"CUSDOC ?= cusdoc=={__version__}\n" in makefile
    assert "pip install --quiet '$(CUSDOC)'" in makefile
    assert "{cusdoc_version}" not in makefile and "-e " not in makefile
    github = yaml.safe_load((target / ".github/workflows/convention.yml").read_text("utf-8"))
    runs = [str(s["run"]) for s in github["jobs"]["convention"]["steps"] if "run" in s]
    assert runs[0] == "make check-ci"  # the Makefile installs cusdoc before it is used
    gitlab = yaml.safe_load((target / ".gitlab-ci.yml").read_text("utf-8"))
    assert gitlab["verification"]["script"][0] == "make check"
    assert gitlab["production"]["script"][0] == "make convention extraits"
    for ci in (".github/workflows/convention.yml", ".gitlab-ci.yml"):
        assert "pip install" not in (target / ci).read_text(encoding="utf-8")


def test_nothing_written_names_a_path_of_this_machine(tmp_path):
    target = tmp_path / "convention"
    init(target)
    machine = {str(REPO), str(REPO.parent), "/work", str(target), str(tmp_path)}
    if len(str(Path.home())) > 1:
        machine.add(str(Path.home()))
    # a whole path: /work, not the start of .github/workflows
    patterns = {m: re.compile(re.escape(m) + r"(?![\w.-])") for m in machine}
    for path in target.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(target).parts:
            text = path.read_bytes().decode("utf-8")
            found = [m for m, pattern in patterns.items() if pattern.search(text)]
            assert found == [], f"{path.relative_to(target)} contient {found}"


def test_editor_settings_map_exactly_the_chapter_files_created(tmp_path):
    target = tmp_path / "convention"
    init_project(target)
    settings = json.loads((target / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    chapters = yaml.safe_load((target / "content" / "convention.yml").read_text("utf-8"))
    created = {p.stem for p in (target / "content").glob("*.yml")}
    assert created == {"convention", *chapters["chapitres"]}
    # the files after the signature, which the skeleton has not, are mapped all the same
    assert mapping["./schemas/realise.schema.json"] == ["/content/realise.yml"]
    assert mapping["./schemas/bilan.schema.json"] == ["/content/bilans/*.yml"]
    mapped = [f for schema, files in mapping.items() for f in files if "bilan" not in schema]
    mapped.remove("/content/realise.yml")
    assert sorted(mapped) == sorted(f"/content/{name}.yml" for name in created)
    for schema in mapping:
        assert (target / schema).is_file()
    special = {"convention", "orientations", "engagements", "classement"}
    for name in special:
        assert mapping[f"./schemas/{name}.schema.json"] == [f"/content/{name}.yml"]
    assert mapping["./schemas/chapitre.schema.json"] == sorted(
        f"/content/{name}.yml" for name in created - special
    )


def placeholder_problems(target: Path) -> list[str]:
    """The two problems a fresh skeleton has, where they are in content/convention.yml."""
    lines = (target / "content" / "convention.yml").read_text(encoding="utf-8").splitlines()
    skeleton = yaml.safe_load((SKELETON / "content" / "convention.yml").read_text("utf-8"))
    expected = []
    for key, name in (("raison_sociale", "la raison sociale"), ("siren", "le SIREN")):
        value = skeleton["organisme"][key]
        line = next(i for i, text in enumerate(lines, 1) if text.startswith(f"  {key}: "))
        column = len(f"  {key}: ") + 1
        expected.append(
            f"content/convention.yml:{line}:{column}: organisme.{key} : « {value} » est la "
            f"valeur d'exemple du modèle cusdoc init : remplacez-la par {name} de l'organisme"
        )
    return expected


def test_a_fresh_skeleton_fails_the_check_with_its_placeholder_identity_only(tmp_path):
    target = tmp_path / "convention"
    init(target)
    result = CliRunner().invoke(main, ["-C", str(target), "check"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        *placeholder_problems(target),
        "2 problèmes à corriger dans le contenu.",
    ]


def test_the_placeholder_siren_alone_is_flagged_in_any_project(tmp_path):
    root = project_with("minimal", tmp_path)
    path = root / "content" / "convention.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('siren: "273700005"', 'siren: "000000000"'), "utf-8")
    with pytest.raises(ContentError) as error:
        check(root)
    [problem] = error.value.problems
    assert (problem.file, problem.path) == ("content/convention.yml", "organisme.siren")
    assert problem.message.startswith("« 000000000 » est la valeur d'exemple du modèle cusdoc")
    line = text.splitlines()[problem.line - 1]
    assert line[problem.column - 1 :] == '"273700005"'


def test_the_skeleton_with_a_real_identity_passes_and_builds(tmp_path, monkeypatch):
    target = tmp_path / "nouvelle"
    init(target)
    set_identity(target)
    assert check(target).summary.startswith("Contenu valide")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    built = build(target, ("docx", "pdf"))
    assert {p.name for p in built} >= {"convention.docx", "convention.pdf"}
    assert all(p.stat().st_size > 0 for p in built)


def test_init_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("à garder", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1 and "n'est pas vide" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_init_under_a_file_is_a_french_error(tmp_path):
    (tmp_path / "fichier").write_text("", encoding="utf-8")
    target = tmp_path / "fichier" / "convention"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"impossible de créer le dépôt dans {target} : "
        "un élément du chemin est un fichier, pas un dossier\n"
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_init_into_an_unwritable_folder_is_a_french_error(tmp_path):
    locked = tmp_path / "verrouille"
    locked.mkdir(mode=0o500)
    try:
        result = CliRunner().invoke(main, ["init", str(locked / "convention")])
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 1
    assert "permission refusée" in result.stderr and "Traceback" not in result.output
    assert list(locked.iterdir()) == []


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, monkeypatch):
    import cusdoc.scaffold

    def full_disk(source, destination, **options):
        Path(destination).mkdir()
        (Path(destination) / "convention.yml").write_text("début", encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(destination))

    monkeypatch.setattr(cusdoc.scaffold.shutil, "copytree", full_disk)
    empty = tmp_path / "vide"
    empty.mkdir()
    for target in (tmp_path / "nouveau", empty):
        result = CliRunner().invoke(main, ["init", str(target)])
        assert result.exit_code == 1
        assert result.stderr == (
            f"impossible de créer le dépôt dans {target} : plus de place sur le disque "
            f"({target / 'content'})\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vide"]
    assert list(empty.iterdir()) == []
