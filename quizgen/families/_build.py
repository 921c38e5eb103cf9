"""Integer polynomials built directly in sympy's canonical form, without Add/Mul's flatten.

Families build many small polynomials (terms, their derivatives, buggy keys); sympy.Add and sympy.Mul
spend most of their time collecting and sorting arguments through the assumption system. Here a polynomial
is data (monomial exponents -> integer coefficient) and becomes the very object sympy would build: the
same args in the same order (Mul: the coefficient first, then factors sorted by Basic.compare; Add: the
number first, then terms sorted the same way), so it compares, hashes and prints exactly like sympy's.
tests/families/test_build.py checks that against sympy on random polynomials.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

import sympy
from sympy import Add, Integer, Mul, Pow, Symbol
from sympy.core.basic import _args_sortkey
from sympy.core.function import Application

from quizgen.typeset.printing import monomial, ordered_args, sympy_term_order

Powers = tuple[tuple[Symbol, int], ...]
"""(symbol, positive exponent) pairs, one per symbol (in any order)."""

_LIMIT = 50_000
_powers: dict[tuple[Symbol, int], sympy.Expr] = {}
_monos: dict[tuple[int, Powers], sympy.Expr] = {}


def _power(s: Symbol, e: int) -> sympy.Expr:
    if e == 1:
        return s
    hit = _powers.get((s, e))
    if hit is None:
        if len(_powers) >= _LIMIT:
            _powers.clear()
        hit = _powers[(s, e)] = Pow(s, Integer(e), evaluate=False)  # what s**e evaluates to
    return hit


def mono(coeff: int, powers: Powers) -> sympy.Expr:
    """sympy.Mul(coeff, *(s**e for s, e in powers)), built directly (cached)."""
    key = (coeff, powers)
    hit = _monos.get(key)
    if hit is not None:
        return hit
    if coeff == 0:
        result: sympy.Expr = Integer(0)
    elif not powers:
        result = Integer(coeff)
    else:
        factors = sorted((_power(s, e) for s, e in powers), key=_args_sortkey)
        args = factors if coeff == 1 else [Integer(coeff), *factors]
        result = args[0] if len(args) == 1 else Mul._from_args(args, True)
    if len(_monos) >= _LIMIT:
        _monos.clear()
    _monos[key] = result
    return result


def _by_name(p: tuple[Symbol, int]) -> str:
    return p[0].name


def poly(terms: Iterable[tuple[int, Powers]]) -> sympy.Expr:
    """sympy.Add of the monomials coeff * powers, like terms merged and zeros dropped, built directly."""
    merged: dict[tuple[tuple[Symbol, int], ...], int] = {}
    for coeff, powers in terms:
        key = tuple(powers) if len(powers) < 2 else tuple(sorted(powers, key=_by_name))
        merged[key] = merged.get(key, 0) + coeff
    number = merged.pop((), 0)
    parts = [mono(c, p) for p, c in merged.items() if c != 0]
    if not parts:
        return Integer(number)
    parts.sort(key=_args_sortkey)
    if number != 0:
        parts.insert(0, Integer(number))
    return parts[0] if len(parts) == 1 else Add._from_args(parts, True)


def add(exprs: Sequence[sympy.Basic]) -> sympy.Basic:
    """sympy.Add(*exprs): directly when every term is an integer monomial, else by sympy."""
    terms = []
    for e in exprs:
        if isinstance(e, Add):
            for a in e.args:
                m = monomial(a)
                if m is None:
                    return Add(*exprs)
                terms.append(m)
            continue
        m = monomial(e)
        if m is None:
            return Add(*exprs)
        terms.append(m)
    return poly(terms)


_PLAIN_FACTORS = (Symbol, Pow, Add, Application)
"""Factors mul() places as they are: Mul.flatten keeps such a factor unchanged unless it meets another
with the same base (x and x**2, exp(u) and exp(v)), has a number for base (sqrt(2)) or is alone with a
coefficient and a sum (2*(x + 1) distributes); mul() leaves exactly those cases to sympy."""


def mul(factors: Sequence[sympy.Basic]) -> sympy.Basic:
    """sympy.Mul(*factors), built directly when sympy would only multiply the rational coefficients and sort
    the other factors (every base distinct and not a number), else by sympy.

    The factors must be evaluated expressions, as sympy builds them (a Pow or function left unevaluated on
    purpose would be evaluated by sympy.Mul, and is kept here)."""
    num, den = 1, 1  # the rational coefficient, in Python integers (sympy's arithmetic is slower)
    parts: list[sympy.Basic] = []
    bases = set()
    for factor in factors:
        for f in factor.args if isinstance(factor, Mul) and factor.is_commutative else (factor,):
            if isinstance(f, sympy.Rational):
                num, den = num * f.p, den * f.q
                continue
            if not isinstance(f, _PLAIN_FACTORS) or not f.is_commutative:
                return Mul(*factors)
            base = f.as_base_exp()[0]  # exp(u) has base E, as a power does
            if base.is_Number or base in bases:
                return Mul(*factors)
            bases.add(base)
            parts.append(f)
    one = num == den
    if num == 0 or (len(parts) == 1 and not one and isinstance(parts[0], Add)):
        return Mul(*factors)
    coeff = sympy.Rational(num, den)
    if not parts:
        return coeff
    if len(parts) == 1 and one:
        return parts[0]
    parts.sort(key=_args_sortkey)
    if not one:
        parts.insert(0, coeff)
    return Mul._from_args(parts, True)


_PLAIN_CALLS = (sympy.exp, sympy.sin, sympy.cos)


def function_of(func: type[sympy.Function], arg: sympy.Basic) -> sympy.Basic:
    """func(arg) for exp, sin or cos, built directly when sympy's eval provably leaves it as it is, else
    by sympy (whose eval asks the assumption system and looks for i and pi in the argument).

    The arguments covered have no pi, i, log, E or float in them: a rational number; an integer polynomial;
    or a rational coefficient times plain factors (symbols, their integer powers, integer polynomials, and
    exp/sin/cos of such arguments, e.g. 4*cos(4) or 2*x*(y + 2*z**2)). For these exp's eval changes only
    exp(0) and exp(1), and sin's and cos's only take out a sign (sin(-u) = -sin(u), cos(-u) = cos(u)) and
    evaluate sin(0) and cos(0). The sign comes out (could_extract_minus_sign) of a negative number, a
    product with a negative coefficient, and a polynomial with more terms of negative coefficient than of
    positive ones (a tie is left to sympy)."""
    if func not in _PLAIN_CALLS:
        return func(arg)
    if isinstance(arg, sympy.Rational):
        plain = arg.p not in (0, arg.q) if func is sympy.exp else arg.p > 0
    elif isinstance(arg, Add):
        negative = 0
        for term in arg.args:
            m = monomial(term)
            if m is None:
                return func(arg)
            negative += m[0] < 0
        plain = func is sympy.exp or 2 * negative < len(arg.args)
    else:
        coefficient, factors = _split_coefficient(arg)
        if not all(_plain_factor(f) for f in factors):
            return func(arg)
        plain = func is sympy.exp or coefficient is None or coefficient.p > 0
    return func(arg, evaluate=False) if plain else func(arg)


def _split_coefficient(expr: sympy.Basic) -> tuple[sympy.Rational | None, tuple[sympy.Basic, ...]]:
    """A product's rational coefficient (None when it has none) and its other factors; expr alone if no product."""
    factors = expr.args if isinstance(expr, Mul) else (expr,)
    if isinstance(factors[0], sympy.Rational):
        return factors[0], factors[1:]
    return None, factors


