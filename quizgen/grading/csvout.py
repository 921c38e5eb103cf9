"""The CSV outputs: grades.csv, responses.csv, problems.csv and the Canvas/Moodle gradebook imports.

Text cells a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading
apostrophe; a plain number (-2, -0.5, 1e-3) is left alone, so spreadsheets read it as a number.
grades/responses/problems/review carry a UTF-8 BOM so Excel shows accents; the gradebooks do not,
since the LMS importers read the first header literally.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from quizgen.grading.model import (
    GradedAnswer,
    GradeRun,
    Issue,
    StudentResult,
    checked_outcome,
    fmt_number,
)
from quizgen.notation import key_text
from quizgen.problem import Sheet

if TYPE_CHECKING:
    from quizgen.grading.items import ItemStats
    from quizgen.grading.stats import ClassStats

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
"""A cell that is only a number: a spreadsheet reads it as that number, never as a formula."""


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet will show, not run (OWASP CSV injection guard); plain numbers stay numbers."""
    if value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv(rows: Sequence[Sequence[str]], *, bom: bool) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" if bom else "") + buf.getvalue()


def status(run: GradeRun, r: StudentResult) -> str:
    """grades.csv's status: graded, absent (no answer at all) or provisional (answers wait for review)."""
    if r.absent:
        return "absent"
    return "provisional" if run.provisional(r) else "graded"


def _blank_absent(run: GradeRun, r: StudentResult) -> bool:
    return r.absent and not run.absent_zero


def grades_csv(run: GradeRun) -> str:
    slots = run.slots
    header = ["student_id", "name", "variant", "total", "max", "percent", "status"] + [f"q{s}" for s in slots]
    rows: list[list[str]] = [header]
    for r in run.results:
        by_slot = {a.slot: a for a in r.answers}
        blank = _blank_absent(run, r)
        rows.append(
            [
                safe_cell(r.sheet.student_id),
                safe_cell(r.sheet.name),
                safe_cell(r.sheet.variant),
                "" if blank else fmt_number(r.total),
                fmt_number(r.max_points),
                "" if blank else fmt_number(r.percent),
                status(run, r),
            ]
            + [fmt_number(by_slot[s].points) if s in by_slot and not blank else "" for s in slots]
        )
    return _csv(rows, bom=True)


RESPONSES_HEADER = [
    "student_id",
    "problem",
    "answer",
    "interpreted",
    "verdict",
    "points",
    "max",
    "feedback",
    "diagnosis",
    "override",
    "counted",
]


def _response_row(a: GradedAnswer, points: str, counted: str) -> list[str]:
    return [
        safe_cell(a.student_id),
        str(a.slot),
        safe_cell(a.typed),
        safe_cell(a.interpreted),
        checked_outcome(a),
        points,
        fmt_number(a.problem.points),
        safe_cell(a.feedback),
        a.diagnosis or "",
        safe_cell(a.override.describe()) if a.override else "",
        counted,
    ]


def _part_rows(a: GradedAnswer, counted: str) -> list[list[str]]:
    """A multi-part problem's parts under its row: problem 4a, 4b, ... with the part's own verdict and points
    (verdict "carried forward" when the part follows from the student's own earlier parts)."""
    return [
        [
            safe_cell(a.student_id),
            f"{a.slot}{p.label}",
            safe_cell(p.typed),
            safe_cell(p.interpreted),
            "carried forward" if p.outcome == "carried" else p.outcome,
            fmt_number(p.points),
            fmt_number(p.max_points),
            safe_cell(p.feedback if p.outcome != "correct" else ""),
            "",
            "",
            counted,
        ]
        for p in a.parts
    ]


def responses_csv(run: GradeRun) -> str:
    """One row per student and problem (verdict: the checker's; points: after any override), each part of a
    multi-part problem on a row of its own below it, then the answers that were graded but not counted (an
    id that matches a student only when case is ignored)."""
    rows: list[list[str]] = [RESPONSES_HEADER]
    for r in run.results:
        blank = _blank_absent(run, r)
        for a in r.answers:
            rows.append(_response_row(a, "" if blank else fmt_number(a.points), "yes"))
            rows.extend(_part_rows(a, "yes"))
    for a in run.uncounted:
        rows.append(_response_row(a, fmt_number(a.points), "no"))
    return _csv(rows, bom=True)


