"""The fast printers must print exactly what sympy prints (the manifest contract is sympy's str()),
and the fast derivative and substitution must agree with sympy's."""

from __future__ import annotations

import random

import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quizgen.families._build import fast_diff, fast_subs
from quizgen.families._common import indicator
from quizgen.typeset.printing import (
    _mul_latex,
    _mul_str,
    fast_latex,
    fast_str,
    latex_ln,
    monomial,
    sympy_term_order,
    tex_ln,
)

SYMBOLS = [sympy.Symbol(n, real=True) for n in ("x", "y", "z", "w1", "b", "t", "x_1")]

monomials = st.builds(
    lambda c, powers: sympy.Mul(sympy.Integer(c), *[s**e for s, e in powers]),
    st.sampled_from([-12, -9, -3, -2, -1, 1, 2, 5, 7]),
    st.lists(st.tuples(st.sampled_from(SYMBOLS), st.integers(1, 5)), max_size=3),
)
polynomials = st.lists(monomials, min_size=1, max_size=5).map(lambda ts: sympy.Add(*ts))


def _nested(draw_poly: sympy.Expr, kind: int, other: sympy.Expr) -> sympy.Basic:
    if kind == 0:
        return draw_poly
    if kind == 1:
        return draw_poly**3
    if kind == 2:
        return sympy.exp(draw_poly) * other
    if kind == 3:
        return sympy.Max(0, draw_poly, evaluate=False)
    if kind == 4:
        return indicator(other, draw_poly)
    if kind == 5:
        return sympy.Max(draw_poly, other, evaluate=False)
    if kind == 6:
        return sympy.sin(draw_poly) + other / 3
    return 5 * sympy.Max(0, draw_poly, evaluate=False) ** 2


# 120 examples: 15 per nesting kind on average, each with fresh polynomials; the real drafts below add the rest
@settings(max_examples=120, deadline=None)
@given(polynomials, st.integers(0, 7), polynomials)
def test_fast_printers_equal_sympy(poly, kind, other):
    expr = _nested(poly, kind, other)
    assert fast_str(expr) == str(expr)
    assert fast_latex(expr) == sympy.latex(expr)
    logged = sympy.log(poly**2 + 1) * other + sympy.log(sympy.exp(poly) + 2) ** 2
    assert latex_ln(logged) == sympy.latex(logged, ln_notation=True)
    assert fast_latex(logged) == sympy.latex(logged)  # the two printers keep separate memos


POSITIVE = sympy.Symbol("p", positive=True)
_FACTORS = [
    lambda poly, n: SYMBOLS[n % len(SYMBOLS)] ** (n - 2 if n != 2 else 7),
    lambda poly, n: poly ** (n % 4 + 1),
    lambda poly, n: 1 / poly ** (n % 3 + 1),
    lambda poly, n: sympy.sqrt(poly) if n % 2 else sympy.sqrt(n + 2),
    lambda poly, n: [sympy.sin, sympy.cos, sympy.tan, sympy.tanh, sympy.sinh, sympy.cosh][n % 6](poly),
    lambda poly, n: sympy.exp(poly if n % 3 else -n * POSITIVE if n % 2 else sympy.cos(n)),
    lambda poly, n: sympy.log(poly**2 + n),
    lambda poly, n: sympy.Max(0, poly, evaluate=False) ** (n % 3 + 1),
    lambda poly, n: POSITIVE ** (n - 3) * sympy.Symbol("x", real=True),
    lambda poly, n: poly + n,  # a sum as a factor: parenthesized
    lambda poly, n: sympy.Symbol("y", real=True) - n,
]
products = st.builds(
    lambda coeff, parts: sympy.Mul(coeff, *[_FACTORS[k](poly, n) for k, poly, n in parts]),
    st.sampled_from([sympy.Integer(c) for c in (-7, -2, -1, 1, 3, 12)] + [sympy.Rational(-3, 4), sympy.Rational(1, 2)]),
    st.lists(st.tuples(st.integers(0, len(_FACTORS) - 1), polynomials, st.integers(0, 6)), min_size=1, max_size=4),
)


