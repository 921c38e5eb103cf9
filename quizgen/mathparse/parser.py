"""Recursive-descent parser: tokens to sympy values, plain text and LaTeX, built together in one pass.

Each parse method returns an E carrying the sympy value and the answer as understood (text and LaTeX, with
implicit multiplications made explicit and the student's own parentheses kept). sympy objects are built
directly from the allow-list (never from strings); every numeric power and product is size-checked before
sympy evaluates it, and the nesting depth and node count are bounded, so no input can hang or recurse.

A key read for its value alone (strings=False: the checker never shows a key as understood) skips the text
and LaTeX: the node kinds keys are made of (sums, products, powers, signs, brackets, indicators, comparisons,
and, or, vectors; a call's LaTeX) return before building them, the rarer ones build them anyway. The value,
every bound and every decision are the same: no decision reads a text, only the messages quote one.

Grammar (lowest precedence first):
    top      := '<' ifelse (',' ifelse)* '>' | or
    or       := and (('or' | '|' [keys]) and)*
    and      := rel (('and' | '&') rel)*
    rel      := ifelse (relop ifelse)*            relop: < <= > >= == !=
    ifelse   := sum ['if' or 'else' ifelse]
    sum      := term (('+' | '-') term)*
    term     := unary (('*' | '/') unary | implicit-factor)*
    unary    := ('-' | '+') unary | power
    power    := primary [('^' | '**') unary]
    primary  := number | name | call | group | |sum| | LaTeX (frac, sqrt, 1_{cond})
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy

from quizgen.mathparse.lexer import OPENING_BAR, Token
from quizgen.mathparse.limits import Limits
from quizgen.mathparse.messages import Fail
from quizgen.mathparse.names import FuncSpec, symbol, variable_latex
from quizgen.mathparse.values import SafeValues, ask

P_IF, P_OR, P_AND, P_REL, P_ADD, P_MUL, P_NEG, P_POW, P_ATOM = range(9)

_CLOSE = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "<": ">"}
_RELOPS = {
    "<": sympy.StrictLessThan,
    ">": sympy.StrictGreaterThan,
    "<=": sympy.LessThan,
    ">=": sympy.GreaterThan,
    "==": sympy.Eq,
    "!=": sympy.Ne,
}
_ENDS_TERM = frozenset(("+", "-", ")", "]", "}", ",", "⟩", *_RELOPS))
"""Operators after a factor that neither multiply nor divide it nor start the next factor."""
_ABOVE_SUM = frozenset((*_RELOPS, "&", "|"))
"""The operators of the levels above a sum (with the keywords if, and, or)."""
_REL_LATEX = {"<": "<", ">": ">", "<=": r"\le", ">=": r"\ge", "==": "=", "!=": r"\ne"}
_ONE = sympy.S.One
_ZERO = sympy.S.Zero
_CLOSERS = (")", "]", "}")
_INTEGERS: dict[str, sympy.Integer] = {}
"""Whole-number literals as typed -> their sympy Integer (immutable, so shared): a class types the same few
hundred numbers over and over, and building an Integer goes through sympy's cache machinery each time."""
MAX_KEPT_INTEGERS = 4096
UNITS: tuple[sympy.Symbol, ...] = (
    sympy.Dummy("i", real=True),
    sympy.Dummy("j", real=True),
    sympy.Dummy("k", real=True),
)
"""The unit vectors i, j, k while an answer a i + b j + c k is read (never left in a parsed value)."""


def has_units(value: object) -> bool:
    return isinstance(value, sympy.Basic) and any(value.has(u) for u in UNITS)


def unit_components(value: sympy.Expr) -> list[sympy.Expr] | None:
    """The coefficients (a, b[, c]) of value = a i + b j [+ c k], or None when value is not such a sum
    (a term without a unit vector, i*j, sin(i), i inside a power or an indicator's condition)."""
    coeffs: dict[int, sympy.Expr] = {}

    def walk(expr: sympy.Expr, factor: sympy.Expr) -> bool:
        if expr in UNITS:
            k = UNITS.index(expr)
            coeffs[k] = coeffs.get(k, _ZERO) + factor
            return True
        if expr.is_Add:
            return all(walk(term, factor) for term in expr.args)
        if expr.is_Mul:
            with_units = [a for a in expr.args if has_units(a)]
            if len(with_units) != 1:
                return False
            rest = [a for a in expr.args if a is not with_units[0]]
            return walk(with_units[0], factor * sympy.Mul(*rest))
        return False

    if not walk(value, _ONE):
        return None
    size = max(coeffs) + 1
    return [coeffs.get(k, _ZERO) for k in range(size)]


def _number_may_follow(before: Token | None, t: Token) -> bool:
    """A number after a closing bracket, or after a name and a space, multiplies: (3t+1)2, u 1(u > 0)."""
    if before is None:
        return False
    if before.kind == "op" and before.text in _CLOSERS:
        return True
    return before.kind == "name" and t.space_before


