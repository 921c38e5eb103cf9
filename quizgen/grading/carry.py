"""Carried-forward credit for multi-part problems: a wrong part that follows by the right local rule from
the student's own earlier answers is correct ("correct from your value of ∂L/∂a").

Each part may carry a rule (Problem.parts[i].rule): its answer as an expression in the labels of earlier
parts, with the correct local derivative or forward operation as numbers. The student's earlier answers go
in; their result must equal the student's answer exactly. Never from a blank, unreadable or non-numeric
earlier answer, and never from one that makes the step trivial: an earlier value of 0, or a result of 0.
Student text is read with the safe parser only (quizgen.mathparse), the rule from the checksummed manifest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import sympy

from quizgen.mathparse import AnswerSyntaxError, parse_answer, parse_key, symbol
from quizgen.problem import Part, Problem

_PRECISION = 30
_TOLERANCE = sympy.Float("1e-20", _PRECISION)
_DECIMAL_TOLERANCE = sympy.Float("1e-9", _PRECISION)
"""A typed decimal (0.75) is inexact: it may differ from the exact value by its rounding in binary."""


@lru_cache(maxsize=512)
def _graph_values(
    definitions: tuple[tuple[str, str], ...], point: tuple[tuple[str, str], ...], variables: tuple[str, ...]
) -> tuple[tuple[str, sympy.Basic], ...]:
    names = list(variables)
    subs = {symbol(name): parse_key(text, names).value for name, text in point}
    out: list[tuple[str, sympy.Basic]] = [(name, subs[symbol(name)]) for name, _ in point]
    for name, text in definitions:
        value = parse_key(text, names).value
        if not isinstance(value, tuple):
            out.append((name, value.xreplace(subs)))
    return tuple(out)


def graph_values(problem: Problem) -> dict[str, sympy.Basic]:
    """Every name of a multi-part problem's graph with its exact value at the problem's point: the leaves
    (x1 = -2, b = log(3) + 6) and the nodes its prompt defines (z, a, L, h1 ...). A part asks for a number,
    so a name in a part's answer stands for that number ("2*(a - t)" for dL/da). Read from the checksummed
    manifest with the safe key parser; cached per problem text."""
    if not problem.point:
        return {}
    try:
        return dict(
            _graph_values(
                tuple(sorted(problem.definitions.items())),
                tuple((name, str(value)) for name, value in problem.point.items()),
                tuple(problem.variables),
            )
        )
    except (AnswerSyntaxError, ValueError):
        return {}


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def names_in(text: str, values: Mapping[str, sympy.Basic]) -> tuple[tuple[str, str], ...]:
    """The graph's names an answer mentions (z1 or z_1), each with its value as key text, for the checker's
    definitions. Only a filter on which names to pass: the checker itself reads the answer."""
    words = {w.replace("_", "") for w in _NAME.findall(text)}
    return tuple((name, sympy.sstr(value)) for name, value in sorted(values.items()) if name.replace("_", "") in words)


def numeric_value(
    text: str, variables: tuple[str, ...] = (), values: Mapping[str, sympy.Basic] | None = None
) -> sympy.Basic | None:
    """The student's answer as an exact number, or None when blank, unreadable or not a number.

    values: names the answer may use, with their numbers (graph_values), written in before the check.
    """
    if not text.strip():
        return None
    try:
        names = tuple(dict.fromkeys([*variables, *(values or {})]))
        value = parse_answer(text, names).value
        if values and not isinstance(value, tuple):
            value = value.xreplace({symbol(n): v for n, v in values.items()})
    except (AnswerSyntaxError, ValueError):
        return None
    if isinstance(value, tuple) or value.free_symbols or not value.is_number:
        return None
    if value.is_real is False or value.has(sympy.zoo, sympy.oo, sympy.nan, -sympy.oo):
        return None
    return value


def _equal(a: sympy.Basic, b: sympy.Basic) -> bool:
    try:
        diff = sympy.N(a - b, _PRECISION)
        scale = max(1, abs(sympy.N(a, _PRECISION)), abs(sympy.N(b, _PRECISION)))
        tolerance = _DECIMAL_TOLERANCE if (a.has(sympy.Float) or b.has(sympy.Float)) else _TOLERANCE
        return bool(abs(diff) <= tolerance * scale)
    except (TypeError, ValueError, ArithmeticError):
        return False


def part_name(part: Part) -> str:
    """How feedback names a part: ∂L/∂a for a gradient, the node's name for a value."""
    return part.prompt_text if part.kind == "gradient" else part.of


def carried_from(
    part: Part, earlier: Mapping[str, Part], own: sympy.Basic | None, values: Mapping[str, sympy.Basic | None]
) -> list[str] | None:
    """The labels of the earlier parts this (wrong) answer follows from by the part's rule, or None.

    values holds the student's numeric answers by label (None: blank, skipped or unreadable).
    """
    if not part.rule or own is None:
        return None
    try:
        rule = parse_key(part.rule, list(earlier)).value
    except (AnswerSyntaxError, ValueError):
        return None
    if isinstance(rule, tuple):  # a part's rule is one expression, never a vector
        return None
    used = sorted(s.name for s in rule.free_symbols)
    if not used or any(name not in earlier for name in used):
        return None
    subs = {}
    for name in used:
        value = values.get(name)
        if value is None or _equal(value, sympy.Integer(0)):
            return None  # skipped, unreadable, or a 0 that makes the step trivial
        subs[symbol(name)] = value
    result = rule.xreplace(subs)
    if _equal(result, sympy.Integer(0)):
        return None
    return used if _equal(result, own) else None


def carried_message(labels: list[str], earlier: Mapping[str, Part]) -> str:
    names = " and ".join(part_name(earlier[label]) for label in labels)
    return f"correct from your value of {names}"
