"""Helpers for the generator's family tests: slots, draws, and an independent check of keys.

The independent check differentiates with sympy.diff (the families build their derivatives themselves)
and compares exactly, with sympy's own substitution, at rational points off every kink.
"""

from __future__ import annotations

import random
from fractions import Fraction

import sympy

from quizgen.families.base import Draft, Family, SlotSpec


def slot(family: str, difficulty: int, ask: str = "partial", **kw) -> SlotSpec:
    if ask == "value" and "point" not in kw:
        kw["point"] = "random"
    return SlotSpec(number=1, family=family, difficulty=difficulty, points=1.0, ask=ask, **kw)


def draw(family: Family, spec: SlotSpec, seed: int) -> Draft:
    """The first accepted draw from this seed (families may decline a draw by returning None)."""
    rng = random.Random(seed)
    for _ in range(50):
        draft = family.draw(spec, rng)
        if draft is not None:
            return draft
    raise AssertionError("family never produced a draft")


def _points(draft: Draft, rng: random.Random, count: int = 6) -> list[dict[sympy.Symbol, sympy.Rational]]:
    points = []
    while len(points) < count:
        point = {v: sympy.Rational(Fraction(rng.randint(-40, 40), 8)) for v in draft.variables}
        if all(k.subs(point) != 0 for k in draft.kinks):
            points.append(point)
    return points


def assert_key_correct(draft: Draft, seed: int = 0) -> None:
    """The key equals sympy.diff of the function along wrt (at the point for a value question)."""
    answers = draft.answer if isinstance(draft.answer, list) else [draft.answer]
    assert len(answers) == len(draft.wrt)
    if draft.point is not None:
        for w, a in zip(draft.wrt, answers):
            expected = sympy.diff(draft.function, w).subs(draft.point)
            assert sympy.simplify(expected - a) == 0, (draft.function, w, draft.point, a, expected)
        return
    for point in _points(draft, random.Random(seed)):
        for w, a in zip(draft.wrt, answers):
            expected = sympy.diff(draft.function, w).subs(point)
            got = a.subs(point)
            assert sympy.simplify(expected - got) == 0, (draft.function, w, point, a, expected, got)

