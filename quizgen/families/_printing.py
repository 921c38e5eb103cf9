"""Fast printing of polynomial expressions, identical to sympy's str() and latex().

sympy's printers sort an Add's terms through as_ordered_terms on every call, which dominates generation
time. Most expressions quizgen prints are polynomials with integer coefficients (functions, keys, step
terms), so this module prints those directly, reproducing sympy's term order (lex on the sorted
variables, the "2 - 3*x" special case) and spacing. Anything else goes to sympy's own printer (with the same
fast ordering for polynomial sums nested inside), so the output is always exactly sympy's; tests/families/test_printing.py compares the two on many expressions.
"""

from __future__ import annotations

from fractions import Fraction

import sympy
from sympy import Add, Integer, Mul, Pow, Symbol
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

Monomial = tuple[int, tuple[tuple[Symbol, int], ...]]

_symbol_latex: dict[Symbol, str] = {}


def _sym_latex(s: Symbol) -> str:
    hit = _symbol_latex.get(s)
    if hit is None:
        hit = _symbol_latex[s] = sympy.latex(s)
    return hit


def _name(p: tuple[Symbol, int]) -> str:
    return p[0].name


def monomial(expr: sympy.Basic) -> Monomial | None:
    """(integer coefficient, ((symbol, positive exponent), ...) sorted by name), or None if not a monomial.

    Reads Integer.p rather than comparing sympy numbers (that goes through sympify; this runs a lot)."""
    if isinstance(expr, Integer):
        return expr.p, ()
    if isinstance(expr, Symbol):
        return 1, ((expr, 1),)
    if isinstance(expr, Pow):
        base, exp = expr.args
        if isinstance(base, Symbol) and isinstance(exp, Integer) and exp.p > 0:
            return 1, ((base, exp.p),)
        return None
    if isinstance(expr, Mul):
        coeff = 1
        powers: list[tuple[Symbol, int]] = []
        for arg in expr.args:
            if isinstance(arg, Integer):
                coeff *= arg.p
            elif isinstance(arg, Symbol):
                powers.append((arg, 1))
            elif isinstance(arg, Pow):
                base, exp = arg.args
                if isinstance(base, Symbol) and isinstance(exp, Integer) and exp.p > 0:
                    powers.append((base, exp.p))
                else:
                    return None
            else:
                return None
        if len(powers) > 1:
            powers.sort(key=_name)
        return coeff, tuple(powers)
    return None


def _mono_str(m: Monomial) -> str:
    coeff, powers = m
    if not powers:
        return str(coeff)
    body = "*".join(s.name if e == 1 else f"{s.name}**{e}" for s, e in powers)
    if coeff == 1:
        return body
    if coeff == -1:
        return "-" + body
    return f"{coeff}*{body}"


def _mono_latex(m: Monomial) -> str:
    coeff, powers = m
    if not powers:
        return str(coeff)
    body = " ".join(_sym_latex(s) if e == 1 else f"{_sym_latex(s)}^{{{e}}}" for s, e in powers)
    if coeff == 1:
        return body
    if coeff == -1:
        return "- " + body
    if coeff < 0:
        return f"- {-coeff} {body}"
    return f"{coeff} {body}"


def _ordered(expr: Add) -> list[Monomial] | None:
    """The Add's terms as monomials in sympy's print order, or None when a term is not a monomial."""
    monos = []
    for arg in expr.args:
        m = monomial(arg)
        if m is None:
            return None
        monos.append(m)
    if len(monos) == 2:
        # sympy's special case: positive number first before a negative (number * one factor): "2 - 3*x"
        numbers = [m for m in monos if not m[1]]
        others = [m for m in monos if m[1]]
        if numbers and others:
            n, o = numbers[0], others[0]
            # only Mul(negative number, one factor): Mul(-3, x) and Mul(-1, x**2), not Mul(-3, x, y)
            if n[0] > 0 and o[0] < 0 and len(o[1]) == 1:
                return [n, o]
    gens = sorted({s for _, powers in monos for s, _ in powers}, key=lambda s: s.name)
    index = {s: i for i, s in enumerate(gens)}

    def key(m: Monomial) -> tuple[tuple[int, ...], int]:
        vector = [0] * len(gens)
        for s, e in m[1]:
            vector[index[s]] = e
        return tuple(-v for v in vector), m[0]

    return sorted(monos, key=key)


_STR_RELATIONS = {sympy.StrictGreaterThan: ">", sympy.StrictLessThan: "<", sympy.GreaterThan: ">=", sympy.LessThan: "<="}
_LATEX_RELATIONS = {sympy.StrictGreaterThan: ">", sympy.StrictLessThan: "<", sympy.GreaterThan: r"\geq",
                    sympy.LessThan: r"\leq"}
_SIMPLE_SIDES = (Add, Mul, Pow, Symbol, Integer)
"""Relational sides sympy prints without parentheses (their precedence is above the relation's)."""


