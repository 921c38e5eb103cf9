"""The gradient of a function of 2-4 variables: the vector of all partial derivatives, in variable order.

Functions are sums of terms c * (product of powers), and at difficulty 3 also c * (powers) * g(k u) with
g in exp/sin/cos of a variable u that the powers do not contain, so every partial is the power rule or a
one-step chain rule on each term. Terms are kept as data (coefficient, powers, transcendental factor) so
the buggy keys (exponent not reduced, other variables treated as changing) follow from the same terms.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import sympy

from quizgen.families.kit import (
    Ask,
    Draft,
    DraftMistake,
    DraftStep,
    Family,
    MistakeSpec,
    SlotSpec,
    add,
    coef,
    fast_subs,
    finish,
    join_names,
    math_label,
    mono,
    nonzero_int,
    ordered_terms,
    partial_latex,
    partial_text,
    plain,
    point_values,
    slot_variables,
    tex,
)

_TRANSCENDENTAL = (sympy.exp, sympy.sin, sympy.cos)
_POINT_TRIES = 20


@dataclass(frozen=True)
class _Term:
    """c * prod(v**e for v, e in powers) * func(k * var) (func None: a pure power term or a constant)."""

    c: int
    powers: tuple[tuple[sympy.Symbol, int], ...]
    func: type[sympy.Function] | None = None
    k: int = 1
    var: sympy.Symbol | None = None

    def rest(self, without: sympy.Symbol | None = None) -> sympy.Expr:
        """The term with the power of `without` removed (its coefficient kept)."""
        powers = tuple((v, e) for v, e in self.powers if v != without)
        if self.func is None or self.var is None:
            return mono(self.c, powers)
        return sympy.Mul(mono(self.c, powers), self.func(self.k * self.var))

    @cached_property
    def expr(self) -> sympy.Expr:
        return self.rest()

    @cached_property
    def symbols(self) -> frozenset[sympy.Symbol]:
        """The variables the term contains (a set: steps and mistakes ask once per term and variable)."""
        return frozenset([p for p, _ in self.powers] + ([self.var] if self.var is not None else []))

    def contains(self, v: sympy.Symbol) -> bool:
        return v in self.symbols

    def exponent(self, v: sympy.Symbol) -> int:
        return dict(self.powers).get(v, 0)

    def diff(self, v: sympy.Symbol, *, keep_exponent: bool = False) -> sympy.Expr:
        """d/dv of the term; keep_exponent=True is the off-by-one bug v^n -> n v^n."""
        e = self.exponent(v)
        if e:
            lowered = e if keep_exponent else e - 1
            powers = tuple((p, lowered if p == v else q) for p, q in self.powers if p != v or lowered)
            if self.func is None or self.var is None:
                return mono(self.c * e, powers)
            return sympy.Mul(mono(self.c * e, powers), self.func(self.k * self.var))
        if self.var is not None and v == self.var:  # a pure power term has no var (Symbol == None is slow)
            inner = sympy.Integer(self.k) * self.var
            outer = {sympy.exp: sympy.exp(inner), sympy.sin: sympy.cos(inner), sympy.cos: -sympy.sin(inner)}
            others = sympy.Mul(sympy.Integer(self.c), *[p**q for p, q in self.powers])
            return others * self.k * outer[self.func]
        return sympy.Integer(0)


def _small_coef(rng: random.Random, slot: SlotSpec, bound: int = 3) -> int:
    """A coefficient from the slot's range kept within [-bound, bound] when the range allows (for exp(k u))."""
    lo, hi = slot.coefficients
    if any(v != 0 for v in range(max(lo, -bound), min(hi, bound) + 1)):
        lo, hi = max(lo, -bound), min(hi, bound)
    return nonzero_int(rng, lo, hi)


def _power_term(rng: random.Random, slot: SlotSpec, variables: list[sympy.Symbol], max_exp: int) -> _Term:
    return _Term(coef(rng, slot), tuple((v, rng.randint(1, max_exp)) for v in variables))


def _subset(rng: random.Random, variables: list[sympy.Symbol], size: int) -> list[sympy.Symbol]:
    """size distinct variables, kept in the problem's variable order."""
    picked = rng.sample(range(len(variables)), size)
    return [variables[i] for i in sorted(picked)]


