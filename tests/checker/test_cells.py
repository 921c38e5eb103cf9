from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pytest
import sympy

from quizgen.checker import cells
from quizgen.checker.cells import Affine, Breakpoint, affine_pieces, corner_points, find_corners
from quizgen.checker.equivalence import deadline_checker, equivalent, prepare
from quizgen.checker.sampling import compile_breakpoints

from .conftest import NAMES
from .conftest import X as x
from .conftest import Y as y

pytestmark = pytest.mark.usefixtures("heap_settled")  # tests/conftest.py

F = Fraction


def _one(g: sympy.Basic, names: dict[str, int]) -> tuple[Affine, ...] | None:
    return affine_pieces(g, names)


def _breakpoints(forms: Sequence[Affine]) -> list[Breakpoint]:
    def fn(c: Sequence[Fraction], e: Fraction):  # type: ignore[no-untyped-def]
        return lambda p: sum(float(ci) * pi for ci, pi in zip(c, p)) + float(e)

    return [Breakpoint(fn(c, e), ((c, e),)) for c, e in forms]


def _signs(forms: Sequence[Affine], points: Sequence[Sequence[float]]) -> set[tuple[bool, ...]]:
    """The sign patterns of the points, in the order and rounding of a plain Python sum (0 + c_1 p_1 + ... +
    e, term by term), one numpy column at a time: the same answer as point by point, 8,000 points at once."""
    if not points:
        return set()
    ps = np.asarray(points, dtype=float)
    rows = []
    for c, e in forms:
        acc = np.zeros(len(ps))
        for i, ci in enumerate(c):
            acc = acc + float(ci) * ps[:, i]
        rows.append(acc + float(e) > 0)
    return {tuple(bool(v) for v in row) for row in np.unique(np.array(rows).T, axis=0)}


def _cells_missed(forms: Sequence[Affine], center: Sequence[float], seed: int, spread: float = 30.0) -> int:
    """How many cells that 8,000 random points within spread of center land in get no point from the
    corners."""
    found = find_corners(_breakpoints(forms), [], random.Random(seed), lambda: None)
    assert found.complete
    ours = _signs(forms, corner_points(found, random.Random(seed + 1)))
    rng = random.Random(seed + 2)
    seen = _signs(forms, [[c + rng.uniform(-spread, spread) for c in center] for _ in range(8_000)])
    return len(seen - ours)


def test_affine_pieces_are_read_exactly_and_curved_ones_are_not() -> None:
    z = sympy.Symbol("z", real=True)
    names = {"x": 0, "y": 1, "z": 2}
    assert affine_pieces(x - 1000, names) == (((F(1), F(0), F(0)), F(-1000)),)
    assert affine_pieces(2 * (x + y / 3) - sympy.Float(0.5) + z, names) == (((F(2), F(2, 3), F(1)), F(-1, 2)),)
    for g in (x * y, x**2, sympy.sin(x), sympy.Max(x, y) * y, (x + y) ** 1000, sympy.Integer(3)):
        assert affine_pieces(g, names) is None, g


def test_a_piecewise_affine_breakpoint_is_read_as_its_pieces() -> None:
    """x - max(0, y - 5) - 3 (sympy's derivative of max(x - 3, y - 5, 0) is its Heaviside) is zero only
    where x - 3 or x - y + 2 is; abs(u) is u or -u (one zero set); past MAX_PIECES a breakpoint is curved."""
    g = x - sympy.Max(0, y - 5) - 3
    assert set(affine_pieces(g, NAMES) or ()) == {((F(1), F(0)), F(-3)), ((F(1), F(-1)), F(2))}
    assert set(affine_pieces(sympy.Abs(x - y) - 1, NAMES) or ()) == {((F(1), F(-1)), F(-1)), ((F(-1), F(1)), F(-1))}
    many = sum((sympy.Max(x - i, y + i) for i in range(5)), sympy.Integer(0))  # 2^5 = 32 choices
    assert affine_pieces(many, NAMES) is None


@pytest.mark.parametrize("seed", range(10))
def test_the_four_quarters_around_a_far_crossing_are_sampled(seed: int) -> None:
    """x = 1000 and y = 1000 meet far from the sample box: a point in each quarter, whatever the seed,
    close to the corner and away from it."""
    bps = [Breakpoint(fn, _one(g, NAMES)) for g, fn in zip((x - 1000, 1000 - y), _compiled(x - 1000, 1000 - y))]
    found = find_corners(bps, [], random.Random(seed), lambda: None)
    points = corner_points(found, random.Random(seed))
    for sx, sy in itertools.product((1, -1), repeat=2):
        quarter = [p for p in points if (p[0] - 1000) * sx > 0 and (p[1] - 1000) * sy > 0]
        assert any(abs(p[0] - 1000) < 1e-3 for p in quarter), (sx, sy)
        assert any(abs(p[0] - 1000) > 1e-2 for p in quarter), (sx, sy)


