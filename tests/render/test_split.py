from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter

from quizgen.render.split import split_pdf


def _blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for i in range(pages):
        writer.add_blank_page(width=100 + i, height=100)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_split_takes_the_inclusive_page_ranges() -> None:
    parts = split_pdf(_blank_pdf(5), [(1, 2), (3, 3), (4, 5)])
    widths = [[float(p.mediabox.width) for p in PdfReader(io.BytesIO(part)).pages] for part in parts]
    assert widths == [[100, 101], [102], [103, 104]]
