"""Teacher overrides (`quizgen grade --overrides FILE`): the last word on one student's problem.

The file is a CSV with a header: student_id, problem, then points and/or verdict, and an optional note.
Each row sets one problem's points (0 to the problem's maximum) or its verdict (correct = full points,
incorrect = 0). Overrides are applied after every check, so a regrade keeps them. Any row that cannot be
applied (unknown student or problem, a bad value, the same problem twice) stops grading with its file and
line: a teacher's decision is never dropped silently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from quizgen.csvread import CsvProblem, csv_records, sniff_delimiter
from quizgen.errors import AnswerFileError
from quizgen.grading.labels import parse_label
from quizgen.grading.model import Override, Source, StudentResult, fmt_number
from quizgen.grading.readers import PROBLEM_COLUMNS, STUDENT_COLUMNS, decode, norm_header
from quizgen.manifest import Manifest
from quizgen.problem import Problem

POINTS_COLUMNS = ("points", "score", "grade")
VERDICT_COLUMNS = ("verdict", "result")
NOTE_COLUMNS = ("note", "notes", "comment", "reason")
VERDICTS: dict[str, Literal["correct", "incorrect"]] = {
    "correct": "correct",
    "right": "correct",
    "incorrect": "incorrect",
    "wrong": "incorrect",
}


def _col(header: list[str], names: Sequence[str]) -> int | None:
    return next((header.index(n) for n in names if n in header), None)


def _records(path: Path, text: str) -> list[tuple[int, list[str]]]:
    """CSV records with the line each starts on (the shared reader); a record it cannot read, such as an
    unclosed quote, is an error naming its line, as every other row that cannot be applied."""
    problems: list[CsvProblem] = []
    records = list(csv_records(text, problems, delimiter=sniff_delimiter(text)))
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more such rows)" if len(problems) > 1 else ""
        raise AnswerFileError(f"{path}:{first.line}: {first.message}: {first.text}{more}")
    return records


def read_overrides(path: str | Path, manifest: Manifest) -> list[Override]:
    """Every override in the file, checked against the manifest.

    Raises:
        AnswerFileError: one line, naming the file and line of the first row that cannot be applied
            (and how many more there are).
    """
    p = Path(path)
    text = decode(p)
    rows = [(line, row) for line, row in _records(p, text) if any(c.strip() for c in row)]
    if not rows:
        raise AnswerFileError(f"{p}: the overrides file is empty; it needs a header: student_id,problem,points,note")
    header_line, header = rows[0]
    norm = [norm_header(h) for h in header]
    sid, prob = _col(norm, STUDENT_COLUMNS), _col(norm, PROBLEM_COLUMNS)
    pts, ver, note = _col(norm, POINTS_COLUMNS), _col(norm, VERDICT_COLUMNS), _col(norm, NOTE_COLUMNS)
    if sid is None or prob is None or (pts is None and ver is None):
        raise AnswerFileError(
            f"{p}:{header_line}: overrides header not recognised ({', '.join(h.strip() for h in header[:5])}); "
            "expected student_id,problem,points,note or student_id,problem,verdict,note"
        )
    sheets = {s.student_id: s for s in manifest.students}
    folded: dict[str, list[str]] = {}
    for s in manifest.students:
        folded.setdefault(s.student_id.casefold(), []).append(s.student_id)
    errors: list[str] = []
    seen: dict[tuple[str, int], int] = {}
    out: list[Override] = []

    def cell(row: list[str], i: int | None) -> str:
        return row[i].strip() if i is not None and i < len(row) else ""

    for line, row in rows[1:]:
        where = f"{p}:{line}"
        student = cell(row, sid)
        ids = [student] if student in sheets else folded.get(student.casefold(), [])
        if len(ids) != 1:
            errors.append(
                f"{where}: no student {student!r} in the manifest"
                if not ids
                else f"{where}: {student!r} matches {len(ids)} students when case is ignored; spell the id exactly"
            )
            continue
        sheet = sheets[ids[0]]
        label = parse_label(cell(row, prob))
        problem: Problem | None = None
        if label is not None and label.component is None:
            problem = next((q for q in sheet.problems if q.slot == label.slot), None)
        if problem is None:
            slots = ", ".join(str(q.slot) for q in sheet.problems)
            errors.append(f"{where}: {sheet.student_id} has no problem {cell(row, prob)!r} (problems: {slots})")
            continue
        value = _value(cell(row, pts), cell(row, ver), problem)
        if isinstance(value, str):
            errors.append(f"{where}: {value}")
            continue
        key = (sheet.student_id, problem.slot)
        if key in seen:
            errors.append(
                f"{where}: a second override for {sheet.student_id} problem {problem.slot} "
                f"(the first is on line {seen[key]}); keep one"
            )
            continue
        seen[key] = line
        points, verdict = value
        out.append(Override(sheet.student_id, problem.slot, points, verdict, cell(row, note), Source(str(p), line)))
    if errors:
        more = f" (and {len(errors) - 1} more in this file)" if len(errors) > 1 else ""
        raise AnswerFileError(errors[0] + more)
    return out


def _value(
    points: str, verdict: str, problem: Problem
) -> tuple[float | None, Literal["correct", "incorrect"] | None] | str:
    """(points, None) or (None, verdict), or a message saying what is wrong."""
    if points and verdict:
        return "give points or a verdict, not both"
    if verdict:
        v = VERDICTS.get(verdict.lower())
        return (None, v) if v else f"verdict {verdict!r} is not correct or incorrect"
    if not points:
        return "no points and no verdict; give one (or remove the line)"
    try:
        number = float(points.replace(",", ".") if points.count(",") == 1 and "." not in points else points)
    except ValueError:
        return f"points {points!r} is not a number"
    if not math.isfinite(number) or number < 0 or number > problem.points:
        return f"points {points!r} must be between 0 and problem {problem.slot}'s {fmt_number(problem.points)}"
    return number, None


def apply_overrides(results: Sequence[StudentResult], overrides: Sequence[Override]) -> list[StudentResult]:
    """The results with each override's points in place (and the override recorded on the answer)."""
    by_key = {(o.student_id, o.slot): o for o in overrides}
    if not by_key:
        return list(results)
    out: list[StudentResult] = []
    for r in results:
        answers = []
        for a in r.answers:
            o = by_key.get((r.sheet.student_id, a.slot))
            if o is not None:
                points = a.problem.points if o.verdict == "correct" else 0.0 if o.verdict else float(o.points or 0.0)
                a = replace(a, points=points, override=o)
            answers.append(a)
        out.append(StudentResult(r.sheet, answers))
    return out
