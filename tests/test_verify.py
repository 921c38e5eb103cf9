"""The independent key check: float evaluation of sympy trees, central differences away from kinks."""

from __future__ import annotations

import math
import random

import pytest
import sympy

from quizgen.families._common import indicator, var
from quizgen.verify import Undefined, differs, evaluate, sample_points, verify_draft

x, y = var("x"), var("y")


@pytest.mark.parametrize(
    ("expr", "values", "expected"),
    [
        (3 * x**2 * y - 7, {x: 2.0, y: -1.0}, -19.0),
        (sympy.exp(x) + sympy.log(y) + sympy.sqrt(x), {x: 1.0, y: math.e}, math.e + 2.0),
        (sympy.Max(0, 2 * x + 1), {x: -3.0}, 0.0),
        (indicator(sympy.Integer(1), x, y), {x: 2.0, y: 1.0}, 1.0),
        (indicator(sympy.Integer(1), x, y), {x: 1.0, y: 2.0}, 0.0),
        (sympy.sin(x) * sympy.cos(y), {x: 0.5, y: 0.25}, math.sin(0.5) * math.cos(0.25)),
        (sympy.Heaviside(x), {x: -1.0}, 0.0),
    ],
)
def test_evaluate(expr, values, expected):
    assert evaluate(expr, values) == pytest.approx(expected)


def test_undefined_points_and_unknown_functions():
    with pytest.raises(Undefined):
        evaluate(sympy.log(x), {x: -1.0})
    with pytest.raises(Undefined):
        evaluate(1 / x, {x: 0.0})
    assert evaluate(sympy.gamma(x), {x: 4.0}) == pytest.approx(6.0)  # unknown nodes go to sympy
    with pytest.raises(Undefined):
        evaluate(sympy.gamma(x) + sympy.asin(x), {x: 4.0})


def test_correct_key_passes_and_wrong_key_fails():
    f = 3 * x**2 * y + 5 * y
    ok = verify_draft(f, [x, y], [x], 6 * x * y, [], random.Random(1))
    assert ok.ok and not ok.zero
    bad = verify_draft(f, [x, y], [x], 6 * x, [], random.Random(1))
    assert not bad.ok


def test_indicator_key_of_max_is_checked_off_the_kink():
    f = sympy.Max(0, 2 * x + 1)
    assert verify_draft(f, [x], [x], indicator(sympy.Integer(2), 2 * x + 1), [2 * x + 1], random.Random(3)).ok
    # the thin-region trap: 2*1(x > 0) differs only on (-1/2, 0) and must still be caught
    wrong = indicator(sympy.Integer(2), x)
    assert not all(
        verify_draft(f, [x], [x], wrong, [2 * x + 1], random.Random(seed)).ok for seed in range(20)
    )


def test_sample_points_stay_away_from_kinks():
    points = sample_points([x, y], [x - y], random.Random(0), count=50)
    assert len(points) == 50
    assert all(abs(p[x] - p[y]) >= 1e-2 for p in points)


def test_value_at_point_and_gradients():
    f = x**2 * y
    assert verify_draft(f, [x, y], [x], sympy.Integer(-12), [], random.Random(0), {x: 3, y: -2}).ok
    assert not verify_draft(f, [x, y], [x], sympy.Integer(12), [], random.Random(0), {x: 3, y: -2}).ok
    assert verify_draft(f, [x, y], [x, y], [2 * x * y, x**2], [], random.Random(0)).ok
    assert verify_draft(f, [x, y], [x, y], [sympy.Integer(-12), sympy.Integer(9)], [], random.Random(0), {x: 3, y: -2}).ok
    assert not verify_draft(f, [x, y], [x, y], [sympy.Integer(-12), sympy.Integer(8)], [], random.Random(0), {x: 3, y: -2}).ok


def test_large_constant_terms_do_not_fail_a_correct_key():
    f = 1000 * y**9 + x
    assert verify_draft(f, [x, y], [x], sympy.Integer(1), [], random.Random(2)).ok


def test_differs():
    pts = sample_points([x], [], random.Random(0))
    assert differs(2 * x, 2 * x + 1, pts)
    assert not differs(2 * x, x + x, pts)
    assert differs([x, x], [x], pts)