def _compiled(*gs: sympy.Basic) -> list:  # type: ignore[type-arg]
    return compile_breakpoints(list(gs), NAMES)


@pytest.mark.parametrize(("n", "count"), [(2, 3), (2, 6), (3, 3), (3, 5), (3, 7), (4, 4), (4, 5), (5, 5)])
def test_every_cell_of_random_hyperplanes_gets_a_point(n: int, count: int) -> None:
    """Random hyperplanes with small integer coefficients (so several meet in a point or are parallel):
    every cell a dense random search finds has a point of the corners."""
    for seed in range(3):
        rng = random.Random(100 * n + 10 * count + seed)
        forms: list[Affine] = []
        while len(forms) < count:
            c = tuple(F(rng.randint(-3, 3)) for _ in range(n))
            if any(c):
                forms.append((c, F(rng.randint(-20, 20))))
        assert _cells_missed(forms, [0.0] * n, seed) == 0, (n, count, seed)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_every_cell_of_a_max_of_n_variables_and_0_gets_a_point(n: int) -> None:
    """max(x_1 - a_1, ..., x_n - a_n, 0): all its breakpoints pass through one far point, n + 1 choose 2
    of them; every region where one argument is the largest, and every cell between, gets a point."""
    rng = random.Random(n)
    shift = [F(rng.randint(-1000, 1000)) for _ in range(n)]
    units = [tuple(F(int(k == i)) for k in range(n)) for i in range(n)] + [tuple(F(0) for _ in range(n))]
    forms = []
    for a, b in itertools.combinations(units, 2):
        c = tuple(u - v for u, v in zip(a, b))
        forms.append((c, -sum((ci * s for ci, s in zip(c, shift)), F(0))))
    assert _cells_missed(forms, [float(s) for s in shift], n) == 0


def _units(n: int) -> list[tuple[Fraction, ...]]:
    return [tuple(F(int(k == i)) for k in range(n)) for i in range(n)]


@pytest.mark.parametrize("seed", range(3))
def test_every_cell_of_an_arrangement_finer_than_a_unit_gets_a_point(seed: int) -> None:
    """Six hyperplanes in 4 variables, 1/8 to 1/4 apart: within each plane where two of them meet, the
    step into a quarter of a corner stops halfway to the nearest other hyperplane, so the thin cells get
    their points too. (Found by a search over small arrangements: with a step of the whole room, which
    lands on that hyperplane, each of these seeds leaves a cell without a point.)"""
    forms = [
        ((F(-1), F(-1), F(-1), F(-1)), F(-1, 8)),
        ((F(1), F(1), F(-1), F(1)), F(-1, 8)),
        ((F(1), F(0), F(1), F(-1)), F(1, 8)),
        ((F(0), F(1), F(1), F(-1)), F(-1, 4)),
        ((F(1), F(-1), F(0), F(1)), F(1, 8)),
        ((F(1), F(0), F(0), F(-1)), F(0)),
    ]
    assert _cells_missed(forms, [0.0] * 4, seed, spread=0.6) == 0


@pytest.mark.parametrize("seed", range(3))
def test_both_steps_around_a_corner_stay_in_its_quarter(seed: int) -> None:
    """x = 0 and y = 0 meet 0.01 from x + y = 0.01: the near and the generic step into a quarter of their
    corner land in the same cell (the generic step is cut to the corner's room, not 0.05-0.5), so every
    point says what it was taken for."""
    ex, ey = _units(2)
    forms = [(ex, F(0)), (ey, F(0)), ((F(1), F(1)), F(-1, 100))]
    found = find_corners(_breakpoints(forms), [], random.Random(seed), lambda: None)
    at_origin = [c for c in found.corners if max(abs(v) for v in c.at) < 1e-12]
    assert at_origin
    points = corner_points(cells.Corners(tuple(at_origin), found.complete), random.Random(seed + 1))
    assert len(points) == 8  # four quarters, a near and a generic step each
    for near, generic in zip(points[::2], points[1::2], strict=True):
        assert _signs(forms, [near]) == _signs(forms, [generic]), (near, generic)


