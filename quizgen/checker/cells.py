"""Points in every cell of the breakpoints' arrangement, from the places where two breakpoints meet.

The scan lines straddle every breakpoint, but with two or more the regions between them (cells, where
each side is a single formula) can be missed: x = 1000 and y = 1000 cut the plane into four quarters
around (1000, 1000), far from the sample box, a line meets at most three of them, and relu(y - 1000) was
accepted for 1(x > 1000) relu(y - 1000), which it differs from on the quarter x < 1000 < y.

Why corners of pairs reach every cell, for affine breakpoints (hyperplanes g = c.x + e = 0) whose normals
span 2 or more dimensions (when they are all parallel the scan lines cross them all):

- every cell has a face of codimension 2 (a vertex in 2 variables, an edge in 3), inside the flat where
  two hyperplanes g_i = g_j = 0 meet; near a point inside that face the cell is one of the four quarters
  of (g_i, g_j) for the two that bound it there. Where several pass through the face (x - y, x and y
  through the origin, for max(x, y, 0)'s derivative), the cell lies between two neighbouring ones, which
  no other one splits;
- such a face is a cell of the arrangement the other hyperplanes cut the flat g_i = g_j = 0 into, which
  has 2 dimensions fewer: the same construction finds a point inside each of those (_cell_points, on the
  flat's own coordinates), down to a point (no dimension left, or nothing cutting the flat) or a line
  across parallel hyperplanes (a point of every piece). All of it is exact (fractions): the meeting
  points, the pieces, and the steps from an inner face into its quarters, short enough to cross nothing.

So in 2 variables the corners are the meeting points, in 3 a point of every piece into which the other
planes cut each meeting line, and so on; at most MAX_CORNERS are made (the count grows like the number of
breakpoints to the power of the number of variables): past that the corners are not complete
(complete=False) and the numbers alone cannot say "equal" (equivalence: undecided, so a proof or unsure).

A piecewise-affine breakpoint (max, min and abs of affine forms: sympy writes max(x - a, y - b, 0)'s
derivative as Heaviside(x - max(0, y - b) - a)) is read as its affine pieces (affine_pieces), whose
cells refine its own: it is covered the same way.

Curved breakpoints (x^2 + y^2 - 4, w1*x1 + b) are met in two ways, neither a promise: they are scanned
along every line where n - 1 affine ones meet (as the scan lines are scanned, far out, with bisection;
each crossing is stepped into all its sign combinations), and each pair with a curved one is solved by
Gauss-Newton from the crossings the scan lines found nearest both zero sets. A meeting place neither
reaches is not sampled (docs/checking.md, Known limits).

The steps into each quarter (two sizes, random lengths and mixtures) are drawn from the answer's seed, so
no sample point is known before the answer is written; where the corners are is a function of the key
and the answer's breakpoints (a key's are found once, from the key's seed, and shared by its answers).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy

from quizgen.checker.evaluate import Fn, value_at
from quizgen.checker.sampling import crossings_on_line, gradient_at, point_along, scan_points

Vector = tuple[Fraction, ...]
Affine = tuple[Vector, Fraction]
"""g = c.x + e, exactly: (c, e)."""

NEWTON_STARTS = 3
"""Gauss-Newton runs per pair of curved breakpoints, from the crossings nearest both zero sets."""
NEWTON_CANDIDATES = 32
NEWTON_PAIRS = 64
"""Curved pairs get Newton runs up to this many (a max of 16 curved arguments has 120 breakpoints, 7,140
pairs): their corners are a help, never a promise (module docstring)."""
NEWTON_STEPS = 40
NEWTON_TOL = 1e-11
"""Converged when the point is this close (relative to its size) to both zero sets, by first order."""
NEAR = 1e-8
"""The small step into each quarter, relative to the corner's size (as sampling._straddle's)."""
MAX_CORNERS = 1000
"""Corners and inner points the affine construction may make; past it the corners are not complete."""


@dataclass(frozen=True)
class Corner:
    """A point where two (or three) breakpoints meet, and a unit step per breakpoint along which it grows
    and the others stay 0, to first order: at + sum of s_k a_k u_k (a_k > 0) lies in the quarter (octant)
    of signs s."""

    at: tuple[float, ...]
    steps: tuple[tuple[float, ...], ...]
    room: float = math.inf
    """How far the nearest breakpoint not through the corner is (an affine one's); steps stay within a
    quarter of it."""


@dataclass(frozen=True)
class Corners:
    """Every corner found, and whether they reach every cell of the affine breakpoints (see above)."""

    corners: tuple[Corner, ...]
    complete: bool = True


NO_CORNERS = Corners(())


@dataclass(frozen=True)
class Breakpoint:
    """A breakpoint expression compiled, and its affine pieces when it has them (affine_pieces)."""

    fn: Fn
    pieces: tuple[Affine, ...] | None


MAX_PIECES = 16
"""A piecewise-affine breakpoint is read as at most this many affine pieces (one per choice of every
max, min and abs in it), else as curved."""


def affine_pieces(g: sympy.Basic, names: dict[str, int]) -> tuple[Affine, ...] | None:
    """Affine forms c.x + e whose zero sets together hold g's: g itself when it is affine (exact
    coefficients: a decimal as the binary fraction of its float, a constant such as pi as its float), one
    per branch when it is piecewise affine (x - max(0, y - 5) - 3: x - 3 and x - y + 2, each of which
    g equals where that branch is taken). None when g is curved, or has over MAX_PIECES pieces. One walk
    of the tree, nothing expanded (a power of a sum is not affine and is not multiplied out).

    The cells between the pieces refine the cells between the g's, so a point in each of theirs is a
    point in each of g's: sympy's derivative of max(x - a, y - b, 0) is Heaviside(x - max(0, y - b) - a)."""
    n = len(names)
    zero = tuple(Fraction(0) for _ in range(n))

    def walk(e: sympy.Basic) -> list[Affine] | None:
        if isinstance(e, sympy.Symbol):
            i = names.get(e.name)
            return None if i is None else [(tuple(Fraction(int(k == i)) for k in range(n)), Fraction(0))]
        if not e.free_symbols:
            value = _number(e)
            return None if value is None else [(zero, value)]
        if isinstance(e, sympy.Mul):
            factor, rest = Fraction(1), None
            for a in e.args:
                if a.free_symbols:
                    if rest is not None:
                        return None
                    rest = a
                elif (value := _number(a)) is None:
                    return None
                else:
                    factor *= value
            inner = walk(rest) if rest is not None else None
            return None if inner is None else [(tuple(factor * v for v in c), factor * k) for c, k in inner]
        parts = [part for a in e.args if (part := walk(a)) is not None]
        if len(parts) < len(e.args):
            return None
        if isinstance(e, sympy.Add):
            out = [(zero, Fraction(0))]
            for part in parts:
                out = [(tuple(u + v for u, v in zip(c, d)), k + m) for c, k in out for d, m in part]
                if len(out) > MAX_PIECES:
                    return None
            return out
        if isinstance(e, (sympy.Max, sympy.Min)):
            out = [f for part in parts for f in part]
        elif isinstance(e, sympy.Abs):
            out = [f for part in parts for c, k in part for f in ((c, k), (tuple(-v for v in c), -k))]
        else:
            return None
        return out if len(out) <= MAX_PIECES else None

    pieces = walk(g)
    if pieces is None:
        return None
    return tuple(dict.fromkeys((c, k) for c, k in pieces if any(c))) or None


def _number(e: sympy.Basic) -> Fraction | None:
    if isinstance(e, sympy.Rational):
        return Fraction(int(e.p), int(e.q))
    try:
        v = float(e)
    except (TypeError, ValueError, OverflowError):
        return None
    return Fraction(v) if math.isfinite(v) else None


def _dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(a, b)), Fraction(0))


def _combine(terms: Sequence[tuple[Fraction, Vector]]) -> Vector:
    n = len(terms[0][1])
    return tuple(sum((k * v[i] for k, v in terms), Fraction(0)) for i in range(n))


def _rank(vectors: Sequence[Vector]) -> int:
    """Rank of the vectors (exact): the dimension less that of what is orthogonal to them all."""
    m = len(vectors[0]) if vectors else 0
    return m - len(_null_basis(vectors, m))


def _unit(v: Sequence[float]) -> tuple[float, ...] | None:
    norm = math.sqrt(sum(c * c for c in v))
    if not norm or not math.isfinite(norm):
        return None
    return tuple(c / norm for c in v)


def _affine_pair(gi: Affine, gj: Affine) -> tuple[Vector, Vector, Vector] | None:
    """(p, dual_i, dual_j) for two hyperplanes: the point of g_i = g_j = 0 nearest the origin, and the
    steps that raise one by 1 and keep the other (from the Gram matrix [[a, b], [b, c]] of their normals);
    None when they are parallel."""
    (ci, ei), (cj, ej) = gi, gj
    a, b, c = _dot(ci, ci), _dot(ci, cj), _dot(cj, cj)
    det = a * c - b * b
    if not det:
        return None
    li, lj = (b * ej - c * ei) / det, (b * ei - a * ej) / det
    p = _combine([(li, ci), (lj, cj)])
    dual_i = _combine([(c / det, ci), (-b / det, cj)])
    dual_j = _combine([(a / det, cj), (-b / det, ci)])
    return p, dual_i, dual_j


def _null_basis(rows: Sequence[Vector], m: int) -> list[Vector]:
    """A basis of the vectors orthogonal to every row (exact): the directions of the flat they meet in."""
    reduced = [list(r) for r in rows]
    pivots: list[int] = []
    rank = 0
    for col in range(m):
        pivot = next((r for r in range(rank, len(reduced)) if reduced[r][col]), None)
        if pivot is None:
            continue
        reduced[rank], reduced[pivot] = reduced[pivot], reduced[rank]
        lead = reduced[rank][col]
        reduced[rank] = [v / lead for v in reduced[rank]]
        for r in range(len(reduced)):
            if r != rank and reduced[r][col]:
                k = reduced[r][col]
                reduced[r] = [a - k * b for a, b in zip(reduced[r], reduced[rank])]
        pivots.append(col)
        rank += 1
    basis = []
    for free in (c for c in range(m) if c not in pivots):
        v = [Fraction(0)] * m
        v[free] = Fraction(1)
        for r, col in enumerate(pivots):
            v[col] = -reduced[r][free]
        basis.append(tuple(v))
    return basis


def plane(form: Affine) -> Affine:
    """The form scaled so that its first nonzero coefficient is 1: forms with one zero set (g, 2g, -g) give
    one plane. A constant form (no variable) is returned as it is."""
    c, e = form
    lead = next((v for v in c if v), None)
    return form if lead is None else (tuple(v / lead for v in c), e / lead)


def _distinct(forms: Sequence[Affine]) -> list[Affine]:
    """The forms that cut the space, each hyperplane once (g and 2g, -g are one; a form with no variable
    left, constant on the space, cuts nothing)."""
    seen: set[Affine] = set()
    out = []
    for c, e in forms:
        if not any(c):
            continue
        key = plane((c, e))
        if key not in seen:
            seen.add(key)
            out.append((c, e))
    return out


class _Budget:
    """How many corners and inner points the affine construction may make (it grows like the number of
    breakpoints to the power of the number of variables): past it the corners are not complete."""

    def __init__(self, limit: int, check_time: Callable[[], None]) -> None:
        self.left = limit
        self.check_time = check_time

    def spend(self, count: int = 1) -> None:
        self.left -= count
        if self.left < 0:
            raise _OverBudget
        self.check_time()


class _OverBudget(Exception):
    pass


Face = tuple[Vector, Vector, Vector]
"""A point inside a face of codimension 2 (on g_i = g_j = 0 and no other hyperplane that cuts that flat),
and the duals of g_i, g_j there (steps that raise one by 1 and keep the other)."""


def _faces(forms: Sequence[Affine], m: int, rng: random.Random, budget: _Budget) -> list[Face]:
    """A point inside every face of codimension 2 of the arrangement of forms (distinct, in Q^m): for each
    pair that meets, a point in every cell of the arrangement the others cut their meeting flat into."""
    out: list[Face] = []
    for i, j in itertools.combinations(range(len(forms)), 2):
        pair = _affine_pair(forms[i], forms[j])
        if pair is None:
            continue
        p, dual_i, dual_j = pair
        basis = _null_basis([forms[i][0], forms[j][0]], m)
        induced = [
            (tuple(_dot(v, ck) for v in basis), _dot(ck, p) + ek) for k, (ck, ek) in enumerate(forms) if k not in (i, j)
        ]
        for u in _cell_points(induced, len(basis), rng, budget):
            budget.spend()
            q = _combine([(Fraction(1), p), *zip(u, basis)]) if basis else p
            out.append((q, dual_i, dual_j))
    return out


def _cell_points(forms: Sequence[Affine], m: int, rng: random.Random, budget: _Budget) -> list[Vector]:
    """An exact point inside every cell of the arrangement of forms in Q^m: one point when nothing cuts the
    space, a point of every piece of a line across parallel hyperplanes, and otherwise a step into each
    quarter of every face of codimension 2, short enough to cross no other hyperplane."""
    forms = _distinct(forms)
    origin = tuple(Fraction(0) for _ in range(m))
    if not forms:
        return [origin]
    if _rank([c for c, _ in forms]) <= 1:
        c = forms[0][0]
        ts = sorted({-e / _dot(ck, c) for ck, e in forms})
        return [tuple(t * v for v in c) for t in _piece_points(ts, rng)]
    points = []
    for q, dual_i, dual_j in _faces(forms, m, rng, budget):
        for si, sj in _QUARTERS:
            step = _combine(
                [(si * Fraction(rng.uniform(0.5, 1.5)), dual_i), (sj * Fraction(rng.uniform(0.5, 1.5)), dual_j)]
            )
            room = Fraction(1)
            for ck, ek in forms:
                at, along = _dot(ck, q) + ek, _dot(ck, step)
                if at and along:
                    room = min(room, abs(at / along))
            point = _combine([(Fraction(1), q), (room / 2, step)])
            if all(_dot(ck, point) + ek for ck, ek in forms):  # on none (a third through q could hold it)
                points.append(point)
    return points


def _piece_points(ts: Sequence[Fraction], rng: random.Random) -> list[Fraction]:
    """A parameter inside every piece of a line cut at ts (sorted, distinct): before the first, between
    each two, after the last."""
    if not ts:
        return [Fraction(0)]
    span = ts[-1] - ts[0] + 1 + abs(ts[0]) + abs(ts[-1])
    out = [ts[0] - span * Fraction(rng.uniform(0.5, 1.5))]
    out.extend(lo + (hi - lo) * Fraction(rng.uniform(0.25, 0.75)) for lo, hi in itertools.pairwise(ts))
    out.append(ts[-1] + span * Fraction(rng.uniform(0.5, 1.5)))
    return out


_QUARTERS = ((1, 1), (1, -1), (-1, 1), (-1, -1))


THINNEST = 1e-12
"""A corner with less room than this, relative to its size, cannot be stepped off in floats."""


def _float_corner(forms: Sequence[Affine], q: Vector, dual_i: Vector, dual_j: Vector) -> Corner | None:
    """The corner in floats, with its room (the distance to the nearest hyperplane not through it); None
    when floats cannot hold it (past 1e308) or step off it within its cell (room under THINNEST)."""
    try:
        ui, uj = _unit([float(v) for v in dual_i]), _unit([float(v) for v in dual_j])
        at = tuple(float(v) for v in q)
        room = math.inf
        for c, e in forms:
            value = _dot(c, q) + e
            if value:
                room = min(room, float(abs(value)) / math.sqrt(float(_dot(c, c))))
    except (OverflowError, ZeroDivisionError):
        return None
    if ui is None or uj is None or not all(math.isfinite(v) for v in at):
        return None
    if room < THINNEST * (1.0 + math.sqrt(sum(v * v for v in at))):
        return None
    return Corner(at, (ui, uj), room)


def _affine_corners(
    forms: Sequence[Affine], rng: random.Random, check_time: Callable[[], None]
) -> tuple[list[Corner], bool]:
    """A corner inside every face of codimension 2 of the hyperplanes (distinct: _distinct; see the module
    docstring), with the room it has: its distance to the nearest hyperplane not through it. complete: all
    were found within MAX_CORNERS."""
    if len(forms) < 2 or _rank([c for c, _ in forms]) <= 1:
        return [], True  # parallel hyperplanes: the scan lines cross them all (sampling)
    if len(forms) * (len(forms) - 1) // 2 > MAX_CORNERS:
        return [], False  # a corner per pair at least: over budget before any is made
    n = len(forms[0][0])
    budget = _Budget(MAX_CORNERS, check_time)
    try:
        faces = _faces(forms, n, rng, budget)
        complete = True
    except _OverBudget:
        return [], False
    corners = []
    for q, dual_i, dual_j in faces:
        corner = _float_corner(forms, q, dual_i, dual_j)
        if corner is None:
            complete = False  # a cell floats cannot reach: the numbers cannot vouch for it
        else:
            corners.append(corner)
    return corners, complete


def _newton_corner(gi: Fn, gj: Fn, start: Sequence[float]) -> Corner | None:
    """Gauss-Newton on (g_i, g_j) = 0 from start (the least-norm step each time); the corner it converges
    to, or None."""
    p = tuple(start)
    for _ in range(NEWTON_STEPS):
        vi, vj = value_at(gi, p), value_at(gj, p)
        grad_i, grad_j = gradient_at(gi, p), gradient_at(gj, p)
        if vi is None or vj is None or grad_i is None or grad_j is None:
            return None
        a = sum(v * v for v in grad_i)
        b = sum(x * y for x, y in zip(grad_i, grad_j))
        c = sum(v * v for v in grad_j)
        det = a * c - b * b
        if not (det > 1e-12 * a * c) or not math.isfinite(det):
            return None  # (nearly) parallel, or flat
        size = 1.0 + max(abs(v) for v in p)
        if abs(vi) <= NEWTON_TOL * size * math.sqrt(a) and abs(vj) <= NEWTON_TOL * size * math.sqrt(c):
            ui = _unit([(c * x - b * y) / det for x, y in zip(grad_i, grad_j)])
            uj = _unit([(a * y - b * x) / det for x, y in zip(grad_i, grad_j)])
            return Corner(p, (ui, uj)) if ui is not None and uj is not None else None
        li, lj = (c * vi - b * vj) / det, (a * vj - b * vi) / det
        p = tuple(v - li * x - lj * y for v, x, y in zip(p, grad_i, grad_j))
        if not all(math.isfinite(v) for v in p):
            return None
    return None


CURVED_SCANS = 256
"""Scans of a curved breakpoint along an affine line (_curved_on_lines), at most."""


def _float_duals(rows: Sequence[Sequence[float]]) -> tuple[tuple[float, ...], ...] | None:
    """Unit steps along which each row's form grows and the others' stay 0: the columns of
    R^T (R R^T)^-1, normalized; None when the rows are (nearly) dependent."""
    k = len(rows)
    gram = [[sum(a * b for a, b in zip(ri, rj)) for rj in rows] for ri in rows]
    inverse = [[float(i == j) for j in range(k)] for i in range(k)]
    scale = max(abs(gram[i][i]) for i in range(k))
    for col in range(k):  # Gauss-Jordan with partial pivoting
        pivot = max(range(col, k), key=lambda r: abs(gram[r][col]))
        if not abs(gram[pivot][col]) > 1e-10 * scale:
            return None
        gram[col], gram[pivot] = gram[pivot], gram[col]
        inverse[col], inverse[pivot] = inverse[pivot], inverse[col]
        lead = gram[col][col]
        gram[col] = [v / lead for v in gram[col]]
        inverse[col] = [v / lead for v in inverse[col]]
        for r in range(k):
            if r != col and gram[r][col]:
                f = gram[r][col]
                gram[r] = [a - f * b for a, b in zip(gram[r], gram[col])]
                inverse[r] = [a - f * b for a, b in zip(inverse[r], inverse[col])]
    steps = []
    for j in range(k):
        unit = _unit([sum(rows[i][c] * inverse[i][j] for i in range(k)) for c in range(len(rows[0]))])
        if unit is None:
            return None
        steps.append(unit)
    return tuple(steps)


def _affine_lines(forms: Sequence[Affine], n: int) -> list[tuple[tuple[float, ...], tuple[float, ...], list[Vector]]]:
    """The lines where n - 1 affine breakpoints meet (each hyperplane in 2 variables, each pair's meeting
    line in 3, ...), as (point nearest the origin, unit direction, the normals), at most CURVED_SCANS."""
    lines: list[tuple[tuple[float, ...], tuple[float, ...], list[Vector]]] = []
    for subset in itertools.combinations(forms, n - 1):
        if len(lines) >= CURVED_SCANS:
            break
        normals = [c for c, _ in subset]
        basis = _null_basis(normals, n)
        if len(basis) != 1:
            continue  # dependent normals: they meet in more than a line, or nowhere
        point = _least_norm(normals, [-e for _, e in subset])
        d = _unit([float(v) for v in basis[0]])
        if point is not None and d is not None:
            lines.append((tuple(float(v) for v in point), d, normals))
    return lines


def _least_norm(rows: Sequence[Vector], rhs: Sequence[Fraction]) -> Vector | None:
    """The least-norm x with rows . x = rhs (independent rows), exactly: R^T (R R^T)^-1 rhs."""
    k = len(rows)
    aug = [[_dot(rows[i], rows[j]) for j in range(k)] + [rhs[i]] for i in range(k)]
    for col in range(k):
        pivot = next((r for r in range(col, k) if aug[r][col]), None)
        if pivot is None:
            return None
        aug[col], aug[pivot] = aug[pivot], aug[col]
        aug[col] = [v / aug[col][col] for v in aug[col]]
        for r in range(k):
            if r != col and aug[r][col]:
                f = aug[r][col]
                aug[r] = [a - f * b for a, b in zip(aug[r], aug[col])]
    return _combine([(aug[i][k], rows[i]) for i in range(k)]) if rows else None


def _curved_on_lines(
    forms: Sequence[Affine], curved: Sequence[Fn], n: int, check_time: Callable[[], None]
) -> list[Corner]:
    """Where curved breakpoints cross the lines where affine ones meet, found by the scan lines' own scan
    (out to 3.5e13 along each line) and bisection: corners of a curve and a line in 2 variables, vertices of
    a surface and two planes in 3 (stepped into their 8 octants), and so on. Newton from the crossings finds one
    place a pair meets; a line meets a curve at each of its crossings: x y = -1000 crosses a line far out
    along its asymptote, and the planes of a slab meet a surface where the slab's cells touch it."""
    corners: list[Corner] = []
    scans = 0
    for p, d, normals in _affine_lines(forms, n):
        scan = scan_points(p, d, far=True)
        rows = [[float(v) for v in c] for c in normals]
        for g in curved:
            scans += 1
            if scans > CURVED_SCANS:
                return corners
            check_time()
            for t in crossings_on_line(g, p, d, scan):
                q = point_along(p, d, t)
                grad = gradient_at(g, q)
                steps = _float_duals([*rows, grad]) if grad is not None else None
                if steps is not None and all(math.isfinite(v) for v in q):
                    corners.append(Corner(q, steps))
    return corners


