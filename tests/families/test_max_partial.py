"""max_partial: the key of d/dx max(x, y) is the indicator 1(x > y) written as a Piecewise; keys agree with
sympy.diff off the kink; the kink is reported; buggy keys flip or drop the indicator."""

from __future__ import annotations

import pytest

from quizgen.families._common import sstr, var
from quizgen.families.max_partial import MaxPartial
from tests.families.drawtools import assert_grows_with_difficulty, assert_key_correct, draw, slot

FAMILY = MaxPartial()
SEEDS = range(25)


@pytest.mark.parametrize("ask", ["partial", "gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_keys_match_sympy_diff_off_the_kink(difficulty, ask):
    for seed in SEEDS:
        d = draw(FAMILY, slot("max_partial", difficulty, ask, variables=("x", "y"), coefficients=(-5, 5)), seed)
        assert len(d.kinks) == 1
        assert_key_correct(d, seed)


def test_max_of_x_and_y_is_the_indicator():
    seen = set()
    for seed in range(60):
        d = draw(FAMILY, slot("max_partial", 1, variables=("x", "y")), seed)
        if sstr(d.function) == "Max(x, y)":
            seen.add((d.wrt[0].name, sstr(d.answer)))
    assert seen == {("x", "Piecewise((1, x > y), (0, True))"), ("y", "Piecewise((1, y > x), (0, True))")}


def test_wrong_side_mistake_flips_the_indicator():
    d = draw(FAMILY, slot("max_partial", 1, variables=("x", "y"), wrt="x"), 0)
    wrong = next(m for m in d.mistakes if m.kind == "wrong_side")
    x, y = var("x"), var("y")
    point = {x: 2, y: 1}
    assert d.answer.subs(point) != wrong.answer.subs(point)


def test_value_points_avoid_the_kink():
    for seed in SEEDS:
        d = draw(FAMILY, slot("max_partial", 2, "value"), seed)
        assert d.kinks[0].subs(d.point) != 0


def test_deterministic_and_varied_at_higher_difficulty():
    spec = slot("max_partial", 3)
    first = [sstr(draw(FAMILY, spec, s).function) for s in SEEDS]
    assert first == [sstr(draw(FAMILY, spec, s).function) for s in SEEDS]
    assert len(set(first)) >= 20


def test_difficulty_grows_the_expression():
    assert_grows_with_difficulty(FAMILY, "max_partial", SEEDS)
