from __future__ import annotations

import random

import pytest
import sympy

from quizgen.checker.equivalence import CheckTimeout, deadline_checker, equivalent, prepare, tree_spelling

from .conftest import NAMES, same
from .conftest import X as x
from .conftest import Y as y

ind = sympy.Piecewise((1, x > y), (0, True))
H = sympy.Heaviside
R = sympy.Rational

EQUAL = [
    (2 * x + 3 * y, 3 * y + 2 * x),
    (960 * x**9, sympy.Mul(15, sympy.Pow(2 * x**2, 4, evaluate=False), 4, x, evaluate=False)),
    (6 * x * sympy.exp(3 * x**2), sympy.Pow(sympy.E, 3 * x**2) * 3 * 2 * x),
    (sympy.sin(2 * x), 2 * sympy.sin(x) * sympy.cos(x)),
    (sympy.sec(3 * x) ** 2, 1 + sympy.tan(3 * x) ** 2),
    (sympy.log(sympy.Abs(x)), sympy.log(x**2) / 2),
    ((x + 1) * (x - 1), x**2 - 1),
    (ind, H(x - y)),
    (ind, sympy.Piecewise((1, x >= y), (0, True))),  # differ only on the line x = y
    (ind, (sympy.sign(x - y) + 1) / 2),
    (ind, 1 - H(y - x)),
    (H(x), H(x, 0)),  # H(0) = 1/2 against 0: measure zero
    (sympy.Max(x, 0), (x + sympy.Abs(x)) / 2),
    (sympy.Piecewise((2, 2 * x + 1 > 0), (0, True)), 2 * H(2 * x + 1)),
    (sympy.Max(x, y) * 2, x + y + sympy.Abs(x - y)),
    (R(1, 2), R(2, 4)),
    (sympy.sqrt(8), 2 * sympy.sqrt(2)),
    (sympy.exp(60 * x**2), sympy.exp(30 * x**2) ** 2),  # overflows floats at wide points
    (x / (x**2 + 1) ** 3, x * (x**2 + 1) ** -3),
]

DIFFERENT = [
    (2 * x + 3 * y, 2 * x - 3 * y),
    (2 * x + 3 * y, 2 * x),
    # the thin region: d/dx max(0, 2x + 1) against 2*Heaviside(x) differ only on (-1/2, 0)
    (sympy.Piecewise((2, 2 * x + 1 > 0), (0, True)), 2 * H(x)),
    (2 * H(2 * x + 1), 2 * H(x)),
    (H(x - R(1, 100)), H(x)),  # a region 0.01 wide
    (ind, H(y - x)),
    (ind, sympy.Piecewise((0, x > y), (1, True))),
    (ind, sympy.Integer(1)),
    (H(x), sympy.Max(x, 0)),
    (R(99999999, 10**8), R(99999998, 99999999)),  # exact constants: floats cannot tell them apart
    (x, x + sympy.Integer(10) ** -20),
    (sympy.exp(x), sympy.exp(x) * (1 + sympy.Integer(10) ** -30)),
    (x, sympy.sqrt(x) ** 3 / x + sympy.sqrt(-x)),  # real only at x = 0: no point of the domain to agree on
    (sympy.Integer(2) * x, 2 * x + sympy.Integer(10) ** -60),  # exact: polynomials compare as Fractions
    (sympy.sin(x), sympy.sin(x) + sympy.Integer(10) ** -50),  # precision follows the digits typed
    (sympy.sin(x), sympy.sin(x) * (1 + sympy.Integer(10) ** -300)),
    (x, sympy.sqrt(x**2)),
    (960 * x**9, 960 * x**8),
]


@pytest.mark.parametrize(("key", "answer"), EQUAL)
def test_equal(key, answer) -> None:
    assert same(key, answer) == "equal"


@pytest.mark.parametrize(("key", "answer"), DIFFERENT)
def test_different(key, answer) -> None:
    assert same(key, answer) == "different"


@pytest.mark.parametrize("seed", range(40))
def test_thin_region_never_passes_for_any_seed(seed: int) -> None:
    key = sympy.Piecewise((2, 2 * x + 1 > 0), (0, True))
    assert same(key, 2 * H(x), seed=seed) == "different"
    assert same(key, 2 * H(2 * x + 1), seed=seed) == "equal"


