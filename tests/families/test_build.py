"""Polynomials built directly must be the very objects sympy builds: equal, same args in the same order
(so they hash alike and print alike), for every mix of coefficients, symbols and exponents."""

from __future__ import annotations

import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quizgen.families._build import add, expand_product, function_of, mono, mul, ordered_terms, poly, substitute
from quizgen.typeset.printing import fast_str

SYMBOLS = [sympy.Symbol(n, real=True) for n in ("x", "y", "z", "w1", "w2", "b", "t", "x_1", "u")]
X, Y, Z = SYMBOLS[:3]

powers = st.lists(st.tuples(st.sampled_from(SYMBOLS), st.integers(1, 5)), max_size=4, unique_by=lambda p: p[0])
coefficients = st.integers(-30, 30)
Term = tuple[int, list[tuple[sympy.Symbol, int]]]
"""A drawn monomial: its coefficient and its (symbol, exponent) pairs."""


def _same(ours: sympy.Basic, theirs: sympy.Basic) -> None:
    assert ours == theirs
    assert sympy.srepr(ours) == sympy.srepr(theirs)
    assert ours.args == theirs.args
    printed = str(theirs)  # sympy's printer is most of a check's cost: theirs is printed once
    assert str(ours) == printed and fast_str(ours) == printed


@settings(max_examples=300, deadline=None)
@given(coefficients, powers)
def test_mono_is_sympys_mul(c: int, ps: list[tuple[sympy.Symbol, int]]) -> None:
    _same(mono(c, tuple(ps)), sympy.Mul(sympy.Integer(c), *[s**e for s, e in ps]))


@settings(max_examples=150, deadline=None)  # each example is up to 6 terms, so like terms meet often
@given(st.lists(st.tuples(coefficients, powers), max_size=6))
@example([(1, [(X, 1), (Y, 1)]), (1, [(Y, 1), (X, 1)])])  # x*y + y*x: like terms, symbols in either order
@example([(2, [(Y, 2), (X, 1)]), (-2, [(X, 1), (Y, 2)])])  # ... that cancel
def test_poly_is_sympys_add_with_like_terms_merged(terms: list[Term]) -> None:
    expected = sympy.Add(*[sympy.Mul(sympy.Integer(c), *[s**e for s, e in ps]) for c, ps in terms])
    _same(poly([(c, tuple(ps)) for c, ps in terms]), expected)
    _same(add([mono(c, tuple(ps)) for c, ps in terms]), expected)


def test_add_falls_back_to_sympy_for_other_terms() -> None:
    x, y = SYMBOLS[:2]
    exprs = [sympy.exp(x), 3 * x * y, sympy.Rational(1, 2) * y]
    _same(add(exprs), sympy.Add(*exprs))
    _same(add([x + y, 2 * x, sympy.Integer(-3)]), sympy.Add(x + y, 2 * x, -3))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(coefficients, powers), min_size=1, max_size=3), max_size=3))
@example([[(1, [(X, 1)]), (1, [(Y, 1)])]] * 2)  # (x + y)**2: x*y met as x then y and as y then x, merged
def test_expand_product_is_sympys_expand_of_the_product(factors: list[list[Term]]) -> None:
    """Sums of monomials (and single ones) multiplied out, like terms merged, zeros dropped: sympy's expand."""
    built = [poly([(c, tuple(ps)) for c, ps in terms]) for terms in factors]
    _same(expand_product(built), sympy.expand(sympy.Mul(*built)))


def test_expand_product_falls_back_to_sympy_for_other_factors() -> None:
    x, y = SYMBOLS[:2]
    factors = [x + 1, sympy.exp(y) + x, sympy.Integer(3)]
    _same(expand_product(factors), sympy.expand(sympy.Mul(*factors)))


FACTORS = [
    X,
    Y,
    X**2,
    X**-1,
    Y**3,
    X + 1,
    X - Y,
    (X + 1) ** 2,
    (X + Y) ** -1,
    sympy.sqrt(X**2 + 1),
    sympy.exp(X),
    sympy.exp(2 * X * Y),
    sympy.exp(-(X**2)),
    sympy.sin(X),
    sympy.cos(3 * Y + 1),
    sympy.log(X**2 + 1),
    sympy.Max(0, X),
    3 * X * sympy.cos(Y),
    -2 * Y * sympy.exp(X),
    sympy.Integer(2),
    sympy.Integer(-1),
    sympy.Rational(1, 2),
    sympy.Integer(0),
    sympy.sqrt(2),
    sympy.sqrt(3) * X,
    sympy.E,
    sympy.I,
    sympy.Float(1.5),
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(FACTORS), max_size=4))
def test_mul_is_sympys_mul(factors: list[sympy.Basic]) -> None:
    """Every mix, including the ones mul() must leave to sympy: a base met twice (x and x**2, exp and
    exp, sqrt(2) and sqrt(3)), a number for base, E, I, 0, a float, a coefficient with one sum."""
    _same(mul(factors), sympy.Mul(*factors))


