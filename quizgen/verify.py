"""An independent check of every key: a numeric central difference of the function at random points.

Keys come from the families' own symbolic work; this check shares none of it. Expressions are compiled
into small float closures by walking the sympy tree (no lambdify, no eval), so checking costs microseconds.
Points are drawn away from every kink (the arguments of max/ReLU), where the derivative does not exist.
A node the small evaluator does not know is evaluated by sympy (slowly) rather than refused.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy
from sympy.logic.boolalg import BooleanFalse, BooleanTrue

Values = dict[sympy.Symbol, float]
Compiled = Callable[[Values], float]

H = 1e-5
"""Central-difference step."""
KINK_MARGIN = 1e-2
"""Sample points keep at least this distance (in kink value) from every kink."""
SAMPLE_RANGE = (-2.5, 2.5)
POINTS = 4
REL_TOL = 1e-6


class Undefined(ArithmeticError):
    """The expression has no real value at the point (log of a negative, division by zero, ...)."""


_cache: dict[sympy.Basic, Compiled] = {}


def _pow(a: float, b: float) -> float:
    try:
        value = a**b
    except ZeroDivisionError:
        raise Undefined from None
    except OverflowError:
        raise Undefined from None
    if isinstance(value, complex):
        raise Undefined
    return value


def _log(a: float) -> float:
    if a <= 0:
        raise Undefined
    return math.log(a)


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        raise Undefined from None


def _heaviside(a: float) -> float:
    return 1.0 if a > 0 else 0.0 if a < 0 else 0.5


def _sign(a: float) -> float:
    return 1.0 if a > 0 else -1.0 if a < 0 else 0.0


_UNARY: dict[type, Callable[[float], float]] = {
    sympy.exp: _exp,
    sympy.log: _log,
    sympy.sin: math.sin,
    sympy.cos: math.cos,
    sympy.tan: math.tan,
    sympy.tanh: math.tanh,
    sympy.Abs: abs,
    sympy.sign: _sign,
    sympy.Heaviside: _heaviside,
}

_RELATIONS: dict[type, Callable[[float, float], bool]] = {
    sympy.StrictGreaterThan: lambda a, b: a > b,
    sympy.GreaterThan: lambda a, b: a >= b,
    sympy.StrictLessThan: lambda a, b: a < b,
    sympy.LessThan: lambda a, b: a <= b,
}


def compile_expr(expr: sympy.Basic) -> Compiled:
    """A float function of a {Symbol: float} mapping; raises Undefined where the value is not real."""
    hit = _cache.get(expr)
    if hit is not None:
        return hit
    fn = _compile(expr)
    if len(_cache) > 50_000:
        _cache.clear()
    _cache[expr] = fn
    return fn


def _compile(expr: sympy.Basic) -> Compiled:  # noqa: C901 - one branch per node type
    if isinstance(expr, sympy.Symbol):
        return lambda v: v[expr]
    if isinstance(expr, (sympy.Integer, sympy.Rational, sympy.Float)) or expr in (sympy.pi, sympy.E):
        c = float(expr)
        return lambda v: c
    if isinstance(expr, (BooleanTrue, BooleanFalse)):
        c = 1.0 if isinstance(expr, BooleanTrue) else 0.0
        return lambda v: c
    if isinstance(expr, sympy.Add):
        parts = [compile_expr(a) for a in expr.args]
        return lambda v: math.fsum(p(v) for p in parts)
    if isinstance(expr, sympy.Mul):
        parts = [compile_expr(a) for a in expr.args]

        def mul(v: Values) -> float:
            out = 1.0
            for p in parts:
                out *= p(v)
            return out

        return mul
    if isinstance(expr, sympy.Pow):
        base, power = compile_expr(expr.base), compile_expr(expr.exp)
        return lambda v: _pow(base(v), power(v))
    if isinstance(expr, (sympy.Max, sympy.Min)):
        parts = [compile_expr(a) for a in expr.args]
        pick = max if isinstance(expr, sympy.Max) else min
        return lambda v: pick(p(v) for p in parts)
    if isinstance(expr, sympy.Piecewise):
        pieces = [(compile_expr(e), compile_expr(c)) for e, c in expr.args]

        def piecewise(v: Values) -> float:
            for value, cond in pieces:
                if cond(v):
                    return value(v)
            raise Undefined

        return piecewise
    if type(expr) in _RELATIONS:
        rel = _RELATIONS[type(expr)]
        lhs, rhs = compile_expr(expr.lhs), compile_expr(expr.rhs)
        return lambda v: 1.0 if rel(lhs(v), rhs(v)) else 0.0
    if isinstance(expr, sympy.And):
        parts = [compile_expr(a) for a in expr.args]
        return lambda v: 1.0 if all(p(v) for p in parts) else 0.0
    if isinstance(expr, sympy.Or):
        parts = [compile_expr(a) for a in expr.args]
        return lambda v: 1.0 if any(p(v) for p in parts) else 0.0
    if isinstance(expr, sympy.Heaviside):
        arg = compile_expr(expr.args[0])
        at_zero = float(expr.args[1]) if len(expr.args) > 1 else 0.5

        def heaviside(v: Values) -> float:
            a = arg(v)
            return 1.0 if a > 0 else 0.0 if a < 0 else at_zero

        return heaviside
    if isinstance(expr, sympy.Function) and type(expr) in _UNARY and len(expr.args) == 1:
        fn, arg = _UNARY[type(expr)], compile_expr(expr.args[0])

        def unary(v: Values) -> float:
            try:
                return fn(arg(v))
            except (ValueError, OverflowError):
                raise Undefined from None

        return unary
    return lambda v: _by_sympy(expr, v)


def _by_sympy(expr: sympy.Basic, values: Values) -> float:
    """Slow path for a node the evaluator does not know: sympy's own numeric evaluation."""
    try:
        value = complex(expr.xreplace({s: sympy.Float(x) for s, x in values.items()}).evalf())
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        raise Undefined from None
    if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)) or not math.isfinite(value.real):
        raise Undefined
    return value.real


