from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest
import sympy

from quizgen.checker.evaluate import (
    MP,
    MPX,
    OVERFLOW,
    UNDEF,
    Unsupported,
    compile_expr,
    run_float,
    run_mp,
)

x, y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
NAMES = {"x": 0, "y": 1}


def f(expr: sympy.Basic, *point: float):
    return run_float(compile_expr(expr, NAMES), point)


@pytest.mark.parametrize(
    ("expr", "point", "value"),
    [
        (2 * x + 3 * y, (1.5, -2.0), -3.0),
        (x**2 * y**3, (2.0, -1.0), -4.0),
        (sympy.exp(x) * sympy.sin(y), (0.5, 0.3), math.exp(0.5) * math.sin(0.3)),
        (sympy.sec(x) ** 2, (0.4, 0), 1 / math.cos(0.4) ** 2),
        (sympy.log(x) + sympy.sqrt(y), (2.0, 4.0), math.log(2.0) + 2.0),
        (sympy.Max(x, 0, y), (-1.0, -2.0), 0.0),
        (sympy.Min(x, y), (-1.0, -2.0), -2.0),
        (sympy.Heaviside(x), (0.0, 0.0), 0.5),  # sympy's H(0) = 1/2
        (sympy.Heaviside(x, 0), (0.0, 0.0), 0.0),
        (sympy.sign(x - y), (1.0, 3.0), -1.0),
        (sympy.Abs(x), (-3.0, 0.0), 3.0),
        (sympy.Piecewise((1, x > y), (0, True)), (2.0, 1.0), 1.0),
        (sympy.Piecewise((1, x > y), (0, True)), (1.0, 2.0), 0.0),
        (sympy.Piecewise((x, sympy.And(x > 0, y > 0)), (-1, True)), (1.0, -1.0), -1.0),
        (sympy.pi * sympy.E, (0, 0), math.pi * math.e),
        (x ** sympy.Rational(3, 2), (4.0, 0), 8.0),
        (sympy.atan(x) + sympy.acot(x), (0.7, 0), math.pi / 2),
        (1 / (1 + sympy.exp(-x)), (0.0, 0), 0.5),
        (sympy.log(x, 10), (100.0, 0), 2.0),
    ],
)
def test_float_values(expr, point, value) -> None:
    assert f(expr, *point) == pytest.approx(value, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("expr", "point"),
    [
        (sympy.log(x), (-1.0, 0)),
        (sympy.log(x), (0.0, 0)),
        (sympy.sqrt(x), (-1.0, 0)),
        (1 / x, (0.0, 0)),
        (x ** sympy.Rational(1, 3), (-8.0, 0)),  # principal value: not real
        (x**y, (-2.0, 0.5)),
        (sympy.asin(x), (2.0, 0)),
        (sympy.Piecewise((1, x > 0)), (-1.0, 0)),  # no branch holds
    ],
)
def test_no_real_value_is_undefined(expr, point) -> None:
    assert f(expr, *point) is UNDEF


def test_float_overflow_is_reported_and_mpmath_evaluates_it() -> None:
    expr = sympy.exp(x**2)
    assert f(expr, 40.0, 0) is OVERFLOW
    v = run_mp(compile_expr(expr, NAMES, MP), (MPX.mpf(40), MPX.mpf(0)))
    assert float(MPX.log(v)) == pytest.approx(1600)


def test_mpmath_backend_agrees_and_flags_domain_errors() -> None:
    expr = sympy.log(x) * sympy.cos(y) + sympy.sqrt(x) / y
    fn = compile_expr(expr, NAMES, MP)
    assert float(run_mp(fn, (MPX.mpf(2), MPX.mpf("0.5")))) == pytest.approx(f(expr, 2.0, 0.5))
    assert run_mp(fn, (MPX.mpf(-2), MPX.mpf("0.5"))) is UNDEF
    assert run_mp(compile_expr(1 / y, NAMES, MP), (1, MPX.mpf(0))) is UNDEF


def test_mpmath_precision_does_not_depend_on_the_global_context() -> None:
    """Another thread lowering mpmath's global precision must not weaken the exact confirmation."""
    fn = compile_expr(sympy.Rational(1, 3) - sympy.Rational(333333333333333333333, 10**21), NAMES, MP)
    with mpmath.workdps(5):
        v = run_mp(fn, (0, 0))
    assert 0 < abs(float(v)) < 1e-20


def test_unknown_nodes_and_symbols_are_unsupported() -> None:
    z = sympy.Symbol("z", real=True)
    with pytest.raises(Unsupported):
        compile_expr(x + z, NAMES)
    with pytest.raises(Unsupported):
        compile_expr(sympy.Integral(x, x), NAMES)
    assert f(x + sympy.I, 1.0, 0.0) is UNDEF  # complex: not a real value


