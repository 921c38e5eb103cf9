"""The chain rule with several inputs: F = f(g(y, h(x, z))) differentiated by x.

Each layer is drawn at random: the innermost h(x, z) uses the variable asked for and another one, every
middle layer g(y, u) takes another variable and the layer below, the outer f(v) is a power, sine, cosine
or exponential. Difficulty sets the depth: f(h(x, y)) at 1, f(g(y, h(x, z))) at 2, f(g(w, k(y, h(x, z))))
at 3. ∂F/∂x is the product of one factor per layer, each taken with the other inputs held constant.
Inner coefficients stay small (|c| <= 2 when the range allows) so sin/exp of the composition stays
checkable by central differences.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
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
    choose_wrt,
    coef,
    diff,
    join_names,
    mono,
    mul,
    nonzero_int,
    partial_latex,
    partial_text,
    plain,
    point_values,
    poly,
    slot_variables,
    tex,
    var,
)

_MIDDLE_NAMES = ("g", "k", "m")
_ARG_NAMES = ("u", "v", "s", "r", "q", "p")
_OUTERS_BY_DEPTH = {2: ("power", "exp", "sin", "cos"), 3: ("power", "exp", "sin", "cos"), 4: ("power", "sin", "cos")}


@dataclass(frozen=True)
class _Layer:
    """One layer: name(other, arg) = expr. other is None for the outer f; arg is x itself for h."""

    name: str
    expr: sympy.Expr
    arg: sympy.Symbol
    other: sympy.Symbol | None
    arg_first: bool = True  # h: x comes before the other variable in the bank's order (h(x, y), not h(y, x))

    @property
    def inputs(self) -> list[sympy.Symbol]:
        """The layer's arguments as written: h(x, z), g(y, u), f(v); h's two variables in their natural order."""
        if self.other is None:
            return [self.arg]
        if self.name == "h":
            return [self.arg, self.other] if self.arg_first else [self.other, self.arg]
        return [self.other, self.arg]

    def signature(self) -> str:
        return f"{self.name}({', '.join(a.name for a in self.inputs)})"

    def signature_latex(self) -> str:
        return f"{self.name}({', '.join(tex(a) for a in self.inputs)})"


def _small(rng: random.Random, slot: SlotSpec, bound: int = 2) -> int:
    """A coefficient from the slot's range, within [-bound, bound] when the range allows."""
    lo, hi = slot.coefficients
    if any(v != 0 for v in range(max(lo, -bound), min(hi, bound) + 1)):
        lo, hi = max(lo, -bound), min(hi, bound)
    return nonzero_int(rng, lo, hi)


def _inner(rng: random.Random, slot: SlotSpec, x: sympy.Symbol, s: sympy.Symbol, gentle: bool) -> sympy.Expr:
    """h(x, s): a product of powers or a sum of two powers, never free of x or of s.

    gentle keeps the total degree at 2, for compositions under sin/cos/exp (see _outer)."""
    a, b = _small(rng, slot), _small(rng, slot)
    if gentle:
        form = rng.randrange(3)
        if form == 0:
            return mono(a, ((x, 1), (s, 1)))
        if form == 1:
            return poly([(a, ((x, 2),)), (b, ((s, 1),))])
        return poly([(a, ((x, 1),)), (b, ((s, 2),))])
    if rng.random() < 0.5:
        k = rng.randint(1, 2)
        return mono(a, ((x, k), (s, rng.randint(1, 3 - k))))
    k = rng.randint(2, 3)
    return poly([(a, ((x, k),)), (b, ((s, rng.randint(1, 2)),))])


def _middle(rng: random.Random, slot: SlotSpec, s: sympy.Symbol, u: sympy.Symbol, quadratic: bool) -> sympy.Expr:
    """g(s, u): linear in u unless quadratic is allowed, always depending on u and on s."""
    forms = ["product", "sum"] + (["square"] if quadratic else [])
    form = forms[rng.randrange(len(forms))]
    a = _small(rng, slot)
    if form == "product":
        return mono(a, ((s, rng.randint(1, 2) if quadratic else 1), (u, 1)))
    b = _small(rng, slot)
    if form == "sum":
        return poly([(a, ((u, 1),)), (b, ((s, rng.randint(1, 2)),))])
    return poly([(a, ((u, 2),)), (b, ((s, 1),))])


def _outer(rng: random.Random, slot: SlotSpec, v: sympy.Symbol, kind: str, depth: int) -> tuple[sympy.Expr, int]:
    """f(v) and its degree (1 for exp/sin/cos). Under sin/cos/exp the inner layers are kept gentle: a
    fast-oscillating or overflowing composition would make a poor exercise and defeat the numeric check."""
    c = coef(rng, slot)
    if kind == "power":
        n = rng.randint(2, 3 if depth >= 3 else 4)
        return mono(c, ((v, n),)), n
    return c * {"exp": sympy.exp, "sin": sympy.sin, "cos": sympy.cos}[kind](v), 1


