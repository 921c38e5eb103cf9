"""An independent check of every key: a numeric central difference of the function at random points.

Keys come from the families' own symbolic work; this check shares none of it. Expressions are compiled
into small float closures by the checker's evaluator (quizgen.checker.evaluate: no lambdify, no eval),
so checking costs microseconds.
Points are drawn away from every kink (the arguments of max/ReLU), where the derivative does not exist,
and on both sides of each kink, so a key (or a buggy key) that is wrong on one side only is noticed.
A key that misses the quick central difference gets a second, careful look (Ridders' extrapolation with
an error estimate), so fast-changing functions are not rejected for the quick estimate's own error.
A node the small evaluator does not know is evaluated by sympy (slowly) rather than refused.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy

from quizgen.checker.evaluate import OVERFLOW, UNDEF, Undefined, Unsupported, new_float_backend, run_float
from quizgen.checker.evaluate import compile_expr as compile_points
from quizgen.checker.sampling import breakpoint_exprs
from quizgen.typeset.printing import term_monomials

Values = dict[sympy.Symbol, float]
Compiled = Callable[[Values], float]

H = 1e-5
"""Central-difference step of the quick check."""
KINK_MARGIN = 1e-2
"""Sample points keep at least this distance (in kink value) from every kink."""
SAMPLE_RANGE = (-2.5, 2.5)
POINTS = 4
REL_TOL = 1e-6
SIDE_TRIES = 200
"""Extra random draws (half in a box four times wider) to find a missing side of a kink."""
RIDDERS_H = 1e-2
"""First step of the careful estimate; shrunk until no kink lies within it."""
RIDDERS_STEPS = 15
RIDDERS_MAX_ERROR = 1e-4
"""Largest error estimate (relative, at least absolute 1e-4) that still decides a point: beyond it the
function changes too fast to tell a right key from a wrong one there."""


_cache: dict[sympy.Basic, Compiled] = {}
_NAMES: dict[str, int] = {}
"""Every variable name verification has compiled, with its slot in a point; slots never change, so the
evaluator's compiled subtrees are shared between a draft's function, key, kinks and mistakes."""
_FLOAT = new_float_backend()
_FLOAT.memo = {}


def compile_expr(expr: sympy.Basic) -> Compiled:
    """A float function of a {Symbol: float} mapping; raises Undefined where the value is not real.

    The evaluator is the checker's (quizgen.checker.evaluate, float backend): one allow-list of node
    types and one set of float rules for keys and answers alike. A node it does not know is evaluated by
    sympy (slowly) rather than refused, since keys come from the families, not from students.
    """
    hit = _cache.get(expr)
    if hit is not None:
        return hit
    fn = _compile(expr)
    if len(_cache) > 50_000:
        _cache.clear()
        _FLOAT.memo = {}
    _cache[expr] = fn
    return fn


def _compile(expr: sympy.Basic) -> Compiled:
    if not isinstance(expr, sympy.Basic):  # a plain number (families build sympy objects; be safe)
        if isinstance(expr, complex) and expr.imag != 0:
            return _undefined
        c = float(expr.real) if isinstance(expr, complex) else float(expr)
        return lambda v: c
    symbols = [s for s in _free_symbols(expr) if isinstance(s, sympy.Symbol)]
    try:
        if len({s.name for s in symbols}) != len(symbols):  # two symbols, one name: only sympy tells them apart
            raise Unsupported("symbols sharing a name")
        for s in symbols:
            _NAMES.setdefault(s.name, len(_NAMES))
        fn = compile_points(expr, _NAMES, _FLOAT)
    except Unsupported:
        return lambda v: _by_sympy(expr, v)
    blank = [0.0] * len(_NAMES)
    slots = [(_NAMES[s.name], s) for s in symbols]
    finite = math.isfinite

    def compiled(values: Values) -> float:
        point = blank.copy()
        for i, s in slots:
            point[i] = values[s]
        try:
            out = fn(point)
        except (ArithmeticError, ValueError, TypeError):  # not real there, or overflowed: as run_float
            raise Undefined from None
        if type(out) is float and finite(out):
            return out
        return _real_float(out)

    return compiled


_symbols_memo: dict[sympy.Basic, frozenset[sympy.Basic]] = {}
_PLAIN_NODES = (
    sympy.Add,
    sympy.Mul,
    sympy.Pow,
    sympy.Tuple,  # and ExprCondPair, a Piecewise's (expression, condition)
    sympy.core.function.Application,  # functions applied, Max, Min, Piecewise
    sympy.core.relational.Relational,
    sympy.logic.boolalg.BooleanFunction,
)
"""Nodes whose free symbols are exactly their arguments' (none binds a variable, as Lambda or Derivative do)."""