def _draw_terms(rng: random.Random, slot: SlotSpec, variables: list[sympy.Symbol]) -> list[_Term]:
    """Difficulty 1: one power per variable plus one cross term xy. 2: products of 2-3 variables with
    powers up to 3 and maybe a constant. 3: as 2 plus one or two exp/sin/cos terms."""
    n = len(variables)
    terms: list[_Term] = []
    if slot.difficulty <= 1:
        terms = [_power_term(rng, slot, [v], 3) for v in variables]
        pair = _subset(rng, variables, 2)
        terms.insert(rng.randint(0, len(terms)), _Term(coef(rng, slot), tuple((v, 1) for v in pair)))
    else:
        count = n + 1 if slot.difficulty == 2 else n
        for i in range(count):
            size = 2 if i == 0 else rng.randint(1, min(3, n))
            terms.append(_power_term(rng, slot, _subset(rng, variables, size), 3))
        if slot.difficulty >= 3:
            for _ in range(rng.randint(1, 2)):
                u = variables[rng.randrange(n)]
                others = [v for v in variables if v != u]
                with_power = _subset(rng, others, 1) if rng.random() < 0.6 else []
                powers = tuple((v, rng.randint(1, 2)) for v in with_power)
                func = _TRANSCENDENTAL[rng.randrange(len(_TRANSCENDENTAL))]
                terms.append(_Term(coef(rng, slot), powers, func, _small_coef(rng, slot), u))
        # every variable appears, so no component of the gradient is identically 0
        for v in variables:
            if not any(t.contains(v) for t in terms):
                terms.insert(rng.randint(0, len(terms)), _power_term(rng, slot, [v], 3))
        if rng.random() < 0.5:
            terms.append(_Term(coef(rng, slot), ()))
    return _in_display_order(_dedupe(terms))


def _dedupe(terms: list[_Term]) -> list[_Term]:
    """Drop terms whose monomial repeats an earlier one, so no two terms merge or cancel."""
    seen: set[tuple[object, ...]] = set()
    kept: list[_Term] = []
    for t in terms:
        key = (tuple((p.name, e) for p, e in t.powers), t.func, t.k, t.var)
        if key not in seen:
            seen.add(key)
            kept.append(t)
    return kept


def _in_display_order(terms: list[_Term]) -> list[_Term]:
    """The terms in the order sympy prints their sum, so steps list them as the prompt shows them."""
    total = add([t.expr for t in terms])
    ordered = ordered_terms(total)
    order = {e: i for i, e in enumerate(ordered)}
    return sorted(terms, key=lambda t: order.get(t.expr, len(order)))


def _inline(expr: sympy.Basic) -> str:
    """Inline math for a sentence inside \\text{...} (the renderer sets a step's leading \\text as prose)."""
    return f"${tex(expr)}$"


def _partial_sentence(
    v: sympy.Symbol, variables: list[sympy.Symbol], dead: list[_Term], rules: str, show: Callable[[sympy.Basic], str]
) -> str:
    """What is held constant, which terms vanish and the rule, with expressions written by show."""
    others = [show(w) for w in variables if w != v]
    text = f"Treat {join_names(others)} as {'a constant' if len(others) == 1 else 'constants'}."
    if len(dead) == 1:
        text += f" The term {show(dead[0].expr)} does not contain {show(v)} and vanishes."
    elif dead:
        text += f" The terms {join_names([show(t.expr) for t in dead])} do not contain {show(v)} and vanish."
    return text + f" Apply {rules} to each remaining term (constant factors stay):"


def _partial_step(v: sympy.Symbol, variables: list[sympy.Symbol], terms: list[_Term], result: sympy.Expr) -> DraftStep:
    """One partial: what is held constant, which terms vanish, the rule and each term's derivative."""
    live = [t for t in terms if t.contains(v)]
    dead = [t for t in terms if not t.contains(v)]
    rules = "the power rule" if all(t.var != v for t in live) else "the power rule and, for exp/sin/cos, the chain rule"
    text = f"{partial_text(v)}: " + _partial_sentence(
        v, variables, dead, rules, lambda e: plain(e) if not isinstance(e, sympy.Symbol) else e.name
    )
    d = tex(v)
    pieces = " + ".join(rf"\frac{{\partial}}{{\partial {d}}}\left({tex(t.expr)}\right)" for t in live)
    sentence = _partial_sentence(v, variables, dead, rules, _inline)
    latex = rf"\text{{{sentence}}} {partial_latex(v)} = {pieces} = {tex(result)}"
    return DraftStep(text=text, expr=result, latex=latex)


def _vector_latex(items: list[sympy.Basic]) -> str:
    return r"\left(" + ", ".join(tex(i) for i in items) + r"\right)"


def _mistakes(
    variables: list[sympy.Symbol], terms: list[_Term], table: list[list[sympy.Expr]], key: list[sympy.Expr]
) -> list[MistakeSpec]:
    """table[i][j] is d(term i)/d(variable j), shared with the key so nothing is differentiated twice."""
    n = len(variables)
    out: list[MistakeSpec] = []
    swap = next(((i, j) for i in range(n) for j in range(i + 1, n) if key[i] != key[j]), None)
    if swap is not None:
        i, j = swap
        swapped = list(key)
        swapped[i], swapped[j] = key[j], key[i]
        out.append(
            (
                "swapped_components",
                swapped,
                f"Two components are in the wrong places: the gradient lists the partial derivatives in the "
                f"order of the variables ({', '.join(v.name for v in variables)}).",
            )
        )
    out.append(
        (
            "missing_component",
            key[:-1],
            f"A component is missing: the gradient has one partial derivative per variable, {n} in all, "
            f"including {partial_text(variables[-1])}.",
        )
    )
    nonconst = [
        add([row[j] if t.contains(v) else add(row) for t, row in zip(terms, table)]) for j, v in enumerate(variables)
    ]
    if nonconst != key:
        out.append(
            (
                "other_var_nonconst",
                nonconst,
                "Terms that do not contain the variable you differentiate by are constants and vanish; "
                "you differentiated them by their own variables instead.",
            )
        )
    off = [add([t.diff(v, keep_exponent=True) for t in terms]) for v in variables]
    if off != key:
        out.append(
            (
                "off_by_one_exp",
                off,
                "The power rule lowers the exponent by one: the derivative of v^n is n*v^(n-1), not n*v^n.",
            )
        )
    return out


