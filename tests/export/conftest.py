"""Fixtures for the export tests: hand-built Problems covering every question shape, and a quiz.

If the real key parser (quizgen.mathparse.parse_key) is not installed yet, a tiny allow-list parser over
Python's ast (no eval) stands in for it, so these tests exercise the exporters either way.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
import sympy

import quizgen.mathparse as mathparse
from quizgen.problem import Mistake, Problem, Step

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO.parent / "shared" / "lms-schemas"


@dataclass(frozen=True)
class _Parsed:
    value: object
    text: str
    latex: str


_FUNCS = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "Abs": sympy.Abs, "sign": sympy.sign,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "Max": sympy.Max, "Min": sympy.Min,
    "Heaviside": sympy.Heaviside, "Piecewise": sympy.Piecewise,
}
_CONSTS = {"E": sympy.E, "pi": sympy.pi, "True": sympy.true, "False": sympy.false}


def _build(node: ast.AST) -> object:
    if isinstance(node, ast.Expression):
        return _build(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Float(node.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return sympy.true if node.value else sympy.false
    if isinstance(node, ast.Name):
        return _CONSTS.get(node.id) or sympy.Symbol(node.id, real=True)
    if isinstance(node, ast.Tuple):
        return tuple(_build(e) for e in node.elts)
    if isinstance(node, ast.List):
        return tuple(_build(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_build(node.operand)
    if isinstance(node, ast.BinOp):
        a, b = _build(node.left), _build(node.right)
        ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
               ast.Div: lambda: sympy.Rational(a, b) if a.is_Integer and b.is_Integer else a / b,
               ast.Pow: lambda: a**b}
        return ops[type(node.op)]()
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        a, b = _build(node.left), _build(node.comparators[0])
        op = {ast.Gt: sympy.Gt, ast.Lt: sympy.Lt, ast.GtE: sympy.Ge, ast.LtE: sympy.Le}[type(node.ops[0])]
        return op(a, b)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS:
        return _FUNCS[node.func.id](*[_build(a) for a in node.args])
    raise ValueError(f"unsupported key syntax: {ast.dump(node)[:60]}")


def _fallback_parse_key(text: str, variables=None) -> _Parsed:  # noqa: ANN001
    value = _build(ast.parse(text.strip(), mode="eval"))
    latex = r"\left(" + ", ".join(sympy.latex(v) for v in value) + r"\right)" if isinstance(value, tuple) else sympy.latex(value)
    return _Parsed(value, str(value), latex)


if not hasattr(mathparse, "parse_key"):
    mathparse.parse_key = _fallback_parse_key  # type: ignore[attr-defined]


def make_problem(
    *, slot: int = 1, family: str = "product_rule", ask: str = "partial", function: str = "3*x**2*y",
    variables: tuple[str, ...] = ("x", "y"), wrt: tuple[str, ...] = ("x",), point=None,  # noqa: ANN001
    answer: str | list[str] = "6*x*y", answer_latex: str = "6 x y", mistakes: tuple[Mistake, ...] = (),
    prompt: str = "Let $f(x, y) = 3 x^{2} y$. Find $\\frac{\\partial f}{\\partial x}$.",
) -> Problem:
    return Problem(
        slot=slot, family=family, difficulty=1, points=2.0, ask=ask,  # type: ignore[arg-type]
        prompt_text="Let f(x, y) = 3*x**2*y. Find df/dx.", prompt_latex=prompt,
        function=function, function_latex=sympy.latex(_fallback_parse_key(function).value),
        variables=list(variables), wrt=list(wrt), point=point, answer=answer, answer_latex=answer_latex,
        steps=[Step("Hold y constant and use the power rule.", r"\frac{\partial f}{\partial x} = 6 x y")],
        mistakes=list(mistakes),
    )


def sample_problems() -> dict[int, list[Problem]]:
    """Every question shape: symbolic partial, indicator, gradient, value, gradient value."""
    partial = [
        make_problem(function=f"{k}*x**2*y", answer=f"{2 * k}*x*y", answer_latex=f"{2 * k} x y",
                     mistakes=(Mistake("wrong_var", f"{k}*x**2", "You differentiated with respect to y."),
                               Mistake("off_by_one_exp", f"{2 * k}*x**2*y", "The exponent drops by one."),
                               Mistake("same_as_key", f"{2 * k}*y*x", "Duplicate of the key: must be dropped.")))
        for k in (2, 3, 5)
    ]
    indicator = [
        make_problem(slot=2, family="max_partial", function="Max(x, y)", answer="Piecewise((1, x > y), (0, True))",
                     answer_latex=r"\mathbb{1}(x > y)",
                     mistakes=(Mistake("wrong_side", "Piecewise((1, x < y), (0, True))", "Wrong side of max."),),
                     prompt="Let $f(x, y) = \\max(x, y)$. Find $\\frac{\\partial f}{\\partial x}$.")
        for _ in range(2)
    ]
    gradient = [
        make_problem(slot=3, family="gradient", ask="gradient", function=f"x**2*y + {k}*y", wrt=("x", "y"),
                     answer=["2*x*y", f"x**2 + {k}"], answer_latex=rf"\left(2 x y, x^{{2}} + {k}\right)",
                     mistakes=(Mistake("swapped_components", [f"x**2 + {k}", "2*x*y"], "Swapped components."),))
        for k in (1, 4)
    ]
    value = [
        make_problem(slot=4, family="neuron", ask="value", function="w*x + b", variables=("w", "x", "b"),
                     wrt=("w",), point={"w": 1, "x": k, "b": 0}, answer=str(k), answer_latex=str(k),
                     mistakes=(Mistake("wrong_var", "1", "That is the derivative with respect to x."),))
        for k in (3, 7)
    ]
    grad_value = [
        make_problem(slot=5, family="gradient", ask="value", function="x**2*y", wrt=("x", "y"),
                     point={"x": 1, "y": 2}, answer=["4", "1"], answer_latex=r"\left(4, 1\right)")
    ]
    return {1: partial, 2: indicator, 3: gradient, 4: value, 5: grad_value}


@pytest.fixture(scope="session")
def quiz():  # noqa: ANN201
    from quizgen.export.items import build_quiz

    return build_quiz(title="Calc & <NN> ]]> \"quotes\" 'single' — ünïcødé / slash", bank_id="demo", seed=7,
                      problems=sample_problems())
