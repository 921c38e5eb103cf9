"""neuron: every activation x loss x question has a key that matches the function's derivative, worked steps
that define what they use, and the buggy keys the grader diagnoses; value questions are exact (sigmoid and
tanh at ln r, stated in the prompt) and never on a ReLU kink; difficulties ask for different understanding;
bad slots are bank errors. A few draws per case: the family caches its symbolic work, so this stays fast."""

from __future__ import annotations

import math
import random
import re
from functools import cache

import pytest
import sympy

from quizgen.families.base import SlotSpec
from quizgen.families.neuron import ABOUT, Neuron
from quizgen.verify import verify_draft
from tests.families.drawtools import assert_steps_well_formed, derivative

NAMES = Neuron.default_variables
COMBOS = [
    (g, loss)
    for g in ("linear", "relu", "leaky_relu", "sigmoid", "tanh")
    for loss in ("output", "half_squared", "squared", "bce")
    if loss != "bce" or g == "sigmoid"
]
FAMILY = Neuron()


def _slot(
    difficulty=2, ask="partial", variables=NAMES, wrt=None, options=None, point=None, coefficients=(-3, 3), inputs=None
):
    if ask == "value" and point is None:
        point = "random"
    if inputs is not None:
        options = {**(options or {}), "inputs": inputs}
    return SlotSpec(
        1,
        "neuron",
        difficulty,
        1.0,
        ask,
        variables=variables,
        coefficients=coefficients,
        wrt=wrt,
        point=point,
        options=options or {},
    )


def _draw(slot: SlotSpec, seed: int):
    rng = random.Random(seed)
    for _ in range(10):
        draft = FAMILY.draw(slot, rng)
        if draft is not None:
            return draft
    raise AssertionError("no draft after 10 draws")


def _cases(ask: str):
    """(activation, loss, about) for every question the family can draw with this ask."""
    for g, loss in COMBOS:
        for about in ABOUT:
            slot = _slot(ask=ask, options={"activation": g, "loss": loss, "about": [about]})
            if not FAMILY.check_slot(slot):
                yield g, loss, about


