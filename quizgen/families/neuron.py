"""A neuron's backward pass: derivatives of L = ReLU(z), ½(ReLU(z) - t)² or (ReLU(z) - t)², z = Σ wi xi + b.

Weights, inputs and bias are all variables (w1, x1, b, t: multi-character names), so the same neuron asks
∂L/∂wi (= xi behind the gate), ∂L/∂xi (= wi), ∂L/∂b (= 1), or the gradient with respect to the weights and
the bias. The ReLU gate makes every answer an indicator, Piecewise((..., z > 0), (0, True)), and z is the
kink the checks sample around. Difficulty grows the neuron (1-3 inputs) and the loss (output, ½ squared
error, squared error); the bank's loss and inputs options override either.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
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
    fast_subs,
    finish,
    gradient_steps,
    indicator,
    join_names,
    partial_latex,
    partial_text,
    plain,
    point_values,
    tex,
    var,
)
from quizgen.families.options import Choice, Integer, OptionDeclaration

LOSSES = ("relu", "half_squared", "squared")
_LOSS_BY_DIFFICULTY = {1: "relu", 2: "half_squared", 3: "squared"}
_INPUTS_BY_DIFFICULTY = {1: (1, 2), 2: (2, 2), 3: (2, 3)}
_MAX_SYMBOLIC_INPUTS = 2
"""A symbolic squared-error answer with 3 inputs is too long for one line; 3 inputs are for value asks."""
_NAME = re.compile(r"^([wx])_?(\d+)$")
_POINT_TRIES = 30
_CACHE_LIMIT = 10_000
ZERO = sympy.Integer(0)


@dataclass(frozen=True)
class _Neuron:
    """z = Σ wi xi + b, a = ReLU(z), and the loss L(a) with its derivative on the active side.

    Hashable: everything symbolic about a draw depends only on the neuron and what is asked (see _symbolic).
    """

    weights: tuple[sympy.Symbol, ...]
    inputs: tuple[sympy.Symbol, ...]
    bias: sympy.Symbol
    target: sympy.Symbol | None
    loss: str

    @cached_property
    def z(self) -> sympy.Expr:
        return sympy.Add(*[w * x for w, x in zip(self.weights, self.inputs)], self.bias)

    @property
    def variables(self) -> list[sympy.Symbol]:
        return [*self.weights, *self.inputs, self.bias] + ([self.target] if self.target is not None else [])

    @cached_property
    def function(self) -> sympy.Expr:
        a = sympy.Max(ZERO, self.z, evaluate=False)  # the same object sympy.Max builds, without its slow checks
        if self.loss == "relu":
            return a
        square = (a - self.target) ** 2
        return square / 2 if self.loss == "half_squared" else square

    def outer(self, *, factor_two: bool = True, flipped: bool = False) -> sympy.Expr:
        """dL/da where z > 0 (there a = z): 1, z - t or 2(z - t); the buggy variants drop 2 or flip t - z."""
        if self.loss == "relu":
            return sympy.Integer(-1 if flipped else 1)
        diff = (self.target - self.z) if flipped else (self.z - self.target)
        # kept as 2*(z - t): sympy would otherwise distribute the 2 over the sum
        return sympy.Mul(2, diff, evaluate=False) if self.loss == "squared" and factor_two else diff

    def outer_of(self, a: sympy.Symbol) -> sympy.Expr:
        """dL/da written in a itself (1, a - t or 2(a - t)), for the steps."""
        if self.loss == "relu":
            return sympy.Integer(1)
        return sympy.Mul(2, a - self.target, evaluate=False) if self.loss == "squared" else a - self.target

    def dz(self, v: sympy.Symbol) -> sympy.Expr:
        """∂z/∂v: xi for wi, wi for xi, 1 for b (z is linear in each; 0 for anything else)."""
        if v == self.bias:
            return sympy.Integer(1)
        if v in self.weights:
            return self.inputs[self.weights.index(v)]
        if v in self.inputs:
            return self.weights[self.inputs.index(v)]
        return ZERO

    def times(self, outer: sympy.Expr, factor: sympy.Expr) -> sympy.Expr:
        """outer * factor, keeping 2*(z - t) undistributed when the factor is 1 (the bias)."""
        return outer if factor == 1 else sympy.Mul(factor, *(outer.args if isinstance(outer, sympy.Mul) else (outer,)))

    def derivative(self, v: sympy.Symbol) -> sympy.Basic:
        return indicator(self.times(self.outer(), self.dz(v)), self.z)


def _parse_variables(names: tuple[str, ...]) -> tuple[list[tuple[str, str]], str | None, str | None]:
    """Pairs (wi, xi) in index order, the bias name and the target name found among the slot's variables."""
    weights: dict[int, str] = {}
    inputs: dict[int, str] = {}
    for name in names:
        match = _NAME.match(name)
        if match:
            (weights if match.group(1) == "w" else inputs)[int(match.group(2))] = name
    pairs = [(weights[i], inputs[i]) for i in sorted(weights) if i in inputs]
    bias = "b" if "b" in names else None
    target = "t" if "t" in names else None
    return pairs, bias, target


