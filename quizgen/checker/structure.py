"""Is the answer shaped like the key? If not, sampling alone may not stand behind "equal".

Exact and high-precision comparison at a point of every cell catches any difference that is visible at a
generic point: polynomial and rational differences (exactly), and others at a precision set by the
constants typed (equivalence.py). What it cannot see is a difference that is below every precision almost
everywhere: a narrow bump `exp(-(300(u-2))^2)`, which only a function that decays faster than any power
can make (exp and its relatives, a power with a variable exponent, gamma), or a jump (floor, ceiling), or
a breakpoint sampling did not straddle. So an answer needs a symbolic proof (core.py, in the worker)
before it is called correct when it has structure the key lacks:
- an exponential-like function or a jump function the key does not use;
- an argument of an exponential-like function that is not a small rational multiple (numerator and
  denominator at most 12) of one of the key's arguments (exp(2x)*exp(x) for exp(3x) is shaped like it;
  exp(-90000 x^2) for exp(x) is not);
- a breakpoint that is not a constant multiple of one of the key's (the cells would not be the key's),
  unless its zero set lies on the hyperplanes of the key's piecewise-affine breakpoints (cells.affine_pieces:
  the sampling's cells are those of the hyperplanes, so they are the key's): `1(x - a > y - b)*1(x > a)` for
  sympy's `Heaviside(x - max(0, y - b) - a)`.
Algebraic, trigonometric and logarithmic parts (sqrt, sin, log, atan, |x|, indicators) cannot fall below
the precision used at a generic point without constants that raise that precision, so answers shaped like
the key, the common case, never pay for a proof.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Protocol

import sympy

from quizgen.checker.cells import Affine, Breakpoint, affine_pieces, plane
from quizgen.checker.evaluate import FLOAT, Unsupported, compile_expr, run_float


class Compiled(Protocol):
    """What new_structure reads of a compiled expression (quizgen.checker.equivalence.Compiled, which
    imports this module: a protocol here keeps the import one way)."""

    @property
    def signature(self) -> Any: ...

    breakpoints: list[sympy.Basic]
    names: dict[str, int]

    @property
    def cell_breakpoints(self) -> Sequence[Breakpoint]: ...


EXP_LIKE = (
    sympy.exp,
    sympy.sinh,
    sympy.cosh,
    sympy.tanh,
    sympy.coth,
    sympy.sech,
    sympy.csch,
    sympy.gamma,
    sympy.factorial,
)
JUMPS = (sympy.floor, sympy.ceiling)
MAX_RATIO_TERMS = 12
PROBES = (
    (0.6180339887, 1.3247179572, 0.4142135624, 1.7320508076, 0.5772156649, 2.2360679775, 1.2020569032, 0.9159655942),
    (1.4142135623, 0.7071067812, 1.6180339887, 0.3819660113, 2.7182818285, 0.6931471806, 1.0986122887, 0.2718281828),
    (
        -0.8660254038,
        1.9318516526,
        -1.2599210499,
        0.4472135955,
        -2.0943951024,
        1.5707963268,
        -0.3183098862,
        1.1283791671,
    ),
)
"""Fixed irrational-looking points for the numeric ratio tests (deterministic, no rng)."""


def signature(expr: sympy.Basic) -> tuple[set[str], list[sympy.Basic]]:
    """The exponential-like and jump functions used, and the arguments of the exponential-like ones."""
    heads: set[str] = set()
    args: list[sympy.Basic] = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, EXP_LIKE[:7]):
            heads.add("exp")  # exp, sinh, cosh, tanh, ... are rational functions of exp: one kind
            args.extend(node.args)
        elif isinstance(node, EXP_LIKE):
            heads.add(type(node).__name__)
            args.extend(node.args)
        elif isinstance(node, JUMPS):
            heads.add(type(node).__name__)
        elif isinstance(node, sympy.Pow) and node.exp.free_symbols:
            heads.add("a power with a variable exponent")
            args.extend(node.args)
    return heads, args


def _values(e: sympy.Basic, names: dict[str, int]) -> list[float] | None:
    try:
        fn = compile_expr(e, names, FLOAT)
    except Unsupported:
        return None
    out = []
    n = len(names)
    for probe in PROBES:
        p = tuple(probe[i % len(probe)] * (1 + i // len(probe)) for i in range(n))
        v = run_float(fn, p)
        if not isinstance(v, float):
            return None
        out.append(v)
    return out


def _ratio(a: list[float], b: list[float]) -> float | None:
    """a / b if it is the same at every probe, else None."""
    r = None
    for x, y in zip(a, b):
        if y == 0 or x == 0:
            if x != y:
                return None
            continue
        q = x / y
        if r is None:
            r = q
        elif abs(q - r) > 1e-9 * abs(r):
            return None
    return r


def _small_rational(r: float) -> bool:
    f = Fraction(r).limit_denominator(MAX_RATIO_TERMS)
    return abs(f.numerator) <= MAX_RATIO_TERMS and math.isclose(float(f), r, rel_tol=1e-9)


def new_structure(key: Compiled, answer: Compiled) -> str | None:
    """What the answer has that the key lacks (a short phrase), or None when it is shaped like the key."""
    kh, ka = key.signature
    ah, aa = answer.signature
    key_breaks, answer_breaks, names = key.breakpoints, answer.breakpoints, key.names
    extra = sorted(ah - kh)
    if extra:
        return f"a function the expected answer does not use ({extra[0]})"
    kvals = None
    for a in aa:
        if any(a == b for b in ka):
            continue
        av = _values(a, names)
        if kvals is None:
            kvals = [_values(b, names) for b in ka]
        if av is None or not any(
            bv is not None and (r := _ratio(av, bv)) is not None and _small_rational(r) for bv in kvals
        ):
            return "a function argument the expected answer does not have"
    kb = None
    planes: set[Affine] | None = None
    for g in answer_breaks:
        if any(g == h or g == -h for h in key_breaks):
            continue
        gv = _values(g, names)
        if kb is None:
            kb = [_values(h, names) for h in key_breaks]
        if gv is not None and any(hv is not None and _ratio(gv, hv) is not None for hv in kb):
            continue
        if planes is None:
            planes = {plane(f) for bp in key.cell_breakpoints if bp.pieces for f in bp.pieces}
        own = affine_pieces(g, names) if planes else None
        if not own or any(plane(f) not in planes for f in own):
            return "a breakpoint the expected answer does not have"
    return None
