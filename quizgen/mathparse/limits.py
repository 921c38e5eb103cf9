"""Resource limits for parsing untrusted answers: every bound that keeps one answer cheap, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Limits:
    """Bounds checked while parsing; exceeding any gives an AnswerSyntaxError, never a hang.

    The parser is bounded by these alone (no timer): length and node count bound the work, depth bounds the
    recursion (well under Python's recursion limit, also in worker threads), and the number limits stop
    sympy from ever computing a huge integer (9^9^9, 10^10^10) at parse time.
    """

    max_length: int = 2000
    """Characters of input (before normalization)."""
    max_depth: int = 30
    """Nesting of parentheses, function calls, powers and unary signs."""
    max_nodes: int = 1000
    """Numbers, names, operators and calls in the whole answer."""
    max_digits: int = 100
    """Digits in one number literal."""
    max_exponent: int = 1000
    """Largest absolute value of a numeric exponent (x^1000 is allowed, x^1001 is not)."""
    max_number_bits: int = 8000
    """Size of any exact number computed while building the expression (about 2,400 decimal digits)."""
    max_args: int = 16
    """Arguments of max/min and pieces of a Piecewise (sympy compares them pairwise)."""


DEFAULT_LIMITS: Final[Limits] = Limits()
