from __future__ import annotations

import pytest

from quizgen.checker import check
from quizgen.notation import key_text, student_notation

CASES = [
    ("Max(x, y)", "max(x, y)"),
    ("Piecewise((1, x > y), (0, True))", "1(x > y)"),
    ("Piecewise((x - y, x > y), (0, True)) + 1", "(x - y)*1(x > y) + 1"),
    ("3*Piecewise((2*x, x > 0), (0, True))**2", "3*(2*x*1(x > 0))^2"),
    ("x/Piecewise((2*x + 1, x > 0), (0, True))", "x/((2*x + 1)*1(x > 0))"),
    ("Piecewise((Piecewise((1, y > 0), (0, True)), x > 0), (0, True))", "1(y > 0)*1(x > 0)"),
    ("3*log(x**2 + 2) + Abs(y) - Min(x, y)", "3*ln(x^2 + 2) + abs(y) - min(x, y)"),
    ("Piecewise((x, x > 0), (y, True))", "Piecewise((x, x > 0), (y, True))"),
    ("exp(3*x**2)*Heaviside(x)", "exp(3*x^2)*Heaviside(x)"),
]


@pytest.mark.parametrize(("sympy_text", "shown"), CASES)
def test_student_notation(sympy_text: str, shown: str) -> None:
    assert student_notation(sympy_text) == shown


@pytest.mark.parametrize(("sympy_text", "shown"), CASES)
def test_student_notation_reads_back_as_the_same_function(sympy_text: str, shown: str) -> None:
    assert check(sympy_text, shown, ["x", "y"]).verdict == "correct"


def test_key_text_brackets_a_gradient() -> None:
    assert key_text(["2*x", "Piecewise((1, x > y), (0, True))"]) == "[2*x, 1(x > y)]"
    assert key_text("12*x**2*y**2*z") == "12*x^2*y^2*z"
