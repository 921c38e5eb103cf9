"""sum_rule: keys agree with sympy.diff at every difficulty and ask, terms without the variable vanish,
draws are deterministic and varied, coefficients stay in the bank's range, mistakes differ from the key."""

from __future__ import annotations

import pytest
import sympy

from quizgen.families._common import sstr
from quizgen.families.sum_rule import SumRule
from tests.families.drawtools import assert_grows_with_difficulty, assert_key_correct, draw, slot

FAMILY = SumRule()
SEEDS = range(20)


@pytest.mark.parametrize("ask", ["partial", "gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_keys_match_sympy_diff(difficulty, ask):
    for seed in SEEDS:
        d = draw(FAMILY, slot("sum_rule", difficulty, ask, variables=("x", "y", "z"), coefficients=(-9, 9)), seed)
        assert_key_correct(d, seed)


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_function_has_vanishing_terms_and_key_is_not_zero(difficulty):
    for seed in SEEDS:
        d = draw(FAMILY, slot("sum_rule", difficulty, variables=("x", "y", "z")), seed)
        wrt = d.wrt[0]
        terms = sympy.Add.make_args(d.function)
        assert any(not t.has(wrt) for t in terms), "a term without the variable must vanish"
        assert d.answer != 0


def test_wrt_from_bank_is_used():
    for seed in SEEDS:
        d = draw(FAMILY, slot("sum_rule", 2, variables=("w1", "x1", "b"), wrt="b"), seed)
        assert [w.name for w in d.wrt] == ["b"]


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_coefficients_within_range(difficulty):
    for seed in SEEDS:
        d = draw(FAMILY, slot("sum_rule", difficulty, coefficients=(2, 4)), seed)
        for term in sympy.Add.make_args(d.function):
            coeff = term.as_coeff_Mul()[0]
            assert 2 <= coeff <= 4, (d.function, term)


def test_same_seed_same_draw_and_variety():
    spec = slot("sum_rule", 2)
    first = [sstr(draw(FAMILY, spec, s).function) for s in SEEDS]
    again = [sstr(draw(FAMILY, spec, s).function) for s in SEEDS]
    assert first == again
    assert len(set(first)) >= 18


def test_difficulty_grows_the_expression():
    assert_grows_with_difficulty(FAMILY, "sum_rule", SEEDS)


def test_steps_name_the_constants_and_end_with_the_key():
    d = draw(FAMILY, slot("sum_rule", 2, variables=("x", "y", "z"), wrt="x"), 3)
    assert "treat y and z as constants" in d.steps[0].text
    assert d.steps[1].text.startswith("Sum rule")
    assert d.steps[-1].expr == d.answer


def test_mistakes_include_the_classic_errors():
    d = draw(FAMILY, slot("sum_rule", 2), 5)
    kinds = {m.kind for m in d.mistakes}
    assert {"wrong_var", "other_var_nonconst", "off_by_one_exp"} <= kinds
