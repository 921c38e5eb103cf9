"""Test helpers for real compiles: a batch of documents compiled once per module, and its PDFs read back
with pdftotext (whitespace squashed, since extraction spaces CJK and math unpredictably) or counted in pages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.manifest import Manifest
from quizgen.render import write_documents


def compiled_batch(
    tmp_path_factory: pytest.TempPathFactory, folder: str, manifest: Manifest
) -> tuple[Manifest, Path, list[Path]]:
    """The manifest's worksheets and keys compiled to PDF, split per student too, into a fresh folder: a
    module's batch fixture returns (manifest, folder, files written)."""
    out = tmp_path_factory.mktemp(folder)
    written = write_documents(manifest, out, fmt="pdf", split=True, quiet=True)
    return manifest, out, written


def pdftotext(path: Path, *args: str) -> str:
    """The PDF's text as pdftotext gives it (UTF-8; args such as "-f", "2", "-l", "2" pick pages)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> str:
    """The PDF's text with all whitespace removed."""
    return squash(pdftotext(path))


def page_texts(path: Path) -> list[str]:
    """Each page's text, whitespace removed (pdftotext ends every page with a form feed; pypdf's extraction is
    many times slower and gives the same words)."""
    return [squash(page) for page in pdftotext(path).split("\f")[:-1]]


def pages(path: Path) -> int:
    return len(PdfReader(str(path)).pages)
