"""Helpers for the generator's family tests: slots, draws, and an independent check of keys.

The independent check differentiates with sympy.diff (the families build their derivatives themselves)
and compares exactly, with sympy's own substitution, at rational points off every kink.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction
from functools import cache

import sympy

from quizgen.families.base import Draft, Family, SlotSpec


def slot(family: str, difficulty: int, ask: str = "partial", *, points: float = 1.0, **kw) -> SlotSpec:
    if ask == "value" and "point" not in kw:
        kw["point"] = "random"
    return SlotSpec(number=1, family=family, difficulty=difficulty, points=points, ask=ask, **kw)


def backprop_slot(difficulty: int, **options: object) -> SlotSpec:
    """The backprop slot the family and diagram tests draw from: values at a random point, coefficients
    -3..3, 6 points shared by the parts (unless part_points is among the options)."""
    return slot("backprop", difficulty, "value", points=6.0, coefficients=(-3, 3), options=dict(options))


def remembered(fresh: Callable[[SlotSpec, int], Draft]) -> Callable[[SlotSpec, int], Draft]:
    """fresh(slot, seed), drawn once per (slot, seed) in this worker: tests that only read a draft share it (a
    Draft is frozen); a determinism test calls fresh itself to draw afresh."""
    drawn: dict[tuple[str, int], Draft] = {}

    def shared(spec: SlotSpec, seed: int) -> Draft:
        key = (repr(spec), seed)
        if key not in drawn:
            drawn[key] = fresh(spec, seed)
        return drawn[key]

    return shared


def draw(family: Family, spec: SlotSpec, seed: int) -> Draft:
    """The first accepted draw from this seed (families may decline a draw by returning None)."""
    rng = random.Random(seed)
    for _ in range(50):
        draft = family.draw(spec, rng)
        if draft is not None:
            return draft
    raise AssertionError("family never produced a draft")


@cache
def derivative(function: sympy.Expr, wrt: sympy.Symbol) -> sympy.Expr:
    """sympy.diff(function, wrt), computed once per worker: the contract test and a family's own tests check the
    keys of the same shared drafts (sympy expressions are immutable, so a remembered one is the same result).
    A sum is differentiated term by term, sympy.diff of each term added by sympy.Add: the very object sympy.diff
    builds (Add._eval_derivative), without the `is_zero` it then asks of the whole sum, an assumption-system walk
    that was half of the reference's CPU (test_gradient's 675 derivatives: 1.0 s by sympy.diff, 0.5 s so)."""
    if isinstance(function, sympy.Add):
        return sympy.Add(*[sympy.diff(term, wrt) for term in function.args])
    return sympy.diff(function, wrt)


def _points(draft: Draft, rng: random.Random, count: int = 6) -> list[dict[sympy.Symbol, sympy.Rational]]:
    points = []
    while len(points) < count:
        point = {v: sympy.Rational(Fraction(rng.randint(-40, 40), 8)) for v in draft.variables}
        if all(k.xreplace(point) != 0 for k in draft.kinks):
            points.append(point)
    return points


def assert_key_correct(draft: Draft, seed: int = 0) -> None:
    """The key equals sympy.diff of the function along wrt (at the point for a value question)."""
    answers = draft.answer if isinstance(draft.answer, list) else [draft.answer]
    assert len(answers) == len(draft.wrt)
    derivatives = [derivative(draft.function, w) for w in draft.wrt]
    if draft.point is not None:
        for w, a, exact in zip(draft.wrt, answers, derivatives):
            expected = exact.xreplace(draft.point)
            assert exactly_zero(expected - a), (draft.function, w, draft.point, a, expected)
        return
    for point in _points(draft, random.Random(seed)):
        for w, a, exact in zip(draft.wrt, answers, derivatives):
            expected = exact.xreplace(point)
            got = a.xreplace(point)
            assert exactly_zero(expected - got), (draft.function, w, point, a, expected, got)


def exactly_zero(e: sympy.Expr) -> bool:
    """Whether e is exactly 0, decided by the cheapest exact step that settles it. At a rational point most
    differences are numbers that expand settles as they are; tanh, written with exp, settles after rewriting;
    the σ-shaped rest, such as -1/4 + a/(4(a + 1)) + 1/(4(a + 1)) with a = exp(-209/32), is 0 when over one
    denominator its numerator expands to 0 and the denominator is known not to be 0; simplify, many times
    slower (1 s of a neuron's contract test against 0.1 s), decides the rest. Every step only ever answers
    "zero" for a zero. (The points are symbols replaced by numbers: xreplace gives subs' result without its
    matching.)"""
    if sympy.expand(e) == 0:
        return True
    written = e.rewrite(sympy.exp)
    if sympy.expand(written) == 0:
        return True
    numerator, denominator = sympy.fraction(sympy.together(written))
    if sympy.expand(numerator) == 0 and denominator.is_zero is False:
        return True
    return sympy.simplify(e) == 0


def balanced_latex(latex: str) -> bool:
    """Braces nest and close (escaped \\{ and \\} do not count) and $ signs come in pairs."""
    depth = 0
    for i, ch in enumerate(latex):
        if ch in "{}" and i and latex[i - 1] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0 and latex.count("$") % 2 == 0


def assert_steps_well_formed(draft: Draft, starts: tuple[str, ...] = (r"\text{",)) -> None:
    """Every step's LaTeX is balanced and opens with one of starts (renderers set a leading \\text{...} as the
    step's sentence and the rest as a formula); the prompt's LaTeX is balanced."""
    for step in draft.steps:
        if step.latex is not None:
            assert balanced_latex(step.latex), step.latex
            assert step.latex.startswith(starts), step.latex
    assert balanced_latex(draft.prompt_latex), draft.prompt_latex


def assert_grows_with_difficulty(family: Family, name: str, seeds, **kw) -> None:
    """The mean sympy.count_ops of the function rises strictly from difficulty 1 to 2 to 3."""
    sizes = []
    for difficulty in (1, 2, 3):
        ops = [sympy.count_ops(draw(family, slot(name, difficulty, **kw), s).function) for s in seeds]
        sizes.append(sum(ops) / len(ops))
    assert sizes[0] < sizes[1] < sizes[2], sizes