# products of powers, square roots and functions with integer or rational coefficients: the fast product
# printers order the factors and place numerators and denominators themselves, so they must agree exactly
@settings(max_examples=150, deadline=None)
@given(products)
def test_fast_product_printers_equal_sympy(expr):
    assert fast_str(expr) == str(expr)
    assert fast_latex(expr) == sympy.latex(expr)
    assert fast_str(expr**2) == str(expr**2)
    assert fast_latex(sympy.sin(expr)) == sympy.latex(sympy.sin(expr))
    for part in expr.args:  # the factors on their own: powers, functions, rationals outside a product
        assert fast_str(part) == str(part)
        assert fast_latex(part) == sympy.latex(part)


def test_common_products_take_the_fast_path():
    """The shapes generation prints most often are printed without sympy's printer."""
    x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    for expr in (
        -3 * sympy.sin(4 * x**2),
        3 * sympy.Max(0, x - 2 * y - 1) ** 2,
        96 * x**2 * y**3 * (4 * x**2 * y**4 + 2) ** 2,
        5 * sympy.exp(2 * x * y + y),
        sympy.sqrt(10) / 20,
        3 / (x**2 + 4),
        -2 * (x + y) * sympy.sin(x * y + 2 * y**2),
        24 * x * y**2 * (4 * x * y + 2) ** 3 * (8 * x**2 * y**4 + 2) ** 2,  # a tie: full sort_key
    ):
        assert _mul_str(expr) == str(expr)
    for expr in (
        -3 * sympy.sin(4 * x**2),
        3 * sympy.Max(0, x - 2 * y - 1) ** 2,
        -2 * sympy.Max(0, x - 2 * y - 1, evaluate=False),  # a ReLU in a product: its arguments in sympy's order
        x * sympy.Min(y, x + 4, evaluate=False),
        12 * x * sympy.cos(x) ** 2,
        2 * y * (2 * x + y**2),
    ):
        assert _mul_latex(expr) == sympy.latex(expr)


_TERM_FACTORS = [
    lambda n: SYMBOLS[n % 3],
    lambda n: SYMBOLS[n % 3] ** (n % 4 + 2),
    lambda n: sympy.cos(SYMBOLS[n % 2]),
    lambda n: sympy.sin(n * SYMBOLS[1] + 1),
    lambda n: sympy.exp(n * SYMBOLS[0]),  # decompose_power reads exp(2x) as exp(x)**2
    lambda n: sympy.exp(-SYMBOLS[2]),
    lambda n: sympy.sqrt(SYMBOLS[0] ** 2 + n),
    lambda n: 1 / (SYMBOLS[1] + n),
    lambda n: sympy.Max(0, SYMBOLS[0] - n, evaluate=False),
    lambda n: sympy.log(3),  # a number factor: sympy folds it into the coefficient, so not covered
    lambda n: POSITIVE ** sympy.Rational(n, 2),
]
terms = st.builds(
    lambda coeff, parts: sympy.Mul(coeff, *[_TERM_FACTORS[k](n) for k, n in parts]),
    st.sampled_from(
        [sympy.Integer(c) for c in (-9, -5, -2, -1, 1, 2, 3, 7)] + [sympy.Rational(-3, 4), sympy.Rational(5, 2)]
    ),
    st.lists(st.tuples(st.integers(0, len(_TERM_FACTORS) - 1), st.integers(1, 3)), max_size=3),
)