def _loss(slot: SlotSpec, target: str | None) -> str:
    """The bank's loss, else the difficulty's; without a target t only the ReLU output can be the loss."""
    loss = slot.options.get("loss") or _LOSS_BY_DIFFICULTY.get(slot.difficulty, "squared")
    return "relu" if target is None else str(loss)


def _fit(n: int, slot: SlotSpec, pairs: list[tuple[str, str]]) -> int:
    """The number of inputs, grown so the asked-for weight or input is part of the neuron, within the pairs."""
    if slot.wrt is not None:
        n = max(n, next((i + 1 for i, p in enumerate(pairs) if slot.wrt in p), 1))
    return max(1, min(n, len(pairs)))


def _slot_problems(slot: SlotSpec, names: tuple[str, ...]) -> list[tuple[str | None, str]]:
    """What a neuron slot cannot be, found at load time (Neuron.check_slot), so draw() never fails on it."""
    pairs, bias, target = _parse_variables(names)
    if not pairs or bias is None:
        return [
            (
                "variables",
                f"variables {list(names)} must include weights and inputs with matching numbers "
                "(w1, x1, w2, x2, ...) and the bias b (and t for a squared-error loss); fix the slot's variables",
            )
        ]
    chosen = slot.options.get("loss")
    if chosen and chosen != "relu" and target is None:
        return [("loss", f"loss {chosen} needs the target variable t among the variables")]
    loss = _loss(slot, target)
    # without inputs the drawn size is at most _MAX_SYMBOLIC_INPUTS, so only wrt can grow it beyond
    n = _fit(int(slot.options.get("inputs") or 0), slot, pairs)
    if slot.ask != "value" and loss != "relu" and n > _MAX_SYMBOLIC_INPUTS:
        key = "inputs" if slot.options.get("inputs") else "wrt"
        return [
            (
                key,
                f"a symbolic {loss} key with {n} inputs is too long for one line; use ask: value, loss: "
                f"relu, or at most {_MAX_SYMBOLIC_INPUTS} inputs (wrt among w1, x1, w2, x2)",
            )
        ]
    return []


def _choose_neuron(slot: SlotSpec, rng: random.Random, names: tuple[str, ...]) -> _Neuron:
    pairs, bias, target = _parse_variables(names)
    loss = _loss(slot, target)
    if slot.options.get("inputs"):
        n = int(slot.options["inputs"])
    else:
        lo, hi = _INPUTS_BY_DIFFICULTY.get(slot.difficulty, (3, 3))
        n = rng.randint(lo, hi)
    if slot.ask != "value" and loss != "relu" and not slot.options.get("inputs"):
        n = min(n, _MAX_SYMBOLIC_INPUTS)
    n = _fit(n, slot, pairs)
    return _Neuron(
        tuple(var(w) for w, _ in pairs[:n]),
        tuple(var(x) for _, x in pairs[:n]),
        var(bias or "b"),
        var(target) if target is not None and loss != "relu" else None,
        loss,
    )