def _free_symbols(expr: sympy.Basic) -> frozenset[sympy.Basic]:
    """expr.free_symbols, remembered by subtree: a draft's function, key, kinks and mistakes share most of
    their subtrees, and sympy walks every one of them on each call. Any other node asks sympy."""
    hit = _symbols_memo.get(expr)
    if hit is not None:
        return hit
    if isinstance(expr, sympy.Symbol):
        found: frozenset[sympy.Basic] = frozenset((expr,))
    elif isinstance(expr, sympy.Number):
        found = frozenset()
    elif isinstance(expr, _PLAIN_NODES):
        found = frozenset().union(*[_free_symbols(a) for a in expr.args])
    else:
        found = frozenset(expr.free_symbols)
    if len(_symbols_memo) > 200_000:
        _symbols_memo.clear()
    _symbols_memo[expr] = found
    return found


def _real_float(out: object) -> float:
    """A result that is not a finite float (a condition's bool, an int, a complex, inf): run_float's rules."""
    value = run_float(lambda p: out, ())
    if value is UNDEF or value is OVERFLOW:
        raise Undefined
    return value


def _undefined(values: Values) -> float:
    raise Undefined


def _by_sympy(expr: sympy.Basic, values: Values) -> float:
    """Slow path for a node the evaluator does not know: sympy's own numeric evaluation."""
    try:
        value = complex(expr.xreplace({s: sympy.Float(x) for s, x in values.items()}).evalf())
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        raise Undefined from None
    if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)) or not math.isfinite(value.real):
        raise Undefined
    return value.real


def evaluate(expr: sympy.Basic, values: Values) -> float:
    return compile_expr(expr)(values)


def central_difference(f: Compiled, values: Values, wrt: sympy.Symbol, h: float = H) -> tuple[float, float]:
    """(estimate of df/dwrt, the rounding-error allowance for it)."""
    hi, lo = dict(values), dict(values)
    hi[wrt] = values[wrt] + h
    lo[wrt] = values[wrt] - h
    f_hi, f_lo = f(hi), f(lo)
    return (f_hi - f_lo) / (2 * h), 64 * 2.2e-16 * max(abs(f_hi), abs(f_lo), 1.0) / h


def ridders(f: Compiled, values: Values, wrt: sympy.Symbol, h: float = RIDDERS_H) -> tuple[float, float]:
    """(estimate of df/dwrt, its error estimate) by Ridders' extrapolation of central differences.

    Central differences at shrinking steps are extrapolated to step 0 (a Neville table), which removes the
    truncation error that grows with the function's curvature; the error estimate is the spread of the
    last extrapolations (truncation and rounding). Numerical Recipes, dfridr.
    """
    shrink, shrink2, safe = 1.4, 1.96, 2.0
    table: list[list[float]] = [[central_difference(f, values, wrt, h)[0]]]
    best, error = table[0][0], math.inf
    for i in range(1, RIDDERS_STEPS):
        h /= shrink
        row = [central_difference(f, values, wrt, h)[0]]
        factor = shrink2
        for j in range(1, i + 1):
            row.append((row[j - 1] * factor - table[i - 1][j - 1]) / (factor - 1))
            factor *= shrink2
            spread = max(abs(row[j] - row[j - 1]), abs(row[j] - table[i - 1][j - 1]))
            if spread <= error:
                best, error = row[j], spread
        table.append(row)
        if abs(row[i] - table[i - 1][i - 1]) >= safe * error:
            break
    return best, error


def _clear_step(f: Compiled, values: Values, wrt: sympy.Symbol, kinks: Sequence[Compiled]) -> float | None:
    """The largest step (from RIDDERS_H down) with f defined and every kink on the point's side within it."""
    h = RIDDERS_H
    while h >= 1e-7:
        try:
            edges = []
            for sign in (1.0, -1.0):
                moved = dict(values)
                moved[wrt] = values[wrt] + sign * h
                f(moved)
                edges.append(moved)
            if all((k(values) > 0) == (k(edge) > 0) for k in kinks for edge in edges):
                return h
        except Undefined:
            pass
        h /= 10
    return None


