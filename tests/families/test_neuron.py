"""neuron: indicator keys agree with sympy.diff on both sides of the ReLU kink, the prompt says which loss,
value points open the gate, draws are deterministic and varied, bad variables are a bank error."""

from __future__ import annotations

import random
import re

import pytest
import sympy

from quizgen.families.base import SlotSpec
from quizgen.families.neuron import Neuron
from tests.families.drawtools import assert_steps_well_formed

SEEDS = range(25)
ASKS = ("partial", "gradient", "value")
NAMES = Neuron.default_variables


def _slot(difficulty: int, ask: str = "partial", variables=NAMES, wrt=None, options=None, point=None) -> SlotSpec:
    if ask == "value" and point is None:
        point = "random"
    return SlotSpec(
        1,
        "neuron",
        difficulty,
        1.0,
        ask,
        variables=variables,
        coefficients=(-5, 5),
        wrt=wrt,
        point=point,
        options=options or {},
    )


def _draw(slot: SlotSpec, seed: int):
    rng = random.Random(seed)
    for _ in range(10):
        draft = Neuron().draw(slot, rng)
        if draft is not None:
            return draft
    raise AssertionError("no draft after 10 draws")


def _points(variables, z, count: int = 12):
    """Fixed pseudo-random points with z clearly positive for half of them and clearly negative for the rest."""
    rng = random.Random(1234)
    found = {True: [], False: []}
    while min(len(found[True]), len(found[False])) < count // 2:
        point = {v: sympy.Float(rng.uniform(-2, 2)) for v in variables}
        zv = float(z.xreplace(point))
        if abs(zv) > 0.05 and len(found[zv > 0]) < count // 2:
            found[zv > 0].append(point)
    return found[True] + found[False]


def _same(a, b, points) -> bool:
    for p in points:
        x, y = float(a.xreplace(p)), float(b.xreplace(p))
        if abs(x - y) > 1e-9 * max(1.0, abs(x), abs(y)):
            return False
    return True


def _z(draft) -> sympy.Expr:
    return draft.kinks[0]


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_partial_equals_sympy_diff_on_both_sides_of_the_gate(difficulty):
    for seed in SEEDS:
        draft = _draw(_slot(difficulty), seed)
        (v,) = draft.wrt
        points = _points(draft.variables, _z(draft))
        assert isinstance(draft.answer, sympy.Piecewise)
        assert _same(draft.answer, sympy.diff(draft.function, v), points), (draft.function, v)


def test_answer_prints_as_manifest_indicator():
    draft = _draw(_slot(1, wrt="w1", options={"inputs": 1}), 0)
    assert str(draft.answer) == "Piecewise((x1, b + w1*x1 > 0), (0, True))"
    assert str(draft.function) == "Max(0, b + w1*x1)"


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_gradient_over_weights_and_bias(difficulty):
    for seed in range(10):
        draft = _draw(_slot(difficulty, "gradient"), seed)
        names = [v.name for v in draft.wrt]
        assert names[-1] == "b" and all(n.startswith("w") for n in names[:-1])
        points = _points(draft.variables, _z(draft))
        for v, component in zip(draft.wrt, draft.answer):
            assert _same(component, sympy.diff(draft.function, v), points)


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_value_opens_the_gate_and_matches_derivative(difficulty):
    for seed in SEEDS:
        draft = _draw(_slot(difficulty, "value"), seed)
        (v,) = draft.wrt
        assert set(draft.point) == set(draft.variables)
        assert _z(draft).xreplace(draft.point) > 0
        assert draft.answer != 0 and draft.answer.is_number
        expected = sympy.diff(draft.function, v).xreplace(draft.point)
        assert sympy.N(expected - draft.answer) == 0


def test_bank_point_is_used_as_given():
    point = {"w1": 1, "x1": 2, "b": -1, "t": 3}
    draft = _draw(_slot(3, "value", variables=("w1", "x1", "b", "t"), wrt="w1", point=point), 0)
    assert {v.name: int(x) for v, x in draft.point.items()} == point
    assert draft.answer == 2 * (1 * 2 - 1 - 3) * 2  # 2(z - t) x1 with z = 1


