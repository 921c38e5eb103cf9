"""The one allowance for typed decimals: a rounded value where the key has an exact non-terminating one.

A typed decimal is the exact rational it spells (0.333 is 333/1000), and equivalence.py compares it as
such. Only when that comparison fails does this module ask: is the answer the key with some of its exact
non-terminating constants written as rounded decimals? Concretely, for the decimals L1..Lk typed (k <= 4):
1. solve for the exact values c1..ck that make the answer equal the key at k sample points (Newton, 60
   digits), and check that with those values the answer equals the key at every sample point: the same
   constant everywhere, so no decimal inside a term that vanishes (exp(1.0*u) - exp(u)) can pass;
2. each ci that differs from Li must be a non-terminating number (1/3, ln 2, 12e^3: a terminating value
   must be typed exactly) related by a small rational factor to a constant of the key (1/3 for 2/3), and
   Li must be ci correctly rounded to the digits typed, with at least about 3 significant digits: |ci - Li|
   <= half a unit in the last digit of Li, and <= 0.2% of Li;
3. the whole answer as typed must be within twice that rounding of the key, relative to the value of the
   whole answer at every sample point (near a zero of the key, 0.333x + 0.5 at x = -3/2, relative to the
   key's median size over the points): never propagated through sub-expressions, so a decimal multiplied
   by 10^6 earns nothing.
The verdict then says which decimal was read as what ("0.333 read as 1/3 to the digits given"). A decimal
that passes 1 but is too short (0.33 for 1/3) or wrongly rounded (0.142 for 1/7) is named in the message.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sympy

from quizgen.checker.equivalence import Compiled, generic_points
from quizgen.checker.evaluate import (
    UNDEF,
    Unsupported,
    compile_expr,
    mp_backend,
    mp_context,
    run_float,
    run_mp,
)

MAX_LITERALS = 4
DECIMAL_REL_MAX = 2e-3
"""A rounded decimal may be off by at most 0.2% of its value: about 3 significant digits at least."""
NEAR_MISS_REL = 0.05
"""Within 5% but beyond the allowance: the message says the decimal has too few digits."""
SOLVE_DPS = 60
VERIFY_REL = 1e-30
EXTRA_POINTS = 24
"""Generic points added for the whole-answer bound (floats; this path runs only for rounded decimals)."""
MAX_KEY_CONSTANTS = 32
BOUND_FACTOR = 2.0
"""The whole answer may be off by twice its decimals' relative rounding: headroom for one cancellation
between terms (0.333x + 0.5 at x = -2.3, where the 0.333x term is three times the whole value)."""
MAX_FACTOR = 1000


DECIMAL_IN_TEXT = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+)([eE][-+]?\d+)?(?![\w.])")
"""A decimal literal in the parser's interpretation text (plain syntax, whatever was typed)."""


def exact_text(text: str) -> str | None:
    """The interpretation text with every decimal written as the exact fraction it spells ("5.0" ->
    "(5/1)", "0.333" -> "(333/1000)"), or None when it has no decimal.

    Why: sympy folds numbers into a decimal while the answer is built, at the decimal's precision, so
    `x^2 + 10^20 + 5.0 - 10^20` reaches the checker as x^2 (the 5 is lost in a 15-digit decimal). Read
    again with fractions, the same answer is x^2 + 5, exactly."""
    if DECIMAL_IN_TEXT.search(text) is None:
        return None

    def fraction(m: re.Match[str]) -> str:
        q = Fraction(m.group(0))
        return f"({q.numerator}/{q.denominator})"

    return DECIMAL_IN_TEXT.sub(fraction, text)


@dataclass(frozen=True)
class DecimalReading:
    """accepted: the answer is the key with these decimals rounded; message: what to tell the student
    (which decimal was read as what, or which decimal is too short), "" when nothing applies."""

    accepted: bool
    message: str


def literals(expr: sympy.Basic) -> list[sympy.Float]:
    return sorted(expr.atoms(sympy.Float), key=lambda f: float(f))


def typed_text(f: sympy.Float) -> str:
    """The decimal as typed, without the padding zeros of sympy's precision (0.333000000000000 -> 0.333)."""
    return format(Decimal(str(f)).normalize(), "f")


def half_ulp(f: sympy.Float) -> Fraction:
    d = Decimal(str(f)).normalize()
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    return Fraction(5) * Fraction(10) ** (exponent - 1)


def allowance(f: sympy.Float) -> Fraction:
    value = abs(Fraction(str(f)))
    return min(half_ulp(f), Fraction(DECIMAL_REL_MAX).limit_denominator(10**6) * value)