def test_no_corner_for_fewer_than_two_breakpoints_nor_for_parallel_ones() -> None:
    """The common case pays nothing: a key with one breakpoint has no corner; parallel ones (x = 1 and
    x = 2) meet nowhere (the scan lines cross them all)."""
    one = [Breakpoint(fn, _one(x - 1, NAMES)) for fn in _compiled(x - 1)]
    assert find_corners(one, [(0.0, 0.0)], random.Random(1), lambda: None).corners == ()
    parallel = [Breakpoint(fn, _one(g, NAMES)) for g, fn in zip((x - 1, 2 * x - 4), _compiled(x - 1, 2 * x - 4))]
    assert find_corners(parallel, [(0.0, 0.0)], random.Random(1), lambda: None).corners == ()


def test_too_many_corners_is_not_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_CORNERS the corners do not reach every cell: they say so, and "equal" becomes undecided
    (a proof, or unsure), never a verdict the numbers give alone."""
    monkeypatch.setattr(cells, "MAX_CORNERS", 2)
    key = sympy.Heaviside(x - 1000) * sympy.Heaviside(y - 1000) * sympy.Heaviside(x + y - 2500)
    answer = sympy.Piecewise((1, (x > 1000) & (y > 1000) & (x + y > 2500)), (0, True))
    bps = [Breakpoint(fn, _one(g, NAMES)) for g, fn in prepare(key, NAMES).bp_fns]
    assert not find_corners(bps, [], random.Random(1), lambda: None).complete
    status = equivalent(prepare(key, NAMES), prepare(answer, NAMES), random.Random(1), deadline_checker(None)).status
    assert status == "undecided"


def test_curved_breakpoints_meet_where_newton_takes_them() -> None:
    """x y = 10^6 and x = y meet at (1000, 1000) (and (-1000, -1000)): from a point on the hyperbola,
    Gauss-Newton reaches a corner, and its four quarters get points."""
    gs = (x * y - 10**6, x - y)
    bps = [Breakpoint(fn, _one(g, NAMES)) for g, fn in zip(gs, _compiled(*gs))]
    found = find_corners(bps, [(2000.0, 500.0), (0.0, 3.0)], random.Random(1), lambda: None)
    assert any(abs(c.at[0] - 1000) < 1e-6 and abs(c.at[1] - 1000) < 1e-6 for c in found.corners)
    points = corner_points(found, random.Random(2))
    signs = {(p[0] * p[1] > 10**6, p[0] > p[1]) for p in points if p[0] > 0}
    assert len(signs) == 4


def test_the_steps_are_drawn_from_the_answers_seed() -> None:
    """The corners are the key's; the points around them come from the answer's seed: the same seed gives
    the same points, another seed other ones."""
    bps = [Breakpoint(fn, _one(g, NAMES)) for g, fn in zip((x - 1000, y - 1000), _compiled(x - 1000, y - 1000))]
    found = find_corners(bps, [], random.Random(1), lambda: None)
    assert corner_points(found, random.Random(5)) == corner_points(found, random.Random(5))
    assert corner_points(found, random.Random(5)) != corner_points(found, random.Random(6))


def test_a_corner_floats_cannot_hold_makes_the_corners_incomplete() -> None:
    """x = 10^400 and y = 0 meet past the floats' range: no point can be taken there, so the corners do
    not vouch for every cell (equal is then undecided, never correct from the numbers alone)."""
    forms = [((F(1), F(0)), F(-(10**400))), ((F(0), F(1)), F(0))]
    assert not find_corners(_breakpoints(forms), [], random.Random(1), lambda: None).complete
    near = [((F(1), F(0)), F(-1000)), ((F(0), F(1)), F(0))]
    assert find_corners(_breakpoints(near), [], random.Random(1), lambda: None).complete


@pytest.mark.parametrize(("a", "b"), [(3, 5), (1000, 1000), (-(10**6), 10**6)])
def test_a_piecewise_affine_key_has_a_point_in_every_cell(a: int, b: int) -> None:
    """Heaviside(x - max(0, y - b) - a), sympy's derivative of max(x - a, y - b, 0), breaks along x = a
    (y < b) and x - y = a - b (y > b), and its max along y = b: all four sign patterns of the two
    breakpoints get points, at the far corner too, through the pieces, without Newton."""
    gs = (x - sympy.Max(0, y - b) - a, b - y)
    bps = [Breakpoint(fn, affine_pieces(g, NAMES)) for g, fn in zip(gs, _compiled(*gs))]
    assert all(bp.pieces is not None for bp in bps)
    found = find_corners(bps, [], random.Random(1), lambda: None)
    points = corner_points(found, random.Random(2))
    signs = {(p[0] - max(0.0, p[1] - b) - a > 0, b - p[1] > 0) for p in points}
    assert signs == {(True, True), (True, False), (False, True), (False, False)}
