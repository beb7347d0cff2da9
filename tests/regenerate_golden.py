"""Regenerate the golden Markdown files (make golden); review the diff before committing."""

from pathlib import Path

from cusdoc import TEMPLATES
from cusdoc.pipeline import prepare
from cusdoc.render import render_markdown

TESTS = Path(__file__).resolve().parent
GOLDEN = {
    "exemple.md": TESTS.parent,
    "minimal.md": TESTS / "projets" / "minimal",
}


def rendered(root: Path) -> str:
    (convention,) = prepare(root)
    return render_markdown(convention, TEMPLATES)


if __name__ == "__main__":
    for name, root in GOLDEN.items():
        (TESTS / "golden" / name).write_text(rendered(root), encoding="utf-8")
        print(f"tests/golden/{name}")