@pytest.mark.parametrize(
    ("difficulty", "phrase", "kind"),
    [(1, "the output itself", "relu"), (2, "half the squared error", "half"), (3, "no factor 1/2", "squared")],
)
def test_prompt_names_the_loss(difficulty, phrase, kind):
    draft = _draw(_slot(difficulty), 2)
    assert phrase in draft.prompt_text
    assert r"\partial" in draft.prompt_latex
    has_half = draft.function.has(sympy.Rational(1, 2))
    assert has_half == (kind == "half")


def test_loss_and_inputs_options_override_difficulty():
    draft = _draw(_slot(1, "value", options={"loss": "squared", "inputs": 3}), 5)
    assert "no factor 1/2" in draft.prompt_text
    assert {v.name for v in draft.variables} == {"w1", "w2", "w3", "x1", "x2", "x3", "b", "t"}
    relu = _draw(_slot(3, "gradient", options={"loss": "relu", "inputs": 3}), 5)
    assert [v.name for v in relu.wrt] == ["w1", "w2", "w3", "b"]


def test_symbolic_squared_error_with_three_inputs_is_refused_at_load_time():
    """Its key does not fit on a line; the message, on the inputs key, says what to change."""
    [(key, message)] = Neuron().check_slot(_slot(3, options={"inputs": 3}))
    assert key == "inputs" and "ask: value" in message


def test_wrt_that_grows_a_symbolic_neuron_too_far_is_refused_on_wrt():
    [(key, message)] = Neuron().check_slot(_slot(3, wrt="x3"))
    assert key == "wrt" and "with 3 inputs is too long" in message
    assert Neuron().check_slot(_slot(3, "value", wrt="x3")) == []
    assert Neuron().check_slot(_slot(3, wrt="x3", options={"loss": "relu"})) == []


def test_wrt_beyond_default_size_grows_the_neuron():
    draft = _draw(_slot(1, wrt="x3", options={"loss": "relu"}), 0)
    assert [v.name for v in draft.wrt] == ["x3"]
    assert any(v.name == "w3" for v in draft.variables)


def test_difficulty_grows_the_neuron():
    sizes = {d: max(len(_draw(_slot(d, "value"), s).variables) for s in range(10)) for d in (1, 2, 3)}
    assert sizes[1] < sizes[2] < sizes[3]


def test_variables_without_weights_are_refused_at_load_time():
    [(key, message)] = Neuron().check_slot(_slot(1, variables=("x", "y")))
    assert key == "variables" and "w1, x1" in message


def test_squared_loss_without_target_is_refused_at_load_time():
    [(key, message)] = Neuron().check_slot(_slot(1, variables=("w1", "x1", "b"), options={"loss": "squared"}))
    assert key == "loss" and "target variable t" in message


def test_loss_by_difficulty_without_target_falls_back_to_relu():
    """Only a loss the bank names needs t; the difficulty's default quietly uses the ReLU output instead."""
    slot = _slot(3, variables=("w1", "x1", "b"))
    assert Neuron().check_slot(slot) == []
    assert "L = a" in _draw(slot, 0).prompt_text


@pytest.mark.parametrize("difficulty", [1, 2, 3])
@pytest.mark.parametrize("ask", ASKS)
def test_every_checked_slot_draws(difficulty, ask):
    """draw() raises no bank error: what check_slot accepts always draws."""
    for options in ({}, {"loss": "relu", "inputs": 4}, {"loss": "half_squared", "inputs": 2}):
        slot = _slot(difficulty, ask, options=options)
        if not Neuron().check_slot(slot):
            _draw(slot, 1)


