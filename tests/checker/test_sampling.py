from __future__ import annotations

import random

import sympy

from quizgen.checker.sampling import breakpoint_exprs, breakpoint_points, compile_breakpoints

from .conftest import NAMES
from .conftest import X as x
from .conftest import Y as y


def test_breakpoints_come_from_every_branching_node() -> None:
    expr = sympy.Max(x, 0) + sympy.Heaviside(y - 1) + sympy.Piecewise((1, x > y), (0, True)) + sympy.Abs(x + y)
    found = breakpoint_exprs([expr])
    for g in (x, y - 1, x - y, x + y):
        assert any(sympy.simplify(g - h) == 0 or sympy.simplify(g + h) == 0 for h in found), g


def test_points_straddle_each_breakpoint() -> None:
    g = 2 * x + 1
    pts = breakpoint_points(compile_breakpoints([g], NAMES), 2, random.Random(3), lambda: None)
    values = [2 * p[0] + 1 for p in pts]
    assert any(0 < v < 1e-4 for v in values) and any(-1e-4 < v < 0 for v in values)
    assert not any(v == 0 for v in values)


def test_no_cap_on_breakpoints() -> None:
    # 20 breakpoints: every one is found (the old cap was 12)
    expr = sum(sympy.Heaviside(x - i) for i in range(1, 21))
    assert len(breakpoint_exprs([expr])) == 20


def test_far_breakpoints_are_straddled() -> None:
    for where in (700.0, -1e7, 1e12):
        pts = breakpoint_points(compile_breakpoints([x - where], NAMES), 2, random.Random(5), lambda: None)
        assert any(0 < p[0] - where <= 1e-7 * abs(where) for p in pts), where
        assert any(0 < where - p[0] <= 1e-7 * abs(where) for p in pts), where


def test_the_middle_of_a_strip_between_two_breakpoints_is_sampled() -> None:
    lo, hi = 1.0, 1.0 + 1e-11
    gs = compile_breakpoints([x - 1, 1 + sympy.Rational(1, 10**11) - x], NAMES)
    pts = breakpoint_points(gs, 2, random.Random(9), lambda: None)
    assert any(lo < p[0] < hi for p in pts)


def test_breakpoints_come_in_sympy_tree_order() -> None:
    """The order decides which lines and probes each breakpoint gets (and so every sample point): it is the
    order of sympy.preorder_traversal, nested branches and Max/Min's argument sets included."""
    z = sympy.Symbol("z")
    expr = sympy.Piecewise((sympy.Max(x, y, 2 * z) + sympy.Abs(y - 1), x > y), (sympy.Min(x, sympy.sign(z)), True))
    expected: list[sympy.Basic] = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, (sympy.Max, sympy.Min)):
            gs = [node.args[i] - node.args[j] for i in range(len(node.args)) for j in range(i + 1, len(node.args))]
        elif isinstance(node, (sympy.Heaviside, sympy.sign, sympy.Abs)):
            gs = [node.args[0]]
        elif isinstance(node, sympy.core.relational.Relational):
            gs = [node.lhs - node.rhs]
        else:
            gs = []
        expected.extend(g for g in gs if g.free_symbols and g not in expected)
    assert breakpoint_exprs([expr]) == expected


def test_a_region_far_out_along_an_axis_is_straddled_whatever_the_seed() -> None:
    """y > x^2 + c, where relu(x^2 - y + c) has derivative 0, is a thin share of every probe box and only
    steep lines cross it: the axes through the origin find it when the random lines and probes do not, and
    points inside it off the axis x = 0 are sampled (2*x, wrong there, is 0 on that axis as the key is)."""
    for c in (4, 9, 30, 57):
        g = x**2 - y + c
        fns = compile_breakpoints([g], NAMES)
        for seed in range(40):
            pts = breakpoint_points(fns, 2, random.Random(seed), lambda: None)
            assert any(p[0] ** 2 - p[1] + c < 0 and abs(p[0]) > 1e-3 for p in pts), (c, seed)
            assert any(p[0] ** 2 - p[1] + c > 0 for p in pts), (c, seed)


def test_a_small_region_off_the_axes_is_found_by_walking_downhill() -> None:
    """A disc far from the origin (where relu(r^2 - (x - a)^2 - (y - b)^2) has a nonzero derivative) is a
    small share of every probe box and off both axes: the walk from the probe points finds it, and points
    inside it are sampled, whatever the seed."""
    for a, b, r in ((5, 5, 1), (20, -20, 3), (7, -3, sympy.Rational(3, 10)), (1000, 1000, 10)):
        g = r**2 - (x - a) ** 2 - (y - b) ** 2
        fns = compile_breakpoints([g], NAMES)
        for seed in range(20):
            pts = breakpoint_points(fns, 2, random.Random(seed), lambda: None)
            assert any(float(r) ** 2 - (p[0] - a) ** 2 - (p[1] - b) ** 2 > 0 for p in pts), (a, b, r, seed)


def test_a_breakpoint_of_one_sign_adds_no_point() -> None:
    """x^2 + y^2 + 1 is positive everywhere: the walk ends at its minimum and there is nothing to straddle."""
    fns = compile_breakpoints([x**2 + y**2 + 1], NAMES)
    assert breakpoint_points(fns, 2, random.Random(1), lambda: None) == []
