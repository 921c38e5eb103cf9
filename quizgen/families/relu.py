"""The derivative of ReLU: max(x, 0), max(0, affine expression), and the chain rule through ReLU.

d/dx max(0, u) = u' where u > 0 and 0 elsewhere, an indicator answer such as Piecewise((2, 2*x + 1 > 0),
(0, True)). The kink u = 0 is reported so checks sample on both sides of it, never on it. Difficulty 1 is
one variable, 2 an affine expression in several variables with a constant multiple, 3 the chain rule:
a power of ReLU or ReLU of a non-linear expression.
"""

from __future__ import annotations

import random
from functools import cached_property
from typing import ClassVar

import sympy

from quizgen.families.kit import (
    Ask,
    Draft,
    DraftMemo,
    DraftStep,
    Family,
    MistakeSpec,
    SlotSpec,
    choose_wrt,
    coef,
    d_latex,
    d_text,
    diff,
    expand_product,
    finish,
    gradient_steps,
    held_constant_step,
    indicator,
    label,
    math_label,
    mul,
    partial_latex,
    partial_text,
    plain,
    poly,
    slot_variables,
    tex,
)

ZERO = sympy.Integer(0)
_R = sympy.Symbol("r")
_R_IS_RELU = sympy.Eq(_R, sympy.Max(0, sympy.Symbol("u"), evaluate=False), evaluate=False)
"""r = max(0, u), the outer function's variable in the steps (built once: building a Max is slow)."""
_drafts = DraftMemo()
"""Partial and gradient drafts by shape and wrt."""


class _Shape:
    """f = k * max(0, u)**n: the inner u, the outer constant k and the power n (1 or 2).

    Its parts are built when first asked for and then kept: the steps, the key and the buggy keys ask for
    the same slopes, and a shape whose draft is remembered (DraftMemo) needs none of them."""

    def __init__(self, u: sympy.Expr, k: int = 1, n: int = 1) -> None:
        self.u, self.k, self.n = u, k, n
        self._slopes: dict[sympy.Symbol, sympy.Expr] = {}
        self._derivatives: dict[sympy.Symbol, sympy.Basic] = {}

    @property
    def function(self) -> sympy.Expr:
        relu = sympy.Max(ZERO, self.u, evaluate=False)  # evaluating Max costs ms per call
        return mul([sympy.Integer(self.k), relu**self.n])

    @cached_property
    def outer(self) -> sympy.Expr:
        """d f / d relu, on the active side (relu = u there)."""
        return expand_product([sympy.Integer(self.k * self.n), self.u ** (self.n - 1)])  # k n u^(n-1), multiplied out

    def slope(self, wrt: sympy.Symbol) -> sympy.Expr:
        """d f / d wrt on the active side: the outer derivative times the inner one, expanded."""
        hit = self._slopes.get(wrt)
        if hit is None:
            hit = self._slopes[wrt] = expand_product([self.outer, diff(self.u, wrt)])
        return hit

    def derivative(self, wrt: sympy.Symbol) -> sympy.Basic:
        """d f / d wrt: the slope where u > 0, else 0."""
        hit = self._derivatives.get(wrt)
        if hit is None:
            hit = self._derivatives[wrt] = indicator(self.slope(wrt), self.u)
        return hit


def _affine(rng: random.Random, slot: SlotSpec, variables: list[sympy.Symbol]) -> sympy.Expr:
    """c1 v1 + ... + cn vn + c0 (coefficients drawn in that order), built directly."""
    terms = [(coef(rng, slot), ((v, 1),)) for v in variables]
    return poly([*terms, (coef(rng, slot), ())])


def _shape(slot: SlotSpec, rng: random.Random, variables: list[sympy.Symbol], wrt: sympy.Symbol) -> _Shape:
    if slot.difficulty == 1:
        if len(variables) > 1:  # a gradient: max(0, affine) in every variable, no outer constant
            return _Shape(_affine(rng, slot, variables))
        if rng.random() < 0.25:
            return _Shape(wrt)
        return _Shape(_affine(rng, slot, [wrt]))
    affine = _affine(rng, slot, variables)
    if slot.difficulty == 2:
        return _Shape(affine, k=coef(rng, slot, positive=True))
    if rng.random() < 0.5:
        return _Shape(affine, k=coef(rng, slot, positive=True), n=2)
    others = [v for v in variables if v != wrt]
    square = (coef(rng, slot, positive=True), ((wrt, 2),))
    terms = [(coef(rng, slot), ((v, 1),)) for v in others]
    return _Shape(poly([square, *terms, (coef(rng, slot), ())]))