class E:
    """A parsed piece: sympy value, text and LaTeX as understood, precedence and kind (expr/cond/tuple)."""

    __slots__ = (
        "cases",
        "indicator",
        "inner",
        "items",
        "kind",
        "latex",
        "number",
        "paren",
        "pieces",
        "prec",
        "start",
        "text",
        "value",
    )

    def __init__(
        self,
        value: sympy.Basic,
        text: str,
        latex: str,
        prec: int,
        start: int,
        kind: str = "expr",
        items: list[E] | None = None,
        inner: E | None = None,
    ) -> None:
        self.value = value
        self.text = text
        self.latex = latex
        self.prec = prec
        self.kind = kind
        self.items = items
        self.start = start
        self.inner = inner  # the same without the student's outer parentheses
        self.number = False  # a number literal (for "missing operator" messages)
        self.cases: list[str] | None = None  # LaTeX rows of a chained "a if c else b if d else e"
        self.pieces: list[tuple[sympy.Basic, sympy.Basic]] | None = None  # its (value, condition) pairs
        self.paren = False  # a comparison in parentheses: (u > v) used as a value is the indicator
        self.indicator = False  # an indicator 1(...), or a power of one (x[x > 0] multiplies by it)


def _wrap(text: str, cond: bool) -> str:
    return f"({text})" if cond else text


def _lwrap(latex: str, cond: bool) -> str:
    return rf"\left({latex}\right)" if cond else latex


def _bare(e: E) -> str:
    """LaTeX without the student's outer parentheses (for \\frac, \\sqrt, exponents, where braces group)."""
    return e.inner.latex if e.inner is not None else e.latex


def _bare_text(e: E) -> str:
    return e.inner.text if e.inner is not None else e.text