def _describe(nn: _Neuron) -> tuple[str, str]:
    """The prompt's first sentences: the pre-activation, the ReLU output and which loss (with or without ½)."""
    z_text, z_latex = plain(nn.z), tex(nn.z)
    text = f"A neuron computes z = {z_text} and outputs a = ReLU(z) = max(0, z)."
    latex = rf"A neuron computes $z = {z_latex}$ and outputs $a = \operatorname{{ReLU}}(z) = \max(0, z)$."
    t = nn.target.name if nn.target is not None else ""
    if nn.loss == "relu":
        text += " Let L = a, the output itself."
        latex += " Let $L = a$, the output itself."
    elif nn.loss == "half_squared":
        text += f" Its loss against the target {t} is half the squared error, L = (1/2)(a - {t})^2."
        latex += rf" Its loss against the target ${t}$ is half the squared error, $L = \frac{{1}}{{2}}(a - {t})^2$."
    else:
        text += f" Its loss against the target {t} is the squared error (no factor 1/2), L = (a - {t})^2."
        latex += rf" Its loss against the target ${t}$ is the squared error (no factor $\frac{{1}}{{2}}$), $L = (a - {t})^2$."
    return text, latex


def _held_constant(nn: _Neuron, v: sympy.Symbol, show: Callable[[sympy.Symbol], str] = lambda u: u.name) -> str:
    """ "w2, the inputs and b are constants" for ∂z/∂w1, with each variable written by show."""
    if v == nn.bias:
        return "the weights and inputs are constants"
    kind = "weights" if v in nn.weights else "inputs"
    others = [show(u) for u in (nn.weights if kind == "weights" else nn.inputs) if u != v]
    rest = ["the inputs" if kind == "weights" else "the weights", show(nn.bias)]
    return f"{join_names(others + rest)} are constants"


def _math(u: sympy.Symbol) -> str:
    return f"${tex(u)}$"


