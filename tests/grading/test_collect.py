"""Matching answers to students and problems: duplicates, blanks, unknowns, components."""

from __future__ import annotations

import pytest
from gradetools import make_manifest

from quizgen.grading.collect import _near, collect
from quizgen.grading.model import RawAnswer, ReadResult, Source, StudentKey


def raw(line: int, student: str, slot: int, text: str, component: int | str | None = None) -> RawAnswer:
    return RawAnswer(Source("a.csv", line), StudentKey((("student_id", student),)), slot, component, text, f"q{slot}")


def run(answers: list[RawAnswer], first: bool = False):
    subs, issues = collect(make_manifest(), [ReadResult(answers, [], "long CSV")], first=first)
    return {(s.sheet.student_id, s.problem.slot): s for s in subs}, issues


def test_every_student_and_problem_gets_one_submission_in_roster_order() -> None:
    subs, _ = collect(make_manifest(), [])
    assert [(s.sheet.student_id, s.problem.slot) for s in subs][:4] == [("s1", 1), ("s1", 2), ("s1", 3), ("s2", 1)]
    assert len(subs) == 9


def test_last_answer_counts_and_the_duplicate_is_reported() -> None:
    subs, issues = run([raw(2, "s1", 1, "a"), raw(3, "s1", 1, "b")])
    assert subs[("s1", 1)].text == "b"
    dup = [i for i in issues if i.kind == "duplicate"]
    assert len(dup) == 1 and dup[0].line == 3 and "'a' (a.csv:2)" in dup[0].detail


def test_first_flag_keeps_the_first_answer() -> None:
    subs, _ = run([raw(2, "s1", 1, "a"), raw(3, "s1", 1, "b")], first=True)
    assert subs[("s1", 1)].text == "a"


def test_a_blank_never_replaces_an_answer() -> None:
    subs, issues = run([raw(2, "s1", 1, "a"), raw(3, "s1", 1, "  ")])
    assert subs[("s1", 1)].text == "a"
    assert not [i for i in issues if i.kind in ("duplicate", "blank") and i.student_id == "s1"]


def test_blank_missing_and_absent_are_reported() -> None:
    subs, issues = run([raw(2, "s1", 1, ""), raw(3, "s1", 2, "x")])
    kinds = {(i.kind, i.student_id, i.problem) for i in issues}
    assert ("blank", "s1", "1") in kinds
    assert ("missing", "s1", "3") in kinds
    assert ("absent", "s2", "") in kinds
    assert subs[("s1", 1)].text == "" and subs[("s1", 1)].source is not None
    assert subs[("s1", 3)].source is None


def test_unknown_student_and_problem_keep_the_answer_in_the_report() -> None:
    _, issues = run([raw(2, "nobody", 1, "2x"), raw(3, "s1", 9, "7y")])
    unknown = {i.kind: i for i in issues if i.kind.startswith("unknown")}
    assert "'2x'" in unknown["unknown_student"].detail and unknown["unknown_student"].line == 2
    assert "'7y'" in unknown["unknown_problem"].detail and unknown["unknown_problem"].problem == "q9"


def test_student_ids_match_ignoring_case_and_spaces() -> None:
    subs, issues = run([raw(2, " S1 ", 1, "a")])
    assert subs[("s1", 1)].text == "a"
    assert not [i for i in issues if i.kind == "unknown_student"]


def test_gradient_components_by_position_or_variable_are_assembled() -> None:
    subs, _ = run([raw(2, "s1", 2, "2y", 0), raw(2, "s1", 2, "2x", "y"), raw(2, "s2", 2, "3x", 1)])
    assert subs[("s1", 2)].text == "[2y, 2x]" and subs[("s1", 2)].components == ("2y", "2x")
    assert subs[("s2", 2)].components == ("", "3x")


def test_component_of_a_scalar_problem_or_out_of_range_is_unknown() -> None:
    _, issues = run([raw(2, "s1", 1, "2x", 0), raw(3, "s1", 2, "5", 4), raw(4, "s1", 2, "5", "z")])
    assert [(i.kind, i.line) for i in issues if i.kind == "unknown_problem"] == [
        ("unknown_problem", 2),
        ("unknown_problem", 3),
        ("unknown_problem", 4),
    ]


def test_lms_identity_values_match_roster_extra_columns_but_shared_values_do_not() -> None:
    by_email = RawAnswer(
        Source("m.csv", 2), StudentKey((("idnumber", ""), ("email", "Ada@Uni.edu"))), 1, None, "a", "Response 1"
    )
    by_section = RawAnswer(Source("m.csv", 3), StudentKey((("idnumber", "A"),)), 1, None, "b", "Response 1")
    subs, issues = collect(make_manifest(), [ReadResult([by_email, by_section], [], "Moodle responses")])
    assert next(s.text for s in subs if s.sheet.student_id == "s1") == "a"
    assert [(i.kind, i.line) for i in issues if i.kind == "unknown_student"] == [("unknown_student", 3)]


def named(line: int, student: str, slot: int, text: str, name: str) -> RawAnswer:
    return RawAnswer(Source("a.csv", line), StudentKey((("student_id", student),), name), slot, None, text, f"q{slot}")


