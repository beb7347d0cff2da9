"""cusdoc init: a new organisation's convention repository, ready to check and build."""

import shutil
from pathlib import Path

from cusdoc import SKELETON
from cusdoc.errors import CusdocError

MODELE = SKELETON
SOURCE = Path(__file__).resolve().parent.parent  # the cusdoc checkout the Makefile installs

# model file → where it goes in the new repository
LAYOUT = {
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "ci/github.yml": ".github/workflows/convention.yml",
    "ci/gitlab-ci.yml": ".gitlab-ci.yml",
}


def init_project(target: Path) -> list[Path]:
    """Write the skeleton: content with comments, Makefile, CI, editor settings, pre-commit."""
    if target.exists() and any(target.iterdir()):
        raise CusdocError(f"le dossier {target} n'est pas vide : choisissez un dossier nouveau")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(MODELE / "content", target / "content")
    written = sorted((target / "content").rglob("*"))
    makefile = (MODELE / "Makefile").read_text(encoding="utf-8")
    (target / "Makefile").write_text(makefile.replace("{cusdoc_source}", str(SOURCE)), "utf-8")
    written.append(target / "Makefile")
    for source, destination in LAYOUT.items():
        path = target / destination
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MODELE / source, path)
        written.append(path)
    written += _editor(target)
    return [p for p in written if p.is_file()]


def _editor(target: Path) -> list[Path]:
    """JSON Schemas of the content and the VS Code settings that map them onto content/."""
    from cusdoc.validate.jsonschema import write_schemas

    paths = write_schemas(target / "schemas")
    settings = SOURCE / ".vscode" / "settings.json"
    if settings.is_file():
        (target / ".vscode").mkdir(exist_ok=True)
        shutil.copyfile(settings, target / ".vscode" / "settings.json")
        paths.append(target / ".vscode" / "settings.json")
    return paths
