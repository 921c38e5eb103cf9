from __future__ import annotations

from dataclasses import replace

from gradetools import make_manifest

from quizgen.grading.items import item_stats, misconceptions
from quizgen.grading.model import GradedAnswer, GradeRun, StudentResult
from quizgen.problem import Sheet


def answer(
    sheet: Sheet,
    slot: int,
    fraction: float,
    outcome: str = "correct",
    diagnosis: str | None = None,
    function: str | None = None,
) -> GradedAnswer:
    p = sheet.problems[slot - 1]
    if function is not None:
        p = replace(p, function=function)
    return GradedAnswer(
        sheet.student_id,
        slot,
        p,
        "typed",
        outcome,
        "x",
        "x",
        "",
        diagnosis,
        fraction,  # type: ignore[arg-type]
        fraction * p.points,
    )


def make_class(scores: list[tuple[float, float]], functions: list[str] | None = None) -> GradeRun:
    """One student per (slot 1 fraction, slot 2 fraction); slot 3 all right; plus an absent student."""
    base = make_manifest()
    results = []
    for i, (a, b) in enumerate(scores):
        sheet = replace(base.students[0], student_id=f"s{i}")
        fn = functions[i] if functions else None
        results.append(
            StudentResult(
                sheet,
                [
                    answer(sheet, 1, a, "correct" if a == 1 else "incorrect", None if a == 1 else "forgot_inner", fn),
                    answer(sheet, 2, b, "correct" if b == 1 else "incorrect", None if b == 1 else "sign"),
                    answer(sheet, 3, 1.0),
                ],
            )
        )
    absent = replace(base.students[1], student_id="gone")
    results.append(StudentResult(absent, [answer(absent, s, 0.0, "absent", "sign") for s in (1, 2, 3)]))
    return GradeRun(base, results, [])


def test_difficulty_and_discrimination_leave_the_absent_student_out() -> None:
    run = make_class([(1, 1), (1, 1), (1, 0), (0, 0), (0, 0), (0, 1)])
    one, _two, three = item_stats(run)
    assert (one.n, one.difficulty) == (6, 0.5)  # the absent student's zeros are not counted
    assert one.discrimination is not None and one.discrimination > 0.3  # strong students got it right
    assert three.difficulty == 1.0 and three.discrimination is None  # everyone right: nothing to separate


def test_a_variant_far_from_the_rest_of_its_slot_is_flagged() -> None:
    scores = [(0, 1)] * 4 + [(1, 1)] * 8
    functions = ["hard"] * 4 + ["easy"] * 4 + ["other"] * 4
    [one, *_] = item_stats(make_class(scores, functions))
    assert one.variants == 3 and [v.key for v in one.flagged] == ["hard"]
    assert {v.key: round(v.mean, 2) for v in one.compared} == {"hard": 0.0, "easy": 1.0, "other": 1.0}
    fair = item_stats(make_class([(1, 1), (0, 1)] * 6, ["a", "b"] * 3 + ["b", "a"] * 3))[0]
    assert fair.compared and not fair.flagged


def test_misconceptions_are_ranked_by_students_across_problems_without_the_absent() -> None:
    run = make_class([(0, 0), (0, 1), (1, 0), (0, 0)])
    found = misconceptions(run)
    assert [(m.kind, m.students, m.slots) for m in found] == [("forgot_inner", 3, [1]), ("sign", 3, [2])]
    assert found[0].example.student_id == "s0"


def test_a_variant_is_compared_with_the_mean_of_the_rest_of_its_slot_to_the_last_bit() -> None:
    """The rest's mean comes from exact sums, not from listing the rest per variant: it must be the very
    float statistics.fmean gives for the other variants' scores, awkward fractions included."""
    import statistics

    fractions = [0.7, 0.7, 0.7] + [0.1] * 10 + [0.3, 0.6, 0.9, 1 / 3] + [1e-17, 1 / 7]
    functions = ["f1"] * 3 + ["f2"] * 10 + ["f3"] * 4 + ["f4"] * 2  # f1's rest summed naively is 2 ulps off
    run = make_class([(f, 1.0) for f in fractions], functions)
    compared = item_stats(run)[0].compared
    assert {v.key for v in compared} == {"f1", "f2", "f3"}  # f4: too few students
    for v in compared:
        rest = [f for f, fn in zip(fractions, functions, strict=True) if fn != v.key]
        assert v.rest_mean == statistics.fmean(rest)
        assert v.mean == statistics.fmean([f for f, fn in zip(fractions, functions, strict=True) if fn == v.key])