def _floats(expr, point) -> float | None:
    """expr at a float point (a lambdified function: keys come from the family, not from students), None
    where it is not real."""
    names = tuple(sorted(point, key=lambda v: v.name))
    try:
        value = float(_compiled(expr, names)(*[point[v] for v in names]))
    except (TypeError, ZeroDivisionError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


@cache
def _compiled(expr, names):
    return sympy.lambdify(names, expr, modules="math")


def _sample(draft, count=4):
    """Points on both sides of every kink where the function is real (a in (0, 1) for cross-entropy in a)."""
    rng = random.Random(7)
    sides: dict[bool, list] = {True: [], False: []}
    for _ in range(200):
        point = {v: rng.uniform(0.05, 0.95) if v.name == "a" else rng.uniform(-2, 2) for v in draft.variables}
        if _floats(draft.function, point) is None:
            continue
        side = all(float(k.xreplace(point)) > 0 for k in draft.kinks) if draft.kinks else True
        if any(abs(float(k.xreplace(point))) < 0.05 for k in draft.kinks):
            continue
        if len(sides[side]) < count // 2:
            sides[side].append(point)
        if all(len(s) >= count // 2 for s in sides.values()) or (not draft.kinks and len(sides[True]) >= count):
            break
    return sides[True] + sides[False]


def _assert_matches_diff(draft):
    """The key equals sympy.diff of the function, by evaluation on both sides of the kink."""
    answers = draft.answer if isinstance(draft.answer, list) else [draft.answer]
    points = _sample(draft)
    assert points
    for v, key in zip(draft.wrt, answers):
        expected = derivative(draft.function, v)
        for point in points:
            e, k = _floats(expected, point), _floats(key, point)
            assert e is not None and k is not None and math.isclose(e, k, rel_tol=1e-9, abs_tol=1e-9), (
                draft.function,
                v,
                key,
            )


@pytest.mark.parametrize(("activation", "loss", "about"), list(_cases("partial")))
def test_symbolic_key_is_the_derivative(activation, loss, about):
    draft = _draw(_slot(ask="partial", options={"activation": activation, "loss": loss, "about": [about]}), 1)
    check = verify_draft(draft.function, draft.variables, draft.wrt, draft.answer, draft.kinks, random.Random(0))
    assert check.ok, check.reason
    _assert_matches_diff(draft)
    assert_steps_well_formed(draft)
    assert draft.steps[-1].expr == draft.answer


@pytest.mark.parametrize(("activation", "loss", "about"), list(_cases("value")))
def test_value_key_is_exact_and_checked(activation, loss, about):
    for seed in (1, 2):
        draft = _draw(_slot(ask="value", options={"activation": activation, "loss": loss, "about": [about]}), seed)
        assert draft.answer.is_Rational and draft.answer != 0, draft.answer
        check = verify_draft(
            draft.function, draft.variables, draft.wrt, draft.answer, draft.kinks, random.Random(0), draft.point
        )
        assert check.ok, check.reason
        expected = derivative(draft.function, draft.wrt[0]).xreplace(draft.point)
        assert abs(float(expected) - float(draft.answer)) < 1e-12
        assert draft.steps[-1].expr == draft.answer  # the hand computation ends on the key
        assert_steps_well_formed(draft)


@pytest.mark.parametrize(("activation", "loss"), [c for c in COMBOS if c[0] not in ("leaky_relu",) or c[1] == "output"])
def test_gradient_over_weights_and_bias(activation, loss):
    draft = _draw(_slot(ask="gradient", options={"activation": activation, "loss": loss}), 2)
    names = [v.name for v in draft.wrt]
    assert names[-1] == "b" and all(n.startswith("w") for n in names[:-1])
    check = verify_draft(draft.function, draft.variables, draft.wrt, draft.answer, draft.kinks, random.Random(0))
    assert check.ok, check.reason
    _assert_matches_diff(draft)
    assert {"sign", "wrong_var"} <= {m.kind for m in draft.mistakes}


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_sigmoid_and_tanh_values_are_exact_fractions_given_in_the_prompt(activation):
    for seed in range(6):
        draft = _draw(_slot(3, "value", options={"activation": activation, "about": ["weight"]}), seed)
        z = draft.definitions["z"].xreplace(draft.point)
        assert sympy.exp(z).is_Rational  # z = ln r exactly
        a = draft.definitions["a"].xreplace(draft.point)
        given = re.search(r"Use (σ|tanh)\(([^)]*\)?)\) = (-?\d+/\d+)\.", draft.prompt_text)
        assert given, draft.prompt_text
        assert abs(float(a) - float(sympy.Rational(given.group(3)))) < 1e-12
        assert any("(given)" in s.text for s in draft.steps)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_value_points_are_never_on_the_kink(activation):
    zs = []
    for seed in range(30):
        draft = _draw(_slot(2, "value", options={"activation": activation, "about": ["weight", "z"]}), seed)
        z = draft.kinks[0].xreplace(draft.point)
        assert z != 0
        zs.append(z)
    if activation == "relu":
        assert all(z > 0 for z in zs)  # behind a closed gate every answer is 0
    else:
        assert any(z < 0 for z in zs)  # the leak's slope 1/10 is asked too


def test_linear_and_relu_output_never_ask_a_value_that_is_always_one():
    for seed in range(20):
        draft = _draw(_slot(1, "value"), seed)
        assert draft.wrt[0].name[0] in "wx"


def test_each_mistake_is_the_bug_it_names():
    """Collected from symbolic questions (at one point a wrong key may coincide with the right one, and
    the value question then drops it); every value question's mistakes differ from its key."""
    kinds: dict[tuple[str, str], set[str]] = {}
    for g, loss in COMBOS:
        for about in ("weight", "input", "z"):
            for ask in ("partial", "value"):
                slot = _slot(3, ask, options={"activation": g, "loss": loss, "about": [about]}, inputs=1)
                if FAMILY.check_slot(slot):
                    continue
                draft = _draw(slot, 0)
                assert all(len(m.feedback) > 30 for m in draft.mistakes)
                if ask == "value":
                    assert all(m.answer != draft.answer for m in draft.mistakes)
                else:
                    kinds.setdefault((g, loss), set()).update(m.kind for m in draft.mistakes)
    assert {"ignored_max", "wrong_side", "sign", "wrong_var"} <= kinds[("relu", "half_squared")]
    assert "forgot_factor_2" in kinds[("relu", "squared")]
    assert "leak_as_relu" in kinds[("leaky_relu", "half_squared")]
    assert {"forgot_activation_derivative", "derivative_as_activation"} <= kinds[("sigmoid", "half_squared")]
    assert "tanh_unsquared" in kinds[("tanh", "squared")]
    assert {"bce_extra_slope", "sign"} <= kinds[("sigmoid", "bce")]


def test_buggy_key_values():
    """sigma' written as sigma, the factor 2 dropped: the mistakes are those very numbers."""
    slot = _slot(3, "value", options={"activation": "sigmoid", "loss": "squared", "about": ["bias"]})
    draft = _draw(slot, 4)
    a = draft.definitions["a"].xreplace(draft.point)
    a = sympy.nsimplify(a)
    t = draft.point[sympy.Symbol("t", real=True)]
    by_kind = {m.kind: m.answer for m in draft.mistakes}
    assert draft.answer == 2 * (a - t) * a * (1 - a)
    assert by_kind["derivative_as_activation"] == 2 * (a - t) * a
    assert by_kind["forgot_factor_2"] == (a - t) * a * (1 - a)
    assert by_kind["forgot_activation_derivative"] == 2 * (a - t)


def test_bce_with_sigmoid_is_a_minus_t():
    draft = _draw(_slot(3, "partial", options={"activation": "sigmoid", "loss": "bce", "about": ["z"]}), 0)
    z, t = sympy.symbols("z t", real=True)
    assert sympy.simplify(draft.answer - (1 / (1 + sympy.exp(-z)) - t)) == 0
    assert any("a - t" in s.text and "cross-entropy" in s.text for s in draft.steps)


def test_value_questions_about_z_and_a():
    """∂L/∂z at the neuron's numbers is carried as ∂L/∂b (∂z/∂b = 1: the same function), so the answer box
    shows the neuron's numbers, not z; ∂L/∂a is the loss's derivative at the output a, which is given."""
    slot = _slot(2, "value", options={"activation": "leaky_relu", "loss": "squared", "about": ["z"]})
    for seed in range(4):
        draft = _draw(slot, seed)
        assert [v.name for v in draft.wrt] == ["b"] and "value of ∂L/∂z at w1 = " in draft.prompt_text
        assert {v.name for v in draft.point} == {v.name for v in draft.variables} >= {"w1", "x1", "b", "t"}
        z = draft.definitions["z"].xreplace(draft.point)
        t = draft.point[sympy.Symbol("t", real=True)]
        a = z if z > 0 else z / 10
        assert draft.answer == 2 * (a - t) * (1 if z > 0 else sympy.Rational(1, 10))
    a_slot = _slot(3, "value", options={"activation": "sigmoid", "loss": "bce", "about": ["a"]})
    draft = _draw(a_slot, 0)
    a, t = draft.point[sympy.Symbol("a", real=True)], draft.point[sympy.Symbol("t", real=True)]
    assert f"outputs a = {a}" in draft.prompt_text and draft.answer == -t / a + (1 - t) / (1 - a)


def test_questions_about_z_and_a_are_functions_of_them():
    z = _draw(_slot(2, "partial", options={"activation": "relu", "loss": "squared", "about": ["z"]}), 0)
    assert [v.name for v in z.variables] == ["z", "t"] and set(z.definitions) == {"a"}
    assert str(z.answer) == "Piecewise((2*(-t + z), z > 0), (0, True))"
    assert "as a function of z and t" in z.prompt_text
    a = _draw(_slot(2, "partial", options={"activation": "tanh", "loss": "half_squared", "about": ["a"]}), 0)
    assert [v.name for v in a.variables] == ["a", "t"] and str(a.answer) == "a - t"
    one = _draw(_slot(2, "partial", options={"activation": "sigmoid", "loss": "output", "about": ["z"]}), 0)
    assert [v.name for v in one.variables] == ["z"] and "dL/dz" in one.prompt_text  # one variable: d, not ∂


@pytest.mark.parametrize("ask", ["partial", "gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_steps_define_z_and_a_before_using_them(difficulty, ask):
    for seed in range(4):
        draft = _draw(_slot(difficulty, ask), seed)
        texts = [s.text for s in draft.steps]
        first_use = next(i for i, t in enumerate(texts) if "dz" in t or "∂z" in t or "∂L/∂a" in t)
        defined = " ".join(texts[:first_use])
        variables = {v.name for v in draft.variables}
        assert first_use >= 1  # something is defined first
        openings = [t for t in texts if t.startswith(("Forward pass", "The pre-activation", "The output is"))]
        assert len(openings) <= 1, texts  # z and a are introduced once: forward pass or symbolically
        if "z" not in variables and any("dz" in t or "∂z" in t for t in texts):
            assert "z =" in defined, texts
        if "a" not in variables:
            assert "a =" in defined or "a = " in draft.prompt_text, texts
        assert all("∂a/" not in t and "∂/∂z" not in t for t in texts)  # one-variable derivatives use d
        for step in draft.steps:
            exprs = step.expr if isinstance(step.expr, list) else [step.expr] if step.expr is not None else []
            for e in exprs:
                assert e.free_symbols <= set(draft.variables), (step.text, e)


@pytest.mark.parametrize("ask", ["partial", "gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_definitions_are_what_the_prompt_says(difficulty, ask):
    for seed in range(4):
        draft = _draw(_slot(difficulty, ask), seed)
        names = {v.name for v in draft.variables}
        assert set(draft.definitions) == ({"a"} if "z" in names else set() if "a" in names else {"z", "a"})
        for definition in draft.definitions.values():
            assert definition.free_symbols <= set(draft.variables)
        if "z" in draft.definitions:
            pairs = re.search(r"z = ([^ ]+(?: \+ [^ ]+)*) and outputs", draft.prompt_text).group(1)
            prompt_z = sympy.sympify(pairs.replace("*", "*"), locals={v.name: v for v in draft.variables})
            assert sympy.expand(prompt_z - draft.definitions["z"]) == 0


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_difficulties_ask_for_different_understanding(difficulty):
    seen_act, seen_loss, seen_about = set(), set(), set()
    for seed in range(30):
        draft = _draw(_slot(difficulty, "value"), seed)
        text = draft.prompt_text
        seen_act |= {
            g
            for g, p in [
                ("linear", "linear output"),
                ("relu", "ReLU(z)"),
                ("leaky", "LeakyReLU"),
                ("sigmoid", "σ(z)"),
                ("tanh", "tanh(z)"),
            ]
            if p in text
        }
        seen_loss |= {
            k
            for k, p in [
                ("output", "output itself"),
                ("half", "half the squared"),
                ("squared", "no factor 1/2"),
                ("bce", "cross-entropy"),
            ]
            if p in text
        }
        seen_about.add(re.search(r"value of [∂d]L/[∂d](\w+?)\d* at", text).group(1))
    if difficulty == 1:
        assert seen_act == {"linear", "relu"} and seen_loss == {"output"} and seen_about <= {"w", "x"}
    elif difficulty == 2:
        assert seen_act == {"relu", "leaky"} and seen_loss == {"half", "squared"}
        assert {"z", "a"} <= seen_about  # dL/dz and dL/da are asked from difficulty 2
    else:
        assert seen_act == {"sigmoid", "tanh"} and seen_loss == {"half", "squared", "bce"}
        assert "x" in seen_about  # the gradient flowing back to the layer before


@pytest.mark.parametrize("ask", ["partial", "gradient", "value"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_same_seed_same_draft(difficulty, ask):
    a, b = _draw(_slot(difficulty, ask), 3), _draw(_slot(difficulty, ask), 3)
    assert (str(a.function), str(a.answer), a.prompt_text, a.point) == (
        str(b.function),
        str(b.answer),
        b.prompt_text,
        b.point,
    )
    assert [(m.kind, str(m.answer)) for m in a.mistakes] == [(m.kind, str(m.answer)) for m in b.mistakes]


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_value_questions_vary(difficulty):
    prompts = {_draw(_slot(difficulty, "value"), s).prompt_text for s in range(20)}
    assert len(prompts) >= 19


def test_inputs_and_wrt_size_the_neuron():
    four = _draw(_slot(3, "value", options={"inputs": 4, "activation": "tanh"}), 0)
    assert {v.name for v in four.variables} >= {"w4", "x4"}
    grown = _draw(_slot(1, wrt="x3"), 0)
    assert [v.name for v in grown.wrt] == ["x3"] and "w3" in {v.name for v in grown.variables}


def test_bank_point_is_used_as_given():
    point = {"w1": 1, "x1": 2, "b": -1, "t": 3}
    slot = _slot(
        2,
        "value",
        variables=("w1", "x1", "b", "t"),
        wrt="w1",
        point=point,
        options={"activation": "relu", "loss": "squared"},
    )
    draft = _draw(slot, 0)
    assert {v.name: int(x) for v, x in draft.point.items()} == point
    assert draft.answer == 2 * (1 * 2 - 1 - 3) * 2  # 2(z - t) x1 with z = 1


def test_older_loss_relu_is_the_output_of_a_relu_neuron():
    draft = _draw(_slot(1, options={"loss": "relu", "inputs": 1}, wrt="w1"), 0)
    assert str(draft.answer) == "Piecewise((x1, b + w1*x1 > 0), (0, True))"
    assert "ReLU(z)" in draft.prompt_text and "L = a, the output itself" in draft.prompt_text


@pytest.mark.parametrize(
    ("options", "extra", "key", "phrase"),
    [
        ({"activation": "tanh", "loss": "bce"}, {}, "loss", "sigmoid"),
        ({"loss": "squared"}, {"variables": ("w1", "x1", "b")}, "loss", "target variable t"),
        ({"loss": "output", "about": ["a"]}, {}, "about", "∂L/∂a is 1"),
        (
            {"activation": "sigmoid"},
            {"ask": "value", "point": {"w1": 1, "x1": 1, "b": 0, "t": 1}},
            "point",
            "calculator",
        ),
        ({"about": ["z"]}, {"wrt": "w1"}, "about", "not both"),
        ({"about": ["z"]}, {"ask": "gradient"}, "about", "gradient"),
        ({"activation": "leaky_relu", "loss": "squared", "about": ["weight"]}, {}, "about", "too long"),
        ({"activation": "sigmoid", "loss": "squared", "inputs": 3}, {}, "inputs", "too long"),
        ({}, {"variables": ("x", "y", "b")}, "variables", "w1, x1"),
    ],
)
def test_slots_it_cannot_draw_are_bank_errors(options, extra, key, phrase):
    slot = _slot(extra.pop("difficulty", 2), options=options, **extra)
    [(got_key, message)] = FAMILY.check_slot(slot)
    assert got_key == key and phrase in message, message


@pytest.mark.parametrize("difficulty", [1, 2, 3])
@pytest.mark.parametrize("ask", ["partial", "gradient", "value"])
def test_every_checked_slot_draws(difficulty, ask):
    """draw() raises no bank error: what check_slot accepts always draws."""
    for options in ({}, {"loss": "output", "inputs": 4}, {"loss": "half_squared", "inputs": 2}, {"about": ["z", "a"]}):
        slot = _slot(difficulty, ask, options=options)
        if not FAMILY.check_slot(slot):
            _draw(slot, 1)


@pytest.mark.parametrize("ask", ["partial", "value"])
def test_every_prompt_key_and_step_typesets_as_mathml(ask):
    """The HTML feedback pages typeset every formula (quizgen.typeset.mathml); none may fall back to text."""
    from quizgen.draw import draw_problem
    from quizgen.typeset.latexmath import split_leading_text
    from quizgen.typeset.mathml import mathml, text_html

    for g, loss, about in _cases(ask):
        problem = draw_problem(
            _slot(3, ask, options={"activation": g, "loss": loss, "about": [about]}), random.Random(0)
        )
        text_html(problem.prompt_latex)
        mathml(problem.answer_latex, problem.answer)
        for step in problem.steps:
            lead, formula = split_leading_text(step.latex)
            assert "{}" not in text_html(lead), step.latex
            if formula:
                mathml(formula, step.text, display=True)