def key_constants(key: sympy.Basic) -> list[sympy.Basic]:
    """Numeric sub-expressions of the key whose value does not terminate (1/3, log(2), 12*exp(3))."""
    found: list[sympy.Basic] = []
    for node in sympy.preorder_traversal(key):
        if len(found) >= MAX_KEY_CONSTANTS:
            break
        if not isinstance(node, sympy.Expr) or node.free_symbols or not node.is_number:
            continue
        node = _evaluated(node)
        if isinstance(node, sympy.Rational):
            if _terminating(Fraction(int(node.p), int(node.q))):
                continue
        elif isinstance(node, sympy.Float):
            continue
        if not any(node == g for g in found):
            found.append(node)
    return found


def _evaluated(node: sympy.Expr) -> sympy.Expr:
    """A key's constant as sympy evaluates it: keys are read unevaluated, so Max(4, pi) is still a Max there
    although it is 4, and a terminating value must never pass for a rounded non-terminating one."""
    try:
        return node.doit()
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        return node


def _terminating(q: Fraction) -> bool:
    d = q.denominator
    for prime in (2, 5):
        while d % prime == 0:
            d //= prime
    return d == 1


def read_rounded(
    key: Compiled,
    ans: Compiled,
    points: Sequence[tuple[float, ...]],
    rng: random.Random,
    check_time: Callable[[], None],
    exact_ans: Compiled | None = None,
) -> DecimalReading:
    """Is the answer the key with some of its non-terminating constants typed as rounded decimals?

    ans is the answer as parsed (decimals as sympy Floats, where the decimals are found); exact_ans the
    same answer read with every decimal as an exact fraction (exact_text). The whole-answer bound is
    taken on exact_ans, and no allowance is given when the two differ (sympy folded something into a
    decimal, so its Floats are not what was typed)."""
    exact_ans = exact_ans or ans
    lits = literals(ans.expr)
    if not lits or len(lits) > MAX_LITERALS:
        return DecimalReading(False, "")
    consts = key_constants(key.expr)
    if not consts:
        return DecimalReading(False, "")
    n = len(key.names)
    ctx = mp_context(SOLVE_DPS)
    names = dict(key.names)
    params = {f: n + j for j, f in enumerate(lits)}
    try:
        ans_mp = compile_expr(ans.expr, names, mp_backend(SOLVE_DPS).with_params(params))
        key_mp = key.mp_at(SOLVE_DPS)
        const_vals = [ctx.mpf(str(sympy.N(c, SOLVE_DPS + 10))) for c in consts]
    except (Unsupported, ValueError, TypeError):
        return DecimalReading(False, "")
    usable = [p for p in points if run_float(key.fn, p) is not UNDEF and run_float(ans.fn, p) is not UNDEF]
    if n and len(usable) < len(lits):
        return DecimalReading(False, "")
    check_time()
    solve_at = usable[: len(lits)] if n else [()] * len(lits)
    solved = _solve(ctx, ans_mp, key_mp, solve_at, [ctx.mpf(str(f)) for f in lits])
    if solved is None:
        return DecimalReading(False, "")
    check_time()
    # 0. the decimals in the tree are the ones typed: read exactly, the tree is the exact reading
    if exact_ans is not ans:
        exact_mp = exact_ans.mp_at(SOLVE_DPS)
        plain = ans.mp_at(SOLVE_DPS)
        for p in usable or [()]:
            mp_p = tuple(ctx.mpf(v) for v in p)
            a1, a2 = run_mp(plain, mp_p, ctx), run_mp(exact_mp, mp_p, ctx)
            if a1 is UNDEF or a2 is UNDEF or abs(a1 - a2) > ctx.mpf(10) ** -45 * max(abs(a1), abs(a2), ctx.mpf(1)):
                return DecimalReading(False, "")
    # 1. the same constants make the answer the key everywhere
    for p in usable or [()]:
        mp_p = tuple(ctx.mpf(v) for v in p)
        k = run_mp(key_mp, mp_p, ctx)
        a = run_mp(ans_mp, (*mp_p, *solved), ctx)
        if k is UNDEF or a is UNDEF:
            continue
        if abs(a - k) > VERIFY_REL * max(abs(a), abs(k), ctx.mpf(1)):
            return DecimalReading(False, "")
    # 2. each moved decimal stands for a non-terminating constant of the key, rounded to its digits
    read: list[str] = []
    rel_total = 0.0
    for f, c in zip(lits, solved):
        typed = ctx.mpf(str(f))
        if abs(c - typed) <= abs(typed) * ctx.mpf(10) ** -40:
            continue  # this decimal is exact as typed
        name = _name(ctx, c, consts, const_vals)
        if name is None:
            return DecimalReading(False, "")
        miss = abs(c - typed)
        allowed = allowance(f)
        if miss > ctx.mpf(allowed.numerator) / allowed.denominator:
            half = half_ulp(f)
            if miss <= ctx.mpf(half.numerator) / half.denominator or miss <= NEAR_MISS_REL * abs(c):
                short = miss <= ctx.mpf(half.numerator) / half.denominator
                what = "has too few digits" if short else "is not the value rounded to the digits given"
                return DecimalReading(
                    False,
                    f"The decimal {typed_text(f)} {what} (it should stand for "
                    f"{name}): give at least 3 significant digits, correctly rounded, "
                    f"or the exact value.",
                )
            return DecimalReading(False, "")
        rel_total += float(allowed / abs(Fraction(str(f))))
        read.append(f"{typed_text(f)} read as {name}")
    if not read:
        return DecimalReading(False, "")
    # 3. the whole answer as typed is within that rounding of the key, relative to its own value
    more = usable + (generic_points(key, rng, check_time, EXTRA_POINTS, 4 * EXTRA_POINTS) if n else [])
    pairs = []
    for p in more:
        kv, av = run_float(key.fn, p), run_float(exact_ans.fn, p)
        if isinstance(kv, float) and isinstance(av, float):
            pairs.append((kv, av))
    if not pairs:
        return DecimalReading(False, "")
    typical = sorted(abs(kv) for kv, _ in pairs)[len(pairs) // 2]
    for kv, av in pairs:
        # near a zero of the key (0.333x + 0.5 at x = -3/2): its median size; never its largest, which an
        # exponential key makes huge
        size = max(abs(kv), abs(av), typical)
        if abs(av - kv) > BOUND_FACTOR * rel_total * size:
            return DecimalReading(False, "")
    return DecimalReading(True, "Accepted: " + "; ".join(read) + " to the digits given.")


def _solve(ctx: Any, ans_mp: Any, key_mp: Any, at: Sequence[tuple[float, ...]], start: list[Any]) -> list[Any] | None:
    pts = [tuple(ctx.mpf(v) for v in p) for p in at]
    kvals = [run_mp(key_mp, p, ctx) for p in pts]
    if any(k is UNDEF for k in kvals):
        return None

    def residual(*cs: Any) -> Any:
        out = []
        for p, k in zip(pts, kvals):
            a = run_mp(ans_mp, (*p, *cs), ctx)
            if a is UNDEF:
                raise ValueError("not real")
            out.append(a - k)
        return out[0] if len(out) == 1 else out

    try:
        root = ctx.findroot(residual, start[0] if len(start) == 1 else start, tol=ctx.mpf(10) ** -(SOLVE_DPS - 10))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    values = [root] if len(start) == 1 else [root[i] for i in range(len(start))]
    if any(not ctx.isfinite(v) for v in values):
        return None
    return values


def _name(ctx: Any, c: Any, consts: list[sympy.Basic], values: list[Any]) -> str | None:
    """c as a small rational multiple of a key constant ("1/3", "log(2)", "12*exp(3)"), or None; a
    terminating c gets None (it must be typed exactly)."""
    for const, v in zip(consts, values):
        if v == 0:
            continue
        r = c / v
        q = Fraction(str(ctx.nstr(r, 40))).limit_denominator(MAX_FACTOR)
        if abs(q.numerator) > MAX_FACTOR or q == 0:
            continue
        if abs(r - ctx.mpf(q.numerator) / q.denominator) > abs(r) * ctx.mpf(10) ** -30:
            continue
        exact = _evaluated(sympy.Rational(q.numerator, q.denominator) * const)
        if isinstance(exact, sympy.Rational) and _terminating(Fraction(int(exact.p), int(exact.q))):
            return None
        return str(exact)
    return None


def within_key_rounding(key: Compiled, ans: Compiled, points: Sequence[tuple[float, ...]]) -> bool:
    """A key with decimals (a teacher's 0.479425538604203 for sin(1/2)) stands for the values it rounds:
    the answer may differ by the key's own relative rounding (half a unit in the last digit printed, at
    most 0.2%; a key's 0.5 is printed 0.500000000000000, so about 1e-15), relative to the whole value (near a zero of the key, to its largest value at the points).
    Keys are trusted: no answer can choose this allowance."""
    lits = literals(key.expr)
    if not lits:
        return False
    rel = 0.0
    for f in lits:  # the digits as printed (0.500000000000000: 15 of them), not normalized
        value = abs(Fraction(str(f)))
        exponent = Decimal(str(f)).as_tuple().exponent
        assert isinstance(exponent, int)
        half = Fraction(5) * Fraction(10) ** (exponent - 1)
        rel = max(rel, DECIMAL_REL_MAX if value == 0 else min(float(half / value), DECIMAL_REL_MAX))
    pairs = []
    for p in points:
        kv, av = run_float(key.fn, p), run_float(ans.fn, p)
        if isinstance(kv, float) and isinstance(av, float):
            pairs.append((kv, av))
    if not pairs:
        return False
    largest = max(abs(kv) for kv, _ in pairs)
    return all(abs(av - kv) <= rel * max(abs(kv), abs(av), largest) * 1.001 for kv, av in pairs)
