"""Partial derivative of a sum: terms in 2-4 variables, constants and terms in other variables only.

The point of the topic is that a partial derivative goes term by term (sum rule) and that every term
without the variable is a constant that vanishes. Terms are kept as data (coefficient, powers, optional
function of another variable) so the worked steps and the buggy keys follow from the same terms.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import ClassVar

import sympy

from quizgen.families.kit import (
    Ask,
    Draft,
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
    ordered_terms,
    partial_latex,
    partial_text,
    plain,
    slot_variables,
    tex,
)

_OTHER_FUNCS = (sympy.sin, sympy.cos, sympy.exp)

# difficulty -> (terms with wrt, terms without wrt, max exponent, mixed terms allowed, functions of others)
_LEVELS = {
    1: (1, 2, 3, False, False),
    2: (2, 2, 3, True, False),
    3: (3, 2, 4, True, True),
}


@dataclass(frozen=True)
class _Term:
    c: int
    powers: tuple[tuple[sympy.Symbol, int], ...]
    func: type[sympy.Function] | None = None
    func_var: sympy.Symbol | None = None

    @property
    def expr(self) -> sympy.Expr:
        return _term_expr(self)

    def has(self, v: sympy.Symbol) -> bool:
        return any(p == v for p, _ in self.powers) or (self.func_var is not None and self.func_var == v)

    def d(self, v: sympy.Symbol) -> sympy.Expr:
        return _term_d(self, v)

    def d_no_reduce(self, v: sympy.Symbol) -> sympy.Expr:
        """Buggy power rule: the exponent comes down but is not reduced."""
        if self.func_var == v or not self.has(v):
            return self.d(v)
        e = dict(self.powers)[v]
        if self.func is None:
            return mono(e * self.c, self.powers)
        return sympy.Integer(e) * self.expr


@functools.lru_cache(maxsize=20_000)
def _term_expr(t: _Term) -> sympy.Expr:
    """Terms recur across students, so their sympy objects are built once (a power term directly)."""
    if t.func is None:
        return mono(t.c, t.powers)
    return sympy.Mul(sympy.Integer(t.c), *[v**e for v, e in t.powers], t.func(t.func_var))


_FUNC_DERIVATIVE = {sympy.sin: lambda u: sympy.cos(u), sympy.cos: lambda u: -sympy.sin(u), sympy.exp: sympy.exp}


@functools.lru_cache(maxsize=20_000)
def _term_d(t: _Term, v: sympy.Symbol) -> sympy.Expr:
    """The term's partial derivative by the power rule (or sin/cos/exp of v), built directly."""
    if t.func is not None and t.func_var == v:
        rest = [p**e for p, e in t.powers]
        return sympy.Mul(sympy.Integer(t.c), *rest, _FUNC_DERIVATIVE[t.func](v))
    e = dict(t.powers).get(v, 0)
    if e == 0:
        return sympy.Integer(0)
    powers = tuple((p, k - 1 if p == v else k) for p, k in t.powers if p != v or k > 1)
    if t.func is None:
        return mono(t.c * e, powers)
    return sympy.Mul(sympy.Integer(t.c * e), *[p**k for p, k in powers], t.func(t.func_var))


def _draw_terms(slot: SlotSpec, rng: random.Random, variables: list[sympy.Symbol], wrt: sympy.Symbol) -> list[_Term]:
    with_wrt, without, max_exp, mixed, funcs = _LEVELS[slot.difficulty]
    others = [v for v in variables if v != wrt]
    terms: list[_Term] = []
    exps_used: set[int] = set()
    for i in range(with_wrt):
        e = rng.randint(1, max_exp)
        while e in exps_used and len(exps_used) < max_exp:
            e = rng.randint(1, max_exp)
        exps_used.add(e)
        powers: list[tuple[sympy.Symbol, int]] = [(wrt, e)]
        if mixed and others and i == with_wrt - 1:
            partner = others[rng.randrange(len(others))]
            powers.append((partner, rng.randint(1, 2)))
        terms.append(_Term(coef(rng, slot), tuple(sorted(powers, key=lambda p: variables.index(p[0])))))
    for i in range(without):
        if others and (i == 0 or rng.random() < 0.6):
            v = others[rng.randrange(len(others))]
            if funcs and i == 0:
                terms.append(_Term(coef(rng, slot), (), _OTHER_FUNCS[rng.randrange(3)], v))
            else:
                terms.append(_Term(coef(rng, slot), ((v, rng.randint(1, max_exp)),)))
        else:
            terms.append(_Term(coef(rng, slot), ()))
    rng.shuffle(terms)
    # like terms would merge when sympy adds them; keep one per monomial so the steps match the function
    unique: dict[tuple[object, ...], _Term] = {}
    for t in terms:
        unique.setdefault((t.powers, t.func, t.func_var), t)
    return list(unique.values())


def _printed_order(terms: list[_Term], function: sympy.Expr) -> list[_Term]:
    """The terms in the order sympy prints the function, so the steps read like the prompt."""
    order = {e: i for i, e in enumerate(ordered_terms(function))}
    return sorted(terms, key=lambda t: order.get(t.expr, len(order)))