def test_typed_decimals_are_the_rationals_they_spell() -> None:
    # the rounding allowance is decided later, on the whole answer (decimals.py); here 0.333 is 333/1000
    assert same(x / 3, sympy.Float("0.333333333333") * x) == "different"
    assert same(x / 4, sympy.Float("0.25") * x) == "equal"
    assert same(2 * x + 3 * y, 2 * (x + sympy.Float("1.5") * y)) == "equal"


def test_points_where_the_answer_is_not_real_are_outside_the_domain() -> None:
    k = prepare(sympy.Integer(1), NAMES)
    a = prepare(sympy.sqrt(x / y) * sympy.sqrt(y / x), NAMES)
    cmp = equivalent(k, a, random.Random(3), deadline_checker(None))
    assert cmp.status == "equal" and cmp.narrower_domain
    assert same(sympy.sqrt(x**2 + 1), sympy.sqrt(x**2 + 1) * sympy.sqrt(y) / sympy.sqrt(y)) == "equal"
    # but not real on a whole branch of the key: log(x) says nothing about log|x| for x < 0
    assert same(sympy.log(sympy.Abs(x)), sympy.log(x)) == "different"
    ind = sympy.Piecewise((1, x > 0), (0, True))
    assert same(ind, 1 + sympy.sqrt(x) - sympy.sqrt(x**3) / x) == "different"


def test_key_without_real_values_is_undecided() -> None:
    key = sympy.sqrt(-1 - x**2)
    assert same(key, key) == "undecided"


def test_deadline_is_honoured() -> None:
    k = prepare(sympy.Max(x, y), NAMES)
    with pytest.raises(CheckTimeout):
        equivalent(k, k, random.Random(0), deadline_checker(0.0))


def test_same_seed_same_points() -> None:
    k, a = prepare(ind, NAMES), prepare(H(x - y), NAMES)
    one = equivalent(k, a, random.Random(7), deadline_checker(None))
    two = equivalent(k, a, random.Random(7), deadline_checker(None))
    assert one.points == two.points and one.points


@pytest.mark.parametrize("seed", range(30))
def test_kinks_outside_the_sample_box_are_still_straddled(seed: int) -> None:
    far = sympy.Piecewise((1, x > y + 5), (0, True))
    assert same(far, sympy.Integer(0), seed=seed) == "different"
    assert same(H(x - 20), sympy.Integer(0), seed=seed) == "different"
    assert same(far, H(x - y - 5), seed=seed) == "equal"


@pytest.mark.parametrize("seed", range(40))
def test_every_kink_of_a_nonlinear_inner_function_is_straddled(seed: int) -> None:
    # d/dx relu(x^2 - 1) = 2x*1(x^2 > 1); forgetting the branch x < -1 must never pass
    key = 2 * x * sympy.Piecewise((1, x**2 - 1 > 0), (0, True))
    assert same(key, 2 * x * H(x - 1), seed=seed) == "different"
    assert same(key, 2 * x * (H(x - 1) + H(-x - 1)), seed=seed) == "equal"


def test_the_crossings_seed_is_a_function_of_the_tree() -> None:
    """The scan lines of a key are seeded by its tree_spelling: the same for the same tree however it was
    built (sums and products in canonical order, Max, Min, And and Or sorted), different for another tree."""
    x, y, z = sympy.symbols("x y z")
    pairs = [
        (x + 2 * y - sympy.Rational(1, 3), -sympy.Rational(1, 3) + 2 * y + x),
        (sympy.Max(0, x - y, 2 * z + 1), sympy.Max(2 * z + 1, 0, x - y, evaluate=False)),
        (sympy.Min(x, y**2, z), sympy.Min(z, x, y**2)),
        (sympy.And(x > y, z < 2), sympy.And(z < 2, x > y)),
        (sympy.Piecewise((2 * x, x**2 - y + 4 > 0), (0, True)), sympy.Piecewise((x * 2, 4 + x**2 - y > 0), (0, True))),
    ]
    for a, b in pairs:
        assert a == b and tree_spelling(a) == tree_spelling(b)
    spellings = {
        tree_spelling(e) for e in (x + y, x - y, x * y, x + 2 * y, x + sympy.Float("0.5"), x + sympy.Rational(1, 2))
    }
    assert len(spellings) == 6
    assert tree_spelling(x - 3 * y + 1) == "Add(1,x,Mul(-3,y))"
