"""Hostile and random input: nothing but a clean Verdict ever comes out of check()."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.checker import Verdict, check

KEYS = ["2*x + 3*y", "Piecewise((1, x > y), (0, True))", "[2*x, 3*y**2]", "6*x*exp(3*x**2)", "log(x)"]
ALPHABET = "xy0123456789.+-*/^()[]<>=,| esincoxplgqrtabmHvd\\{}!_'\"π·×²√"


def _clean(v: Verdict) -> None:
    assert isinstance(v, Verdict)
    assert v.verdict in ("correct", "incorrect", "invalid")
    assert isinstance(v.interpreted, str) and isinstance(v.interpreted_latex, str) and isinstance(v.message, str)
    assert 0.0 <= v.score <= 1.0
    assert v.verdict != "correct" or v.score == 1.0
    assert v.verdict != "invalid" or v.message
    assert v.diagnosis != "internal_error", v


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KEYS), st.text(alphabet=ALPHABET, max_size=40))
def test_random_text_gives_a_clean_verdict(key: str, answer: str) -> None:
    _clean(check(key, answer, ["x", "y"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KEYS), st.text(max_size=30))
def test_any_unicode_gives_a_clean_verdict(key: str, answer: str) -> None:
    _clean(check(key, answer, ["x", "y"]))


@pytest.mark.parametrize(
    "answer",
    [
        "__import__('os').system('echo hacked')",
        "x.__class__.__mro__",
        "(lambda: 1)()",
        "9^9^9^9",
        "x^(10^10)",
        "factorial(10^8)",
        "x" + "+x" * 200_000,
        "(" * 1000 + "x" + ")" * 1000,
        "x\x00",
        "\ud800",
        "",
        "   ",
        "exp(exp(exp(exp(x))))",
        "10^300 * 10^300 * x",
        "1/(x-x)",
        "sqrt(-1)",
        "0^(-1)",
    ],
)
def test_known_attacks_give_a_clean_verdict(answer: str) -> None:
    v = check("2*x + 3*y", answer, ["x", "y"])
    _clean(v)
    assert v.verdict != "correct"