def evaluate(expr: sympy.Basic, values: Values) -> float:
    return compile_expr(expr)(values)


def central_difference(f: Compiled, values: Values, wrt: sympy.Symbol, h: float = H) -> tuple[float, float]:
    """(estimate of df/dwrt, the rounding-error allowance for it)."""
    hi, lo = dict(values), dict(values)
    hi[wrt] = values[wrt] + h
    lo[wrt] = values[wrt] - h
    f_hi, f_lo = f(hi), f(lo)
    return (f_hi - f_lo) / (2 * h), 64 * 2.2e-16 * max(abs(f_hi), abs(f_lo), 1.0) / h


def close(a: float, b: float, allowance: float = 0.0) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b)) + allowance


@dataclass(frozen=True)
class Check:
    """The outcome of verifying one draft: ok, whether the key is identically 0, and the points used."""

    ok: bool
    zero: bool
    points: list[Values]
    reason: str = ""


def sample_points(
    variables: Sequence[sympy.Symbol],
    kinks: Sequence[sympy.Basic],
    rng: random.Random,
    count: int = POINTS,
    also: Sequence[sympy.Basic] = (),
) -> list[Values]:
    """Up to count random points, each away from every kink and where `also` expressions are defined."""
    kink_fns = [compile_expr(k) for k in kinks]
    need = [compile_expr(e) for e in also]
    lo, hi = SAMPLE_RANGE
    points: list[Values] = []
    for _ in range(count * 25):
        values = {v: rng.uniform(lo, hi) for v in variables}
        try:
            if any(abs(k(values)) < KINK_MARGIN for k in kink_fns):
                continue
            for fn in need:
                if not math.isfinite(fn(values)):
                    raise Undefined
        except Undefined:
            continue
        points.append(values)
        if len(points) == count:
            break
    return points


def verify_draft(
    function: sympy.Basic,
    variables: Sequence[sympy.Symbol],
    wrt: Sequence[sympy.Symbol],
    answer: sympy.Basic | Sequence[sympy.Basic],
    kinks: Sequence[sympy.Basic],
    rng: random.Random,
    point: dict[sympy.Symbol, sympy.Basic] | None = None,
) -> Check:
    """Compare the key with central differences of the function (at the point for value questions)."""
    f = compile_expr(function)
    answers = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    if len(answers) != len(wrt):
        return Check(False, False, [], "key has a different number of components than wrt")
    try:
        if point is not None:
            values = {v: float(point[v]) for v in variables}
            zero = True
            for w, key_expr in zip(wrt, answers):
                estimate, allowance = central_difference(f, values, w)
                key = float(key_expr)
                if not close(estimate, key, allowance):
                    return Check(False, False, [values], f"value {key} but the slope along {w} is {estimate:.6g}")
                zero = zero and abs(key) < 1e-12
            return Check(True, zero, [values])
        points = sample_points(variables, kinks, rng, also=[function, *answers])
        if len(points) < 2:
            return Check(False, False, points, "no sample points where the function is defined")
        zero = True
        for values in points:
            for w, key_expr in zip(wrt, answers):
                estimate, allowance = central_difference(f, values, w)
                key = compile_expr(key_expr)(values)
                if not close(estimate, key, allowance):
                    return Check(False, False, points, f"key {key:.6g} but slope {estimate:.6g} along {w}")
                if abs(key) > 1e-12:
                    zero = False
        return Check(True, zero, points)
    except Undefined:
        return Check(False, False, [], "the function or key is undefined at a sample point")


def differs(
    key: sympy.Basic | Sequence[sympy.Basic],
    other: sympy.Basic | Sequence[sympy.Basic],
    points: Sequence[Values],
) -> bool:
    """True when other (a mistake) is numerically different from key at one of the points at least."""
    keys = list(key) if isinstance(key, (list, tuple)) else [key]
    others = list(other) if isinstance(other, (list, tuple)) else [other]
    if len(keys) != len(others):
        return True
    try:
        for values in points or [{}]:
            for k, o in zip(keys, others):
                if not close(compile_expr(k)(values), compile_expr(o)(values)):
                    return True
    except Undefined:
        return True
    except KeyError:
        return True
    return False
