"""The review queue: suggested readings of unreadable answers, found by small repairs through the parser."""

from __future__ import annotations

import pytest
from gradetools import FakeBackend

from quizgen.grading.review import suggest_reading


@pytest.mark.parametrize(
    ("typed", "reading", "repair"),
    [
        ("3cos(3x", "3*cos(3*x)", "closing bracket ')' added"),
        ("[2y, 2x", "[2*y, 2*x]", "closing bracket ']' added"),
        ("max(x, (y", "max(x, (y))", "2 closing brackets '))' added"),
        ("2x)", "2*x", "unmatched ')' removed"),
        ("x^^2", "x^2", "doubled operator removed"),
        ("3x^2 +", "3*x^2", "trailing operator removed"),
        ("df/dx = 2x", "2*x", "right side of the equation kept"),
        ("(2x +", "(2*x)", "trailing operator removed, closing bracket ')' added"),
    ],
)
def test_small_repairs_give_a_reading(typed: str, reading: str, repair: str) -> None:
    got = suggest_reading(typed, ["x", "y"])
    assert got is not None and got[1:] == (reading, repair)


@pytest.mark.parametrize(
    "typed", ["__import__('os').system('ls')", "x.__class__", "lambda x: x", "sin(", "", "2x", "q + 1", "(" * 400 + "x"]
)
def test_no_reading_for_hostile_readable_or_hopeless_answers(typed: str) -> None:
    assert suggest_reading(typed, ["x", "y"]) is None  # "2x" parses: nothing to repair


def test_suggestions_are_for_invalid_answers_only_and_never_change_the_grade(tmp_path, manifest_path) -> None:
    from quizgen import manifest as manifest_mod
    from quizgen.grading.run import grade_files

    (tmp_path / "a.csv").write_text("student_id,q1,q3\ns1,2cos(2x,1\ns2,3cos(3x),(1 @\n", encoding="utf-8")
    backend = FakeBackend()
    run = grade_files(manifest_mod.read(manifest_path), [tmp_path / "a.csv"], backend)
    assert len(backend.batches) == 1  # readings are parsed, never sent to the checker
    # "(1 @" is invalid, but adding the bracket still leaves "@": no reading; "3cos(3x)" was right all along.
    assert {k: (s.text, s.repair) for k, s in run.suggestions.items()} == {
        ("s1", 1): ("2*cos(2*x)", "closing bracket ')' added")
    }
    assert [(a.student_id, a.slot) for a in run.review] == [("s1", 1), ("s2", 3)]
    assert all(a.points == 0 for a in run.review)


def test_may_repair_is_a_cheap_filter_that_keeps_every_repairable_answer() -> None:
    from quizgen.grading.review import may_repair

    for typed in ("3cos(3x", "2x)", "x^^2", "3x^2 +", "df/dx = 2x", "[2y, 2x"):
        assert may_repair(typed)
    for typed in ("2x", "3*cos(3*x)", "x**2", "x^-1", "", "  "):
        assert not may_repair(typed)
