"""cusdoc: la convention d'utilité sociale d'un organisme HLM, tenue comme du code."""

__version__ = "0.1.0"