class Gradient(Family):
    """∇f for a sum of power (and at difficulty 3 exp/sin/cos) terms in 2-4 variables."""

    name: ClassVar[str] = "gradient"
    summary: ClassVar[str] = (
        "Gradient of a function of 2-4 variables: the vector of all partials (or its value at a point)"
    )
    asks: ClassVar[tuple[Ask, ...]] = ("gradient", "value")
    default_variables: ClassVar[tuple[str, ...]] = ("x", "y")
    min_variables: ClassVar[int] = 2
    max_variables: ClassVar[int] = 4

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        variables = slot_variables(slot, self)
        terms = _draw_terms(rng, slot, variables)
        function = add([t.expr for t in terms])
        table = [[t.diff(v) for v in variables] for t in terms]
        key = [add([row[j] for row in table]) for j in range(len(variables))]
        steps = [
            DraftStep(
                text=f"The gradient lists the partial derivatives in the order {', '.join(v.name for v in variables)}; "
                "for each one the other variables are held constant.",
                latex=math_label(
                    "The gradient lists the partial derivatives in the order ",
                    *[part for v in variables for part in (", ", v)][1:],
                    "; for each one the other variables are held constant.",
                ),
            )
        ]
        steps += [_partial_step(v, variables, terms, d) for v, d in zip(variables, key)]
        steps.append(
            DraftStep(
                text="Collect the partial derivatives into the gradient:",
                expr=list(key),
                latex=rf"\text{{Collect the partial derivatives into the gradient:}} \nabla f = {_vector_latex(key)}",
            )
        )
        mistakes = _mistakes(variables, terms, table, key)
        if slot.ask == "value":
            return _value_draft(slot, rng, function, variables, key, steps, mistakes)
        return finish(
            slot,
            rng,
            function=function,
            variables=variables,
            wrt=variables,
            derivatives=key,
            steps=steps,
            mistakes=mistakes,
        )


def _value_draft(
    slot: SlotSpec,
    rng: random.Random,
    function: sympy.Expr,
    variables: list[sympy.Symbol],
    key: list[sympy.Expr],
    steps: list[DraftStep],
    mistakes: list[MistakeSpec],
) -> Draft | None:
    """The gradient at a point: a list of numbers. Random points avoid a zero component (a dull question)."""
    for _ in range(_POINT_TRIES):
        bound = 2 if slot.difficulty >= 3 else 3  # exp(k u) at |u| <= 2 keeps values readable
        point = point_values(slot, rng, variables, lo=-bound, hi=bound)
        if point is None:
            return None
        values = [fast_subs(d, point) for d in key]
        if isinstance(slot.point, dict) or all(val != 0 for val in values):
            break
    else:
        return None
    sig = ", ".join(v.name for v in variables)
    sig_latex = ", ".join(tex(v) for v in variables)
    at_text = ", ".join(f"{v.name} = {plain(val)}" for v, val in point.items())
    at_latex = ", ".join(f"{tex(v)} = {tex(val)}" for v, val in point.items())
    prompt_text = (
        f"Let f({sig}) = {plain(function)}. Find the gradient ∇f at {at_text} "
        f"(the values of {', '.join(partial_text(v) for v in variables)}, in this order)."
    )
    prompt_latex = (
        f"Let $f({sig_latex}) = {tex(function)}$. Find the gradient $\\nabla f$ at ${at_latex}$ "
        # components named by variable, not as \frac{\partial f}{...}: renderers label a value answer by the
        # last partial in the prompt, and this answer is the whole vector
        f"(the values of the partial derivatives by ${', '.join(tex(v) for v in variables)}$, in this order)."
    )
    steps = steps + [
        DraftStep(
            text=f"Substitute {at_text} into each component:",
            expr=list(values),
            latex=rf"\text{{Substitute {', '.join(_inline(sympy.Eq(v, point[v], evaluate=False)) for v in variables)} into each component:}} "
            rf"\nabla f({', '.join(tex(point[v]) for v in variables)}) = {_vector_latex(values)}",
        )
    ]
    draft_mistakes = []
    for kind, answer, feedback in mistakes:
        at = [fast_subs(a, point) for a in answer]
        if at != values:
            draft_mistakes.append(DraftMistake(kind, at, feedback))
    return Draft(
        function=function,
        variables=variables,
        wrt=list(variables),
        answer=values,
        prompt_text=prompt_text,
        prompt_latex=prompt_latex,
        steps=steps,
        mistakes=draft_mistakes,
        point=point,
    )
