"""Points from verdicts, de-duplicated checks, and gradients answered one component at a time."""

from __future__ import annotations

from dataclasses import replace

from gradetools import FakeBackend, make_manifest

from quizgen.grading.collect import collect
from quizgen.grading.engine import grade
from quizgen.grading.model import RawAnswer, ReadResult, Source, StudentKey


def answers(rows: list[tuple[str, int, str] | tuple[str, int, str, int]]) -> list[RawAnswer]:
    out = []
    for n, row in enumerate(rows, start=2):
        comp = row[3] if len(row) == 4 else None
        out.append(RawAnswer(Source("a.csv", n), StudentKey((("student_id", row[0]),)), row[1], comp, row[2], "q"))
    return out


def graded(rows, backend=None):
    backend = backend or FakeBackend()
    subs, _ = collect(make_manifest(), [ReadResult(answers(rows), [], "long CSV")])
    results = grade(subs, backend)
    return {(a.student_id, a.slot): a for r in results for a in r.answers}, results, backend


def test_points_are_problem_points_times_score() -> None:
    got, results, _ = graded(
        [
            ("s1", 1, "2cos(2x)"),
            ("s1", 2, "[2y, 2x]"),
            ("s1", 3, "1"),  # s1 has k = 2: all right
            ("s2", 1, "cos(3x)"),
            ("s2", 2, "[3y, 7]"),
            ("s2", 3, "1 @"),  # forgot inner, half a gradient, invalid
        ]
    )
    assert [(got[("s1", s)].outcome, got[("s1", s)].points) for s in (1, 2, 3)] == [
        ("correct", 2.0),
        ("correct", 3.0),
        ("correct", 1.0),
    ]
    assert (got[("s2", 1)].outcome, got[("s2", 1)].points, got[("s2", 1)].diagnosis) == (
        "incorrect",
        0.0,
        "forgot_inner",
    )
    assert (got[("s2", 2)].outcome, got[("s2", 2)].points) == ("incorrect", 1.5)
    assert (got[("s2", 3)].outcome, got[("s2", 3)].points) == ("invalid", 0.0)
    assert [r.total for r in results] == [6.0, 1.5, 0.0]
    assert [r.max_points for r in results] == [6.0, 6.0, 6.0]


def test_blank_and_missing_earn_nothing_and_are_not_checked() -> None:
    got, _, backend = graded([("s1", 1, "")])
    assert got[("s1", 1)].outcome == "blank" and got[("s1", 2)].outcome == "missing"
    assert got[("s1", 1)].points == 0 and backend.batches == []


def test_identical_answers_to_the_same_problem_are_checked_once() -> None:
    backend = FakeBackend()
    rows = [("s1", 3, "1"), ("s2", 3, "1"), ("s1", 1, "2cos(2x)")]  # slot 3 has the same key for everyone
    graded(rows, backend)
    assert backend.batches == [2]


def test_gradient_with_a_blank_component_is_checked_component_by_component() -> None:
    got, _, _ = graded([("s1", 2, "2y", 0), ("s2", 2, "3y", 0), ("s2", 2, "3x", 1)])
    s1 = got[("s1", 2)]
    assert (s1.outcome, s1.score, s1.points) == ("incorrect", 0.5, 1.5)
    assert s1.interpreted == "[2y, ?]" and "blank" in s1.feedback
    assert got[("s2", 2)].outcome == "correct" and got[("s2", 2)].points == 3.0


def test_keys_handed_out_from_the_manifests_data_go_to_the_checker_once(monkeypatch) -> None:
    from quizgen.checker import Checker
    from quizgen.grading.engine import CheckerBackend

    sent: list[list[object]] = []
    monkeypatch.setattr(Checker, "expect", lambda self, keys: sent.append(list(keys)))
    problems = list({id(p): p for s in make_manifest().students for p in s.problems if not p.parts}.values())
    keys = [(tuple(p.answer) if isinstance(p.answer, list) else p.answer, tuple(p.variables)) for p in problems]
    hostile = [{}, {"answer": {"a": 1}, "variables": ["x"]}, {"answer": "x", "variables": "x"}, {"answer": ["x", 2]}]
    backend = CheckerBackend(workers=1, timeout=2.0)
    try:
        backend.expect_data([p.to_dict() for p in problems] + hostile)  # as manifest.read hands them out
        assert sent == [list(dict.fromkeys(keys))]  # what is not shaped like a key is left out, not an error
        backend.expect(problems)  # as grade_files does once the manifest is read: nothing new
        backend.expect([*problems, replace(problems[0], answer="x**3")])
    finally:
        backend.close()
    assert sent == [list(dict.fromkeys(keys)), [("x**3", tuple(problems[0].variables))]]
