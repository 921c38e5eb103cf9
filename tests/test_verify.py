"""The independent key check: float evaluation of sympy trees, central differences away from kinks."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
import sympy

from quizgen import verify
from quizgen.checker.sampling import breakpoint_exprs
from quizgen.families._common import indicator, var
from quizgen.verify import (
    Undefined,
    _impossible_cells,
    differs,
    evaluate,
    mistake_differs,
    sample_points,
    verify_draft,
)

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


def test_keys_are_evaluated_by_the_checkers_rules():
    """One evaluator for keys and answers: what the checker calls not real, verification does too."""
    from quizgen.checker.evaluate import FLOAT, OVERFLOW, UNDEF, run_float
    from quizgen.checker.evaluate import compile_expr as checker_compile

    for expr, at in [
        (sympy.sqrt(x - 2), 1.0),
        (sympy.exp(x**2), 40.0),
        (x ** sympy.Rational(1, 3), -8.0),
        (sympy.Piecewise((x, x > 0)), -1.0),
    ]:
        assert run_float(checker_compile(expr, {"x": 0}, FLOAT), [at]) in (UNDEF, OVERFLOW)
        with pytest.raises(Undefined):
            evaluate(expr, {x: at})
    assert evaluate(sympy.erf(x) * y, {x: 0.5, y: 2.0}) == pytest.approx(2 * math.erf(0.5))  # sympy's, slowly
    with pytest.raises(KeyError):  # a variable without a value is an error, not a number
        evaluate(x * y, {x: 1.0})


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
    assert not all(verify_draft(f, [x], [x], wrong, [2 * x + 1], random.Random(seed)).ok for seed in range(20))


def test_sample_points_stay_away_from_kinks():
    points = sample_points([x, y], [x - y], random.Random(0), count=50)
    assert len(points) == 50
    assert all(abs(p[x] - p[y]) >= 1e-2 for p in points)


def test_value_at_point_and_gradients():
    f = x**2 * y
    assert verify_draft(f, [x, y], [x], sympy.Integer(-12), [], random.Random(0), {x: 3, y: -2}).ok
    assert not verify_draft(f, [x, y], [x], sympy.Integer(12), [], random.Random(0), {x: 3, y: -2}).ok
    assert verify_draft(f, [x, y], [x, y], [2 * x * y, x**2], [], random.Random(0)).ok
    assert verify_draft(
        f, [x, y], [x, y], [sympy.Integer(-12), sympy.Integer(9)], [], random.Random(0), {x: 3, y: -2}
    ).ok
    assert not verify_draft(
        f, [x, y], [x, y], [sympy.Integer(-12), sympy.Integer(8)], [], random.Random(0), {x: 3, y: -2}
    ).ok


def test_large_constant_terms_do_not_fail_a_correct_key():
    f = 1000 * y**9 + x
    assert verify_draft(f, [x, y], [x], sympy.Integer(1), [], random.Random(2)).ok


def test_differs():
    pts = sample_points([x], [], random.Random(0))
    assert differs(2 * x, 2 * x + 1, pts)
    assert not differs(2 * x, x + x, pts)
    assert differs([x, x], [x], pts)


def test_every_component_of_a_gradient_value_is_checked():
    """A gradient at a point is a vector of values: a wrong last component fails, not only a wrong first."""
    z = var("z")
    f = x**2 * y + 3 * y * z**2 - z
    point = {x: sympy.Integer(1), y: sympy.Integer(2), z: sympy.Integer(-1)}
    right = [sympy.Integer(4), sympy.Integer(4), sympy.Integer(-13)]
    assert verify_draft(f, [x, y, z], [x, y, z], right, [], random.Random(0), point).ok
    for i in range(3):
        wrong = list(right)
        wrong[i] += 1
        assert not verify_draft(f, [x, y, z], [x, y, z], wrong, [], random.Random(0), point).ok, i


def test_points_cover_both_sides_of_every_kink():
    """The positive side of x - 2 is a tenth of the sampling box; it is always visited anyway."""
    kinks = [x - 2, x + y - 4]
    for seed in range(30):
        points = sample_points([x, y], kinks, random.Random(seed))
        for k in kinks:
            values = [float(k.subs(p)) for p in points]
            assert any(v >= 1e-2 for v in values) and any(v <= -1e-2 for v in values), (seed, k)


def test_buggy_key_wrong_on_one_side_of_a_kink_is_caught_and_kept():
    """Max(0, x - 2): a key of 0 is right left of the kink only. Verification must reject it, and as a
    mistake it must count as different from the key (not be dropped), for every rng seed."""
    f = sympy.Max(0, x - 2)
    key = indicator(sympy.Integer(1), x - 2)
    for seed in range(30):
        assert not verify_draft(f, [x], [x], sympy.Integer(0), [x - 2], random.Random(seed)).ok, seed
        check = verify_draft(f, [x], [x], key, [x - 2], random.Random(seed))
        assert check.ok and not check.zero
        assert differs(key, sympy.Integer(0), check.points), seed


def test_fast_changing_function_keeps_its_correct_key_and_rejects_a_wrong_one():
    """sin(400x): the quick central difference is off by ~3e-6 relative (h^2 f'''/6), more than the
    tolerance; the careful estimate resolves it. A key off by 0.1% still fails."""
    f = 3 * sympy.sin(400 * x) + x**2
    right = 1200 * sympy.cos(400 * x) + 2 * x
    assert all(verify_draft(f, [x], [x], right, [], random.Random(seed)).ok for seed in range(10))
    for wrong in (1199 * sympy.cos(400 * x) + 2 * x, 1200 * sympy.cos(400 * x), -1200 * sympy.cos(400 * x) + 2 * x):
        assert not any(verify_draft(f, [x], [x], wrong, [], random.Random(seed)).ok for seed in range(10)), wrong
    # large values: e^(5x) reaches e^12.5; the tolerance scales with the size
    g = sympy.exp(5 * x) * x**3
    assert verify_draft(g, [x], [x], 5 * sympy.exp(5 * x) * x**3 + 3 * x**2 * sympy.exp(5 * x), [], random.Random(0)).ok
    assert not verify_draft(g, [x], [x], 5 * sympy.exp(5 * x) * x**3, [], random.Random(0)).ok
    # at a point too
    point = {x: sympy.Rational(1, 3)}
    value = sympy.Integer(1200) * sympy.cos(sympy.Rational(400, 3)) + sympy.Rational(2, 3)
    assert verify_draft(f, [x], [x], value, [], random.Random(0), point).ok
    assert not verify_draft(f, [x], [x], value * sympy.Rational(1001, 1000), [], random.Random(0), point).ok


def test_differs_skips_points_without_a_real_key_and_treats_non_real_mistakes_as_different():
    points = [{x: -1.0}, {x: 4.0}]
    # the key has no real value at x = -1: that point says nothing, and at x = 4 they agree
    assert not differs(sympy.sqrt(x), sympy.sqrt(x) * 1, points)
    assert not differs([sympy.sqrt(x), x], [sympy.sqrt(x), x], points)
    # a mistake that is complex (or undefined) where the key is real is a different answer, not a crash
    assert differs(x, sympy.sqrt(-(x**2) - 1), points)
    assert differs(x, x + sympy.I, points)
    assert differs(sympy.Integer(2), 2 + 3j, [{}])
    assert not differs(sympy.Integer(2), 2 + 0j, [{}])
    assert differs(sympy.Integer(2), sympy.Integer(2) * sympy.I, [])
    # a value key that is not a real number fails verification instead of raising
    assert not verify_draft(x**2, [x], [x], 2 * sympy.I, [], random.Random(0), {x: sympy.Integer(1)}).ok


def test_mistake_with_its_own_kink_is_judged_around_that_kink():
    """1(x > 0) for the key 1(5x - 5 > 0) differs on 0 < x < 1 only (a fifth of the box): the check points
    may all miss it, so the mistake's own kink is straddled before the mistake is dropped as a duplicate."""
    key = indicator(sympy.Integer(5), 5 * x - 5)
    wrong_kink = indicator(sympy.Integer(5), x)
    assert breakpoint_exprs([wrong_kink]) == [x]
    found = breakpoint_exprs([sympy.Max(x, y) + sympy.Abs(y - 1)])
    assert len(found) == 2 and y - 1 in found and (x - y in found or y - x in found)
    missed = [
        p
        for p in (sample_points([x], [5 * x - 5], random.Random(s)) for s in range(40))
        if not differs(key, wrong_kink, p)
    ]
    assert missed  # the situation arises
    for points in missed:
        assert mistake_differs(key, wrong_kink, points, [x], [5 * x - 5])
    # a mistake equal to the key stays "not different" however hard one looks
    same = indicator(sympy.Integer(5), x - 1)
    assert not mistake_differs(key, same, missed[0], [x], [5 * x - 5])


@pytest.mark.parametrize(
    ("kinks", "variables", "impossible"),
    [
        ([5 * x - 5, x], [x], {(True, False)}),  # x > 1 and x < 0
        ([x - y + 2, -x + y - 2], [x, y], {(True, True), (False, False)}),  # one kink and its negative
        (
            [x, x - 1, x - 2],
            [x],
            {(True, False, True), (False, False, True), (False, True, False), (False, True, True)},
        ),
        ([x - 2 * y - 1, y], [x, y], set()),  # two crossing lines: four cells
        ([x**2 - 1, x], [x], set()),  # not affine: nothing is claimed
        ([sympy.Integer(3), x], [x], {(False, True), (False, False)}),  # a constant kink has one sign
    ],
)
def test_impossible_cells_are_exactly_the_empty_sign_patterns(kinks, variables, impossible):
    assert _impossible_cells(kinks, variables) == impossible


@pytest.mark.parametrize(
    ("kink", "affine"),
    [
        (5 * x - 5, ((5, 0), -5)),
        (x - y + 2, ((1, -1), 2)),
        (sympy.Integer(3), ((0, 0), 3)),
        (-x, ((-1, 0), 0)),
        (x / 2 - 1, ((Fraction(1, 2), 0), -1)),  # not an integer polynomial: sympy's as_coefficients_dict
        (3 * x - y / 4, ((3, Fraction(-1, 4)), 0)),
        (x**2 - 1, None),
        (x * y + 1, None),
        (sympy.Symbol("z", real=True) - x, None),  # a symbol that is not a variable
        (x / 2 + sympy.Symbol("z", real=True), None),
    ],
)
def test_affine_reads_the_coefficients_of_a_kink(kink, affine):
    """Integer polynomials are read term by term as monomials, the rest by sympy: the same answer either way."""
    assert verify._affine(kink, [x, y]) == affine


@pytest.mark.parametrize(
    ("variables", "kinks"),
    [([x], [5 * x - 5, x]), ([x, y], [x - y + 2, -x + y - 2]), ([x], [x, x - 1, x - 2]), ([x, y], [x - 2 * y - 1, y])],
)
def test_leaving_out_impossible_cells_finds_the_same_points(monkeypatch, variables, kinks):
    """Pruning only stops the search for sides no point can have sooner; the points are those of the full search."""
    pruned = [sample_points(variables, kinks, random.Random(s), cells=True) for s in range(5)]
    monkeypatch.setattr(verify, "_impossible_cells", lambda kinks, variables: set())
    assert [sample_points(variables, kinks, random.Random(s), cells=True) for s in range(5)] == pruned


def test_a_memo_shared_by_comparisons_gives_their_verdicts_and_evaluates_each_expression_once_per_point(
    monkeypatch,
):
    points = sample_points([x, y], [], random.Random(3))
    key = x**2 * y
    mistakes = [2 * x * y, x**2, x**2 * y + 0 * x, sympy.sqrt(-(x**2) - 1), [x, y]]
    verdicts = [(differs(key, m, points), differs(2 * x * y, m, points)) for m in mistakes]
    evaluated: list[tuple[object, float]] = []
    real = verify._real
    monkeypatch.setattr(verify, "_real", lambda expr, values: evaluated.append((expr, values[x])) or real(expr, values))
    memo: verify.PointMemo = {}
    assert [(differs(key, m, points, memo), differs(2 * x * y, m, points, memo)) for m in mistakes] == verdicts
    assert evaluated and len(evaluated) == len(set(evaluated))  # never the same expression at the same point twice
    assert memo[(key, 0)] == pytest.approx(points[0][x] ** 2 * points[0][y])
