"""Numeric evaluation of sympy trees, compiled once into closures and run at many points.

Why not lambdify: it goes through eval, and the checker must never eval anything. Walking the tree
ourselves also keeps an allow-list: only the node types below can be evaluated, each closure does O(1)
work, so a tree of n nodes costs O(n) per point (n is bounded by the parser's node limit).

Two backends share one compiler: floats (math, fast; used for screening) and mpmath at high precision
(used where floats overflow, and to confirm near-equal values exactly enough). A point where a value is
not real (log of a negative, 0 division, sqrt(-1), a Piecewise without a true branch) raises Undefined.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mpmath
import sympy

Fn = Callable[[Sequence[Any]], Any]

MP_DPS = 60
MPX = mpmath.MPContext()
"""The checker's own mpmath context, fixed at MP_DPS digits and never changed: mpmath's global context
(and workdps) is shared by all threads, so one thread restoring the precision would silently make another
thread's 60-digit confirmation run at 15 digits."""
MPX.dps = MP_DPS


class Undefined(ValueError):
    """The expression has no real value at this point (outside its real domain)."""


class Unsupported(Exception):
    """A node the evaluator does not know; the caller falls back to the symbolic path."""


class Overflowed(Exception):
    """A float result overflowed; the caller re-evaluates the point with mpmath."""


UNDEF = object()
"""Result marker of run_float/run_mp: no real value here."""
OVERFLOW = object()
"""Result marker of run_float: the floats overflowed, use mpmath."""


# --------------------------------------------------------------------------- backends


def _h_float(h0: float) -> Callable[[float], float]:
    def heaviside(v: float) -> float:
        return 1.0 if v > 0 else (0.0 if v < 0 else h0)

    return heaviside


def _sign(v: Any) -> Any:
    return (v > 0) - (v < 0)


def _acot_float(v: float) -> float:
    return math.atan(1.0 / v) if v != 0 else math.pi / 2


_FLOAT_FUNCS: dict[str, Callable[..., Any]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "sec": lambda v: 1.0 / math.cos(v),
    "csc": lambda v: 1.0 / math.sin(v),
    "cot": lambda v: 1.0 / math.tan(v),
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "acot": _acot_float,
    "asec": lambda v: math.acos(1.0 / v),
    "acsc": lambda v: math.asin(1.0 / v),
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "coth": lambda v: 1.0 / math.tanh(v),
    "sech": lambda v: 1.0 / math.cosh(v),
    "csch": lambda v: 1.0 / math.sinh(v),
    "asinh": math.asinh,
    "acosh": math.acosh,
    "atanh": math.atanh,
    "acoth": lambda v: math.atanh(1.0 / v),
    "exp": math.exp,
    "log": math.log,
    "Abs": abs,
    "sign": lambda v: float(_sign(v)),
    "factorial": lambda v: math.gamma(v + 1.0),
    "gamma": math.gamma,
    "floor": lambda v: float(math.floor(v)),
    "ceiling": lambda v: float(math.ceil(v)),
}


EXP_ARG_MAX = 1e8
"""mpmath exp/sinh/cosh refuse arguments beyond this (exp(1e8) is already ~10^43429448): a nested
exp(exp(exp(...))) would otherwise compute integers with astronomically many digits."""
PERIODIC_MAG_MAX = 4000
"""Trig and gamma refuse arguments over 2^4000: their argument reduction costs that many bits."""


def _mp_capped(f: Callable[[Any], Any], *, exp_like: bool) -> Callable[[Any], Any]:
    def g(v: Any) -> Any:
        if exp_like:
            if abs(v) > EXP_ARG_MAX:
                if f is MPX.exp and v < 0:
                    return MPX.zero  # underflow: exp(-1e9) is 0 to any precision that matters here
                raise OverflowError
        elif MPX.mag(v) > PERIODIC_MAG_MAX:
            raise OverflowError
        return f(v)

    return g


def _mp_check(ok: bool) -> None:
    if not ok:
        raise Undefined


def _mp_log(v: Any) -> Any:
    _mp_check(v > 0)
    return MPX.log(v)


def _mp_sqrt(v: Any) -> Any:
    _mp_check(v >= 0)
    return MPX.sqrt(v)


