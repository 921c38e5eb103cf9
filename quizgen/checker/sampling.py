"""Where to compare: random points of the real domain, plus points on both sides of every breakpoint.

Uniform random points miss thin regions (d/dx max(0, 2x+1) against 2*Heaviside(x) differ only on
(-1/2, 0)), so for every expression g whose sign switches a branch (the arguments of Max/Min, Heaviside,
sign, Abs and every Piecewise condition, in the key AND the answer) we walk random lines, find every
place where g changes sign by bisection, and step a little to each side. Points exactly on a kink are never used, so
answers that differ only there (Heaviside(0) = 1/2 against 0, x >= y against x > y) count as equal.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence

import sympy

from quizgen.checker.evaluate import FLOAT, OVERFLOW, UNDEF, Fn, Unsupported, compile_expr, run_float

MAX_BREAKPOINTS = 12
"""Bound on breakpoint expressions per comparison, so the work stays bounded by construction."""
LINES_PER_BREAKPOINT = 2
"""Segments between random points of opposite sign, when the scan lines find no crossing."""
SCAN_LINES = 3
SCAN_GRID = 33
SCAN_RANGE = 8.0
"""Each scan line is sampled at SCAN_GRID points over t in [-SCAN_RANGE, SCAN_RANGE] (steps of 0.5)."""
MAX_CROSSINGS_PER_LINE = 4
MAX_BREAKPOINT_POINTS = 128
BISECT_STEPS = 44
"""0.5 / 2^44 < 1e-13: far below the 1e-8 step taken to each side of a kink."""
BOX = 2.5
"""Generic points come from [-BOX, BOX]^n first (WeBWorK uses [-2, 2]), then (0, 3]^n, then [-10, 10]^n."""


def breakpoint_exprs(exprs: Iterable[sympy.Basic]) -> list[sympy.Basic]:
    """Every g (with variables in it) where a branch switches at g = 0, deduplicated, in tree order."""
    found: list[sympy.Basic] = []

    def add(g: sympy.Basic) -> None:
        if len(found) >= MAX_BREAKPOINTS or not getattr(g, "free_symbols", None):
            return
        if isinstance(g, sympy.Basic) and not isinstance(g, sympy.Expr):
            return
        for h in found:
            if g == h:
                return
        found.append(g)

    for expr in exprs:
        for node in sympy.preorder_traversal(expr):
            if isinstance(node, (sympy.Max, sympy.Min)):
                args = node.args
                for i in range(len(args)):
                    for j in range(i + 1, len(args)):
                        add(args[i] - args[j])
            elif isinstance(node, (sympy.Heaviside, sympy.sign, sympy.Abs)):
                add(node.args[0])
            elif isinstance(node, sympy.core.relational.Relational):
                add(node.lhs - node.rhs)
    return found


def compile_breakpoints(gs: Sequence[sympy.Basic], names: dict[str, int]) -> list[Fn]:
    out: list[Fn] = []
    for g in gs:
        try:
            out.append(compile_expr(g, names, FLOAT))
        except Unsupported:
            continue
    return out


def generic_point(rng: random.Random, n: int, attempt: int) -> tuple[float, ...]:
    """A random point; later attempts widen the search (positive box for log/sqrt domains, then wide)."""
    if attempt < 24:
        return tuple(rng.uniform(-BOX, BOX) for _ in range(n))
    if attempt < 48:
        return tuple(rng.uniform(0.05, 3.0) for _ in range(n))
    return tuple(rng.uniform(-10.0, 10.0) for _ in range(n))


PROBE_LEVELS = ((BOX, 16), (10.0, 16), (50.0, 32), (1000.0, 32))
"""Where to look for both signs of a breakpoint expression: the sample box first, then wider boxes, so a
kink outside [-2.5, 2.5] (1(x > y + 5)) is still found and straddled."""


def _probe(g: Fn, n: int, rng: random.Random) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]]]:
    """Random points where g > 0 and where g < 0, from the smallest box that has both."""
    for scale, count in PROBE_LEVELS:
        pos: list[tuple[float, ...]] = []
        neg: list[tuple[float, ...]] = []
        for _ in range(count):
            p = tuple(rng.uniform(-scale, scale) for _ in range(n))
            s = _sign_of(g, p)
            if s > 0:
                pos.append(p)
            elif s < 0:
                neg.append(p)
        if pos and neg:
            return pos, neg
    return [], []


def _sign_of(g: Fn, point: Sequence[float]) -> int:
    v = run_float(g, point)
    if v is UNDEF or v is OVERFLOW:
        return 0
    return (v > 0) - (v < 0)


Crossing = tuple[tuple[float, ...], tuple[float, ...], float]
"""(base point, unit direction, t): g changes sign at base + t * direction."""


def _crossings_on_lines(g: Fn, n: int, rng: random.Random) -> list[Crossing]:
    """(base, direction, t) for every sign change of g along SCAN_LINES random lines through the box.

    Every change on a line is kept (not just the first), so both kinks of relu(x^2 - 1) are crossed.
    """
    found: list[Crossing] = []
    step = 2 * SCAN_RANGE / (SCAN_GRID - 1)
    for _ in range(SCAN_LINES):
        p = tuple(rng.uniform(-BOX, BOX) for _ in range(n))
        d = _direction(rng, n)
        last_t, last_s, on_line = 0.0, 0, 0
        for k in range(SCAN_GRID):
            t = -SCAN_RANGE + k * step
            s = _sign_of(g, _along(p, d, t))
            if s == 0:
                continue
            if last_s and s != last_s and on_line < MAX_CROSSINGS_PER_LINE:
                found.append((p, d, _bisect(g, p, d, last_t, t, last_s)))
                on_line += 1
            last_t, last_s = t, s
    return found


def _crossings_between_probes(g: Fn, n: int, rng: random.Random) -> list[Crossing]:
    """For kinks the lines missed (outside the box): bisect between random points of opposite sign."""
    pos, neg = _probe(g, n, rng)
    found: list[Crossing] = []
    if pos:
        for _ in range(LINES_PER_BREAKPOINT):
            a, b = rng.choice(pos), rng.choice(neg)
            length = math.sqrt(sum((bi - ai) ** 2 for ai, bi in zip(a, b)))
            if length > 0:
                d = tuple((bi - ai) / length for ai, bi in zip(a, b))
                found.append((a, d, _bisect(g, a, d, 0.0, length, 1)))
    return found


def breakpoint_points(
    gs: Sequence[Fn], n: int, rng: random.Random, check_time: Callable[[], None]
) -> list[tuple[float, ...]]:
    """Points on both sides of every breakpoint: at distance ~1e-8 (thin regions) and 0.05-0.5 (the branch).

    For each g, the places where g changes sign along random lines through the sample box (or, when the
    kink lies outside it, between random points of opposite sign in wider boxes) are found by bisection.
    At most MAX_BREAKPOINT_POINTS points in all, so the work stays bounded.
    """
    points: list[tuple[float, ...]] = []
    if n == 0:
        return points
    for g in gs:
        check_time()
        crossings = _crossings_on_lines(g, n, rng) or _crossings_between_probes(g, n, rng)
        for base, d, t0 in crossings:
            if len(points) >= MAX_BREAKPOINT_POINTS:
                return points
            at = _along(base, d, t0)
            delta = 1e-8 * (1.0 + math.sqrt(sum(v * v for v in at)))
            far = rng.uniform(0.05, 0.5)
            points.extend(_along(base, d, t0 + s_ * r) for r in (delta, far) for s_ in (-1.0, 1.0))
    return points


def _direction(rng: random.Random, n: int) -> tuple[float, ...]:
    while True:
        v = [rng.gauss(0.0, 1.0) for _ in range(n)]
        norm = math.sqrt(sum(c * c for c in v))
        if norm > 1e-3:
            return tuple(c / norm for c in v)


def _along(p: Sequence[float], d: Sequence[float], t: float) -> tuple[float, ...]:
    return tuple(pi + t * di for pi, di in zip(p, d))


def _bisect(g: Fn, p: Sequence[float], d: Sequence[float], lo: float, hi: float, s_lo: int) -> float:
    for _ in range(BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        s = _sign_of(g, _along(p, d, mid))
        if s == 0:
            return mid
        if s == s_lo:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
