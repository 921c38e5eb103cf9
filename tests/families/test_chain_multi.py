"""chain_multi: the key is the product of one factor per layer and agrees with sympy.diff of the composed
function; depth grows with difficulty; draws are deterministic and varied; buggy keys differ."""

from __future__ import annotations

import random
import re
from functools import cache

import pytest
import sympy

from quizgen.families.base import Draft, SlotSpec
from quizgen.families.chain_multi import ChainMulti
from tests.families.drawtools import assert_steps_well_formed, derivative, remembered

SEEDS = range(30)
ASKS = ("partial", "value")
VARIABLES = ("x", "y", "z", "w")
POINTS = [(0.7, -1.3, 0.4, 1.1), (-0.9, 0.6, -1.2, 0.8), (1.2, 1.1, 0.5, -0.6)]


def _slot(difficulty: int, ask: str = "partial", variables=VARIABLES, coefficients=(-5, 5), wrt=None) -> SlotSpec:
    return SlotSpec(
        1,
        "chain_multi",
        difficulty,
        1.0,
        ask,
        variables=variables,
        coefficients=coefficients,
        wrt=wrt,
        point="random" if ask == "value" else None,
    )


def _fresh_draw(slot: SlotSpec, seed: int) -> Draft:
    """Like the generator: a draw that returns None (no useful point) is redrawn from the same stream."""
    rng = random.Random(seed)
    for _ in range(20):
        draft = ChainMulti().draw(slot, rng)
        if draft is not None:
            return draft
    raise AssertionError("no draft after 20 draws")


_draw = remembered(_fresh_draw)  # test_same_seed_same_draft draws afresh


def _at(expr: sympy.Basic, variables, values) -> float:
    return _at_point(expr, tuple(variables), values)


@cache
def _at_point(expr: sympy.Basic, variables: tuple[sympy.Symbol, ...], values: tuple[float, ...]) -> float:
    """expr at the point, computed once per worker: a key is evaluated again for each of its mistakes and by
    each test that reads the same shared draft (3,208 evaluations in this module, 1,095 distinct; sympy
    expressions are immutable, so a remembered value is the same result)."""
    return float(expr.xreplace(dict(zip(variables, map(sympy.Float, values)))))


def _same(a: sympy.Basic, b: sympy.Basic, variables) -> bool:
    for values in POINTS:
        p, q = _at(a, variables, values), _at(b, variables, values)
        if abs(p - q) > 1e-9 * max(1.0, abs(p), abs(q)):
            return False
    return True


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_key_equals_sympy_diff(difficulty):
    for seed in SEEDS:
        draft = _draw(_slot(difficulty), seed)
        (x,) = draft.wrt
        assert _same(draft.answer, derivative(draft.function, x), draft.variables), draft.function


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_one_factor_per_layer(difficulty):
    """Depth is difficulty + 1: f(h), f(g(h)), f(g(k(h))); each factor has its own step."""
    for seed in range(10):
        draft = _draw(_slot(difficulty), seed)
        factor_steps = [s for s in draft.steps if s.text.startswith(("df/d", "∂"))]
        assert len(factor_steps) == difficulty + 1
        product = sympy.Mul(*[s.expr for s in factor_steps])
        assert _same(product, draft.answer, draft.variables)
        assert draft.prompt_text.count("(") >= difficulty + 1


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_value_is_derivative_at_point(difficulty):
    for seed in range(15):
        draft = _draw(_slot(difficulty, "value"), seed)
        (x,) = draft.wrt
        expected = derivative(draft.function, x).xreplace(draft.point)
        assert draft.answer.is_number and draft.answer != 0
        assert abs(float(draft.answer - expected)) <= 1e-9 * max(1.0, abs(float(expected)))
        assert all(v != 0 for v in draft.point.values())


def test_wrt_from_slot_is_used():
    for seed in range(5):
        assert [w.name for w in _draw(_slot(2, wrt="z"), seed).wrt] == ["z"]


def test_two_variables_are_enough():
    for difficulty in (1, 2, 3):
        draft = _draw(_slot(difficulty, variables=("x", "y")), 1)
        assert {s.name for s in draft.function.free_symbols} <= {"x", "y"}


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_same_seed_same_draft(difficulty):
    a, b = _fresh_draw(_slot(difficulty), 4), _fresh_draw(_slot(difficulty), 4)
    assert (str(a.function), str(a.answer), a.prompt_text) == (str(b.function), str(b.answer), b.prompt_text)
    assert [(m.kind, str(m.answer)) for m in a.mistakes] == [(m.kind, str(m.answer)) for m in b.mistakes]


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_variety_across_seeds(difficulty):
    assert len({str(_draw(_slot(difficulty), s).function) for s in range(20)}) >= 18


