"""Where to compare: random points of the real domain, plus points on both sides of every breakpoint.

Uniform random points miss thin regions (d/dx max(0, 2x+1) against 2*Heaviside(x) differ only on
(-1/2, 0)), so for every expression g whose sign switches a branch (the arguments of Max/Min, Heaviside,
sign, Abs and every Piecewise condition, in the key AND the answer; no cap on how many) we walk random
lines, find every place where g changes sign by bisection, and step a little to each side. The lines are
shared by all g and the middle of every gap between two crossings on a line is used too, so a strip
between two breakpoints is sampled however narrow it is (down to float resolution). The first line is
scanned out to |t| = 8 * 8^14 (about 3.5 * 10^13) in steps of 8x, so kinks far away (t = 700, -10^7, 10^12)
are found; a breakpoint no line crosses is bisected between random points of opposite sign (in growing
boxes, then around the nearest point of the other sign on the axes, then at the end of a walk downhill
on |g|). Points exactly on a kink are never
used, so answers that differ only there (Heaviside(0) = 1/2 against 0, x >= y against x > y) count as
equal. The cells between two or more breakpoints (the quarters around a far crossing, which the lines
can miss) are reached from where the breakpoints meet, in cells.py.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import sympy
from sympy.utilities.iterables import iterable

from quizgen.checker.evaluate import FLOAT, OVERFLOW, UNDEF, Fn, Unsupported, compile_expr, run_float, value_at

LINES_PER_BREAKPOINT = 2
"""Segments between random points of opposite sign, when the scan lines find no crossing."""
SCAN_LINES = 3
SCAN_GRID = 33
SCAN_RANGE = 8.0
"""Each scan line is sampled at SCAN_GRID points over t in [-SCAN_RANGE, SCAN_RANGE] (steps of 0.5)."""
FAR_STEPS = 14
"""The first line also at t = +-SCAN_RANGE * 8^k, k = 1..FAR_STEPS (out to about 3.5e13)."""
BISECT_STEPS = 90
BISECT_REL = 1e-12
"""Halve until the bracket is under BISECT_REL * (1 + |t|): far below the 1e-8 * |point| step taken to
each side of a kink, so strips wider than about 1e-12 (relative) get a midpoint."""
BOX = 2.5
"""Generic points come from [-BOX, BOX]^n first (WeBWorK uses [-2, 2]), then (0, 3]^n, then [-10, 10]^n."""


_BRANCHING = (sympy.Max, sympy.Min, sympy.Heaviside, sympy.sign, sympy.Abs, sympy.core.relational.Relational)
"""The nodes whose branch switches where some g = 0 (breakpoint_exprs)."""


def breakpoint_exprs(exprs: Iterable[sympy.Basic]) -> list[sympy.Basic]:
    """Every g (with variables in it) where a branch switches at g = 0, deduplicated, in tree order: the
    order sympy.preorder_traversal visits the nodes (a node, then its args in turn; a LatticeOp's _argset as
    sympy iterates it). One walk with a stack, which skips the leaves and tests each node once for all the
    branching kinds: it runs on every key and answer compiled, and most have no branch at all."""
    found: list[sympy.Basic] = []

    def add(g: sympy.Basic) -> None:
        if not getattr(g, "free_symbols", None):
            return
        if isinstance(g, sympy.Basic) and not isinstance(g, sympy.Expr):
            return
        for h in found:
            if g == h:
                return
        found.append(g)

    for expr in exprs:
        stack: list[object] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, sympy.Basic):
                if node.is_Atom:  # a symbol or a number: no args, no branch
                    continue
                if isinstance(node, _BRANCHING):
                    if isinstance(node, (sympy.Max, sympy.Min)):
                        args = node.args
                        for i in range(len(args)):
                            for j in range(i + 1, len(args)):
                                add(args[i] - args[j])
                    elif isinstance(node, sympy.core.relational.Relational):
                        add(node.lhs - node.rhs)
                    else:
                        add(node.args[0])
                stack.extend(reversed(list(node._argset if hasattr(node, "_argset") else node.args)))
            elif iterable(node):
                stack.extend(reversed(list(node)))  # type: ignore[call-overload]
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
        return tuple([rng.uniform(-BOX, BOX) for _ in range(n)])
    if attempt < 48:
        return tuple([rng.uniform(0.05, 3.0) for _ in range(n)])
    return tuple([rng.uniform(-10.0, 10.0) for _ in range(n)])


PROBE_LEVELS = ((BOX, 16), (10.0, 16), (50.0, 32), (1000.0, 32), (1e6, 32), (1e13, 32))
"""Where to look for both signs of a breakpoint expression: the sample box first, then wider boxes, so a
kink outside [-2.5, 2.5] (1(x > y + 5)) is still found and straddled."""


def _probe(g: Fn, n: int, rng: random.Random) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]]]:
    """Random points where g > 0 and where g < 0, from the smallest box that has both."""
    seen: list[list[tuple[float, ...]]] = []  # each box's points (all of one sign), for _probe_descent
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
        seen.append(pos or neg)
    pos, neg = _probe_axes(g, n, rng)
    if pos and neg:
        return pos, neg
    return _probe_descent(g, seen)


AXIS_BOX_POINTS = 32
"""Random points around the farther of the two axis points of opposite sign, in _probe_axes."""


def _probe_axes(g: Fn, n: int, rng: random.Random) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]]]:
    """Points where g > 0 and where g < 0 for a g no box showed both signs of: along the axes through the
    origin, out to the first scan line's far steps, the nearest point of each sign; then random points
    in a box around the farther of the two, an eighth of its distance wide.

    A region that reaches far out along one variable's axis can be too thin a share of every box for the
    random probes and be crossed by no scan line: y > x^2 + 4, where relu(x^2 - y + 4)'s derivative is 0,
    is about 5% of [-10, 10]^2 and less of the wider boxes, and only a steep line meets it, so a key's seed
    could miss it, and 2*x was accepted as that derivative. The axis (0, t) enters it at t = 4, and around
    (0, 4.5) it is most of a small box: the crossings are then found between points at generic places
    (the axis itself is no such place: 2*x is 0 on x = 0, as the key is there), close enough together
    for the bisection to locate them to within the straddling step. Only here, where every box saw one
    sign, is rng drawn from: where the boxes found both signs, every point is as before."""
    nearest: dict[int, tuple[float, ...]] = {}
    for t in _AXIS_TS:
        for i in range(n):
            p = tuple(t if j == i else 0.0 for j in range(n))
            nearest.setdefault(_sign_of(g, p), p)
        if 1 in nearest and -1 in nearest:
            break
    else:
        return [], []
    far = max(nearest[1], nearest[-1], key=lambda p: max(abs(c) for c in p))
    scale = max(abs(c) for c in far) / 8
    pos, neg = [nearest[1]], [nearest[-1]]
    for _ in range(AXIS_BOX_POINTS):
        p = tuple(c + rng.uniform(-scale, scale) for c in far)
        s = _sign_of(g, p)
        if s > 0:
            pos.append(p)
        elif s < 0:
            neg.append(p)
    return pos, neg


DESCENT_STEPS = 60
"""_probe_descent: one walk from the probe point nearest zero of each box, at most this many steps each."""


def _probe_descent(
    g: Fn, boxes: Sequence[Sequence[tuple[float, ...]]]
) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]]]:
    """Points where g > 0 and where g < 0 for a g that every box and both axes showed one sign of: walk
    downhill on |g| from the probe point nearest zero in each box, each step aimed at -g on g's tangent
    plane (twice the Newton step), halved until |g| shrinks or the sign changes.

    A region of the other sign that is a small share of every box and lies off the axes (a disc, where
    relu(r^2 - (x - a)^2 - (y - b)^2) has a nonzero derivative, far from the origin) is met by no scan
    line, probe or axis, and an answer of 0 was accepted. Downhill from any point, the walk reaches it.
    It draws nothing from rng and starts only where everything else saw one sign, so every other key's
    points are as before; where g truly has one sign (x^2 + 1) it ends at g's minimum and adds nothing."""
    for box in boxes:
        values = [(abs(v), q, v) for q in box if (v := value_at(g, q))]
        if not values:
            continue
        _, p, v = min(values)
        sign = 1.0 if v > 0 else -1.0
        for _ in range(DESCENT_STEPS):
            grad = gradient_at(g, p)
            norm2 = sum(c * c for c in grad) if grad is not None else 0.0
            if grad is None or not norm2 or not math.isfinite(norm2):
                break
            step = 2.0 * v / norm2
            for _ in range(40):
                q = tuple(pi - step * ci for pi, ci in zip(p, grad))
                w = value_at(g, q)
                if w is not None and (w * sign < 0 or abs(w) < abs(v)):
                    break
                step /= 2
            else:
                break
            assert w is not None
            if w * sign < 0:
                return ([p], [q]) if sign > 0 else ([q], [p])
            if w == 0:
                break
            p, v = q, w
    return [], []


