"""The slow, unbounded path: symbolic simplification, run only inside a killable worker process.

Numbers decide almost every check; this runs only where they cannot stand behind a verdict (a key with no
real value at any sample point, a node the numeric evaluator does not know, or an answer with structure the
key lacks, see structure.py). simplify can take seconds or gigabytes on hostile input, which is why it
never runs in the caller's process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy

from quizgen.mathparse import parse_answer


def exact_decimals(expr: sympy.Basic) -> sympy.Basic:
    """Typed decimals as the exact rationals they spell (0.333 -> 333/1000), so simplify reasons exactly."""
    floats = expr.atoms(sympy.Float)
    if not floats:
        return expr
    return expr.xreplace({f: sympy.Rational(str(f)) for f in floats})


def symbolic_equal(expected: Any, answer: str, variables: Sequence[str], latex: bool | None, component: int) -> bool:
    """Is component `component` of the answer equal to the key's? simplify(key - answer) == 0, with
    decimals read exactly and piecewise parts folded first."""
    from quizgen.checker.core import exact_reading, load_key  # lazily, after the worker's limits are set

    key = load_key(expected, list(variables))
    parsed = parse_answer(answer, list(variables), latex=latex)
    exact = exact_reading(parsed.text, list(variables), answer)  # decimals as the fractions they spell
    value = parsed.value
    comps = exact if exact else (value if isinstance(value, tuple) else (value,))
    diff = exact_decimals(key.components[component]) - exact_decimals(comps[component])
    if diff == 0:
        return True
    if diff.has(sympy.Piecewise, sympy.Heaviside, sympy.Max, sympy.Min, sympy.Abs, sympy.sign):
        diff = sympy.piecewise_fold(diff.rewrite(sympy.Piecewise))
    simplified = sympy.simplify(diff)
    return bool(simplified == 0 or simplified.is_zero is True)