def test_mpmath_underflow_is_zero_and_overflow_is_refused() -> None:
    tiny = compile_expr(sympy.exp(-sympy.exp(x)), NAMES, MP)
    assert run_mp(tiny, (MPX.mpf(30), MPX.mpf(0))) == 0
    huge = compile_expr(sympy.exp(sympy.exp(sympy.exp(x))), NAMES, MP)
    assert run_mp(huge, (MPX.mpf(4), MPX.mpf(0))) is UNDEF  # refused quickly, never computed


def test_exact_backend_computes_with_fractions() -> None:
    from fractions import Fraction

    from quizgen.checker.evaluate import EXACT, run_exact

    expr = x**3 / 3 + sympy.Float("0.333") * y + sympy.Piecewise((1, x > y), (0, True))
    value = run_exact(compile_expr(expr, NAMES, EXACT), (2.0, 1.0))
    assert value == Fraction(8, 3) + Fraction(333, 1000) + 1  # 0.333 is 333/1000, exactly
    assert run_exact(compile_expr(1 / x, NAMES, EXACT), (0.0, 0.0)) is UNDEF
    assert run_exact(compile_expr((x**1000) ** 1000, NAMES, EXACT), (2.1, 0.0)) is OVERFLOW  # too big: use mpmath
    for not_rational in (sympy.sin(x), sympy.sqrt(x), sympy.pi * x, sympy.exp(x)):
        with pytest.raises(Unsupported):
            compile_expr(not_rational, NAMES, EXACT)


def test_mpmath_at_any_precision() -> None:
    from quizgen.checker.evaluate import mp_backend, mp_context

    ctx = mp_context(200)
    v = run_mp(compile_expr(sympy.sin(x) + sympy.Integer(10) ** -150, NAMES, mp_backend(200)), (ctx.mpf(2), 0), ctx)
    assert (
        v - ctx.sin(2) == ctx.mpf(10) ** -150 * (1 + ctx.mpf(10) ** -40)
        or abs(v - ctx.sin(2) - ctx.mpf(10) ** -150) < ctx.mpf(10) ** -190
    )


def test_shared_subtrees_compile_once_per_variable_mapping() -> None:
    """A term shared by a key and an answer is compiled once; the same term under another mapping of the
    variables, a decimal of another precision or a symbol with other assumptions is compiled anew."""
    from quizgen.checker import evaluate

    term = 3 * x**2 * y
    key_fn = compile_expr(term + sympy.sin(x), NAMES)
    answer_fn = compile_expr(term + 7 * x, NAMES)
    assert run_float(key_fn, (0.5, 2.0)) == pytest.approx(1.5 + math.sin(0.5))
    assert run_float(answer_fn, (0.5, 2.0)) == pytest.approx(1.5 + 3.5)
    view = evaluate.FLOAT.views[tuple(NAMES.items())]  # type: ignore[index]
    assert term in view.memo  # type: ignore[operator]
    swapped = compile_expr(term, {"x": 1, "y": 0})  # the same tree, the variables in the other order
    assert run_float(swapped, (0.5, 2.0)) == pytest.approx(3 * 4.0 * 0.5)
    short, long = sympy.Float("0.1", 15), sympy.Float("0.1", 30)
    assert run_float(compile_expr(short * x, NAMES), (1.0, 0.0)) == float(short)
    exact_long = evaluate.run_exact(compile_expr(long * x, NAMES, evaluate.EXACT), (1.0, 0.0))
    exact_short = evaluate.run_exact(compile_expr(short * x, NAMES, evaluate.EXACT), (1.0, 0.0))
    assert exact_short == exact_long == Fraction(1, 10)  # each decimal read from its own digits
    plain = sympy.Symbol("x")  # no real assumption: not the problem's x, and not in the memo as it
    assert run_float(compile_expr(plain + 1, NAMES), (2.0, 0.0)) == 3.0


def test_the_shared_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from quizgen.checker import evaluate

    monkeypatch.setattr(evaluate, "SHARED_SUBTREES", 5)
    monkeypatch.setattr(evaluate, "MAX_VIEWS", 3)
    for k in range(40):
        compile_expr(x**2 + k * y, NAMES)
        compile_expr(x + k, {"x": 0, f"v{k}": 1})
    views = evaluate.FLOAT.views
    assert views is not None and len(views) <= 3
    assert sum(len(v.memo or ()) for v in views.values()) <= 5 + 8  # full memos start afresh
    assert run_float(compile_expr(x**2 + 39 * y, NAMES), (1.0, 1.0)) == 40.0