def test_an_unknown_id_is_one_line_with_its_answers_and_a_same_name_hint() -> None:
    _, issues = run(
        [named(2, "s9", 1, "2x", "Lovelace, Ada"), named(3, "s9", 2, "[1, 2]", "Lovelace, Ada"), raw(4, "s1", 1, "a")]
    )
    unknown = [i for i in issues if i.kind == "unknown_student"]
    assert len(unknown) == 1 and (unknown[0].student_id, unknown[0].line) == ("s9", 2)
    detail = unknown[0].detail
    assert "did you mean s1 (same name)?" in detail and "2 answers not graded (lines 2, 3)" in detail
    assert "q1 '2x'" in detail and "q2 '[1, 2]'" in detail


def test_a_near_id_is_suggested_only_for_a_student_who_sent_nothing_under_their_own_id() -> None:
    _, issues = run([raw(2, "s2x", 1, "2x"), raw(3, "2s", 1, "2x"), raw(4, "s2", 1, "b")])
    by_id = {i.student_id: i.detail for i in issues if i.kind == "unknown_student"}
    assert "did you mean" not in by_id["s2x"]  # s2 answered: a typo of s2 is not guessed
    _, issues = run([raw(2, "s2x", 1, "2x"), raw(3, "2s", 1, "2x"), raw(4, "s1", 1, "b")])
    by_id = {i.student_id: i.detail for i in issues if i.kind == "unknown_student"}
    assert "did you mean s2 (id one character off)?" in by_id["s2x"]
    assert "did you mean" not in by_id["2s"]  # ids shorter than 3 characters are not guessed


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("s2610", "s2601", True),
        ("s2610", "s261", True),
        ("s2610", "s26100", True),
        ("s2610", "s2710", True),
        ("s2610", "s2016", False),
        ("s2610", "S2610", False),
    ],
)
def test_near_ids(a: str, b: str, near: bool) -> None:
    assert _near(a, b) is near


def test_an_id_that_matches_only_ignoring_case_never_replaces_the_other_answers() -> None:
    uncounted: list = []
    subs, issues = collect(
        make_manifest(),
        [ReadResult([raw(2, "s1", 1, "mine"), raw(3, "S1", 1, "theirs"), raw(4, "S1", 2, "[1, 2]")], [], "long CSV")],
        uncounted=uncounted,
    )
    s1 = {s.problem.slot: s.text for s in subs if s.sheet.student_id == "s1"}
    assert s1 == {1: "mine", 2: "", 3: ""}
    assert [(u.typed_id, u.problem.slot, u.text) for u in uncounted] == [("S1", 1, "theirs"), ("S1", 2, "[1, 2]")]
    conflict = [i for i in issues if i.kind == "id_conflict"]
    assert len(conflict) == 1 and conflict[0].line == 3 and "'S1'" in conflict[0].detail
    assert not [i for i in issues if i.kind == "duplicate"]


def test_a_resubmission_is_one_line_per_student_naming_the_kept_rows() -> None:
    wide_row1 = [raw(2, "s1", 1, "a"), raw(2, "s1", 3, "c")]
    wide_row2 = [raw(5, "s1", 1, "a2"), raw(5, "s1", 3, "c2"), raw(6, "s2", 1, "x")]
    subs, issues = run(wide_row1 + wide_row2)
    assert (subs[("s1", 1)].text, subs[("s1", 3)].text) == ("a2", "c2")
    dup = [i for i in issues if i.kind == "duplicate"]
    assert len(dup) == 1 and (dup[0].student_id, dup[0].line, dup[0].problem) == ("s1", 5, "q1, q3")
    assert "kept a.csv:5" in dup[0].detail and "dropped 2" in dup[0].detail
    assert "q1 'a' (a.csv:2)" in dup[0].detail and "q3 'c' (a.csv:2)" in dup[0].detail


def test_absent_students_get_absent_submissions() -> None:
    subs, _ = run([raw(2, "s1", 1, "a")])
    assert {s.present for (sid, _), s in subs.items() if sid == "s2"} == {False}
    assert {s.present for (sid, _), s in subs.items() if sid == "s1"} == {True}


def test_answers_matched_by_an_lms_identity_and_by_the_id_are_one_problem_answered_twice() -> None:
    """A Moodle export (matched by email) and a CSV (by id) both answer s1's problem 1: the later row counts,
    in either file order, and the other is reported as dropped."""
    by_email = RawAnswer(
        Source("m.csv", 2), StudentKey((("idnumber", ""), ("email", "Ada@Uni.edu"))), 1, None, "a", "Response 1"
    )
    by_id = raw(3, "s1", 1, "b")
    for reads, kept, dropped in (
        (
            [ReadResult([by_email], [], "Moodle responses", "m.csv"), ReadResult([by_id], [], "long CSV", "a.csv")],
            "b",
            "'a' (m.csv:2)",
        ),
        (
            [ReadResult([by_id], [], "long CSV", "a.csv"), ReadResult([by_email], [], "Moodle responses", "m.csv")],
            "a",
            "'b' (a.csv:3)",
        ),
    ):
        subs, issues = collect(make_manifest(), reads)
        assert next(s.text for s in subs if s.sheet.student_id == "s1" and s.problem.slot == 1) == kept
        dup = [i for i in issues if i.kind == "duplicate" and i.student_id == "s1"]
        assert len(dup) == 1 and dropped in dup[0].detail
