from __future__ import annotations

import io
import re

from pypdf import PdfReader, PdfWriter

from quizgen.render.split import safe_filename, split_pdf


def test_plain_ids_are_kept() -> None:
    assert safe_filename("s001") == "s001"
    assert safe_filename("jane.doe-2") == "jane.doe-2"


def test_hostile_ids_become_safe_distinct_names() -> None:
    ids = ["../../etc/passwd", "a/b", "a_b", "a b", "CON", "王小明", "", ".hidden", "x" * 300, "Zoë"]
    names = [safe_filename(i) for i in ids]
    assert len(set(names)) == len(ids)
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9._-]{1,100}", name), name
        assert not name.startswith(".")
        assert name.upper() != "CON"


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
