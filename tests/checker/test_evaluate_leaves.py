"""Sums and products read their numbers and variables inline (evaluate._BINARY): the values must be the
ones a closure per node gives, bit for bit, in the float and mpmath backends."""

from __future__ import annotations

import math
import random

import sympy

from quizgen.checker.evaluate import FLOAT, MP, MPX, compile_expr, run_float, run_mp

x, y, z = sympy.symbols("x y z")
NAMES = {"x": 0, "y": 1, "z": 2}


def _by_node(e: sympy.Basic, p: tuple[float, ...]) -> float:
    """The float value of e node by node, each sum and product folded left to right in sympy's order."""
    if isinstance(e, sympy.Symbol):
        return p[NAMES[e.name]]
    if isinstance(e, sympy.Integer):
        return float(e.p)
    if isinstance(e, (sympy.Add, sympy.Mul)):
        values = [_by_node(a, p) for a in e.args]
        out = values[0]
        for v in values[1:]:
            out = out + v if isinstance(e, sympy.Add) else out * v
        return out
    if isinstance(e, sympy.Pow) and e.exp == 2:
        v = _by_node(e.base, p)
        return v * v
    if isinstance(e, sympy.Pow) and isinstance(e.exp, sympy.Integer):
        return _by_node(e.base, p) ** int(e.exp)
    if isinstance(e, sympy.exp):
        return math.exp(_by_node(e.args[0], p))
    raise AssertionError(f"not covered: {e}")


CASES = [
    96 * x - 72 * y + 72,
    x * y,
    x + y,
    3 * x * y * z,
    x * sympy.exp(x) + y,
    sympy.exp(x) * 7 + y * x**2,
    -x,
    x**2 + y**2 - z**2,
    2 * x**3 * y - 5,
    x * y + y * z + 1,
    (x + 1) * (y - 2) * z,
    10**20 * x - 10**20 * y + 3,
]


def test_sums_and_products_are_bit_identical_to_a_closure_per_node() -> None:
    rng = random.Random(14)
    for e in CASES:
        fn = compile_expr(e, NAMES, FLOAT)
        for _ in range(50):
            p = (rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3))
            got = run_float(fn, p)
            want = _by_node(e, p)
            assert got == want and math.copysign(1, got) == math.copysign(1, want), (e, p)


def test_mpmath_backend_gives_the_same_values_inline() -> None:
    rng = random.Random(15)
    for e in CASES:
        fn = compile_expr(e, NAMES, MP)
        for _ in range(10):
            p = tuple(MPX.mpf(rng.uniform(-3, 3)) for _ in range(3))
            want = sympy.N(e.subs({x: sympy.Float(p[0], 60), y: sympy.Float(p[1], 60), z: sympy.Float(p[2], 60)}), 50)
            assert (
                abs(run_mp(fn, p) - MPX.mpf(str(want)))
                <= abs(MPX.mpf(str(want))) * MPX.mpf(10) ** -40 + MPX.mpf(10) ** -40
            )


def test_unknown_variable_in_a_product_is_unsupported() -> None:
    from quizgen.checker.evaluate import Unsupported

    try:
        compile_expr(3 * x * sympy.Symbol("w"), NAMES, FLOAT)
    except Unsupported:
        return
    raise AssertionError("a variable outside the mapping must be refused")