_OUTER_RULE_LATEX = {
    "power": "the power rule",
    "exp": r"$(e^{v})' = e^{v}$",
    "sin": r"$(\sin v)' = \cos v$",
    "cos": r"$(\cos v)' = -\sin v$",
}
_OUTER_RULE = {
    "power": "the power rule",
    "exp": "(e^v)' = e^v",
    "sin": "(sin v)' = cos v",
    "cos": "(cos v)' = -sin v",
}


class ChainMulti(Family):
    """∂F/∂x for F = f(g(y, h(x, z))): one factor per layer, the other inputs held constant."""

    name: ClassVar[str] = "chain_multi"
    summary: ClassVar[str] = "Chain rule with several inputs: dF/dx for F = f(g(y, h(x, z))), one factor per layer"
    asks: ClassVar[tuple[Ask, ...]] = ("partial", "value")
    default_variables: ClassVar[tuple[str, ...]] = ("x", "y", "z")
    min_variables: ClassVar[int] = 2
    max_variables: ClassVar[int] = 4

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        variables = slot_variables(slot, self)
        x = choose_wrt(slot, rng, variables)
        others = [v for v in variables if v != x]
        rng.shuffle(others)
        depth = min(max(slot.difficulty, 1), 3) + 1
        taken = {v.name for v in variables}
        args = [var(n) for n in _ARG_NAMES if n not in taken][: depth - 1]

        # build from the inside out: h(x, s0), then middle layers, then the outer f
        kinds = _OUTERS_BY_DEPTH[depth]
        kind = kinds[rng.randrange(len(kinds))]
        gentle = kind != "power"
        s0 = others[0]
        layers = [_Layer("h", _inner(rng, slot, x, s0, gentle), x, s0, variables.index(x) < variables.index(s0))]
        middle_count = depth - 2
        quadratic_at = rng.randrange(middle_count) if middle_count and not gentle else -1
        for j in range(middle_count):
            s = others[(j + 1) % len(others)]
            name = _MIDDLE_NAMES[middle_count - 1 - j]
            layers.append(_Layer(name, _middle(rng, slot, s, args[j], j == quadratic_at), args[j], s))
        outer, degree = _outer(rng, slot, args[-1], kind, depth)
        layers.append(_Layer("f", outer, args[-1], None))

        # values: what each layer's argument equals in terms of the variables
        values = [x]  # h's "argument" is x itself
        inner_value = layers[0].expr
        for layer in layers[1:]:
            values.append(inner_value)
            inner_value = _substitute(layer.expr, layer.arg, inner_value)
        function = inner_value
        # a shallow chain may leave a bank variable unused: F(x, y) rather than F(x, y, z) = f(h(x, y))
        variables = [v for v in variables if function.has(v)]

        # one factor per layer, outer first: f'(v), dg/du, ..., dh/dx
        derivatives = [diff(layer.expr, layer.arg) for layer in reversed(layers)]
        factors = [
            _substitute(d, layer.arg, value) for d, layer, value in zip(derivatives, reversed(layers), reversed(values))
        ]
        key = mul(factors)

        steps = _steps(layers, values, derivatives, factors, key, x, kind)
        mistakes = _mistakes(layers, values, factors, key, x, kind, degree)
        composition, composition_latex = _composition(layers)
        definitions = "; ".join(f"{layer.signature()} = {plain(layer.expr)}" for layer in reversed(layers))
        definitions_latex = ",\\quad ".join(
            f"{layer.signature_latex()} = {tex(layer.expr)}" for layer in reversed(layers)
        )
        sig = ", ".join(v.name for v in variables)
        sig_latex = ", ".join(tex(v) for v in variables)
        intro_text = f"Let {definitions}, and F({sig}) = {composition}."
        intro_latex = f"Let ${definitions_latex}$, and $F({sig_latex}) = {composition_latex}$."
        draft = Draft(
            function=function,
            variables=variables,
            wrt=[x],
            answer=key,
            prompt_text=f"{intro_text} Find {partial_text(x, 'F')} by the chain rule.",
            prompt_latex=f"{intro_latex} Find ${partial_latex(x, 'F')}$ by the chain rule.",
            steps=steps,
            mistakes=[DraftMistake(k, a, fb) for k, a, fb in mistakes],
            definitions=_definitions(layers, values, taken),
        )
        if slot.ask == "value":
            return _at_point(slot, rng, draft, intro_text, intro_latex)
        return draft


_SUBSTITUTED_LIMIT = 20_000
_substituted: dict[tuple[sympy.Basic, sympy.Symbol, sympy.Basic], sympy.Basic] = {}


