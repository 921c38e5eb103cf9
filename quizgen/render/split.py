"""Per-student PDFs cut from one compiled batch (one pdflatex run is far faster than one per student).

Form fields (fillable worksheets) stay with the pages they are on.
"""

from __future__ import annotations

import io
import logging


def split_pdf(pdf: bytes, ranges: list[tuple[int, int]]) -> list[bytes]:
    """The pages first..last (1-based, inclusive) of pdf as a separate PDF, for each range."""
    # pypdf (~0.1 s to import) only when asked: generate imports this module before the class is drawn,
    # while the second core still waits for pdflatex's first run.
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject

    # pdflatex writes CJK fonts with two /ToUnicode entries; harmless, but pypdf warns about each one.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(pdf))
    # A fillable worksheet's form (its fields and the /AcroForm that lists them) and its metadata must go
    # along with the pages, or no reader sees the fields; append copies the fields of the pages it takes.
    root = reader.trailer["/Root"]
    form = isinstance(root, DictionaryObject) and "/AcroForm" in root
    out = []
    for first, last in ranges:
        writer = PdfWriter()
        if form:
            writer.append(reader, pages=(first - 1, last), import_outline=False)
            if reader.metadata:
                writer.add_metadata({k: v for k, v in reader.metadata.items() if isinstance(v, str)})
        else:
            for index in range(first - 1, last):
                writer.add_page(reader.pages[index])
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out
