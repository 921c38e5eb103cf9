"""relu: d/dx max(0, u) is u' where u > 0 and 0 elsewhere; keys agree with sympy.diff off the kink for every
difficulty (one variable, affine in several, chain rule through ReLU); buggy keys include the thin-region
trap 2*1(x > 0) for max(0, 2x + 1)."""

from __future__ import annotations

import pytest
import sympy

from quizgen.families._common import sstr
from quizgen.families.relu import Relu
from tests.families.drawtools import assert_grows_with_difficulty, assert_key_correct, draw, slot

FAMILY = Relu()
SEEDS = range(25)


@pytest.mark.parametrize("ask", ["partial", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_keys_match_sympy_diff_off_the_kink(difficulty, ask):
    for seed in SEEDS:
        d = draw(FAMILY, slot("relu", difficulty, ask, variables=("x", "y"), coefficients=(-5, 5)), seed)
        assert d.kinks and d.function.has(sympy.Max)
        assert_key_correct(d, seed)


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_gradient_keys(difficulty):
    for seed in SEEDS:
        d = draw(FAMILY, slot("relu", difficulty, "gradient", variables=("w", "b")), seed)
        assert [w.name for w in d.wrt] == ["w", "b"]
        assert_key_correct(d, seed)


def test_key_is_an_indicator_of_the_inner_expression():
    for seed in SEEDS:
        d = draw(FAMILY, slot("relu", 1, variables=("x",)), seed)
        assert isinstance(d.answer, sympy.Piecewise)
        (_, cond), (otherwise, _) = d.answer.args
        assert cond.lhs == d.kinks[0] and otherwise == 0


def test_wrong_kink_mistake_is_offered_for_affine_inputs():
    kinds = set()
    for seed in SEEDS:
        d = draw(FAMILY, slot("relu", 1, variables=("x",)), seed)
        if d.kinks[0] != d.wrt[0]:
            kinds |= {m.kind for m in d.mistakes}
    assert {"wrong_kink", "wrong_side", "ignored_max"} <= kinds


def test_chain_rule_level_has_powers_or_nonlinear_inputs():
    shapes = set()
    for seed in SEEDS:
        d = draw(FAMILY, slot("relu", 3, variables=("x", "y")), seed)
        shapes.add(
            "power"
            if any(isinstance(a, sympy.Pow) and a.base.has(sympy.Max) for a in sympy.preorder_traversal(d.function))
            else "inner"
        )
    assert shapes == {"power", "inner"}


def test_deterministic_and_varied():
    spec = slot("relu", 2, variables=("x", "y"))
    first = [sstr(draw(FAMILY, spec, s).function) for s in SEEDS]
    assert first == [sstr(draw(FAMILY, spec, s).function) for s in SEEDS]
    assert len(set(first)) >= 22


def test_difficulty_grows_the_expression():
    assert_grows_with_difficulty(FAMILY, "relu", SEEDS, variables=("x", "y"))
