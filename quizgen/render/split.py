"""Per-student PDFs cut from one compiled batch (one pdflatex run is far faster than one per student)."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter


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
