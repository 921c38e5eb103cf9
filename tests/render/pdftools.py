"""Test helpers for real compiles: a batch of documents compiled once per module, and its PDFs read back
with pdftotext (whitespace squashed, since extraction spaces CJK and math unpredictably) or counted in pages."""

from __future__ import annotations

import hashlib
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


_TEXTS: dict[bytes, str] = {}
"""pdftotext's whole text of each PDF read so far, by the SHA-256 of its bytes: tests read the same compiled files
again and again, and the same bytes give the same text."""


def pdftotext(path: Path, *args: str) -> str:
    """The PDF's text as pdftotext gives it (UTF-8; args "-f", "2", "-l", "3" pick pages 2 to 3): a range is the
    same pages of the whole text, each ended by a form feed, as pdftotext gives it."""
    digest = hashlib.sha256(path.read_bytes()).digest()
    text = _TEXTS.get(digest)
    if text is None:
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
        text = _TEXTS[digest] = out.stdout.decode("utf-8")
    if not args:
        return text
    picked = dict(zip(args[::2], args[1::2]))
    assert len(args) % 2 == 0 and set(picked) <= {"-f", "-l"}, args
    pages = text.split("\f")[:-1]
    first, last = int(picked.get("-f", 1)), int(picked.get("-l", len(pages)))
    return "".join(page + "\f" for page in pages[first - 1 : last])


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
