"""CSV records with the line each starts on, for every CSV quizgen reads (rosters, answers, LMS exports).

One bad record costs only itself: a quote that is never closed, junk after a closing quote, a NUL byte or
an oversized cell is reported with its line and reading starts again on the next line, so a roster with
an unclosed quote can no longer merge the students after it into one cell without a word.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_FIELD = 1_000_000
"""Characters per cell; a longer cell is hostile (and the answer parser refuses far less)."""

_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
"""The csv module's idea of a line: ended by \\r\\n, \\n or \\r."""


@dataclass(frozen=True)
class CsvProblem:
    """A record that was not read: its first line, what is wrong, and the line's text (shortened)."""

    line: int
    message: str
    text: str


def sniff_delimiter(text: str) -> str:
    """Comma, unless the first line has none and has semicolons (European Excel) or tabs."""
    first_line = text.split("\n", 1)[0]
    if first_line.count(",") == 0:
        if first_line.count(";") > 0:
            return ";"
        if first_line.count("\t") > 0:
            return "\t"
    return ","


def _shown(line: str) -> str:
    line = line.rstrip("\r\n")
    return line if len(line) <= 200 else line[:200] + "..."


def csv_records(text: str, problems: list[CsvProblem], *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for each CSV record; a record that cannot be read is appended to problems instead.

    A quoted cell may hold line breaks (a multi-line answer, an address), but a cell that swallows a line
    which reads as a whole record of its own (as many cells as the header, the first one filled) is taken
    for a quote that was never closed, and so is a quote still open at the end of the file.
    """
    csv.field_size_limit(MAX_FIELD)
    lines = _PHYSICAL_LINE.findall(text)
    width = 0
    start = 1
    while start <= len(lines):
        reader = csv.reader(io.StringIO("".join(lines[start - 1 :]), newline=""), delimiter=delimiter, strict=True)
        offset = start - 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                spans = offset + reader.line_num > start
                unclosed = "unexpected end of data" in str(exc) or spans
                message = (
                    'a quote opened on this line is never closed; close it ("...") or remove it'
                    if unclosed
                    else f"not valid CSV ({exc})"
                )
                if "field larger than field limit" in str(exc):
                    message = f"a cell longer than {MAX_FIELD:,} characters"
                problems.append(CsvProblem(start, message, _shown(lines[start - 1])))
                start += 1
                break
            end = offset + reader.line_num
            if end > start and _swallows_a_record(lines[start:end], width, delimiter):
                problems.append(
                    CsvProblem(
                        start,
                        f"a quote opened on this line is never closed (the cell runs on to line {end}); "
                        'close it ("...") or remove it',
                        _shown(lines[start - 1]),
                    )
                )
                start += 1
                break
            if any("\x00" in cell for cell in row):
                problems.append(
                    CsvProblem(
                        start,
                        "binary data (a NUL byte); retype or remove this row",
                        _shown(lines[start - 1].replace("\x00", "\\0")),
                    )
                )
            else:
                if not width and any(cell.strip() for cell in row):
                    width = len(row)
                yield start, row
            start = end + 1


def _swallows_a_record(continuation: list[str], width: int, delimiter: str) -> bool:
    """Whether a line inside a multi-line cell is, on its own, a complete record as wide as the header."""
    if width < 2:
        return False
    for line in continuation:
        try:
            cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter, strict=True), [])
        except csv.Error:
            continue
        if len(cells) == width and cells[0].strip():
            return True
    return False