def _substitute(expr: sympy.Basic, arg: sympy.Symbol, value: sympy.Basic) -> sympy.Basic:
    """expr with the layer's argument replaced by the layer below, remembered: sympy evaluates every new
    composition (0.1-0.5 ms for sin, exp or a power of a sum), and about half of the demo bank's
    compositions and factors recur across students."""
    key = (expr, arg, value)
    hit = _substituted.get(key)
    if hit is None:
        if len(_substituted) >= _SUBSTITUTED_LIMIT:
            _substituted.clear()
        hit = _substituted[key] = expr.xreplace({arg: value})
    return hit


def _composition(layers: list[_Layer]) -> tuple[str, str]:
    """ "f(g(y, h(x, z)))" in text and LaTeX: each layer's signature with the layer below in its argument."""
    text, latex = layers[0].signature(), layers[0].signature_latex()
    for layer in layers[1:]:
        below = {layer.arg.name: text}
        below_latex = {layer.arg.name: latex}
        text = f"{layer.name}({', '.join(below.get(a.name, a.name) for a in layer.inputs)})"
        latex = f"{layer.name}({', '.join(below_latex.get(a.name, tex(a)) for a in layer.inputs)})"
    return text, latex


def _factor_names(layers: list[_Layer], x: sympy.Symbol) -> list[tuple[str, str]]:
    """(text, LaTeX) names of the factors, outer first: df/dv, ∂g/∂u, ..., ∂h/∂x."""
    names = []
    for layer in reversed(layers):
        if layer.name == "f":
            names.append((f"df/d{layer.arg.name}", rf"\frac{{df}}{{d{tex(layer.arg)}}}"))
        elif layer.name == "h":
            names.append((partial_text(x, "h"), partial_latex(x, "h")))
        else:
            names.append((partial_text(layer.arg, layer.name), partial_latex(layer.arg, layer.name)))
    return names


def _steps(
    layers: list[_Layer],
    values: list[sympy.Expr],
    derivatives: list[sympy.Expr],
    factors: list[sympy.Expr],
    key: sympy.Expr,
    x: sympy.Symbol,
    kind: str,
) -> list[DraftStep]:
    """derivatives are the layers' own derivatives (outer first), factors the same in the variables."""
    names = _factor_names(layers, x)
    product_text = " * ".join(n for n, _ in names)
    product_latex = r" \cdot ".join(n for _, n in names)
    args = layers[1:]
    named = join_names([f"{a.arg.name} = {plain(v)}" for a, v in zip(args, values[1:])])
    named_latex = join_names([f"${tex(a.arg)} = {tex(v)}$" for a, v in zip(args, values[1:])])
    X = tex(x)
    steps = [
        DraftStep(
            text=f"Name the layers ({named}). "
            f"By the chain rule, ∂F/∂{x.name} is one factor per layer: ∂F/∂{x.name} = {product_text}.",
            latex=rf"\text{{Name the layers ({named_latex}); by the chain rule there is one factor per layer:}} "
            rf"\frac{{\partial F}}{{\partial {X}}} = {product_latex}",
        )
    ]
    for layer, value, derivative, factor, (name, name_latex) in zip(
        reversed(layers), reversed(values), derivatives, factors, names
    ):
        arg, arg_latex = layer.arg.name, tex(layer.arg)
        if layer.other is None:  # the outer f
            why = f"the outer function, by {_OUTER_RULE[kind]}, then substitute {arg} = {plain(value)}"
            why_latex = (
                f"The outer function, by {_OUTER_RULE_LATEX[kind]}, then substitute ${arg_latex} = {tex(value)}$"
            )
        else:
            other, other_latex = layer.other.name, tex(layer.other)
            why = f"hold {other} constant and differentiate by {arg}"
            why_latex = f"Hold ${other_latex}$ constant and differentiate by ${arg_latex}$"
            if layer.name != "h" and derivative.has(layer.arg):
                why += f", then substitute {arg} = {plain(value)}"
                why_latex += f", then substitute ${arg_latex} = {tex(value)}$"
        rhs = tex(derivative) if derivative == factor else f"{tex(derivative)} = {tex(factor)}"
        steps.append(
            DraftStep(text=f"{name}: {why}:", expr=factor, latex=rf"\text{{{why_latex}:}} {name_latex} = {rhs}")
        )
    steps.append(
        DraftStep(
            text=f"Multiply the factors ({' * '.join(f'({plain(f)})' for f in factors)}) and simplify: ∂F/∂{x.name} =",
            expr=key,
            latex=rf"\text{{Multiply the factors and simplify:}} \frac{{\partial F}}{{\partial {X}}} = "
            + r" \cdot ".join(rf"\left({tex(f)}\right)" for f in factors)
            + f" = {tex(key)}",
        )
    )
    return steps


