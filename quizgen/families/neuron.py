"""A neuron's backward pass: z = w1 x1 + ... + wn xn + b, a = g(z), a loss L(a, t), and one derivative of L.

The activation g is linear, ReLU, leaky ReLU (slope 1/10), sigmoid or tanh; the loss is the output itself,
half the squared error, the squared error, or binary cross-entropy on a sigmoid (where dL/dz = a - t). The
question is about a weight, an input, the bias (then the function's variables are the weights, inputs,
bias and target), or about the pre-activation z or the output a (then the function is the loss written in
z or in a, and those are its variables: dL/dz is a function of z and t, as the material writes it).

Difficulty changes what must be understood, not a constant: 1 is one local rule through a linear or ReLU
output; 2 puts a loss on a ReLU or leaky ReLU and also asks dL/dz and dL/da; 3 goes through a sigmoid or
tanh (or sigmoid with cross-entropy and its a - t shortcut) and mostly asks about an input, the gradient
that flows back to the previous layer. Value questions pick numbers a student can work by hand: a sigmoid
or tanh gets the pre-activation ln r (the bias is ln r - s) so its value is a simple fraction, stated in
the prompt; no ReLU input is 0.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, cached_property
from typing import ClassVar

import sympy

from quizgen.families.kit import (
    ACTIVATION_NAMES,
    LEAKY_SLOPE,
    SIGMOID_LN_R,
    TANH_LN_R,
    Ask,
    Draft,
    DraftMistake,
    DraftStep,
    Family,
    MistakeSpec,
    SlotSpec,
    activation_expr,
    exact_at_ln,
    exact_tanh,
    fast_subs,
    gradient_steps,
    indicator,
    join_names,
    label,
    plain,
    sigmoid,
    tex_ln,
    var,
)
from quizgen.families.options import Choice, Integer, OptionDeclaration, SubsetOf

LOSSES = ("output", "half_squared", "squared", "bce", "relu")
"""relu is the older name of output on a ReLU neuron (from before the activation option)."""
ABOUT = ("weight", "input", "bias", "z", "a")
_ACTIVATIONS_BY_DIFFICULTY = {1: ("linear", "relu"), 2: ("relu", "leaky_relu"), 3: ("sigmoid", "tanh")}
_LOSSES_BY_DIFFICULTY = {1: ("output",), 2: ("half_squared", "squared"), 3: ("half_squared", "squared", "bce")}
_ABOUT_BY_DIFFICULTY = {
    1: ("weight", "bias", "input"),
    2: ("weight", "bias", "z", "a"),
    3: ("input", "input", "weight", "bias", "z"),  # mostly an input: the gradient sent back to the layer before
}
_INPUTS_BY_DIFFICULTY = {1: (1, 3), 2: (2, 3), 3: (2, 4)}
_KEY_LIMIT = 160
"""Longest symbolic key (LaTeX characters per component): the generator refuses longer ones."""
_FUNCTION_LIMIT = 200
"""Longest function LaTeX: the generator refuses longer ones (binary cross-entropy on 4 inputs)."""
_NAME = re.compile(r"^([wx])_?(\d+)$")
_POINT_TRIES = 40
_POINT_RANGE = (-3, 3)
"""The bias and target of a random point: small integers, worked by hand."""
_WIDEST = 5
"""Weights and inputs come from the slot's coefficient range, cut to [-5, 5]."""
ZERO = sympy.Integer(0)
ONE = sympy.Integer(1)
Z = var("z")
A = var("a")


def _compatible(activation: str, loss: str) -> bool:
    """Binary cross-entropy is for a sigmoid output (a probability): dL/dz = a - t needs both."""
    return loss != "bce" or activation == "sigmoid"


@dataclass(frozen=True)
class _Neuron:
    """z = Σ wi xi + b, a = g(z) and the loss; hashable, so its symbolic work is cached per neuron."""

    weights: tuple[sympy.Symbol, ...]
    inputs: tuple[sympy.Symbol, ...]
    bias: sympy.Symbol
    target: sympy.Symbol | None
    activation: str
    loss: str  # output, half_squared, squared or bce

    @cached_property
    def z(self) -> sympy.Expr:
        return sympy.Add(*[w * x for w, x in zip(self.weights, self.inputs)], self.bias)

    @property
    def variables(self) -> list[sympy.Symbol]:
        return [*self.weights, *self.inputs, self.bias] + ([self.target] if self.target is not None else [])

    def act(self, u: sympy.Basic) -> sympy.Basic:
        return activation_expr(self.activation, u)

    def loss_of_z(self, u: sympy.Basic) -> sympy.Basic:
        """L written in the pre-activation u. Cross-entropy on a sigmoid is written ln(1 + e^(-u)) + (1 - t)u:
        the same function as -(t ln σ(u) + (1 - t) ln(1 - σ(u))), computed without ln of a number near 0."""
        if self.loss == "bce" and self.target is not None:
            return sympy.log(1 + sympy.exp(-u)) + (1 - self.target) * u
        return self.loss_of(self.act(u))

    def loss_of(self, a: sympy.Basic) -> sympy.Basic:
        """L written in the output a."""
        t = self.target
        if self.loss == "output" or t is None:
            return a
        if self.loss == "half_squared":
            return (a - t) ** 2 / 2
        if self.loss == "squared":
            return (a - t) ** 2
        return -(t * sympy.log(a) + (1 - t) * sympy.log(1 - a))

    def dl_da(self, a: sympy.Basic) -> sympy.Basic:
        """∂L/∂a in the output a: 1, a - t, 2(a - t) or -t/a + (1 - t)/(1 - a)."""
        t = self.target
        if self.loss == "output" or t is None:
            return ONE
        if self.loss == "half_squared":
            return a - t
        if self.loss == "squared":
            return sympy.Mul(2, a - t, evaluate=False)  # 2(a - t), not distributed
        return -t / a + (1 - t) / (1 - a)

    def dl_dz(self, u: sympy.Basic) -> sympy.Basic:
        """∂L/∂z in the pre-activation u: ∂L/∂a · da/dz, the ReLU gates as indicators, sigmoid + BCE as a - t."""
        if self.loss == "bce":
            return sigmoid(u) - self.target
        if self.activation == "linear":
            return self.dl_da(u)
        if self.activation == "relu":
            return indicator(self.dl_da(u), u)
        if self.activation == "leaky_relu":
            return indicator(self.dl_da(u), u, ZERO, _times(LEAKY_SLOPE, self.dl_da(LEAKY_SLOPE * u)))
        a = self.act(u)
        if self.activation == "sigmoid":  # σ'(u) = e^(-u)/(1 + e^(-u))^2 = σ(u)(1 - σ(u)), as sympy.diff writes it
            return _times(self.dl_da(a), sympy.exp(-u) / (1 + sympy.exp(-u)) ** 2)
        return _times(self.dl_da(a), self.slope_of(a))

    def slope_of(self, a: sympy.Basic) -> sympy.Basic:
        """da/dz of a sigmoid or tanh, written in its output a."""
        return a * (1 - a) if self.activation == "sigmoid" else 1 - a**2

    def dz(self, v: sympy.Symbol) -> sympy.Basic:
        """∂z/∂v: xi for wi, wi for xi, 1 for b."""
        partner = self.partner(v)
        return ONE if partner is None else partner

    def partner(self, v: sympy.Symbol) -> sympy.Symbol | None:
        """The symbol multiplying v in z (xi for wi and wi for xi); None for the bias."""
        if v in self.weights:
            return self.inputs[self.weights.index(v)]
        if v in self.inputs:
            return self.weights[self.inputs.index(v)]
        return None


