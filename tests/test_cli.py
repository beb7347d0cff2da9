from click.testing import CliRunner

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


def test_help_is_in_french_with_examples():
    runner = CliRunner()
    top = runner.invoke(main, ["--aide"])
    assert "la convention d'utilité sociale" in top.stdout
    assert "Vérifie le contenu sans rien produire" in top.stdout
    for command in ("check", "build"):
        help_text = runner.invoke(main, [command, "--help"]).stdout
        assert f"Exemple : cusdoc {command}" in help_text
