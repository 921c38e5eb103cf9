from __future__ import annotations

from exporttools import make_problem, sample_problems

from quizgen.export import numeric
from quizgen.export.items import build_item, build_quiz, question_name
from quizgen.problem import Mistake
from quizgen.variantids import VariantId


def _item(problem, variant: int = 1):
    return build_item(problem, VariantId("demo", 7, problem.slot, variant), 20)


def test_quiz_has_one_group_per_slot_in_order(quiz) -> None:
    assert [g.number for g in quiz.groups] == [1, 2, 3, 4, 5]
    assert [len(g.items) for g in quiz.groups] == [3, 2, 2, 2, 1]
    ids = [item.idnumber for g in quiz.groups for item in g.items]
    assert len(ids) == len(set(ids))


def test_kinds_follow_what_the_slot_asks(quiz) -> None:
    kinds = {g.number: {i.kind for i in g.items} for g in quiz.groups}
    assert kinds == {
        1: {"multichoice"},
        2: {"multichoice"},
        3: {"multichoice"},
        4: {"numerical"},
        5: {"multinumerical"},
    }


def test_choices_have_one_key_and_distinct_distractors(quiz) -> None:
    for group in quiz.groups:
        for item in group.items:
            if item.kind == "numerical":
                continue
            assert sum(c.correct for c in item.choices) == 1
            assert len(item.choices) >= 4
            points = numeric.sample_points(item.problem.variables)
            sigs = [
                numeric.signature(numeric.KeyValue(c.components, len(c.components) > 1), points) for c in item.choices
            ]
            for i in range(len(sigs)):
                for j in range(i):
                    assert not numeric.same_values(sigs[i], sigs[j]), (item.idnumber, i, j)


def test_mistake_equal_to_key_is_dropped_and_feedback_kept() -> None:
    item = _item(sample_problems()[1][0])
    feedbacks = {c.feedback for c in item.choices}
    assert "Duplicate of the key: must be dropped." not in feedbacks
    assert "You differentiated with respect to y." in feedbacks
    assert "The exponent drops by one." in feedbacks


def test_generic_distractors_fill_up_when_mistakes_run_out() -> None:
    item = _item(make_problem(mistakes=()))
    assert len(item.choices) == 4
    assert {c.kind for c in item.choices if not c.correct} <= {
        "generic_sign",
        "generic_factor",
        "generic_half",
        "generic_shift",
    }


def test_choice_order_is_deterministic_and_varies_between_variants() -> None:
    problem = sample_problems()[1][0]
    assert _item(problem, 1).choices == _item(problem, 1).choices
    orders = {tuple(c.kind for c in _item(problem, v).choices) for v in range(1, 9)}
    assert len(orders) > 1


def test_numerical_value_tolerance_and_wrong_values() -> None:
    problem = sample_problems()[4][1]
    item = _item(problem)
    (part,) = item.numbers
    assert part.value == 7.0
    assert part.tolerance == numeric.tolerance(7.0) == 0.007
    assert part.wrong == ((1.0, "That is the derivative with respect to x."),)


def test_wrong_value_too_close_to_key_gives_no_feedback_entry() -> None:
    problem = make_problem(
        ask="value",
        function="x**2",
        variables=("x",),
        point={"x": 1},
        answer="2",
        mistakes=(Mistake("close", "2.0001", "too close"), Mistake("far", "1", "far")),
    )
    (part,) = _item(problem).numbers
    assert [fb for _, fb in part.wrong] == ["far"]


def test_gradient_value_has_one_number_per_component() -> None:
    item = _item(sample_problems()[5][0])
    assert [p.value for p in item.numbers] == [4.0, 1.0]
    assert item.numbers[0].label_latex == r"\frac{\partial f}{\partial x}"


def test_build_quiz_skips_empty_slots() -> None:
    quiz = build_quiz(title="t", bank_id="b", seed=1, problems={2: [], 1: sample_problems()[1]})
    assert [g.number for g in quiz.groups] == [1]


def test_question_name_pads_variant_to_count() -> None:
    assert question_name(3, "chain_single", 7, 20) == "Slot 3 (chain_single) variant 07"
    assert question_name(3, "chain_single", 7, 150) == "Slot 3 (chain_single) variant 007"
