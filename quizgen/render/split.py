"""Per-student PDFs cut from one compiled batch (one pdflatex run is far faster than one per student)."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata

from pypdf import PdfReader, PdfWriter

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(student_id: str) -> str:
    """A file name stem safe on every system for any student id, distinct for distinct ids.

    Letters, digits, '.', '_' and '-' are kept; an id that needed changes gets a short sha256 of the
    original appended, so "a/b" and "a_b" never land in the same file.
    """
    ascii_id = unicodedata.normalize("NFKD", student_id).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE.sub("_", ascii_id).strip("._")[:80]
    if stem != student_id or stem.upper() in _RESERVED or not stem:
        digest = hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:8]
        stem = f"{stem}_{digest}" if stem else digest
    return stem


def split_pdf(pdf: bytes, ranges: list[tuple[int, int]]) -> list[bytes]:
    """The pages first..last (1-based, inclusive) of pdf as a separate PDF, for each range."""
    # pdflatex writes CJK fonts with two /ToUnicode entries; harmless, but pypdf warns about each one.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(pdf))
    out = []
    for first, last in ranges:
        writer = PdfWriter()
        for index in range(first - 1, last):
            writer.add_page(reader.pages[index])
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out
