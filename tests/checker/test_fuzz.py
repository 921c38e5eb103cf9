"""Hostile and random input: nothing but a clean Verdict ever comes out of check()."""

from __future__ import annotations

import random

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.checker import Verdict, check

pytestmark = pytest.mark.usefixtures("heap_settled")  # tests/conftest.py

LIMIT = 30.0
"""Seconds a check may take here: these tests are about verdicts, and a loaded machine must not turn one into
"unsure (timeout)" (the time bound has its own tests)."""

KEYS = ["2*x + 3*y", "Piecewise((1, x > y), (0, True))", "[2*x, 3*y**2]", "6*x*exp(3*x**2)", "log(x)"]
ALPHABET = "xy0123456789.+-*/^()[]<>=,| esincoxplgqrtabmHvd\\{}!_'\"π·×²√"


def _clean(v: Verdict) -> None:
    assert isinstance(v, Verdict)
    assert v.verdict in ("correct", "incorrect", "unsure", "invalid")
    assert v.verdict != "unsure" or (v.score == 0.0 and v.message)
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


_ATOMS = st.sampled_from(["x", "y", "2", "3", "1/2", "0.5", "pi", "e"])
_FUNCS = st.sampled_from(["sin", "cos", "exp", "ln", "sqrt", "abs", "relu", "sigmoid", "tanh", "atan"])


def _expr(depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return _ATOMS
    sub = _expr(depth - 1)
    return st.one_of(
        _ATOMS,
        st.builds(lambda a, op, b: f"({a}){op}({b})", sub, st.sampled_from(["+", "-", "*", "/"]), sub),
        st.builds(lambda a, n: f"({a})^{n}", sub, st.integers(-3, 4)),
        st.builds(lambda f, a: f"{f}({a})", _FUNCS, sub),
        st.builds(lambda a, b: f"max({a}, {b})", sub, sub),
        st.builds(lambda a, b, c: f"[{a} > {b}]*({c})", sub, sub, sub),
    )


def _has_real_values(value: sympy.Basic) -> bool:
    from quizgen.checker.equivalence import prepare, sample
    from quizgen.checker.evaluate import UNDEF, Unsupported, run_float

    try:
        c = prepare(value, {"x": 0, "y": 1})
    except Unsupported:
        return True
    return any(run_float(c.fn, p) is not UNDEF for p in sample(c, [], random.Random(0), lambda: None))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expr(3))
def test_an_answer_equals_its_own_key(text: str) -> None:
    """Round trip: the parsed answer printed as a key (sympy str, as in manifests) is accepted, and the
    same answer scaled and shifted is not."""
    from quizgen.mathparse import AnswerSyntaxError, parse_answer

    try:
        value = parse_answer(text, ["x", "y"]).value
    except (AnswerSyntaxError, ValueError, TypeError):
        return  # the parser's business (tests/mathparse); here: check() on what it accepts
    if value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.I):
        return  # e.g. (1(x > x)*x)^-1: sympy itself says undefined; no key is written like that
    if any(isinstance(n, sympy.Mul) and n.args and n.args[0] == 0 for n in sympy.preorder_traversal(value)):
        return  # 0*sqrt(x) left unevaluated: the key "0*sqrt(x)" reads as 0, defined where sqrt(x) is not
    if not _has_real_values(value):
        return  # no real value anywhere (log(0*x), cos(1/2)/relu(pi - 4)): not a key either
    v = check(str(value), text, ["x", "y"], timeout=LIMIT)
    _clean(v)
    if value.has(sympy.Float) and v.verdict in ("unsure", "incorrect"):
        # str() printed a decimal sympy computed (sin(0.5) -> 0.479425538604203) into the key: a breakpoint
        # 3e-17 away from the answer's (a strip nothing can see: unsure), or a number the answer is not
        # (sqrt(0.5)^-1 is sqrt(2), the key's 1.41421356237309 is exactly that decimal: incorrect, soundly)
        return
    assert v.verdict == "correct", (str(value), text, v)
    if v.verdict == "correct":
        # 3% off plus a varying offset: beyond the 0.1% a typed decimal may be off, and no fixed point
        w = check(str(value), f"({text})*103/100 + (1 + x^2)/97", ["x", "y"], timeout=LIMIT)
        # (a key like sin(exp(exp(16))) has no computable value: "took too long" is an honest answer there)
        assert w.verdict == "incorrect" or w.diagnosis in ("timeout", "too_complex"), (str(value), text, w)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _expr(2),
    st.sampled_from(["1/7", "(1 + x^2)/97", "x/1000", "10^-30", "10^20 + 5.0 - 10^20"]),
    st.sampled_from(
        [
            "10^6*(exp(1.0*(x^2+1)) - exp(x^2+1))",
            "10^9*(sin(1.0*y) - sin(y))",
            "10^6*(0.333 - 1/3)",
            "10^12*(x^2 - 1.0*x^2)",
        ]
    ),
)
def test_no_wrong_answer_hides_behind_a_zero_term_with_a_decimal(text: str, wrong: str, zero: str) -> None:
    """The exploit of issue 9, fuzzed: a wrong answer plus a term that is zero (or a rounded constant the
    key does not have), times a large constant, is never accepted; nor a wrong part that sympy would fold
    into a decimal while parsing (0.5 + 10^-30, 10^20 + 5.0 - 10^20)."""
    from quizgen.mathparse import AnswerSyntaxError, parse_answer

    try:
        value = parse_answer(text, ["x", "y"]).value
    except (AnswerSyntaxError, ValueError, TypeError):
        return
    if value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.I) or not _has_real_values(value):
        return
    if value.has(sympy.Float) and wrong == "10^-30":
        return  # a key with a 15-digit decimal stands for any value that rounds to it: 10^-30 is within
    v = check(str(value), f"({text}) + {wrong} + {zero}", ["x", "y"], timeout=LIMIT)
    _clean(v)
    assert v.verdict != "correct", (str(value), text, wrong, zero, v)
