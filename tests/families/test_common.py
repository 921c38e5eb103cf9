"""plain(): prompts and worked steps in the notation students type, and it must read back as the same function."""

from __future__ import annotations

import pytest
import sympy

from quizgen.checker import check
from quizgen.families._common import plain

x, y = sympy.symbols("x y")


def _ind(value: sympy.Expr, cond: sympy.Basic) -> sympy.Expr:
    return sympy.Piecewise((value, cond), (0, True))


CASES = [
    (sympy.Max(x, y, evaluate=False), "max(x, y)"),
    (sympy.Max(0, 2 * x + 1, evaluate=False), "max(0, 2*x + 1)"),
    (_ind(1, x > y), "1(x > y)"),
    (_ind(3, 3 * x - 4 > 0), "3*1(x > 4/3)"),  # sympy solves the condition
    (_ind(x - y, x > y) + 1, "(x - y)*1(x > y) + 1"),
    (sympy.Pow(_ind(2 * x, x > 0), 2, evaluate=False), "(2*x*1(x > 0))^2"),
    (sympy.Mul(x, sympy.Pow(_ind(2 * x + 1, x > 0), -1, evaluate=False), evaluate=False), "x/((2*x + 1)*1(x > 0))"),
    (3 * sympy.log(x**2 + 2), "3*ln(x^2 + 2)"),
    (sympy.Abs(x) * y, "y*abs(x)"),
    (sympy.Piecewise((x, x > 0), (y, True)), "Piecewise((x, x > 0), (y, True))"),
]


@pytest.mark.parametrize(("expr", "text"), CASES)
def test_plain_uses_the_course_notation(expr: sympy.Basic, text: str) -> None:
    assert plain(expr) == text


@pytest.mark.parametrize(("expr", "text"), CASES)
def test_plain_text_reads_back_as_the_same_function(expr: sympy.Basic, text: str) -> None:
    assert check(str(expr), plain(expr), ["x", "y"]).verdict == "correct"