def gradient_at(g: Fn, p: Sequence[float]) -> list[float] | None:
    """Central differences, step relative to the point's size."""
    h = 1e-6 * (1.0 + max(abs(c) for c in p))
    out = []
    for i in range(len(p)):
        hi = value_at(g, tuple(c + h if j == i else c for j, c in enumerate(p)))
        lo = value_at(g, tuple(c - h if j == i else c for j, c in enumerate(p)))
        if hi is None or lo is None:
            return None
        out.append((hi - lo) / (2 * h))
    return out


def _sign_of(g: Fn, point: Sequence[float]) -> int:
    v = run_float(g, point)
    if v is UNDEF or v is OVERFLOW:
        return 0
    return (v > 0) - (v < 0)


def _scan_ts(far: bool) -> list[float]:
    step = 2 * SCAN_RANGE / (SCAN_GRID - 1)
    ts = [-SCAN_RANGE + k * step for k in range(SCAN_GRID)]
    if far:
        out = [SCAN_RANGE * 8.0**k for k in range(1, FAR_STEPS + 1)]
        ts = [-t for t in reversed(out)] + ts + out
    return ts


_TS = (_scan_ts(False), _scan_ts(True))
_AXIS_TS = sorted(_TS[True], key=abs)
"""The far scan's steps, nearest the origin first: where _probe_axes looks."""


