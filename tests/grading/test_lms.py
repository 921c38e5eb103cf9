"""Moodle responses report and Canvas student analysis imports: column mapping, identity, STACK cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from quizgen.grading.collect import collect
from quizgen.grading.lms import canvas_column_slots, lms_cell_text, moodle_response_text
from quizgen.grading.readers import read_answers
from gradetools import make_manifest

SLOTS = [1, 2, 3]


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buf.getvalue()


MOODLE_HEADER = [
    "Surname", "First name", "ID number", "Email address", "State", "Started on", "Completed", "Time taken",
    "Grade/6.00", "Question 1", "Response 1", "Right answer 1", "Question 2", "Response 2", "Right answer 2",
    "Question 3", "Response 3", "Right answer 3",
]


def moodle_row(surname: str, idnumber: str, email: str, r1: str, r2: str, r3: str) -> list[str]:
    return [surname, "X", idnumber, email, "Finished", "1 May 2026  10:00 AM", "1 May 2026  10:20 AM",
            "20 mins", "3.00", "Find d/dx ...", r1, "...", "Find the gradient ...", r2, "...", "Find ...", r3, "1"]


def test_moodle_responses_report_matches_students_by_idnumber_or_email(tmp_path: Path) -> None:
    rows = [
        MOODLE_HEADER,
        moodle_row("Lovelace", "", "ADA@uni.edu", "2*cos(2*x)", "[2y, 2x]", "1"),
        moodle_row("Borel", "s2", "", "-", "ans1: [3*y, 3*x] [score]", "0"),
        moodle_row("Nobody", "zz9", "zz@uni.edu", "1", "-", "-"),
        ["Overall average", "", "", "", "", "", "", "", "2.50"] + [""] * 9,
    ]
    path = tmp_path / "moodle.csv"
    path.write_text(csv_text(rows), encoding="utf-8", newline="")
    result = read_answers(path, SLOTS)
    assert result.shape == "Moodle responses"
    submissions, issues = collect(make_manifest(), [result])
    got = {(s.sheet.student_id, s.problem.slot): s.text for s in submissions}
    assert got[("s1", 1)] == "2*cos(2*x)"  # matched by email, case-insensitively
    assert got[("s1", 2)] == "[2y, 2x]"
    assert got[("s2", 1)] == ""  # "-" is Moodle's "no response"
    assert got[("s2", 2)] == "[3*y, 3*x]"  # STACK summary unpacked
    unknown = [i for i in issues if i.kind == "unknown_student"]
    assert [(i.line, i.student_id) for i in unknown] == [(4, "zz9")]
    assert {i.kind for i in issues} == {"unknown_student", "blank", "absent"}


def test_moodle_without_identity_columns_is_reported(tmp_path: Path) -> None:
    header = ["Surname", "First name", "State", "Response 1"]
    path = tmp_path / "m.csv"
    path.write_text(csv_text([header, ["A", "B", "Finished", "2x"]]), encoding="utf-8", newline="")
    result = read_answers(path, SLOTS)
    assert result.answers == []
    assert "show user identity fields" in result.issues[0].detail


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("-", ""),
        ("2x", "2x"),
        ("Seed: 1234; ans1: 3*x^2 [score]; prt1: # = 1 | prt1-1-T", "3*x^2"),
        ("ans1: 2*y [valid]; ans2: 2*x [valid]; prt1: # = 0", "[2*y, 2*x]"),
    ],
)
def test_moodle_response_cells(cell: str, text: str) -> None:
    assert moodle_response_text(cell) == text


CANVAS_HEADER = [
    "name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt",
    "9001: Find d/dx of sin(2x).", "2.0", "9002: Find the gradient, a vector", "3.0", "9003: Find d/dx", "1.0",
    "n correct", "n incorrect", "score",
]


def test_canvas_student_analysis_maps_columns_by_position_and_students_by_sis_or_canvas_id(tmp_path: Path) -> None:
    rows = [
        CANVAS_HEADER,
        ["Lovelace, Ada", "101", "", "A", "1", "", "2026-05-01 10:00:00 UTC", "1", "cos(2x)*2", "0.0",
         "[2y,2x]", "0.0", "1", "0.0", "0", "0", "0"],
        ["Borel, Emile", "", "SIS2", "A", "1", "", "2026-05-01", "1", "cos(3x)", "0.0", "", "0.0", "1", "0.0",
         "0", "0", "0"],
    ]
    path = tmp_path / "canvas.csv"
    path.write_text(csv_text(rows), encoding="utf-8", newline="")
    result = read_answers(path, SLOTS)
    assert result.shape == "Canvas student analysis"
    submissions, issues = collect(make_manifest(), [result])
    got = {(s.sheet.student_id, s.problem.slot): s.text for s in submissions}
    assert got[("s1", 1)] == "cos(2x)*2" and got[("s1", 2)] == "[2y,2x]" and got[("s1", 3)] == "1"
    assert got[("s2", 1)] == "cos(3x)" and got[("s2", 2)] == ""
    assert [i.kind for i in issues if i.student_id == "s2"] == ["blank"]


def test_canvas_question_groups_map_blocks_of_variant_columns() -> None:
    # Two variants per slot, in slot order: each block of two columns is one slot.
    assert canvas_column_slots(["a", "b", "c", "d", "e", "f"], SLOTS) == [1, 1, 2, 2, 3, 3]
    # A marker in the text wins over position.
    assert canvas_column_slots(["[slot 3] a", "[slot 1] b", "[slot 2] c"], SLOTS) == [3, 1, 2]
    assert canvas_column_slots(["a", "b", "c", "d"], SLOTS) == [1, 2, 3, None]


def test_canvas_unseen_variant_columns_do_not_count_as_duplicates(tmp_path: Path) -> None:
    header = CANVAS_HEADER[:8] + ["1: v1", "2.0", "2: v2", "2.0", "n correct", "n incorrect", "score"]
    rows = [header, ["Ada", "101", "SIS1", "A", "", "", "", "1", "", "0", "2cos(2x)", "2", "1", "0", "2"]]
    path = tmp_path / "c.csv"
    path.write_text(csv_text(rows), encoding="utf-8", newline="")
    submissions, issues = collect(make_manifest(), [read_answers(path, [1])])
    assert [s.text for s in submissions if s.sheet.student_id == "s1"][0] == "2cos(2x)"
    assert not [i for i in issues if i.kind == "duplicate"]


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("<p>\\(3 x^{2}\\)</p>", "3 x^{2}"),  # a Moodle multiple-choice option with MathJax delimiters
        ("$2x$", "2x"),
        ("\\[x y\\]", "x y"),
        ("<p>1(x &lt; y)</p>", "1(x < y)"),
        ("1(x<y)", "1(x<y)"),  # typed comparisons are not mistaken for HTML
        (" 2x ", " 2x "),
    ],
)
def test_lms_cells_lose_html_and_latex_delimiters(cell: str, text: str) -> None:
    assert lms_cell_text(cell) == text
