"""The decimal rule: a typed decimal is exact; the one allowance is a rounded non-terminating key constant."""

from __future__ import annotations

import random

import pytest
import sympy

from quizgen.checker.decimals import allowance, key_constants, read_rounded, typed_text
from quizgen.checker.equivalence import deadline_checker, equivalent, prepare
from quizgen.mathparse import parse_answer, parse_key

NAMES = {"x": 0}


def reading(key: str, answer: str):
    k = prepare(parse_key(key, ["x"]).value, NAMES)
    a = prepare(parse_answer(answer, ["x"]).value, NAMES)
    cmp = equivalent(k, a, random.Random(1), deadline_checker(None))
    assert cmp.status == "different"  # read exactly, a rounded decimal is not the key
    return read_rounded(k, a, cmp.points, random.Random(2), deadline_checker(None))


def test_typed_text_and_allowance_follow_the_digits() -> None:
    f = parse_answer("0.333", []).value
    assert typed_text(f) == "0.333"
    assert allowance(f) == sympy.Rational(5, 10000)  # half a unit in the last digit
    assert allowance(parse_answer("0.3", []).value) == sympy.Rational(3, 5000)  # capped at 0.2% of the value


def test_key_constants_are_the_non_terminating_ones() -> None:
    key = parse_key("x/3 + x**2/4 + log(2)", ["x"]).value
    found = {str(c) for c in key_constants(key)}
    assert "1/3" in found and "log(2)" in found and "1/4" not in found


@pytest.mark.parametrize(
    ("key", "answer", "read_as"),
    [
        ("x/3", "0.333x", "0.333 read as 1/3"),
        ("2*x/3", "0.6666667x", "0.6666667 read as 2/3"),
        ("log(2)*2**x", "0.693*2^x", "0.693 read as log(2)"),
        ("x/3 + 1/2", "0.333x + 0.5", "0.333 read as 1/3"),
    ],
)
def test_rounded_constants_are_accepted_and_named(key: str, answer: str, read_as: str) -> None:
    r = reading(key, answer)
    assert r.accepted and read_as in r.message


@pytest.mark.parametrize(
    ("key", "answer", "said"),
    [
        ("x/3", "0.33x", "too few digits"),
        ("x/7", "0.142x", "not the value rounded"),
        ("x/4", "0.26x", ""),
        ("x**2", "x^2 + 0.333 - 1/3", ""),
        ("x/3", "x/3 + 10^6*(0.333 - 1/3)", ""),
        ("x**2 + 1", "x^2 + 1 + 10^6*(exp(1.0*(x^2+1)) - exp(x^2+1)) + 1/10", ""),
    ],
)
def test_everything_else_is_refused(key: str, answer: str, said: str) -> None:
    r = reading(key, answer)
    assert not r.accepted and said in r.message


def test_a_constant_the_key_leaves_unevaluated_is_judged_by_its_value() -> None:
    """Keys are read unevaluated: Max(4, pi) is 4, a terminating value, so 1.0 cannot stand for Max(4, pi)/4
    and earn a rounding allowance that hides 10^-30 (hypothesis found it)."""
    from quizgen.checker import check

    assert key_constants(parse_key("Max(4, pi)", ["x", "y"]).value) == [sympy.pi]  # the 4 is no constant
    v = check("Max(4, pi)", "4 + 10^(-30) + 10^9*(sin(1.0*y) - sin(y))", ["x", "y"], timeout=10.0)
    assert v.verdict == "incorrect", v
