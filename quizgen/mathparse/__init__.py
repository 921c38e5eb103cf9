"""Safe parsing of student answers and keys into sympy, with no eval anywhere.

Public API (the contract other parts code against): Parsed, AnswerSyntaxError, symbol, parse_answer,
parse_key, parse_key_value, Limits, DEFAULT_LIMITS.
"""

from __future__ import annotations

from quizgen.mathparse.api import KEY_LIMITS, Parsed, parse_answer, parse_key, parse_key_value
from quizgen.mathparse.errors import AnswerSyntaxError
from quizgen.mathparse.limits import DEFAULT_LIMITS, Limits
from quizgen.mathparse.names import symbol

__all__ = [
    "DEFAULT_LIMITS",
    "KEY_LIMITS",
    "AnswerSyntaxError",
    "Limits",
    "Parsed",
    "parse_answer",
    "parse_key",
    "parse_key_value",
    "symbol",
]