def test_mul_of_the_chain_families_keys_and_mistakes() -> None:
    x, y = X, Y
    g = 2 * x**2 + 3
    cases = [
        [sympy.Integer(12), g**5],
        [12 * g**5, 4 * x],
        [sympy.Integer(3), sympy.cos(g)],
        [-3 * sympy.sin(g), 4 * x],
        [sympy.Integer(-1), x + y],  # distributes: sympy's
        [sympy.Rational(1, 2), (x + 1) ** -1],
        [3 * sympy.cos(y * (x**2 + 1)), 2 * y, 2 * x],
    ]
    for factors in cases:
        _same(mul(factors), sympy.Mul(*factors))


polynomials = st.lists(st.tuples(coefficients, powers), max_size=4).map(
    lambda terms: poly([(c, tuple(ps)) for c, ps in terms])
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([sympy.exp, sympy.sin, sympy.cos]), polynomials)
@example(sympy.exp, sympy.Integer(1))  # exp(1) is E: the 400 drawn examples of the CI profile never try it
def test_function_of_is_sympys_call(func: type[sympy.Function], arg: sympy.Basic) -> None:
    """Integer polynomials of every sign pattern (ties included), numbers 0, 1 and negative ones."""
    _same(function_of(func, arg), func(arg))


ARGUMENTS = [
    sympy.Rational(-1, 2),
    sympy.Rational(1, 2),
    sympy.Integer(4),
    sympy.Integer(-3),
    4 * sympy.cos(4),
    -3 * sympy.sin(8),
    sympy.cos(2),
    sympy.exp(-2),
    2 * sympy.exp(-2),
    sympy.exp(X),
    -8 * sympy.sin(2 * X),
    12 * sympy.cos(4 * X),
    2 * X * (Y + 2 * Z**2),
    -2 * Y * (2 * X**2 + 2 * Z),
    X / Y,
    sympy.sin(sympy.Rational(1, 2)) * sympy.exp(X**2 - Y),
    3 * sympy.cos(2 * sympy.exp(-X)),
    sympy.E,  # left to sympy from here on
    2 * sympy.exp(1),
    sympy.pi * X,
    sympy.I * X,
    3 * sympy.log(X**2 + 1),
    sympy.sqrt(3) * X,
    sympy.Float(0.5) * X,
    -2 * sympy.sin(sympy.pi / 7),
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([sympy.exp, sympy.sin, sympy.cos]), st.sampled_from(ARGUMENTS))
def test_function_of_products_and_numbers_is_sympys_call(func: type[sympy.Function], arg: sympy.Basic) -> None:
    """The arguments a value question's substitution builds (4*cos(4), 2*exp(-2)) and the compositions
    chain_multi builds (2*x*(y + 2*z**2)), of either sign, and the ones sympy's eval does change."""
    _same(function_of(func, arg), func(arg))


def test_function_of_leaves_other_arguments_to_sympy() -> None:
    for arg in [sympy.pi * X, sympy.I * X, sympy.Rational(1, 2) * X, sympy.log(X), sympy.exp(X), -X - Y, X - Y]:
        for func in (sympy.exp, sympy.sin, sympy.cos):
            _same(function_of(func, arg), func(arg))
    _same(function_of(sympy.log, X**2 + 1), sympy.log(X**2 + 1))


LAYERS = [
    3 * X**2,
    2 * X + Y**2,
    -X * Y,
    X**2 - 3,
    2 * sympy.exp(X),
    -sympy.sin(X),
    3 * sympy.cos(X),
    5 * X**2 * sympy.exp(2 * X),
    X * (Y - 1) ** 2,
    sympy.sqrt(X**2 + 1),
    sympy.log(X**2 + 1) / X,
    sympy.Max(0, X - 1),
    sympy.Piecewise((1, X > 0), (0, True)),
]
VALUES = [Y, 2 * Y * Z, Y**2 - Z, -Y - 2, sympy.Integer(2), sympy.Integer(-1), sympy.Integer(0), sympy.Rational(1, 2)]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(LAYERS), st.sampled_from(VALUES))
def test_substitute_is_xreplace(expr: sympy.Basic, value: sympy.Basic) -> None:
    """A layer composed with the one below (chain_multi) or evaluated at a point (value questions)."""
    _same(substitute(expr, {X: value}), expr.xreplace({X: value}))


def test_ordered_terms_is_sympys_print_order() -> None:
    """Polynomials, sums with functions of the variables (gradient's and sum_rule's functions), and sums
    with a number factor or a special case left to sympy: always as_ordered_terms."""
    x, y, z = SYMBOLS[:3]
    for expr in (
        2 - 3 * x,
        4 * x**3 * y - 2 * x * z + z**3,
        4 * x**3 * y - 2 * x * z + z**3 - 5 * z * sympy.cos(y),
        -2 * x * y + 3 * y * z**2 - 5 * sympy.sin(y) - 3 * sympy.cos(z) + 7,
        sympy.exp(2 * x) - 3 * sympy.exp(x) * y + x / 2,
        sympy.log(3) + 2 * x,
        2 - 3 * sympy.sin(x),
    ):
        assert ordered_terms(expr) == expr.as_ordered_terms(), expr
