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

import sympy
from sympy import Add, Integer, Mul, Pow, Symbol
from sympy.core.basic import _args_sortkey

from quizgen.families._printing import monomial

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


def poly(terms: Iterable[tuple[int, Powers]]) -> sympy.Expr:
    """sympy.Add of the monomials coeff * powers, like terms merged and zeros dropped, built directly."""
    merged: dict[tuple[tuple[Symbol, int], ...], int] = {}
    for coeff, powers in terms:
        key = tuple(sorted(powers, key=lambda p: p[0].name))
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


__all__ = ["Powers", "add", "mono", "poly"]
