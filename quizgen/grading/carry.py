"""Carried-forward credit for multi-part problems: a wrong part that follows by the right local rule from
the student's own earlier answers is correct ("correct from your value of ∂L/∂a").

Each part may carry a rule (Problem.parts[i].rule): its answer as an expression in the labels of earlier
parts, with the correct local derivative or forward operation as numbers. The student's earlier answers go
in; their result must equal the student's answer exactly. Never from a blank, unreadable or non-numeric
earlier answer, and never from one that makes the step trivial: an earlier value of 0, or a result of 0.
Student text is read with the safe parser only (quizgen.mathparse), the rule from the checksummed manifest.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

from quizgen.mathparse import AnswerSyntaxError, parse_answer, parse_key, symbol
from quizgen.problem import Part

_PRECISION = 30
_TOLERANCE = sympy.Float("1e-20", _PRECISION)
_DECIMAL_TOLERANCE = sympy.Float("1e-9", _PRECISION)
"""A typed decimal (0.75) is inexact: it may differ from the exact value by its rounding in binary."""


def numeric_value(text: str, variables: tuple[str, ...] = ()) -> sympy.Basic | None:
    """The student's answer as an exact number, or None when blank, unreadable or not a number."""
    if not text.strip():
        return None
    try:
        value = parse_answer(text, variables).value
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