def _steps(name: str, terms: list[_Term], variables: list[sympy.Symbol], wrt: sympy.Symbol) -> list[DraftStep]:
    """Held constant, sum rule, the vanishing terms, the power rule on each remaining term, the sum."""
    steps = [held_constant_step(wrt, variables)]
    pieces_text = " + ".join(d_text(wrt, plain(t.expr)) for t in terms)
    pieces_latex = " + ".join(d_latex(wrt, tex(t.expr)) for t in terms)
    steps.append(
        DraftStep(
            text=f"Sum rule: differentiate term by term: {partial_text(wrt, name)} = {pieces_text}",
            latex=label("Sum rule, term by term:") + f"{partial_latex(wrt, name)} = {pieces_latex}",
        )
    )
    constants = [t for t in terms if not t.has(wrt)]
    if constants:
        names_text = join_names([plain(t.expr) for t in constants])
        verb = "contains" if len(constants) == 1 else "contain"
        steps.append(
            DraftStep(
                text=f"{names_text} {verb} no {wrt.name}: constants, so their derivative is 0.",
                latex=math_label("Terms without ", wrt, " are constants:")
                + r",\quad ".join(d_latex(wrt, tex(t.expr)) + " = 0" for t in constants),
            )
        )
    for t in terms:
        if not t.has(wrt):
            continue
        d = t.d(wrt)
        held = [v for v, _ in t.powers if v != wrt]
        rest = [v.name for v in held]
        note = f" ({join_names(rest)} held constant)" if rest else ""
        rule = f"Derivative of {t.func.__name__}" if t.func is not None and t.func_var == wrt else "Power rule"
        steps.append(
            DraftStep(
                text=f"{rule}{note}: {d_text(wrt, plain(t.expr))} = {plain(d)}",
                latex=(math_label(rule, " (", held, " held constant):") if held else label(f"{rule}:"))
                + d_latex(wrt, tex(t.expr))
                + f" = {tex(d)}",
            )
        )
    total = add([t.d(wrt) for t in terms])
    steps.append(
        DraftStep(
            text="Add the results:",
            expr=total,
            latex=label("Add the results:") + f"{partial_latex(wrt, name)} = {tex(total)}",
        )
    )
    return steps


class SumRule(Family):
    name: ClassVar[str] = "sum_rule"
    summary: ClassVar[str] = "Partial derivative of a sum of terms; terms without the variable vanish (sum rule)."
    asks: ClassVar[tuple[Ask, ...]] = ("partial", "gradient", "value")
    default_variables: ClassVar[tuple[str, ...]] = ("x", "y", "z")
    min_variables: ClassVar[int] = 2
    max_variables: ClassVar[int] = 4

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        variables = slot_variables(slot, self)
        name = "f"
        if slot.ask == "gradient":
            # every variable must appear: draw around a random "main" variable, then add one term per missing one
            main = variables[rng.randrange(len(variables))]
            terms = _draw_terms(slot, rng, variables, main)
            for v in variables:
                if not any(t.has(v) for t in terms):
                    terms.append(_Term(coef(rng, slot), ((v, rng.randint(1, _LEVELS[slot.difficulty][2])),)))
            function = add([t.expr for t in terms])
            terms = _printed_order(terms, function)
            answers = [add([t.d(v) for t in terms]) for v in variables]
            steps = gradient_steps(name, [(v, _steps(name, terms, variables, v)[1:]) for v in variables], answers)
            mistakes: list[MistakeSpec] = [
                (
                    "off_by_one_exp",
                    [add([t.d_no_reduce(v) for t in terms]) for v in variables],
                    "Power rule: the exponent comes down and is reduced by one, d/dx x^n = n x^(n-1).",
                ),
                (
                    "other_var_nonconst",
                    [add([t.d(v) if t.has(v) else t.expr for t in terms]) for v in variables],
                    "A term without the variable is a constant; its partial derivative is 0, not the term itself.",
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
        wrt = choose_wrt(slot, rng, variables)
        terms = _draw_terms(slot, rng, variables, wrt)
        function = add([t.expr for t in terms])
        terms = _printed_order(terms, function)
        answer = add([t.d(wrt) for t in terms])
        others = [v for v in variables if v != wrt]
        other = others[rng.randrange(len(others))]
        with_wrt = [t for t in terms if t.has(wrt)]
        mistakes = [
            (
                "wrong_var",
                add([t.d(other) for t in terms]),
                f"That is the derivative with respect to {other.name}; the question asks for {wrt.name}.",
            ),
            (
                "other_var_nonconst",
                add([t.d(wrt) if t.has(wrt) else t.expr for t in terms]),
                f"Terms without {wrt.name} are constants: their partial derivative is 0, so they vanish.",
            ),
            (
                "off_by_one_exp",
                add([t.d_no_reduce(wrt) for t in terms]),
                "Power rule: the exponent comes down and is reduced by one, d/dx x^n = n x^(n-1).",
            ),
        ]
        if len(with_wrt) > 1:
            mistakes.append(
                (
                    "dropped_term",
                    add([t.d(wrt) for t in with_wrt[1:]]),
                    f"Every term containing {wrt.name} contributes; one was left out (sum rule: differentiate each term).",
                )
            )
        return finish(
            slot,
            rng,
            function=function,
            variables=variables,
            wrt=[wrt],
            derivatives=[answer],
            steps=_steps(name, terms, variables, wrt),
            mistakes=mistakes,
        )
