from __future__ import annotations

import random

import sympy

from quizgen.checker.sampling import breakpoint_exprs, breakpoint_points, compile_breakpoints

from .conftest import NAMES, X as x, Y as y


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
