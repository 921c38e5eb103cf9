"""Partial derivatives of max(x, y), and at higher difficulty of the max of two expressions.

∂/∂x max(u, v) is ∂u/∂x where u > v and ∂v/∂x elsewhere: for max(x, y) the indicator 1(x > y), written as
Piecewise((1, x > y), (0, True)). The kink u = v is where the derivative does not exist; it is reported
so checks sample away from it.
"""

from __future__ import annotations

import random
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
    coef,
    d_latex,
    d_text,
    diff,
    finish,
    gradient_steps,
    held_constant_step,
    indicator,
    label,
    mono,
    partial_latex,
    partial_text,
    plain,
    poly,
    slot_variables,
    tex,
)


def _branches(slot: SlotSpec, rng: random.Random, x: sympy.Symbol, y: sympy.Symbol) -> tuple[sympy.Expr, sympy.Expr]:
    """The two arguments u, v of max(u, v) for the slot's difficulty."""
    if slot.difficulty == 1:
        if rng.random() < 0.5:
            return x, y
        shift = coef(rng, slot)
        return (
            (poly([(1, ((x, 1),)), (shift, ())]), y) if rng.random() < 0.5 else (x, poly([(1, ((y, 1),)), (shift, ())]))
        )
    if slot.difficulty == 2:  # c1 x + c0, c3 y + c2, drawn in that order
        u = poly([(coef(rng, slot), ((x, 1),)), (coef(rng, slot), ())])
        return u, poly([(coef(rng, slot), ((y, 1),)), (coef(rng, slot), ())])
    shapes = [
        lambda: mono(coef(rng, slot), ((x, 1), (y, 1))),
        lambda: poly([(coef(rng, slot), ((x, 2),)), (coef(rng, slot), ((y, 1),))]),
        lambda: poly([(coef(rng, slot), ((x, 1),)), (coef(rng, slot), ((y, 2),))]),
        lambda: poly([(coef(rng, slot), ((x, 1), (y, 1))), (coef(rng, slot), ())]),
    ]
    i = rng.randrange(len(shapes))
    j = (i + 1 + rng.randrange(len(shapes) - 1)) % len(shapes)
    return shapes[i](), shapes[j]()


def _derivative(u: sympy.Expr, v: sympy.Expr, wrt: sympy.Symbol) -> sympy.Basic:
    """The branch whose derivative is not 0 goes first, so d/dy max(x, y) reads 1(y > x)."""
    du, dv = diff(u, wrt), diff(v, wrt)
    if du == 0 and dv != 0:
        return indicator(dv, v, u, du)
    return indicator(du, u, v, dv)


def _steps(
    name: str, u: sympy.Expr, v: sympy.Expr, variables: list[sympy.Symbol], wrt: sympy.Symbol
) -> list[DraftStep]:
    du, dv = diff(u, wrt), diff(v, wrt)
    answer = _derivative(u, v, wrt)
    (first, cond), (second, _) = answer.args
    steps = [
        held_constant_step(wrt, variables),
        DraftStep(
            text=f"max picks the larger argument: where {plain(u)} > {plain(v)} the function is {plain(u)}, "
            f"elsewhere it is {plain(v)}; the derivative does not exist on the kink {plain(u)} = {plain(v)}.",
            latex=label("max picks the larger argument:")
            + rf"\max({tex(u)}, {tex(v)}) = \begin{{cases}} {tex(u)} & {tex(u)} > {tex(v)} \\ {tex(v)} & "
            r"\text{otherwise} \end{cases}",
        ),
        DraftStep(
            text=f"Differentiate each branch: {d_text(wrt, plain(u))} = {plain(du)} and {d_text(wrt, plain(v))} = {plain(dv)}",
            latex=label("Differentiate each branch:")
            + d_latex(wrt, tex(u))
            + f" = {tex(du)}, \\quad "
            + d_latex(wrt, tex(v))
            + f" = {tex(dv)}",
        ),
        DraftStep(
            text=f"Max as an indicator: {partial_text(wrt, name)} = {plain(first)} where {plain(cond.lhs)} > "
            f"{plain(cond.rhs)}, else {plain(second)}:",
            expr=answer,
            latex=label("Max as an indicator:") + f"{partial_latex(wrt, name)} = {tex(answer)}",
        ),
    ]
    return steps


