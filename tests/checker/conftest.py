from __future__ import annotations

import random

import pytest
import sympy

from quizgen.checker.equivalence import deadline_checker, equivalent, prepare

X = sympy.Symbol("x", real=True)
Y = sympy.Symbol("y", real=True)
NAMES = {"x": 0, "y": 1}


def same(key: sympy.Basic, answer: sympy.Basic, seed: int = 1) -> str:
    """The numeric verdict for two sympy expressions built in code (no parser involved)."""
    return equivalent(prepare(key, NAMES), prepare(answer, NAMES), random.Random(seed), deadline_checker(None)).status


@pytest.fixture
def xy() -> tuple[sympy.Symbol, sympy.Symbol]:
    return X, Y
