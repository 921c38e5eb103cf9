"""Names the prompt defines count: answers written with the neuron's z and a, or a chain's inner layer u,
score full marks through the real checker; names the prompt does not define stay invalid."""

from __future__ import annotations

import re

import pytest
import sympy

from quizgen.bank import load_bank
from quizgen.generate import generate
from quizgen.grading.collect import collect
from quizgen.grading.engine import CheckerBackend, grade
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
    backend = CheckerBackend(workers=1, timeout=10.0)
    try:
        results = grade(subs, backend)
    finally:
        backend.close()
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
