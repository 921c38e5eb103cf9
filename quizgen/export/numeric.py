"""Keys as numbers: parse key strings safely and compare candidate answers by sampling.

Multiple choice needs distractors that differ from the key and from each other as functions, not as
strings ("2*x*y" and "2*y*x" are one choice). Keys are parsed with quizgen.mathparse.parse_key (never
sympify) and evaluated exactly at fixed rational points on both sides of zero, so the same inputs always
give the same verdicts.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import overload

import sympy

from quizgen.mathparse import parse_key
from quizgen.typeset.printing import tex

Answer = str | list[str]

_SAMPLE_SEED = 20240611
_SAMPLES = 8


@dataclass(frozen=True)
class KeyValue:
    """A key or buggy key parsed once: its sympy components (one for a scalar)."""

    components: tuple[sympy.Expr, ...]
    is_vector: bool

    @functools.cached_property
    def latex(self) -> str:
        """latex_of the components, printed when first read: most buggy keys and generic distractors are
        compared and dropped, never shown."""
        return latex_of(self.components, self.is_vector)


def parse(answer: Answer, variables: Sequence[str]) -> KeyValue:
    """Parse a key in sympy str() form (a list for a gradient) with the safe key parser."""
    if isinstance(answer, list):
        return KeyValue(tuple(_scalar(parse_key(part, list(variables)).value) for part in answer), True)
    value = parse_key(answer, list(variables)).value
    if isinstance(value, tuple):
        return KeyValue(tuple(value), True)
    return KeyValue((value,), False)


def latex_of(components: Sequence[sympy.Expr], is_vector: bool) -> str:
    """One LaTeX style for every choice (the key must not stand out): sympy's printer, vectors in ( ).

    Printed with the shared cached printer (the same bytes as sympy.latex): an export prints the same keys
    and distractors many times, and sympy's printer was most of a STACK export's time."""
    parts = [tex(_indicators(c)) for c in components]
    return r"\left(" + ",\\ ".join(parts) + r"\right)" if is_vector else parts[0]


def _scalar(value: sympy.Expr | tuple[sympy.Expr, ...]) -> sympy.Expr:
    if isinstance(value, tuple):
        raise ValueError("a gradient component is itself a vector")
    return value


def _indicators(expr: sympy.Expr) -> sympy.Expr:
    """expr with each Heaviside step written as the indicator it is (rebuilt only when there is one)."""
    return expr.replace(sympy.Heaviside, _heaviside_as_indicator) if expr.has(sympy.Heaviside) else expr


def _heaviside_as_indicator(arg: sympy.Expr, *_: sympy.Expr) -> sympy.Expr:
    return sympy.Piecewise((1, arg > 0), (0, True))


def sample_points(variables: Sequence[str], count: int = _SAMPLES) -> list[dict[str, sympy.Rational]]:
    """Fixed rational points in [-3, 3], never 0 and never equal coordinates (no point on a kink of max).

    Drawn once per list of variables (every variant of a slot asks for the same points); the points are
    shared, so they must not be changed."""
    return list(_sample_points(tuple(variables), count))


@functools.lru_cache(maxsize=256)
def _sample_points(variables: tuple[str, ...], count: int) -> tuple[dict[str, sympy.Rational], ...]:
    rng = random.Random(_SAMPLE_SEED)
    points: list[dict[str, sympy.Rational]] = []
    while len(points) < count:
        values: dict[str, sympy.Rational] = {}
        used: set[Fraction] = set()
        for name in variables:
            while True:
                frac = Fraction(rng.randint(-39, 39), rng.choice((7, 11, 13)))
                if frac != 0 and frac not in used:
                    break
            used.add(frac)
            values[name] = sympy.Rational(frac.numerator, frac.denominator)
        points.append(values)
    return tuple(points)


def evaluate(expr: sympy.Expr, point: dict[str, sympy.Rational]) -> float:
    """The real value of expr at point, or nan where it is undefined or not real."""
    try:
        subs = {s: point[s.name] for s in expr.free_symbols if getattr(s, "name", None) in point}
        value = sympy.N(expr.xreplace(subs), 15)
        if value.free_symbols or not value.is_real:
            return math.nan
        result = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return math.nan
    return result if math.isfinite(result) else math.nan


class Signature(Sequence[float]):
    """The values of every component at every point (component by component), each evaluated when it is
    first read: two answers are the same choice iff these agree, and most distractors already differ
    from the key at the first point, so most of the other points are never evaluated."""

    def __init__(self, components: tuple[sympy.Expr, ...], points: Sequence[dict[str, sympy.Rational]]) -> None:
        self._components = components
        self._points = points
        self._values: list[float | None] = [None] * (len(components) * len(points))

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, index: int) -> float: ...
    @overload
    def __getitem__(self, index: slice) -> list[float]: ...
    def __getitem__(self, index: int | slice) -> float | list[float]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]  # a negative index counts from the end; out of range raises IndexError
        value = self._values[index]
        if value is None:
            component, point = divmod(index, len(self._points))
            value = self._values[index] = evaluate(self._components[component], self._points[point])
        return value


_signatures: dict[object, Signature] = {}
_SIGNATURE_LIMIT = 20_000


def signature(key: KeyValue, points: Sequence[dict[str, sympy.Rational]]) -> Signature:
    """The values of every component at every point: two answers are the same choice iff these agree.

    Remembered (a pure function of exact expressions and rational points): the choices and the STACK
    feedback tree both sign the same key and mistakes, and variants of a slot repeat many of them."""
    memo_key = (key.components, tuple(tuple(p.items()) for p in points))
    hit = _signatures.get(memo_key)
    if hit is None:
        if len(_signatures) >= _SIGNATURE_LIMIT:
            _signatures.clear()
        hit = _signatures[memo_key] = Signature(key.components, points)
    return hit


def same_values(a: Sequence[float], b: Sequence[float], *, rel: float = 1e-9) -> bool:
    """True when a and b agree wherever either is defined (nan against a number is a difference).

    Read in order and only as far as the first difference (a Signature evaluates only what is read)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if math.isnan(x) and math.isnan(y):
            continue
        if math.isnan(x) or math.isnan(y):
            return False
        if abs(x - y) > rel * max(1.0, abs(x), abs(y)):
            return False
    return True


def to_float(expr: sympy.Expr) -> float:
    """A constant key's value (a value-at-a-point answer)."""
    return evaluate(expr, {})


def tolerance(value: float) -> float:
    """Absolute tolerance for a numeric answer: 0.1% of the value, at least 0.001."""
    return max(1e-3, 1e-3 * abs(value))


def format_number(value: float) -> str:
    """A short, exact-enough decimal for the LMS: integers without '.0', else up to 10 significant digits."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.10g}"
    return text
