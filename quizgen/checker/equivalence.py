"""Is the answer the key? Decided numerically on the real domain, exactly where exact is possible.

1. Floats screen both sides at the sample points (sampling.py: generic points, both sides of every
   breakpoint, the middle of every gap between breakpoints; cells.py: a point in every cell between
   two or more breakpoints, from the corners where they meet). A point where floats say "different" is
   re-evaluated with 60-digit mpmath before it counts, so cancellation or overflow never rejects a right
   answer. Points where either side is not real are outside the domain and are not compared.
2. "Equal" is then confirmed at one point of every cell (the region between breakpoints the point lies
   in; inside a cell both sides are single formulas):
   - exactly, with Python ints and Fractions, when both sides are rational there (polynomials, rational
     functions, integer powers, indicators, max/min/abs: the points are floats, i.e. exact binary
     rationals); a nonzero rational function is nonzero at a random point, so this is exact comparison;
   - otherwise with mpmath at a precision set by the constants typed (60 digits plus the digits of every
     number, so 10^-50 or 10^-300 differences are seen), and again at twice that precision when the
     difference is not clearly roundoff: a difference that stays is real, one that shrinks is roundoff.
3. Typed decimals are the exact rationals they spell (0.333 is 333/1000); the only allowance for rounding
   is decided afterwards, on the whole answer, by decimals.py.
4. What numbers cannot decide is "undecided"; the caller then asks the symbolic path in a killable worker.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import sympy

from quizgen.checker.cells import Breakpoint, Corners, affine_pieces, corner_points, find_corners
from quizgen.checker.evaluate import (
    EXACT,
    FLOAT,
    MP,
    MPX,
    OVERFLOW,
    UNDEF,
    Fn,
    Unsupported,
    compile_expr,
    mp_backend,
    mp_context,
    run_exact,
    run_float,
    run_mp,
)
from quizgen.checker.sampling import (
    Crossings,
    add_breakpoints,
    breakpoint_exprs,
    breakpoint_points,
    compile_breakpoints,
    crossing_bases,
    crossing_points,
    generic_point,
    scan_lines,
)
from quizgen.checker.structure import signature as structure_signature

GENERIC_POINTS = 6
MAX_ATTEMPTS = 72
FLOAT_REL = 1e-8
ABS_FLOOR = 1e-12
"""Float screening: values this close count as equal until the exact confirmation (WeBWorK's floor)."""
BASE_DPS = 60
GUARD_DPS = 30
MAX_DPS = 4000
"""Above this many digits a high-precision confirmation is not attempted: the answer needs a proof."""
MIN_DOMAIN_SHARE = 0.25
"""An answer must be real on at least this share of the points where the key is real."""


class CheckTimeout(Exception):
    """The per-check time budget ran out."""


@dataclass(frozen=True)
class Tolerance:
    """The float screen: rel, relative tolerance; absolute, the floor near zero. Never a verdict alone."""

    rel: float = FLOAT_REL
    absolute: float = ABS_FLOOR


@dataclass
class Compiled:
    """One expression ready to evaluate: float closure and breakpoints now; exact and mpmath closures
    (per precision) on demand."""

    expr: sympy.Basic
    names: dict[str, int]
    fn: Fn
    breakpoints: list[sympy.Basic]
    _mp: Fn | None = field(default=None, repr=False)
    _exact: Any = field(default=None, repr=False)
    _mp_at: dict[int, Fn] = field(default_factory=dict, repr=False)
    _digits: int | None = field(default=None, repr=False)
    _bp_fns: list[tuple[sympy.Basic, Fn]] | None = field(default=None, repr=False)
    _crossings: Crossings | None = field(default=None, repr=False)
    _cell_bps: list[Breakpoint] | None = field(default=None, repr=False)
    _corners: Corners | None = field(default=None, repr=False)
    _signature: Any = field(default=None, repr=False)
    _has_float: bool | None = field(default=None, repr=False)

    @property
    def has_float(self) -> bool:
        """Whether the expression holds a decimal (a sympy Float), found once: a key's is asked for every
        wrong answer to it (the decimal rules, core._component)."""
        if self._has_float is None:
            self._has_float = bool(self.expr.has(sympy.Float))
        return self._has_float

    @property
    def signature(self) -> Any:
        """structure.signature of the expression, computed once (a key's is shared by all its answers)."""
        if self._signature is None:
            self._signature = structure_signature(self.expr)
        return self._signature

    def crossings(self, check_time: Callable[[], None]) -> Crossings:
        """This expression's breakpoint crossings on scan lines seeded by the expression itself: a key's
        are found once and shared by every answer to it."""
        if self._crossings is None:
            rng = random.Random(tree_spelling(self.expr))
            self._crossings = add_breakpoints(
                scan_lines(len(self.names), rng), [fn for _, fn in self.bp_fns], rng, check_time
            )
        return self._crossings

    @property
    def cell_breakpoints(self) -> list[Breakpoint]:
        """bp_fns with each expression's affine pieces (cells.affine_pieces), in the same order."""
        if self._cell_bps is None:
            self._cell_bps = [Breakpoint(fn, affine_pieces(g, self.names)) for g, fn in self.bp_fns]
        return self._cell_bps

    def corners(self, check_time: Callable[[], None]) -> Corners:
        """Where this expression's breakpoints meet two by two (cells.find_corners), found once: a key's
        are shared by every answer that adds no breakpoint of its own."""
        if self._corners is None:
            rng = random.Random(tree_spelling(self.expr))
            starts = crossing_bases(self.crossings(check_time))
            self._corners = find_corners(self.cell_breakpoints, starts, rng, check_time)
        return self._corners

    @property
    def mp(self) -> Fn:
        if self._mp is None:
            self._mp = compile_expr(self.expr, self.names, MP)
        return self._mp

    def exact(self) -> Fn | None:
        """The Fraction closure, or None when some part is not rational (sin, exp, sqrt, pi)."""
        if self._exact is None:
            try:
                self._exact = compile_expr(self.expr, self.names, EXACT)
            except Unsupported:
                self._exact = False
        return self._exact or None

    def mp_at(self, dps: int) -> Fn:
        fn = self._mp_at.get(dps)
        if fn is None:
            fn = self._mp_at[dps] = compile_expr(self.expr, self.names, mp_backend(dps))
        return fn

    @property
    def digits(self) -> int:
        """How many digits a high-precision comparison needs beyond the base: every digit of every number
        (10^-300 is 301 digits), and twice the exponent of a power of something transcendental
        (sin(u)^1000 is about 10^-100 at u = 0.8)."""
        if self._digits is None:
            self._digits = constant_digits(self.expr)
        return self._digits

    @property
    def bp_fns(self) -> list[tuple[sympy.Basic, Fn]]:
        """(g, compiled g) for every breakpoint expression that compiles."""
        if self._bp_fns is None:
            self._bp_fns = []
            for g in self.breakpoints:
                fns = compile_breakpoints([g], self.names)
                if fns:
                    self._bp_fns.append((g, fns[0]))
        return self._bp_fns


def tree_spelling(expr: sympy.Basic) -> str:
    """The tree written out node by node, Add(1,Mul(-3,x)): the seed of its crossings' scan lines.

    Not str(expr): sympy's printer orders the terms of every sum for reading, 0.4 ms for a Piecewise key,
    about half of what finding its crossings cost, and a seed needs only the same text for the same tree
    in every run and process. The arguments of a sum or product are kept in a canonical order, and those of
    Max, Min, And and Or are sorted when read, so the text in argument order is that."""
    if expr.args:
        return f"{type(expr).__name__}({','.join(tree_spelling(a) for a in expr.args)})"
    if isinstance(expr, sympy.Symbol):
        return expr.name
    if isinstance(expr, sympy.Rational):
        return str(expr.p) if expr.q == 1 else f"{expr.p}/{expr.q}"
    return str(expr)


def constant_digits(expr: sympy.Basic) -> int:
    total = 0
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Rational):
            total += len(str(abs(node.p))) + (len(str(node.q)) if node.q != 1 else 0)
        elif isinstance(node, sympy.Float):
            total += len(str(node))
        elif isinstance(node, sympy.Pow) and node.exp.is_Integer and not _is_rational_expr(node.base):
            total += 2 * abs(int(node.exp))
    return total


