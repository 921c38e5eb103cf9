"""The slow, unbounded path: symbolic simplification, run only inside a killable worker process.

Numbers decide almost every check; this runs only where they cannot (a key with no real value at any
sample point, or a node the numeric evaluator does not know). simplify can take seconds or gigabytes on
hostile input, which is why it never runs in the caller's process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy

from quizgen.mathparse import parse_answer


def symbolic_equal(expected: Any, answer: str, variables: Sequence[str], latex: bool | None, component: int) -> bool:
    """Is component `component` of the answer equal to the key's, by simplify(key - answer) == 0?"""
    from quizgen.checker.core import load_key  # the worker imports this lazily, after its limits are set

    key = load_key(expected, list(variables))
    value = parse_answer(answer, list(variables), latex=latex).value
    comps = value if isinstance(value, tuple) else (value,)
    diff = sympy.simplify(key.components[component] - comps[component])
    return bool(diff == 0 or diff.is_zero is True)
