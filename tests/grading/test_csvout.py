from __future__ import annotations

import csv
import io

import pytest
from gradetools import FakeBackend, make_manifest

from quizgen.grading.collect import collect
from quizgen.grading.csvout import (
    canvas_gradebook_csv,
    fmt_number,
    grades_csv,
    moodle_gradebook_csv,
    problems_csv,
    responses_csv,
    safe_cell,
)
from quizgen.grading.engine import grade
from quizgen.grading.model import GradeRun, Issue, RawAnswer, ReadResult, Source, StudentKey


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-2x", "'-2x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("2x", "2x"),
        ("", ""),
        ("-2x+1", "'-2x+1"),
        ("-1-1", "'-1-1"),
        ("-2\n=1", "'-2\n=1"),
        ("--2", "'--2"),
    ],
)
def test_formula_cells_are_defused(value: str, shown: str) -> None:
    assert safe_cell(value) == shown


@pytest.mark.parametrize("number", ["-2", "-0.5", "+3", "-.5", "-1e-3", "2.", "-70"])
def test_negative_numbers_stay_numbers(number: str) -> None:
    assert safe_cell(number) == number


@pytest.mark.parametrize(("value", "text"), [(3.0, "3"), (1.5, "1.5"), (2 / 3, "0.67"), (0.0, "0"), (66.666, "66.67")])
def test_numbers(value: float, text: str) -> None:
    assert fmt_number(value) == text


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def make_run() -> GradeRun:
    m = make_manifest()
    src = Source("a.csv", 2)
    answers = [
        RawAnswer(src, StudentKey((("student_id", "s1"),)), 1, None, "2cos(2x)", "q1"),
        RawAnswer(src, StudentKey((("student_id", "s2"),)), 2, None, "[3y, 1]", "q2"),
        RawAnswer(src, StudentKey((("student_id", "s2"),)), 3, None, "=HYPERLINK(1)", "q3"),
    ]
    subs, issues = collect(m, [ReadResult(answers, [], "long CSV")])
    return GradeRun(m, grade(subs, FakeBackend()), issues)


def test_grades_csv_columns_totals_and_guarded_ids() -> None:
    table = rows(grades_csv(make_run()))
    assert table[0] == ["student_id", "name", "variant", "total", "max", "percent", "status", "q1", "q2", "q3"]
    assert table[1] == ["s1", "Ada Lovelace", "V0", "2", "6", "33.33", "graded", "2", "0", "0"]
    assert table[2] == ["s2", "Émile Borel", "V1", "1.5", "6", "25", "graded", "0", "1.5", "0"]
    assert table[3] == ["'=cmd|' /C calc'!A0", "Mallory <script>", "V2", "", "6", "", "absent", "", "", ""]


def test_responses_csv_has_one_row_per_answer_with_verdicts() -> None:
    table = rows(responses_csv(make_run()))
    assert table[0] == [
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
    by_key = {(r[0], r[1]): r for r in table[1:]}
    assert len(by_key) == 9
    assert by_key[("s1", "1")][4:7] == ["correct", "2", "2"]
    assert by_key[("s2", "2")][4:6] == ["partial", "1.5"]
    assert by_key[("s2", "3")][2] == "'=HYPERLINK(1)" and by_key[("s2", "3")][4] == "incorrect"
    assert by_key[("s1", "2")][4] == "missing"
    assert by_key[("'=cmd|' /C calc'!A0", "1")][4:6] == ["absent", ""]  # absent: no points, not 0


def test_problems_csv() -> None:
    text = problems_csv([Issue("blank", "a.csv", 4, "s1", "2", "blank answer: zero points")])
    assert rows(text) == [
        ["kind", "file", "line", "student_id", "problem", "detail"],
        ["blank", "a.csv", "4", "s1", "2", "blank answer: zero points"],
    ]


def test_canvas_gradebook_columns_from_roster_extras() -> None:
    run = make_run()
    table = rows(canvas_gradebook_csv(run.results, "Chain rule quiz"))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Chain rule quiz"]
    assert table[1] == ["Points Possible", "", "", "", "", "6"]
    assert table[2] == ["Ada Lovelace", "101", "SIS1", "", "A", "2"]
    assert table[4][2] == "'=cmd|' /C calc'!A0"  # no sis_user_id in the roster: the student id, defused


def test_moodle_gradebook_identity_columns() -> None:
    table = rows(moodle_gradebook_csv(make_run().results, "Chain rule quiz"))
    assert table[0] == ["ID number", "Email address", "Chain rule quiz"]
    assert table[1] == ["s1", "ada@uni.edu", "2"]
    assert table[2] == ["s2", "emile@uni.edu", "1.5"]