# sums of rational multiples of powers and functions, as the gradient and sum_rule families draw them: where
# sympy_term_order answers, it is sympy's own order (the coefficient, the exponents, the bases' sort key)
@settings(max_examples=60, deadline=None)
@given(st.lists(terms, min_size=2, max_size=6))
@example([sympy.Integer(3), -2 * sympy.cos(SYMBOLS[0])])  # two terms with a number: sympy's special case
@example([sympy.log(3) * SYMBOLS[1], SYMBOLS[0] ** 2, -SYMBOLS[1]])  # a number factor: sympy's coefficient
def test_sums_are_ordered_as_sympy_orders_them(parts):
    expr = sympy.Add(*parts)
    if not isinstance(expr, sympy.Add):
        return
    ordered = sympy_term_order(expr)
    if ordered is not None:
        assert ordered == expr.as_ordered_terms(), expr
    assert fast_str(expr) == str(expr)
    assert fast_latex(expr) == sympy.latex(expr)
    assert latex_ln(expr) == sympy.latex(expr, ln_notation=True)


def test_sums_of_functions_and_monomials_take_the_direct_order():
    x, y, z = SYMBOLS[:3]
    for expr in (
        4 * x**3 * y - 2 * x * z + z**3 - 5 * z * sympy.cos(y),
        2 * x**3 * y**2 - 2 * x * y * z + y * z**3 - 5 * z * sympy.sin(y) - 3 * sympy.sin(z) - 4,
        -6 * x**2 * sympy.sin(3 * x) + 4 * x * sympy.cos(3 * x),
        3 * sympy.exp(2 * x) + sympy.exp(x) - x / 2,
        -y + 1 / (sympy.exp(-x) + 1),
    ):
        ordered = sympy_term_order(expr)
        assert ordered is not None, expr
        assert ordered == expr.as_ordered_terms()
    assert sympy_term_order(sympy.log(3) + 2 * x) is None  # log(3) is a number: sympy's coefficient
    assert sympy_term_order(3 - 2 * sympy.cos(x)) is None  # two terms with a number: sympy's special case
    # coefficients past a float's range (a student may type 10^400): sympy sorts them as inf and 0.0
    big, tiny = sympy.Integer(10) ** 400, sympy.Rational(1, 10**400)
    for expr in (
        big * x * sympy.cos(y) + 3 * z,
        tiny * x * sympy.cos(y) + 3 * z - big * y * sympy.exp(x),
        -(sympy.Integer(10) ** 309) * z * sympy.cos(x) + sympy.Integer(10) ** 308 * x**2 * y,
    ):
        assert sympy_term_order(expr) == expr.as_ordered_terms()
        assert fast_str(expr) == str(expr)
        assert fast_latex(expr) == sympy.latex(expr)
    # the sums' own printers: signs taken off the terms, brackets where sympy's LaTeX printer wants them
    for expr in (
        -x * sympy.cos(y) + 3 * sympy.log(x**2 + 1) - 2,
        x - sympy.Mod(y, 3) * sympy.exp(x) + z,
        -sympy.Max(0, x - 1, evaluate=False) + x * y - sympy.sqrt(x**2 + 1) / 3,
    ):
        assert fast_str(expr) == str(expr)
        assert fast_latex(expr) == sympy.latex(expr)
        assert latex_ln(expr) == sympy.latex(expr, ln_notation=True)


def test_max_and_min_arguments_in_sympys_order():
    """Numbers, symbols and sums are ordered by their class alone; anything else by sympy's full sort key."""
    x, y = SYMBOLS[0], SYMBOLS[1]
    args = [sympy.Integer(0), sympy.Integer(-2), sympy.Rational(1, 2), x, y, x + 1, 2 * x - y + 3, x * y, x**2]
    for a in args:
        for b in args:
            for lattice in (sympy.Max, sympy.Min):
                for expr in (lattice(a, b, evaluate=False), lattice(b, a, x - 4, evaluate=False)):
                    assert fast_str(expr) == str(expr)
                    assert fast_latex(expr) == sympy.latex(expr)


