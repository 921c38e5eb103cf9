"""chain_single: keys agree with sympy.diff, the composition is displayed as written (3(2x^2)^5), draws are
deterministic, varied, in the coefficient range, ln/sqrt stay in their domain, and buggy keys differ."""

from __future__ import annotations

import math
import random
from functools import cache

import pytest
import sympy

from quizgen.families.base import Draft, SlotSpec
from quizgen.families.chain_single import OUTERS, ChainSingle, _build_inner, _Outer, _symbolic
from quizgen.families.options import SlotContext, ValidationError
from tests.families.drawtools import assert_steps_well_formed, derivative, remembered

SEEDS = range(40)
ASKS = ("partial", "value")
POINTS = (-2.3, -1.1, -0.4, 0.7, 1.6, 2.4)


def _slot(difficulty: int, ask: str = "partial", coefficients=(-5, 5), options=None, variables=("x",)) -> SlotSpec:
    return SlotSpec(
        1,
        "chain_single",
        difficulty,
        1.0,
        ask,
        variables=variables,
        coefficients=coefficients,
        point="random" if ask == "value" else None,
        options=options or {},
    )


def _fresh_draw(slot: SlotSpec, seed: int) -> Draft:
    """Like the generator: a draw that returns None (no useful point) is redrawn from the same stream."""
    rng = random.Random(seed)
    for _ in range(10):
        draft = ChainSingle().draw(slot, rng)
        if draft is not None:
            return draft
    raise AssertionError("no draft after 10 draws")


_draw = remembered(_fresh_draw)  # test_same_seed_same_draft draws afresh


@cache
def _values(expr: sympy.Basic, x: sympy.Symbol) -> tuple[complex, ...]:
    """expr at the check points, computed once per worker (the key and mistake tests read the same drafts' keys;
    sympy expressions are immutable, so a remembered one is the same result)."""
    return tuple(complex(sympy.N(expr.xreplace({x: sympy.Float(p)}))) for p in POINTS)  # subs, minus its matching


def _close(a: tuple[complex, ...], b: tuple[complex, ...]) -> bool:
    return all(abs(p - q) <= 1e-8 * max(1.0, abs(p), abs(q)) for p, q in zip(a, b))


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_key_equals_sympy_diff(difficulty):
    for seed in SEEDS:
        draft = _draw(_slot(difficulty), seed)
        (x,) = draft.variables
        assert _close(_values(draft.answer, x), _values(derivative(draft.function, x), x)), draft.function


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_function_is_real_at_every_check_point(difficulty):
    """ln and sqrt get inner functions positive everywhere, so the function is defined at any point."""
    for seed in SEEDS:
        draft = _draw(_slot(difficulty), seed)
        (x,) = draft.variables
        for value in _values(draft.function, x):
            assert abs(value.imag) < 1e-12 and math.isfinite(value.real)


def test_issue_example_keeps_display_and_expands_key():
    x = sympy.Symbol("x", real=True)
    outer = _Outer("power", 3, 5)
    h = outer.apply(2 * x**2)
    assert str(h) == "3*(2*x**2)**5"
    assert sympy.latex(h) == r"3 \left(2 x^{2}\right)^{5}"
    assert sympy.expand(sympy.diff(h, x)) == 960 * x**9


def test_power_of_monomial_shows_simplify_first_and_expanded_key():
    found = 0
    for seed in SEEDS:
        draft = _draw(_slot(1, options={"outer": ["power"]}), seed)
        (x,) = draft.variables
        assert draft.answer.is_polynomial(x) and len(sympy.Add.make_args(draft.answer)) == 1
        texts = [s.text for s in draft.steps]
        assert any(t.startswith("Alternatively, simplify first") for t in texts)
        assert draft.function_latex is not None and r"\left(" in draft.function_latex
        found += 1
    assert found


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_value_is_derivative_at_point(difficulty):
    for seed in range(20):
        draft = _draw(_slot(difficulty, "value"), seed)
        (x,) = draft.variables
        expected = derivative(draft.function, x).xreplace(draft.point)
        assert abs(complex(sympy.N(draft.answer - expected))) < 1e-6 * max(1.0, abs(complex(sympy.N(expected))))


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_same_seed_same_draft(difficulty):
    a, b = _fresh_draw(_slot(difficulty), 9), _fresh_draw(_slot(difficulty), 9)
    assert (str(a.function), str(a.answer), a.prompt_latex) == (str(b.function), str(b.answer), b.prompt_latex)
    assert [s.text for s in a.steps] == [s.text for s in b.steps]
    assert [(m.kind, str(m.answer)) for m in a.mistakes] == [(m.kind, str(m.answer)) for m in b.mistakes]


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_variety_across_seeds(difficulty):
    functions = {str(_draw(_slot(difficulty), seed).function) for seed in range(20)}
    assert len(functions) >= 17


def test_every_outer_function_is_drawn():
    heads = set()
    for seed in range(60):
        f = _draw(_slot(2), seed).function
        heads |= {type(a).__name__ for a in sympy.preorder_traversal(f)}
    assert {"Pow", "exp", "log", "sin", "cos"} <= heads


def test_outer_option_restricts_the_outer_function():
    for seed in range(15):
        draft = _draw(_slot(2, options={"outer": ["ln"]}), seed)
        assert draft.function.has(sympy.log)
        assert not draft.function.has(sympy.exp), "ln(a e^(kx)) has a constant derivative"