def find_corners(
    bps: Sequence[Breakpoint],
    starts: Sequence[tuple[float, ...]],
    rng: random.Random,
    check_time: Callable[[], None],
) -> Corners:
    """The corners of every pair of breakpoints: exact for two affine ones; by Gauss-Newton otherwise, from
    the NEWTON_STARTS starts nearest both zero sets (among NEWTON_CANDIDATES of the starts), for the first
    NEWTON_PAIRS such pairs. Nothing with fewer than two breakpoints."""
    if len(bps) < 2:
        return NO_CORNERS
    forms = _distinct([f for bp in bps if bp.pieces is not None for f in bp.pieces])
    corners, complete = _affine_corners(forms, rng, check_time)
    pairs = itertools.combinations(bps, 2)
    curved = list(
        itertools.islice(((bi, bj) for bi, bj in pairs if bi.pieces is None or bj.pieces is None), NEWTON_PAIRS)
    )
    stride = max(1, len(starts) // NEWTON_CANDIDATES)
    candidates = starts[::stride]
    curved_fns = [bp.fn for bp in bps if bp.pieces is None]
    if curved_fns and forms:
        corners.extend(_curved_on_lines(forms, curved_fns, len(forms[0][0]), check_time))
    for bi, bj in curved:
        check_time()
        ranked = sorted(
            (abs(vi) + abs(vj), p)
            for p in candidates
            if (vi := value_at(bi.fn, p)) is not None and (vj := value_at(bj.fn, p)) is not None
        )
        for _, p in ranked[:NEWTON_STARTS]:
            corner = _newton_corner(bi.fn, bj.fn, p)
            if corner is not None:
                corners.append(corner)
    return Corners(tuple(corners), complete)


def corner_points(corners: Corners, rng: random.Random) -> list[tuple[float, ...]]:
    """Around every corner, a point in each of its four quarters at two sizes of step: about 1e-8 of the
    corner's size (inside the cell, however close the next breakpoint) and 0.05-0.5 (a generic point of
    it), both within a quarter of the corner's room. The lengths and the mixture of the two steps are
    random, so no point falls on a third breakpoint through the corner (x - y, through the corner of x and
    y, is met by no step of equal parts)."""
    points: list[tuple[float, ...]] = []
    for corner in corners.corners:
        size = 1.0 + math.sqrt(sum(v * v for v in corner.at))
        for signs in itertools.product((1, -1), repeat=len(corner.steps)):
            for scale in (NEAR * size, rng.uniform(0.05, 0.5) * (1.0 + 1e-3 * size)):
                scale = min(scale, corner.room / (2 * len(corner.steps)))
                mix = [s * scale * rng.uniform(0.5, 1.5) for s in signs]
                points.append(
                    tuple(p + sum(m * u[i] for m, u in zip(mix, corner.steps)) for i, p in enumerate(corner.at))
                )
    return points