def _is_rational_expr(e: sympy.Basic) -> bool:
    return all(
        isinstance(n, (sympy.Symbol, sympy.Rational, sympy.Add, sympy.Mul))
        or (isinstance(n, sympy.Pow) and n.exp.is_Integer)
        for n in sympy.preorder_traversal(e)
    )


def prepare(expr: sympy.Basic, names: dict[str, int]) -> Compiled:
    """Compile expr; raises Unsupported when a node cannot be evaluated numerically."""
    return Compiled(expr, names, compile_expr(expr, names, FLOAT), breakpoint_exprs([expr]))


@dataclass
class Comparison:
    """The outcome, and the values behind it (feedback reuses them to test typical mistakes).

    narrower_domain: the answer is not real at some points where the key is (those were not compared);
    witness: a point where they differ, when one was found.
    """

    status: Literal["equal", "different", "undecided"]
    points: list[tuple[float, ...]]
    key_values: list[Any]
    answer_values: list[Any]
    reason: str = ""
    narrower_domain: bool = False
    witness: tuple[float, ...] | None = None


def close(k: Any, a: Any, tol: Tolerance) -> bool:
    return abs(a - k) <= tol.rel * max(abs(a), abs(k)) + tol.absolute


SCREEN = Tolerance()


def deadline_checker(deadline: float | None) -> Callable[[], None]:
    def check_time() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise CheckTimeout

    return check_time


