"""The backprop family: graphs by difficulty, every part right by an exact route of its own, parts in the manifest."""

from __future__ import annotations

import random
import re

import pytest
import sympy

from quizgen.draw import draw_problem
from quizgen.families.backprop import Backprop
from quizgen.families.base import PART_SHIFT, Draft, SlotSpec
from quizgen.problem import Problem
from quizgen.verify import verify_parts
from tests.families.drawtools import backprop_slot, derivative, exactly_zero

_DRAWN: dict[tuple[int, tuple[tuple[str, object], ...]], list[Draft | None]] = {}
"""Each seed's first draft (None if 40 draws declined), kept per worker: several tests read the same drafts."""


def _drafts(difficulty: int, n: int = 25, **options: object) -> tuple[Draft, ...]:
    drawn = _DRAWN.setdefault((difficulty, tuple(sorted(options.items()))), [])
    for seed in range(len(drawn), n):
        drawn.append(_first_draft(backprop_slot(difficulty, **options), random.Random(seed)))
    return tuple(d for d in drawn[:n] if d is not None)


def _first_draft(slot: SlotSpec, rng: random.Random) -> Draft | None:
    for _ in range(40):
        d = Backprop().draw(slot, rng)
        if d is not None:
            return d
    return None


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_every_part_is_exactly_right(difficulty: int) -> None:
    """Exact sympy, not the family's local rules: a value is the node's expression at the point, a gradient
    the derivative of the output with the node shifted, at shift 0."""
    for d in _drafts(difficulty):
        assert d.point is not None and d.parts
        subs = {**d.point, PART_SHIFT: 0}
        for p in d.parts:
            if p.kind == "value":
                exact = p.check.xreplace(subs)  # symbols to numbers: subs' result, without its pattern matching
            else:
                exact = derivative(p.check, PART_SHIFT).xreplace(subs)
            assert exactly_zero(exact - p.answer), (p.label, p.of, p.answer, exact)


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_the_rules_give_each_part_from_the_earlier_parts(difficulty: int) -> None:
    """Carried-forward credit rests on each part's local rule: fed the right earlier answers, it gives the key."""
    for d in _drafts(difficulty):
        answers = {sympy.Symbol(p.label): p.answer for p in d.parts}
        for p in d.parts:
            if p.rule is not None:
                assert p.rule.free_symbols <= {sympy.Symbol(q.label) for q in d.parts if q.label < p.label}
                assert exactly_zero(p.rule.xreplace(answers) - p.answer)  # symbols to numbers: xreplace is subs there


def test_a_wrong_part_is_caught_by_the_independent_check() -> None:
    d = _drafts(2, 1)[0]
    parts = [(p.kind, p.answer, p.check, PART_SHIFT) for p in d.parts]
    assert verify_parts(d.variables, d.point, parts, d.kinks) == ""
    for i, (kind, answer, check, shift) in enumerate(parts):
        broken = list(parts)
        broken[i] = (kind, answer + sympy.Rational(1, 7), check, shift)
        assert verify_parts(d.variables, d.point, broken, d.kinks) != ""


def test_difficulty_one_is_a_neuron_without_loss_and_asks_every_node() -> None:
    for d in _drafts(1):
        names = {p.of for p in d.parts}
        assert "L" not in names and {"z", "w1", "x1", "b"} <= names
        assert {"p1", "p2"} <= names  # the products are nodes of the graph


def test_difficulty_two_adds_a_loss_and_every_activation_appears() -> None:
    prompts = " ".join(d.prompt_text for d in _drafts(2, 60))
    for shown in ("max(0, z)", "max(z, z/10)", "σ(z)", "tanh(z)", "(1/2)(a - t)^2", "L = (a - t)^2"):
        assert shown in prompts


def test_sigmoid_and_tanh_values_are_given_and_exact() -> None:
    for activation in ("sigmoid", "tanh"):
        for d in _drafts(2, 10, activation=activation):
            a = next(p.answer for p in d.parts if p.of == "a")
            assert a.is_Rational and "Use " in d.prompt_text