def _plain_factor(f: sympy.Basic) -> bool:
    """A symbol, an integer power of one, an integer polynomial, or exp/sin/cos of a rational number, of
    an integer polynomial or of a rational coefficient times plain factors: nothing sympy's eval of
    exp/sin/cos could take out of a product (no pi, i, log, E, float) and never zero."""
    if isinstance(f, Symbol):
        return True
    if isinstance(f, Pow):
        return isinstance(f.base, Symbol) and isinstance(f.exp, Integer)
    if isinstance(f, Add):
        return all(monomial(t) is not None for t in f.args)
    if type(f) in _PLAIN_CALLS:
        a = f.args[0]
        if isinstance(a, sympy.Rational):
            return True
        if isinstance(a, Add):
            return _plain_factor(a)
        return all(_plain_factor(g) for g in _split_coefficient(a)[1])
    return False


def substitute(expr: sympy.Basic, rule: dict[sympy.Basic, sympy.Basic]) -> sympy.Basic:
    """expr.xreplace(rule), rebuilding the nodes that change through mul, add and function_of.

    xreplace rebuilds every node above a replaced one by its class (node.func(*args)), which evaluates
    it; for products, sums and exp/sin/cos of polynomials the builders here give the same objects
    without sympy's evaluation where it provably changes nothing. As for mul, the products above a replaced
    symbol must hold evaluated factors (sympy.Mul would evaluate a power left unevaluated on purpose; the
    families substitute into keys and buggy keys, which are evaluated)."""
    return _substitute(expr, rule)[0]


def _substitute(expr: sympy.Basic, rule: dict[sympy.Basic, sympy.Basic]) -> tuple[sympy.Basic, bool]:
    hit = rule.get(expr)
    if hit is not None:
        return hit, True
    if not expr.args:
        return expr, False
    args = []
    changed = False
    for a in expr.args:
        if not isinstance(a, sympy.Basic):
            args.append(a)
            continue
        new, moved = _substitute(a, rule)
        args.append(new)
        changed = changed or moved
    if not changed:
        return expr, False
    if isinstance(expr, Mul):
        return mul(args), True
    if isinstance(expr, Add):
        return add(args), True
    if type(expr) in _PLAIN_CALLS:
        return function_of(type(expr), args[0]), True
    return expr.func(*args), True


