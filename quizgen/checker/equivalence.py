"""Is the answer the key? Decided numerically on the real domain of the key, exact where it matters.

1. Floats at the sample points (sampling.py) with a relative tolerance plus an absolute floor near 0.
2. Every point where floats say "different" (or the answer is undefined) is re-evaluated with mpmath,
   so float cancellation or overflow never rejects a right answer.
3. For exact answers (no decimals typed) "equal" is confirmed at one point with 60-digit mpmath and a
   1e-40 relative tolerance: 99999999/10^8 is not 99999998/99999999 and x + 10^-20 is not x, although
   floats cannot tell them apart. Answers with decimals get the tolerance of what was typed instead.
4. What numbers cannot decide (no point where the key is real; a node the evaluator does not know) is
   "undecided"; the caller then asks the symbolic path in a killable worker.
"""

from __future__ import annotations

import random
import time
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
    _magnitude: Fn | None = field(default=None, repr=False)

    @property
    def magnitude(self) -> Fn:
        """|t1| + |t2| + ... over the top-level terms: the scale a typed decimal's rounding is relative to."""
        if self._magnitude is None:
            terms = self.expr.args if isinstance(self.expr, sympy.Add) else (self.expr,)
            fns = [compile_expr(t, self.names, FLOAT) for t in terms]
            self._magnitude = lambda p: sum(abs(f(p)) for f in fns)
        return self._magnitude

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


def _close_by_terms(key: Compiled, ans: Compiled, p: Sequence[float], kv: Any, av: Any, tol: Tolerance) -> bool:
    """For typed decimals: 0.333x + 0.5 against x/3 + 1/2 near x = -1.5, where the value itself is near 0
    but the rounding error is relative to the terms' size."""
    if tol.exact or av is UNDEF:
        return False
    scale = max(run_float(key.magnitude, p), run_float(ans.magnitude, p), key=_finite_or_zero)
    scale = _finite_or_zero(scale)
    return abs(av - kv) <= tol.rel * scale + tol.absolute


def _finite_or_zero(v: Any) -> float:
    return v if isinstance(v, float) else 0.0


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
            if status == "equal" and (av is UNDEF or not close(kv, av, tol)):
                status = "different"
        elif (
            status == "equal"
            and (av is UNDEF or not close(kv, av, tol))
            and not _close_by_terms(key, ans, p, kv, av, tol)
        ):
            km, am = _mp_pair(key, ans, p)  # floats may have cancelled: the 60-digit values decide
            if km is UNDEF:
                continue
            if am is UNDEF or not close(km, am, tol):
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
