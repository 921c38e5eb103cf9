"""Names the prompt defines count: answers written with the neuron's z and a, or a chain's inner layer u,
score full marks through the real checker; names the prompt does not define stay invalid."""

from __future__ import annotations

import re

import pytest
import sympy
from gradetools import grade_with_checker

from quizgen.bank import load_bank
from quizgen.generate import generate
from quizgen.grading.collect import collect
from quizgen.grading.model import RawAnswer, ReadResult, Source, StudentKey
from quizgen.mathparse import parse_answer, parse_key, symbol
from quizgen.problem import Problem
from quizgen.roster import read_roster

BANK = """\
title: "Named quantities"
course: "NN 101"
instructions: "Answer everything."
seed: 3
slots:
  - {family: neuron, difficulty: 2, variables: [w1, w2, x1, x2, b, t], points: 2, ask: partial, wrt: w1, activation: relu,
     loss: half_squared, inputs: 2}
  - {family: neuron, difficulty: 3, variables: [w1, w2, x1, x2, b, t], points: 2, ask: partial, wrt: x2, activation: relu,
     loss: squared, inputs: 2}
  - {family: neuron, difficulty: 1, variables: [w1, w2, x1, x2, b], points: 3, ask: gradient, loss: relu, inputs: 2}
  - {family: chain_multi, difficulty: 1, variables: [x, y], points: 2, ask: partial, wrt: x}
"""
ROSTER = "student_id,name\ns1,Ada Lovelace\ns2,Emile Borel\ns3,Pat Obrien\n"


def chain_answer_with_u(p: Problem) -> str:
    """f'(u) * dh/dx, written with the prompt's u as a student would: f is read off the prompt."""
    m = re.search(r"Let f\((\w+)\) = (.+?); h\(", p.prompt_text)
    assert m, p.prompt_text
    arg, f_text = m.group(1), m.group(2)
    f = parse_answer(f_text, [arg]).value
    dh = sympy.diff(parse_key(p.definitions["h"], p.variables).value, symbol(p.wrt[0]))
    return f"({sympy.sstr(sympy.diff(f, symbol(arg)))}) * ({sympy.sstr(dh)})"