_drafts = DraftMemo()
"""Partial and gradient drafts by branches, wrt and ask: a slot has few distinct ones (74 in 1,001 draws of
the demo bank)."""


class MaxPartial(Family):
    name: ClassVar[str] = "max_partial"
    summary: ClassVar[str] = (
        "Partial derivatives of max(x, y) and of the max of two expressions, as indicators 1(x > y)."
    )
    asks: ClassVar[tuple[Ask, ...]] = ("partial", "gradient", "value")
    default_variables: ClassVar[tuple[str, ...]] = ("x", "y")
    min_variables: ClassVar[int] = 2
    max_variables: ClassVar[int] = 2

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        variables = slot_variables(slot, self)
        x, y = variables
        u, v = _branches(slot, rng, x, y)
        if (u - v).is_number:
            return None
        wrt = None
        if slot.ask != "gradient":
            wrt = variables[rng.randrange(2)] if slot.wrt is None else (x if slot.wrt == x.name else y)
        if slot.ask == "value":  # the point is drawn from rng as well
            return self._build(slot, rng, variables, u, v, wrt)
        key = (u, v, wrt, tuple(variables), slot.ask)
        return _drafts.get(key, lambda: self._build(slot, rng, variables, u, v, wrt))

    def _build(
        self,
        slot: SlotSpec,
        rng: random.Random,
        variables: list[sympy.Symbol],
        u: sympy.Expr,
        v: sympy.Expr,
        wrt: sympy.Symbol | None,
    ) -> Draft | None:
        """Everything after the random branches (and wrt): for partial and gradient asks a pure function of them."""
        x, y = variables
        function = sympy.Max(u, v, evaluate=False)  # evaluating Max costs ms per call; u - v is checked in draw
        name = "f"
        kinks = [u - v]
        if slot.ask == "gradient":
            answers = [_derivative(u, v, w) for w in variables]
            steps = gradient_steps(name, [(w, _steps(name, u, v, variables, w)[1:]) for w in variables], answers)
            mistakes: list[MistakeSpec] = [
                (
                    "wrong_side",
                    [indicator(diff(v, w), u, v, diff(u, w)) for w in variables],
                    "The indicator is on the wrong side: the derivative follows the branch that is larger.",
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
        assert wrt is not None, "drawn in draw() for every ask but gradient"
        other = y if wrt == x else x
        du, dv = diff(u, wrt), diff(v, wrt)
        answer = _derivative(u, v, wrt)
        mistakes = [
            (
                "wrong_side",
                indicator(dv, u, v, du),
                "The indicator is on the wrong side: where a branch is the larger one, the derivative is that "
                "branch's derivative.",
            ),
            (
                "ignored_max",
                du if du != 0 else dv,
                "max(u, v) is not u everywhere: the derivative is an indicator that depends on which branch is larger.",
            ),
            (
                "wrong_var",
                _derivative(u, v, other),
                f"That is the derivative with respect to {other.name}; the question asks for {wrt.name}.",
            ),
        ]
        if du != 0 and du != 1:
            mistakes.append(
                (
                    "forgot_inner",
                    indicator(sympy.Integer(1), u, v, dv),
                    f"Inside the indicator, multiply by the branch's own derivative ({plain(du)}).",
                )
            )
        return finish(
            slot,
            rng,
            function=function,
            variables=variables,
            wrt=[wrt],
            derivatives=[answer],
            steps=_steps(name, u, v, variables, wrt),
            mistakes=mistakes,
            kinks=kinks,
        )
