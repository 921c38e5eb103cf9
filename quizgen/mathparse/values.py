"""Building sympy values from parsed pieces without letting sympy do unbounded work.

Every sympy construction of the parser goes through SafeValues: sizes are checked before sympy computes
(9^9^9, x^(10^10), huge exact products), undefined results become messages (1/0, log(0), sqrt(-1)), and
the constructions whose automatic evaluation can run for seconds or minutes (comparisons of number
expressions, Piecewise conditions) are built unevaluated, in sympy's canonical form.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from quizgen.mathparse.limits import Limits
from quizgen.mathparse.messages import Fail

_BAD = (sympy.S.NaN, sympy.S.ComplexInfinity, sympy.S.Infinity, sympy.S.NegativeInfinity)
_BAD_IDS = frozenset(id(bad) for bad in _BAD)
"""sympy's singletons live as long as sympy: their ids identify them (one set look-up per value built)."""


def ask(query: Callable[[], bool | None]) -> bool | None:
    """A sympy assumption query on a number expression, None when sympy cannot evaluate it (its evalf
    overflows on towers such as exp(exp(exp(exp(10)))))."""
    try:
        return query()
    except (TypeError, ValueError, ArithmeticError, NotImplementedError):
        return None


class SafeValues:
    """The guarded sympy constructors (a base of the parser, which supplies limits)."""

    limits: Limits

    def build(self, pos: int, what: str, fn: object, *args: object, **kwargs: object) -> sympy.Basic:
        """fn(*args) from sympy, checked; sympy's own refusals (non-real comparisons...) become messages."""
        try:
            value = fn(*args, **kwargs)  # type: ignore[operator]
        except (TypeError, ValueError, ArithmeticError, NotImplementedError):
            raise Fail("undefined", pos, text=what) from None
        return self.checked(value, pos, what)

    def compare(
        self, fn: Callable[..., sympy.Basic], a: sympy.Basic, b: sympy.Basic, pos: int, text: str, left: str
    ) -> sympy.Basic:
        """a < b etc. Two numbers are compared at once. Any other comparison stays as typed (in sympy's
        canonical order): sympy's comparison of number expressions can expand real and imaginary parts
        exponentially, so a condition without a variable ([pi > 3]) is refused, and the checker
        evaluates the others itself."""
        if a.is_Number and b.is_Number:
            return self.build(pos, text, fn, a, b)
        if not (a.free_symbols or b.free_symbols):
            raise Fail("constant_condition", pos, text=left)
        difference = self.build(pos, text, sympy.Add, a, -b)
        if difference.is_Number:
            # [x + 1 < x] is decided here, as sympy decides it: left unevaluated, sympy itself may fold it
            # halfway while it builds sqrt(sqrt(2*[x < x])) and trip its own Mul.flatten (an AssertionError)
            return self.build(pos, text, fn, difference, sympy.S.Zero)
        rel = self.build(pos, text, fn, a, b, evaluate=False)
        return rel.canonical  # y > x is written x < y, as sympy does

    def checked(self, value: sympy.Basic, pos: int, what: str) -> sympy.Basic:
        """Reject undefined results (1/0, log(0)) and exact numbers too large to keep."""
        if id(value) in _BAD_IDS:  # sympy's singletons: identity, not four sympy comparisons
            raise Fail("undefined", pos, text=what)
        num = value
        if value.is_Add or value.is_Mul:
            num = value.args[0]
        if num.is_Rational and not num.is_Integer:
            bits = num.p.bit_length() + num.q.bit_length()
        elif num.is_Integer:
            bits = num.p.bit_length()
        else:
            return value
        if bits > self.limits.max_number_bits:
            raise Fail("number_too_large", pos)
        return value

    def real_number(self, value: sympy.Basic, pos: int, what: str) -> None:
        if value.is_number and ask(lambda: value.is_extended_real) is False:
            raise Fail("not_real", pos, text=what)

    def pow_value(self, b: sympy.Expr, x: sympy.Expr, pos: int, what: str) -> sympy.Expr:
        """b**x, refusing exponents and exact results too large to compute (9^9^9, x^(10^10))."""
        limits = self.limits
        if x.is_Number:
            if x.is_Float:
                big = abs(x) > limits.max_exponent
            else:
                big = abs(x.p) > limits.max_exponent * x.q
            if big:
                raise Fail("exponent_too_large", pos, text=what, limit=limits.max_exponent)
            if b.is_Number and b.is_zero and x.is_negative:
                raise Fail("division_by_zero", pos)
            if b.is_Rational:
                size = max(b.p.bit_length(), b.q.bit_length())
                if size * abs(float(x)) > limits.max_number_bits:
                    raise Fail("number_too_large", pos)
            if not x.is_Integer and b.is_number and ask(lambda: b.is_extended_negative):
                raise Fail("not_real", pos, text="a fractional power of a negative number")
        elif b.is_Number and b.is_zero and x.is_number and ask(lambda: x.is_negative):
            raise Fail("division_by_zero", pos)
        return self.build(pos, "power", sympy.Pow, b, x)

    def make_piecewise(self, pieces: list[tuple[sympy.Basic, sympy.Basic]], pos: int) -> sympy.Basic:
        """A Piecewise without sympy's evaluation, which can rewrite and compare conditions for seconds
        (minutes on nested numeric conditions); only the cheap normalizations are done here."""
        kept = []
        for value, cond in pieces:
            if cond is sympy.false:
                continue
            if isinstance(cond, sympy.core.relational.Relational):
                cond = cond.canonical  # as sympy's own Piecewise writes it (y > x becomes x < y)
            kept.append((value, cond))
            if cond is sympy.true:
                break
        if not kept:
            raise Fail("undefined", pos, text="no case of the Piecewise applies")
        if kept[0][1] is sympy.true:
            return kept[0][0]
        return self.build(pos, "Piecewise", sympy.Piecewise, *kept, evaluate=False)
