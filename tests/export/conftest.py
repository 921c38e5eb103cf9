"""Fixtures for the export tests: hand-built Problems covering every question shape, and a quiz.

If the real key parser (quizgen.mathparse.parse_key) is not installed yet, a tiny allow-list parser over
Python's ast (no eval) stands in for it, so these tests exercise the exporters either way.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import sympy

import quizgen.mathparse as mathparse

sys.path.insert(0, str(Path(__file__).parent))  # for exporttools (tests run with --import-mode=importlib)


@dataclass(frozen=True)
class _Parsed:
    value: object
    text: str
    latex: str


_FUNCS = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "Abs": sympy.Abs, "sign": sympy.sign,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "tanh": sympy.tanh, "Max": sympy.Max, "Min": sympy.Min,
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


@pytest.fixture(scope="session")
def quiz():  # noqa: ANN201
    from exporttools import sample_problems

    from quizgen.export.items import build_quiz

    return build_quiz(title="Calc & <NN> ]]> \"quotes\" 'single' — ünïcødé / slash", bank_id="demo", seed=7,
                      problems=sample_problems())