def _sentence_case(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case the rest)."""
    return text[:1].upper() + text[1:]


def _gate_steps(nn: _Neuron) -> list[DraftStep]:
    """dL/da and da/dz, the factors every partial shares."""
    steps: list[DraftStep] = []
    if nn.loss != "relu":
        half = "the factor 1/2 cancels the 2 of the power rule" if nn.loss == "half_squared" else "power rule"
        half_latex = (
            r"the factor $\frac{1}{2}$ cancels the 2 of the power rule" if nn.loss == "half_squared" else "power rule"
        )
        steps.append(
            DraftStep(
                text=f"dL/da by the chain rule ({half}); where z > 0, a = z, so dL/da =",
                expr=nn.outer(),
                latex=rf"\text{{Outer factor by the chain rule ({half_latex}); where $z > 0$, $a = z$:}} "
                rf"\frac{{dL}}{{da}} = {tex(nn.outer_of(sympy.Symbol('a')))} = {tex(nn.outer())}",
            )
        )
    steps.append(
        DraftStep(
            text="da/dz = 1 where z > 0 and 0 where z < 0 (the ReLU gate; no derivative at z = 0).",
            latex=r"\text{The ReLU gate (no derivative at $z = 0$):} "
            r"\frac{da}{dz} = \begin{cases} 1 & z > 0 \\ 0 & z < 0 \end{cases}",
        )
    )
    return steps


def _component_steps(nn: _Neuron, v: sympy.Symbol) -> list[DraftStep]:
    """∂z/∂v, then the product through the gate."""
    dz = nn.dz(v)
    answer = nn.derivative(v)
    steps: list[DraftStep] = []
    steps.append(
        DraftStep(
            text=f"∂z/∂{v.name} ({_held_constant(nn, v)}):",
            expr=dz,
            latex=rf"\text{{{_sentence_case(_held_constant(nn, v, _math))}:}} \frac{{\partial z}}{{\partial {tex(v)}}} = {tex(dz)}",
        )
    )
    steps.append(
        DraftStep(
            text=f"Multiply, keeping the gate: {partial_text(v, 'L')} = dL/da * da/dz * ∂z/∂{v.name} =",
            expr=answer,
            latex=rf"\text{{Multiply, keeping the gate:}} {partial_latex(v, 'L')} = {tex(answer)}",
        )
    )
    return steps


def _mistakes_for(nn: _Neuron, v: sympy.Symbol) -> list[tuple[str, sympy.Basic, str]]:
    dz = nn.dz(v)
    out: list[tuple[str, sympy.Basic, str]] = [
        (
            "ignored_max",
            nn.times(nn.outer(), dz),
            "You left out the ReLU gate: where z < 0 the output is constant 0, so the derivative there is 0; "
            "the answer needs the indicator of z > 0.",
        ),
        (
            "wrong_side",
            indicator(nn.times(nn.outer(), dz), ZERO, nn.z),
            "The gate is on the wrong side: ReLU passes the gradient where z > 0, not where z < 0.",
        ),
    ]
    if nn.loss == "squared":
        out.append(
            (
                "forgot_factor_2",
                indicator(nn.times(nn.outer(factor_two=False), dz), nn.z),
                "The factor 2 is missing: the derivative of (a - t)^2 is 2(a - t) (this loss has no 1/2 to cancel it).",
            )
        )
    if v in nn.weights or v in nn.inputs:
        i = (nn.weights if v in nn.weights else nn.inputs).index(v)
        partner = nn.inputs[i] if v in nn.weights else nn.weights[i]
        out.append(
            (
                "wrong_var",
                indicator(nn.times(nn.outer(), v), nn.z),
                f"∂z/∂{v.name} is the factor multiplying {v.name} in z, which is {partner.name}, not {v.name} itself.",
            )
        )
    sign_feedback = (
        "The sign is wrong: the derivative of (a - t)^2 is 2(a - t), not 2(t - a)."
        if nn.loss == "squared"
        else "The sign is wrong: the derivative of (1/2)(a - t)^2 is a - t, not t - a."
        if nn.loss == "half_squared"
        else "The sign is wrong: ReLU has slope +1 where z > 0."
    )
    out.append(("sign", indicator(nn.times(nn.outer(flipped=True), dz), nn.z), sign_feedback))
    return out


class Neuron(Family):
    """Backward pass through one ReLU neuron: ∂L/∂wi, ∂L/∂b, ∂L/∂xi or the gradient over weights and bias."""

    name: ClassVar[str] = "neuron"
    summary: ClassVar[str] = (
        "A ReLU neuron's backward pass: dL/dwi, dL/db, dL/dxi or the gradient, for output or squared-error loss"
    )
    asks: ClassVar[tuple[Ask, ...]] = ("partial", "gradient", "value")
    default_variables: ClassVar[tuple[str, ...]] = ("w1", "w2", "w3", "x1", "x2", "x3", "b", "t")
    min_variables: ClassVar[int] = 3
    max_variables: ClassVar[int] = 10
    options: ClassVar[dict[str, OptionDeclaration]] = {
        "loss": Choice(
            choices=LOSSES,
            default_text="relu, half_squared, squared at difficulty 1, 2, 3",
            help="relu: L = ReLU(z); half_squared: L = ½(ReLU(z) - t)²; squared: L = (ReLU(z) - t)² (needs t).",
        ),
        "inputs": Integer(
            minimum=1,
            maximum=4,
            default_text="1-2, 2, 2-3 at difficulty 1, 2, 3",
            help="The number of weight/input pairs (w1, x1, ...); fewer when the variables hold fewer pairs.",
        ),
    }

    def check_slot(self, slot: SlotSpec) -> list[tuple[str | None, str]]:
        return _slot_problems(slot, tuple(slot.variables or self.default_variables))

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        names = slot.variables or self.default_variables
        nn = _choose_neuron(slot, rng, tuple(names))
        if slot.ask == "gradient":
            wrt: tuple[sympy.Symbol, ...] = (*nn.weights, nn.bias)
        elif slot.wrt is not None:
            wrt = (var(slot.wrt),)
        else:
            candidates = [*nn.weights, nn.bias, *nn.inputs]
            wrt = (candidates[rng.randrange(len(candidates))],)
        sym = _symbolic(nn, wrt, slot.ask)
        if slot.ask == "value":
            draft = _value_draft(slot, rng, nn, wrt[0], sym.answers[0], sym.steps, sym.mistakes)
            return None if draft is None else _with_prompt(draft, nn, list(wrt), slot.ask)
        key = (nn, wrt, slot.ask)
        hit = _drafts.get(key)
        if hit is None:
            # partial and gradient drafts use no randomness beyond the neuron and wrt drawn above
            draft = finish(
                slot,
                rng,
                function=nn.function,
                variables=nn.variables,
                wrt=list(wrt),
                derivatives=sym.answers,
                steps=sym.steps,
                mistakes=sym.mistakes,
                kinks=[nn.z],
                name="L",
            )
            assert draft is not None
            hit = _drafts[key] = _with_prompt(draft, nn, list(wrt), slot.ask)
        return hit


@dataclass(frozen=True)
class _Symbolic:
    """What a draw needs besides the point: keys (one per wrt), worked steps and typical mistakes."""

    answers: list[sympy.Basic]
    steps: list[DraftStep]
    mistakes: list[MistakeSpec]


_symbolic_cache: dict[tuple[_Neuron, tuple[sympy.Symbol, ...], str], _Symbolic] = {}
_drafts: dict[tuple[_Neuron, tuple[sympy.Symbol, ...], str], Draft] = {}
"""A slot has a handful of neurons and wrt choices (the random part of a value question is its point), so the
symbolic work is done once per (neuron, wrt, ask). Both are pure functions of their keys; drafts are not
mutated downstream."""


def _symbolic(nn: _Neuron, wrt: tuple[sympy.Symbol, ...], ask: str) -> _Symbolic:
    key = (nn, wrt, ask)
    hit = _symbolic_cache.get(key)
    if hit is not None:
        return hit
    answers = [nn.derivative(v) for v in wrt]
    # The chain rule is written for the variable asked about (every symbol a step uses is defined): for a
    # gradient, v is named as "each of" the variables.
    if len(wrt) == 1:
        v_text, v_latex, for_text, for_latex = wrt[0].name, tex(wrt[0]), "", ""
    else:
        v_text, v_latex = "v", "v"
        for_text = f" for each v of {join_names([u.name for u in wrt])}"
        for_latex = " for each $v$ of " + join_names([_math(u) for u in wrt])
    intro = [
        DraftStep(
            text=f"Pre-activation z = {plain(nn.z)}; output a = ReLU(z) = max(0, z). "
            f"Chain rule through the neuron{for_text}: ∂L/∂{v_text} = dL/da * da/dz * ∂z/∂{v_text}.",
            latex=rf"\text{{Pre-activation, output and the chain rule through the neuron{for_latex}:}} "
            rf"z = {tex(nn.z)},\quad a = \max(0, z),\quad \frac{{\partial L}}{{\partial {v_latex}}} = "
            rf"\frac{{dL}}{{da}}\cdot\frac{{da}}{{dz}}\cdot\frac{{\partial z}}{{\partial {v_latex}}}",
        )
    ]
    per_var = {v: _mistakes_for(nn, v) for v in wrt}
    if ask == "gradient":
        steps = intro + _gate_steps(nn) + gradient_steps("L", [(v, _component_steps(nn, v)) for v in wrt], answers)
        kinds = [k for k, _, _ in per_var[wrt[0]] if all(k in {m[0] for m in per_var[v]} for v in wrt)]
        mistakes: list[MistakeSpec] = []
        for kind in kinds:
            vector = [next(a for k, a, _ in per_var[v] if k == kind) for v in wrt]
            feedback = next(fb for k, _, fb in per_var[wrt[0]] if k == kind)
            mistakes.append((kind, vector, feedback))
        mistakes += _wrong_var_vector(nn, list(wrt))
    else:
        steps = intro + _gate_steps(nn) + _component_steps(nn, wrt[0])
        mistakes = list(per_var[wrt[0]])
    if len(_symbolic_cache) >= _CACHE_LIMIT:
        _symbolic_cache.clear()
        _drafts.clear()
    result = _symbolic_cache[key] = _Symbolic(answers, steps, mistakes)
    return result


def _wrong_var_vector(nn: _Neuron, wrt: list[sympy.Symbol]) -> list[MistakeSpec]:
    """Gradient over weights and bias with wi in place of xi (the bias component stays right)."""
    vector = [indicator(nn.times(nn.outer(), v), nn.z) if v in nn.weights else nn.derivative(v) for v in wrt]
    return [("wrong_var", vector, "∂z/∂wi is the input xi that wi multiplies, not wi itself.")]


def _value_draft(
    slot: SlotSpec,
    rng: random.Random,
    nn: _Neuron,
    v: sympy.Symbol,
    derivative: sympy.Basic,
    steps: list[DraftStep],
    mistakes: list[tuple[str, sympy.Basic, str]],
) -> Draft | None:
    """∂L/∂v at a point. Random points have z > 0 and a nonzero answer: behind a closed gate every answer
    is 0, which tests little. The bank's own point is used as given (off the kink)."""
    for _ in range(_POINT_TRIES):
        point = point_values(slot, rng, nn.variables, [nn.z])
        if point is None:
            return None
        value = fast_subs(derivative, point)
        if isinstance(slot.point, dict) or (fast_subs(nn.z, point) > 0 and value != 0):
            break
    else:
        return None
    kept = []
    for kind, answer, feedback in mistakes:
        at = fast_subs(answer, point)
        if at != value:
            kept.append(DraftMistake(kind, at, feedback))
    at_text = ", ".join(f"{u.name} = {plain(val)}" for u, val in point.items())
    at_latex = join_names([f"${tex(u)} = {tex(val)}$" for u, val in point.items()])
    z_value = fast_subs(nn.z, point)
    steps = steps + [
        DraftStep(
            text=f"Substitute {at_text}: z = {plain(z_value)}, so the gate is {'open' if z_value > 0 else 'closed'}, and",
            expr=value,
            latex=rf"\text{{Substitute {at_latex}; "
            rf"then $z = {tex(z_value)}$ and the gate is {'open' if z_value > 0 else 'closed'}:}} {partial_latex(v, 'L')} = {tex(value)}",
        )
    ]
    return Draft(
        function=nn.function,
        variables=nn.variables,
        wrt=[v],
        answer=value,
        prompt_text="",
        prompt_latex="",
        steps=steps,
        mistakes=kept,
        kinks=[nn.z],
        point=point,
    )


