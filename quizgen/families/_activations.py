"""Activation functions with values a student can work by hand: the shared pieces of neuron and backprop.

A sigmoid or tanh at a whole number needs a calculator; at z = ln r it is a simple fraction,
sigma(ln r) = r / (1 + r) and tanh(ln r) = (r^2 - 1) / (r^2 + 1), so a family picks r from the tables
below and makes the pre-activation come out at ln r (a bias "ln r - s"). The leaky ReLU's slope is 1/10.
Families import these through quizgen.families.kit.
"""

from __future__ import annotations

import sympy

ACTIVATION_NAMES = ("linear", "relu", "leaky_relu", "sigmoid", "tanh")
LEAKY_SLOPE = sympy.Rational(1, 10)
"""The leaky ReLU's slope for negative inputs: max(z, z/10)."""
SIGMOID_LN_R = (sympy.Integer(3), sympy.Rational(1, 3), sympy.Integer(4), sympy.Rational(1, 4))
"""r with sigma(ln r) a simple fraction: 3/4, 1/4, 4/5, 1/5."""
TANH_LN_R = (sympy.Integer(2), sympy.Rational(1, 2), sympy.Integer(3), sympy.Rational(1, 3))
"""r with tanh(ln r) a simple fraction: 3/5, -3/5, 4/5, -4/5."""


def sigmoid(u: sympy.Basic) -> sympy.Basic:
    """1/(1 + e^(-u)): the very expression the answer parser makes of sigmoid(u)."""
    return 1 / (1 + sympy.exp(-u))


_BUILT_LIMIT = 20_000
_built: dict[tuple[str, sympy.Basic], sympy.Basic] = {}


def activation_expr(name: str, u: sympy.Basic) -> sympy.Basic:
    """The activation applied to u as a sympy expression (ReLU and leaky ReLU as unevaluated Max).

    Remembered by (name, u): even an unevaluated Max sorts its arguments by sympy's sort key (tens of
    microseconds), and a neuron asks for g(z) at every point it tries and g(w x + b) for every question."""
    key = (name, u)
    hit = _built.get(key)
    if hit is None:
        if len(_built) >= _BUILT_LIMIT:
            _built.clear()
        hit = _built[key] = _activation(name, u)
    return hit


def _activation(name: str, u: sympy.Basic) -> sympy.Basic:
    if name == "linear":
        return u
    if name == "relu":
        return sympy.Max(sympy.Integer(0), u, evaluate=False)
    if name == "leaky_relu":
        return sympy.Max(u, LEAKY_SLOPE * u, evaluate=False)
    if name == "sigmoid":
        return sigmoid(u)
    if name == "tanh":
        return sympy.tanh(u)
    raise ValueError(name)


def exact_at_ln(name: str, r: sympy.Rational) -> sympy.Rational:
    """sigma(ln r) or tanh(ln r), exactly."""
    if name == "sigmoid":
        return r / (1 + r)
    if name == "tanh":
        return (r**2 - 1) / (r**2 + 1)
    raise ValueError(name)


def exact_tanh(expr: sympy.Basic) -> sympy.Basic:
    """expr with every tanh(ln r) replaced by its fraction (sympy simplifies exp(ln r), not tanh(ln r))."""

    def value(u: sympy.Basic) -> sympy.Basic:
        if isinstance(u, sympy.log) and u.args[0].is_Rational:
            return exact_at_ln("tanh", u.args[0])
        if isinstance(u, sympy.Mul) and len(u.args) == 2 and u.args[0] == -1 and isinstance(u.args[1], sympy.log):
            return -exact_at_ln("tanh", u.args[1].args[0])
        return sympy.tanh(u)

    if not expr.args:  # a number or a symbol (most values): no tanh in it, and asking sympy is slow
        return expr
    return expr.replace(sympy.tanh, value) if expr.has(sympy.tanh) else expr