def scan_points(p: Sequence[float], d: Sequence[float], far: bool) -> list[tuple[float, tuple[float, ...]]]:
    """The scan points of one line, (t, p + t d): built once per line and shared by all its breakpoints."""
    return [(t, point_along(p, d, t)) for t in _TS[far]]


def crossings_on_line(
    g: Fn, p: Sequence[float], d: Sequence[float], scan: Sequence[tuple[float, tuple[float, ...]]]
) -> list[float]:
    """Every t where g(p + t d) changes sign between two scan points, located by bisection."""
    found: list[float] = []
    last_t, last_s = 0.0, 0
    for t, point in scan:
        try:
            v = g(point)
        except (ValueError, ZeroDivisionError, TypeError, OverflowError):
            continue
        if not isinstance(v, (float, int)) or v != v:
            continue
        s = (v > 0) - (v < 0)
        if s == 0:
            continue
        if last_s and s != last_s:
            found.append(_bisect(g, p, d, last_t, t, last_s))
        last_t, last_s = t, s
    return found


def _crossings_between_probes(
    g: Fn, n: int, rng: random.Random
) -> list[tuple[tuple[float, ...], tuple[float, ...], float]]:
    """For kinks the lines missed: bisect between random points of opposite sign in widening boxes."""
    pos, neg = _probe(g, n, rng)
    found = []
    if pos:
        for _ in range(LINES_PER_BREAKPOINT):
            a, b = rng.choice(pos), rng.choice(neg)
            length = math.sqrt(sum((bi - ai) ** 2 for ai, bi in zip(a, b)))
            if length > 0:
                d = tuple((bi - ai) / length for ai, bi in zip(a, b))
                found.append((a, d, _bisect(g, a, d, 0.0, length, 1)))
    return found


def _straddle(base: Sequence[float], d: Sequence[float], t0: float, rng: random.Random) -> list[tuple[float, ...]]:
    at = point_along(base, d, t0)
    delta = 1e-8 * (1.0 + math.sqrt(sum(v * v for v in at))) * rng.uniform(0.5, 1.5)
    far = rng.uniform(0.05, 0.5) * (1.0 + abs(t0) * 1e-3)
    return [point_along(base, d, t0 + s_ * r) for r in (delta, far) for s_ in (-1.0, 1.0)]


@dataclass(frozen=True)
class Crossings:
    """Where breakpoint expressions change sign: along shared scan lines (t values per line), and on
    segments between probe points for those no line crosses. A key's are computed once and reused for
    every answer to it (equivalence.Compiled.crossings); an answer's own breakpoints are added to a copy."""

    n: int
    lines: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]
    on_line: tuple[tuple[float, ...], ...]
    probed: tuple[tuple[tuple[float, ...], tuple[float, ...], float], ...] = ()


