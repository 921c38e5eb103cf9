"""Expression printing: sstr/plain/tex/tex_ln, identical to sympy's str() and latex() but fast (cached).

sympy's printers sort an Add's terms through as_ordered_terms on every call, which dominates generation
time. Most expressions quizgen prints are polynomials with integer coefficients (functions, keys, step
terms), so this module prints those directly, reproducing sympy's term order (lex on the sorted
variables, the "2 - 3*x" special case) and spacing; and products of powers, sums and functions such as
3*sin(4*x**2) or 2*y*(2*x + z**2), in sympy's factor order. Other sums (4*x**3*y - 5*z*cos(y)) go to
sympy's printer with their terms put in order by sympy's own recipe without its slowest step
(sympy_term_order). Anything else goes to sympy's own printer (with the same fast ordering for sums
nested inside), so the output is always exactly sympy's; tests/typeset/test_printing.py compares the two
on many expressions.
A subexpression is printed through the same caches as a whole expression (sstr, tex): a draft's function,
key, mistakes and steps share most of their sums and factors.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import ClassVar

import sympy
from sympy import Add, Integer, Mul, Number, Pow, Rational, Symbol
from sympy.core.exprtools import decompose_power
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from quizgen.notation import student_notation

Monomial = tuple[int, tuple[tuple[Symbol, int], ...]]

_symbol_latex: dict[Symbol, str] = {}


def _sym_latex(s: Symbol) -> str:
    hit = _symbol_latex.get(s)
    if hit is None:
        hit = _symbol_latex[s] = sympy.latex(s)
    return hit


def _name(p: tuple[Symbol, int]) -> str:
    return p[0].name


_MONOMIAL_MEMO_LIMIT = 50_000
_monomials: dict[sympy.Basic, Monomial | None] = {}


def monomial(expr: sympy.Basic) -> Monomial | None:
    """(integer coefficient, ((symbol, positive exponent), ...) sorted by name), or None if not a monomial.

    Remembered by expression: the families' sums and the printers ask about the same terms again and
    again (about 200,000 calls for the demo bank's 1,000 students, most for a term seen before). A plain
    number is no monomial and stays out of the memo (2 == Integer(2) and their hashes agree)."""
    if not isinstance(expr, sympy.Basic):
        return None
    try:
        return _monomials[expr]
    except KeyError:
        pass
    if len(_monomials) >= _MONOMIAL_MEMO_LIMIT:
        _monomials.clear()
    found = _monomials[expr] = _read_monomial(expr)
    return found


def _read_monomial(expr: sympy.Basic) -> Monomial | None:
    """monomial() without the memo. Reads Integer.p rather than comparing sympy numbers (that goes through
    sympify)."""
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


def term_monomials(expr: sympy.Basic) -> list[Monomial] | None:
    """The terms of a sum (or expr itself as one term) as monomials, in the sum's own order, or None when
    a term is not a monomial."""
    monos = []
    for term in expr.args if isinstance(expr, Add) else (expr,):
        m = monomial(term)
        if m is None:
            return None
        monos.append(m)
    return monos


def ordered_monomials(expr: Add) -> list[Monomial] | None:
    """The Add's terms as monomials in sympy's print order, or None when a term is not a monomial."""
    monos = term_monomials(expr)
    if monos is None:
        return None
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
        vector = [0] * len(gens)  # minus each exponent: higher powers first
        for s, e in m[1]:
            vector[index[s]] = -e
        return tuple(vector), m[0]

    return sorted(monos, key=key)


_STR_RELATIONS = {
    sympy.StrictGreaterThan: ">",
    sympy.StrictLessThan: "<",
    sympy.GreaterThan: ">=",
    sympy.LessThan: "<=",
}
_LATEX_RELATIONS = {
    sympy.StrictGreaterThan: ">",
    sympy.StrictLessThan: "<",
    sympy.GreaterThan: r"\geq",
    sympy.LessThan: r"\leq",
}
_SIMPLE_SIDES = (Add, Mul, Pow, Symbol, Integer)
"""Relational sides sympy prints without parentheses (their precedence is above the relation's)."""


def _cond_str(cond: sympy.Basic) -> str:
    if cond is sympy.true:
        return "True"
    op = _STR_RELATIONS.get(type(cond))
    if op is not None and isinstance(cond.lhs, _SIMPLE_SIDES) and isinstance(cond.rhs, _SIMPLE_SIDES):
        return f"{sstr(cond.lhs)} {op} {sstr(cond.rhs)}"
    return _STR.doprint(cond)


def _cond_latex(cond: sympy.Basic) -> str:
    op = _LATEX_RELATIONS.get(type(cond))
    if op is not None:
        return f"{tex(cond.lhs)} {op} {tex(cond.rhs)}"
    return _LATEX.doprint(cond)


def ordered_args(expr: Add) -> list[sympy.Basic] | None:
    """The Add's own args in sympy's print order, when every term is an integer monomial."""
    monos = term_monomials(expr)
    ordered = ordered_monomials(expr) if monos is not None else None
    if monos is None or ordered is None:
        return None
    by_mono = dict(zip(monos, expr.args, strict=True))
    return [by_mono[m] for m in ordered]


_gen_key = functools.lru_cache(maxsize=_MONOMIAL_MEMO_LIMIT)(sympy.default_sort_key)
"""default_sort_key(base), remembered: a family's sums share their factors (cos(y), exp(x), z)."""


def _term_parts(term: sympy.Basic) -> tuple[float, dict[sympy.Basic, int]] | None:
    """What Expr.as_terms records of one term, (coefficient, {base: exponent}), when the coefficient is
    rational and every other factor is commutative and not a number; None otherwise."""
    if isinstance(term, Mul):
        args = term.args
        coeff, factors = (args[0], args[1:]) if isinstance(args[0], Number) else (sympy.S.One, args)
    elif isinstance(term, Number):
        coeff, factors = term, ()
    else:
        coeff, factors = sympy.S.One, (term,)
    if not isinstance(coeff, Rational):
        return None
    powers: dict[sympy.Basic, int] = {}
    for f in factors:
        if isinstance(f, (Mul, Number)) or f.is_number or not f.is_commutative:
            return None  # a number factor goes into sympy's coefficient; the rest is sympy's business
        base, e = (f, 1) if isinstance(f, Symbol) else decompose_power(f)
        powers[base] = e
    return float(coeff), powers  # as sympy's complex(coeff): correctly rounded, inf past the float range


def sympy_term_order(expr: Add) -> list[sympy.Basic] | None:
    """expr.as_ordered_terms() for a sum whose terms are each a rational coefficient times commutative
    factors with variables in them (4*x**3*y - 5*z*cos(y) + 3), or None for any other sum.

    sympy's as_terms turns every coefficient into a complex number by evalf (about 30 µs a term, most of
    the time of printing such a sum) only to sort by it; the float of a rational is the same number,
    computed directly (float(Rational) rounds to 53 bits as evalf does, and gives inf where it does: a
    student may type 10^400). The rest is sympy's own recipe: each
    factor's (base, exponent) by decompose_power, the bases sorted by default_sort_key, the terms sorted
    stably by minus their exponent vector over those bases, then by coefficient. A sum of two terms with a
    number among them is left to sympy (as_ordered_terms has a special case for 2 - 3*x)."""
    args = expr.args
    if len(args) == 2 and any(isinstance(a, Number) for a in args):
        return None
    parts = []
    for term in args:
        found = _term_parts(term)
        if found is None:
            return None
        parts.append(found)
    gens = sorted({base for _, powers in parts for base in powers}, key=_gen_key)
    index = {base: i for i, base in enumerate(gens)}

    def key(item: tuple[sympy.Basic, tuple[float, dict[sympy.Basic, int]]]) -> tuple[tuple[int, ...], float]:
        coeff, powers = item[1]
        vector = [0] * len(gens)
        for base, e in powers.items():
            vector[index[base]] = -e
        return tuple(vector), coeff

    return [term for term, _ in sorted(zip(args, parts), key=key)]


class _FastOrder:
    """Printer mixin: order an Add's terms directly instead of through as_ordered_terms, for integer
    polynomials (ordered_args) and sums of rational multiples of other factors (sympy_term_order)."""

    def _as_ordered_terms(self, expr, order=None):  # type: ignore[no-untyped-def]
        if (order or self.order) is None and isinstance(expr, Add):  # type: ignore[attr-defined]
            args = ordered_args(expr)
            if args is None:
                args = sympy_term_order(expr)
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
    _memo: ClassVar[dict[object, str]] = {}

    def _print_Add(self, expr, order=None):  # type: ignore[no-untyped-def]
        text = _add_str(expr) if (order or self.order) is None else None
        return super()._print_Add(expr, order=order) if text is None else text


class _Latex(_Memo, _FastOrder, LatexPrinter):
    """Also remembers each symbol's LaTeX: splitting names into sub/superscripts is slow and repeated."""

    _symbols: ClassVar[dict[tuple[Symbol, object], str]] = {}
    _memo: ClassVar[dict[object, str]] = {}

    def _print_Symbol(self, expr, style="plain"):  # type: ignore[no-untyped-def]
        key = (expr, style)
        hit = self._symbols.get(key)
        if hit is None:
            hit = self._symbols[key] = super()._print_Symbol(expr, style=style)
        return hit

    def _print_Add(self, expr, order=None):  # type: ignore[no-untyped-def]
        text = _add_latex(expr, self._term) if (order or self.order) is None else None
        return super()._print_Add(expr, order=order) if text is None else text

    @staticmethod
    def _term(expr: sympy.Basic) -> str:
        """How this printer prints a subexpression, through the module's cache."""
        return tex(expr)


class _LatexLn(_Latex):
    """LaTeX with ln for the natural logarithm (its own memo: the same subexpression prints differently)."""

    _memo: ClassVar[dict[object, str]] = {}

    @staticmethod
    def _term(expr: sympy.Basic) -> str:
        return tex_ln(expr)


_STR = _Str()
_LATEX = _Latex()
_LATEX_LN = _LatexLn({"ln_notation": True})


def latex_ln(expr: sympy.Basic) -> str:
    """sympy.latex(expr, ln_notation=True), with the memo and fast term ordering of the shared printer."""
    return _LATEX_LN.doprint(expr)


_FUNCTIONS = (sympy.sin, sympy.cos, sympy.tan, sympy.exp, sympy.log, sympy.sinh, sympy.cosh, sympy.tanh)
"""Functions of one argument that StrPrinter writes as name(argument)."""
_LATTICE = (sympy.Max, sympy.Min)
_BASES = (Symbol, Add, Mul, *_LATTICE, *_FUNCTIONS)
"""Bases of an integer power the fast printers cover (powers of powers and of numbers are left to sympy)."""


_SUM_TERMS = (Mul, Rational, Symbol, Pow, *_LATTICE, *_FUNCTIONS)
"""Terms whose precedence is at least a sum's (a product's is a sum's when it starts with a minus), so
StrPrinter._print_Add never puts them in parentheses."""


def _add_str(expr: Add) -> str | None:
    """StrPrinter._print_Add for a sum sympy_term_order can order, each term one of _SUM_TERMS, or None.

    sympy prints each term with its own printer and writes a leading minus as the term's sign; here each
    term is printed by sstr (the same text, through the fast paths and the cache)."""
    terms = sympy_term_order(expr)
    if terms is None or not all(isinstance(t, _SUM_TERMS) for t in terms):
        return None
    words = []
    for term in terms:
        text = sstr(term)
        words += ["-", text[1:]] if text.startswith("-") else ["+", text]
    sign = words.pop(0)
    return ("" if sign == "+" else sign) + " ".join(words)


def _is_function(expr: sympy.Basic) -> bool:
    return isinstance(expr, _FUNCTIONS) and len(expr.args) == 1


def _power_parts(expr: Pow) -> tuple[sympy.Basic, int] | None:
    """(base, integer exponent) of a power the fast printers cover, exponent 0 standing for a square root."""
    base, exp = expr.args
    if exp is sympy.S.Half:
        if isinstance(base, (Symbol, Add)) or (isinstance(base, Integer) and base.p > 1):
            return base, 0
        return None
    if not isinstance(exp, Integer) or not isinstance(base, _BASES):
        return None
    if isinstance(base, _FUNCTIONS) and len(base.args) != 1:
        return None
    return base, exp.p


def _pow_base_str(base: sympy.Basic) -> str:
    """A power's base as StrPrinter parenthesizes it: sums and products are below Pow's precedence."""
    text = sstr(base)
    return f"({text})" if isinstance(base, (Add, Mul)) else text


def _pow_str(expr: Pow) -> str | None:
    """StrPrinter._print_Pow for the covered powers, None for the rest."""
    parts = _power_parts(expr)
    if parts is None:
        return None
    base, n = parts
    if n == 0:
        return f"sqrt({sstr(base)})"
    if n == -1:
        return "1/" + _pow_base_str(base)
    return f"{_pow_base_str(base)}**{n}" if n > 0 else f"{_pow_base_str(base)}**({n})"


_class_keys: dict[type, tuple[object, ...]] = {}


def _class_key(expr: sympy.Basic) -> tuple[object, ...]:
    cls = type(expr)
    hit = _class_keys.get(cls)
    if hit is None:
        hit = _class_keys[cls] = cls.class_key()
    return hit


def _order_factors(factors: tuple[sympy.Basic, ...]) -> list[sympy.Basic]:
    """The factors in Mul.as_ordered_factors' order (by sort_key), computing sort_key only on a tie.

    sort_key starts with the class key of the factor (of its base, for a power) and, for a symbol, goes on
    with its name; computing it in full orders every sum inside, which is slow the first time."""
    if len(factors) == 1:
        return list(factors)
    keys = []
    names: dict[tuple[object, ...], str | None] = {}
    for f in factors:
        base = f.args[0] if isinstance(f, Pow) else f
        key = _class_key(base)
        name = base.name if type(base) is Symbol else None
        if key in names and (name is None or names[key] is None or names[key] == name):
            return sorted(factors, key=_sort_key)  # a tie: sympy's full sort key decides
        names[key] = name
        keys.append((key, name or ""))
    return [f for _, f in sorted(zip(keys, factors, strict=True), key=_first)]


def _sort_key(expr: sympy.Basic) -> tuple[object, ...]:
    """The key Mul.as_ordered_factors sorts by (each class's own sort_key, cached by sympy)."""
    return expr.sort_key()


def _first(item: tuple[tuple[object, object], sympy.Basic]) -> tuple[object, object]:
    return item[0]


def _mul_str(expr: Mul) -> str | None:
    """StrPrinter._print_Mul for a rational coefficient times symbols, covered powers and functions, or None.

    Follows sympy's steps: the sign comes out of the coefficient, the factors go in sort_key order (sympy
    caches sort_key), the coefficient's numerator and negative powers' bases go to the denominator."""
    args = expr.args
    coeff = args[0] if isinstance(args[0], Rational) else sympy.S.One
    factors = args[1:] if coeff is not sympy.S.One else args
    if args[0] is sympy.S.One or not expr.is_commutative:
        return None  # an unevaluated Mul, or noncommutative factors: sympy's own cases
    for f in factors:
        if isinstance(f, Number):
            return None  # a second number: an unevaluated Mul
        if isinstance(f, Pow):
            parts = _power_parts(f)
            if parts is None or (isinstance(parts[0], Integer) and parts[1] != 0):
                return None
            if parts[1] < 0 and isinstance(parts[0], Mul):
                return None  # sympy parenthesizes these in its own way (sympy issue 14160)
        elif not (isinstance(f, (Symbol, Add, *_LATTICE)) or _is_function(f)):
            return None
    sign = ""
    if coeff.is_negative:
        sign, coeff = "-", -coeff
    # a number's sort_key comes before every other factor's
    ordered = ([coeff] if coeff is not sympy.S.One else []) + _order_factors(factors)
    top: list[str] = []
    bottom: list[str] = []
    for item in ordered:
        if isinstance(item, Rational):
            if item.p != 1:
                top.append(str(item.p))
            if item.q != 1:
                bottom.append(str(item.q))
        elif isinstance(item, Pow) and item.exp.is_negative:
            base, n = item.args[0], -item.exp.p
            bottom.append(_pow_base_str(base) if n == 1 else f"{_pow_base_str(base)}**{n}")
        else:
            top.append(_pow_base_str(item))  # a sum in a product is parenthesized as in a power
    head = sign + ("*".join(top) if top else "1")
    if not bottom:
        return head
    if len(bottom) == 1:
        return f"{head}/{bottom[0]}"
    return f"{head}/({'*'.join(bottom)})"


_LEADING_KEYS = {Symbol: Symbol.class_key(), Add: Add.class_key()}
"""The first part of sort_key for a symbol or a sum (a number's is Number.class_key(), below both)."""


def _lattice_args(expr: sympy.Basic) -> list[sympy.Basic]:
    """A Max's or Min's arguments in the order both printers write them, sorted by default_sort_key.

    A sort key starts with the class key: a number's (1, 0), a symbol's (2, 0), a sum's (3, 1). When the
    arguments are numbers, symbols and sums, no two of a kind (max(0, 2x + 1), max(y, x + 4)), that part
    decides, and the rest of the key, which orders every term of a sum, need not be computed."""
    leading = [Number.class_key() if isinstance(a, Number) else _LEADING_KEYS.get(type(a)) for a in expr.args]
    keys = [k for k in leading if k is not None]
    if len(keys) == len(expr.args) == len(set(keys)):
        return [a for _, a in sorted(zip(keys, expr.args), key=lambda pair: pair[0])]
    return sorted(expr.args, key=sympy.default_sort_key)


def fast_str(expr: sympy.Basic) -> str:
    """str(expr), printed directly for integer polynomials, Max/Min and Piecewise of them, and products,
    powers and functions of the covered shapes."""
    if isinstance(expr, sympy.Piecewise):
        return "Piecewise(" + ", ".join(f"({sstr(e)}, {_cond_str(c)})" for e, c in expr.args) + ")"
    if isinstance(expr, (sympy.Max, sympy.Min)):
        args = _lattice_args(expr)
        return f"{type(expr).__name__}(" + ", ".join(sstr(a) for a in args) + ")"
    if isinstance(expr, Add):
        monos = ordered_monomials(expr)
        if monos is not None:
            first = _mono_str(monos[0])
            parts = [first]
            for m in monos[1:]:
                text = _mono_str(m)
                parts.append(f" - {text[1:]}" if text.startswith("-") else f" + {text}")
            return "".join(parts)
        return _STR.doprint(expr)
    single = monomial(expr)
    if single is not None:
        return _mono_str(single)
    direct: str | None = None
    if isinstance(expr, Rational):
        direct = f"{expr.p}/{expr.q}"  # an Integer is a monomial, handled above
    elif isinstance(expr, Mul):
        direct = _mul_str(expr)
    elif isinstance(expr, Pow):
        direct = _pow_str(expr)
    elif _is_function(expr):
        direct = f"{type(expr).__name__}({sstr(expr.args[0])})"
    return _STR.doprint(expr) if direct is None else direct


_TRIG = (sympy.sin, sympy.cos, sympy.tan, sympy.sinh, sympy.cosh, sympy.tanh)
"""Functions LatexPrinter writes as \\name{\\left(argument \\right)}."""
_LATEX_FACTORS = (Symbol, Add, Pow, sympy.exp, sympy.log, *_TRIG, *_LATTICE)
_PLAIN_NODES = (Symbol, Number, Add, Mul, Pow, *_LATTICE, *_FUNCTIONS)
_NUMBER_BEFORE = re.compile(r"[0-9][} ]*$")  # LatexPrinter's test for a \cdot between two numbers
_NUMBER_AFTER = re.compile(r"(\d|\\frac{\d+}{\d+})")


@functools.lru_cache(maxsize=_MONOMIAL_MEMO_LIMIT)
def _plain_tree(expr: sympy.Basic) -> bool:
    """Whether expr is built only of numbers, symbols, arithmetic and the covered functions: such a factor
    never needs LatexPrinter's brackets in a product (those are for sums, relations, Mod, integrals...).
    Remembered by subexpression: a factor is asked again for every product and sum printed around it."""
    if not isinstance(expr, _PLAIN_NODES) or (type(expr) is sympy.Symbol and not expr.is_commutative):
        return False
    return all(_plain_tree(a) for a in expr.args)


def _add_latex(expr: Add, term_latex: Callable[[sympy.Basic], str]) -> str | None:
    """LatexPrinter._print_Add for a sum sympy_term_order can order, of _SUM_TERMS built only of plain
    nodes (no relation, no Mod: no brackets around a term), or None. As sympy does, a term after the first
    that could_extract_minus_sign is written " - " and its negation; term_latex prints a term as the
    calling printer would (tex, or tex_ln for ln notation)."""
    terms = sympy_term_order(expr)
    if terms is None or not all(isinstance(t, _SUM_TERMS) and _plain_tree(t) for t in terms):
        return None
    parts = [term_latex(terms[0])]
    for term in terms[1:]:
        if term.could_extract_minus_sign():
            negated = -term
            if isinstance(negated, Add):
                return None  # sympy would put it in brackets
            parts += [" - ", term_latex(negated)]
        else:
            parts += [" + ", term_latex(term)]
    return "".join(parts)


def _factor_latex(f: sympy.Basic) -> str:
    """LatexPrinter._print of a factor of a covered product."""
    if isinstance(f, Symbol):
        return _sym_latex(f)
    if isinstance(f, Add):
        return rf"\left({tex(f)}\right)"  # LatexPrinter._needs_mul_brackets: a sum in a product
    if isinstance(f, _LATTICE):
        return tex(f)  # fast_latex writes a Max or Min (a ReLU in a product) itself
    if isinstance(f, _TRIG) and len(f.args) == 1:
        return rf"\{type(f).__name__}{{\left({tex(f.args[0])} \right)}}"
    if isinstance(f, sympy.exp):
        return f"e^{{{tex(f.args[0])}}}"
    if isinstance(f, Pow):
        base, exp = f.args
        if exp is sympy.S.Half:
            return rf"\sqrt{{{tex(base)}}}"
        if isinstance(exp, Integer) and exp.p > 1:
            if isinstance(base, Symbol):
                text = _sym_latex(base)
                if "^" not in text:
                    return f"{text}^{{{exp.p}}}"
            elif isinstance(base, (Add, Mul)):
                return rf"\left({tex(base)}\right)^{{{exp.p}}}"
            elif isinstance(base, _LATTICE):
                return f"{tex(base)}^{{{exp.p}}}"  # _hprint_variadic_function's exponent
    return _LATEX.doprint(f)


def _mul_latex(expr: Mul) -> str | None:
    """LatexPrinter._print_Mul for an integer coefficient times symbols, positive powers, square roots and
    the covered functions, or None: no denominator, so no fraction; factors in sympy's order."""
    args = expr.args
    coeff = args[0] if isinstance(args[0], Integer) else sympy.S.One
    factors = args[1:] if coeff is not sympy.S.One else args
    if args[0] is sympy.S.One or (isinstance(args[0], Rational) and coeff is sympy.S.One):
        return None  # an unevaluated Mul or a fraction: sympy's own cases
    for f in factors:
        if not isinstance(f, _LATEX_FACTORS) or not _plain_tree(f):
            return None  # a number after the first, a nested product (unevaluated Mul): sympy's cases
        if isinstance(f, Pow):
            base, exp = f.args
            if exp is not sympy.S.Half and not (isinstance(exp, Integer) and exp.p > 0):
                return None  # a denominator
            if isinstance(base, Number) and exp is not sympy.S.Half:
                return None
        elif isinstance(f, sympy.exp) and f.args[0].is_negative:
            return None  # sympy's fraction() puts it in the denominator
    sign = ""
    if coeff.p < 0:
        sign, coeff = "- ", -coeff
    ordered = ([coeff] if coeff is not sympy.S.One else []) + _order_factors(factors)
    if len(ordered) == 1:
        if isinstance(ordered[0], Add):
            return None
        return sign + _factor_latex(ordered[0])
    text = last = ""
    for item in ordered:
        term = str(item.p) if isinstance(item, Integer) else _factor_latex(item)
        if _NUMBER_BEFORE.search(last) and _NUMBER_AFTER.match(term):
            text += r" \cdot "
        elif text:
            text += " "
        text += term
        last = term
    return sign + text


def fast_latex(expr: sympy.Basic) -> str:
    """sympy.latex(expr), printed directly for integer polynomials, Max/Min and Piecewise of them, and
    products without a denominator, powers and functions of the covered shapes."""
    if isinstance(expr, sympy.Piecewise):
        pairs = [rf"{tex(e)} & \text{{for}}\: {_cond_latex(c)}" for e, c in expr.args[:-1]]
        last = expr.args[-1]
        if last.cond is sympy.true:
            pairs.append(rf"{tex(last.expr)} & \text{{otherwise}}")
        else:
            pairs.append(rf"{tex(last.expr)} & \text{{for}}\: {_cond_latex(last.cond)}")
        return r"\begin{cases} " + r" \\".join(pairs) + r" \end{cases}"
    if isinstance(expr, (sympy.Max, sympy.Min)):
        args = _lattice_args(expr)
        return rf"\{type(expr).__name__.lower()}\left(" + ", ".join(tex(a) for a in args) + r"\right)"
    if isinstance(expr, Add):
        monos = ordered_monomials(expr)
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
    if isinstance(expr, Mul):
        text = _mul_latex(expr)
        if text is not None:
            return text
    elif isinstance(expr, (Pow, sympy.exp, *_TRIG)):
        return _factor_latex(expr)  # outside a product: no fraction, no brackets to decide
    elif isinstance(expr, Rational):
        sign, p = ("- ", -expr.p) if expr.p < 0 else ("", expr.p)
        return rf"{sign}\frac{{{p}}}{{{expr.q}}}"  # an Integer is a monomial, handled above
    return _LATEX.doprint(expr)


_PRINT_CACHE_LIMIT = 50_000
_plain_cache: dict[sympy.Basic, str] = {}
_str_cache: dict[sympy.Basic, str] = {}
_tex_cache: dict[sympy.Basic, str] = {}
_tex_ln_cache: dict[sympy.Basic, str] = {}


def _remember(cache: dict[sympy.Basic, str], expr: sympy.Basic, text: str) -> str:
    if len(cache) >= _PRINT_CACHE_LIMIT:
        cache.clear()
    cache[expr] = text
    return text


def sstr(expr: sympy.Basic) -> str:
    """str(expr), cached: the manifest form of functions and keys (printing dominates generation time)."""
    hit = _str_cache.get(expr)
    if hit is not None:
        return hit
    return _remember(_str_cache, expr, fast_str(expr))


def plain(expr: sympy.Basic) -> str:
    """Plain-text form for prompts and step sentences, in the notation students type and the material uses:
    sympy's str() with ^ for powers, max/min/abs/ln, and indicators as 1(x > y) (cached)."""
    hit = _plain_cache.get(expr)
    if hit is not None:
        return hit
    return _remember(_plain_cache, expr, student_notation(sstr(expr)))


def tex(expr: sympy.Basic) -> str:
    """sympy.latex(expr), cached (printing dominates generation time)."""
    hit = _tex_cache.get(expr)
    if hit is not None:
        return hit
    return _remember(_tex_cache, expr, fast_latex(expr))


def tex_ln(expr: sympy.Basic) -> str:
    """sympy.latex(expr, ln_notation=True), cached: ln for the natural logarithm, as the course writes it.
    ln_notation changes how a log prints and nothing else, so an expression without one prints as tex()."""
    hit = _tex_ln_cache.get(expr)
    if hit is not None:
        return hit
    with_log = bool(expr.args) and expr.has(sympy.log)  # a number or symbol has none (asking sympy is slow)
    return _remember(_tex_ln_cache, expr, latex_ln(expr) if with_log else tex(expr))


__all__ = [
    "Monomial",
    "fast_latex",
    "fast_str",
    "latex_ln",
    "monomial",
    "ordered_args",
    "ordered_monomials",
    "plain",
    "sstr",
    "sympy_term_order",
    "term_monomials",
    "tex",
    "tex_ln",
]