def test_no_relu_input_is_on_its_kink() -> None:
    for difficulty in (1, 2, 3):
        for d in _drafts(difficulty):
            for k in d.kinks:
                assert k.xreplace(d.point) != 0


def test_difficulty_three_sums_over_paths() -> None:
    """In the two-layer net x1 feeds every hidden unit: its gradient sums one term per path."""
    two_layer = [d for d in _drafts(3, 40) if any(p.of == "h1" for p in d.parts)]
    bce = [d for d in _drafts(3, 40) if "ln a" in d.prompt_text]
    assert two_layer and bce
    for d in two_layer:
        x1 = next(p for p in d.parts if p.of == "x1" and p.kind == "gradient")
        assert len(x1.rule.free_symbols) >= 2  # one upstream gradient per hidden unit
    for d in bce:  # dL/dz = a - t
        a = next(p.answer for p in d.parts if p.of == "a" and p.kind == "value")
        t = next(v for k, v in d.point.items() if k.name == "t")
        dz = next(p.answer for p in d.parts if p.of == "z" and p.kind == "gradient")
        assert dz == a - t


def test_parts_round_trip_the_manifest_and_share_the_points() -> None:
    p = draw_problem(backprop_slot(2), random.Random(3))
    data = p.to_dict()
    assert [q["label"] for q in data["parts"]] == [chr(ord("a") + i) for i in range(len(p.parts))]
    assert set(data["parts"][0]) == {
        "label",
        "kind",
        "of",
        "prompt_text",
        "prompt_latex",
        "answer",
        "answer_latex",
        "points",
        "rule",
        "steps",
    }
    assert Problem.from_dict(data) == p
    assert sum(q.points for q in p.parts) == pytest.approx(6.0)
    each = draw_problem(backprop_slot(2, part_points=0.5), random.Random(3))
    assert all(q.points == 0.5 for q in each.parts) and each.points == 0.5 * len(each.parts)


def test_a_problem_without_parts_has_no_parts_key() -> None:
    slot = SlotSpec(number=1, family="sum_rule", difficulty=1, points=1.0, ask="partial")
    data = draw_problem(slot, random.Random(0)).to_dict()
    assert "parts" not in data and Problem.from_dict(data).parts == []


def test_options_that_do_not_fit_the_difficulty_are_reported_at_load_time() -> None:
    assert Backprop().check_slot(backprop_slot(1, activation="sigmoid"))[0][0] == "activation"
    assert Backprop().check_slot(backprop_slot(3, loss="squared"))[0][0] == "loss"
    assert Backprop().check_slot(backprop_slot(2, activation="tanh", loss="squared")) == []


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_the_graph_holds_every_node_and_links_each_part_to_its_node(difficulty: int) -> None:
    for seed in range(4):
        p = draw_problem(backprop_slot(difficulty), random.Random(seed))
        assert p.graph is not None and p.graph.output == p.graph.nodes[-1].name
        names = [n.name for n in p.graph.nodes]
        assert set(names) == set(p.definitions) | set(p.variables)  # every node and every leaf
        seen: set[str] = set()
        for node in p.graph.nodes:
            assert all(i in seen for i in node.inputs)  # each node after its inputs: the edges point forward
            seen.add(node.name)
            if node.op == "input":
                assert node.value == str(p.point[node.name]) if p.point else False  # type: ignore[index]
                assert not node.inputs and not node.value_part
        linked = {
            (k, n.name, lab)
            for n in p.graph.nodes
            for k, lab in (("value", n.value_part), ("gradient", n.gradient_part))
            if lab
        }
        assert linked == {(q.kind, q.of, q.label) for q in p.parts}


def test_the_prompt_gives_each_leaf_as_its_own_formula_so_the_line_can_break() -> None:
    p = draw_problem(backprop_slot(3), random.Random(1))
    assert p.point is not None
    for name in p.point:
        head = name.rstrip("0123456789")
        tex = f"{head}_{{{name[len(head) :]}}}" if head != name else name
        assert f"${tex} = " in p.prompt_latex, name  # its own formula: $w_{11} = 3$
    assert ", w_{" not in "".join(re.findall(r"\$[^$]*\$", p.prompt_latex))  # no two leaves in one formula
