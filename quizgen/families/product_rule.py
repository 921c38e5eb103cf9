"""Partial derivative of a product of constants and variables (3x^2y, xyz, 5x^3y^2z).

With respect to one variable the other factors are constants that move outside (constant-multiple rule),
and the power rule does the rest. At difficulty 3 the function is a sum of two such products, so the sum
rule joins in. Each product is kept as (coefficient, powers) so steps and buggy keys come from the data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
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
    add,
    choose_wrt,
    coef,
    d_latex,
    d_text,
    finish,
    gradient_steps,
    held_constant_step,
    join_names,
    label,
    math_label,
    mono,
    partial_latex,
    plain,
    slot_variables,
    tex,
)

# difficulty -> (number of products, max exponent)
_LEVELS = {1: (1, 2), 2: (1, 3), 3: (2, 4)}


@dataclass(frozen=True)
class _Product:
    """c * v1^e1 * v2^e2 ...; its derivatives (and the buggy ones) are monomials, built directly (kit.mono)."""

    c: int
    powers: tuple[tuple[sympy.Symbol, int], ...]

    @property
    def expr(self) -> sympy.Expr:
        return mono(self.c, self.powers)

    def exponent(self, v: sympy.Symbol) -> int:
        return dict(self.powers).get(v, 0)

    def _others(self, v: sympy.Symbol) -> tuple[tuple[sympy.Symbol, int], ...]:
        return tuple((p, e) for p, e in self.powers if p != v)

    def outside(self, v: sympy.Symbol) -> sympy.Expr:
        """The constant factor (coefficient and the other variables) that moves outside."""
        return mono(self.c, self._others(v))

    def _times_power(self, v: sympy.Symbol, factor: int, exponent: int) -> sympy.Expr:
        """outside(v) * factor * v^exponent."""
        own = ((v, exponent),) if exponent else ()
        return mono(self.c * factor, self._others(v) + own)

    def d(self, v: sympy.Symbol) -> sympy.Expr:
        n = self.exponent(v)
        return self._times_power(v, n, n - 1) if n else sympy.Integer(0)

    def d_no_reduce(self, v: sympy.Symbol) -> sympy.Expr:
        n = self.exponent(v)
        return self._times_power(v, n, n) if n else sympy.Integer(0)

    def d_no_factor(self, v: sympy.Symbol) -> sympy.Expr:
        """Exponent reduced but not brought down."""
        n = self.exponent(v)
        return self._times_power(v, 1, n - 1) if n else sympy.Integer(0)

    def d_all_vary(self, v: sympy.Symbol) -> sympy.Expr:
        """Every variable differentiated as if it changed too (product rule over all factors)."""
        return add([self.d(p) for p, _ in self.powers])


def _draw_product(
    rng: random.Random, slot: SlotSpec, variables: list[sympy.Symbol], must: sympy.Symbol, max_exp: int, size: int
) -> _Product:
    others = [v for v in variables if v != must]
    rng.shuffle(others)
    chosen = [must] + others[: max(1, size - 1)]
    powers = tuple(sorted(((v, rng.randint(1, max_exp)) for v in chosen), key=lambda p: variables.index(p[0])))
    return _Product(coef(rng, slot), powers)


def _products(slot: SlotSpec, rng: random.Random, variables: list[sympy.Symbol], wrt: sympy.Symbol) -> list[_Product]:
    count, max_exp = _LEVELS[slot.difficulty]
    size = {1: 2, 2: 3, 3: 3}[slot.difficulty]
    first = _draw_product(rng, slot, variables, wrt, max_exp, min(size, len(variables)))
    if count == 1:
        return [first]
    second = _draw_product(rng, slot, variables, wrt, max_exp, min(2, len(variables)))
    return [first, second] if second.powers != first.powers else [first]


def _steps(name: str, products: list[_Product], variables: list[sympy.Symbol], wrt: sympy.Symbol) -> list[DraftStep]:
    """Held constant, (sum rule), constant factor outside, power rule, multiply out."""
    steps = [held_constant_step(wrt, variables)]
    if len(products) > 1:
        steps.append(
            DraftStep(
                text="Sum rule: differentiate each product separately.",
                latex=label("Sum rule, product by product:")
                + partial_latex(wrt, name)
                + " = "
                + " + ".join(d_latex(wrt, tex(p.expr)) for p in products),
            )
        )
    results = []
    for p in products:
        n = p.exponent(wrt)
        if n == 0:
            steps.append(
                DraftStep(
                    text=f"{plain(p.expr)} contains no {wrt.name}: a constant, so its derivative is 0.",
                    latex=math_label("No ", wrt, " here, a constant:") + d_latex(wrt, tex(p.expr)) + " = 0",
                )
            )
            continue
        out = p.outside(wrt)
        power = wrt**n
        others = [v.name for v, _ in p.powers if v != wrt]
        moved = f"{plain(out)} (the coefficient{' times ' + join_names(others) if others else ''})"
        steps.append(
            DraftStep(
                text=f"Constant-multiple rule: {moved} is constant, so it moves outside: "
                f"{d_text(wrt, plain(p.expr))} = {plain(out)} * {d_text(wrt, plain(power))}",
                latex=label("Constant-multiple rule, the constant factor moves outside:")
                + d_latex(wrt, tex(p.expr))
                + f" = {tex(out)} \\cdot "
                + d_latex(wrt, tex(power)),
            )
        )
        d_power = mono(n, ((wrt, n - 1),) if n > 1 else ())
        steps.append(
            DraftStep(
                text=f"Power rule: {d_text(wrt, plain(power))} = {plain(d_power)}",
                latex=label("Power rule:") + d_latex(wrt, tex(power)) + f" = {tex(d_power)}",
            )
        )
        result = p.d(wrt)
        results.append(result)
        steps.append(
            DraftStep(
                text=f"Multiply: {plain(out)} * {plain(d_power)} = {plain(result)}",
                latex=label("Multiply:") + f"{tex(out)} \\cdot {tex(d_power)} = {tex(result)}",
            )
        )
    total = add(results)
    steps.append(
        DraftStep(text="Result:", expr=total, latex=label("Result:") + f"{partial_latex(wrt, name)} = {tex(total)}")
    )
    return steps


class ProductRule(Family):
    name: ClassVar[str] = "product_rule"
    summary: ClassVar[str] = (
        "Partial derivative of a product like 5x^3y^2z: other factors are constants that move outside."
    )
    asks: ClassVar[tuple[Ask, ...]] = ("partial", "gradient", "value")
    default_variables: ClassVar[tuple[str, ...]] = ("x", "y", "z")
    min_variables: ClassVar[int] = 2
    max_variables: ClassVar[int] = 4

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        variables = slot_variables(slot, self)
        if slot.ask == "gradient":
            # one product with every variable, so every component is a real product-rule question
            count, max_exp = _LEVELS[slot.difficulty]
            products = [_draw_product(rng, slot, variables, variables[0], max_exp, len(variables))]
            if count > 1:
                extra = _draw_product(rng, slot, variables, variables[rng.randrange(len(variables))], max_exp, 2)
                if extra.powers != products[0].powers:
                    products.append(extra)
            wrt, other = None, None
        else:
            wrt = choose_wrt(slot, rng, variables)
            products = _products(slot, rng, variables, wrt)
            in_product = [v for v, _ in products[0].powers if v != wrt]
            other = in_product[rng.randrange(len(in_product))] if in_product else None
        if slot.ask == "value":  # the point is drawn from rng as well
            return _build(slot, rng, variables, products, wrt, other)
        key = (tuple(products), wrt, other, tuple(variables), slot.ask)
        return _drafts.get(key, lambda: _build(slot, rng, variables, products, wrt, other))


_drafts = DraftMemo()
"""Partial and gradient drafts by products, wrt, the other variable and ask: about a third of the demo
bank's draws repeat one."""