def test_difficulty_changes_inner_structure():
    easy = [_draw(_slot(1), s).function for s in range(20)]
    hard = [_draw(_slot(3), s).function for s in range(20)]
    assert sum(sympy.count_ops(f) for f in easy) < sum(sympy.count_ops(f) for f in hard)
    assert not any(f.has(sympy.log, sympy.Add) for f in easy)


def _integers(expr: sympy.Basic) -> list[int]:
    out: list[int] = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow):
            continue
        out += [int(a) for a in node.args if isinstance(a, sympy.Integer) and not isinstance(node, sympy.Pow)]
    return out


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_coefficients_within_slot_range(difficulty):
    for seed in SEEDS:
        draft = _draw(_slot(difficulty, coefficients=(2, 4)), seed)
        numbers = _integers(draft.function)
        assert numbers and all(2 <= n <= 4 for n in numbers), (draft.function, numbers)


@pytest.mark.parametrize("ask", ["partial", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_mistakes_differ_from_key(difficulty, ask):
    kinds: set[str] = set()
    for seed in SEEDS:
        draft = _draw(_slot(difficulty, ask), seed)
        (x,) = draft.variables
        key = _values(draft.answer, x)
        for m in draft.mistakes:
            kinds.add(m.kind)
            assert not _close(_values(m.answer, x), key), (m.kind, m.answer, draft.answer)
            assert len(m.feedback) > 30
    assert {"forgot_inner", "wrong_inner", "sign"} <= kinds
    if ask == "partial":
        assert "inner_in_place" in kinds


def test_off_by_one_for_power_outer():
    draft = _draw(_slot(2, options={"outer": ["power"]}), 1)
    assert "off_by_one_exp" in {m.kind for m in draft.mistakes}


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_steps_end_in_answer_and_name_outer_and_inner(difficulty):
    for seed in range(10):
        draft = _draw(_slot(difficulty), seed)
        assert draft.steps[-1].expr == draft.answer
        texts = " ".join(s.text for s in draft.steps)
        assert "outer function" in texts and "inner function" in texts and "Chain rule" in texts


def test_other_variable_name_is_used():
    draft = _draw(_slot(2, variables=("t",)), 3)
    assert [v.name for v in draft.variables] == ["t"]
    assert "g(t)" in draft.steps[0].text


def test_unknown_outer_is_refused_by_the_declared_option():
    with pytest.raises(ValidationError, match="tanh is not one of power, exp, ln, sin, cos, sqrt"):
        ChainSingle.options["outer"].validate(["sin", "tanh"], SlotContext())


def test_ln_without_positive_coefficients_is_refused_at_load_time():
    [(key, message)] = ChainSingle().check_slot(_slot(2, coefficients=(-5, -1), options={"outer": ["ln", "sqrt"]}))
    assert key == "outer" and "positive" in message
    assert ChainSingle().check_slot(_slot(2, coefficients=(-5, -1), options={"outer": ["ln", "sin"]})) == []


def test_negative_coefficients_still_draw():
    for seed in range(10):
        draft = _draw(_slot(2, coefficients=(-4, -1)), seed)
        assert not draft.function.has(sympy.log)


def test_all_outer_names_are_known():
    assert set(OUTERS) == {"power", "exp", "ln", "sin", "cos", "sqrt"}


def test_step_latex_is_well_formed_and_explains_itself():
    """Renderers set a leading \\text{...} as the step's sentence and the rest as a formula."""
    for ask in ASKS:
        for difficulty in (1, 2, 3):
            assert_steps_well_formed(_draw(_slot(difficulty, ask), 1))


@pytest.mark.parametrize("ask", ASKS)
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_one_variable_is_differentiated_with_d_never_partial(difficulty, ask):
    # the material: a function of a single parameter takes the d operator, in prompt, steps and feedback
    for seed in range(10):
        draft = _draw(_slot(difficulty, ask), seed)
        texts = [draft.prompt_text, *(s.text for s in draft.steps), *(m.feedback for m in draft.mistakes)]
        latexes = [draft.prompt_latex, *(s.latex or "" for s in draft.steps)]
        assert not any("∂" in t for t in texts), texts
        assert not any(r"\partial" in t for t in latexes), latexes
        assert r"\frac{d h}{d x}" in draft.prompt_latex and "dh/dx" in draft.prompt_text


@pytest.mark.parametrize("c", [-3, -1, 1, 2])
@pytest.mark.parametrize("a", [-2, -1, 1, 3])
def test_power_of_monomial_steps_and_key_are_sympys_expand(c, a):
    """The shortcut's key, built as a monomial, is exactly sympy.expand of the chain-rule product, for either
    sign; its simplified function is the monomial c a^n x^(kn), also for c = a = 1, where sympy.expand leaves
    (x^k)^n as written and the step once read "h(x) = (x^2)^3 = (x^2)^3"."""
    x = sympy.Symbol("x", real=True)
    for k in (2, 3):
        for n in (2, 5):
            outer, spec = _Outer("power", c, n), ("monomial", a, k)
            sym = _symbolic(outer, spec, x)
            inner = _build_inner(spec, x)
            chained = sympy.Mul(outer.apply(inner.expr, derivative=True, keep=False), inner.deriv)
            assert sympy.srepr(sym.key) == sympy.srepr(sympy.expand(chained))
            simplified = next(s.expr for s in sym.steps if s.text.startswith("Alternatively"))
            assert sympy.srepr(simplified) == sympy.srepr(sympy.Integer(c * a**n) * x ** (k * n))
            assert simplified != sym.h