def _mp_unit(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def g(v: Any) -> Any:
        _mp_check(-1 <= v <= 1)
        return f(v)

    return g


def _mp_inv(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def g(v: Any) -> Any:
        d = f(v)
        _mp_check(d != 0)
        return 1 / d

    return g


def _mp_acosh(v: Any) -> Any:
    _mp_check(v >= 1)
    return MPX.acosh(v)


def _mp_atanh(v: Any) -> Any:
    _mp_check(-1 < v < 1)
    return MPX.atanh(v)


def _mp_recip_arg(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def g(v: Any) -> Any:
        _mp_check(v != 0)
        return f(1 / v)

    return g


def _mp_gamma(v: Any) -> Any:
    _mp_check(not (v <= 0 and v == MPX.floor(v)))
    return MPX.gamma(v)


_MP_EXP = _mp_capped(MPX.exp, exp_like=True)

_MP_FUNCS: dict[str, Callable[..., Any]] = {
    "sin": _mp_capped(MPX.sin, exp_like=False),
    "cos": _mp_capped(MPX.cos, exp_like=False),
    "tan": _mp_capped(MPX.tan, exp_like=False),
    "sec": _mp_capped(_mp_inv(MPX.cos), exp_like=False),
    "csc": _mp_capped(_mp_inv(MPX.sin), exp_like=False),
    "cot": _mp_capped(_mp_inv(MPX.tan), exp_like=False),
    "asin": _mp_unit(MPX.asin),
    "acos": _mp_unit(MPX.acos),
    "atan": MPX.atan,
    "acot": lambda v: MPX.atan(1 / v) if v != 0 else MPX.pi / 2,
    "asec": _mp_recip_arg(_mp_unit(MPX.acos)),
    "acsc": _mp_recip_arg(_mp_unit(MPX.asin)),
    "sinh": _mp_capped(MPX.sinh, exp_like=True),
    "cosh": _mp_capped(MPX.cosh, exp_like=True),
    "tanh": MPX.tanh,
    "coth": _mp_inv(MPX.tanh),
    "sech": _mp_capped(_mp_inv(MPX.cosh), exp_like=True),
    "csch": _mp_capped(_mp_inv(MPX.sinh), exp_like=True),
    "asinh": MPX.asinh,
    "acosh": _mp_acosh,
    "atanh": _mp_atanh,
    "acoth": _mp_recip_arg(_mp_atanh),
    "exp": _MP_EXP,
    "log": _mp_log,
    "Abs": abs,
    "sign": lambda v: MPX.mpf(_sign(v)),
    "factorial": _mp_capped(lambda v: _mp_gamma(v + 1), exp_like=False),
    "gamma": _mp_capped(_mp_gamma, exp_like=False),
    "floor": MPX.floor,
    "ceiling": MPX.ceil,
}


class _Backend:
    """What differs between floats and mpmath: constants, functions, powers."""

    def __init__(self, name: str, nudge: tuple[sympy.Float, float] | None = None) -> None:
        self.name = name
        self.funcs = _FLOAT_FUNCS if name == "float" else _MP_FUNCS
        self.nudge = nudge

    def const(self, node: sympy.Basic) -> Any:
        if self.name == "float":
            if self.nudge is not None and isinstance(node, sympy.Float) and node == self.nudge[0]:
                return float(node) * (1.0 + self.nudge[1])
            return float(node)
        if isinstance(node, sympy.Float):
            return MPX.mpf(str(node))  # the decimal as typed, at full working precision
        if isinstance(node, sympy.Rational):
            return MPX.mpf(int(node.p)) / int(node.q)
        if node is sympy.pi:
            return +MPX.pi
        if node is sympy.E:
            return MPX.e + 0
        return MPX.mpf(str(node.evalf(MP_DPS + 5)))

    def sqrt(self) -> Callable[[Any], Any]:
        return math.sqrt if self.name == "float" else _mp_sqrt

    def exp(self) -> Callable[[Any], Any]:
        return math.exp if self.name == "float" else _MP_EXP

    def power(self) -> Callable[[Any, Any], Any]:
        if self.name == "float":
            return math.pow  # ValueError for a negative base with a non-integer exponent, and 0**-1

        def mp_pow(b: Any, e: Any) -> Any:
            if b != 0 and abs(e) * max(1, abs(MPX.mag(b))) > EXP_ARG_MAX:
                if b > 0 and (abs(b) < 1) == (e > 0):
                    return MPX.zero  # underflow, like exp(-huge)
                raise OverflowError  # the same blow-up as exp(huge), written as a power
            if b < 0:
                _mp_check(e == MPX.floor(e))
                return MPX.power(b, int(e))
            _mp_check(not (b == 0 and e < 0))
            return MPX.power(b, e)

        return mp_pow

    def int_power(self, n: int) -> Callable[[Any], Any]:
        if self.name == "float":
            return lambda b: b**n  # float ** int: ZeroDivisionError for 0**-1, OverflowError
        def mp_ipow(b: Any) -> Any:
            if b == 0:
                _mp_check(n > 0)
                return b
            if abs(n) * max(1, abs(MPX.mag(b))) > EXP_ARG_MAX:
                raise OverflowError
            return b**n

        return mp_ipow


FLOAT = _Backend("float")
MP = _Backend("mp")


# --------------------------------------------------------------------------- compiler


def compile_expr(
    expr: sympy.Basic,
    names: Mapping[str, int],
    backend: _Backend = FLOAT,
    *,
    nudge: tuple[sympy.Float, float] | None = None,
) -> Fn:
    """Compile expr into f(point) where point[names[symbol.name]] is each variable's value.

    nudge=(literal, rel) evaluates (floats only) as if the decimal literal were literal * (1 + rel), without
    rebuilding the sympy tree (rebuilding a 16-argument Max alone can take sympy a second).
    Raises Unsupported for node types outside the allow-list (or a symbol not in names).
    """
    if nudge is not None:
        backend = _Backend(backend.name, nudge)
    try:
        return _compile(expr, names, backend)
    except RecursionError as exc:
        raise Unsupported("expression nested too deeply") from exc


def _const_fn(value: Any) -> Fn:
    return lambda p: value


def _undefined_fn(p: Sequence[Any]) -> Any:
    raise Undefined


def _chain(fs: list[Fn], op: str) -> Fn:
    """Fold n closures into nested binary closures (cheaper per call than a generator)."""
    f = fs[0]
    for g in fs[1:]:
        f = (lambda a, b: (lambda p: a(p) + b(p)))(f, g) if op == "+" else (
            lambda a, b: (lambda p: a(p) * b(p)))(f, g)
    return f


_REL_OPS: dict[type, Callable[[Any, Any], bool]] = {
    sympy.StrictGreaterThan: lambda a, b: a > b,
    sympy.GreaterThan: lambda a, b: a >= b,
    sympy.StrictLessThan: lambda a, b: a < b,
    sympy.LessThan: lambda a, b: a <= b,
    sympy.Equality: lambda a, b: a == b,
    sympy.Unequality: lambda a, b: a != b,
}


def _compile(e: sympy.Basic, names: Mapping[str, int], be: _Backend) -> Fn:  # noqa: C901 - one dispatch
    if isinstance(e, sympy.Symbol):
        if e.name not in names:
            raise Unsupported(f"unknown variable {e.name}")
        i = names[e.name]
        return lambda p: p[i]
    if e is sympy.S.true:
        return _const_fn(True)
    if e is sympy.S.false:
        return _const_fn(False)
    if e is sympy.S.NaN or e is sympy.S.ComplexInfinity or e is sympy.S.Infinity or e is sympy.S.NegativeInfinity:
        return _undefined_fn
    if isinstance(e, sympy.Number) or isinstance(e, sympy.NumberSymbol):
        if isinstance(e, sympy.Number) and not e.is_real:
            raise Unsupported("non-real constant")
        return _const_fn(be.const(e))
    if e is sympy.I:
        return _undefined_fn  # sympy made something complex (sqrt(ln(1/2))): not real wherever it is used
    if isinstance(e, sympy.Add):
        return _chain([_compile(a, names, be) for a in e.args], "+")
    if isinstance(e, sympy.Mul):
        return _chain([_compile(a, names, be) for a in e.args], "*")
    if isinstance(e, sympy.Pow):
        return _compile_pow(e, names, be)
    if isinstance(e, sympy.Piecewise):
        pieces = [(_compile(ex, names, be), _compile(c, names, be)) for ex, c in e.args]

        def piecewise(p: Sequence[Any]) -> Any:
            for ex, c in pieces:
                if c(p):
                    return ex(p)
            raise Undefined

        return piecewise
    rel = _REL_OPS.get(type(e))
    if rel is not None:
        a = _compile(e.lhs, names, be)
        b = _compile(e.rhs, names, be)
        return lambda p: rel(a(p), b(p))
    if isinstance(e, sympy.And):
        fs = [_compile(a, names, be) for a in e.args]
        return lambda p: all(f(p) for f in fs)
    if isinstance(e, sympy.Or):
        fs = [_compile(a, names, be) for a in e.args]
        return lambda p: any(f(p) for f in fs)
    if isinstance(e, sympy.Not):
        f = _compile(e.args[0], names, be)
        return lambda p: not f(p)
    if isinstance(e, (sympy.Max, sympy.Min)):
        fs = [_compile(a, names, be) for a in e.args]
        pick = max if isinstance(e, sympy.Max) else min
        return lambda p: pick([f(p) for f in fs])
    if isinstance(e, sympy.Heaviside):
        f = _compile(e.args[0], names, be)
        h0 = e.args[1] if len(e.args) > 1 else sympy.Rational(1, 2)
        if not isinstance(h0, sympy.Number):
            raise Unsupported("Heaviside with a symbolic value at 0")
        step = _h_float(float(h0)) if be.name == "float" else _h_mp(be.const(h0))
        return lambda p: step(f(p))
    if isinstance(e, sympy.log) and len(e.args) == 2:
        num = _compile(sympy.log(e.args[0]), names, be)
        den = _compile(sympy.log(e.args[1]), names, be)
        return lambda p: num(p) / den(p)
    if isinstance(e, sympy.Function) and len(e.args) == 1:
        fname = type(e).__name__
        impl = be.funcs.get(fname)
        if impl is None:
            raise Unsupported(f"function {fname}")
        f = _compile(e.args[0], names, be)
        return lambda p: impl(f(p))
    raise Unsupported(type(e).__name__)


def _h_mp(h0: Any) -> Callable[[Any], Any]:
    one, zero = MPX.mpf(1), MPX.mpf(0)

    def heaviside(v: Any) -> Any:
        return one if v > 0 else (zero if v < 0 else h0)

    return heaviside


def _compile_pow(e: sympy.Pow, names: Mapping[str, int], be: _Backend) -> Fn:
    base, expo = e.args
    if base is sympy.E:
        f = _compile(expo, names, be)
        ex = be.exp()
        return lambda p: ex(f(p))
    b = _compile(base, names, be)
    if isinstance(expo, sympy.Integer):
        n = int(expo)
        if n == 1:
            return b
        if n == 2:
            return lambda p: (lambda v: v * v)(b(p))
        if n == -1:
            if be.name == "float":
                return lambda p: 1.0 / b(p)
        ipow = be.int_power(n)
        return lambda p: ipow(b(p))
    if expo is sympy.S.Half:
        sq = be.sqrt()
        return lambda p: sq(b(p))
    if isinstance(expo, sympy.Rational) and expo.p == -1 and expo.q == 2:
        sq = be.sqrt()
        return lambda p: 1 / sq(b(p))
    pw = be.power()
    if isinstance(expo, sympy.Number):
        c = be.const(expo)
        return lambda p: pw(b(p), c)
    f = _compile(expo, names, be)
    return lambda p: pw(b(p), f(p))


# --------------------------------------------------------------------------- running


def run_float(fn: Fn, point: Sequence[float]) -> Any:
    """fn at point as a finite float, or UNDEF (not real there), or OVERFLOW (retry with mpmath)."""
    try:
        v = fn(point)
    except OverflowError:
        return OVERFLOW
    except (ValueError, ZeroDivisionError, TypeError):
        return UNDEF
    if isinstance(v, bool):
        return float(v)
    if not isinstance(v, (float, int)):
        return UNDEF  # a complex number
    if math.isfinite(v):
        return float(v)
    return OVERFLOW


def run_mp(fn: Fn, point: Sequence[Any]) -> Any:
    """fn (compiled for MP) at point; an mpf, or UNDEF. Call inside mpmath.workdps(...)."""
    try:
        v = fn(point)
    except (ValueError, ZeroDivisionError, TypeError, OverflowError, MemoryError):
        return UNDEF  # MemoryError: exp(exp(exp(...))) has no representable value either
    if isinstance(v, bool):
        return MPX.mpf(int(v))
    if isinstance(v, int):
        return MPX.mpf(v)
    if not isinstance(v, MPX.mpf) or not MPX.isfinite(v):
        return UNDEF
    return v