@pytest.mark.parametrize("ask", ["partial", "gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_same_seed_same_draft(difficulty, ask):
    a, b = _draw(_slot(difficulty, ask), 3), _draw(_slot(difficulty, ask), 3)
    assert (str(a.function), str(a.answer), a.prompt_text) == (str(b.function), str(b.answer), b.prompt_text)
    assert [(m.kind, str(m.answer)) for m in a.mistakes] == [(m.kind, str(m.answer)) for m in b.mistakes]


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_variety_across_seeds(difficulty):
    partials = {(str(d.function), str(d.wrt)) for d in (_draw(_slot(difficulty), s) for s in range(20))}
    assert len(partials) >= 4
    values = {d.prompt_text for d in (_draw(_slot(difficulty, "value"), s) for s in range(20))}
    assert len(values) >= 18


def test_point_values_within_range():
    for seed in SEEDS:
        draft = _draw(_slot(2, "value"), seed)
        assert all(-3 <= int(x) <= 3 for x in draft.point.values())


@pytest.mark.parametrize("ask", ["partial", "gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_mistakes_differ_from_key(difficulty, ask):
    kinds: set[str] = set()
    for seed in SEEDS:
        draft = _draw(_slot(difficulty, ask), seed)
        points = _points(draft.variables, _z(draft))
        keys = draft.answer if isinstance(draft.answer, list) else [draft.answer]
        for m in draft.mistakes:
            kinds.add(m.kind)
            answers = m.answer if isinstance(m.answer, list) else [m.answer]
            assert not all(_same(a, k, points) for a, k in zip(answers, keys)), (m.kind, m.answer)
            assert len(m.feedback) > 30
    if ask != "value":
        assert {"ignored_max", "wrong_side", "sign", "wrong_var"} <= kinds
    if difficulty == 3:
        assert "forgot_factor_2" in kinds


@pytest.mark.parametrize("ask", ["partial", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_steps_end_in_answer_and_show_the_gate(difficulty, ask):
    for seed in range(8):
        draft = _draw(_slot(difficulty, ask), seed)
        assert draft.steps[-1].expr == draft.answer
        assert any("ReLU gate" in s.text for s in draft.steps)
        assert any("constants" in s.text for s in draft.steps)


def test_step_latex_is_well_formed_and_explains_itself():
    """Renderers set a leading \\text{...} as the step's sentence and the rest as a formula."""
    for ask in ASKS:
        for difficulty in (1, 2, 3):
            # the shared gradient_steps helper ends with a bare "\nabla L = (...)"
            assert_steps_well_formed(_draw(_slot(difficulty, ask), 1), starts=(r"\text{", r"\nabla"))


def _prompt_value(prompt: str, name: str, variables) -> sympy.Expr:
    """What the prompt text says name is, read back with the answer parser (z = b + w1*x1 ...)."""
    from quizgen.mathparse import parse_answer

    m = re.search(rf"\b{name} = ([^.]+?)(?: and | = |\.\s)", prompt)
    assert m, prompt
    return parse_answer(m.group(1), [v.name for v in variables]).value


@pytest.mark.parametrize("ask", ASKS)
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_definitions_are_what_the_prompt_says(difficulty: int, ask: str) -> None:
    """z and a as the manifest carries them equal the prompt's z = ... and a = ReLU(z) = max(0, z)."""
    for seed in range(6):
        draft = _draw(_slot(difficulty, ask), seed)
        assert set(draft.definitions) == {"z", "a"}
        assert "a = ReLU(z) = max(0, z)" in draft.prompt_text
        z_prompt = _prompt_value(draft.prompt_text, "z", draft.variables)
        assert sympy.expand(draft.definitions["z"] - z_prompt) == 0
        assert draft.definitions["a"].free_symbols <= set(draft.variables)
        for point in _points(draft.variables, draft.definitions["z"], 6):
            z_at = z_prompt.xreplace(point)
            assert draft.definitions["a"].xreplace(point) == max(0, z_at)


@pytest.mark.parametrize("ask", ["partial", "gradient"])
def test_the_chain_rule_step_names_the_variable_it_is_written_for(ask):
    # the key once wrote dL/dv with v never defined
    draft = _draw(_slot(2, ask), 3)
    first = draft.steps[0].latex
    if ask == "partial":
        v = sympy.latex(draft.wrt[0])
        assert rf"\frac{{\partial L}}{{\partial {v}}}" in first and r"\partial v}" not in first
    else:
        assert r"\partial v}" in first and "for each $v$ of" in first