def _cond_str(cond: sympy.Basic) -> str:
    if cond is sympy.true:
        return "True"
    op = _STR_RELATIONS.get(type(cond))
    if op is not None and isinstance(cond.lhs, _SIMPLE_SIDES) and isinstance(cond.rhs, _SIMPLE_SIDES):
        return f"{fast_str(cond.lhs)} {op} {fast_str(cond.rhs)}"
    return _STR.doprint(cond)


def _cond_latex(cond: sympy.Basic) -> str:
    op = _LATEX_RELATIONS.get(type(cond))
    if op is not None:
        return f"{fast_latex(cond.lhs)} {op} {fast_latex(cond.rhs)}"
    return _LATEX.doprint(cond)


def _ordered_args(expr: Add) -> list[sympy.Basic] | None:
    """The Add's own args in sympy's print order, when every term is an integer monomial."""
    monos = []
    for arg in expr.args:
        m = monomial(arg)
        if m is None:
            return None
        monos.append((m, arg))
    ordered = _ordered(expr)
    if ordered is None:
        return None
    by_mono = {m: arg for m, arg in monos}
    return [by_mono[m] for m in ordered]


class _FastOrder:
    """Printer mixin: order a polynomial Add's terms directly instead of through as_ordered_terms."""

    def _as_ordered_terms(self, expr, order=None):  # type: ignore[no-untyped-def]
        if (order or self.order) is None and isinstance(expr, Add):  # type: ignore[attr-defined]
            args = _ordered_args(expr)
            if args is not None:
                return args
        return super()._as_ordered_terms(expr, order=order)  # type: ignore[misc]


