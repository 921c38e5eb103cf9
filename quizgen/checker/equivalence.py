"""Is the answer the key? Decided numerically on the real domain of the key, exact where it matters.

1. Floats at the sample points (sampling.py) with a relative tolerance plus an absolute floor near 0.
2. Every point where floats say "different" (or the answer is undefined) is re-evaluated with mpmath,
   so float cancellation or overflow never rejects a right answer.
3. For exact answers (no decimals typed) "equal" is confirmed at one point with 60-digit mpmath and a
   1e-40 relative tolerance: 99999999/10^8 is not 99999998/99999999 and x + 10^-20 is not x, although
   floats cannot tell them apart. A typed decimal instead may be off by its own rounding (half a unit in
   its last digit, at most 0.2%), propagated through the expression (Compiled.rounding).
4. What numbers cannot decide (no point where the key is real; a node the evaluator does not know) is
   "undecided"; the caller then asks the symbolic path in a killable worker.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy

from quizgen.checker.evaluate import (
    FLOAT,
    MP,
    MPX,
    OVERFLOW,
    UNDEF,
    Fn,
    Unsupported,
    compile_expr,
    run_float,
    run_mp,
)
from quizgen.checker.sampling import (
    breakpoint_exprs,
    breakpoint_points,
    compile_breakpoints,
    generic_point,
)

GENERIC_POINTS = 6
MAX_ATTEMPTS = 72
EXACT_REL = 1e-40
FLOAT_REL = 1e-8
DECIMAL_REL_MAX = 2e-3
MAX_LITERALS = 8
ABS_FLOOR = 1e-12
"""Values this close to 0 count as 0 (WeBWorK compares values under 1e-14 to 1e-12 absolutely)."""


class CheckTimeout(Exception):
    """The per-check time budget ran out."""


@dataclass(frozen=True)
class Tolerance:
    """rel: relative tolerance; absolute: floor near zero; exact: confirm equality with 60 digits."""

    rel: float = FLOAT_REL
    absolute: float = ABS_FLOOR
    exact: bool = True


@dataclass
class Compiled:
    """One expression ready to evaluate: its float closure, its breakpoints, and mpmath closure on demand."""

    expr: sympy.Basic
    names: dict[str, int]
    fn: Fn
    breakpoints: list[sympy.Basic]
    _mp: Fn | None = field(default=None, repr=False)
    _rounding: list[tuple[Fn, ...]] | None = field(default=None, repr=False)

    def rounding(self, p: Sequence[float]) -> float:
        """How much this expression may be off at p because its decimals were rounded when typed.

        Each decimal literal L stands for any number that rounds to it: perturbing L by its rounding
        (literal_rounding) and re-evaluating gives that literal's share; the shares add up. A decimal
        that does not matter (max(0.5, 81)) earns nothing, and neither does one whose perturbation flips a
        branch (the change at half the perturbation must be about half the change: smooth, not a jump).
        """
        if self._rounding is None:
            self._rounding = []
            for f in sorted(self.expr.atoms(sympy.Float), key=lambda v: float(v))[:MAX_LITERALS]:
                r = literal_rounding(f)
                try:
                    pair = tuple(compile_expr(self.expr, self.names, FLOAT, nudge=(f, k * r)) for k in (1.0, 0.5))
                except Unsupported:
                    continue
                self._rounding.append(pair)
        base = run_float(self.fn, p)
        if not isinstance(base, float):
            return 0.0
        total = 0.0
        for full_fn, half_fn in self._rounding:
            full, half = run_float(full_fn, p), run_float(half_fn, p)
            if isinstance(full, float) and isinstance(half, float):
                d_full, d_half = full - base, half - base
                if abs(d_full - 2 * d_half) <= 0.25 * abs(d_full) + 1e-15:
                    total += abs(d_full)
        return total

    @property
    def mp(self) -> Fn:
        if self._mp is None:
            self._mp = compile_expr(self.expr, self.names, MP)
        return self._mp


def prepare(expr: sympy.Basic, names: dict[str, int]) -> Compiled:
    """Compile expr; raises Unsupported when a node cannot be evaluated numerically."""
    return Compiled(expr, names, compile_expr(expr, names, FLOAT), breakpoint_exprs([expr]))


@dataclass
class Comparison:
    """The outcome, and the values behind it (feedback reuses them to test typical mistakes)."""

    status: Literal["equal", "different", "undecided"]
    points: list[tuple[float, ...]]
    key_values: list[Any]
    answer_values: list[Any]
    reason: str = ""


def close(k: Any, a: Any, tol: Tolerance) -> bool:
    return abs(a - k) <= tol.rel * max(abs(a), abs(k)) + tol.absolute


def _agree(key: Compiled, ans: Compiled, p: Sequence[float], kv: Any, av: Any, tol: Tolerance) -> bool:
    """Equal at p within the tolerance, plus (for typed decimals) what their rounding allows."""
    if av is UNDEF:
        return False
    if close(kv, av, tol):
        return True
    if tol.exact:
        return False
    return bool(abs(av - kv) <= tol.rel * max(abs(av), abs(kv)) + tol.absolute + key.rounding(p) + ans.rounding(p))


def literal_rounding(f: sympy.Float) -> float:
    """Relative rounding of a typed decimal: half a unit in its last digit (0.333: 0.0005/0.333), clamped
    to [1e-12, 2e-3]: a decimal must be the value correctly rounded to the digits typed, and have about 3
    significant digits at least (0.333 is 1/3, 0.33 is not; 0.143 is 1/7, 0.142 is not)."""
    text = repr(float(f))
    d = Decimal(text)
    if d == 0 or not d.is_finite():
        return DECIMAL_REL_MAX
    half_ulp = Decimal(5) * Decimal(10) ** (d.as_tuple().exponent - 1)
    return min(max(float(half_ulp / abs(d)), 1e-12), DECIMAL_REL_MAX)


def deadline_checker(deadline: float | None) -> Callable[[], None]:
    def check_time() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise CheckTimeout

    return check_time


def sample(
    key: Compiled,
    others: Sequence[Compiled],
    rng: random.Random,
    check_time: Callable[[], None],
) -> list[tuple[float, ...]]:
    """Generic points where the key is real, then points around the breakpoints of key and others."""
    n = len(key.names)
    if n == 0:
        return [()]
    points: list[tuple[float, ...]] = []
    for attempt in range(MAX_ATTEMPTS):
        if len(points) >= GENERIC_POINTS:
            break
        if attempt % 8 == 0:
            check_time()
        p = generic_point(rng, n, attempt)
        if run_float(key.fn, p) is not UNDEF:
            points.append(p)
    gs: list[sympy.Basic] = []
    for c in (key, *others):
        for g in c.breakpoints:
            if all(g != h for h in gs):
                gs.append(g)
    points.extend(breakpoint_points(compile_breakpoints(gs, key.names), n, rng, check_time))
    return points


def _mp_pair(key: Compiled, ans: Compiled, p: Sequence[float]) -> tuple[Any, Any]:
    mp_point = tuple(MPX.mpf(v) for v in p)
    return run_mp(key.mp, mp_point), run_mp(ans.mp, mp_point)


def compare(
    key: Compiled,
    ans: Compiled,
    points: Sequence[tuple[float, ...]],
    tol: Tolerance,
    check_time: Callable[[], None],
) -> Comparison:
    """Compare ans with key at points (those where the key is not real are skipped)."""
    kept: list[tuple[float, ...]] = []
    kvals: list[Any] = []
    avals: list[Any] = []
    status: Literal["equal", "different", "undecided"] = "equal"
    for i, p in enumerate(points):
        if i % 8 == 0:
            check_time()
        kv = run_float(key.fn, p)
        if kv is UNDEF:
            continue
        av = run_float(ans.fn, p)
        if kv is OVERFLOW or av is OVERFLOW:
            kv, av = _mp_pair(key, ans, p)
            if kv is UNDEF:
                continue
            if status == "equal" and not _agree(key, ans, p, kv, av, tol):
                status = "different"
        elif status == "equal" and not _agree(key, ans, p, kv, av, tol):
            km, am = _mp_pair(key, ans, p)  # floats may have cancelled: the 60-digit values decide
            if km is UNDEF:
                continue
            if not _agree(key, ans, p, km, am, tol):
                status = "different"
        kept.append(p)
        kvals.append(kv)
        avals.append(av)
    if not kept:
        return Comparison("undecided", kept, kvals, avals, "the key has no real value at any sample point")
    if status == "equal" and tol.exact:
        km, am = _mp_pair(key, ans, kept[0])
        if km is not UNDEF and (am is UNDEF or not close(km, am, Tolerance(EXACT_REL, 1e-50, True))):
            status = "different"
    return Comparison(status, kept, kvals, avals)


def equivalent(
    key: Compiled,
    ans: Compiled,
    rng: random.Random,
    tol: Tolerance,
    check_time: Callable[[], None],
) -> Comparison:
    """Sample around both expressions' breakpoints and compare."""
    if not key.names and not ans.names:
        exact = _exact_constants(key.expr, ans.expr)
        if exact is not None and tol.exact:
            return Comparison("equal" if exact else "different", [()], [], [])
    return compare(key, ans, sample(key, [ans], rng, check_time), tol, check_time)


def _exact_constants(k: sympy.Basic, a: sympy.Basic) -> bool | None:
    """Rational constants compare exactly (99999999/10^8 != 99999998/99999999)."""
    if isinstance(k, sympy.Rational) and isinstance(a, sympy.Rational):
        return bool(k == a)
    return None


def try_prepare(expr: sympy.Basic, names: dict[str, int]) -> Compiled | None:
    try:
        return prepare(expr, names)
    except Unsupported:
        return None