def test_coefficients_within_slot_range():
    for difficulty in (1, 2, 3):
        for seed in range(15):
            draft = _draw(_slot(difficulty, coefficients=(2, 4)), seed)
            prompt_numbers = [int(n) for layer_def in draft.prompt_text.split(";") for n in _coefficients(layer_def)]
            assert all(2 <= n <= 4 for n in prompt_numbers), draft.prompt_text


def _coefficients(text: str) -> list[str]:
    """Coefficients in 'g(y, u) = 3*u*y^2': numbers followed by '*' (exponents follow '^')."""
    return re.findall(r"(?<![\^\d])(\d+)\*", text)


@pytest.mark.parametrize("ask", ["partial", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_mistakes_differ_from_key(difficulty, ask):
    kinds: set[str] = set()
    for seed in SEEDS:
        draft = _draw(_slot(difficulty, ask), seed)
        for m in draft.mistakes:
            kinds.add(m.kind)
            assert not _same(m.answer, draft.answer, draft.variables), (m.kind, m.answer)
            assert len(m.feedback) > 30
    assert {"forgot_inner", "wrong_var", "other_var_nonconst"} <= kinds
    if difficulty >= 2:
        assert "missing_factor" in kinds


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_steps_end_in_answer(difficulty):
    for ask in ("partial", "value"):
        for seed in range(8):
            draft = _draw(_slot(difficulty, ask), seed)
            assert draft.steps[-1].expr == draft.answer
            assert "held constant" in draft.steps[0].text or "hold" in " ".join(s.text for s in draft.steps)
            assert r"\partial" in draft.prompt_latex


def test_step_latex_is_well_formed_and_explains_itself():
    """Renderers set a leading \\text{...} as the step's sentence and the rest as a formula."""
    for ask in ASKS:
        for difficulty in (1, 2, 3):
            assert_steps_well_formed(_draw(_slot(difficulty, ask), 1))


def test_unused_bank_variables_are_left_out():
    """f(h(x, y)) with variables [x, y, z, w] is a function of x and y only."""
    for seed in range(10):
        draft = _draw(_slot(1), seed)
        assert len(draft.variables) == 2
        assert set(draft.variables) == draft.function.free_symbols
        assert f"F({', '.join(v.name for v in draft.variables)})" in draft.prompt_text


def _prompt_layers(prompt: str) -> list[tuple[str, list[str], str]]:
    """(name, argument names, body) of each layer as the prompt states it: "g(z, u) = 2*u + 2*z"."""
    head = prompt.split(", and F(", 1)[0].removeprefix("Let ")
    out = []
    for part in head.split("; "):
        m = re.fullmatch(r"(\w+)\(([^)]*)\) = (.+)", part)
        assert m, part
        out.append((m.group(1), m.group(2).split(", "), m.group(3)))
    return out


@pytest.mark.parametrize("ask", ASKS)
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_definitions_are_what_the_prompt_says(difficulty: int, ask: str) -> None:
    """Each inner layer (h, g, k) and the argument naming it in the next layer (u, v, s) is defined as the
    prompt's composition, in the variables; f (which is F) is not a definition."""
    from quizgen.mathparse import parse_answer, symbol

    for seed in range(8):
        draft = _draw(_slot(difficulty, ask), seed)
        expected: dict[str, sympy.Expr] = {}
        below: sympy.Expr | None = None  # the value of the layer read last (the one inside)
        for layer_name, args, body in reversed(_prompt_layers(draft.prompt_text)):  # h first, f last
            arg = next((a for a in args if a not in VARIABLES), None)
            expr = parse_answer(body, list(VARIABLES) + ([arg] if arg else [])).value
            if arg is not None:  # the argument that stands for the layer below: g(z, u) with u = h(...)
                assert below is not None
                expected[arg] = below
                expr = expr.xreplace({symbol(arg): below})
            if layer_name != "f":
                expected[layer_name] = expr
            below = expr
        assert set(draft.definitions) == set(expected), (draft.prompt_text, draft.definitions)
        variables = [symbol(v) for v in VARIABLES]
        for name, expr in expected.items():
            assert draft.definitions[name].free_symbols <= set(draft.variables)
            assert _same(draft.definitions[name], expr, variables), (name, draft.definitions[name], expr)


def test_inner_function_takes_its_variables_in_the_banks_order():
    for seed in SEEDS:
        draft = _draw(_slot(2, variables=("x", "y", "z")), seed)
        for a, b in re.findall(r"h\((\w), (\w)\)", draft.prompt_text):
            assert "xyz".index(a) < "xyz".index(b), draft.prompt_text