def generic_points(
    key: Compiled,
    rng: random.Random,
    check_time: Callable[[], None],
    count: int = GENERIC_POINTS,
    attempts: int = MAX_ATTEMPTS,
    values: list[Any] | None = None,
) -> list[tuple[float, ...]]:
    """Random points where the key is real (the box first, then wider; see sampling.generic_point).
    values, when given, receives the key's float value at each point returned, in order."""
    n = len(key.names)
    points: list[tuple[float, ...]] = []
    for attempt in range(attempts):
        if len(points) >= count:
            break
        if attempt % 8 == 0:
            check_time()
        p = generic_point(rng, n, attempt)
        v = run_float(key.fn, p)
        if v is not UNDEF:
            points.append(p)
            if values is not None:
                values.append(v)
    return points


def all_breakpoint_fns(key: Compiled, others: Sequence[Compiled]) -> list[Fn]:
    """The compiled breakpoints of key and others, each distinct expression once."""
    seen: list[sympy.Basic] = []
    fns: list[Fn] = []
    for c in (key, *others):
        for g, fn in c.bp_fns:
            if all(g != h and g != -h for h in seen):  # -g has the same zeros
                seen.append(g)
                fns.append(fn)
    return fns


def sample(
    key: Compiled,
    others: Sequence[Compiled],
    rng: random.Random,
    check_time: Callable[[], None],
) -> list[tuple[float, ...]]:
    """Generic points where the key is real, then points around the breakpoints of key and others."""
    n = len(key.names)
    if n == 0:
        return [()]
    points = generic_points(key, rng, check_time)
    points.extend(breakpoint_points(all_breakpoint_fns(key, others), n, rng, check_time))
    return points


def mp_pair(key: Compiled, ans: Compiled, p: Sequence[float]) -> tuple[Any, Any]:
    mp_point = tuple(MPX.mpf(v) for v in p)
    return run_mp(key.mp, mp_point), run_mp(ans.mp, mp_point)


def _cell(gfns: Sequence[Fn], p: Sequence[float]) -> tuple[int, ...]:
    out = []
    for g in gfns:
        v = run_float(g, p)
        out.append(0 if not isinstance(v, float) else (v > 0) - (v < 0))
    return tuple(out)


