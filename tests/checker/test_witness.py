"""The dense search that runs after a failed proof."""

from __future__ import annotations

import random

import sympy

from quizgen.checker.equivalence import deadline_checker, prepare
from quizgen.checker.witness import find_witness

u = sympy.Symbol("u", real=True)
NAMES = {"u": 0}


def test_a_narrow_bump_is_found() -> None:
    bump = u + sympy.exp(-((300 * (u - 2)) ** 2))
    w = find_witness(prepare(u, NAMES), prepare(bump, NAMES), random.Random(1), deadline_checker(None))
    assert w is not None and abs(w[0] - 2) < 0.02


def test_equal_expressions_have_no_witness() -> None:
    same = sympy.exp(u) * sympy.exp(-u) * u
    assert find_witness(prepare(u, NAMES), prepare(same, NAMES), random.Random(1), deadline_checker(None)) is None
