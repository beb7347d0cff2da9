"""Export stage: a rendered document into the bytes of its deliverables (DOCX, PDF, XLSX, MD).

Nothing here writes a file: the write stage does, once every deliverable is ready.
"""

import importlib
import os
from concurrent.futures import ThreadPoolExecutor

from cusdoc.export import ast
from cusdoc.export.convert import Templates, to_docx, to_pdf, to_typst
from cusdoc.model import Convention

FORMATS = ("docx", "pdf", "xlsx", "md")


def export(
    markdown: str,
    convention: Convention,
    templates: Templates,
    epoch: int,
    formats: tuple[str, ...] = ("docx", "pdf"),
    alone: bool = False,
    document: dict | None = None,
) -> dict[str, bytes]:
    """Format → bytes of each deliverable asked for (XLSX only for a document with commitments).

    alone: the document has the machine to itself (the convention, not an extract among
    others): pandoc reads it on every core (export/ast.py); document: the Markdown's pandoc
    document, when read already."""
    out: dict[str, bytes] = {}
    if "md" in formats:
        out["md"] = markdown.encode("utf-8")
    # pandoc runs as a subprocess and Typst releases the GIL: DOCX, PDF and XLSX are made side
    # by side, the first two from the one reading of the Markdown, the XLSX while pandoc reads.
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = {}
        if "docx" in formats:  # python-docx loads while pandoc reads
            pool.submit(importlib.import_module, "cusdoc.export.docx")
        if "xlsx" in formats and convention.engagements:
            from cusdoc.export.xlsx import to_xlsx

            jobs["xlsx"] = pool.submit(to_xlsx, convention, epoch)
        if {"docx", "pdf"} & set(formats):
            if document is None:
                document = ast.read(markdown, epoch, (os.cpu_count() or 1) if alone else 1)
            if "pdf" in formats:  # the longest conversion starts first
                source = to_typst(document, templates, convention.version)
                jobs["pdf"] = pool.submit(to_pdf, source, templates, epoch)
            if "docx" in formats:
                jobs["docx"] = pool.submit(to_docx, document, templates, convention, epoch)
        for name in FORMATS:
            if name in jobs:
                out[name] = jobs[name].result()
    return out
