"""Backprop problems of every shape (difficulty 1 with and without ReLU, 2 with each activation, 3 as a
two-layer net with 2 and 3 hidden units and as sigmoid + cross-entropy), drawn once per test session."""

from __future__ import annotations

import functools
import random

from quizgen.draw import draw_problem
from quizgen.problem import Problem
from tests.families.drawtools import backprop_slot


def _draw(difficulty: int, seed: int, **options: object) -> Problem:
    return draw_problem(backprop_slot(difficulty, **options), random.Random(seed))


def _shape(p: Problem) -> str:
    assert p.graph is not None
    ops = {n.op for n in p.graph.nodes}
    if "bce" in ops:
        return "d3-bce"
    hidden = sum(1 for n in p.graph.nodes if n.name.startswith("h"))
    return f"d3-hidden{hidden}"


@functools.cache
def graph_problems() -> dict[str, Problem]:
    out = {
        "d1-linear": _draw(1, 1, activation="linear", inputs=2),
        "d1-relu": _draw(1, 2, activation="relu", inputs=3),
        **{f"d2-{a}": _draw(2, 3, activation=a, inputs=3) for a in ("relu", "leaky_relu", "sigmoid", "tanh")},
    }
    for seed in range(60):
        p = _draw(3, seed)
        out.setdefault(_shape(p), p)
        if {"d3-bce", "d3-hidden2", "d3-hidden3"} <= out.keys():
            break
    assert {"d3-bce", "d3-hidden2", "d3-hidden3"} <= out.keys()
    return out