def _steps(name: str, s: _Shape, variables: list[sympy.Symbol], wrt: sympy.Symbol) -> list[DraftStep]:
    du = diff(s.u, wrt)
    answer = s.derivative(wrt)
    steps = [held_constant_step(wrt, variables)] if len(variables) > 1 else []
    steps.append(
        DraftStep(
            text=f"ReLU as an indicator: d/du max(0, u) = 1 where u > 0 and 0 where u < 0 (no derivative at u = 0); "
            f"here u = {plain(s.u)}.",
            latex=label("ReLU as an indicator:")
            + r"\frac{d}{du}\max(0, u) = \begin{cases} 1 & u > 0 \\ 0 & u < 0 \end{cases}, \quad u = "
            + tex(s.u),
        )
    )
    if s.n != 1 or s.k != 1:
        steps.append(
            DraftStep(
                text=f"Outer function: {plain(s.k * _R**s.n)} with r = max(0, u); its derivative is "
                f"{plain(sympy.Integer(s.k * s.n) * _R ** (s.n - 1) if s.n > 1 else s.outer)}, and r = u where u > 0.",
                latex=math_label("Outer function, ", _R_IS_RELU, ":")
                + r"\frac{d}{dr}\left("
                + tex(s.k * _R**s.n)
                + r"\right) = "
                + tex(sympy.Integer(s.k * s.n) * _R ** (s.n - 1)),
            )
        )
    steps.append(
        DraftStep(
            text=f"Inner derivative: {d_text(wrt, plain(s.u))} = {plain(du)}",
            latex=label("Inner derivative:") + d_latex(wrt, tex(s.u)) + f" = {tex(du)}",
        )
    )
    steps.append(
        DraftStep(
            text=f"Chain rule, outer times inner, only where {plain(s.u)} > 0: {partial_text(wrt, name)} =",
            expr=answer,
            latex=label("Chain rule, outer times inner, 0 where the input is negative:")
            + f"{partial_latex(wrt, name)} = {tex(answer)}",
        )
    )
    return steps


class Relu(Family):
    name: ClassVar[str] = "relu"
    summary: ClassVar[str] = (
        "Derivative of ReLU: max(x, 0), max(0, 2x + 1), chain rule through ReLU; indicator answers."
    )
    asks: ClassVar[tuple[Ask, ...]] = ("partial", "gradient", "value")
    default_variables: ClassVar[tuple[str, ...]] = ("x",)
    min_variables: ClassVar[int] = 1
    max_variables: ClassVar[int] = 3

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        variables = slot_variables(slot, self)
        if slot.difficulty == 1 or slot.ask != "gradient":
            wrt = choose_wrt(slot, rng, variables)
        else:
            wrt = variables[0]
        active = [wrt] if slot.difficulty == 1 and slot.ask != "gradient" else variables
        s = _shape(slot, rng, active, wrt)
        if not s.u.free_symbols:
            return None
        if slot.ask == "value":  # the point is drawn from rng as well
            return self._build(slot, rng, variables, wrt, s)
        key = (s.u, s.k, s.n, wrt, tuple(variables), slot.ask)
        return _drafts.get(key, lambda: self._build(slot, rng, variables, wrt, s))

    def _build(
        self, slot: SlotSpec, rng: random.Random, variables: list[sympy.Symbol], wrt: sympy.Symbol, s: _Shape
    ) -> Draft | None:
        """Everything after the random shape: for partial and gradient asks a pure function of it."""
        name = "f"
        function = s.function
        kinks = [s.u]
        if slot.ask == "gradient":
            if any(not s.u.has(v) for v in variables):
                return None
            answers = [s.derivative(v) for v in variables]
            steps = gradient_steps(name, [(v, _steps(name, s, variables, v)[1:]) for v in variables], answers)
            mistakes: list[MistakeSpec] = [
                (
                    "wrong_side",
                    [indicator(s.slope(v), ZERO, s.u) for v in variables],
                    "ReLU passes the slope where its input is positive, not negative.",
                ),
                (
                    "ignored_max",
                    [s.slope(v) for v in variables],
                    "ReLU is flat where its input is negative: every component needs the indicator.",
                ),
            ]
            return finish(
                slot,
                rng,
                function=function,
                variables=variables,
                wrt=variables,
                derivatives=answers,
                steps=steps,
                mistakes=mistakes,
                kinks=kinks,
            )
        du = diff(s.u, wrt)
        slope = s.slope(wrt)
        answer = s.derivative(wrt)
        mistakes = [
            (
                "wrong_side",
                indicator(slope, ZERO, s.u),
                f"ReLU passes the slope where its input is positive ({plain(s.u)} > 0), not negative.",
            ),
            (
                "ignored_max",
                slope,
                f"max(0, u) is 0 where u < 0, so the derivative is 0 there: the answer needs the indicator of {plain(s.u)} > 0.",
            ),
        ]
        if du != 1:
            mistakes.append(
                (
                    "forgot_inner",
                    indicator(s.outer, s.u),
                    f"Chain rule: multiply by the inner derivative {plain(du)}.",
                )
            )
        if s.u != wrt and s.u.has(wrt):
            mistakes.append(
                (
                    "wrong_kink",
                    indicator(slope, wrt),
                    f"The switch is where the input {plain(s.u)} crosses 0, not where {wrt.name} does.",
                )
            )
        return finish(
            slot,
            rng,
            function=function,
            variables=variables,
            wrt=[wrt],
            derivatives=[answer],
            steps=_steps(name, s, variables, wrt),
            mistakes=mistakes,
            kinks=kinks,
        )