def slope_matches(
    f: Compiled, values: Values, wrt: sympy.Symbol, key: float, kinks: Sequence[Compiled] = ()
) -> tuple[bool, float]:
    """Does key equal df/dwrt at values? (answer, the slope estimate used).

    First the quick central difference; a miss gets the careful estimate, whose tolerance grows with its
    own error estimate, so a fast-changing function's correct key passes while a wrong key still fails
    wherever the slope can be resolved at all (else the point cannot vouch for the key: a miss).
    """
    estimate, allowance = central_difference(f, values, wrt)
    if close(estimate, key, allowance):
        return True, estimate
    step = _clear_step(f, values, wrt, kinks)
    if step is None:
        return False, estimate
    try:
        careful, error = ridders(f, values, wrt, step)
    except Undefined:
        return False, estimate
    if not math.isfinite(error) or error > RIDDERS_MAX_ERROR * max(1.0, abs(careful)):
        return False, careful
    return close(careful, key, 10 * error), careful


def close(a: float, b: float, allowance: float = 0.0) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b)) + allowance


@dataclass(frozen=True)
class Check:
    """The outcome of verifying one draft: ok, whether the key is identically 0, and the points used."""

    ok: bool
    zero: bool
    points: list[Values]
    reason: str = ""


def _random_point(variables: Sequence[sympy.Symbol], rng: random.Random, scale: float = 1.0) -> Values:
    lo, hi = SAMPLE_RANGE
    return {v: rng.uniform(lo * scale, hi * scale) for v in variables}


def _usable(values: Values, kink_fns: Sequence[Compiled], need: Sequence[Compiled]) -> list[bool] | None:
    """The side of each kink (True: positive) at a usable point; None when the point is near a kink or
    where something needed is undefined."""
    try:
        sides = []
        for k in kink_fns:
            value = k(values)
            if abs(value) < KINK_MARGIN:
                return None
            sides.append(value > 0)
        for fn in need:
            if not math.isfinite(fn(values)):
                return None
    except Undefined:
        return None
    return sides


Affine = tuple[tuple[Fraction, ...], Fraction]
"""An affine function of the variables: (coefficient of each variable, constant)."""


def _affine(expr: sympy.Basic, variables: Sequence[sympy.Symbol]) -> Affine | None:
    """expr's rational coefficients if it is affine in the variables (and in nothing else), else None.

    Most kinks are integer polynomials, read term by term as monomials (typeset.printing.term_monomials,
    whose monomials the families' sums have mostly met already); anything else by sympy's
    as_coefficients_dict."""
    index = {v: i for i, v in enumerate(variables)}
    coeffs = [Fraction(0)] * len(variables)
    constant = Fraction(0)
    monomials = term_monomials(expr)
    if monomials is not None:
        for c, powers in monomials:
            if not powers:
                constant += c
            elif len(powers) == 1 and powers[0][1] == 1 and powers[0][0] in index:
                coeffs[index[powers[0][0]]] += c
            else:
                return None
        return tuple(coeffs), constant
    for term, c in expr.as_coefficients_dict().items():
        if not isinstance(c, sympy.Rational):
            return None
        value = Fraction(c.p, c.q)
        if term == 1:
            constant += value
        elif term in index:
            coeffs[index[term]] += value
        else:
            return None
    return tuple(coeffs), constant


def _impossible_cells(kinks: Sequence[sympy.Basic], variables: Sequence[sympy.Symbol]) -> set[tuple[bool, ...]]:
    """Sign patterns of the kinks (True: positive) that no real point has, as far as they can be proved:
    among affine kinks with parallel gradients (x - 1 and x; x - y + 2 and y - x - 2) the kinks are
    functions of one number t, so a pattern asks t to lie in an interval, possibly empty; a constant kink
    has one sign. Other patterns are kept (a cell no sample finds costs tries, not correctness), so every
    pattern left out is one that sampling could never cover: the points found are the same, found sooner."""
    groups: list[tuple[tuple[Fraction, ...], list[tuple[int, Affine]]]] = []  # (direction, kinks along it)
    bad: set[tuple[bool, ...]] = set()
    patterns = list(itertools.product((True, False), repeat=len(kinks)))
    for i, kink in enumerate(kinks):
        form = _affine(kink, variables)
        if form is None:
            continue
        coeffs, constant = form
        if not any(coeffs):
            bad.update(p for p in patterns if constant == 0 or p[i] != (constant > 0))
            continue
        for direction, members in groups:
            pivot = next(j for j, a in enumerate(direction) if a)
            ratio = coeffs[pivot] / direction[pivot]
            if all(a == ratio * d for a, d in zip(coeffs, direction)):
                members.append((i, form))
                break
        else:
            groups.append((coeffs, [(i, form)]))
    for direction, members in groups:
        pivot = next(j for j, a in enumerate(direction) if a)
        for pattern in patterns:
            low: Fraction | None = None  # open bounds on t = direction . point
            high: Fraction | None = None
            for i, (coeffs, constant) in members:
                ratio = coeffs[pivot] / direction[pivot]  # kink i = ratio * t + constant
                root = -constant / ratio
                if (ratio > 0) == pattern[i]:
                    low = root if low is None else max(low, root)
                else:
                    high = root if high is None else min(high, root)
            if low is not None and high is not None and low >= high:
                bad.add(pattern)
    return bad


