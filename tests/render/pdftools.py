"""Test helpers for real compiles: a batch of documents compiled once per module, and its PDFs read back
with pdftotext (whitespace squashed, since extraction spaces CJK and math unpredictably) or counted in pages."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.manifest import Manifest
from quizgen.render import write_documents
from tests.builtonce import built_once

from .replay import recording


def compiled_batch(
    tmp_path_factory: pytest.TempPathFactory, folder: str, manifest: Manifest
) -> tuple[Manifest, Path, list[Path]]:
    """The manifest's worksheets and keys compiled to PDF, split per student too: a module's batch fixture returns
    (manifest, folder, files written). Built once per run for every xdist worker (tests.builtonce): worksteal
    may run a module's tests on both workers, and each would otherwise build the module's fixture. Its runs are
    recorded in the folder's parent (tests/render/replay.py)."""

    def build(base: Path) -> None:
        with recording(base):
            written = write_documents(manifest, base / "out", fmt="pdf", split=True, quiet=True)
        names = [str(path.relative_to(base / "out")) for path in written]
        (base / "written.json").write_text(json.dumps(names), encoding="utf-8")

    base = built_once(tmp_path_factory, folder, build)
    out = base / "out"
    return manifest, out, [out / name for name in json.loads((base / "written.json").read_text(encoding="utf-8"))]


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