NAMED_ANSWERS = {
    1: "x1 (relu(z) - t) 1(z > 0)",
    2: "2 w2 (a - t) (z > 0)",
    3: "[x1 I(z > 0), x2 I(z > 0), 1(z > 0)]",
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("defs")
    (tmp / "bank.yaml").write_text(BANK, encoding="utf-8")
    (tmp / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return generate(load_bank(tmp / "bank.yaml"), read_roster(tmp / "roster.csv"), seed=7)


def _grade(manifest, rows: list[tuple[str, int, str]]):
    raw = [
        RawAnswer(Source("a.csv", n), StudentKey((("student_id", s),)), slot, None, text, "q")
        for n, (s, slot, text) in enumerate(rows, start=2)
    ]
    subs, _ = collect(manifest, [ReadResult(raw, [], "long CSV")])
    results = grade_with_checker(subs)
    return {(a.student_id, a.slot): a for r in results for a in r.answers}, results


def test_answers_written_with_the_prompts_names_score_full_marks(manifest) -> None:
    rows = []
    for sheet in manifest.students[:2]:
        for p in sheet.problems:
            assert p.definitions, (p.family, p.prompt_text)
            answer = NAMED_ANSWERS.get(p.slot) or chain_answer_with_u(p)
            rows.append((sheet.student_id, p.slot, answer))
    got, results = _grade(manifest, rows)
    for (student, slot), a in got.items():
        if student in ("s1", "s2"):
            assert a.outcome == "correct", (student, slot, a.answer, a.feedback, a.interpreted)
            assert ", with " in a.interpreted and ", i.e. " in a.interpreted, a.interpreted
    totals = {r.sheet.student_id: r.total for r in results}
    assert totals["s1"] == totals["s2"] == 9.0


def test_names_the_prompt_does_not_define_stay_invalid(manifest) -> None:
    got, _ = _grade(manifest, [("s3", 1, "x1 (relu(q) - t) 1(q > 0)"), ("s3", 2, "2 w2 (a - t) (y > 0)")])
    for slot in (1, 2):
        assert got[("s3", slot)].outcome == "invalid", got[("s3", slot)]
        assert got[("s3", slot)].points == 0


def test_a_wrong_answer_with_names_is_still_wrong(manifest) -> None:
    got, _ = _grade(manifest, [("s3", 1, "x1 (relu(z) - t) 1(z < 0)"), ("s3", 3, "[x1, x2, 1]")])
    assert got[("s3", 1)].outcome == "incorrect"
    assert got[("s3", 3)].outcome == "incorrect"


# ---------------------------------------------------------------- names inside the parts of a graph (backprop)


def _backprop_problems():
    from quizgen.resources import resolve_bank

    bank = load_bank(resolve_bank("backprop"))
    manifest = generate(bank, [read_roster_row("s1")], seed=12)
    return manifest.students[0], manifest


def read_roster_row(student_id: str):
    from quizgen.roster import Student

    return Student(student_id, "Ada")


def _grade_parts(sheet, problem: Problem, typed: list[str]):
    from quizgen.grading.model import Submission

    (result,) = grade_with_checker([Submission(sheet, problem, "[...]", None, tuple(typed))])
    return result.answers[0]


def test_a_parts_answer_may_use_the_graphs_names_which_stand_for_their_values() -> None:
    """A part asks for a number: the node names the prompt defines (z, a, h1 ...) and the leaves (x1, w1, t)
    stand for their values, so 'a' for the value of a, or '2*(a - t)', is graded as that number."""
    sheet, _ = _backprop_problems()
    for problem in sheet.problems:
        typed = [
            part.of if part.kind == "value" and part.of in problem.definitions else part.answer
            for part in problem.parts
        ]
        named = [i for i, part in enumerate(problem.parts) if typed[i] == part.of]
        assert named, [p.of for p in problem.parts]
        answer = _grade_parts(sheet, problem, typed)
        assert [p.outcome for p in answer.parts] == ["correct"] * len(problem.parts), [
            (p.label, p.typed, p.feedback) for p in answer.parts
        ]
        assert all(", with " in answer.parts[i].interpreted for i in named)  # the reading names what it used
    # a leaf expression for a node's value, and a name nobody defined
    problem = sheet.problems[0]
    leaves = {v: str(problem.point[v]) for v in problem.variables}
    first = problem.parts[0]
    typed = [part.answer for part in problem.parts]
    typed[0] = problem.definitions[first.of]  # z written in the leaves: b + w1*x1 + ...
    typed[1] = "q + 1"
    answer = _grade_parts(sheet, problem, typed)
    assert answer.parts[0].outcome == "correct" and leaves
    assert answer.parts[1].outcome == "invalid"


def test_carried_forward_credit_follows_a_wrong_answer_written_with_names() -> None:
    from quizgen.grading.carry import graph_values

    sheet, _ = _backprop_problems()
    for problem in sheet.problems:
        labels = [p.label for p in problem.parts]
        values = graph_values(problem)
        for j, part in enumerate(problem.parts):
            if not part.rule:
                continue
            rule = parse_key(part.rule, labels).value
            used = [s.name for s in rule.free_symbols]
            if len(used) != 1:
                continue
            i = labels.index(used[0])
            earlier = problem.parts[i]
            if earlier.kind != "value" or earlier.of not in values:
                continue
            wrong = values[earlier.of] + 1
            result = sympy.nsimplify(rule.xreplace({s: wrong for s in rule.free_symbols}))
            if result == 0 or result == parse_key(part.answer, []).value:
                continue
            typed = [p.answer for p in problem.parts]
            typed[i] = f"{earlier.of} + 1"  # wrong, written with the node's name
            typed[j] = sympy.sstr(result)
            answer = _grade_parts(sheet, problem, typed)
            assert answer.parts[i].outcome == "incorrect"
            assert answer.parts[j].outcome == "carried", (answer.parts[j].typed, answer.parts[j].feedback)
            return
    pytest.fail("no value part with a one-part rule after it in the backprop bank")