def _times(factor: sympy.Basic, expr: sympy.Basic) -> sympy.Basic:
    """factor · expr, into each branch of an indicator, keeping 2(a - t) whole when the factor is 1."""
    if factor == 1:
        return expr
    if isinstance(expr, sympy.Piecewise):
        return sympy.Piecewise(*[(_times(factor, e), c) for e, c in expr.args], evaluate=False)
    return sympy.Mul(factor, *(expr.args if isinstance(expr, sympy.Mul) else (expr,)))


# --- what a slot may draw -------------------------------------------------------------------------------


def _parse_variables(names: tuple[str, ...]) -> tuple[list[tuple[str, str]], str | None, str | None]:
    """Pairs (wi, xi) in index order, the bias name and the target name found among the slot's variables."""
    weights: dict[int, str] = {}
    inputs: dict[int, str] = {}
    for name in names:
        match = _NAME.match(name)
        if match:
            (weights if match.group(1) == "w" else inputs)[int(match.group(2))] = name
    pairs = [(weights[i], inputs[i]) for i in sorted(weights) if i in inputs]
    return pairs, ("b" if "b" in names else None), ("t" if "t" in names else None)


def _kind_of(name: str, bias: str) -> str:
    if name == bias:
        return "bias"
    match = _NAME.match(name)
    return "weight" if match and match.group(1) == "w" else "input"


@dataclass(frozen=True)
class _Plan:
    """Everything a slot allows: (activation, loss) pairs, the input counts and what may be asked about."""

    combos: tuple[tuple[str, str], ...]
    sizes: tuple[int, ...]
    about: tuple[str, ...]
    fixed_size: bool


def _plan(slot: SlotSpec, names: tuple[str, ...]) -> _Plan:
    pairs, _, target = _parse_variables(names)
    level = slot.difficulty if slot.difficulty in _ACTIVATIONS_BY_DIFFICULTY else 3
    loss_opt = slot.options.get("loss")
    act_opt = slot.options.get("activation")
    if loss_opt == "relu":  # the older spelling: the output of a ReLU neuron
        loss_opt, act_opt = "output", act_opt or "relu"
    activations = (act_opt,) if act_opt else _ACTIVATIONS_BY_DIFFICULTY[level]
    if loss_opt:
        losses: tuple[str, ...] = (loss_opt,)
    elif target is None:
        losses = ("output",)  # without a target t only the output itself can be the loss
    else:
        losses = _LOSSES_BY_DIFFICULTY[level]
    if loss_opt == "bce" and not act_opt:
        activations = ("sigmoid",)
    combos = tuple((g, loss) for g in activations for loss in losses if _compatible(g, loss))
    if slot.options.get("inputs"):
        sizes: tuple[int, ...] = (int(slot.options["inputs"]),)
    else:
        lo, hi = _INPUTS_BY_DIFFICULTY[level]
        sizes = tuple(range(lo, hi + 1))
    need = next((i + 1 for i, p in enumerate(pairs) if slot.wrt in p), 0)  # a wrt x3 needs 3 inputs
    fixed = bool(slot.options.get("inputs")) or need > sizes[-1]
    sizes = tuple(sorted({max(n, need) for n in sizes if n <= len(pairs)} or {max(1, min(need, len(pairs)))}))
    if slot.wrt is not None:
        about: tuple[str, ...] = (_kind_of(slot.wrt, bias="b"),)
    else:
        about = tuple(slot.options.get("about") or _ABOUT_BY_DIFFICULTY[level])
    return _Plan(combos, sizes, about, fixed)


@cache
def _lengths(activation: str, loss: str, n: int) -> tuple[int, int]:
    """(the function's LaTeX length, the longest symbolic key's about a weight, input or bias): keys have no
    numbers in them, so these depend on the neuron's shape alone."""
    nn = _neuron(("w1", "w2", "w3", "w4")[:n], ("x1", "x2", "x3", "x4")[:n], activation, loss)
    keys = max(len(tex_ln(_key(nn, v))) for v in (nn.weights[-1], nn.inputs[-1], nn.bias))
    return len(tex_ln(nn.loss_of_z(nn.z))), keys


def _neuron(weights: tuple[str, ...], inputs: tuple[str, ...], activation: str, loss: str) -> _Neuron:
    return _Neuron(
        tuple(var(w) for w in weights),
        tuple(var(x) for x in inputs),
        var("b"),
        None if loss == "output" else var("t"),
        activation,
        loss,
    )


def _sizes(plan: _Plan, combo: tuple[str, str], ask: str, about: str) -> tuple[int, ...]:
    """The input counts a combo may draw for this question: the function must fit a line, and so must a
    symbolic key about a weight, input or bias. Without a bank size, a key too long at the difficulty's
    sizes falls back to the largest smaller size that fits (a sigmoid with a squared error: 1 input)."""

    def fits(n: int) -> bool:
        function, key = _lengths(*combo, n)
        return function <= _FUNCTION_LIMIT and (ask == "value" or about in ("z", "a") or key <= _KEY_LIMIT)

    sizes = tuple(n for n in plan.sizes if fits(n))
    if sizes or plan.fixed_size:
        return sizes
    smaller = [n for n in range(1, plan.sizes[0]) if fits(n)]
    return (smaller[-1],) if smaller else ()


def _trivial(combo: tuple[str, str], ask: str, about: str) -> bool:
    """∂L/∂a = 1 when L = a; and through a linear or ReLU output, ∂L/∂b and ∂L/∂z are 1 at every point
    (behind an open gate): value questions that test nothing."""
    activation, loss = combo
    if loss != "output":
        return False
    return about == "a" or (ask == "value" and activation in ("linear", "relu") and about in ("bias", "z"))


