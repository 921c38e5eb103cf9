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

from quizgen.typeset.printing import monomial, ordered_args

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
    coeff = sympy.S.One
    parts: list[sympy.Basic] = []
    bases = set()
    for factor in factors:
        for f in factor.args if isinstance(factor, Mul) and factor.is_commutative else (factor,):
            if isinstance(f, sympy.Rational):
                coeff *= f
                continue
            if not isinstance(f, _PLAIN_FACTORS) or not f.is_commutative:
                return Mul(*factors)
            base = f.as_base_exp()[0]  # exp(u) has base E, as a power does
            if base.is_Number or base in bases:
                return Mul(*factors)
            bases.add(base)
            parts.append(f)
    if coeff == 0 or (len(parts) == 1 and coeff != 1 and isinstance(parts[0], Add)):
        return Mul(*factors)
    if not parts:
        return coeff
    if len(parts) == 1 and coeff == 1:
        return parts[0]
    parts.sort(key=_args_sortkey)
    if coeff != 1:
        parts.insert(0, coeff)
    return Mul._from_args(parts, True)


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
    """The terms of a sum in the order sympy prints them: the fast polynomial order when it applies, else sympy's."""
    ordered = ordered_args(function) if isinstance(function, Add) else None
    return ordered or list(function.as_ordered_terms())


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
        return expr.xreplace(dict(point))  # exact like subs for numbers in place of symbols, and faster
    return sympy.Rational(result.numerator, result.denominator)


__all__ = ["Exact", "Powers", "add", "expand_product", "fast_diff", "fast_subs", "mono", "mul", "ordered_terms", "poly"]
