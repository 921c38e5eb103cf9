"""Gradient family: keys agree with sympy.diff, value keys with the derivative at the point, draws are
deterministic, varied, in the bank's coefficient range, and every buggy key differs from the key."""

from __future__ import annotations

import random

import pytest
import sympy

from quizgen.families.base import Draft, SlotSpec
from quizgen.families.gradient import Gradient
from tests.families.drawtools import assert_steps_well_formed, derivative, remembered

SEEDS = range(25)
ASKS = ("gradient", "value")
VARIABLE_SETS = [("x", "y"), ("x", "y", "z"), ("a", "b", "c", "d")]


def _slot(
    difficulty: int, ask: str = "gradient", variables=("x", "y", "z"), coefficients=(-5, 5), point=None
) -> SlotSpec:
    if ask == "value" and point is None:
        point = "random"
    return SlotSpec(1, "gradient", difficulty, 2.0, ask, variables=variables, coefficients=coefficients, point=point)


def _fresh_draw(slot: SlotSpec, seed: int) -> Draft:
    draft = Gradient().draw(slot, random.Random(seed))
    assert draft is not None
    return draft


_draw = remembered(_fresh_draw)  # test_same_seed_same_draft draws afresh


@pytest.mark.parametrize("difficulty", [1, 2, 3])
@pytest.mark.parametrize("variables", VARIABLE_SETS)
def test_gradient_equals_sympy_diff(difficulty, variables):
    for seed in SEEDS:
        draft = _draw(_slot(difficulty, variables=variables), seed)
        assert [v.name for v in draft.wrt] == list(variables)
        assert len(draft.answer) == len(variables)
        for v, component in zip(draft.variables, draft.answer):
            assert sympy.expand(derivative(draft.function, v) - component) == 0
            assert component != 0


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_value_is_gradient_at_point(difficulty):
    for seed in SEEDS:
        draft = _draw(_slot(difficulty, "value"), seed)
        assert draft.point is not None and set(draft.point) == set(draft.variables)
        expected = [derivative(draft.function, v).xreplace(draft.point) for v in draft.variables]
        assert [sympy.N(a - e) for a, e in zip(draft.answer, expected)] == [0] * len(expected)
        assert all(a.is_number for a in draft.answer)


def test_explicit_point_is_used():
    draft = _draw(_slot(1, "value", variables=("x", "y"), point={"x": 1, "y": -2}), 3)
    assert {v.name: int(val) for v, val in draft.point.items()} == {"x": 1, "y": -2}


@pytest.mark.parametrize("ask", ["gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_same_seed_same_draft(difficulty, ask):
    a = _fresh_draw(_slot(difficulty, ask), 11)
    b = _fresh_draw(_slot(difficulty, ask), 11)
    assert str(a.function) == str(b.function)
    assert str(a.answer) == str(b.answer)
    assert a.prompt_text == b.prompt_text
    assert [s.text for s in a.steps] == [s.text for s in b.steps]
    assert [(m.kind, str(m.answer)) for m in a.mistakes] == [(m.kind, str(m.answer)) for m in b.mistakes]


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_variety_across_seeds(difficulty):
    functions = {str(_draw(_slot(difficulty), seed).function) for seed in range(20)}
    assert len(functions) >= 18


def test_difficulty_changes_structure():
    def size(difficulty: int) -> float:
        drafts = [_draw(_slot(difficulty), seed) for seed in range(20)]
        return sum(sympy.count_ops(d.function) for d in drafts) / len(drafts)

    assert size(1) < size(2) < size(3)
    hard = [_draw(_slot(3), seed).function for seed in range(20)]
    assert all(f.has(sympy.exp, sympy.sin, sympy.cos) for f in hard)
    easy = [_draw(_slot(1), seed).function for seed in range(20)]
    assert not any(f.has(sympy.exp, sympy.sin, sympy.cos) for f in easy)


def _coefficients(expr: sympy.Basic) -> list[int]:
    """Every integer in expr that is not an exponent."""
    found: list[int] = []

    def walk(e: sympy.Basic) -> None:
        if isinstance(e, sympy.Pow):
            walk(e.base)
            return
        if isinstance(e, sympy.Integer):
            found.append(int(e))
        for arg in e.args:
            walk(arg)

    walk(expr)
    return found


@pytest.mark.parametrize("difficulty", [1, 2, 3])
@pytest.mark.parametrize("coefficients", [(2, 4), (1, 9)])
def test_coefficients_within_slot_range(difficulty, coefficients):
    lo, hi = coefficients
    for seed in SEEDS:
        draft = _draw(_slot(difficulty, coefficients=coefficients), seed)
        numbers = _coefficients(draft.function)
        assert numbers and all(lo <= n <= hi for n in numbers), (draft.function, numbers)


def _differs(a, b, variables) -> bool:
    if not isinstance(a, list) or len(a) != len(b):
        return True
    return any(sympy.expand(x - y) != 0 for x, y in zip(a, b))


@pytest.mark.parametrize("ask", ["gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_mistakes_differ_from_key_and_explain(difficulty, ask):
    kinds: set[str] = set()
    for seed in SEEDS:
        draft = _draw(_slot(difficulty, ask), seed)
        for m in draft.mistakes:
            kinds.add(m.kind)
            assert _differs(m.answer, draft.answer, draft.variables), (m.kind, m.answer)
            assert len(m.feedback) > 30
        assert len({m.kind for m in draft.mistakes}) == len(draft.mistakes)
    assert {"swapped_components", "missing_component", "other_var_nonconst", "off_by_one_exp"} <= kinds


def test_missing_component_is_shorter():
    draft = _draw(_slot(2), 5)
    missing = next(m for m in draft.mistakes if m.kind == "missing_component")
    assert len(missing.answer) == len(draft.answer) - 1


@pytest.mark.parametrize("ask", ["gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_steps_end_in_answer(difficulty, ask):
    for seed in range(8):
        draft = _draw(_slot(difficulty, ask), seed)
        assert draft.steps[-1].expr == draft.answer
        assert all(step.text for step in draft.steps)
        partial_steps = [s for s in draft.steps if s.text.startswith("∂f/∂")]
        assert [s.expr for s in partial_steps] == list(
            draft.answer if ask == "gradient" else [derivative(draft.function, v) for v in draft.variables]
        )


def test_prompt_uses_nabla_and_partials():
    draft = _draw(_slot(1, variables=("x", "y")), 0)
    assert r"\nabla f" in draft.prompt_latex and r"\partial" in draft.prompt_latex
    assert "∇f" in draft.prompt_text
    value = _draw(_slot(1, "value", variables=("x", "y")), 0)
    assert r"\nabla f" in value.prompt_latex and "x = " in value.prompt_text


def test_step_latex_is_well_formed_and_explains_itself():
    """Renderers set a leading \\text{...} as the step's sentence and the rest as a formula."""
    for ask in ASKS:
        for difficulty in (1, 2, 3):
            assert_steps_well_formed(_draw(_slot(difficulty, ask), 1))