REVIEW_HEADER = [
    "student_id",
    "name",
    "problem",
    "answer",
    "verdict",
    "message",
    "suggested_reading",
    "repair",
    "key",
    "max",
    "override",
    "file",
    "line",
]


def review_csv(run: GradeRun) -> str:
    """The review queue: every invalid or unsure answer, with a suggested reading where a small repair gives one.

    A row whose override column is empty is still pending.
    """
    names = {r.sheet.student_id: r.sheet.name for r in run.results}
    rows: list[list[str]] = [REVIEW_HEADER]
    for a in run.review:
        sug = run.suggestions.get((a.student_id, a.slot))
        rows.append(
            [
                safe_cell(a.student_id),
                safe_cell(names.get(a.student_id, "")),
                str(a.slot),
                safe_cell(a.typed),
                a.outcome,
                safe_cell(a.feedback),
                safe_cell(sug.text) if sug else "",
                sug.repair if sug else "",
                safe_cell(key_text(a.problem.answer)),
                fmt_number(a.problem.points),
                safe_cell(a.override.describe()) if a.override else "",
                safe_cell(a.source.file) if a.source else "",
                str(a.source.line) if a.source and a.source.line else "",
            ]
        )
    return _csv(rows, bom=True)


def gradebook_value(run: GradeRun, r: StudentResult) -> str:
    """The grade an LMS import gets: blank for an absent student (0 with --absent zero) and for a provisional
    total (--invalid review: answers wait for review), else the total."""
    if r.absent:
        return "0" if run.absent_zero else ""
    return "" if run.provisional(r) else fmt_number(r.total)


def problems_csv(issues: Sequence[Issue]) -> str:
    rows: list[list[str]] = [["kind", "file", "line", "student_id", "problem", "detail"]]
    for i in issues:
        rows.append(
            [
                i.kind,
                safe_cell(i.file),
                str(i.line) if i.line else "",
                safe_cell(i.student_id),
                safe_cell(i.problem),
                safe_cell(i.detail),
            ]
        )
    return _csv(rows, bom=True)


def _share(value: float) -> str:
    return fmt_number(100 * value)


def items_csv(run: GradeRun, *, items: list[ItemStats] | None = None, stats: ClassStats | None = None) -> str:
    """Item analysis as a spreadsheet: one row per problem (part empty), then, for a multi-part problem, one
    row per node of its graph, with the percentage of answers right, carried forward, wrong, invalid (or
    undecided) and blank, the difficulty (mean score, % of the points) and the discrimination. items and
    stats: item_stats(run) and class_stats(run) when the caller has them already."""
    from quizgen.grading.items import item_stats, part_stats
    from quizgen.grading.stats import class_stats

    rows: list[list[str]] = [
        [
            "problem",
            "part",
            "kind",
            "of",
            "asks",
            "answers",
            "difficulty",
            "correct",
            "carried_forward",
            "incorrect",
            "invalid",
            "blank",
            "discrimination",
        ]
    ]
    parts = part_stats(run)
    outcomes = {ps.slot: ps.outcomes for ps in (stats or class_stats(run)).problems}  # displayed, per slot
    for it in item_stats(run) if items is None else items:
        counted = outcomes.get(it.slot, Counter())
        n = counted.total() or 1

        def pct(*shown: str, counted: Counter[str] = counted, n: int = n) -> str:
            return _share(sum(counted[o] for o in shown) / n)

        disc = "" if it.discrimination is None else f"{it.discrimination:.2f}"
        rows.append(
            [
                str(it.slot),
                "",
                "",
                "",
                safe_cell(it.family),
                str(it.n),
                _share(it.difficulty),
                pct("correct"),
                "",
                pct("incorrect", "partial"),
                pct("invalid", "unsure"),
                pct("blank", "missing"),
                disc,
            ]
        )
        for ps in (p for p in parts if p.slot == it.slot):
            rows.append(
                [
                    str(ps.slot),
                    safe_cell(" ".join(ps.labels)),
                    ps.kind,
                    safe_cell(ps.of),
                    safe_cell(ps.asks),
                    str(ps.n),
                    _share(ps.difficulty),
                    _share(ps.share("correct")),
                    _share(ps.share("carried")),
                    _share(ps.share("incorrect")),
                    _share(ps.share("invalid")),
                    _share(ps.share("blank", "missing")),
                    "" if ps.discrimination is None else f"{ps.discrimination:.2f}",
                ]
            )
    return _csv(rows, bom=True)


