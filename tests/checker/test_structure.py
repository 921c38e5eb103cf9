"""Which answers need a proof before they are called correct."""

from __future__ import annotations

import pytest

from quizgen.checker.equivalence import prepare
from quizgen.checker.structure import new_structure
from quizgen.mathparse import parse_answer, parse_key

VARS = ["u", "v"]
NAMES = {"u": 0, "v": 1}


def needs_proof(key: str, answer: str) -> str | None:
    return new_structure(prepare(parse_key(key, VARS).value, NAMES), prepare(parse_answer(answer, VARS).value, NAMES))


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("u", "u"),
        ("exp(3*u)", "exp(2u)*exp(u)"),
        ("sin(2*u)", "2sin(u)cos(u)"),
        ("u*(1 - tanh(u*v)**2)", "u/cosh(uv)^2"),
        ("Piecewise((1, u > v), (0, True))", "Heaviside(3u - 3v)"),
        ("1", "sqrt(u/v)*sqrt(v/u)"),
        ("Max(0, u + v)", "(u + v + abs(u + v))/2"),
        # breakpoints on the hyperplanes of the key's piecewise-affine one (u = 3 and u - v = -2): its cells
        ("Heaviside(u - Max(0, v - 5) - 3)", "1(u - 3 > v - 5)*1(u > 3)"),
        ("Heaviside(u - Max(0, v - 5) - 3)", "1(2u - 6 > 0)*1(3v - 3u < 6)"),
    ],
)
def test_shaped_like_the_key(key: str, answer: str) -> None:
    assert needs_proof(key, answer) is None


@pytest.mark.parametrize(
    ("key", "answer", "why"),
    [
        ("u", "u + exp(-(300(u-2))^2)", "function"),
        ("exp(u)", "exp(u) + exp(-(300(u-2))^2)", "argument"),
        ("u", "u + tanh(u - 10^12) + 1", "function"),
        ("u**2", "u^2 + 1(u > 700)", "breakpoint"),
        ("Piecewise((1, u > v), (0, True))", "1(u > v + 10^-9)", "breakpoint"),
        ("Heaviside(u - Max(0, v - 5) - 3)", "1(u - 3 > v - 5)*1(u > 3)*1(u > 2)", "breakpoint"),
        ("Heaviside(u - Max(0, v - 5) - 3)", "1(u > 3)*1(u - v > -2 + 10^-9)", "breakpoint"),
        ("Heaviside(u - Max(0, v - 5) - 3)", "1(u - 3 > v - 5)*1(u > 3)*1(u*v > -10^6)", "breakpoint"),
    ],
)
def test_new_structure_is_named(key: str, answer: str, why: str) -> None:
    reason = needs_proof(key, answer)
    assert reason is not None and why in reason
