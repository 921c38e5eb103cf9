"""The allow-list: every function, constant and keyword an answer may use, in read-only maps.

Anything not here (and not a declared variable) is rejected with a message; CAS commands and Python names
get their own messages, because typing the question back (diff(...)) must never earn credit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Final

import sympy

Builder = Callable[..., sympy.Expr]


@dataclass(frozen=True)
class FuncSpec:
    """One allowed function: its arity, how to build its sympy value, and how it is typeset."""

    name: str
    """Canonical name (for messages)."""
    min_args: int
    max_args: int
    build: Builder
    latex: str
    """LaTeX of the name (\\sin) or "" when the parser typesets the call itself (sqrt, abs)."""
    trig_power: bool = True
    """Whether sin^2(x) typesetting (\\sin^{2}) suits it."""


def _relu(u: sympy.Expr) -> sympy.Expr:
    return sympy.Max(u, sympy.S.Zero)


def _sigmoid(u: sympy.Expr) -> sympy.Expr:
    return sympy.S.One / (sympy.S.One + sympy.exp(-u))


def _log(u: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.log(u) if base is None else sympy.log(u, base)


def _log10(u: sympy.Expr) -> sympy.Expr:
    return sympy.log(u, 10)


def _log2(u: sympy.Expr) -> sympy.Expr:
    return sympy.log(u, 2)


def _heaviside(u: sympy.Expr, h0: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.Heaviside(u) if h0 is None else sympy.Heaviside(u, h0)


def _f1(fn: Callable[[sympy.Expr], sympy.Expr], latex: str, name: str, power: bool = True) -> FuncSpec:
    return FuncSpec(name, 1, 1, fn, latex, power)


_op = r"\operatorname"
_SPECS: dict[str, FuncSpec] = {
    "sin": _f1(sympy.sin, r"\sin", "sin"),
    "cos": _f1(sympy.cos, r"\cos", "cos"),
    "tan": _f1(sympy.tan, r"\tan", "tan"),
    "sec": _f1(sympy.sec, r"\sec", "sec"),
    "csc": _f1(sympy.csc, r"\csc", "csc"),
    "cot": _f1(sympy.cot, r"\cot", "cot"),
    "asin": _f1(sympy.asin, r"\arcsin", "asin"),
    "acos": _f1(sympy.acos, r"\arccos", "acos"),
    "atan": _f1(sympy.atan, r"\arctan", "atan"),
    "atan2": FuncSpec("atan2", 2, 2, sympy.atan2, _op + "{atan2}", False),
    "asec": _f1(sympy.asec, _op + "{arcsec}", "asec"),
    "acsc": _f1(sympy.acsc, _op + "{arccsc}", "acsc"),
    "acot": _f1(sympy.acot, _op + "{arccot}", "acot"),
    "sinh": _f1(sympy.sinh, r"\sinh", "sinh"),
    "cosh": _f1(sympy.cosh, r"\cosh", "cosh"),
    "tanh": _f1(sympy.tanh, r"\tanh", "tanh"),
    "coth": _f1(sympy.coth, r"\coth", "coth"),
    "sech": _f1(sympy.sech, _op + "{sech}", "sech"),
    "csch": _f1(sympy.csch, _op + "{csch}", "csch"),
    "asinh": _f1(sympy.asinh, _op + "{arsinh}", "asinh"),
    "acosh": _f1(sympy.acosh, _op + "{arcosh}", "acosh"),
    "atanh": _f1(sympy.atanh, _op + "{artanh}", "atanh"),
    "acoth": _f1(sympy.acoth, _op + "{arcoth}", "acoth"),
    "asech": _f1(sympy.asech, _op + "{arsech}", "asech"),
    "acsch": _f1(sympy.acsch, _op + "{arcsch}", "acsch"),
    "exp": _f1(sympy.exp, r"\exp", "exp"),
    "log": FuncSpec("log", 1, 2, _log, r"\log"),
    "ln": _f1(sympy.log, r"\ln", "ln"),
    "log10": _f1(_log10, r"\log_{10}", "log10"),
    "log2": _f1(_log2, r"\log_{2}", "log2"),
    "sqrt": _f1(sympy.sqrt, "", "sqrt", False),
    "abs": _f1(sympy.Abs, "", "abs", False),
    "max": FuncSpec("max", 2, 10**9, sympy.Max, r"\max", False),
    "min": FuncSpec("min", 2, 10**9, sympy.Min, r"\min", False),
    "sign": _f1(sympy.sign, _op + "{sign}", "sign", False),
    "Heaviside": FuncSpec("Heaviside", 1, 2, _heaviside, _op + "{Heaviside}", False),
    "relu": _f1(_relu, _op + "{relu}", "relu", False),
    "sigmoid": _f1(_sigmoid, r"\sigma", "sigmoid", False),
    "Piecewise": FuncSpec("Piecewise", 1, 10**9, sympy.Piecewise, "", False),
}
_ALIASES: dict[str, str] = {
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsec": "asec",
    "arccsc": "acsc",
    "arccot": "acot",
    "arsinh": "asinh",
    "arcosh": "acosh",
    "artanh": "atanh",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "arcoth": "acoth",
    "arccoth": "acoth",
    "arsech": "asech",
    "arcsech": "asech",
    "arcsch": "acsch",
    "arccsch": "acsch",
    "arcosech": "acsch",
    "arccosech": "acsch",
    "cosec": "csc",
    "cosech": "csch",
    "arccosec": "acsc",
    "log_10": "log10",
    "log_2": "log2",
    "Abs": "abs",
    "Max": "max",
    "Min": "min",
    "sgn": "sign",
    "signum": "sign",
    "heaviside": "Heaviside",
    "ReLU": "relu",
    "Relu": "relu",
    "sigma": "sigmoid",
    "piecewise": "Piecewise",
}
FUNCTIONS: Final[Mapping[str, FuncSpec]] = MappingProxyType(
    {**_SPECS, **{alias: _SPECS[target] for alias, target in _ALIASES.items()}}
)
"""Every function name an answer or key may call (aliases included), case-sensitive."""

CONDITION_FUNCTIONS: Final[Mapping[str, FuncSpec]] = MappingProxyType(
    {
        "Eq": FuncSpec("Eq", 2, 2, sympy.Eq, "=", False),
        "Ne": FuncSpec("Ne", 2, 2, sympy.Ne, r"\ne", False),
    }
)
"""Relations sympy prints as calls (Piecewise conditions); accepted in keys only."""

CONSTANTS: Final[Mapping[str, sympy.Expr]] = MappingProxyType({"e": sympy.E, "E": sympy.E, "pi": sympy.pi})
"""Constant names, used only when the problem does not declare a variable of the same name."""

KEYWORDS: Final[frozenset[str]] = frozenset({"if", "else", "and", "or", "True", "False"})
"""Words with grammar meaning; matched only as whole words, never inside a longer name."""

_DERIVATIVE = (
    "diff",
    "Diff",
    "Derivative",
    "derivative",
    "D",
    "grad",
    "gradient",
    "Gradient",
    "nabla",
    "jacobian",
    "Jacobian",
    "fdiff",
    "idiff",
    "dx",
    "dy",
    "ddx",
)
_COMMAND = (
    "integrate",
    "Integral",
    "integral",
    "limit",
    "Limit",
    "lim",
    "subs",
    "Subs",
    "solve",
    "Solve",
    "simplify",
    "Simplify",
    "expand",
    "factor",
    "evalf",
    "N",
    "nsimplify",
    "series",
    "sum",
    "Sum",
    "product",
    "Product",
    "dsolve",
    "trigsimp",
    "cancel",
    "apart",
    "together",
    "collect",
    "lambdify",
    "sympify",
    "S",
    "Symbol",
    "symbols",
    "Function",
    "Lambda",
    "Matrix",
    "summation",
    "rewrite",
    "doit",
    "taylor",
    "ratsimp",
    "factorial",
    "gamma",
    "binomial",
    "Eq",
    "Ne",
    "Rational",
    "Float",
    "Integer",
    "Add",
    "Mul",
    "Pow",
    "srepr",
    "latex",
    "parse_expr",
)
_PYTHON = (
    "import",
    "eval",
    "exec",
    "lambda",
    "open",
    "os",
    "sys",
    "getattr",
    "setattr",
    "globals",
    "locals",
    "compile",
    "print",
    "input",
    "def",
    "class",
    "return",
    "for",
    "while",
    "del",
    "with",
    "from",
    "pass",
    "raise",
    "try",
    "except",
    "yield",
    "assert",
    "global",
    "nonlocal",
    "not",
    "None",
    "builtins",
    "subprocess",
    "type",
    "object",
    "breakpoint",
    "exit",
    "quit",
    "help",
    "vars",
    "dir",
    "chr",
    "ord",
    "bytes",
    "str",
    "int",
    "float",
    "list",
    "dict",
    "tuple",
    "set",
    "range",
    "map",
    "filter",
    "format",
    "async",
    "await",
    "self",
    "shutil",
    "pathlib",
    "pickle",
)
_COMPLEX = ("I",)
_INFINITY = ("oo", "inf", "Inf", "infinity", "Infinity", "nan", "NaN", "zoo")

FORBIDDEN: Final[Mapping[str, str]] = MappingProxyType(
    {
        **{n: "cas_derivative" for n in _DERIVATIVE},
        **{n: "cas_command" for n in _COMMAND},
        **{n: "python_name" for n in _PYTHON},
        **{n: "complex" for n in _COMPLEX},
        **{n: "infinity" for n in _INFINITY},
    }
)
"""Names with a targeted message (error code) when they are not declared variables."""

NAME_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

GREEK: Final[frozenset[str]] = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho "
    "sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega".split()
)


UNIT_VECTORS: Final[tuple[str, ...]] = ("i", "j", "k")
"""Unit vectors of a_i + b j + c k answers, for problems without variables of these names."""


@dataclass(frozen=True)
class NameTable:
    """What each name means for one problem: variables first, then functions and constants."""

    variables: tuple[str, ...]
    known: Mapping[str, tuple[str, object]]
    """name -> ("var", symbol name) | ("func", FuncSpec) | ("const", sympy value) | ("unit", 0|1|2)."""
    max_len: int
    lower: Mapping[str, str]
    """lowercased name -> a known spelling, for "did you mean" on case mistakes."""
    auto: bool
    """True when unknown identifiers become variables (parse_key without variables)."""


@lru_cache(maxsize=256)
def name_table(variables: tuple[str, ...] | None) -> NameTable:
    """The name table for a problem's variables (None: keys whose identifiers are all variables).

    Raises:
        ValueError: a variable name that is not an identifier or is a keyword (a setup error).
    """
    known: dict[str, tuple[str, object]] = {}
    for name, spec in FUNCTIONS.items():
        known[name] = ("func", spec)
    for name, value in CONSTANTS.items():
        known[name] = ("const", value)
    declared = tuple(variables or ())
    for v in declared:
        if not isinstance(v, str) or not NAME_RE.fullmatch(v) or v in KEYWORDS:
            raise ValueError(f"invalid variable name {v!r}: use letters, digits and _, starting with a letter")
        known[v] = ("var", v)
    for v in declared:  # w_1 may be typed w1 and the other way round, unless that is another name
        alias = v.replace("_", "") if "_" in v else _underscored(v)
        if alias and alias not in known:
            known[alias] = ("var", v)
    lower: dict[str, str] = {}
    for name in sorted(known):
        lower.setdefault(name.lower(), name)
    if variables is not None:  # answers may write a vector as a i + b j + c k (keys never do); no
        for index, unit in enumerate(UNIT_VECTORS):  # "did you mean 'j'?" for J, so after `lower`
            known.setdefault(unit, ("unit", index))
    return NameTable(
        variables=declared,
        known=MappingProxyType(known),
        max_len=max(len(k) for k in known),
        lower=MappingProxyType(lower),
        auto=variables is None,
    )


def _underscored(name: str) -> str:
    m = re.fullmatch(r"([A-Za-z]+)([0-9]+)", name)
    return f"{m.group(1)}_{m.group(2)}" if m else ""


@lru_cache(maxsize=1024)
def symbol(name: str) -> sympy.Symbol:
    """The one way to make a problem variable: a real sympy Symbol (all of quizgen agrees on real=True)."""
    return sympy.Symbol(name, real=True)


@lru_cache(maxsize=1024)
def variable_latex(name: str) -> str:
    """LaTeX of a variable name: x, w_{1} for w1 or w_1, \\alpha for alpha, \\mathit{} for longer words."""
    base, sep, sub = name.partition("_")
    if not sep:
        m = re.fullmatch(r"([A-Za-z]+)([0-9]+)", name)
        if m:
            base, sub = m.group(1), m.group(2)
    if base in GREEK:
        head = "\\" + base
    elif len(base) == 1:
        head = base
    else:
        head = r"\mathit{" + base + "}"
    if sub:
        sub_latex = (
            sub if sub.isalnum() and (len(sub) == 1 or sub.isdigit()) else r"\mathit{" + sub.replace("_", r"\_") + "}"
        )
        return f"{head}_{{{sub_latex}}}"
    return head