def confirm_point(key: Compiled, ans: Compiled, p: Sequence[float]) -> bool | str | None:
    """Are key and answer equal at p, beyond doubt? True, False, None (not real there: skip the point), or
    "unknown" (neither exact nor stable at any precision tried)."""
    ke, ae = key.exact(), ans.exact()
    if ke is not None and ae is not None:
        kx = run_exact(ke, p)
        if kx is UNDEF:
            return None
        ax = run_exact(ae, p)
        if ax is UNDEF:
            return None
        if kx is not OVERFLOW and ax is not OVERFLOW:
            return bool(kx == ax)
    dps = BASE_DPS + key.digits + ans.digits
    if dps > MAX_DPS:
        return "unknown"
    first = _mp_diff(key, ans, p, dps + GUARD_DPS)
    if first is None:
        return None
    d1, scale1, ctx1 = first
    if d1 == 0 or abs(d1) <= ctx1.mpf(10) ** -(dps + GUARD_DPS - 20) * scale1:
        return True
    second = _mp_diff(key, ans, p, 2 * (dps + GUARD_DPS))
    if second is None:
        return None
    d2, _, ctx2 = second
    if abs(d2) <= abs(ctx2.mpf(d1)) * ctx2.mpf(10) ** -((dps + GUARD_DPS) // 2):
        return True  # the difference shrinks with the precision: roundoff
    if abs(ctx2.mpf(d1) - d2) <= abs(d2) * ctx2.mpf("1e-3"):
        return False  # the same difference at both precisions: it is real
    return "unknown"


def _mp_diff(key: Compiled, ans: Compiled, p: Sequence[float], dps: int) -> tuple[Any, Any, Any] | None:
    ctx = mp_context(dps)
    point = tuple(ctx.mpf(v) for v in p)
    k = run_mp(key.mp_at(dps), point, ctx)
    if k is UNDEF:
        return None
    a = run_mp(ans.mp_at(dps), point, ctx)
    if a is UNDEF:
        return None
    return a - k, max(abs(a), abs(k)), ctx


def compare(
    key: Compiled,
    ans: Compiled,
    points: Sequence[tuple[float, ...]],
    check_time: Callable[[], None],
    gfns: Sequence[Fn] = (),
    key_known: Sequence[Any] = (),
    answer_known: Sequence[Any] = (),
) -> Comparison:
    """Compare ans with key at points; points where either is not real are outside the domain.
    key_known and answer_known are float values (run_float) already computed at the first points."""
    kept: list[tuple[float, ...]] = []
    kvals: list[Any] = []
    avals: list[Any] = []
    status: Literal["equal", "different", "undecided"] = "equal"
    witness: tuple[float, ...] | None = None
    outside = 0
    outside_cells: set[tuple[int, ...]] = set()
    for i, p in enumerate(points):
        if i % 8 == 0:
            check_time()
        kv = key_known[i] if i < len(key_known) else run_float(key.fn, p)
        if kv is UNDEF:
            continue
        av = answer_known[i] if i < len(answer_known) else run_float(ans.fn, p)
        if kv is OVERFLOW or av is OVERFLOW:
            kv, av = mp_pair(key, ans, p)
            if kv is UNDEF:
                continue
        if av is UNDEF:
            outside += 1
            outside_cells.add(_cell(gfns, p))
            continue
        if status == "equal" and not close(kv, av, SCREEN):
            km, am = mp_pair(key, ans, p)  # floats may have cancelled: the 60-digit values decide
            if km is UNDEF:
                continue
            if am is UNDEF:
                outside += 1
                outside_cells.add(_cell(gfns, p))
                continue
            if not close(km, am, SCREEN):
                status, witness = "different", p
        kept.append(p)
        kvals.append(kv)
        avals.append(av)
    if not kept:
        if outside:
            return Comparison(
                "different", kept, kvals, avals, "the answer is not real where the key is", narrower_domain=True
            )
        return Comparison("undecided", kept, kvals, avals, "the key has no real value at any sample point")
    narrower = outside > 0
    if status == "equal" and len(kept) < MIN_DOMAIN_SHARE * (len(kept) + outside):
        return Comparison(
            "different", kept, kvals, avals, "the answer is not real on most of the domain", narrower_domain=True
        )
    if status == "equal" and outside_cells - {_cell(gfns, p) for p in kept}:
        # the answer is real in none of the points of one of the key's branches: it says nothing there
        return Comparison(
            "different", kept, kvals, avals, "the answer is not real on a whole branch of the key", narrower_domain=True
        )
    if status == "equal":
        seen: set[tuple[int, ...]] = set()
        unknown = False
        for p in kept:
            cell = _cell(gfns, p)
            if cell in seen:
                continue
            check_time()
            verdict = confirm_point(key, ans, p)
            if verdict is None:
                continue
            seen.add(cell)
            if verdict is False:
                status, witness = "different", p
                break
            if verdict == "unknown":
                unknown = True
        if status == "equal" and (unknown or not seen):
            status = "undecided"
    return Comparison(status, kept, kvals, avals, narrower_domain=narrower, witness=witness)


def equivalent(
    key: Compiled,
    ans: Compiled,
    rng: random.Random,
    check_time: Callable[[], None],
) -> Comparison:
    """Sample around both expressions' breakpoints and compare."""
    if not key.names and not ans.names:
        exact = _exact_constants(key, ans)
        if exact is not None:
            return Comparison("equal" if exact else "different", [()], [], [])
    n = len(key.names)
    # the values found at the generic points are kept for compare(), which needs them again
    key_known: list[Any] = []
    answer_known: list[Any] = []
    points: list[tuple[float, ...]] = [()] if n == 0 else generic_points(key, rng, check_time, values=key_known)
    if n and _undefined_at_one(ans, points, answer_known):
        # the answer is not real at some of them: more points, so that enough lie in both domains and the
        # share of the key's domain where the answer is real is estimated on more than six
        points.extend(generic_points(key, rng, check_time, 4 * GENERIC_POINTS, 8 * MAX_ATTEMPTS, key_known))
    gfns = [fn for _, fn in key.bp_fns]
    mine = [i for i, (g, _) in enumerate(ans.bp_fns) if all(g != h and g != -h for h in key.breakpoints)] if n else []
    own = [ans.bp_fns[i][1] for i in mine]
    corners: Corners | None = None
    if n and (gfns or own):  # without a breakpoint there is nothing to straddle (and no scan line to draw)
        cr = key.crossings(check_time)
        if own:
            cr = add_breakpoints(cr, own, rng, check_time)
            gfns = gfns + own
        points.extend(crossing_points(cr, rng, check_time))
        if len(gfns) >= 2:  # cells between breakpoints: one or none need no corner
            if own:
                bps = key.cell_breakpoints + [ans.cell_breakpoints[i] for i in mine]
                corners = find_corners(bps, crossing_bases(cr), rng, check_time)
            else:
                corners = key.corners(check_time)
            points.extend(corner_points(corners, rng))
    cmp = compare(key, ans, points, check_time, gfns, key_known, answer_known)
    if corners is not None and not corners.complete and cmp.status == "equal":
        # some cells of the breakpoints may have no point: the numbers cannot stand behind "equal"
        return replace(cmp, status="undecided", reason="cells between its breakpoints the sampling cannot reach")
    return cmp


def _undefined_at_one(ans: Compiled, points: Sequence[tuple[float, ...]], values: list[Any]) -> bool:
    """Is the answer not real at one of the points? Its values are appended to values, in order, up to
    the first such point."""
    for p in points:
        v = run_float(ans.fn, p)
        values.append(v)
        if v is UNDEF:
            return True
    return False


def _exact_constants(key: Compiled, ans: Compiled) -> bool | None:
    """Rational constants (and typed decimals, read exactly) compare exactly."""
    ke, ae = key.exact(), ans.exact()
    if ke is None or ae is None:
        return None
    k, a = run_exact(ke, ()), run_exact(ae, ())
    if k is UNDEF or k is OVERFLOW or a is OVERFLOW:
        return None
    return a is not UNDEF and bool(k == a)


def try_prepare(expr: sympy.Basic, names: dict[str, int]) -> Compiled | None:
    """The compiled expression, or None when it cannot be evaluated numerically. Shared (a pure function of
    its arguments, its lazy parts too): a key, and an answer typed by many students or compiled again for
    feedback, are compiled, and their breakpoints scanned, once."""
    return _prepared(expr, tuple(names.items()))


def clear_prepared() -> None:
    """Forget every shared compiled expression (cold-cache benchmarks)."""
    _prepared.cache_clear()


@lru_cache(maxsize=8192)
def _prepared(expr: sympy.Basic, names: tuple[tuple[str, int], ...]) -> Compiled | None:
    try:
        return prepare(expr, dict(names))
    except Unsupported:
        return None
