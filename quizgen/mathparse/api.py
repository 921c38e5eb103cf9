"""The public entry points: parse_answer for student input, parse_key for keys in sympy str() form.

Pipeline: length check -> Unicode normalization with an offset map -> tokenizer (splitting names against
the problem's variables and the allow-list) -> recursive-descent parser building sympy objects directly.
Nothing is ever eval'd, exec'd or sympified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import sympy

from quizgen.mathparse.errors import AnswerSyntaxError
from quizgen.mathparse.lexer import tokenize
from quizgen.mathparse.limits import DEFAULT_LIMITS, Limits
from quizgen.mathparse.messages import MESSAGES, Fail, excerpt, to_error
from quizgen.mathparse.names import name_table
from quizgen.mathparse.normalize import normalize, original_offset
from quizgen.mathparse.parser import Parser

KEY_LIMITS: Final[Limits] = Limits(max_length=20000, max_depth=40, max_nodes=5000, max_args=64, max_exponent=100000)
"""Keys come from manifests and teachers: larger, but still bounded (a manifest may be tampered with).
Keys are trusted with exponents up to 100000 ((x-a)^6000): the checker evaluates them numerically (exact
Fractions fall back to mpmath past their size bound) instead of refusing them; max_number_bits still
stops a numeric power (2^100000) from being computed at parse time."""


@dataclass(frozen=True)
class Parsed:
    """An accepted answer or key.

    value is a sympy expression, or a tuple of them for a vector (gradient). Decimals typed by the student
    are sympy Floats (so an answer containing a Float is inexact: compare it with a tolerance); integers
    and fractions stay exact Rationals. text and latex show the answer as understood, with implicit
    multiplications made explicit and the student's parentheses kept ("15*(2*x^2)^4*(4*x)").
    """

    value: sympy.Expr | tuple[sympy.Expr, ...]
    text: str
    latex: str


def parse_answer(
    text: str, variables: Sequence[str], *, latex: bool | None = None, limits: Limits = DEFAULT_LIMITS
) -> Parsed:
    """Parse a student's answer against the problem's variables.

    Args:
        text: the answer as typed (plain, with Unicode signs, or LaTeX).
        variables: the problem's variable names; any other name (except allowed functions and the
            constants e and pi) is an error. Longest names win when splitting (w1x1 = w1*x1).
        latex: force LaTeX reading (True) or plain (False); None detects LaTeX by a backslash.
        limits: resource bounds.

    Returns:
        Parsed value, text and latex.

    Raises:
        AnswerSyntaxError: anything not accepted, with a message for the student, offset and excerpt.
        ValueError: a variable name that is not an identifier (a setup error, not the student's).

    Examples:
        >>> parse_answer("2xy^3", ["x", "y"]).text
        '2*x*y^3'
    """
    if isinstance(variables, str):
        variables = (variables,)
    return _parse(text, tuple(variables), latex=latex, limits=limits, key=False)


def parse_key(text: str, variables: Sequence[str] | None = None) -> Parsed:
    """Parse a key written as sympy's str() (2*x + 3*y, Piecewise((1, x > y), (0, True)), [2*x, 3*y**2]).

    With variables=None every identifier that is not a known function or constant becomes a variable.
    The same safe machinery as parse_answer (no sympify); also accepts & and | in conditions and
    scientific notation (1.0e-5) and sympy's trailing dot on a whole-number Float (281474976710656.).

    Raises:
        AnswerSyntaxError: the key cannot be read (its message names the problem).
    """
    if isinstance(variables, str):
        variables = (variables,)
    return _parse(text, None if variables is None else tuple(variables), latex=None, limits=KEY_LIMITS, key=True)


def parse_key_value(text: str, variables: Sequence[str] | None = None) -> sympy.Expr | tuple[sympy.Expr, ...]:
    """parse_key(text, variables).value, read without the text and LaTeX as understood, which only an
    answer's feedback shows: the checker reads keys and buggy keys this way (a tenth less CPU).

    Raises:
        AnswerSyntaxError: exactly as parse_key (a text refused here is read again by parse_key, whose
            message quotes the text as understood).
    """
    if isinstance(variables, str):
        variables = (variables,)
    names = None if variables is None else tuple(variables)
    try:
        return _parse(text, names, latex=None, limits=KEY_LIMITS, key=True, strings=False).value
    except AnswerSyntaxError:
        pass  # worded by parse_key below
    return parse_key(text, variables).value


PARSE_CACHE_SIZE: Final = 8192
"""Readings kept (a class types the same answers, and the checker reads a key's buggy keys for each wrong
answer): an identical text in the same variables and mode is read once."""

_UNCACHED_CODES: Final = ("too_deep", "internal:")
"""Refusals that may depend on the caller (its stack depth) or hide a bug: always read again."""


def _parse(
    text: str, variables: tuple[str, ...] | None, *, latex: bool | None, limits: Limits, key: bool, strings: bool = True
) -> Parsed:
    if not isinstance(text, str):
        raise AnswerSyntaxError("The answer must be text.", -1, "", "not_text")
    try:
        hit = _cached_parse(text, variables, latex, limits, key, strings)
    except TypeError:  # unhashable variables: a setup error the uncached path reports
        hit = None
    if isinstance(hit, AnswerSyntaxError):
        raise AnswerSyntaxError(hit.message, hit.offset, hit.excerpt, hit.code)  # a fresh one for each caller
    if hit is not None:
        return hit
    return _parse_text(text, variables, latex=latex, limits=limits, key=key, strings=strings)


def clear_parse_cache() -> None:
    """Forget every kept reading (cold-cache benchmarks)."""
    _cached_parse.cache_clear()


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def _cached_parse(
    text: str, variables: tuple[str, ...] | None, latex: bool | None, limits: Limits, key: bool, strings: bool
) -> Parsed | AnswerSyntaxError | None:
    """The reading, or the refusal, of a text (a pure function of its arguments: sympy values are
    immutable, so every caller may share them); None for refusals that are not kept."""
    try:
        return _parse_text(text, variables, latex=latex, limits=limits, key=key, strings=strings)
    except AnswerSyntaxError as exc:
        return None if exc.code.startswith(_UNCACHED_CODES) else exc


def _parse_text(
    text: str, variables: tuple[str, ...] | None, *, latex: bool | None, limits: Limits, key: bool, strings: bool = True
) -> Parsed:
    """The reading; with strings=False, the value only (its text and latex are not the reading's, and a
    refusal's message may quote an empty text: Parser)."""
    if len(text) > limits.max_length:
        message = MESSAGES["too_long"].format(length=len(text), limit=limits.max_length)
        raise AnswerSyntaxError(message, limits.max_length, "", "too_long")
    table = name_table(variables)
    offsets: list[int] | None = None
    try:
        norm, offsets = normalize(text)
        lo, hi = _math_span(norm)
        if lo >= hi:
            raise Fail("empty", 0)
        is_latex = latex if latex is not None else _looks_latex(norm, lo, hi)
        tokens = tokenize(norm, table, latex=is_latex, key=key, lo=lo, hi=hi)
        e = Parser(tokens, limits, latex=is_latex, key=key, strings=strings).parse_top()
        return Parsed(e.value, e.text, e.latex)
    except Fail as fail:
        raise to_error(fail, text, original_offset(offsets, fail.pos, len(text))) from None
    except RecursionError:
        raise AnswerSyntaxError(MESSAGES["too_deep"].format(limit=limits.max_depth), -1, "", "too_deep") from None
    except AnswerSyntaxError:
        raise
    except (ArithmeticError, TypeError, ValueError, AttributeError, IndexError, KeyError, MemoryError) as exc:
        # A sympy corner we did not foresee: the student gets "cannot be read", never a traceback.
        raise AnswerSyntaxError(
            "The answer cannot be read as a formula.", -1, excerpt(text, -1), f"internal:{type(exc).__name__}"
        ) from exc


_LATEX_HINT: Final = re.compile(r"\\|[_^]\s*\{")


def _looks_latex(norm: str, lo: int, hi: int) -> bool:
    """A backslash, or braces after ^ or _ (x^{10}, w_{1}), mean LaTeX."""
    if "\\" not in norm and "{" not in norm:  # most answers and keys: no need to search
        return False
    return _LATEX_HINT.search(norm, lo, hi) is not None


def _math_span(norm: str) -> tuple[int, int]:
    """Strip surrounding whitespace and math delimiters ($...$, $$...$$, \\(...\\), \\[...\\])."""
    lo, hi = _trim(norm, 0, len(norm))
    if lo == hi or norm[lo] not in "$\\":  # no delimiter can open here
        return lo, hi
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if hi - lo >= len(left) + len(right) and norm.startswith(left, lo) and norm.endswith(right, lo, hi):
            return _trim(norm, lo + len(left), hi - len(right))
    return lo, hi


def _trim(norm: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and norm[lo] in " \t\r\n":
        lo += 1
    while hi > lo and norm[hi - 1] in " \t\r\n":
        hi -= 1
    return lo, hi