@cache
def _drawable(plan: _Plan, ask: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """For each thing the slot may ask about, the (activation, loss) pairs that can be drawn for it."""
    abouts = ("weight",) if ask == "gradient" else plan.about
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for about in abouts:
        combos = tuple(c for c in plan.combos if _sizes(plan, c, ask, about) and not _trivial(c, ask, about))
        if combos:
            out[about] = combos
    return out


def _slot_problems(slot: SlotSpec, names: tuple[str, ...]) -> list[tuple[str | None, str]]:
    """What a neuron slot cannot be, found at load time (Neuron.check_slot), so draw() never fails on it."""
    pairs, bias, target = _parse_variables(names)
    if not pairs or bias is None:
        return [
            (
                "variables",
                f"variables {list(names)} must include weights and inputs with matching numbers "
                "(w1, x1, w2, x2, ...) and the bias b (and t for a loss with a target); fix the slot's variables",
            )
        ]
    loss = slot.options.get("loss")
    activation = slot.options.get("activation")
    if loss and loss not in ("output", "relu") and target is None:
        return [("loss", f"loss {loss} needs the target variable t among the variables")]
    if loss == "bce" and activation not in (None, "sigmoid"):
        return [
            ("loss", f"bce (binary cross-entropy) takes a sigmoid output, not {activation}; use activation: sigmoid")
        ]
    if loss == "relu" and activation not in (None, "relu"):
        return [("loss", f"loss relu is a ReLU neuron's output; with activation {activation} write loss: output")]
    if slot.wrt is not None and slot.options.get("about"):
        return [("about", "give either wrt (one variable) or about (what to ask about), not both")]
    if slot.wrt is not None and not any(slot.wrt in p for p in pairs) and slot.wrt != bias:
        return [
            ("wrt", f"{slot.wrt} is not a weight, input or the bias; ask about one of those (or use about: [z, a])")
        ]
    if slot.ask == "gradient" and slot.options.get("about"):
        return [("about", "a gradient is over the weights and the bias; about is for partial and value questions")]
    plan = _plan(slot, names)
    if "a" in (slot.options.get("about") or ()) and all(loss_ == "output" for _, loss_ in plan.combos):
        return [("about", "∂L/∂a is 1 when the loss is the output itself; add a loss or ask about something else")]
    if isinstance(slot.point, dict) and any(g in ("sigmoid", "tanh") for g, _ in plan.combos):
        return [
            (
                "point",
                "a bank point needs activation linear, relu or leaky_relu: sigmoid and tanh values would need a "
                "calculator (random points make them exact)",
            )
        ]
    drawable = _drawable(plan, slot.ask)
    asked = ("weight",) if slot.ask == "gradient" else plan.about
    missing = [x for x in dict.fromkeys(asked) if x not in drawable]
    chosen = [k for k in ("about", "inputs", "activation", "loss") if slot.options.get(k)]
    if missing and (chosen or not drawable):
        key = chosen[0] if chosen else "activation"
        return [
            (
                key,
                f"a question about {join_names(missing)} cannot be drawn with these options: its key or function "
                "is too long for one line, or its answer is always 1; use ask: value, a simpler activation, "
                "a loss, or fewer inputs",
            )
        ]
    return []


# --- the symbolic work: keys, steps and mistakes ----------------------------------------------------------


def _key(nn: _Neuron, v: sympy.Symbol) -> sympy.Basic:
    """∂L/∂v for a weight, input or the bias, in the problem's variables."""
    return _times(nn.dz(v), nn.dl_dz(nn.z))


_ACT_TEXT = {
    "linear": ("a = z (a linear output)", r"a = z \text{ (a linear output)}"),
    "relu": ("a = ReLU(z) = max(0, z)", r"a = \operatorname{ReLU}(z) = \max(0, z)"),
    "leaky_relu": (
        "a = LeakyReLU(z) = max(z, z/10) (slope 1/10 where z < 0)",
        r"a = \operatorname{LeakyReLU}(z) = \max\left(z, \tfrac{z}{10}\right) \text{ (slope } \tfrac{1}{10} \text{ where } z < 0)",
    ),
    "sigmoid": ("a = σ(z) = 1/(1 + e^(-z))", r"a = \sigma(z) = \frac{1}{1 + e^{-z}}"),
    "tanh": ("a = tanh(z)", r"a = \tanh(z)"),
}
_FORWARD = {  # the output in a forward pass, before its number
    "linear": ("a = z", "a = z"),
    "relu": ("a = max(0, z)", r"a = \max(0, z)"),
    "leaky_relu": ("a = max(z, z/10)", r"a = \max\left(z, \tfrac{z}{10}\right)"),
}
_LOSS_TEXT = {  # (text, LaTeX prose with $math$)
    "output": ("L = a, the output itself", r"$L = a$, the output itself"),
    "half_squared": (
        "half the squared error, L = (1/2)(a - t)^2",
        r"half the squared error, $L = \tfrac{1}{2}(a - t)^{2}$",
    ),
    "squared": (
        "the squared error (no factor 1/2), L = (a - t)^2",
        r"the squared error (no factor $\tfrac{1}{2}$), $L = (a - t)^{2}$",
    ),
    "bce": (
        "the binary cross-entropy L = -(t ln a + (1 - t) ln(1 - a))",
        r"the binary cross-entropy $L = -\left(t \ln a + (1 - t)\ln(1 - a)\right)$",
    ),
}
_ACT_PROSE = {  # how the prompt's LaTeX says a = g(z), as prose with $math$
    "linear": "$a = z$ (a linear output)",
    "leaky_relu": r"$a = \operatorname{LeakyReLU}(z) = \max\left(z, \tfrac{z}{10}\right)$ (slope $\tfrac{1}{10}$ where $z < 0$)",
}
_DL_DA = {  # ∂L/∂a: text and LaTeX in a and t, then as templates for the numbers, and how it comes (text, LaTeX)
    "output": ("1", "1", "", "", "L = a", "$L = a$"),
    "half_squared": (
        "a - t",
        "a - t",
        "{a} - {t}",
        "{a} - {t}",
        "power rule; the 1/2 cancels the 2",
        r"power rule; the $\tfrac{1}{2}$ cancels the 2",
    ),
    "squared": (
        "2(a - t)",
        "2(a - t)",
        "2({a} - {t})",
        r"2\left({a} - {t}\right)",
        "power rule; no 1/2 to cancel the 2",
        r"power rule; no $\tfrac{1}{2}$ to cancel the 2",
    ),
    "bce": (
        "-t/a + (1 - t)/(1 - a)",
        r"-\frac{t}{a} + \frac{1 - t}{1 - a}",
        "-{t}/{a} + (1 - {t})/(1 - {a})",
        r"-\frac{{{t}}}{{{a}}} + \frac{{1 - {t}}}{{1 - {a}}}",
        "d/da ln a = 1/a and d/da ln(1 - a) = -1/(1 - a)",
        r"$\frac{d}{da}\ln a = \frac{1}{a}$ and $\frac{d}{da}\ln(1 - a) = -\frac{1}{1 - a}$",
    ),
}
_DA_DZ = {  # da/dz: text, LaTeX, templates for the numbers, and why
    "linear": ("1", "1", "", "", "a = z"),
    "relu": (
        "1 where z > 0, 0 where z < 0",
        r"\begin{cases} 1 & z > 0 \\ 0 & z < 0 \end{cases}",
        "",
        "",
        "the ReLU gate; no derivative at z = 0",
    ),
    "leaky_relu": (
        "1 where z > 0, 1/10 where z < 0",
        r"\begin{cases} 1 & z > 0 \\ \tfrac{1}{10} & z < 0 \end{cases}",
        "",
        "",
        "the two slopes of the leaky ReLU; no derivative at z = 0",
    ),
    "sigmoid": (
        "σ(z)(1 - σ(z)) = a(1 - a)",
        r"\sigma(z)\left(1 - \sigma(z)\right) = a(1 - a)",
        "{a}(1 - {a})",
        r"{a}\left(1 - {a}\right)",
        "the derivative of the sigmoid",
    ),
    "tanh": (
        "1 - tanh(z)^2 = 1 - a^2",
        r"1 - \tanh^{2}(z) = 1 - a^{2}",
        "1 - {a}^2",
        "1 - {a}^{{2}}",
        "the derivative of tanh",
    ),
}


def _num(x: sympy.Basic) -> str:
    """A number inside a formula: parenthesised unless a whole number not below 0."""
    return plain(x) if x.is_Integer and x >= 0 else f"({plain(x)})"


def _num_tex(x: sympy.Basic) -> str:
    return tex_ln(x) if x >= 0 else rf"\left({tex_ln(x)}\right)"


def _name_tex(v: sympy.Symbol) -> str:
    head = v.name.rstrip("0123456789").rstrip("_")
    digits = v.name[len(v.name.rstrip("0123456789")) :]
    return f"{head}_{{{digits}}}" if digits else v.name


def _d(v: str, of: str = "L", ordinary: bool = False) -> tuple[str, str]:
    """(∂L/∂v, \\frac{\\partial L}{\\partial v}) or with d for a function of one variable."""
    sym = var(v)
    if ordinary:
        return f"d{of}/d{v}", rf"\frac{{d{of}}}{{d{_name_tex(sym)}}}"
    return f"∂{of}/∂{v}", rf"\frac{{\partial {of}}}{{\partial {_name_tex(sym)}}}"


def _held_constant(nn: _Neuron, v: sympy.Symbol, math: bool) -> str:
    """ "w2, the inputs and b are constants" for ∂z/∂w1."""

    def show(u: sympy.Symbol) -> str:
        return f"${_name_tex(u)}$" if math else u.name

    if v == nn.bias:
        return "the weights and inputs are constants"
    kind = "weights" if v in nn.weights else "inputs"
    others = [show(u) for u in (nn.weights if kind == "weights" else nn.inputs) if u != v]
    rest = ["the inputs" if kind == "weights" else "the weights", show(nn.bias)]
    return f"{join_names(others + rest)} are constants"


@dataclass(frozen=True)
class _Question:
    """One question about a neuron: its function, variables, key, kinks, definitions, steps and mistakes."""

    about: str  # weight, input, bias, z, a
    v: sympy.Symbol  # the variable differentiated by (z or a for those)
    function: sympy.Basic
    variables: tuple[sympy.Symbol, ...]
    key: sympy.Basic
    kinks: tuple[sympy.Basic, ...]
    definitions: tuple[tuple[str, sympy.Basic], ...]
    mistakes: tuple[MistakeSpec, ...]
    ordinary: bool  # one variable: d, not ∂


@cache
def _question(nn: _Neuron, v: sympy.Symbol) -> _Question:
    """The question ∂L/∂v, v a weight, input, the bias, or the symbols z or a."""
    t = (nn.target,) if nn.target is not None else ()
    if v == A:
        variables: tuple[sympy.Symbol, ...] = (A, *t)
        function, key = nn.loss_of(A), nn.dl_da(A)
        kinks: tuple[sympy.Basic, ...] = ()
        definitions: tuple[tuple[str, sympy.Basic], ...] = ()
        about = "a"
    elif v == Z:
        variables = (Z, *t)
        function, key = nn.loss_of_z(Z), nn.dl_dz(Z)
        kinks = (Z,) if nn.activation in ("relu", "leaky_relu") else ()
        definitions = (("a", nn.act(Z)),)
        about = "z"
    else:
        variables = tuple(nn.variables)
        function, key = nn.loss_of_z(nn.z), _key(nn, v)
        kinks = (nn.z,) if nn.activation in ("relu", "leaky_relu") else ()
        definitions = (("z", nn.z), ("a", nn.act(nn.z)))
        about = "weight" if v in nn.weights else "input" if v in nn.inputs else "bias"
    return _Question(
        about, v, function, variables, key, kinks, definitions, tuple(_mistakes(nn, v, key)), len(variables) == 1
    )


def _mistakes(nn: _Neuron, v: sympy.Symbol, key: sympy.Basic) -> list[MistakeSpec]:
    """The buggy keys the grader diagnoses, each in the question's variables (the duplicates and those
    equal to the key are dropped by the generator)."""
    out: list[MistakeSpec] = []
    t = nn.target
    if v == A:
        if nn.activation in ("sigmoid", "tanh"):
            out.append(
                (
                    "through_activation",
                    _times(nn.dl_da(A), nn.slope_of(A)),
                    "That is ∂L/∂z: ∂L/∂a stops at the output a, before the activation's derivative.",
                )
            )
        if nn.loss == "squared":
            out.append(("forgot_factor_2", A - t, "The factor 2 is missing: d/da (a - t)^2 = 2(a - t)."))
        if nn.loss == "bce":
            out.append(
                (
                    "bce_as_squared",
                    A - t,
                    "a - t is ∂L/∂z (through the sigmoid); ∂L/∂a of the cross-entropy is -t/a + (1 - t)/(1 - a).",
                )
            )
        out.append(("sign", -key, _sign_feedback(nn)))
        return out
    u = Z if v == Z else nn.z
    dz = ONE if v == Z else nn.dz(v)
    a = nn.act(u)
    if nn.activation == "relu":
        out.append(
            (
                "ignored_max",
                _times(dz, nn.dl_da(u)),
                "You left out the ReLU gate: where z < 0 the output is constant 0, so the derivative there is 0; "
                "the answer needs the indicator of z > 0.",
            )
        )
        out.append(
            (
                "wrong_side",
                _times(dz, indicator(nn.dl_da(u), ZERO, u)),
                "The gate is on the wrong side: ReLU passes the gradient where z > 0, not where z < 0.",
            )
        )
    elif nn.activation == "leaky_relu":
        out.append(
            (
                "leak_as_relu",
                _times(dz, indicator(nn.dl_da(u), u)),
                "Where z < 0 a leaky ReLU still has slope 1/10 (a = z/10), not 0 as a ReLU would.",
            )
        )
        out.append(
            (
                "ignored_max",
                _times(dz, nn.dl_da(u)),
                "Where z < 0 the leaky ReLU is a = z/10: its slope there is 1/10, and the output is z/10, not z.",
            )
        )
    elif nn.activation in ("sigmoid", "tanh") and nn.loss != "bce":
        name = "σ" if nn.activation == "sigmoid" else "tanh"
        out.append(
            (
                "forgot_activation_derivative",
                _times(dz, nn.dl_da(a)),
                f"The activation's derivative da/dz is missing: multiply by {_DA_DZ[nn.activation][0]}.",
            )
        )
        out.append(
            (
                "derivative_as_activation",
                _times(dz, _times(nn.dl_da(a), a)),
                f"The derivative of {name}(z) is not {name}(z) itself: it is {_DA_DZ[nn.activation][0]}.",
            )
        )
        if nn.activation == "tanh":
            out.append(
                (
                    "tanh_unsquared",
                    _times(dz, _times(nn.dl_da(a), 1 - a)),
                    "d/dz tanh(z) = 1 - tanh(z)^2: the tanh is squared.",
                )
            )
    if nn.loss == "bce":
        out.append(
            (
                "bce_extra_slope",
                _times(dz, _times(sigmoid(u) - t, nn.slope_of(sigmoid(u)))),
                "With a sigmoid and cross-entropy, ∂L/∂z = a - t already includes the sigmoid's derivative a(1 - a): "
                "do not multiply by it again.",
            )
        )
    if nn.loss == "squared":
        out.append(
            (
                "forgot_factor_2",
                _half(key),
                "The factor 2 is missing: the derivative of (a - t)^2 is 2(a - t) (this loss has no 1/2 to cancel it).",
            )
        )
    partner = nn.partner(v) if v != Z else None
    if partner is not None:
        out.append(
            (
                "wrong_var",
                _times(v, nn.dl_dz(nn.z)),
                f"∂z/∂{v.name} is the factor multiplying {v.name} in z, which is {partner.name}, not {v.name} itself.",
            )
        )
    out.append(("sign", -key, _sign_feedback(nn)))
    return out


def _half(expr: sympy.Basic) -> sympy.Basic:
    if isinstance(expr, sympy.Piecewise):
        return sympy.Piecewise(*[(_half(e), c) for e, c in expr.args], evaluate=False)
    return expr / 2


def _sign_feedback(nn: _Neuron) -> str:
    return {
        "output": "The sign is wrong: the activation increases with z, so L = a does too.",
        "half_squared": "The sign is wrong: the derivative of (1/2)(a - t)^2 is a - t, not t - a.",
        "squared": "The sign is wrong: the derivative of (a - t)^2 is 2(a - t), not 2(t - a).",
        "bce": "The sign is wrong: with a sigmoid and cross-entropy ∂L/∂z = a - t, not t - a.",
    }[nn.loss]


# --- prompts and steps -----------------------------------------------------------------------------------


def _describe(nn: _Neuron) -> tuple[str, str]:
    """The neuron in words: z, the activation and the loss."""
    z_text = " + ".join(f"{w.name}*{x.name}" for w, x in zip(nn.weights, nn.inputs)) + f" + {nn.bias.name}"
    z_tex = " + ".join(f"{_name_tex(w)} {_name_tex(x)}" for w, x in zip(nn.weights, nn.inputs)) + " + b"
    act_text, act_tex = _ACT_TEXT[nn.activation]
    loss_text, loss_tex = _LOSS_TEXT[nn.loss]
    text = f"A neuron computes z = {z_text} and outputs {act_text}."
    latex = f"A neuron computes $z = {z_tex}$ and outputs {_ACT_PROSE.get(nn.activation, f'${act_tex}$')}."
    if nn.loss == "output":
        text += f" Let {loss_text}."
        latex += f" Let {loss_tex}."
    else:
        text += f" Its loss against the target t is {loss_text}."
        latex += f" Its loss against the target $t$ is {loss_tex}."
    return text, latex


def _ask_text(q: _Question, nn: _Neuron) -> tuple[str, str]:
    """What a symbolic question asks for."""
    d_text, d_tex = _d(q.v.name, ordinary=q.ordinary)
    if q.about == "a":
        return f" Find {d_text} as a function of a and t.", f" Find ${d_tex}$ as a function of $a$ and $t$."
    if q.about == "z":
        of = "z and t" if nn.target is not None else "z"
        of_tex = "$z$ and $t$" if nn.target is not None else "$z$"
        return (
            f" Find {d_text} as a function of {of} (you may write a for the activation).",
            f" Find ${d_tex}$ as a function of {of_tex} (you may write $a$ for the activation).",
        )
    hint = {
        "relu": " (use an indicator for the ReLU gate)",
        "leaky_relu": " (piecewise: one expression for z > 0, one for z < 0)",
    }.get(nn.activation, "")
    what = "weights, inputs, bias and target" if nn.target is not None else "weights, inputs and bias"
    return (
        f" Find {d_text} as a function of the {what}{hint}; you may write z and a.",
        f" Find ${d_tex}$ as a function of the {what}{hint}; you may write $z$ and $a$.",
    )


@dataclass(frozen=True)
class _Numbers:
    """A value question's neuron numbers and its forward pass, exact."""

    point: dict[sympy.Symbol, sympy.Basic]  # the neuron's leaves
    z: sympy.Basic
    a: sympy.Basic


def _chain_names(q: _Question, nn: _Neuron, ordinary: bool) -> tuple[list[tuple[str, str]], str, str]:
    """The factors of the chain rule for q, as (text, LaTeX) names, and the product's name."""
    d_text, d_tex = _d(q.v.name, ordinary=ordinary)
    factors: list[tuple[str, str]] = []
    if q.about == "a":
        return [], d_text, d_tex
    if nn.loss == "bce":
        factors.append(_d("z"))
    else:
        factors += [_d("a"), _d("z", "a", ordinary=True)]
    if q.about != "z":
        factors.append(_d(q.v.name, "z"))
    return factors, d_text, d_tex


def _steps(q: _Question, nn: _Neuron, numbers: _Numbers | None) -> list[DraftStep]:
    """The worked solution: what z and a are (with the forward pass for a value), the chain rule, each local
    derivative (with its number for a value), and the product."""
    steps: list[DraftStep] = []
    act_text, act_tex = _ACT_TEXT[nn.activation]
    a_given = nn.activation in ("sigmoid", "tanh")
    if numbers is not None and q.about != "a":
        terms = [f"({plain(numbers.point[w])})({plain(numbers.point[x])})" for w, x in zip(nn.weights, nn.inputs)]
        terms_tex = [
            rf"({tex_ln(numbers.point[w])})({tex_ln(numbers.point[x])})" for w, x in zip(nn.weights, nn.inputs)
        ]
        b = numbers.point[nn.bias]
        g = {"sigmoid": ("σ", r"\sigma"), "tanh": ("tanh", r"\tanh")}.get(nn.activation)
        if g is not None:
            a_text = f"a = {g[0]}({plain(numbers.z)}) = {plain(numbers.a)} (given)"
            a_tex = rf"a = {g[1]}\left({tex_ln(numbers.z)}\right) = {tex_ln(numbers.a)}"
        else:
            a_text = f"{_FORWARD[nn.activation][0]} = {plain(numbers.a)}"
            a_tex = f"{_FORWARD[nn.activation][1]} = {tex_ln(numbers.a)}"
        steps.append(
            DraftStep(
                text=f"Forward pass: z = {' + '.join(terms)} + ({plain(b)}) = {plain(numbers.z)}.",
                latex=label("Forward pass:")
                + rf"z = {' + '.join(terms_tex)} + \left({tex_ln(b)}\right) = {tex_ln(numbers.z)}",
            )
        )
        steps.append(
            DraftStep(
                text=f"Output: {a_text}.",
                latex=label("Output:") + a_tex + (r"\text{ (given)}" if a_given else ""),
            )
        )
    elif q.about == "z":
        steps.append(DraftStep(text=f"The output is {act_text}.", latex=label("The output:") + act_tex))
    elif q.about != "a":
        steps.append(
            DraftStep(
                text=f"The pre-activation is z = {plain(nn.z)}, and {act_text}.",
                latex=label("Pre-activation and output:") + rf"z = {tex_ln(nn.z)},\quad {act_tex}",
            )
        )
    if q.about == "a":
        steps.append(
            DraftStep(
                text=f"As a function of the output a (t a constant): L = {plain(nn.loss_of(A))}.",
                latex=label("As a function of the output a (t a constant):") + f"L = {tex_ln(nn.loss_of(A))}",
            )
        )
    factors, d_text, d_tex = _chain_names(q, nn, q.ordinary and numbers is None)
    if factors:
        steps.append(
            DraftStep(
                text=f"Chain rule: {d_text} = {' * '.join(f for f, _ in factors)}.",
                latex=label("Chain rule:") + f"{d_tex} = " + r" \cdot ".join(f for _, f in factors),
            )
        )
    values: list[sympy.Basic] = []
    at: dict[sympy.Symbol, sympy.Basic] = {}
    if numbers is not None:
        at[A] = numbers.a
        if nn.target is not None:
            at[nn.target] = numbers.point[nn.target]
    # ∂L/∂a (or ∂L/∂z for sigmoid + cross-entropy)
    if nn.loss == "bce" and q.about != "a":
        val, tail_text, tail_tex = None, "", ""
        if numbers is not None and nn.target is not None:
            a0, t0 = numbers.a, numbers.point[nn.target]
            val = a0 - t0
            tail_text = f" = {plain(a0)} - {plain(t0)} = {plain(val)}"
            tail_tex = rf" = {tex_ln(a0)} - {tex_ln(t0)} = {tex_ln(val)}"
        steps.append(
            DraftStep(
                text="Sigmoid with cross-entropy: ∂L/∂z = ∂L/∂a * da/dz = (-t/a + (1 - t)/(1 - a)) * a(1 - a) = a - t"
                + tail_text
                + ".",
                latex=r"\text{Sigmoid with cross-entropy, the $a(1 - a)$ cancels:} "
                + r"\frac{\partial L}{\partial z} = \left(-\frac{t}{a} + \frac{1 - t}{1 - a}\right) a(1 - a) = a - t"
                + tail_tex,
            )
        )
        values.append(val if val is not None else ZERO)
    else:
        f_text, f_tex, n_text, n_tex, why, why_tex = _DL_DA[nn.loss]
        tail_text = tail_tex = ""
        val = None
        if numbers is not None:
            val = fast_subs(nn.dl_da(A), at)
            if n_text:
                t0 = at.get(nn.target, ZERO) if nn.target is not None else ZERO
                tail_text = f" = {n_text.format(a=_num(numbers.a), t=_num(t0))} = {plain(val)}"
                tail_tex = f" = {n_tex.format(a=_num_tex(numbers.a), t=_num_tex(t0))} = {tex_ln(val)}"
        name_text, name_tex = _d("a", ordinary=q.ordinary and q.about == "a")
        if numbers is None and q.about == "a":  # the loss's derivative is the answer: end on the key
            steps.append(
                DraftStep(
                    text=f"Differentiate the loss ({why}), t a constant: {name_text} =",
                    expr=q.key,
                    latex=rf"\text{{Differentiate the loss ({why_tex}), $t$ a constant:}} {name_tex} = {f_tex}",
                )
            )
        else:
            steps.append(
                DraftStep(
                    text=f"{name_text} = {f_text}{tail_text} ({why}).",
                    latex=rf"\text{{Loss ({why_tex}):}} " + f"{name_tex} = {f_tex}{tail_tex}",
                )
            )
        values.append(val if val is not None else ZERO)
        if q.about != "a":
            g_text, g_tex, m_text, m_tex, why = _DA_DZ[nn.activation]
            if numbers is not None:
                slope = _slope_value(nn, numbers)
                if nn.activation in ("relu", "leaky_relu"):
                    side = ">" if numbers.z > 0 else "<"
                    g_text = f"{plain(slope)}, since z {side} 0"
                    g_tex = rf"{tex_ln(slope)} \text{{ since $z {side} 0$}}"
                elif m_text:
                    g_text = f"{g_text} = {m_text.format(a=_num(numbers.a))} = {plain(slope)}"
                    g_tex = rf"{g_tex} = {m_tex.format(a=_num_tex(numbers.a))} = {tex_ln(slope)}"
                values.append(slope)
            steps.append(
                DraftStep(
                    text=f"da/dz = {g_text} ({why}).",
                    latex=label(f"Activation ({why}):") + rf"\frac{{da}}{{dz}} = {g_tex}",
                )
            )
    if q.about in ("weight", "input", "bias"):
        dz = nn.dz(q.v)
        dz_val = fast_subs(dz, numbers.point) if numbers is not None else None
        tail_text = f" = {plain(dz_val)}" if dz_val is not None and dz != 1 else ""
        tail_tex = f" = {tex_ln(dz_val)}" if dz_val is not None and dz != 1 else ""
        name_text, name_tex = _d(q.v.name, "z")
        held_tex = _held_constant(nn, q.v, True)
        steps.append(
            DraftStep(
                text=f"{name_text} = {plain(dz)}{tail_text} ({_held_constant(nn, q.v, False)}).",
                latex=rf"\text{{{held_tex[:1].upper() + held_tex[1:]}:}} {name_tex} = {tex_ln(dz)}{tail_tex}",
            )
        )
        values.append(dz_val if dz_val is not None else ZERO)
    if numbers is None:
        if factors:
            steps.append(
                DraftStep(
                    text=f"Multiply: {d_text} =",
                    expr=q.key,
                    latex=label("Multiply, in the variables:") + f"{d_tex} = {tex_ln(q.key)}",
                )
            )
        return steps
    product = sympy.Mul(*values)
    if factors:
        shown = " * ".join(f"({plain(x)})" for x in values)
        shown_tex = "".join(rf"\left({tex_ln(x)}\right)" for x in values)
        steps.append(
            DraftStep(
                text=f"Multiply: {d_text} = {shown} =",
                expr=product,
                latex=label("Multiply:") + f"{d_tex} = {shown_tex} = {tex_ln(product)}",
            )
        )
    else:
        steps.append(DraftStep(text=f"So {d_text} =", expr=product, latex=label("So") + f"{d_tex} = {tex_ln(product)}"))
    return steps


def _slope_value(nn: _Neuron, numbers: _Numbers) -> sympy.Basic:
    if nn.activation == "linear":
        return ONE
    if nn.activation == "relu":
        return ONE if numbers.z > 0 else ZERO
    if nn.activation == "leaky_relu":
        return ONE if numbers.z > 0 else LEAKY_SLOPE
    return nn.slope_of(numbers.a)


# --- draws -------------------------------------------------------------------------------------------------


def _weighted_sum(nn: _Neuron, point: dict[sympy.Symbol, sympy.Basic]) -> sympy.Rational:
    """w1 x1 + ... + wn xn at the point, whose weights and inputs are rational numbers (drawn integers or
    a bank's values): summed in Python, since sympy's Add of many numbers is slow."""
    total = Fraction(0)
    for w, x in zip(nn.weights, nn.inputs):
        a, b = point[w], point[x]
        total += Fraction(a.p * b.p, a.q * b.q)
    return sympy.Rational(total.numerator, total.denominator)


def _draw_numbers(slot: SlotSpec, rng: random.Random, nn: _Neuron, q: _Question) -> _Numbers | None:
    """Numbers for a value question: small integers, a sigmoid or tanh at ln r, no ReLU input at 0, an
    open ReLU gate and a nonzero answer (behind a closed gate every answer is 0, which tests little).
    A bank point is used as given (off the kink)."""
    lo, hi = _POINT_RANGE
    nonzero = [c for c in range(max(slot.coefficients[0], -_WIDEST), min(slot.coefficients[1], _WIDEST) + 1) if c]
    for _ in range(1 if isinstance(slot.point, dict) else _POINT_TRIES):
        if isinstance(slot.point, dict):
            point: dict[sympy.Symbol, sympy.Basic] = {v: sympy.Rational(str(slot.point[v.name])) for v in nn.variables}
        else:
            point = {}
            for w, x in zip(nn.weights, nn.inputs):
                point[w] = sympy.Integer(rng.choice(nonzero))
                point[x] = sympy.Integer(rng.choice(nonzero))
            s = _weighted_sum(nn, point)
            if nn.activation in ("sigmoid", "tanh"):
                r = rng.choice(SIGMOID_LN_R if nn.activation == "sigmoid" else TANH_LN_R)
                point[nn.bias] = sympy.log(r) - s  # z = ln r exactly
            else:
                point[nn.bias] = sympy.Integer(rng.randint(lo, hi))
            if nn.target is not None:
                if nn.loss == "bce" or nn.activation == "sigmoid":
                    point[nn.target] = sympy.Integer(rng.randint(0, 1))
                elif nn.activation == "tanh":
                    point[nn.target] = sympy.Integer(rng.randint(-1, 1))
                else:
                    point[nn.target] = sympy.Integer(rng.randint(lo, hi))
        z = _weighted_sum(nn, point) + point[nn.bias]  # a rational number, or ln r (the bias is ln r - s)
        if nn.activation in ("sigmoid", "tanh"):
            a = exact_at_ln(nn.activation, sympy.exp(z))  # z = ln r: exp(z) is r
        elif z == 0:
            continue  # on the kink
        else:
            a = exact_tanh(fast_subs(nn.act(Z), {Z: z}))
        numbers = _Numbers(point, z, a)
        if isinstance(slot.point, dict):
            return numbers
        if nn.activation == "relu" and z < 0:
            continue
        if _value(q, nn, numbers) != 0:
            return numbers
    return None


def _question_point(q: _Question, nn: _Neuron, numbers: _Numbers) -> dict[sympy.Symbol, sympy.Basic]:
    """The point in the question's own variables: the neuron's leaves, or z (or a) and t."""
    t = {nn.target: numbers.point[nn.target]} if nn.target is not None else {}
    if q.about == "a":
        return {A: numbers.a, **t}
    if q.about == "z":
        return {Z: numbers.z, **t}
    return dict(numbers.point)


def _value(q: _Question, nn: _Neuron, numbers: _Numbers) -> sympy.Basic:
    return _at(q.key, _question_point(q, nn, numbers))


def _at(expr: sympy.Basic, point: dict[sympy.Symbol, sympy.Basic]) -> sympy.Basic:
    """expr at the point, exactly: sigmoid at ln r simplifies by itself, tanh at ln r is made to."""
    if all(isinstance(x, sympy.Rational) for x in point.values()):
        return exact_tanh(fast_subs(expr, point))
    value = exact_tanh(expr.xreplace(point))
    return sympy.nsimplify(value) if not value.is_Rational and value.is_number and not value.has(sympy.log) else value


def _point_words(point: dict[sympy.Symbol, sympy.Basic]) -> tuple[str, str]:
    return (
        ", ".join(f"{v.name} = {plain(x)}" for v, x in point.items()),
        ", ".join(f"{_name_tex(v)} = {tex_ln(x)}" for v, x in point.items()),
    )


class Neuron(Family):
    """One neuron's backward pass: ∂L/∂wi, ∂L/∂xi, ∂L/∂b, ∂L/∂z or ∂L/∂a, or the gradient over weights and bias."""

    name: ClassVar[str] = "neuron"
    summary: ClassVar[str] = (
        "A neuron's backward pass (linear, ReLU, leaky ReLU, sigmoid or tanh; output, squared-error or "
        "cross-entropy loss): dL/dwi, dL/dxi, dL/db, dL/dz, dL/da or the gradient"
    )
    asks: ClassVar[tuple[Ask, ...]] = ("partial", "gradient", "value")
    default_variables: ClassVar[tuple[str, ...]] = ("w1", "w2", "w3", "w4", "x1", "x2", "x3", "x4", "b", "t")
    min_variables: ClassVar[int] = 3
    max_variables: ClassVar[int] = 10
    options: ClassVar[dict[str, OptionDeclaration]] = {
        "activation": Choice(
            choices=ACTIVATION_NAMES,
            default_text="linear or relu at difficulty 1; relu or leaky_relu at 2; sigmoid or tanh at 3",
            help="a = g(z): linear (a = z), relu, leaky_relu (slope 1/10 below 0), sigmoid or tanh. Value "
            "questions put a sigmoid or tanh at z = ln r, so its value is a simple fraction, given in the prompt.",
        ),
        "loss": Choice(
            choices=LOSSES,
            default_text="output at difficulty 1; half_squared or squared at 2; also bce (with sigmoid) at 3",
            help="output: L = a; half_squared: L = ½(a - t)²; squared: L = (a - t)²; bce: binary cross-entropy "
            "on a sigmoid (dL/dz = a - t). All but output need the variable t. relu: the older name of output "
            "on a ReLU neuron.",
        ),
        "inputs": Integer(
            minimum=1,
            maximum=4,
            default_text="1-3, 2-3, 2-4 at difficulty 1, 2, 3 (fewer when a symbolic key would not fit a line)",
            help="The number of weight/input pairs (w1, x1, ...); fewer when the variables hold fewer pairs.",
        ),
        "about": SubsetOf(
            choices=ABOUT,
            default_text="weight, bias, input at 1; weight, bias, z, a at 2; mostly input, also weight, bias, z at 3",
            help="What ∂L/∂(...) is asked about: a weight wi, an input xi, the bias b, the pre-activation z or the "
            "output a (one drawn per student). A question about z or a is the loss as a function of z (or a) "
            "and t. Not with wrt or ask: gradient.",
        ),
    }

    def check_slot(self, slot: SlotSpec) -> list[tuple[str | None, str]]:
        return _slot_problems(slot, tuple(slot.variables or self.default_variables))

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        names = tuple(slot.variables or self.default_variables)
        plan = _plan(slot, names)
        pairs, _, _ = _parse_variables(names)
        drawable = _drawable(plan, slot.ask)
        abouts = [x for x in plan.about if x in drawable] if slot.ask != "gradient" else ["weight"]
        about = abouts[rng.randrange(len(abouts))]
        combos = drawable[about]
        combo = combos[rng.randrange(len(combos))]
        sizes = _sizes(plan, combo, slot.ask, about)
        n = sizes[rng.randrange(len(sizes))]
        nn = _neuron(tuple(w for w, _ in pairs[:n]), tuple(x for _, x in pairs[:n]), *combo)
        if slot.ask == "gradient":
            return _gradient_draft(nn)
        if slot.wrt is not None:
            v = var(slot.wrt)
        elif about in ("z", "a"):
            v = Z if about == "z" else A
        else:
            group = nn.weights if about == "weight" else nn.inputs if about == "input" else (nn.bias,)
            v = group[rng.randrange(len(group))]
        q = _question(nn, v)
        if slot.ask == "value":
            return _value_draft(slot, rng, nn, q)
        return _symbolic_draft(nn, q)


def _prompt(nn: _Neuron, ask: tuple[str, str]) -> tuple[str, str]:
    text, latex = _describe(nn)
    return text + ask[0], latex + ask[1]


@cache
def _symbolic_draft(nn: _Neuron, q: _Question) -> Draft:
    text, latex = _prompt(nn, _ask_text(q, nn))
    return Draft(
        function=q.function,
        variables=list(q.variables),
        wrt=[q.v],
        answer=q.key,
        prompt_text=text,
        prompt_latex=latex,
        steps=_steps(q, nn, None),
        mistakes=[DraftMistake(k, a, fb) for k, a, fb in q.mistakes],
        kinks=list(q.kinks),
        definitions=dict(q.definitions),
    )


@cache
def _gradient_draft(nn: _Neuron) -> Draft:
    wrt = [*nn.weights, nn.bias]
    questions = [_question(nn, v) for v in wrt]
    answers = [q.key for q in questions]
    names = ", ".join(_d(v.name)[0] for v in wrt)
    names_tex = ", ".join(_d(v.name)[1] for v in wrt)
    text, latex = _prompt(
        nn,
        (
            f" Find the gradient of L with respect to the weights and the bias, ({names}); you may write z and a.",
            rf" Find the gradient of $L$ with respect to the weights and the bias, $\nabla L = \left({names_tex}\right)$;"
            " you may write $z$ and $a$.",
        ),
    )
    first = _steps(questions[0], nn, None)
    intro = first[:1]
    shared = [s for s in first[2:] if s.text.startswith(("∂L/∂a", "da/dz", "Sigmoid"))]
    parts = []
    for q in questions:
        own = _steps(q, nn, None)
        parts.append((q.v, [s for s in own if s.text.startswith("∂z/") or s.text.startswith("Multiply")]))
    chain = DraftStep(
        text="Chain rule for each component: ∂L/∂v = "
        + ("∂L/∂z * ∂z/∂v." if nn.loss == "bce" else "∂L/∂a * da/dz * ∂z/∂v")
        + f", for each v of {join_names([v.name for v in wrt])}.",
        latex=label("Chain rule for each")
        + r"$v$ \text{ of }"
        + ", ".join(_name_tex(v) for v in wrt)
        + r":\ \frac{\partial L}{\partial v} = "
        + (
            r"\frac{\partial L}{\partial z} \cdot \frac{\partial z}{\partial v}"
            if nn.loss == "bce"
            else r"\frac{\partial L}{\partial a} \cdot \frac{da}{dz} \cdot \frac{\partial z}{\partial v}"
        ),
    )
    steps = intro + [chain] + shared + gradient_steps("L", parts, answers)
    kinds: dict[str, list[sympy.Basic]] = {}
    feedback: dict[str, str] = {}
    for q in questions:
        for kind, answer, fb in q.mistakes:
            kinds.setdefault(kind, []).append(answer)
            feedback.setdefault(kind, fb)
    mistakes = [DraftMistake(k, list(v), feedback[k]) for k, v in kinds.items() if len(v) == len(wrt)]
    wrong_var = [_times(v, nn.dl_dz(nn.z)) if v in nn.weights else q.key for v, q in zip(wrt, questions)]
    mistakes.append(DraftMistake("wrong_var", wrong_var, "∂z/∂wi is the input xi that wi multiplies, not wi itself."))
    return Draft(
        function=questions[0].function,
        variables=list(questions[0].variables),
        wrt=wrt,
        answer=answers,
        prompt_text=text,
        prompt_latex=latex,
        steps=steps,
        mistakes=mistakes,
        kinks=list(questions[0].kinks),
        definitions=dict(questions[0].definitions),
    )


def _value_draft(slot: SlotSpec, rng: random.Random, nn: _Neuron, q: _Question) -> Draft | None:
    """∂L/∂v at the neuron's numbers. A question about z is carried as the loss in the neuron's leaves,
    differentiated by b: ∂z/∂b = 1, so ∂L/∂z and ∂L/∂b are the same function (and the answer box shows the
    neuron's numbers, not z). A question about a is the loss's own derivative at the output a, which the
    prompt then gives: the point is (a, t)."""
    numbers = _draw_numbers(slot, rng, nn, q)
    if numbers is None:
        return None
    point = _question_point(q, nn, numbers)
    value = _at(q.key, point)
    mistakes = []
    for kind, answer, feedback in q.mistakes:
        wrong = _at(answer, point)
        if wrong != value:
            mistakes.append(DraftMistake(kind, wrong, feedback))
    given_text = given_tex = ""
    if nn.activation in ("sigmoid", "tanh") and q.about != "a":
        f_text, f_tex = ("σ", r"\sigma") if nn.activation == "sigmoid" else ("tanh", r"\tanh")
        given_text = f" Use {f_text}({plain(numbers.z)}) = {plain(numbers.a)}."
        given_tex = rf" Use ${f_tex}\left({tex_ln(numbers.z)}\right) = {tex_ln(numbers.a)}$."
    function, variables, wrt = q.function, list(q.variables), [q.v]
    kinks, definitions, ordinary = list(q.kinks), dict(q.definitions), q.ordinary
    if q.about == "z":
        function, variables, wrt = nn.loss_of_z(nn.z), list(nn.variables), [nn.bias]
        kinks = [nn.z] if nn.activation in ("relu", "leaky_relu") else []
        definitions, ordinary = {"z": nn.z, "a": nn.act(nn.z)}, False
        point = dict(numbers.point)
    d_text, d_tex = _d(q.v.name, ordinary=ordinary)
    if q.about == "a":
        at_text, at_tex = _point_words(point)
        ask = (
            f" For one input the neuron outputs a = {plain(numbers.a)}. Find the value of {d_text} at {at_text}.",
            f" For one input the neuron outputs $a = {tex_ln(numbers.a)}$. Find the value of ${d_tex}$ at ${at_tex}$.",
        )
    else:
        at_text, at_tex = _point_words(numbers.point)
        ask = (
            f" Find the value of {d_text} at {at_text}.{given_text}",
            f" Find the value of ${d_tex}$ at ${at_tex}$.{given_tex}",
        )
    text, latex = _prompt(nn, ask)
    return Draft(
        function=function,
        variables=variables,
        wrt=wrt,
        answer=value,
        prompt_text=text,
        prompt_latex=latex,
        steps=_steps(q, nn, numbers),
        mistakes=mistakes,
        kinks=kinks,
        point=point,
        definitions=definitions,
    )