def _with_prompt(draft: Draft, nn: _Neuron, wrt: list[sympy.Symbol], ask: str) -> Draft:
    """The neuron described in words (which loss, with or without ½), then the question."""
    text, latex = _describe(nn)
    definitions = {"z": nn.z, "a": sympy.Max(ZERO, nn.z, evaluate=False)}  # as the prompt defines them
    if ask == "gradient":
        parts = ", ".join(partial_text(v, "L") for v in wrt)
        parts_latex = ", ".join(partial_latex(v, "L") for v in wrt)
        text += f" Find the gradient of L with respect to the weights and the bias, ({parts})."
        latex += rf" Find the gradient of $L$ with respect to the weights and the bias, $\nabla L = \left({parts_latex}\right)$."
    elif ask == "value":
        assert draft.point is not None
        at = ", ".join(f"{v.name} = {plain(val)}" for v, val in draft.point.items())
        at_latex = ", ".join(f"{tex(v)} = {tex(val)}" for v, val in draft.point.items())
        text += f" Find the value of {partial_text(wrt[0], 'L')} at {at}."
        latex += f" Find the value of ${partial_latex(wrt[0], 'L')}$ at ${at_latex}$."
    else:
        text += f" Find {partial_text(wrt[0], 'L')} as a function of the weights, inputs and bias (use an indicator for the ReLU gate)."
        latex += f" Find ${partial_latex(wrt[0], 'L')}$ as a function of the weights, inputs and bias (use an indicator for the ReLU gate)."
    return replace(draft, prompt_text=text, prompt_latex=latex, definitions=definitions)