def test_ln_notation_only_changes_logs():
    x = SYMBOLS[0]
    for expr in (sympy.Max(0, 3 * x - 1, evaluate=False) ** 2, 2 * sympy.exp(-x) / (x**2 + 1), sympy.log(x**2 + 1) / 4):
        assert tex_ln(expr) == sympy.latex(expr, ln_notation=True)
    assert tex_ln(sympy.log(x**2 + 1)) == r"\ln{\left(x^{2} + 1 \right)}"


def test_known_forms():
    x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    assert fast_str(2 - 3 * x) == "2 - 3*x"
    assert fast_str(indicator(sympy.Integer(1), x, y)) == "Piecewise((1, x > y), (0, True))"
    assert fast_latex(-3 * x**2 * y + 4) == "- 3 x^{2} y + 4"


@settings(max_examples=200, deadline=None)
@given(polynomials, st.sampled_from(SYMBOLS))
def test_fast_diff_equals_sympy_diff(poly, v):
    assert sympy.expand(fast_diff(poly, v) - sympy.diff(poly, v)) == 0


def test_fast_subs_is_exact_on_indicators_and_max():
    rng = random.Random(1)
    x, y = SYMBOLS[0], SYMBOLS[1]
    exprs = [indicator(3 * x, 2 * x + 1), sympy.Max(x**2, 3 * y, evaluate=False), x**3 * y - 7]
    for _ in range(50):
        point = {x: sympy.Rational(rng.randint(-9, 9), rng.randint(1, 4)), y: sympy.Integer(rng.randint(-5, 5))}
        for e in exprs:
            assert fast_subs(e, point) == e.subs(point)


def _exprs(draft):
    out = [draft.function]
    for value in [draft.answer, *[m.answer for m in draft.mistakes], *[s.expr for s in draft.steps]]:
        if isinstance(value, list):
            out.extend(value)
        elif value is not None:
            out.append(value)
    return out


def test_every_family_prints_exactly_like_sympy():
    """Real drafts of all eight families, printed after many others (the printers remember subexpressions).

    Each distinct expression is checked once, in the order drawn: over half of them repeat (a key is also
    the last step's), and sympy's printing, the reference and the cost, depends on the expression alone."""
    from pathlib import Path

    from quizgen.bank import load_bank
    from quizgen.families.registry import get_family

    banks = Path(__file__).resolve().parent.parent.parent / "banks"
    drawn: dict[sympy.Basic, str] = {}  # expression -> the bank it was first drawn from
    for bank_file in sorted(banks.glob("*.yaml")):
        for slot in load_bank(bank_file).slots:
            family = get_family(slot.family)
            for seed in range(4):
                draft = family.draw(slot, random.Random(seed))
                if draft is not None:
                    for expr in _exprs(draft):
                        drawn.setdefault(expr, bank_file.name)
    for expr, bank in drawn.items():
        assert fast_str(expr) == str(expr), (bank, expr)
        assert fast_latex(expr) == sympy.latex(expr), (bank, expr)
        with_ln = sympy.latex(expr, ln_notation=True)
        assert latex_ln(expr) == with_ln, (bank, expr)
        assert tex_ln(expr) == with_ln, (bank, expr)


def test_monomial_reads_terms_and_remembers_them_by_expression() -> None:
    x, y = sympy.symbols("x y")
    for _ in range(2):  # the second round answers from the memo
        assert monomial(sympy.Integer(-4)) == (-4, ())
        assert monomial(-3 * y**2 * x) == (-3, ((x, 1), (y, 2)))
        assert monomial(x**3) == (1, ((x, 3),))
        assert monomial(sympy.Rational(1, 2) * x) is None
        assert monomial(sympy.sin(x)) is None
        assert monomial(x**-1) is None


def test_a_plain_number_is_no_monomial_even_when_its_sympy_twin_was_read() -> None:
    assert monomial(sympy.Integer(7)) == (7, ())
    assert monomial(7) is None  # type: ignore[arg-type]  # 7 == Integer(7), same hash: kept out of the memo
    assert monomial(7.0) is None  # type: ignore[arg-type]
