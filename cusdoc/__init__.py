"""cusdoc: the convention d'utilité sociale of a French social-housing organisation, as code."""

from pathlib import Path

__version__ = "0.2.0"

PACKAGE = Path(__file__).resolve().parent
DATA = PACKAGE / "data"  # official geography, indicator catalogue, column names
TEMPLATES = PACKAGE / "templates"  # Jinja, pandoc filter, Word reference, Typst, fonts
SKELETON = PACKAGE / "skeleton"  # what `cusdoc init` writes
