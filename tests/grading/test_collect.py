"""Matching answers to students and problems: duplicates, blanks, unknowns, components."""

from __future__ import annotations

from gradetools import make_manifest

from quizgen.grading.collect import collect
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
        ("unknown_problem", 2), ("unknown_problem", 3), ("unknown_problem", 4)]


def test_lms_identity_values_match_roster_extra_columns_but_shared_values_do_not() -> None:
    by_email = RawAnswer(Source("m.csv", 2), StudentKey((("idnumber", ""), ("email", "Ada@Uni.edu"))), 1, None,
                         "a", "Response 1")
    by_section = RawAnswer(Source("m.csv", 3), StudentKey((("idnumber", "A"),)), 1, None, "b", "Response 1")
    subs, issues = collect(make_manifest(), [ReadResult([by_email, by_section], [], "Moodle responses")])
    assert [s.text for s in subs if s.sheet.student_id == "s1"][0] == "a"
    assert [(i.kind, i.line) for i in issues if i.kind == "unknown_student"] == [("unknown_student", 3)]
