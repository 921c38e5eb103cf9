"""Multi-part problems graded part by part: 4a / 4.a addressing (long and wide), points per part, and
carried-forward credit with its refusals (a blank, a 0 upstream, carry-forward off)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradetools import FakeBackend

from quizgen import __version__
from quizgen.grading.csvout import responses_csv
from quizgen.grading.run import grade_files
from quizgen.manifest import BankInfo, Manifest
from quizgen.problem import Part, Problem, Sheet

# z = w x + b = 3*2 - 1 = 5, a = max(0, z) = 5, L = (a - t)^2 / 2 with t = 1: L = 8; dL/da = 4, dL/dz = 4,
# dL/dw = 4 * x = 8, dL/db = 4.
PARTS = [
    ("a", "value", "z", "5", ""),
    ("b", "value", "a", "5", "Max(0, a)"),
    ("c", "value", "L", "8", "(b - 1)**2/2"),
    ("d", "gradient", "a", "4", ""),
    ("e", "gradient", "z", "4", "d"),
    ("f", "gradient", "w", "8", "2*e"),
    ("g", "gradient", "b", "4", "e"),
]


def _problem() -> Problem:
    parts = [
        Part(
            label=lab,
            kind=kind,
            of=of,
            prompt_text=f"∂L/∂{of}" if kind == "gradient" else f"the value of {of}",
            prompt_latex=of,
            answer=ans,
            answer_latex=ans,
            points=1.0,
            rule=rule,
        )
        for lab, kind, of, ans, rule in PARTS
    ]
    return Problem(
        slot=1,
        family="backprop",
        difficulty=2,
        points=7.0,
        ask="value",
        prompt_text="A graph.",
        prompt_latex="A graph.",
        function="(Max(0, b + w*x) - t)**2/2",
        function_latex="L",
        variables=["x", "w", "b", "t"],
        wrt=["w"],
        point={"x": 2, "w": 3, "b": -1, "t": 1},
        answer="8",
        answer_latex="8",
        parts=parts,
    )


def _manifest() -> Manifest:
    return Manifest(
        __version__,
        BankInfo("Graphs", "", "", "missing-bank.yaml"),
        "0" * 64,
        1,
        [Sheet("s1", "Ada", "V1", [_problem()])],
    )


def _grade(tmp_path: Path, answers: dict[str, str], *, wide: bool = False, sep: str = "", carry: bool = True):
    if wide:
        header = ",".join(["student_id", *(f"q1{sep}{k}" for k in answers)])
        text = header + "\n" + ",".join(["s1", *answers.values()]) + "\n"
    else:
        text = "student_id,problem,answer\n" + "".join(f"s1,1{sep}{k},{v}\n" for k, v in answers.items())
    path = tmp_path / ("wide.csv" if wide else "long.csv")
    path.write_text(text, encoding="utf-8")
    run = grade_files(_manifest(), [path], FakeBackend(), carry_forward=carry)
    return run, run.results[0].answers[0]


RIGHT = {lab: ans for lab, _, _, ans, _ in PARTS}


@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("sep", ["", "."])
def test_parts_addressed_as_1a_or_1_dot_a_in_long_and_wide_files(tmp_path: Path, wide: bool, sep: str) -> None:
    run, a = _grade(tmp_path, RIGHT, wide=wide, sep=sep)
    assert not run.issues
    assert a.outcome == "correct" and a.points == 7.0
    assert [p.outcome for p in a.parts] == ["correct"] * 7


def test_the_grade_is_the_sum_of_the_parts_and_responses_list_each_part(tmp_path: Path) -> None:
    run, a = _grade(tmp_path, {**RIGHT, "c": "9", "g": "5"})
    assert a.points == 5.0 and a.outcome == "incorrect"
    rows = responses_csv(run).splitlines()
    assert any(r.startswith("s1,1c,9,") and ",incorrect,0,1," in r for r in rows)
    assert any(r.startswith("s1,1a,5,") and ",correct,1,1," in r for r in rows)


def test_a_gradient_carried_from_the_students_own_upstream_gradient(tmp_path: Path) -> None:
    answers = {**RIGHT, "d": "3", "e": "3", "f": "6", "g": "3"}
    _, a = _grade(tmp_path, answers)
    by = {p.label: p for p in a.parts}
    assert by["d"].outcome == "incorrect"
    assert [by[k].outcome for k in "efg"] == ["carried"] * 3
    assert by["e"].feedback == "correct from your value of ∂L/∂a"
    assert by["f"].carried_from == ("e",)
    assert a.points == 6.0
    _, off = _grade(tmp_path, answers, carry=False)
    assert [p.outcome for p in off.parts[3:]] == ["incorrect"] * 4 and off.points == 3.0


def test_a_forward_value_carried_from_the_students_own_earlier_value(tmp_path: Path) -> None:
    _, a = _grade(tmp_path, {**RIGHT, "a": "6", "b": "6", "c": "25/2"})
    assert [p.outcome for p in a.parts[:3]] == ["incorrect", "carried", "carried"]
    assert a.parts[2].feedback == "correct from your value of a"


def test_no_carry_from_a_zero_upstream_a_blank_or_to_a_wrong_step(tmp_path: Path) -> None:
    _, zero = _grade(tmp_path, {**RIGHT, "d": "0", "e": "0", "g": "0"})
    assert [p.outcome for p in zero.parts[3:5]] == ["incorrect", "incorrect"]
    _, blank = _grade(tmp_path, {**RIGHT, "d": "", "e": "7"})
    assert blank.parts[3].outcome == "blank" and blank.parts[4].outcome == "incorrect"
    _, wrong = _grade(tmp_path, {**RIGHT, "d": "3", "e": "5"})  # 5 follows neither from 3 nor from the key
    assert wrong.parts[4].outcome == "incorrect"


def test_a_multi_part_problem_answered_in_one_cell_is_sent_back(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text('student_id,problem,answer\ns1,1,"[5, 5, 8, 4, 4, 8, 4]"\n', encoding="utf-8")
    a = grade_files(_manifest(), [path], FakeBackend()).results[0].answers[0]
    assert a.outcome == "invalid" and "1a, 1b, 1c" in a.feedback


def test_a_part_label_the_problem_does_not_have_is_reported(tmp_path: Path) -> None:
    run, _ = _grade(tmp_path, {**RIGHT, "z": "1"})
    assert any(i.kind == "unknown_problem" and i.problem == "1z" for i in run.issues)


def test_the_feedback_page_shows_each_part_and_names_carried_forward_credit(tmp_path: Path) -> None:
    from quizgen.grading.feedback_html import feedback_html

    run, _ = _grade(tmp_path, {**RIGHT, "d": "3", "e": "3", "f": "<b>"})
    html = feedback_html(run.results[0], run.manifest.bank)
    assert html.count('<table class="parts">') == 1
    assert "correct (carried forward)" in html and "correct from your value of ∂L/∂a" in html
    assert "&lt;b&gt;" in html and "<b>" not in html  # typed text is escaped


def test_the_class_report_shows_success_per_part(tmp_path: Path) -> None:
    from quizgen.grading.report import report_html

    run, _ = _grade(tmp_path, {**RIGHT, "d": "3", "e": "3"})
    html = report_html(run)
    assert "Item analysis per part" in html
    # ∂L/∂z carried forward: counted right in the difficulty, shown apart from "correct"
    assert (
        "<td>∂L/∂z</td><td class=num>1</td><td class=num>100%</td><td class=num>0%</td><td class=num>100%</td>" in html
    )
    assert "Hardest node: problem 1, ∂L/∂a (mean 0%, 100% wrong)" in html


CLASS = {
    "s1": {"e": "7", "f": "1", "g": "1"},  # weak: wrong at z and below
    "s2": {"e": "7", "f": "1"},
    "s3": {"e": "7"},
    "s4": {"d": "3", "e": "3"},  # wrong at a, right at z from that value (carried forward)
    "s5": {},
    "s6": {},
}


def _class_run(tmp_path: Path):
    sheets = [Sheet(sid, sid, "V", [_problem()]) for sid in CLASS]
    manifest = Manifest(__version__, BankInfo("Graphs", "", "", "missing-bank.yaml"), "0" * 64, 1, sheets)
    lines = ["student_id,problem,answer"]
    for sid, wrong in CLASS.items():
        lines += [f"{sid},1{label},{ {**RIGHT, **wrong}[label] }" for label in RIGHT]
    path = tmp_path / "class.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return grade_files(manifest, [path], FakeBackend())


def test_item_analysis_per_part_names_the_node_the_class_gets_wrong(tmp_path: Path) -> None:
    import csv
    import io

    from quizgen.grading.csvout import items_csv
    from quizgen.grading.items import part_stats
    from quizgen.grading.report import report_html

    run = _class_run(tmp_path)
    stats = {(p.kind, p.of): p for p in part_stats(run)}
    z = stats[("gradient", "z")]
    assert z.n == 6 and z.outcomes == {"incorrect": 3, "carried": 1, "correct": 2}
    assert z.difficulty == pytest.approx(0.5)  # carried forward counts as right
    assert z.discrimination is not None and z.discrimination > 0.3  # the weak students miss it
    assert stats[("gradient", "w")].difficulty == pytest.approx(4 / 6)
    assert stats[("value", "z")].difficulty == 1 and stats[("value", "z")].discrimination is None
    html = report_html(run)
    assert "Hardest node: problem 1, ∂L/∂z (mean 50%, 50% wrong)" in html
    rows = list(csv.DictReader(io.StringIO(items_csv(run).lstrip("\ufeff"))))
    assert [r["part"] for r in rows] == ["", "a", "b", "c", "d", "e", "f", "g"]
    problem, part_z = rows[0], rows[5]
    assert problem["problem"] == "1" and problem["answers"] == "6"
    assert (part_z["of"], part_z["difficulty"], part_z["correct"], part_z["carried_forward"]) == (
        "z",
        "50",
        "33.33",
        "16.67",
    )
    assert part_z["incorrect"] == "50" and float(part_z["discrimination"]) > 0.3
