"""What is wrong with a wrong answer, said without giving the key away.

First the problem's own buggy keys (Mistake, built by the family: forgot the inner derivative, wrong
variable, ...), then generic diagnoses computable from the key alone: sign error, wrong side of an
indicator, a constant factor off, a factor missing (the inner derivative, typically), a term missing.
All of them reuse the values at the comparison's sample points, so feedback costs a few evaluations.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy

from quizgen.checker.equivalence import Comparison, Compiled, Tolerance
from quizgen.checker.evaluate import MPX, OVERFLOW, UNDEF, Fn, Unsupported, compile_expr, run_mp, value_at

MAX_FACTORS = 6
MIN_MATCHES = 2
"""A diagnosis must hold at this many sample points at least (one point proves nothing)."""
MIN_RATIO_POINTS = 4
"""Points with a nonzero key value the constant-factor claim needs, before its 60-digit confirmation."""
FEEDBACK_TOL = Tolerance(rel=1e-6, absolute=1e-10)


@dataclass(frozen=True)
class Diagnosis:
    kind: str | None
    message: str


GENERIC_MESSAGES = {
    "sign": "Check the sign of your answer: it has the opposite sign.",
    "wrong_side": "Your indicator is on the wrong side: check on which side of the kink the derivative is 1.",
    "constant_factor": "Your answer is off by a constant factor: check the coefficients.",
    "missing_factor": (
        "A factor is missing from your answer: did you forget to multiply by the derivative of the inner "
        "function (chain rule)?"
    ),
    "missing_term": "A term is missing from your answer: differentiate every term.",
}
MISSING_PLAIN_FACTOR = "A factor is missing from your answer: check that every factor of the product is there."
"""missing_factor where the key composes no function: the chain rule's inner derivative is not the hint
(d/dx of x^2 y is 2xy: a student who writes 2x dropped the y, a variable held constant)."""


def _num(v: Any) -> float | None:
    if v is UNDEF or v is OVERFLOW or v is None:
        return None
    try:
        f = float(v)
    except (OverflowError, TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= FEEDBACK_TOL.rel * max(abs(a), abs(b)) + FEEDBACK_TOL.absolute


def matches_values(cmp: Comparison, candidate: Callable[[int], float | None]) -> bool:
    """Does the answer equal candidate(i) at every sample point i where both are real (and at least
    MIN_MATCHES of them, or every point when there are fewer)?"""
    compared = 0
    for i, av in enumerate(cmp.answer_values):
        a = _num(av)
        c = candidate(i)
        if (a is None) != (c is None):
            return False
        if a is None or c is None:
            continue
        if not _close(a, c):
            return False
        compared += 1
    return compared >= min(MIN_MATCHES, len(cmp.answer_values)) and compared > 0


def values_of(fn: Fn, points: Sequence[tuple[float, ...]]) -> list[float | None]:
    return [value_at(fn, p) for p in points]


def compile_or_none(expr: sympy.Basic, names: dict[str, int]) -> Fn | None:
    """The float closure of a buggy key (compiled once, however many wrong answers it is tested against)."""
    return _compiled(expr, tuple(names.items()))


def clear_compiled() -> None:
    """Forget every compiled buggy key (cold-cache benchmarks)."""
    _compiled.cache_clear()


@lru_cache(maxsize=8192)
def _compiled(expr: sympy.Basic, names: tuple[tuple[str, int], ...]) -> Fn | None:
    try:
        return compile_expr(expr, dict(names))
    except Unsupported:
        return None


def matches_expr(cmp: Comparison, expr: sympy.Basic, names: dict[str, int]) -> bool:
    """Does the answer match expr at the comparison's points? expr is evaluated point by point, and only
    up to the first point where it differs (most buggy keys differ at the first)."""
    fn = compile_or_none(expr, names)
    if fn is None:
        return False
    points = cmp.points
    return matches_values(cmp, lambda i: value_at(fn, points[i]))


def generic_diagnosis(key: Compiled, cmp: Comparison, answer: Compiled | None = None) -> Diagnosis | None:
    """The first generic mistake the answer matches, or None."""
    kv = [_num(v) for v in cmp.key_values]
    if not any(v is not None and abs(v) > 1e-9 for v in kv):
        return None  # a zero key: every multiple of it is "off by a factor"; say nothing
    negated = [None if v is None else -v for v in kv]
    if matches_values(cmp, lambda i: negated[i]):
        return _d("sign")
    flipped = [None if v is None else 1.0 - v for v in kv]
    if matches_values(cmp, lambda i: flipped[i]) and _is_indicator(key.expr):  # the values first: cheaper
        return _d("wrong_side")
    # A ratio of 0 is an answer that is 0 where the key is not: zero times the key, not a wrong coefficient;
    # and any number is a multiple of a key that is a number (a value at a point): that says nothing.
    ratio = _constant_ratio(cmp, kv) if key.expr.free_symbols else None
    if ratio is not None and not _close(ratio, 1.0) and not _close(ratio, 0.0) and _ratio_confirmed(key, answer, cmp):
        return _d("constant_factor")
    expr = key.expr
    if isinstance(expr, sympy.Mul) and len(expr.args) <= MAX_FACTORS:
        if _missing_factor(expr, key.names, cmp):
            return _d("missing_factor") if _composes(expr) else Diagnosis("missing_factor", MISSING_PLAIN_FACTOR)
    if isinstance(expr, sympy.Add) and len(expr.args) <= 8:
        for term in expr.args:
            if matches_expr(cmp, without_term(expr, term), key.names):
                return _d("missing_term")
    return None


def without_term(expr: sympy.Add, term: sympy.Basic) -> sympy.Basic:
    """expr - term, for one of the terms of the sum expr, made of its other terms as they stand.

    A sum sympy has built has its like terms combined and its terms in canonical order, so the others
    are already expr - term's terms, in its order: they are put together without sympy's subtraction,
    which would split every term into coefficient and rest, collect them again and sort them (a
    seventh of the CPU; the diagnosis tries every term of a wrong answer's key). The same tree,
    which the tests pin against expr - term."""
    rest = [t for t in expr.args if t is not term]
    return rest[0] if len(rest) == 1 else sympy.Add(*rest, evaluate=False)


def _d(kind: str) -> Diagnosis:
    return Diagnosis(kind, GENERIC_MESSAGES[kind])


def _is_indicator(expr: sympy.Basic) -> bool:
    return bool(expr.has(sympy.Piecewise, sympy.Heaviside, sympy.sign))


def _ratio_confirmed(key: Compiled, answer: Compiled | None, cmp: Comparison) -> bool:
    """answer/key is the same number at two sample points to 30 digits (60-digit mpmath): a constant factor
    is claimed only when it is one, never because floats happened to agree."""
    if answer is None:
        return False
    ratios = []
    for p, k in zip(cmp.points, cmp.key_values):
        v = _num(k)
        if v is None or abs(v) < 1e-9:
            continue
        km, am = run_mp(key.mp, tuple(MPX.mpf(c) for c in p)), run_mp(answer.mp, tuple(MPX.mpf(c) for c in p))
        if km is UNDEF or am is UNDEF or km == 0:
            return False
        ratios.append(am / km)
        if len(ratios) == 2:
            break
    return len(ratios) == 2 and abs(ratios[0] - ratios[1]) <= abs(ratios[0]) * MPX.mpf(10) ** -30


def _constant_ratio(cmp: Comparison, kv: list[float | None]) -> float | None:
    ratio: float | None = None
    nonzero = 0
    for i, av in enumerate(cmp.answer_values):
        a, k = _num(av), kv[i]
        if a is None or k is None:
            if (a is None) != (k is None):
                return None
            continue
        if abs(k) < 1e-9:
            if abs(a) > 1e-9:
                return None
            continue
        r = a / k
        nonzero += 1
        if ratio is None:
            ratio = r
        elif not _close(r, ratio):
            return None
    return ratio if nonzero >= MIN_RATIO_POINTS else None


def _composes(expr: sympy.Basic) -> bool:
    """Does expr apply a function (or a power) to something other than a variable, so that the chain rule
    made one of its factors: cos(3x^2), exp(x y), (2x + 1)^5? Not x^2 y, nor exp(x) alone."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Function) and any(a.free_symbols and not a.is_Symbol for a in node.args):
            return True
        if isinstance(node, sympy.Pow) and node.base.free_symbols and not node.base.is_Symbol:
            return True
    return False


def _missing_factor(expr: sympy.Mul, names: dict[str, int], cmp: Comparison) -> bool:
    """Is the answer the key with one or more non-constant factors (and maybe constants) dropped?"""
    factors = list(expr.args)
    fns = [compile_or_none(f, names) for f in factors]
    if any(f is None for f in fns):
        return False
    vals = [values_of(f, cmp.points) for f in fns if f is not None]
    varying = [i for i, f in enumerate(factors) if f.free_symbols]
    if len(varying) < 2:
        return False
    for size in range(1, len(factors)):
        for keep in itertools.combinations(range(len(factors)), size):
            dropped = [i for i in varying if i not in keep]
            if not dropped or all(i not in keep for i in varying):
                continue

            def product(i: int, keep: tuple[int, ...] = keep) -> float | None:
                out = 1.0
                for j in keep:
                    v = vals[j][i]
                    if v is None:
                        return None
                    out *= v
                return out

            if matches_values(cmp, product):
                return True
    return False
