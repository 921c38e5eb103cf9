"""Read a class roster CSV: a student_id column, an optional name column, any other columns kept as extra.

Errors name the file and line and say what to do; a roster is small, so every bad row is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from quizgen.csvread import CsvProblem, csv_records, sniff_delimiter
from quizgen.errors import RosterError

ID_COLUMN = "student_id"
MAX_ID = 200
"""Longest student id: it is printed whole on every page, and pdflatex reads at most 200,000 characters
on one line (a megabyte id would stop the whole class's PDF)."""
NAME_COLUMN = "name"


@dataclass(frozen=True)
class Student:
    """One roster row. extra keeps the other columns (email, section, ...) in their file order."""

    student_id: str
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def numbered_students(count: int) -> list[Student]:
    """Anonymous students 001..N for `quizgen generate --count N` (zero-padded so they sort)."""
    width = max(3, len(str(count)))
    return [Student(student_id=f"{i:0{width}d}") for i in range(1, count + 1)]


def read_roster(path: str | Path) -> list[Student]:
    """Read the roster, or raise RosterError listing every problem (file:line: what, what to do)."""
    shown = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise RosterError(f"{shown}: no such roster file; check the path") from None
    except IsADirectoryError:
        raise RosterError(f"{shown}: is a folder; give the path of a roster .csv file") from None
    except OSError as exc:
        raise RosterError(f"{shown}: cannot read the roster ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RosterError(f"{shown}:{line}: undecodable bytes (not UTF-8); save the roster as UTF-8 CSV") from None
    if not text.strip():
        raise RosterError(f"{shown}: the roster is empty; it needs a header row with a {ID_COLUMN} column")
    bad: list[CsvProblem] = []
    records = list(csv_records(text, bad, delimiter=sniff_delimiter(text)))
    problems = [(p.line, f"{shown}:{p.line}: {p.message}: {p.text}") for p in bad]  # (line, message)
    first = next((i for i, (_, row) in enumerate(records) if any(cell.strip() for cell in row)), None)
    if first is None:
        raise RosterError("\n".join(m for _, m in problems) or f"{shown}: the roster has no header row; add one")
    header_line, header_row = records[first]
    if any(p.line < header_line for p in bad):  # the header itself could not be read
        raise RosterError("\n".join(m for _, m in problems))
    header = [cell.strip() for cell in header_row]
    if ID_COLUMN not in header:
        raise RosterError(
            f"{shown}:{header_line}: no {ID_COLUMN} column in the header ({', '.join(header)}); "
            f"add a {ID_COLUMN} column"
        )
    seen_columns: set[str] = set()
    for column in header:
        if column in seen_columns and column:
            raise RosterError(f"{shown}:{header_line}: column {column!r} appears twice; rename one")
        seen_columns.add(column)
    id_at = header.index(ID_COLUMN)
    name_at = header.index(NAME_COLUMN) if NAME_COLUMN in header else None
    students: list[Student] = []
    first_line: dict[str, int] = {}
    for line, row in records[first + 1 :]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append((line, f"{shown}:{line}: {len(row)} cells but the header has {len(header)}; fix the row"))
            continue
        cells = row + [""] * (len(header) - len(row))
        student_id = cells[id_at].strip()
        if not student_id:
            problems.append((line, f"{shown}:{line}: blank {ID_COLUMN}; give every row an id"))
            continue
        if len(student_id) > MAX_ID:
            problems.append(
                (
                    line,
                    f"{shown}:{line}: {ID_COLUMN} is {len(student_id):,} characters long; "
                    f"ids have at most {MAX_ID} (is a column misplaced?)",
                )
            )
            continue
        if student_id in first_line:
            problems.append(
                (
                    line,
                    f"{shown}:{line}: duplicate {ID_COLUMN} {student_id!r} (first on line {first_line[student_id]}); "
                    "ids must be unique",
                )
            )
            continue
        first_line[student_id] = line
        extra = {column: cells[i].strip() for i, column in enumerate(header) if i not in (id_at, name_at) and column}
        name = cells[name_at].strip() if name_at is not None else ""
        students.append(Student(student_id=student_id, name=name, extra=extra))
    if problems:
        raise RosterError("\n".join(m for _, m in sorted(problems, key=lambda p: p[0])))
    if not students:
        raise RosterError(f"{shown}: the roster has a header but no students; add one row per student")
    return students