def sample_points(
    variables: Sequence[sympy.Symbol],
    kinks: Sequence[sympy.Basic],
    rng: random.Random,
    count: int = POINTS,
    also: Sequence[sympy.Basic] = (),
    *,
    cells: bool = False,
) -> list[Values]:
    """Up to count random points away from every kink and where `also` expressions are defined, plus a
    point on each side of each kink that the first ones leave uncovered (when there is one to find).

    cells=True asks for every combination of sides instead (each region the kinks cut the plane into):
    0 < x < 1 is a region of the kinks x and x - 1 that their sides alone need not visit."""
    kink_fns = [compile_expr(k) for k in kinks]
    need = [compile_expr(e) for e in also]

    def covers(sides: list[bool]) -> set[object]:
        return {tuple(sides)} if cells else set(enumerate(sides))

    if cells:
        missing: set[object] = set(itertools.product((True, False), repeat=len(kink_fns)))
        missing -= _impossible_cells(kinks, variables)
    else:
        missing = {(i, side) for i in range(len(kink_fns)) for side in (True, False)}
    points: list[Values] = []
    for _ in range(count * 25):
        values = _random_point(variables, rng)
        sides = _usable(values, kink_fns, need)
        if sides is None:
            continue
        points.append(values)
        missing -= covers(sides)
        if len(points) == count:
            break
    for attempt in range(SIDE_TRIES if missing and points else 0):
        values = _random_point(variables, rng, 1.0 if attempt < SIDE_TRIES // 2 else 4.0)
        sides = _usable(values, kink_fns, need)
        if sides is None:
            continue
        covered = missing & covers(sides)
        if covered:
            points.append(values)
            missing -= covered
            if not missing:
                break
    return points


def _real(expr: sympy.Basic, values: Values) -> float | None:
    """expr's real value at the point, or None where it has none (undefined, complex, infinite, unknown name)."""
    try:
        value = compile_expr(expr)(values)
    except (Undefined, KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def verify_draft(
    function: sympy.Basic,
    variables: Sequence[sympy.Symbol],
    wrt: Sequence[sympy.Symbol],
    answer: sympy.Basic | Sequence[sympy.Basic],
    kinks: Sequence[sympy.Basic],
    rng: random.Random,
    point: dict[sympy.Symbol, sympy.Basic] | None = None,
) -> Check:
    """Compare the key (every component) with the function's slopes, at the point for value questions,
    else at sample points on both sides of every kink."""
    f = compile_expr(function)
    kink_fns = [compile_expr(k) for k in kinks]
    answers = list(answer) if isinstance(answer, (list, tuple)) else [answer]
    if len(answers) != len(wrt):
        return Check(False, False, [], "key has a different number of components than wrt")
    try:
        if point is not None:
            values = {v: float(point[v]) for v in variables}
            zero = True
            for w, key_expr in zip(wrt, answers):
                key = _real(key_expr, {})
                if key is None:
                    return Check(False, False, [values], f"the value along {w} is not a real number")
                ok, estimate = slope_matches(f, values, w, key, kink_fns)
                if not ok:
                    return Check(False, False, [values], f"value {key} but the slope along {w} is {estimate:.6g}")
                zero = zero and abs(key) < 1e-12
            return Check(True, zero, [values])
        points = sample_points(variables, kinks, rng, also=[function, *answers])
        if len(points) < 2:
            return Check(False, False, points, "no sample points where the function is defined")
        zero = True
        keys = [compile_expr(k) for k in answers]
        for values in points:
            for w, key_fn in zip(wrt, keys):
                key = key_fn(values)
                ok, estimate = slope_matches(f, values, w, key, kink_fns)
                if not ok:
                    return Check(False, False, points, f"key {key:.6g} but slope {estimate:.6g} along {w}")
                if abs(key) > 1e-12:
                    zero = False
        return Check(True, zero, points)
    except Undefined:
        return Check(False, False, [], "the function or key is undefined at a sample point")


def verify_parts(
    variables: Sequence[sympy.Symbol],
    point: dict[sympy.Symbol, sympy.Basic],
    parts: Sequence[tuple[str, sympy.Basic, sympy.Basic, sympy.Symbol]],
    kinks: Sequence[sympy.Basic] = (),
) -> str:
    """Check every part of a multi-part problem at its point; "" when all hold, else why not.

    Each part is (kind, answer, check, shift): a value part's answer must equal its check expression
    evaluated at the point; a gradient part's answer must equal the slope of its check expression along
    shift at shift = 0 (the output with the node shifted: a finite difference through the whole graph,
    sharing nothing with the local rules the family used).
    """
    kink_fns = [compile_expr(k) for k in kinks]
    values = {v: float(point[v]) for v in variables}
    for kind, answer, check, shift in parts:
        key = _real(answer, {})
        if key is None:
            return f"the {kind} part's answer {answer} is not a real number"
        try:
            if kind == "value":
                actual = compile_expr(check)(values)
                if not close(actual, key):
                    return f"value part {answer} but the graph gives {actual:.6g}"
            else:
                ok, estimate = slope_matches(compile_expr(check), {**values, shift: 0.0}, shift, key, kink_fns)
                if not ok:
                    return f"gradient part {answer} but the finite difference gives {estimate:.6g}"
        except Undefined:
            return f"the graph is undefined at the point (part {answer})"
    return ""


PointMemo = dict[tuple[object, int], "float | None"]
"""Real values already computed at one list of points, by (expression, index of the point)."""


def _real_at(expr: sympy.Basic, values: Values, index: int, memo: PointMemo | None) -> float | None:
    if memo is None:
        return _real(expr, values)
    key = (expr, index)
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = _real(expr, values)
        return value


def differs(
    key: sympy.Basic | Sequence[sympy.Basic],
    other: sympy.Basic | Sequence[sympy.Basic],
    points: Sequence[Values],
    memo: PointMemo | None = None,
) -> bool:
    """True when other (a mistake) is numerically different from key at one of the points at least.

    A point where the key has no real value says nothing and is skipped; where the key is real and other
    is not (complex, undefined), they differ. memo (for these very points, shared by the calls of one
    draft) keeps each expression's value at each point, so comparing a draft's key and mistakes pairwise
    evaluates each of them once at a point, and only at the points a comparison reaches.
    """
    keys = list(key) if isinstance(key, (list, tuple)) else [key]
    others = list(other) if isinstance(other, (list, tuple)) else [other]
    if len(keys) != len(others):
        return True
    for index, values in enumerate(points or [{}]):
        for k, o in zip(keys, others):
            expected = _real_at(k, values, index, memo)
            if expected is None:
                continue
            got = _real_at(o, values, index, memo)
            if got is None or not close(expected, got):
                return True
    return False


def mistake_differs(
    key: sympy.Basic | Sequence[sympy.Basic],
    mistake: sympy.Basic | Sequence[sympy.Basic],
    points: Sequence[Values],
    variables: Sequence[sympy.Symbol],
    kinks: Sequence[sympy.Basic],
    memo: PointMemo | None = None,
) -> bool:
    """differs() at the check points (memo: values already computed there), or else at points on both
    sides of the mistake's own breakpoints: 1(x > 0) for the key 1(5x - 5 > 0) differs on 0 < x < 1 only,
    which the check points may all miss."""
    if differs(key, mistake, points, memo):
        return True
    mistakes = list(mistake) if isinstance(mistake, (list, tuple)) else [mistake]
    own = [b for b in breakpoint_exprs(mistakes) if b not in kinks]
    if not own or not variables:
        return False
    keys = list(key) if isinstance(key, (list, tuple)) else [key]
    more = sample_points(variables, [*kinks, *own], random.Random(1), also=keys, cells=True)
    return differs(key, mistake, more)