class Parser(SafeValues):
    """One parse of one token list; not reusable. strings=False: the value only (texts and LaTeX left
    empty or partial); a refusal is then not worded for anyone (the caller reads the text again with
    strings to word it), so its message may quote an empty text."""

    def __init__(
        self, tokens: Sequence[Token], limits: Limits, *, latex: bool, key: bool, strings: bool = True
    ) -> None:
        self.toks = tokens
        self.strings = strings
        self.i = 0
        self.limits = limits
        self.max_nodes = limits.max_nodes
        self.latex = latex
        self.key = key
        self.depth = 0
        self.nodes = 0
        self.abs_depth = 0
        self.lookahead: dict[int, tuple[E, int, int]] = {}  # "(" index -> parsed group, end, nodes
        self.units = False  # a unit vector i, j, k was read (only then are values searched for them)

    # ---- token helpers
    def peek(self) -> Token:
        return self.toks[self.i]

    def advance(self) -> Token:
        t = self.toks[self.i]
        if t.kind != "end":
            self.i += 1
        return t

    def at_op(self, *ops: str) -> bool:
        t = self.toks[self.i]
        return t.kind == "op" and t.text in ops

    def at_kw(self, word: str) -> bool:
        t = self.toks[self.i]
        return t.kind == "kw" and t.text == word

    def count(self, n: int = 1) -> None:
        self.nodes += n
        if self.nodes > self.max_nodes:
            raise Fail("too_many_nodes", self.peek().start, limit=self.max_nodes)

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise Fail("too_deep", pos, limit=self.limits.max_depth)

    def leave(self) -> None:
        self.depth -= 1

    def expect_close(self, opener: Token) -> Token:
        close = _CLOSE[opener.text]
        t = self.peek()
        if t.kind == "op" and t.text == close:
            return self.advance()
        if t.kind == "end":
            raise Fail("unbalanced_open", opener.start, tok=opener.text, close=close)
        if t.kind == "op" and t.text in (")", "]", "}", "⟩"):
            raise Fail("mismatched_close", t.start, tok=t.text, open=opener.text, close=close)
        raise self.unexpected(t, f"'{close}' or an operator")

    def unexpected(self, t: Token, what: str = "") -> Fail:
        if t.kind == "end":
            prev = self.toks[self.i - 1].text if self.i > 0 else ""
            return Fail("unexpected_end", t.start, after=prev)
        if t.kind == "op" and t.text in (")", "]", "}", "⟩"):
            return Fail("unbalanced_close", t.start, tok=t.text)
        if t.kind == "op" and t.text == ",":
            return Fail("bare_comma", t.start)
        if what:
            return Fail("expected", t.start, what=what, tok=t.text)
        return Fail("unexpected_token", t.start, tok=t.text)

    # ---- checks
    def need_expr(self, e: E) -> E:
        """e as a value: a comparison in parentheses becomes its indicator ((u > 0) is 1(u > 0), as
        machine-learning texts write it); a bare comparison or a vector is refused here."""
        if e.kind == "tuple":
            raise Fail("vector_misplaced", e.start)
        if e.kind == "cond":
            if e.paren:
                return self.indicator(e, e.start)
            raise Fail("comparison_misplaced", e.start, text=e.text)
        return e

    def need_cond(self, e: E) -> E:
        if e.kind != "cond":
            raise Fail("expected", e.start, what="a condition such as x > y", tok=e.text)
        return e

    def relation(self, fn: Callable[..., sympy.Basic], a: E, b: E) -> sympy.Basic:
        for e in (a, b):
            if self.units and has_units(e.value):
                raise Fail("unit_vector_inside", e.start)
        return self.compare(fn, a.value, b.value, a.start, f"{a.text} ... {b.text}", _bare_text(a))

    # ---- grammar
    def parse_top(self) -> E:
        t = self.peek()
        if t.kind == "end":
            raise Fail("empty", t.start)
        if t.kind == "op" and t.text in ("<", "⟨"):
            e = self.parse_angle_vector()
        else:
            e = self.parse_or()
            if self.at_op(",") and not self.key:
                e = self.bare_vector(e)
        t = self.peek()
        if t.kind != "end":
            if t.kind == "kw" and t.text == "else":
                raise Fail("keyword_misplaced", t.start, name="else")
            raise self.unexpected(t)
        if e.kind == "cond":
            if not e.paren:
                raise Fail("bare_comparison", e.start, text=_bare_text(e))
            e = self.need_expr(e)
        if e.kind == "tuple":
            items = e.items or []
            for item in items:
                if item.kind != "expr" and not item.paren:
                    raise Fail("vector_item", item.start)
                if self.units and item.kind == "expr" and has_units(item.value):
                    raise Fail("unit_vector_inside", item.start)
            if any(item.paren for item in items):
                opener = e.text[:1]  # "" without strings: only the text shows the brackets
                closer = "]" if opener == "[" else ")" if opener == "(" else ">"
                e = self.make_tuple([self.need_expr(item) for item in items], opener, closer, e.start)
        elif self.units and has_units(e.value):
            e = self.unit_vector(e)
        return e

    def bare_vector(self, first: E) -> E:
        """2x, 3y without brackets: a vector, unless a comma sits between two digits (1,5 may be a decimal
        comma; the student is asked to write 1.5 or [1, 5])."""
        items = [self.need_expr(first)]
        while self.at_op(","):
            comma = self.peek()
            before, after = self.toks[self.i - 1], self.toks[self.i + 1]
            if before.kind == "num" and after.kind == "num" and not comma.space_before and not after.space_before:
                raise Fail(
                    "decimal_comma",
                    before.start,
                    text=f"{before.text},{after.text}",
                    left=before.text,
                    right=after.text,
                )
            self.advance()
            items.append(self.need_expr(self.parse_ifelse()))
        return self.make_tuple(items, "[", "]", first.start)

    def unit_vector(self, e: E) -> E:
        """a i + b j + c k read as the vector (a, b, c): each term a multiple of one unit vector."""
        coeffs = unit_components(e.value)
        if coeffs is None:
            raise Fail("unit_vector_form", e.start)
        items = []
        for c in coeffs:
            text = sympy.sstr(c).replace("**", "^")
            items.append(E(c, text, sympy.latex(c), P_ADD, e.start))
        return self.make_tuple(items, "[", "]", e.start)

    def parse_angle_vector(self) -> E:
        opener = self.advance()
        self.enter(opener.start)
        items = [self.need_expr(self.parse_ifelse())]
        while self.at_op(","):
            self.advance()
            items.append(self.need_expr(self.parse_ifelse()))
        self.expect_close(opener)
        self.leave()
        return self.make_tuple(items, "<", ">", opener.start)

    def make_tuple(self, items: list[E], open_text: str, close_text: str, start: int) -> E:
        self.count()
        value = tuple(x.value for x in items)
        if not self.strings:
            return E(value, "", "", P_ATOM, start, "tuple", items)
        text = open_text + ", ".join(x.text for x in items) + close_text
        latex = r"\left(" + ", ".join(x.latex for x in items) + r"\right)"
        return E(value, text, latex, P_ATOM, start, "tuple", items)

    def parse_or(self) -> E:
        # Most operands are a plain sum: read it, and enter the four levels above it (or, and, comparison,
        # if-else) only when a keyword or one of their operators follows; each of them would start by
        # reading this same sum.
        first = self.parse_sum()
        t = self.toks[self.i]
        if t.kind != "kw" and not (t.kind == "op" and t.text in _ABOVE_SUM):
            return first
        left = self.parse_and(first)
        while self.at_kw("or") or (self.key and self.at_op("|")):
            op = self.advance()
            right = self.parse_and()
            left = self.combine_bool(left, right, op, sympy.Or, "or", r"\lor", P_OR)
        return left

    def parse_and(self, first: E | None = None) -> E:
        """first: the sum that starts it, when the caller has read it already (also for the levels below)."""
        left = self.parse_rel(first)
        while self.at_kw("and") or self.at_op("&"):
            op = self.advance()
            right = self.parse_rel()
            left = self.combine_bool(left, right, op, sympy.And, "and", r"\land", P_AND)
        return left

    def combine_bool(self, left: E, right: E, op: Token, fn: type, word: str, latex: str, prec: int) -> E:
        self.need_cond(left)
        self.need_cond(right)
        self.count()
        value = self.build(left.start, word, fn, left.value, right.value)
        if not self.strings:
            return E(value, "", "", prec, left.start, "cond")
        text = f"{_wrap(left.text, left.prec < prec)} {word} {_wrap(right.text, right.prec <= prec)}"
        ltx = rf"{_lwrap(left.latex, left.prec < prec)} {latex} {_lwrap(right.latex, right.prec <= prec)}"
        return E(value, text, ltx, prec, left.start, "cond")

    def parse_rel(self, first: E | None = None) -> E:
        first = self.parse_ifelse(first)
        t = self.peek()
        if not (t.kind == "op" and t.text in _RELOPS):
            return first
        operands = [self.need_expr(first)]
        ops: list[str] = []
        while self.at_op(*_RELOPS):
            ops.append(self.advance().text)
            operands.append(self.need_expr(self.parse_ifelse()))
        self.count(len(ops))
        self.plain_operands(operands)
        rels = [self.relation(_RELOPS[op], a, b) for op, a, b in zip(ops, operands, operands[1:])]
        value = rels[0] if len(rels) == 1 else self.build(first.start, "comparison", sympy.And, *rels)
        if not self.strings:
            return E(value, "", "", P_REL, first.start, "cond")
        text = operands[0].text
        latex = operands[0].latex
        for op, b in zip(ops, operands[1:]):
            text += f" {op} {b.text}"
            latex += f" {_REL_LATEX[op]} {b.latex}"
        return E(value, text, latex, P_REL, first.start, "cond")

    def parse_ifelse(self, then: E | None = None) -> E:
        if then is None:
            then = self.parse_sum()
        if not self.at_kw("if"):
            return then
        if_tok = self.advance()
        then = self.need_expr(then)
        self.enter(if_tok.start)
        cond = self.need_cond(self.parse_or())
        if not self.at_kw("else"):
            raise Fail("if_without_else", if_tok.start)
        self.advance()
        other = self.need_expr(self.parse_ifelse())
        self.leave()
        self.count()
        row = then.latex + r" & \text{if } " + cond.latex
        if other.cases is not None:  # a if c else (b if d else e): one Piecewise with three pieces
            pieces = [(then.value, cond.value), *(other.pieces or [])]
            rows = [row, *other.cases]
        else:
            pieces = [(then.value, cond.value), (other.value, sympy.true)]
            rows = [row, other.latex + r" & \text{otherwise}"]
        value = self.make_piecewise(pieces, then.start)
        if then.value == _ONE and other.value == _ZERO:
            text = f"1({cond.text})"
        else:
            text = f"{_wrap(then.text, then.prec <= P_IF)} if {cond.text} else {other.text}"
        latex = r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"
        e = E(value, text, latex, P_IF, then.start)
        e.cases = rows
        e.pieces = pieces
        return e

    def parse_sum(self) -> E:
        first = self.parse_term()
        t = self.toks[self.i]
        if t.kind != "op" or (t.text != "+" and t.text != "-"):
            return first
        terms = [("+", self.need_expr(first))]
        while t.kind == "op" and (t.text == "+" or t.text == "-"):
            self.i += 1
            terms.append((t.text, self.need_expr(self.parse_term())))
            t = self.toks[self.i]
        self.count(len(terms) - 1)
        values = [e.value if op == "+" else -e.value for op, e in terms]
        value = self.build(first.start, "sum", sympy.Add, *values)
        if not self.strings:
            return E(value, "", "", P_ADD, first.start)
        text = _wrap(first.text, first.prec < P_ADD)
        latex = _lwrap(first.latex, first.prec < P_ADD)
        for op, e in terms[1:]:
            paren = e.prec <= P_ADD or e.text.startswith("-")
            text += f" {op} {_wrap(e.text, paren)}"
            latex += f" {op} {_lwrap(e.latex, paren)}"
        return E(value, text, latex, P_ADD, first.start)

    def parse_term(self) -> E:
        first = self.parse_unary()
        t = self.toks[self.i]
        if t.kind == "end" or (t.kind == "op" and t.text in _ENDS_TERM):  # most terms: one factor
            return first
        factors: list[tuple[str, E]] = [("*", first)]
        while True:
            if t.kind == "op" and t.text in ("*", "/"):
                self.i += 1
                factors.append((t.text, self.parse_unary()))
            elif self.starts_factor(t):
                factors.append(("", self.implicit_factor(t, factors[-1][1])))
            else:
                break
            t = self.toks[self.i]
        if len(factors) == 1:
            return first
        return self.product(factors)

    def implicit_factor(self, t: Token, prev: E) -> E:
        """The factor t starts, multiplied without a sign. A number may follow only a closing bracket or
        a name after a space ((3t+1)2, sin(u^3)3u^2, u 1(u > 0)); 2 3, x2 and x^2 3 stay refused."""
        before = self.toks[self.i - 1] if self.i > 0 else None
        if t.kind == "num" and not _number_may_follow(before, t):
            code = "two_numbers" if prev.number else "missing_operator"
            raise Fail(code, t.start, before=prev.text, tok=t.text)
        # x[...] and (...)[...] look like indexing; only an Iverson bracket may follow directly
        # ((x+1)[x > 0] is (x+1)*1(x > 0)).
        index_like = (
            t.kind == "op"
            and t.text == "["
            and not t.space_before
            and before is not None
            and (before.kind == "name" or (before.kind == "op" and before.text == ")"))
        )
        f = self.parse_power()
        if index_like and before is not None and not f.indicator:
            raise Fail("indexing", t.start, name=before.text)
        if f.kind == "cond" and not f.paren:
            raise Fail("condition_needs_one", f.start, text=_bare_text(f))
        return self.need_expr(f)

    def starts_factor(self, t: Token) -> bool:
        kind = t.kind
        if kind in ("num", "name", "frac", "sqrt", "ind"):
            return True
        if kind == "op":
            if t.text in ("(", "[", "{", "√"):
                return True
            if t.text == "|" and not self.key:
                return self.abs_depth == 0 or t.meaning == OPENING_BAR
        return False

    def product(self, factors: list[tuple[str, E]]) -> E:
        """One n-ary product (a*b/c 2x ...): the numbers are size-checked before sympy multiplies them."""
        values = []
        bits = 0
        factors = [(op, f if f.kind == "expr" else self.need_expr(f)) for op, f in factors]
        for op, f in factors:
            v = f.value
            if op == "/":
                if v.is_Number and v.is_zero:
                    raise Fail("division_by_zero", f.start)
                v = self.build(f.start, "division", sympy.Pow, v, -1)
            if v.is_Rational:
                bits += v.p.bit_length() + v.q.bit_length()
            values.append(v)
        if bits > self.limits.max_number_bits:
            raise Fail("number_too_large", factors[0][1].start)
        self.count(len(factors) - 1)
        first = factors[0][1]
        value = self.build(first.start, "product", sympy.Mul, *values)
        if not self.strings:
            return E(value, "", "", P_MUL, first.start)
        text = _wrap(first.text, first.prec < P_MUL)
        latex = _lwrap(first.latex, first.prec < P_MUL)
        for k, (op, f) in enumerate(factors[1:]):
            paren = f.prec <= P_MUL or f.text.startswith("-")
            if op == "/":
                text += "/" + _wrap(f.text, paren)
                numerator = _bare(first) if k == 0 else latex
                latex = r"\frac{" + numerator + "}{" + _bare(f) + "}"
            else:
                text += "*" + _wrap(f.text, paren)
                flatex = _lwrap(f.latex, paren and f.inner is None)
                sep = r" \cdot " if (flatex[:1].isdigit() or flatex[:1] in "-.") else " "
                latex += sep + flatex
        return E(value, text, latex, P_MUL, first.start)

    def parse_unary(self) -> E:
        t = self.toks[self.i]
        if t.kind == "op" and (t.text == "-" or t.text == "+"):
            self.i += 1
            self.enter(t.start)
            operand = self.need_expr(self.parse_unary())
            self.leave()
            if t.text == "+":
                return operand
            return self.negate(operand, t.start)
        return self.parse_power()

    def negate(self, operand: E, start: int) -> E:
        self.count()
        value = self.build(start, "negation", sympy.Mul, sympy.S.NegativeOne, operand.value)
        if not self.strings:
            return E(value, "", "", P_NEG, start)
        paren = operand.prec <= P_NEG
        return E(value, "-" + _wrap(operand.text, paren), "-" + _lwrap(operand.latex, paren), P_NEG, start)

    def parse_power(self) -> E:
        base = self.parse_primary()
        op = self.toks[self.i]
        if op.kind != "op" or (op.text != "^" and op.text != "**"):
            return base
        self.i += 1
        base = self.need_expr(base)
        nxt = self.peek()
        if self.latex and op.text == "^" and nxt.kind == "num" and len(nxt.text) > 1 and not nxt.space_before:
            raise Fail("latex_exponent_digits", nxt.start, digits=nxt.text)
        self.enter(op.start)
        exponent = self.need_expr(self.parse_unary())
        self.leave()
        return self.power(base, exponent, op.start)

    def power(self, base: E, exponent: E, pos: int) -> E:
        value = self.pow_value(base.value, exponent.value, exponent.start, exponent.text)
        self.count()
        if not self.strings:
            e = E(value, "", "", P_POW, base.start)
        else:
            text = _wrap(base.text, base.prec <= P_POW) + "^" + _wrap(exponent.text, exponent.prec < P_POW)
            latex = _lwrap(base.latex, base.prec <= P_POW and base.inner is None) + "^{" + _bare(exponent) + "}"
            e = E(value, text, latex, P_POW, base.start)
        e.indicator = base.indicator  # [x > 0]^2 is still an indicator's text, 1(x > 0)^2
        return e

    # ---- primaries
    def parse_primary(self) -> E:
        t = self.advance()
        kind = t.kind
        if kind == "num":
            if t.text == "1" and self.at_op("("):
                # 1(x > y) is an indicator; 1(x + 1) is a product: parse the group and look. A
                # product's group is kept for the implicit factor that follows (no parsing twice,
                # which nested 1(1(1(...))) would make exponential).
                saved_i, saved_nodes = self.i, self.nodes
                group = self.group(self.advance())
                if group.kind == "cond":
                    return self.indicator(group, t.start)
                self.lookahead[saved_i] = (group, self.i, self.nodes - saved_nodes)
                self.i, self.nodes = saved_i, saved_nodes
            if t.text == "1" and self.latex and self.at_op("_"):
                return self.latex_indicator(t)  # 1_{x > y}, as typed with a pasted 𝟙
            return self.number(t)
        if kind == "name":
            what, payload = t.meaning  # type: ignore[misc]
            if what == "func":
                return self.call(t, payload)  # type: ignore[arg-type]
            self.count()
            if what == "unit":
                if self.key:
                    raise Fail("unknown_name", t.start, name=t.text, variables="those of the key")
                self.units = True
                assert isinstance(payload, int)  # names.name_table: ("unit", 0|1|2)
                return E(UNITS[payload], t.text, r"\mathbf{" + t.text + "}", P_ATOM, t.start)
            if what == "const":
                latex = r"\pi" if payload is sympy.pi else "e"
                return E(payload, t.text, latex, P_ATOM, t.start)
            return E(symbol(str(payload)), t.text, variable_latex(str(payload)), P_ATOM, t.start)
        if kind == "kw":
            if t.text in ("True", "False"):
                self.count()
                value = sympy.true if t.text == "True" else sympy.false
                return E(value, t.text, r"\text{" + t.text + "}", P_ATOM, t.start, "cond")
            raise Fail("keyword_misplaced", t.start, name=t.text)
        if kind == "op":
            if t.text in ("(", "[", "{"):
                known = self.lookahead.pop(self.i - 1, None)
                if known is not None:
                    group, self.i, nodes = known
                    self.count(nodes)
                    return group
                return self.group(t)
            if t.text == "|":
                return self.abs_bars(t)
            if t.text == "√":
                self.enter(t.start)
                arg = self.need_expr(self.parse_primary())
                self.leave()
                return self.sqrt(arg, None, t.start)
            if t.text in ("<", "⟨"):
                raise Fail("vector_misplaced", t.start)
            if t.text == "&":
                raise Fail("unexpected_token", t.start, tok=t.text)
            self.i -= 1
            raise self.unexpected(t, "a number, a variable or '('")
        if kind == "frac":
            return self.frac(t)
        if kind == "sqrt":
            return self.latex_sqrt(t)
        if kind == "ind":
            return self.latex_indicator(t)
        raise self.unexpected(t)

    def number(self, t: Token) -> E:
        self.count()
        text = t.text
        if text.isdecimal() and len(text) <= self.limits.max_digits:  # a whole number: most literals
            value = _INTEGERS.get(text)
            if value is None:
                value = sympy.Integer(int(text))
                if len(_INTEGERS) < MAX_KEPT_INTEGERS:
                    _INTEGERS[text] = value
            e = E(value, text, text, P_ATOM, t.start)
            e.number = True
            return e
        mantissa, _, exp_text = text.lower().partition("e")
        int_part, _, frac_part = mantissa.partition(".")
        digits = (int_part + frac_part).lstrip("0")
        if len(int_part) + len(frac_part) > self.limits.max_digits:
            raise Fail(
                "too_many_digits",
                t.start,
                text=text[:20] + ("..." if len(text) > 20 else ""),
                limit=self.limits.max_digits,
            )
        if not frac_part and "." not in mantissa and not exp_text:
            e = E(sympy.Integer(int(int_part)), text, text, P_ATOM, t.start)
            e.number = True
            return e
        exponent = int(exp_text) if exp_text else 0
        if abs(exponent) > self.limits.max_exponent:
            raise Fail("exponent_too_large", t.start, text=text, limit=self.limits.max_exponent)
        p = int(int_part + frac_part or "0")
        shift = len(frac_part) - exponent
        exact = sympy.Rational(p, 10**shift) if shift >= 0 else sympy.Integer(p * 10**-shift)
        value = sympy.Float(exact, max(15, len(digits)))
        latex = text if not exp_text else rf"{mantissa} \cdot 10^{{{exponent}}}"
        e = E(value, text, latex, P_ATOM, t.start)
        e.number = True
        return e

    def group(self, opener: Token) -> E:
        self.enter(opener.start)
        close = _CLOSE[opener.text]
        if self.at_op(close):
            raise Fail("empty_group", opener.start, tok=opener.text + close)
        items = [self.parse_or()]
        while self.at_op(","):
            self.advance()
            items.append(self.parse_or())
        self.expect_close(opener)
        self.leave()
        if len(items) > 1:
            return self.make_tuple(
                items, "[" if opener.text == "[" else "(", "]" if opener.text == "[" else ")", opener.start
            )
        e = items[0]
        if e.kind == "cond":
            if opener.text == "[":
                return self.indicator(e, opener.start)
            if opener.text == "{" and self.latex:
                return e
            self.count()
            out = E(e.value, *self.parenthesized(e), P_ATOM, opener.start, "cond", inner=e)
            out.paren = True
            return out
        if e.kind == "tuple" or (opener.text == "{" and self.latex):
            return e  # LaTeX braces group invisibly
        self.count()
        return E(e.value, *self.parenthesized(e), P_ATOM, opener.start, inner=e)

    def parenthesized(self, e: E) -> tuple[str, str]:
        """Text and LaTeX of (e), kept as the student typed them."""
        if not self.strings:
            return "", ""
        return f"({e.text})", rf"\left({e.latex}\right)"

    def indicator(self, cond: E, start: int) -> E:
        self.count()
        value = self.make_piecewise([(_ONE, cond.value), (_ZERO, sympy.true)], start)
        if not self.strings:
            e = E(value, "", "", P_ATOM, start)
        else:
            e = E(value, f"1({_bare_text(cond)})", r"\mathbf{1}\left(" + _bare(cond) + r"\right)", P_ATOM, start)
        e.indicator = True
        return e

    def abs_bars(self, opener: Token) -> E:
        self.enter(opener.start)
        self.abs_depth += 1
        inner = self.need_expr(self.parse_ifelse())
        if not self.at_op("|"):
            t = self.peek()
            if t.kind == "end":
                raise Fail("unbalanced_open", opener.start, tok="|", close="|")
            raise self.unexpected(t, "'|' or an operator")
        self.advance()
        self.abs_depth -= 1
        self.leave()
        self.count()
        value = self.build(opener.start, "abs", sympy.Abs, inner.value)
        return E(value, f"abs({inner.text})", rf"\left|{inner.latex}\right|", P_ATOM, opener.start)

    def sqrt(self, arg: E, index: E | None, start: int) -> E:
        self.count()
        if index is None:
            value = self.build(start, "sqrt", sympy.sqrt, arg.value)
            self.real_number(value, start, f"sqrt({arg.text})")
            return E(value, f"sqrt({_bare_text(arg)})", r"\sqrt{" + _bare(arg) + "}", P_ATOM, start)
        inv = self.pow_value(index.value, sympy.Integer(-1), index.start, index.text)
        value = self.pow_value(arg.value, inv, start, f"1/{index.text}")
        text = f"{_wrap(arg.text, arg.prec <= P_POW)}^(1/{_wrap(index.text, index.prec <= P_MUL)})"
        return E(value, text, r"\sqrt[" + _bare(index) + "]{" + _bare(arg) + "}", P_POW, start)

    def call(self, name: Token, spec: FuncSpec) -> E:
        self.enter(name.start)
        fname = name.text
        power: int | None = None
        base: E | None = None
        if self.at_op("^", "**"):
            if spec.name == "exp":
                raise Fail("exp_power", name.start)
            power = self.function_power(name)
        if fname == "log" and self.latex and self.at_op("_"):
            self.advance()
            base = self.latex_arg(name)
        t = self.peek()
        if t.kind == "op" and (t.text == "(" or (t.text == "{" and self.latex)):
            args = self.call_args(self.advance())
        elif t.kind == "op" and t.text == "|" and not self.key:
            args = [self.abs_bars(self.advance())]
        elif not self.key and spec.min_args <= 1 and spec.name != "Piecewise" and self.starts_bare_arg(t):
            args = [self.bare_arg()]
        elif power is not None:
            raise Fail("func_power_needs_parens", t.start, name=fname, exp=power)
        else:
            raise Fail("needs_parens", name.start, name=fname)
        if base is not None:
            args.append(base)
        self.leave()
        if spec.name == "Piecewise":
            return self.piecewise(name, args)
        if spec.name in ("Eq", "Ne"):
            return self.relation_call(name, spec, args)
        if spec.name == "log" and len(args) == 2:
            b = args[1].value
            if b.is_number and (ask(lambda: b.is_extended_positive) is False or b == _ONE):
                raise Fail("undefined", args[1].start, text=f"log to base {args[1].text}")
        n = len(args)
        if n < spec.min_args or n > spec.max_args:
            raise Fail("arity", name.start, name=fname, expected=_arity_text(spec), count=n)
        if n > self.limits.max_args:
            raise Fail("too_many_args", name.start, name=fname, count=n, limit=self.limits.max_args)
        args = [self.need_expr(a) for a in args]
        self.count()
        values = [a.value for a in args]
        text = f"{fname}({', '.join(a.text for a in args)})"
        try:
            if spec.name in ("max", "min", "relu") and not all(v.is_Number for v in values):
                # sympy's evaluated Max compares every pair of arguments through the assumptions
                # system (1.5 ms for max(w*x + b, 0), seconds with piecewise arguments); the checker
                # compares numerically, so a symbolic max is kept as typed (arguments still sorted).
                cls = sympy.Min if spec.name == "min" else sympy.Max
                built = cls(*values, *([_ZERO] if spec.name == "relu" else []), evaluate=False)
            else:
                built = spec.build(*values)
        except (ValueError, TypeError, ArithmeticError):  # e.g. max of a non-real number
            raise Fail("undefined", name.start, text=text) from None
        value = self.checked(built, name.start, text)
        self.real_number(value, name.start, text)
        latex = self.call_latex(spec, args, power) if self.strings else ""
        prec = P_ATOM
        if power is not None:
            value = self.pow_value(value, sympy.Integer(power), name.start, str(power))
            text += f"^{power}"
            prec = P_POW
        return E(value, text, latex, prec, name.start)

    def call_latex(self, spec: FuncSpec, args: list[E], power: int | None) -> str:
        if spec.name == "sqrt":
            inner = r"\sqrt{" + _bare(args[0]) + "}"
        elif spec.name == "abs":
            inner = r"\left|" + _bare(args[0]) + r"\right|"
        else:
            head = spec.latex
            if spec.name == "log" and len(args) == 2:
                head = r"\log_{" + _bare(args[1]) + "}"
                args = args[:1]
            if power is not None and spec.trig_power:
                return head + "^{" + str(power) + r"}\left(" + ", ".join(_bare(a) for a in args) + r"\right)"
            inner = head + r"\left(" + ", ".join(_bare(a) for a in args) + r"\right)"
        if power is not None:
            return r"\left(" + inner + r"\right)^{" + str(power) + "}"
        return inner

    def function_power(self, name: Token) -> int:
        """The 2 of sin^2(x): a positive whole number, possibly in braces or parentheses."""
        self.advance()
        t = self.peek()
        if t.kind == "op" and t.text == "-":
            raise Fail("inverse_power", t.start, name=name.text)
        closer = None
        if t.kind == "op" and t.text in ("{", "("):
            closer = _CLOSE[t.text]
            self.advance()
            t = self.peek()
            if t.kind == "op" and t.text == "-":
                raise Fail("inverse_power", t.start, name=name.text)
        if t.kind != "num" or not t.text.isdigit():
            raise Fail("func_power_exponent", t.start)
        self.advance()
        if closer is not None:
            if not self.at_op(closer):
                raise Fail("func_power_exponent", t.start)
            self.advance()
        power = int(t.text)
        if power > self.limits.max_exponent:
            raise Fail("exponent_too_large", t.start, text=t.text, limit=self.limits.max_exponent)
        if power == 0:
            raise Fail("func_power_exponent", t.start)
        return power

    def call_args(self, opener: Token) -> list[E]:
        close = _CLOSE[opener.text]
        if self.at_op(close):
            raise Fail("empty_group", opener.start, tok=opener.text + close)
        self.enter(opener.start)
        args = [self.parse_or()]
        while self.at_op(","):
            self.advance()
            args.append(self.parse_or())
            if len(args) > self.limits.max_args:
                raise Fail("too_many_args", opener.start, name="this call", count=len(args), limit=self.limits.max_args)
        self.expect_close(opener)
        self.leave()
        return args

    def piecewise(self, name: Token, args: list[E]) -> E:
        if len(args) > self.limits.max_args:
            raise Fail("too_many_args", name.start, name=name.text, count=len(args), limit=self.limits.max_args)
        pieces = []
        for a in args:
            if (
                a.kind != "tuple"
                or not a.items
                or len(a.items) != 2
                or a.items[0].kind != "expr"
                or a.items[1].kind != "cond"
            ):
                raise Fail("piecewise_arg", a.start)
            pieces.append((a.items[0], a.items[1]))
        self.count()
        value = self.checked(
            self.make_piecewise([(v.value, c.value) for v, c in pieces], name.start), name.start, "Piecewise"
        )
        text = f"{name.text}(" + ", ".join(f"({v.text}, {c.text})" for v, c in pieces) + ")"
        rows = [
            v.latex + " & " + (r"\text{otherwise}" if c.value is sympy.true else r"\text{if } " + c.latex)
            for v, c in pieces
        ]
        latex = r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"
        return E(value, text, latex, P_ATOM, name.start)

    def plain_operands(self, operands: Sequence[E]) -> None:
        """No indicator or Piecewise inside a comparison: sympy rewrites such conditions by solving
        inequalities (seconds per answer), and no derivative needs them."""
        for e in operands:
            if not e.value.is_Atom and e.value.has(sympy.Piecewise):  # most operands are a name or a number
                raise Fail("indicator_in_condition", e.start, text=e.text)

    def relation_call(self, name: Token, spec: FuncSpec, args: list[E]) -> E:
        """Eq(a, b) and Ne(a, b) as sympy prints them inside Piecewise conditions (keys only)."""
        if len(args) != 2:
            raise Fail("arity", name.start, name=name.text, expected="2 arguments", count=len(args))
        a, b = (self.need_expr(arg) for arg in args)
        self.plain_operands((a, b))
        self.count()
        text = f"{name.text}({a.text}, {b.text})"
        value = self.relation(spec.build, a, b)
        return E(value, text, f"{a.latex} {spec.latex} {b.latex}", P_REL, name.start, "cond")

    # ---- LaTeX constructs
    def starts_bare_arg(self, t: Token) -> bool:
        """Whether t can begin the argument of a function written without parentheses (sin t)."""
        if t.kind == "name":  # ln sin x = ln(sin(x)): a function may start it
            return t.meaning is not None and t.meaning[0] != "unit"
        if t.kind == "op":
            return t.text in ("{", "√") or (self.latex and t.text == "[")  # \sin \left[x\right]
        return t.kind in ("num", "frac", "sqrt")

    def bare_arg(self) -> E:
        """The argument of sin t, ln y, tan 3u, \\sin 2x (plain and LaTeX alike, as LaTeX always read it):
        one factor (a number, name, bracket, root or another function's call, with its power), then the
        names multiplied onto it, up to anything else: a function name, an operator, a number or a bracket.
        sin t cos t = sin(t)*cos(t), ln y + 1 = ln(y) + 1, tan 3u = tan(3*u), sin x y = sin(x*y),
        cos t (t+1) = cos(t)*(t+1), ln sin x = ln(sin(x))."""
        first = self.need_expr(self.parse_power())
        factors: list[tuple[str, E]] = [("*", first)]
        while True:
            t = self.peek()
            if not (t.kind == "name" and t.meaning is not None and t.meaning[0] not in ("func", "unit")):
                break
            factors.append(("", self.implicit_factor(t, factors[-1][1])))
        return first if len(factors) == 1 else self.product(factors)

    def latex_arg(self, cmd: Token) -> E:
        """One argument of \\frac or \\sqrt: a braced group, a single digit or a single name."""
        t = self.peek()
        if t.kind == "op" and t.text == "{":
            return self.need_expr(self.group(self.advance()))
        if t.kind == "num":
            if len(t.text) > 1 and t.text[0].isdigit():  # \frac12: one digit per argument
                head = Token("num", t.text[0], t.start, t.start + 1, t.space_before)
                t.text = t.text[1:]
                t.start += 1
                t.space_before = False
                return self.number(head)
            return self.number(self.advance())
        if t.kind == "name" and t.meaning and t.meaning[0] != "func":
            return self.parse_primary()
        raise Fail("latex_arg", t.start, name="\\" + cmd.text, what="an argument in braces {...}")

    def frac(self, t: Token) -> E:
        self.enter(t.start)
        num = self.latex_arg(t)
        den = self.latex_arg(t)
        self.leave()
        e = self.product([("*", num), ("/", den)])
        e.latex = r"\frac{" + _bare(num) + "}{" + _bare(den) + "}"
        return e

    def latex_sqrt(self, t: Token) -> E:
        self.enter(t.start)
        index = None
        if self.at_op("["):
            opener = self.advance()
            index = self.need_expr(self.parse_sum())
            self.expect_close(opener)
        arg = self.need_expr(self.latex_arg(t))
        self.leave()
        return self.sqrt(arg, index, t.start)

    def latex_indicator(self, t: Token) -> E:
        self.enter(t.start)
        if self.at_op("_"):
            self.advance()
        nxt = self.peek()
        if not (nxt.kind == "op" and nxt.text in ("{", "(", "[")):
            raise Fail("latex_arg", nxt.start, name="\\mathbb{1}", what="a condition, as \\mathbb{1}_{x > y}")
        opener = self.advance()
        items = [self.parse_or()]
        self.expect_close(opener)
        cond = items[0]
        self.leave()
        if cond.kind != "cond" and t.text == "I":
            raise Fail("I_needs_condition", t.start)
        return self.indicator(self.need_cond(cond), t.start)


def _arity_text(spec: FuncSpec) -> str:
    if spec.min_args == spec.max_args:
        return "1 argument" if spec.min_args == 1 else f"{spec.min_args} arguments"
    if spec.max_args >= 10**9:
        return f"at least {spec.min_args} arguments"
    return f"{spec.min_args} to {spec.max_args} arguments"
