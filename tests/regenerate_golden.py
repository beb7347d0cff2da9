"""Regenerate the golden Markdown files (make golden); review the diff before committing."""

import os
from pathlib import Path

from cusdoc import TEMPLATES
from cusdoc.pipeline import prepare
from cusdoc.render import render_markdown
from tests.conftest import EPOCH

TESTS = Path(__file__).resolve().parent
GOLDEN = {
    "exemple.md": TESTS.parent,
    "minimal.md": TESTS / "projets" / "minimal",
}


def rendered(root: Path) -> str:
    """The Markdown of a project, dated as the test builds are (the cover prints the date)."""
    stamp = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        (convention,) = prepare(root)
    finally:
        if stamp is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = stamp
    return render_markdown(convention, TEMPLATES)


if __name__ == "__main__":
    for name, root in GOLDEN.items():
        (TESTS / "golden" / name).write_text(rendered(root), encoding="utf-8")
        print(f"tests/golden/{name}")