def _build(
    slot: SlotSpec,
    rng: random.Random,
    variables: list[sympy.Symbol],
    products: list[_Product],
    wrt: sympy.Symbol | None,
    other: sympy.Symbol | None,
) -> Draft | None:
    """Everything after the random draws: for partial and gradient asks a pure function of them."""
    name = "f"
    if wrt is None:
        function = add([p.expr for p in products])
        answers = [add([p.d(v) for p in products]) for v in variables]
        steps = gradient_steps(name, [(v, _steps(name, products, variables, v)[1:]) for v in variables], answers)
        mistakes: list[MistakeSpec] = [
            (
                "off_by_one_exp",
                [add([p.d_no_reduce(v) for p in products]) for v in variables],
                "Power rule: the exponent comes down and is reduced by one, d/dx x^n = n x^(n-1).",
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
        )
    function = add([p.expr for p in products])
    answer = add([p.d(wrt) for p in products])
    mistakes = [
        (
            "off_by_one_exp",
            add([p.d_no_reduce(wrt) for p in products]),
            "Power rule: the exponent comes down and is reduced by one, d/dx x^n = n x^(n-1).",
        ),
        (
            "no_power_factor",
            add([p.d_no_factor(wrt) for p in products]),
            "Power rule: the old exponent multiplies the result, d/dx x^n = n x^(n-1).",
        ),
        (
            "other_var_nonconst",
            add([p.d_all_vary(wrt) for p in products]),
            f"Only {wrt.name} changes: the other variables are constants, they move outside and are not differentiated.",
        ),
    ]
    if other is not None:
        mistakes.insert(
            0,
            (
                "wrong_var",
                add([p.d(other) for p in products]),
                f"That is the derivative with respect to {other.name}; the question asks for {wrt.name}.",
            ),
        )
    return finish(
        slot,
        rng,
        function=function,
        variables=variables,
        wrt=[wrt],
        derivatives=[answer],
        steps=_steps(name, products, variables, wrt),
        mistakes=mistakes,
    )
