"""Regenerate the golden Markdown files (make golden); review the diff before committing."""

from pathlib import Path

from cusdoc.build import DEFAULT_TEMPLATES, check
from cusdoc.render import render_markdown

TESTS = Path(__file__).resolve().parent
GOLDEN = {
    "exemple.md": TESTS.parent,
    "minimal.md": TESTS / "projets" / "minimal",
}


def rendered(root: Path) -> str:
    return render_markdown(check(root), DEFAULT_TEMPLATES)


if __name__ == "__main__":
    for name, root in GOLDEN.items():
        (TESTS / "golden" / name).write_text(rendered(root), encoding="utf-8")
        print(f"tests/golden/{name}")
