"""Numeric evaluation of sympy trees, compiled once into closures and run at many points.

Why not lambdify: it goes through eval, and the checker must never eval anything. Walking the tree
ourselves also keeps an allow-list: only the node types below can be evaluated, each closure does O(1)
work, so a tree of n nodes costs O(n) per point (n is bounded by the parser's node limit).

Three backends share one compiler: floats (math, fast; used for screening), exact rationals (ints and
Fractions, for everything rational: polynomials, integer powers, indicators, max/min/abs, typed decimals
as the rationals they spell) and mpmath at any precision (mp_backend(dps): where floats overflow, and to
confirm transcendental values at the precision the constants need). A point where a value is not real
(log of a negative, 0 division, sqrt(-1), a Piecewise without a true branch) raises Undefined.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
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


def _mp_funcs(X: Any) -> dict[str, Callable[..., Any]]:
    """The allow-listed functions for one mpmath context (each precision has its own context)."""

    def capped(f: Callable[[Any], Any], *, exp_like: bool) -> Callable[[Any], Any]:
        def g(v: Any) -> Any:
            if exp_like:
                if abs(v) > EXP_ARG_MAX:
                    if f is X.exp and v < 0:
                        return X.zero  # underflow: exp(-1e9) is 0 to any precision that matters here
                    raise OverflowError
            elif X.mag(v) > PERIODIC_MAG_MAX:
                raise OverflowError
            return f(v)

        return g

    def log(v: Any) -> Any:
        _mp_check(v > 0)
        return X.log(v)

    def unit(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def g(v: Any) -> Any:
            _mp_check(-1 <= v <= 1)
            return f(v)

        return g

    def inv(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def g(v: Any) -> Any:
            d = f(v)
            _mp_check(d != 0)
            return 1 / d

        return g

    def acosh(v: Any) -> Any:
        _mp_check(v >= 1)
        return X.acosh(v)

    def atanh(v: Any) -> Any:
        _mp_check(-1 < v < 1)
        return X.atanh(v)

    def recip_arg(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def g(v: Any) -> Any:
            _mp_check(v != 0)
            return f(1 / v)

        return g

    def gamma(v: Any) -> Any:
        _mp_check(not (v <= 0 and v == X.floor(v)))
        return X.gamma(v)

    exp = capped(X.exp, exp_like=True)
    return {
        "sin": capped(X.sin, exp_like=False),
        "cos": capped(X.cos, exp_like=False),
        "tan": capped(X.tan, exp_like=False),
        "sec": capped(inv(X.cos), exp_like=False),
        "csc": capped(inv(X.sin), exp_like=False),
        "cot": capped(inv(X.tan), exp_like=False),
        "asin": unit(X.asin),
        "acos": unit(X.acos),
        "atan": X.atan,
        "acot": lambda v: X.atan(1 / v) if v != 0 else X.pi / 2,
        "asec": recip_arg(unit(X.acos)),
        "acsc": recip_arg(unit(X.asin)),
        "sinh": capped(X.sinh, exp_like=True),
        "cosh": capped(X.cosh, exp_like=True),
        "tanh": X.tanh,
        "coth": inv(X.tanh),
        "sech": capped(inv(X.cosh), exp_like=True),
        "csch": capped(inv(X.sinh), exp_like=True),
        "asinh": X.asinh,
        "acosh": acosh,
        "atanh": atanh,
        "acoth": recip_arg(atanh),
        "exp": exp,
        "log": log,
        "Abs": abs,
        "sign": lambda v: X.mpf(_sign(v)),
        "factorial": capped(lambda v: gamma(v + 1), exp_like=False),
        "gamma": capped(gamma, exp_like=False),
        "floor": X.floor,
        "ceiling": X.ceil,
    }


def _mp_check(ok: bool) -> None:
    if not ok:
        raise Undefined


_MP_FUNCS = _mp_funcs(MPX)


class TooBig(OverflowError):
    """An exact (Fraction) value grew past EXACT_BITS: the point is redone in mpmath instead."""


EXACT_BITS = 1 << 16
"""Largest numerator or denominator (in bits) the exact backend computes: (x^1000)^1000 at a 53-bit point
would need 53 million bits; beyond this bound the comparison uses high-precision mpmath."""


def _exact_size(v: Any) -> Any:
    if isinstance(v, Fraction):
        if v.numerator.bit_length() > EXACT_BITS or v.denominator.bit_length() > EXACT_BITS:
            raise TooBig
    elif isinstance(v, int) and v.bit_length() > EXACT_BITS:
        raise TooBig
    return v


def _exact_sign(v: Any) -> int:
    return (v > 0) - (v < 0)


_EXACT_FUNCS: dict[str, Callable[..., Any]] = {
    "Abs": abs,
    "sign": _exact_sign,
    "floor": math.floor,
    "ceiling": math.ceil,
}
"""What stays rational at a rational point; anything else (sin, exp, sqrt, pi) is Unsupported there."""


def decimal_value(node: sympy.Float) -> Fraction:
    """A typed decimal as the exact rational it spells (0.333 is 333/1000): sympy's str() of the Float
    prints at least the digits typed (the parser keeps that precision), so the reading is exact."""
    return Fraction(str(node))


_MP_CONTEXTS: dict[int, Any] = {MP_DPS: MPX}


def mp_context(dps: int) -> Any:
    """A private mpmath context at dps digits (created once per precision, never changed afterwards)."""
    ctx = _MP_CONTEXTS.get(dps)
    if ctx is None:
        ctx = mpmath.MPContext()
        ctx.dps = dps
        _MP_CONTEXTS[dps] = ctx
    return ctx


_MP_BACKENDS: dict[int, _Backend] = {}


def mp_backend(dps: int) -> _Backend:
    be = _MP_BACKENDS.get(dps)
    if be is None:
        be = _MP_BACKENDS[dps] = _Backend("mp", ctx=mp_context(dps))
    return be


class _Backend:
    """What differs between floats, exact rationals and mpmath: constants, functions, powers.

    params maps typed decimals (sympy Floats) to a slot of the point: the decimal then reads its value
    from the point, so the decimal rule (equivalence.py) can move one literal without rebuilding the tree.
    """

    def __init__(self, name: str, *, ctx: Any = None, params: Mapping[sympy.Float, int] | None = None) -> None:
        self.name = name
        self.ctx = ctx if ctx is not None else MPX
        if name == "float":
            self.funcs = _FLOAT_FUNCS
        elif name == "exact":
            self.funcs = _EXACT_FUNCS
        else:
            self.funcs = _MP_FUNCS if self.ctx is MPX else _mp_funcs(self.ctx)
        self.params = params
        self.memo: dict[sympy.Basic, Fn] | None = None
        """Compiled subtrees, shared between expressions: only for a backend whose every compile uses one
        names mapping that only ever grows (verify.py's), so an index once given never changes."""
        self.views: dict[tuple[tuple[str, int], ...], _Backend] | None = None
        """For the shared backends (FLOAT, MP, EXACT): per variable mapping, a copy whose memo keeps
        compiled subtrees (see compile_expr)."""

    def with_params(self, params: Mapping[sympy.Float, int]) -> _Backend:
        return _Backend(self.name, ctx=self.ctx, params=params)

    def const(self, node: sympy.Basic) -> Any:
        X = self.ctx
        if self.name == "float":
            return float(node)
        if self.name == "exact":
            if isinstance(node, sympy.Integer):
                return int(node)
            if isinstance(node, sympy.Rational):
                return Fraction(int(node.p), int(node.q))
            if isinstance(node, sympy.Float):
                return decimal_value(node)
            raise Unsupported("an irrational constant has no exact rational value")
        if isinstance(node, sympy.Float):
            return X.mpf(str(node))  # the decimal as typed, at full working precision
        if isinstance(node, sympy.Rational):
            return X.mpf(int(node.p)) / int(node.q)
        if node is sympy.pi:
            return +X.pi
        if node is sympy.E:
            return X.e + 0
        return X.mpf(str(node.evalf(X.dps + 5)))

    def sqrt(self) -> Callable[[Any], Any]:
        if self.name == "exact":
            raise Unsupported("sqrt is not rational")
        if self.name == "float":
            return math.sqrt
        X = self.ctx

        def mp_sqrt(v: Any) -> Any:
            _mp_check(v >= 0)
            return X.sqrt(v)

        return mp_sqrt

    def exp(self) -> Callable[[Any], Any]:
        if self.name == "exact":
            raise Unsupported("exp is not rational")
        return math.exp if self.name == "float" else self.funcs["exp"]

    def power(self) -> Callable[[Any, Any], Any]:
        if self.name == "exact":
            raise Unsupported("a non-integer power is not rational")
        if self.name == "float":
            return math.pow  # ValueError for a negative base with a non-integer exponent, and 0**-1
        X = self.ctx

        def mp_pow(b: Any, e: Any) -> Any:
            if b != 0 and abs(e) * max(1, abs(X.mag(b))) > EXP_ARG_MAX:
                if b > 0 and (abs(b) < 1) == (e > 0):
                    return X.zero  # underflow, like exp(-huge)
                raise OverflowError  # the same blow-up as exp(huge), written as a power
            if b < 0:
                _mp_check(e == X.floor(e))
                return X.power(b, int(e))
            _mp_check(not (b == 0 and e < 0))
            return X.power(b, e)

        return mp_pow

    def int_power(self, n: int) -> Callable[[Any], Any]:
        if self.name == "float":
            return lambda b: b**n  # float ** int: ZeroDivisionError for 0**-1, OverflowError
        if self.name == "exact":

            def exact_ipow(b: Any) -> Any:
                size = (
                    b.numerator.bit_length() + b.denominator.bit_length()
                    if isinstance(b, Fraction)
                    else int(b).bit_length()
                )
                if size * abs(n) > 2 * EXACT_BITS:
                    raise TooBig
                return _exact_size(Fraction(b) ** n)  # Fraction(0) ** -1: ZeroDivisionError, not real

            return exact_ipow
        X = self.ctx

        def mp_ipow(b: Any) -> Any:
            if b == 0:
                _mp_check(n > 0)
                return b
            if abs(n) * max(1, abs(X.mag(b))) > EXP_ARG_MAX:
                raise OverflowError
            return b**n

        return mp_ipow


FLOAT = _Backend("float")
MP = _Backend("mp")
EXACT = _Backend("exact")
for _shared in (FLOAT, MP, EXACT):
    _shared.views = {}

SHARED_SUBTREES = 50000
"""Compiled subtrees kept per shared backend (FLOAT, MP, EXACT) over all its variable mappings; past this,
its memos start afresh. Grading 2,000 students of the demo bank keeps about 30,000 float subtrees."""
MAX_VIEWS = 32
"""Variable mappings kept per shared backend (a class has a few dozen problems at most)."""


def clear_shared() -> None:
    """Forget every shared compiled subtree (cold-cache benchmarks)."""
    for be in (FLOAT, MP, EXACT):
        if be.views is not None:
            be.views.clear()


def _shared_view(be: _Backend, names: Mapping[str, int]) -> _Backend:
    """be with a memo of compiled subtrees for this variable mapping. A compiled subtree is a pure function
    of (subtree, mapping, backend), and sympy's == on subtrees is structural (a Float's precision, a
    Symbol's assumptions included), so a key, its buggy keys and the answers to it, which share most of
    their terms, compile each shared term once. Bounded: past SHARED_SUBTREES subtrees or MAX_VIEWS
    mappings, the backend's memos start afresh (a compile adds at most its own tree's nodes beyond that)."""
    views = be.views
    assert views is not None
    key = tuple(names.items())
    if (key not in views and len(views) >= MAX_VIEWS) or sum(
        len(v.memo or ()) for v in views.values()
    ) > SHARED_SUBTREES:
        views.clear()
    view = views.get(key)
    if view is None:
        view = copy.copy(be)
        view.views = None
        view.memo = {}
        views[key] = view
    return view


def new_float_backend() -> _Backend:
    """A float backend of one's own, whose memo a caller may set without touching the shared FLOAT."""
    return _Backend("float")


# --------------------------------------------------------------------------- compiler


def compile_expr(
    expr: sympy.Basic,
    names: Mapping[str, int],
    backend: _Backend = FLOAT,
) -> Fn:
    """Compile expr into f(point) where point[names[symbol.name]] is each variable's value.

    A backend with params (backend.with_params) reads those decimals from the point instead, so a literal
    can be moved without rebuilding the sympy tree (rebuilding a 16-argument Max can take sympy a second).
    Raises Unsupported for node types outside the allow-list (or a symbol not in names).
    """
    if backend.views is not None and backend.params is None and backend.memo is None:
        backend = _shared_view(backend, names)
    try:
        return _compile(expr, names, backend)
    except RecursionError as exc:
        raise Unsupported("expression nested too deeply") from exc


def _const_fn(value: Any) -> Fn:
    return lambda p: value


def _undefined_fn(p: Sequence[Any]) -> Any:
    raise Undefined


def _sum_or_product(e: sympy.Basic, op: str, names: Mapping[str, int], be: _Backend) -> Fn:
    """e (an Add, op "+", or a Mul, op "*") folded left to right over its arguments."""
    if be.name == "exact":
        return _chain_exact([_compile(a, names, be) for a in e.args], op)
    return _chain_leaves([_operand(a, names, be) for a in e.args], op)


def _chain_exact(fs: list[Fn], op: str) -> Fn:
    """Fold n exact closures into nested binary closures (cheaper per call than a generator), each value
    size-checked after every step, so no sum or product of rationals grows without bound."""
    f = fs[0]
    for g in fs[1:]:
        f = (
            (lambda a, b: lambda p: _exact_size(a(p) + b(p)))(f, g)
            if op == "+"
            else (lambda a, b: lambda p: _exact_size(a(p) * b(p)))(f, g)
        )
    return f


_FN, _CONST, _VAR = "fn", "const", "var"
"""An operand of a sum or product as _chain_leaves takes it: a closure, a number (its value), or a variable
(its index in the point)."""
Operand = tuple[str, Any]

_BINARY: dict[tuple[str, str, str], Callable[[Any, Any], Fn]] = {
    ("+", _FN, _FN): lambda a, b: lambda p: a(p) + b(p),
    ("+", _FN, _CONST): lambda a, b: lambda p: a(p) + b,
    ("+", _FN, _VAR): lambda a, b: lambda p: a(p) + p[b],
    ("+", _CONST, _FN): lambda a, b: lambda p: a + b(p),
    ("+", _CONST, _VAR): lambda a, b: lambda p: a + p[b],
    ("+", _VAR, _FN): lambda a, b: lambda p: p[a] + b(p),
    ("+", _VAR, _CONST): lambda a, b: lambda p: p[a] + b,
    ("+", _VAR, _VAR): lambda a, b: lambda p: p[a] + p[b],
    ("*", _FN, _FN): lambda a, b: lambda p: a(p) * b(p),
    ("*", _FN, _CONST): lambda a, b: lambda p: a(p) * b,
    ("*", _FN, _VAR): lambda a, b: lambda p: a(p) * p[b],
    ("*", _CONST, _FN): lambda a, b: lambda p: a * b(p),
    ("*", _CONST, _VAR): lambda a, b: lambda p: a * p[b],
    ("*", _VAR, _FN): lambda a, b: lambda p: p[a] * b(p),
    ("*", _VAR, _CONST): lambda a, b: lambda p: p[a] * b,
    ("*", _VAR, _VAR): lambda a, b: lambda p: p[a] * p[b],
}
"""a op b as one closure, for each kind of a and b: a number or a variable is read inline instead of through
a closure of its own. The same operations on the same values in the same order as a(p) op b(p) on a closure
per operand, so the same results bit for bit (and the same exceptions), with one or two calls fewer per
step: 96*x - 72*y + 72 evaluates in 4 calls instead of 9. (Two numbers never meet: sympy folds them.)"""


def _chain_leaves(operands: list[Operand], op: str) -> Fn:
    """Fold a sum or product for the float and mpmath backends into nested binary closures, left to right,
    its numbers and variables read inline (_BINARY)."""
    kind, f = operands[0]
    for kind_b, g in operands[1:]:
        binary = _BINARY.get((op, kind, kind_b))
        if binary is None:  # two numbers: as closures
            f, g, kind, kind_b = _as_fn((kind, f)), _as_fn((kind_b, g)), _FN, _FN
            binary = _BINARY[(op, _FN, _FN)]
        f, kind = binary(f, g), _FN
    return _as_fn((kind, f))


def _as_fn(operand: Operand) -> Fn:
    """The operand as a closure of its own (a lone number or variable, or the end of a fold)."""
    kind, v = operand
    if kind == _CONST:
        return _const_fn(v)
    if kind == _VAR:
        return lambda p: p[v]
    return v


def _operand(e: sympy.Basic, names: Mapping[str, int], be: _Backend) -> Operand:
    """e as an operand of a sum or product: a whole number or a variable as itself (_leaf), anything else
    compiled."""
    leaf = _leaf(e, names, be)
    return leaf if leaf is not None else (_FN, _compile(e, names, be))


def _leaf(e: sympy.Basic, names: Mapping[str, int], be: _Backend) -> Operand | None:
    """A whole number as (_CONST, its value in the backend) or a variable as (_VAR, its index); None for
    anything else. The one place that says what a number or a variable evaluates to (_compile_node
    compiles them from it)."""
    t = type(e)
    if t in _INTEGER_TYPES:
        p = e.p
        if be.name == "float" and -_FLOAT_EXACT < p < _FLOAT_EXACT:
            return _CONST, float(p)
        if be.name == "exact":
            return _CONST, int(p)
        return _CONST, be.const(e)
    if isinstance(e, sympy.Symbol):
        if e.name not in names:
            raise Unsupported(f"unknown variable {e.name}")
        return _VAR, names[e.name]
    return None


_REL_OPS: dict[type, Callable[[Any, Any], bool]] = {
    sympy.StrictGreaterThan: lambda a, b: a > b,
    sympy.GreaterThan: lambda a, b: a >= b,
    sympy.StrictLessThan: lambda a, b: a < b,
    sympy.LessThan: lambda a, b: a <= b,
    sympy.Equality: lambda a, b: a == b,
    sympy.Unequality: lambda a, b: a != b,
}


def _compile(e: sympy.Basic, names: Mapping[str, int], be: _Backend) -> Fn:
    memo = be.memo
    if memo is None:
        return _compile_node(e, names, be)
    fn = memo.get(e)
    if fn is None:
        fn = memo[e] = _compile_node(e, names, be)
    return fn


_INTEGER_TYPES = frozenset({sympy.Integer, type(sympy.S.One), type(sympy.S.Zero), type(sympy.S.NegativeOne)})
_FLOAT_EXACT = 2**53
"""Integers below this in size are floats exactly: float(p) is what sympy's float() of them gives."""


def _compile_node(e: sympy.Basic, names: Mapping[str, int], be: _Backend) -> Fn:
    # The commonest nodes first, by exact type (the general tests below still handle subclasses).
    t = type(e)
    if t is sympy.Mul:
        return _sum_or_product(e, "*", names, be)
    if t is sympy.Add:
        return _sum_or_product(e, "+", names, be)
    if t is sympy.Pow:
        return _compile_pow(e, names, be)
    leaf = _leaf(e, names, be)
    if leaf is not None:
        return _as_fn(leaf)
    if e is sympy.S.true:
        return _const_fn(True)
    if e is sympy.S.false:
        return _const_fn(False)
    if e is sympy.S.NaN or e is sympy.S.ComplexInfinity or e is sympy.S.Infinity or e is sympy.S.NegativeInfinity:
        return _undefined_fn
    if isinstance(e, sympy.Number) or isinstance(e, sympy.NumberSymbol):
        if isinstance(e, sympy.Number) and not e.is_real:
            raise Unsupported("non-real constant")
        if be.params is not None and isinstance(e, sympy.Float) and e in be.params:
            slot = be.params[e]
            return lambda p: p[slot]
        return _const_fn(be.const(e))
    if e is sympy.I:
        return _undefined_fn  # sympy made something complex (sqrt(ln(1/2))): not real wherever it is used
    if isinstance(e, sympy.Add):
        return _sum_or_product(e, "+", names, be)
    if isinstance(e, sympy.Mul):
        return _sum_or_product(e, "*", names, be)
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
        if be.name == "float":
            step = _h_float(float(h0))
        elif be.name == "exact":
            step = _h_exact(be.const(h0))
        else:
            step = _h_mp(be.const(h0), be.ctx)
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


def _h_exact(h0: Any) -> Callable[[Any], Any]:
    def heaviside(v: Any) -> Any:
        return 1 if v > 0 else (0 if v < 0 else h0)

    return heaviside


def _h_mp(h0: Any, X: Any = MPX) -> Callable[[Any], Any]:
    one, zero = X.mpf(1), X.mpf(0)

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
        if n == 2 and be.name != "exact":
            if isinstance(base, sympy.Symbol):  # x**2, the commonest power: the variable read inline
                i = names[base.name]
                return lambda p: p[i] * p[i]
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
    if type(v) is float:  # the usual result: the checks below, in one
        return v if math.isfinite(v) else OVERFLOW
    if isinstance(v, bool):
        return float(v)
    if not isinstance(v, (float, int)):
        return UNDEF  # a complex number
    if math.isfinite(v):
        return float(v)
    return OVERFLOW


def value_at(fn: Fn, point: Sequence[float]) -> float | None:
    """fn at point as a finite float, or None where run_float finds none (not real there, or overflowing)."""
    v = run_float(fn, point)
    return None if v is UNDEF or v is OVERFLOW else v


def run_mp(fn: Fn, point: Sequence[Any], ctx: Any = MPX) -> Any:
    """fn (compiled for the mpmath context ctx, MPX unless given) at point; an mpf of ctx, or UNDEF."""
    X = ctx
    try:
        v = fn(point)
    except (ValueError, ZeroDivisionError, TypeError, OverflowError, MemoryError):
        return UNDEF  # MemoryError: exp(exp(exp(...))) has no representable value either
    if isinstance(v, bool):
        return X.mpf(int(v))
    if isinstance(v, (int, Fraction)):
        return X.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else X.mpf(v)
    if not isinstance(v, X.mpf) or not X.isfinite(v):
        return UNDEF
    return v


def run_exact(fn: Fn, point: Sequence[Any]) -> Any:
    """fn (compiled for EXACT) at a point of floats, read as the exact binary rationals they are: a
    Fraction (or int), UNDEF (not real there), or OVERFLOW (too big to compute exactly: use mpmath)."""
    try:
        v = fn(tuple(Fraction(c) for c in point))
    except TooBig:
        return OVERFLOW
    except (ValueError, ZeroDivisionError, TypeError, OverflowError):
        return UNDEF
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, Fraction)):
        return v
    return UNDEF