def expand_product(factors: Sequence[sympy.Basic]) -> sympy.Basic:
    """sympy.expand(sympy.Mul(*factors)): multiplied out directly when every factor is an integer polynomial
    (a sum of integer monomials, or one), else by sympy."""
    product: dict[tuple[tuple[Symbol, int], ...], int] = {(): 1}
    for factor in factors:
        monos = []
        for term in factor.args if isinstance(factor, Add) else (factor,):
            m = monomial(term)
            if m is None:
                return sympy.expand(Mul(*factors))
            monos.append(m)
        grown: dict[tuple[tuple[Symbol, int], ...], int] = {}
        for powers, coeff in product.items():
            for c, more in monos:
                exps = dict(powers)
                for s, e in more:
                    exps[s] = exps.get(s, 0) + e
                key = tuple(sorted(exps.items(), key=_by_name))
                grown[key] = grown.get(key, 0) + coeff * c
        product = grown
    return poly([(c, p) for p, c in product.items()])


def ordered_terms(function: sympy.Expr) -> list[sympy.Expr]:
    """The terms of a sum in the order sympy prints them: the fast polynomial order when it applies, then
    sympy's recipe for other sums of rational multiples (quizgen.typeset.printing), else sympy's own."""
    if isinstance(function, Add):
        ordered = ordered_args(function) or sympy_term_order(function)
        if ordered is not None:
            return ordered
    return list(function.as_ordered_terms())


def fast_diff(expr: sympy.Basic, v: Symbol) -> sympy.Basic:
    """d expr / d v: the power rule term by term for integer polynomials (sympy.diff is slow), else sympy.diff."""
    terms = expr.args if isinstance(expr, Add) else (expr,)
    out = []
    for term in terms:
        m = monomial(term)
        if m is None:
            return sympy.diff(expr, v)
        coeff, powers = m
        exps = dict(powers)
        e = exps.get(v, 0)
        if e == 0:
            continue
        rest = tuple((s, (k - 1 if s == v else k)) for s, k in powers if not (s == v and k == 1))
        out.append((coeff * e, rest))
    return poly(out)


class _NotRational(Exception):
    pass


_REL_EVAL = {
    sympy.StrictGreaterThan: lambda a, b: a > b,
    sympy.StrictLessThan: lambda a, b: a < b,
    sympy.GreaterThan: lambda a, b: a >= b,
    sympy.LessThan: lambda a, b: a <= b,
}


Exact = int | Fraction
"""Exact values: Python ints while everything is an integer (much faster than Fraction), else Fractions."""


def _exact(expr: sympy.Basic, point: dict[Symbol, Exact]) -> Exact:
    if isinstance(expr, Symbol):
        if expr not in point:
            raise _NotRational
        return point[expr]
    if isinstance(expr, Integer):
        return expr.p
    if isinstance(expr, sympy.Rational):
        return Fraction(expr.p, expr.q)
    if isinstance(expr, Add):
        total: Exact = 0
        for a in expr.args:
            total += _exact(a, point)
        return total
    if isinstance(expr, Mul):
        out: Exact = 1
        for a in expr.args:
            out *= _exact(a, point)
        return out
    if isinstance(expr, Pow) and isinstance(expr.exp, Integer):
        base = _exact(expr.base, point)
        e = expr.exp.p
        if e >= 0:
            return base**e
        if base == 0:
            raise _NotRational
        return Fraction(1) / base**-e
    if isinstance(expr, (sympy.Max, sympy.Min)):
        values = [_exact(a, point) for a in expr.args]
        return max(values) if isinstance(expr, sympy.Max) else min(values)
    if isinstance(expr, sympy.Piecewise):
        for value, cond in expr.args:
            if cond is sympy.true or _holds(cond, point):
                return _exact(value, point)
        raise _NotRational
    raise _NotRational


def _holds(cond: sympy.Basic, point: dict[Symbol, Exact]) -> bool:
    rel = _REL_EVAL.get(type(cond))
    if rel is None:
        raise _NotRational
    return rel(_exact(cond.lhs, point), _exact(cond.rhs, point))


def fast_subs(expr: sympy.Basic, point: dict[Symbol, sympy.Rational]) -> sympy.Basic:
    """expr.subs(point) for rational points: exact arithmetic on polynomials, max and indicators
    (subs on a Piecewise costs milliseconds); anything else goes to sympy's xreplace."""
    try:
        values: dict[Symbol, Exact] = {s: v.p if v.q == 1 else Fraction(v.p, v.q) for s, v in point.items()}
        result = _exact(expr, values)
    except (_NotRational, AttributeError):
        return substitute(expr, dict(point))  # xreplace: exact like subs for numbers in place of symbols, and faster
    return sympy.Rational(result.numerator, result.denominator)


__all__ = [
    "Exact",
    "Powers",
    "add",
    "expand_product",
    "fast_diff",
    "fast_subs",
    "function_of",
    "mono",
    "mul",
    "ordered_terms",
    "poly",
    "substitute",
]
