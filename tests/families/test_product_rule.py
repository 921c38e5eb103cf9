"""product_rule: keys agree with sympy.diff, the other factors move outside, draws are deterministic,
varied and in range, and each difficulty makes larger products."""

from __future__ import annotations

import pytest
import sympy

from quizgen.families._common import sstr
from quizgen.families.product_rule import ProductRule
from tests.families.drawtools import assert_grows_with_difficulty, assert_key_correct, draw, slot

FAMILY = ProductRule()
SEEDS = range(20)


@pytest.mark.parametrize("ask", ["partial", "gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_keys_match_sympy_diff(difficulty, ask):
    for seed in SEEDS:
        d = draw(FAMILY, slot("product_rule", difficulty, ask, variables=("x", "y", "z"), coefficients=(-9, 9)), seed)
        assert_key_correct(d, seed)


@pytest.mark.parametrize("difficulty", [1, 2])
def test_function_is_one_product_of_several_variables(difficulty):
    for seed in SEEDS:
        d = draw(FAMILY, slot("product_rule", difficulty, variables=("x", "y", "z")), seed)
        assert isinstance(d.function, sympy.Mul)
        assert len(d.function.free_symbols) >= 2
        assert d.function.has(d.wrt[0])


def test_explicit_point_is_used_for_value():
    d = draw(FAMILY, slot("product_rule", 2, "value", point={"x": 1, "y": -1, "z": 2}), 1)
    assert {v.name: int(p) for v, p in d.point.items()} == {"x": 1, "y": -1, "z": 2}
    assert d.answer.is_Integer


def test_coefficients_within_range():
    for seed in SEEDS:
        d = draw(FAMILY, slot("product_rule", 3, coefficients=(-3, -2)), seed)
        for term in sympy.Add.make_args(d.function):
            assert -3 <= term.as_coeff_Mul()[0] <= -2


def test_deterministic_and_varied():
    spec = slot("product_rule", 2)
    first = [(sstr(draw(FAMILY, spec, s).function), draw(FAMILY, spec, s).wrt[0].name) for s in SEEDS]
    assert first == [(sstr(draw(FAMILY, spec, s).function), draw(FAMILY, spec, s).wrt[0].name) for s in SEEDS]
    assert len(set(first)) >= 18


def test_difficulty_grows_the_expression():
    assert_grows_with_difficulty(FAMILY, "product_rule", SEEDS)


def test_steps_move_constants_outside():
    d = draw(FAMILY, slot("product_rule", 2, variables=("x", "y", "z"), wrt="y"), 2)
    texts = " ".join(s.text for s in d.steps)
    assert "treat x and z as constants" in texts
    assert "Constant-multiple rule" in texts and "Power rule" in texts
    assert d.steps[-1].expr == d.answer
