"""Strict JSON for files users hand us: one bad value costs its line or record, never the run.

Python's json module accepts NaN and Infinity, turns 1e999 into inf, raises ValueError (not
JSONDecodeError) on integers past 4,300 digits and RecursionError on deep nesting. loads() turns every
one of those into JsonValueError with a short reason, so readers report the record and go on, and what
they write back out is always standard JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_INT_DIGITS = 1000
"""Longest integer accepted; a longer one is hostile (and past Python's own conversion limit at 4,300)."""


class JsonValueError(ValueError):
    """Text that is not strict, bounded JSON; str(exc) says why in a few words."""


def _int(text: str) -> int:
    digits = len(text) - (text[0] == "-")
    if digits > MAX_INT_DIGITS:
        raise JsonValueError(f"a number with {digits} digits, over the limit of {MAX_INT_DIGITS}")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_INT_DIGITS:
        raise JsonValueError(f"a number {len(text)} characters long, over the limit of {MAX_INT_DIGITS}")
    value = float(text)
    if not math.isfinite(value):
        raise JsonValueError(f"the number {text[:20]} is too large")
    return value


def _constant(name: str) -> Any:
    raise JsonValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)
"""One decoder for every call: json.loads with hooks would build a new one each time (slow for JSONL)."""


def loads(text: str) -> Any:
    """json.loads that refuses NaN, Infinity, out-of-range numbers and nesting deeper than Python's limit.

    Raises:
        json.JSONDecodeError: the text is not JSON.
        JsonValueError: it is JSON that no file of ours may contain.
    """
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise JsonValueError("a value nested too deeply") from None


def decode_error_reason(exc: ValueError) -> str:
    """A few words for either error: the JSON syntax problem or the refused value."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    return str(exc)