def _extra(sheet: Sheet, *names: str) -> str:
    """The first roster extra column whose normalised name is one of names."""
    if not sheet.extra:
        return ""  # a roster without extra columns: nothing to normalise (a gradebook asks for 4 per student)
    norm = {k.strip().lower().replace(" ", "_").replace("-", "_"): v for k, v in sheet.extra.items()}
    for name in names:
        if norm.get(name, "").strip():
            return norm[name].strip()
    return ""


CANVAS_ID = ("canvas_id", "canvas_user_id", "id", "user_id")
CANVAS_SIS_USER = ("sis_user_id", "sis_id", "sisid")
CANVAS_SIS_LOGIN = ("sis_login_id", "login_id", "login", "username")
SECTION = ("section", "section_name", "group")
MOODLE_IDNUMBER = ("idnumber", "id_number")
MOODLE_EMAIL = ("email", "email_address", "e_mail", "mail")
MOODLE_USERNAME = ("username", "user_name", "login")


def assignment_name(run: GradeRun) -> str:
    return run.manifest.bank.title.strip() or "quizgen quiz"


def canvas_gradebook_csv(
    results: Sequence[StudentResult], assignment: str, value: Callable[[StudentResult], str] | None = None
) -> str:
    """Canvas Grades > Import: Student, ID, SIS User ID, SIS Login ID, Section, then the assignment column.

    The "Points Possible" row tells Canvas the maximum when it creates the assignment. Canvas matches
    students by ID, then SIS User ID, then SIS Login ID; the SIS User ID falls back to the quizgen
    student id when the roster has no sis_user_id column.
    """
    max_points = max((r.max_points for r in results), default=0.0)
    rows: list[list[str]] = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", safe_cell(assignment)]]
    rows.append(["Points Possible", "", "", "", "", fmt_number(max_points)])
    for r in results:
        s = r.sheet
        rows.append(
            [
                safe_cell(s.name or s.student_id),
                safe_cell(_extra(s, *CANVAS_ID)),
                safe_cell(_extra(s, *CANVAS_SIS_USER) or s.student_id),
                safe_cell(_extra(s, *CANVAS_SIS_LOGIN)),
                safe_cell(_extra(s, *SECTION)),
                value(r) if value else fmt_number(r.total),
            ]
        )
    return _csv(rows, bom=False)


def moodle_gradebook_csv(
    results: Sequence[StudentResult], assignment: str, value: Callable[[StudentResult], str] | None = None
) -> str:
    """Moodle Grades > Import > CSV file: identity columns, then the grade item.

    "ID number" is the roster's idnumber column, else the quizgen student id; "Email address" and
    "Username" appear when the roster has them. On import, map from one of them to the same user field,
    and map the grade column to a new or existing grade item.
    """
    has_email = any(_extra(r.sheet, *MOODLE_EMAIL) for r in results)
    has_user = any(_extra(r.sheet, *MOODLE_USERNAME) for r in results)
    header = ["ID number"] + (["Email address"] if has_email else []) + (["Username"] if has_user else [])
    rows: list[list[str]] = [header + [safe_cell(assignment)]]
    for r in results:
        s = r.sheet
        row = [safe_cell(_extra(s, *MOODLE_IDNUMBER) or s.student_id)]
        if has_email:
            row.append(safe_cell(_extra(s, *MOODLE_EMAIL)))
        if has_user:
            row.append(safe_cell(_extra(s, *MOODLE_USERNAME)))
        rows.append(row + [value(r) if value else fmt_number(r.total)])
    return _csv(rows, bom=False)