class _Memo:
    """Printer mixin: remember how each subexpression printed. Printing is a pure function of the
    subexpression (kwargs aside, and Floats, whose digits depend on depth), and families' expressions
    share many subexpressions across students."""

    _LIMIT = 100_000

    def _print(self, expr, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs or not isinstance(expr, sympy.Basic) or isinstance(expr, sympy.Float):
            return super()._print(expr, **kwargs)  # type: ignore[misc]
        memo = self._memo  # type: ignore[attr-defined]
        key = (type(expr), expr)
        hit = memo.get(key)
        if hit is None:
            hit = super()._print(expr)  # type: ignore[misc]
            if len(memo) >= self._LIMIT:
                memo.clear()
            memo[key] = hit
        return hit


class _Str(_Memo, _FastOrder, StrPrinter):
    _memo: dict[object, str] = {}


class _Latex(_Memo, _FastOrder, LatexPrinter):
    """Also remembers each symbol's LaTeX: splitting names into sub/superscripts is slow and repeated."""

    _symbols: dict[tuple[Symbol, object], str] = {}
    _memo: dict[object, str] = {}

    def _print_Symbol(self, expr, style="plain"):  # type: ignore[no-untyped-def]
        key = (expr, style)
        hit = self._symbols.get(key)
        if hit is None:
            hit = self._symbols[key] = super()._print_Symbol(expr, style=style)
        return hit


class _LatexLn(_Latex):
    """LaTeX with ln for the natural logarithm (its own memo: the same subexpression prints differently)."""

    _memo: dict[object, str] = {}


_STR = _Str()
_LATEX = _Latex()
_LATEX_LN = _LatexLn({"ln_notation": True})


def latex_ln(expr: sympy.Basic) -> str:
    """sympy.latex(expr, ln_notation=True), with the memo and fast term ordering of the shared printer."""
    return _LATEX_LN.doprint(expr)


def fast_str(expr: sympy.Basic) -> str:
    """str(expr), printed directly for integer polynomials, Max/Min and Piecewise of them."""
    if isinstance(expr, sympy.Piecewise):
        return "Piecewise(" + ", ".join(f"({fast_str(e)}, {_cond_str(c)})" for e, c in expr.args) + ")"
    if isinstance(expr, (sympy.Max, sympy.Min)):
        args = sorted(expr.args, key=sympy.default_sort_key)  # as StrPrinter._print_LatticeOp
        return f"{type(expr).__name__}(" + ", ".join(fast_str(a) for a in args) + ")"
    if isinstance(expr, Add):
        monos = _ordered(expr)
        if monos is not None:
            first = _mono_str(monos[0])
            parts = [first]
            for m in monos[1:]:
                text = _mono_str(m)
                parts.append(f" - {text[1:]}" if text.startswith("-") else f" + {text}")
            return "".join(parts)
        return _STR.doprint(expr)
    m = monomial(expr)
    if m is not None:
        return _mono_str(m)
    return _STR.doprint(expr)


def fast_latex(expr: sympy.Basic) -> str:
    """sympy.latex(expr), printed directly for integer polynomials, Max/Min and Piecewise of them."""
    if isinstance(expr, sympy.Piecewise):
        pairs = [rf"{fast_latex(e)} & \text{{for}}\: {_cond_latex(c)}" for e, c in expr.args[:-1]]
        last = expr.args[-1]
        if last.cond is sympy.true:
            pairs.append(rf"{fast_latex(last.expr)} & \text{{otherwise}}")
        else:
            pairs.append(rf"{fast_latex(last.expr)} & \text{{for}}\: {_cond_latex(last.cond)}")
        return r"\begin{cases} %s \end{cases}" % r" \\".join(pairs)
    if isinstance(expr, (sympy.Max, sympy.Min)):
        args = sorted(expr.args, key=sympy.default_sort_key)
        return rf"\{type(expr).__name__.lower()}\left(" + ", ".join(fast_latex(a) for a in args) + r"\right)"
    if isinstance(expr, Add):
        monos = _ordered(expr)
        if monos is not None:
            parts = [_mono_latex(monos[0])]
            for coeff, powers in monos[1:]:
                if coeff < 0:
                    parts.append(" - " + _mono_latex((-coeff, powers)))
                else:
                    parts.append(" + " + _mono_latex((coeff, powers)))
            return "".join(parts)
        return _LATEX.doprint(expr)
    m = monomial(expr)
    if m is not None:
        return _mono_latex(m)
    return _LATEX.doprint(expr)


def _mono_expr(coeff: int, powers: tuple[tuple[Symbol, int], ...]) -> sympy.Expr:
    from quizgen.families._build import mono  # _build uses this module's monomial()

    return mono(coeff, powers)


def fast_diff(expr: sympy.Basic, v: Symbol) -> sympy.Basic:
    """d expr / d v: the power rule term by term for integer polynomials (sympy.diff is slow), else sympy.diff."""
    from quizgen.families._build import poly

    terms = expr.args if isinstance(expr, Add) else (expr,)
    out = []
    for term in terms:
        m = monomial(term)
        if m is None:
            return sympy.diff(expr, v)
        coeff, powers = m
        exps = dict(powers)
        e = exps.get(v, 0)
        if e == 0:
            continue
        rest = tuple((s, (k - 1 if s == v else k)) for s, k in powers if not (s == v and k == 1))
        out.append((coeff * e, rest))
    return poly(out)


class _NotRational(Exception):
    pass


_REL_EVAL = {
    sympy.StrictGreaterThan: lambda a, b: a > b,
    sympy.StrictLessThan: lambda a, b: a < b,
    sympy.GreaterThan: lambda a, b: a >= b,
    sympy.LessThan: lambda a, b: a <= b,
}


Exact = int | Fraction
"""Exact values: Python ints while everything is an integer (much faster than Fraction), else Fractions."""


def _exact(expr: sympy.Basic, point: dict[Symbol, Exact]) -> Exact:
    if isinstance(expr, Symbol):
        if expr not in point:
            raise _NotRational
        return point[expr]
    if isinstance(expr, Integer):
        return expr.p
    if isinstance(expr, sympy.Rational):
        return Fraction(expr.p, expr.q)
    if isinstance(expr, Add):
        total: Exact = 0
        for a in expr.args:
            total += _exact(a, point)
        return total
    if isinstance(expr, Mul):
        out: Exact = 1
        for a in expr.args:
            out *= _exact(a, point)
        return out
    if isinstance(expr, Pow) and isinstance(expr.exp, Integer):
        base = _exact(expr.base, point)
        e = expr.exp.p
        if e >= 0:
            return base**e
        if base == 0:
            raise _NotRational
        return Fraction(1) / base**-e
    if isinstance(expr, (sympy.Max, sympy.Min)):
        values = [_exact(a, point) for a in expr.args]
        return max(values) if isinstance(expr, sympy.Max) else min(values)
    if isinstance(expr, sympy.Piecewise):
        for value, cond in expr.args:
            if cond is sympy.true or _holds(cond, point):
                return _exact(value, point)
        raise _NotRational
    raise _NotRational


def _holds(cond: sympy.Basic, point: dict[Symbol, Exact]) -> bool:
    rel = _REL_EVAL.get(type(cond))
    if rel is None:
        raise _NotRational
    return rel(_exact(cond.lhs, point), _exact(cond.rhs, point))


def fast_subs(expr: sympy.Basic, point: dict[Symbol, sympy.Rational]) -> sympy.Basic:
    """expr.subs(point) for rational points: exact arithmetic on polynomials, max and indicators
    (subs on a Piecewise costs milliseconds); anything else goes to sympy's xreplace."""
    try:
        values: dict[Symbol, Exact] = {s: v.p if v.q == 1 else Fraction(v.p, v.q) for s, v in point.items()}
        result = _exact(expr, values)
    except (_NotRational, AttributeError):
        return expr.xreplace(dict(point))  # exact like subs for numbers in place of symbols, and faster
    return sympy.Rational(result.numerator, result.denominator)