def scan_lines(n: int, rng: random.Random) -> Crossings:
    lines = tuple(
        (tuple(rng.uniform(-BOX, BOX) for _ in range(n)), random_direction(rng, n)) for _ in range(SCAN_LINES)
    )
    return Crossings(n, lines, tuple(() for _ in lines))


def add_breakpoints(cr: Crossings, gs: Sequence[Fn], rng: random.Random, check_time: Callable[[], None]) -> Crossings:
    """cr with the sign changes of every g in gs added (no cap: more breakpoints cost time, never one missed)."""
    on_line = [list(ts) for ts in cr.on_line]
    probed = list(cr.probed)
    scans = [scan_points(p, d, far=li == 0) for li, (p, d) in enumerate(cr.lines)] if gs else []
    for g in gs:
        check_time()
        hit = False
        for li, ((p, d), scan) in enumerate(zip(cr.lines, scans)):
            ts = crossings_on_line(g, p, d, scan)
            on_line[li].extend(ts)
            hit = hit or bool(ts)
        if not hit:
            probed.extend(_crossings_between_probes(g, cr.n, rng))
    return Crossings(cr.n, cr.lines, tuple(tuple(sorted(set(ts))) for ts in on_line), tuple(probed))


def crossing_bases(cr: Crossings) -> list[tuple[float, ...]]:
    """The crossings themselves (points on a breakpoint, before any step): where cells.find_corners starts
    its Newton runs for curved breakpoints."""
    out = [point_along(base, d, t0) for base, d, t0 in cr.probed]
    for (p, d), ts in zip(cr.lines, cr.on_line):
        out.extend(point_along(p, d, t0) for t0 in ts)
    return out


def crossing_points(cr: Crossings, rng: random.Random, check_time: Callable[[], None]) -> list[tuple[float, ...]]:
    """Both sides of every crossing (~1e-8 away for thin regions, 0.05-0.5 for the branch), and the middle of
    every gap between neighbouring crossings on a line (a strip between two breakpoints, however narrow).

    Every offset is drawn from rng (seeded by the answer), so no point is known before the answer is
    written: the exact confirmation at a point of each cell cannot be dodged by an answer built to vanish
    at precomputed points, even where the crossings themselves are the key's."""
    points: list[tuple[float, ...]] = []
    for base, d, t0 in cr.probed:
        points.extend(_straddle(base, d, t0, rng))
    for (p, d), ts in zip(cr.lines, cr.on_line):
        check_time()
        for t0 in ts:
            points.extend(_straddle(p, d, t0, rng))
        for a, b in itertools.pairwise(ts):
            mid = a + (b - a) * rng.uniform(0.25, 0.75)
            if a < mid < b:
                points.append(point_along(p, d, mid))
    return points


def breakpoint_points(
    gs: Sequence[Fn], n: int, rng: random.Random, check_time: Callable[[], None]
) -> list[tuple[float, ...]]:
    """Points on both sides of every breakpoint and between neighbouring ones (see crossing_points)."""
    if n == 0 or not gs:
        return []
    return crossing_points(add_breakpoints(scan_lines(n, rng), gs, rng, check_time), rng, check_time)


def random_direction(rng: random.Random, n: int) -> tuple[float, ...]:
    while True:
        v = [rng.gauss(0.0, 1.0) for _ in range(n)]
        norm = math.sqrt(sum(c * c for c in v))
        if norm > 1e-3:
            return tuple(c / norm for c in v)


def point_along(p: Sequence[float], d: Sequence[float], t: float) -> tuple[float, ...]:
    """p + t d. Written out for 1 to 3 variables (the same float operations as the loop): the scans and
    bisections of a class's breakpoints call it hundreds of thousands of times."""
    n = len(p)
    if n == 1:
        return (p[0] + t * d[0],)
    if n == 2:
        return (p[0] + t * d[0], p[1] + t * d[1])
    if n == 3:
        return (p[0] + t * d[0], p[1] + t * d[1], p[2] + t * d[2])
    return tuple([pi + t * di for pi, di in zip(p, d)])


def _bisect(g: Fn, p: Sequence[float], d: Sequence[float], lo: float, hi: float, s_lo: int) -> float:
    for _ in range(BISECT_STEPS):
        if abs(hi - lo) <= BISECT_REL * (1.0 + abs(lo)):
            break
        mid = 0.5 * (lo + hi)
        s = _sign_of(g, point_along(p, d, mid))
        if s == 0:
            return mid
        if s == s_lo:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
