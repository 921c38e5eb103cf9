from __future__ import annotations

import pytest
import sympy
from exporttools import maxima_to_key

from quizgen.export import numeric
from quizgen.export.maxima import MaximaError, to_maxima, uses_nonsmooth

x, y, b = sympy.symbols("x y b", real=True)

CASES = [
    (3 * (2 * x**2) ** 5, "96*x^10"),
    (x - 3, "x-3"),
    (sympy.exp(-x) / (1 + sympy.exp(-x)), "exp(-x)/(1+exp(-x))"),
    (-sympy.Rational(3, 2) * x * y**2, "-3*x*y^2/2"),
    (sympy.Piecewise((1, x > y), (0, True)), "((1+signum(x-y))/2)"),
    (sympy.Max(0, 2 * x + 1), "max(0,1+2*x)"),
    (sympy.sqrt(x**2 + 1), "sqrt(1+x^2)"),
    (sympy.E * sympy.log(x) + sympy.pi, "%pi+%e*log(x)"),
    (sympy.Abs(x) * sympy.sign(y), "abs(x)*signum(y)"),
]


@pytest.mark.parametrize(("expr", "text"), CASES)
def test_prints_maxima_syntax(expr: sympy.Expr, text: str) -> None:
    assert to_maxima(expr) == text


MORE = CASES + [
    (2 * sympy.Heaviside(2 * x + 1), None),
    (sympy.Piecewise((3 * x, x > 0), (1, True)), None),
    (-sympy.Piecewise((1, x < y), (0, True)) * (x + b), None),
    ((x + 1) ** -3 - 2 / x + sympy.sin(x) ** 2 * sympy.cos(y), None),
    (sympy.tanh(x * y) / sympy.sqrt(x**2 + y**2 + 1), None),
]


@pytest.mark.parametrize(("expr", "_text"), MORE)
def test_maxima_text_means_the_same_function(expr: sympy.Expr, _text: str | None) -> None:
    names = sorted(s.name for s in expr.free_symbols)
    back = numeric.parse(maxima_to_key(to_maxima(expr)), names)
    original = numeric.KeyValue((expr,), False)
    points = numeric.sample_points(names)
    assert numeric.same_values(numeric.signature(back, points), numeric.signature(original, points))


def test_unsupported_expressions_raise() -> None:
    with pytest.raises(MaximaError):
        to_maxima(sympy.Piecewise((1, x > 0), (2, y > 0), (0, True)))
    with pytest.raises(MaximaError):
        to_maxima(sympy.gamma(x))


def test_nonsmooth_detection() -> None:
    assert uses_nonsmooth(sympy.Max(x, y))
    assert uses_nonsmooth(sympy.Piecewise((1, x > y), (0, True)))
    assert not uses_nonsmooth(x**2 * sympy.exp(y))