def _mistakes(
    layers: list[_Layer],
    values: list[sympy.Expr],
    factors: list[sympy.Expr],
    key: sympy.Expr,
    x: sympy.Symbol,
    kind: str,
    n: int,
) -> list[MistakeSpec]:
    """n is the outer power's exponent (for off_by_one_exp)."""
    h = layers[0]
    s = h.other
    assert s is not None, "h(x, s) always has its other variable"
    dh_ds = diff(h.expr, s)
    out: list[MistakeSpec] = [
        (
            "forgot_inner",
            mul(factors[:-1]),
            f"A factor is missing: the chain rule ends with the innermost derivative ∂h/∂{x.name}.",
        ),
        (
            "wrong_var",
            mul([*factors[:-1], dh_ds]),
            f"The innermost factor is the derivative of h by {x.name}, not by {s.name}.",
        ),
        (
            "other_var_nonconst",
            mul([*factors[:-1], add([factors[-1], dh_ds])]),
            f"{s.name} is held constant when you differentiate by {x.name}: ∂h/∂{x.name} has no term from {s.name}.",
        ),
    ]
    if len(factors) > 2:
        out.append(
            (
                "missing_factor",
                mul([factors[0], *factors[2:]]),
                "A factor is missing: every layer between the outside and x contributes its own derivative.",
            )
        )
    outer = layers[-1]
    if kind == "power":
        kept = _substitute(n * outer.expr, outer.arg, values[-1])
        out.append(
            (
                "off_by_one_exp",
                mul([kept, *factors[1:]]),
                f"The power rule lowers the exponent by one: the derivative of v^{n} is {n}v^{n - 1}.",
            )
        )
    if kind == "cos":
        out.append(("sign", -key, "Check the sign: the derivative of cos v is -sin v."))
    seen = {key}
    kept_mistakes = []
    for k, answer, feedback in out:
        if answer not in seen and answer != 0:
            seen.add(answer)
            kept_mistakes.append((k, answer, feedback))
    return kept_mistakes


def _definitions(layers: list[_Layer], values: list[sympy.Expr], taken: set[str]) -> dict[str, sympy.Expr]:
    """What the prompt's names stand for, in the variables: each inner layer (h, g, k) is its value at the
    composition, and so is the argument the next layer takes it as (u, v, s). f is not one: f(...) is F.
    A name that is also a bank variable is left out (the variable wins)."""
    out: dict[str, sympy.Expr] = {}
    for i, layer in enumerate(layers[:-1]):
        value = values[i + 1]
        for name in (layer.name, layers[i + 1].arg.name):
            if name not in taken and name not in out:
                out[name] = value
    return out


def _one(answer: sympy.Basic | list[sympy.Basic]) -> sympy.Basic:
    """The one partial derivative chain_multi asks for (its drafts never carry a gradient)."""
    if isinstance(answer, list):
        raise TypeError("chain_multi asks for one partial derivative, not a gradient")
    return answer


def _at_point(slot: SlotSpec, rng: random.Random, draft: Draft, intro_text: str, intro_latex: str) -> Draft | None:
    """The value of ∂F/∂x at a point: small integer points (|v| <= 2) keep compositions readable."""
    # random points avoid 0 in every coordinate (passed as kinks): a zero factor makes the value trivial
    avoid = [] if isinstance(slot.point, dict) else list(draft.variables)
    point = point_values(slot, rng, draft.variables, avoid, lo=-2, hi=2)
    if point is None:
        return None
    value = _one(draft.answer).xreplace(point)
    if not isinstance(slot.point, dict) and not 1e-3 <= abs(float(value)) <= 1e7:
        return None  # 0, 4e-10 or 1e12 make a poor value question; the generator redraws
    at_text = ", ".join(f"{v.name} = {plain(val)}" for v, val in point.items())
    pairs_latex = [f"{tex(v)} = {tex(val)}" for v, val in point.items()]
    at_latex = ", ".join(pairs_latex)
    x = draft.wrt[0]
    mistakes = []
    for m in draft.mistakes:
        at = _one(m.answer).xreplace(point)
        if at != value:
            mistakes.append(DraftMistake(m.kind, at, m.feedback))
    steps = draft.steps + [
        DraftStep(
            text=f"Substitute {at_text}:",
            expr=value,
            latex=rf"\text{{Substitute {join_names([f'${pair}$' for pair in pairs_latex])}:}} "
            rf"{partial_latex(x, 'F')} = {tex(value)}",
        )
    ]
    return replace(
        draft,
        answer=value,
        point=point,
        steps=steps,
        mistakes=mistakes,
        prompt_text=f"{intro_text} Find the value of {partial_text(x, 'F')} at {at_text}.",
        prompt_latex=f"{intro_latex} Find the value of ${partial_latex(x, 'F')}$ at ${at_latex}$.",
    )
