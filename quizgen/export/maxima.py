"""A small sympy -> Maxima printer for STACK question variables and potential-response-tree answers.

Covers what quizgen's families produce: + - * / ^, rationals, exp, log, sqrt, abs, sign, trig and
hyperbolic functions, max/min, E and pi, Heaviside and the indicator Piecewise((1, a > b), (0, True)).

Indicators: Maxima (and so STACK) has no Heaviside function loaded by default, and STACK's answer tests
compare expressions algebraically, which cannot see through `if ... then ... else`. An indicator
1(a > b) is therefore written (1 + signum(a - b))/2: equal to the key away from the kink and equal to
sympy's Heaviside(0) = 1/2 on it, and built from signum, which core Maxima simplifies and STACK allows.
A general two-piece Piecewise((p, a > b), (q, True)) becomes q + (p - q)*(1 + signum(a - b))/2.
"""

from __future__ import annotations

import sympy
from sympy.core.relational import Relational

_FUNCTIONS = {
    "exp": "exp",
    "log": "log",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "sec": "sec",
    "csc": "csc",
    "cot": "cot",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "Abs": "abs",
    "sign": "signum",
    "Max": "max",
    "Min": "min",
}

_ADD, _MUL, _POW, _ATOM = 1, 2, 3, 4


class MaximaError(ValueError):
    """An expression uses something the printer cannot write in Maxima."""


def to_maxima(expr: sympy.Basic) -> str:
    """Maxima text for expr, e.g. 15*(2*x^2)^4*4*x -> "960*x^9" (whatever sympy holds)."""
    return _print(expr)[0]


def uses_nonsmooth(expr: sympy.Basic) -> bool:
    """True when Maxima's diff cannot be trusted on expr (max, abs, sign, indicators, Piecewise)."""
    return bool(expr.atoms(sympy.Piecewise, sympy.Heaviside, sympy.Max, sympy.Min, sympy.Abs, sympy.sign))


def _wrap(item: tuple[str, int], need: int) -> str:
    text, prec = item
    return f"({text})" if prec < need else text


def _print(expr: sympy.Basic) -> tuple[str, int]:
    if isinstance(expr, sympy.Symbol):
        return expr.name, _ATOM
    if expr is sympy.E:
        return "%e", _ATOM
    if expr is sympy.pi:
        return "%pi", _ATOM
    if isinstance(expr, sympy.Integer):
        value = int(expr)
        return str(value), (_ADD if value < 0 else _ATOM)
    if isinstance(expr, sympy.Rational):
        return f"{expr.p}/{expr.q}", _ADD if expr.p < 0 else _MUL
    if isinstance(expr, sympy.Float):
        text = repr(float(expr))
        return text, (_ADD if float(expr) < 0 else _ATOM)
    if expr is sympy.true:
        return "true", _ATOM
    if expr is sympy.false:
        return "false", _ATOM
    if isinstance(expr, sympy.Add):
        parts = [_print(arg) for arg in _ordered(expr.args)]
        text = parts[0][0]
        for item in parts[1:]:
            piece = item[0]
            text += piece if piece.startswith("-") else "+" + piece
        return text, _ADD
    if isinstance(expr, sympy.Mul):
        return _print_mul(expr)
    if isinstance(expr, sympy.Pow):
        base, exponent = expr.args
        if exponent == sympy.Rational(1, 2):
            return f"sqrt({to_maxima(base)})", _ATOM
        if exponent == -1:
            return f"1/{_wrap(_print(base), _POW)}", _MUL
        return f"{_wrap(_print(base), _ATOM)}^{_wrap(_print(exponent), _ATOM)}", _POW
    if isinstance(expr, sympy.Heaviside):
        return _indicator(expr.args[0]), _ATOM
    if isinstance(expr, sympy.Piecewise):
        return _print_piecewise(expr), _ADD
    if isinstance(expr, (sympy.Function, sympy.Max, sympy.Min)):
        name = type(expr).__name__
        if name not in _FUNCTIONS:
            raise MaximaError(f"no Maxima form for the function {name}")
        args = ",".join(to_maxima(a) for a in expr.args)
        return f"{_FUNCTIONS[name]}({args})", _ATOM
    raise MaximaError(f"no Maxima form for {type(expr).__name__}")


def _ordered(args: tuple[sympy.Basic, ...]) -> list[sympy.Basic]:
    # Put a term without a leading minus first, so "x-3" rather than "-3+x" where possible.
    return sorted(args, key=lambda a: (1 if a.could_extract_minus_sign() else 0, sympy.default_sort_key(a)))


def _print_mul(expr: sympy.Mul) -> tuple[str, int]:
    coeff = expr.as_coeff_Mul()[0]
    if coeff.is_negative:
        inner = _print_mul_positive(-expr)
        return "-" + _wrap(inner, _MUL), _ADD
    return _print_mul_positive(expr)


def _print_mul_positive(expr: sympy.Basic) -> tuple[str, int]:
    if not isinstance(expr, sympy.Mul):
        return _print(expr)
    numer, denom = [], []
    for factor in expr.as_ordered_factors():
        if isinstance(factor, sympy.Pow) and factor.exp.is_negative and factor.exp.is_number:
            denom.append(sympy.Pow(factor.base, -factor.exp))
        elif isinstance(factor, sympy.Rational) and not isinstance(factor, sympy.Integer):
            if factor.p != 1:
                numer.append(sympy.Integer(factor.p))
            denom.append(sympy.Integer(factor.q))
        else:
            numer.append(factor)
    top = "*".join(_wrap(_print(f), _MUL) for f in numer) if numer else "1"
    if not denom:
        return top, _MUL
    bottom_items = [_print(f) for f in denom]
    if len(bottom_items) == 1:
        bottom = _wrap(bottom_items[0], _POW)
    else:
        bottom = "(" + "*".join(_wrap(b, _MUL) for b in bottom_items) + ")"
    return f"{_wrap((top, _MUL), _MUL)}/{bottom}", _MUL


def _indicator(arg: sympy.Basic) -> str:
    return f"((1+signum({to_maxima(arg)}))/2)"


def _condition_argument(cond: sympy.Basic) -> sympy.Basic:
    """u such that cond is u > 0 (or u >= 0; the boundary is measure zero)."""
    if isinstance(cond, Relational) and cond.rel_op in (">", ">="):
        return cond.lhs - cond.rhs
    if isinstance(cond, Relational) and cond.rel_op in ("<", "<="):
        return cond.rhs - cond.lhs
    raise MaximaError(f"no Maxima form for the condition {cond}")


def _print_piecewise(expr: sympy.Piecewise) -> str:
    pieces = list(expr.args)
    if len(pieces) != 2 or pieces[1].cond is not sympy.true:
        raise MaximaError("only two-piece Piecewise (value if condition, otherwise value) is supported")
    (then_value, cond), (else_value, _) = pieces
    step = _indicator(_condition_argument(cond))
    if else_value == 0:
        if then_value == 1:
            return step
        if then_value == -1:
            return f"-{step}"
        return f"{_wrap(_print(then_value), _MUL)}*{step}"
    delta = sympy.expand(then_value - else_value)
    return f"{to_maxima(else_value)}+{_wrap(_print(delta), _MUL)}*{step}"
