import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cusdoc import cli_fr, pipeline
from cusdoc.cli import main
from tests.conftest import EPOCH, PROJETS, copy_project


def test_build_markdown_only(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = copy_project(PROJETS / "minimal", tmp_path)
    result = CliRunner().invoke(main, ["-C", str(root), "build", "--format", "md"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Produit : {root / 'build' / 'convention.md'}\n"
    assert not (root / "build" / "convention.docx").exists()


def test_unknown_format_is_refused_in_french(tmp_path):
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "build", "--format", "odt"])
    assert result.exit_code == 2
    assert "formats possibles : docx, pdf, xlsx, md" in result.stderr
    assert "trouvé « odt »" in result.stderr


def _click_messages() -> set[str]:
    """Every message click's modules pass through gettext, read from their source."""
    found = set()
    for module in cli_fr.MODULES:
        source = Path(module.__file__).read_text(encoding="utf-8")
        for call in re.finditer(r"\b_\(\s*((?:\"[^\"\n]*\"\s*)+)\)", source):
            found.add("".join(re.findall(r'"([^"]*)"', call[1])))
        plural = r"ngettext\(\s*((?:\"[^\"\n]*\"\s*)+),\s*((?:\"[^\"\n]*\"\s*)+),"
        for call in re.finditer(plural, source):
            for form in call.groups():
                found.add("".join(re.findall(r'"([^"]*)"', form)))
    return {message.encode().decode("unicode_escape") for message in found}


def test_every_message_of_click_has_its_french():
    messages = _click_messages()
    assert "Option {name!r} requires an argument." in messages  # the source was read
    assert messages - set(cli_fr.FRENCH) - cli_fr.DEVELOPER_ONLY == set()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["bilan", "--annee", "abc"], "« abc » n'est pas un nombre valide."),
        (["avenant", "--numero", "0"], "0 est hors des valeurs permises (x>=1)."),
        (["extrait", "--partenaire"], "L'option --partenaire attend une valeur."),
        (["check", "en-trop"], "Argument en trop : en-trop."),
    ],
)
def test_a_mistyped_command_is_answered_in_french(tmp_path, arguments, message):
    result = CliRunner().invoke(main, ["-C", str(tmp_path), *arguments])
    assert result.exit_code == 2
    assert result.stderr.rstrip().endswith(message), result.stderr


@pytest.mark.parametrize(
    ("raised", "message", "status"),
    [
        (
            PermissionError(errno.EACCES, "Permission denied", "content/donnees/ensembles.csv"),
            "accès impossible à content/donnees/ensembles.csv (permission refusée) : vérifiez "
            "ses droits de lecture et d'écriture, puis relancez la commande",
            1,
        ),
        (RuntimeError("Query interrupted"), "Interrompu.", 1),
    ],
)
def test_a_file_the_system_refuses_or_a_stopped_query_ends_in_french(
    tmp_path, monkeypatch, raised, message, status
):
    """The net under the stages: what they cannot foresee still ends without a traceback."""
    root = copy_project(PROJETS / "minimal", tmp_path)

    def refused(root):
        raise raised

    monkeypatch.setattr(pipeline, "load_data", refused)
    result = CliRunner().invoke(main, ["-C", str(root), "check"])
    assert (result.exit_code, result.stderr.strip()) == (status, message)
    assert not isinstance(result.exception, type(raised))


def test_help_is_in_french_with_examples():
    runner = CliRunner()
    top = runner.invoke(main, ["--aide"])
    assert "la convention d'utilité sociale" in top.stdout
    assert "Vérifie le contenu sans rien produire" in top.stdout
    for command in ("check", "build"):
        help_text = runner.invoke(main, [command, "--help"]).stdout
        assert f"Exemple : cusdoc {command}" in help_text


# The command as a process (`python -m cusdoc`, the same `run` as the `cusdoc` script): it ends
# with os._exit once everything is done, so its status and its last words are checked here.


def _process(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cusdoc", *args],
        capture_output=True,
        text=True,
        # buffered as in a pipe of CI: what is not flushed before os._exit would be lost
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        | {"SOURCE_DATE_EPOCH": EPOCH},
        check=False,
    )


def test_the_process_says_everything_and_answers_zero(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    done = _process("-C", str(root), "build", "--format", "md")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Produit : {root / 'build' / 'convention.md'}\n"
    assert (root / "build" / "convention.md").read_text(encoding="utf-8").startswith("---")


def test_the_process_answers_the_commands_status(tmp_path):
    root = copy_project(PROJETS / "minimal", tmp_path)
    (root / "content" / "convention.yml").write_text("organisme: [\n", encoding="utf-8")
    refused = _process("-C", str(root), "check")
    assert refused.returncode == 1
    assert refused.stderr.startswith("content/convention.yml:")
    assert "Traceback" not in refused.stderr
    usage = _process("-C", str(root), "build", "--format", "odt")
    assert usage.returncode == 2
    assert "trouvé « odt »" in usage.stderr


def test_a_crash_is_not_answered_as_success():
    crash = subprocess.run(
        [
            sys.executable,
            "-c",
            "import cusdoc.cli\n"
            "def broken():\n"
            "    raise RuntimeError('en panne')\n"
            "cusdoc.cli.main = broken\n"
            "from cusdoc.__main__ import run\n"
            "run()\n",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert crash.returncode == 1
    assert "RuntimeError: en panne" in crash.stderr


@pytest.mark.slow
def test_the_extract_workers_end_without_a_word(tmp_path):
    """Two extracts: converted by two worker processes, which warm up, freeze what they made
    (extracts/pool.py) and end with every object freed: nothing on stderr."""
    root = copy_project(PROJETS / "minimal", tmp_path)
    done = _process("-C", str(root), "extrait", "--tous")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert len(list((root / "build" / "extraits").glob("*.pdf"))) == 2


def test_schema_writes_into_the_project_given_by_c(tmp_path, monkeypatch):
    """A relative folder is the project's, as for every other command run with -C."""
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    project = tmp_path / "projet"
    project.mkdir()
    result = CliRunner().invoke(main, ["-C", str(project), "schema", "schemas"])
    assert result.exit_code == 0, result.output
    assert (project / "schemas" / "convention.schema.json").is_file()
    assert list(elsewhere.iterdir()) == []


def test_help_shows_no_english_word_of_click():
    """No « INTEGER », « TEXT », « [required] »… in the help of any command."""
    runner = CliRunner()
    for command in [None, *main.commands]:
        shown = runner.invoke(main, [*([command] if command else []), "--aide"]).output
        found = re.findall(
            r"\b(INTEGER|TEXT|FLOAT|BOOLEAN|PATH|DIRECTORY|FILENAME|required)\b", shown
        )
        assert found == [], (command, found)
