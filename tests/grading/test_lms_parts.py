"""Multi-part problems through an LMS and back: export the backprop bank, answer it the way Moodle (STACK
inputs, cloze blanks, GIFT's one question per part) and Canvas (fill-in-multiple-blanks) report responses,
regrade, and every response lands on its part with the right points, carried-forward credit included.

The fixture files are shaped like the real Moodle 4.5 Responses CSV in ../shared/examples/moodle-stack-attempt
(BOM, "Question N" holding the STACK note or the question text with its Ref, "Response N", "Right answer N")
and the Canvas student analysis fixtures of test_lms.py.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest
import sympy
from gradetools import grade_with_checker

from quizgen.bank import load_bank
from quizgen.export import collect as export_collect
from quizgen.export.items import ExportItem, ExportQuiz
from quizgen.export.stack_xml import question_note
from quizgen.generate import generate
from quizgen.grading.collect import collect
from quizgen.grading.lms import canvas_blank_pieces, cloze_pieces, stack_pieces
from quizgen.grading.readers import read_answers
from quizgen.grading.variants import VariantBuilder
from quizgen.mathparse import parse_key
from quizgen.problem import Problem
from quizgen.resources import resolve_bank
from quizgen.roster import Student

STUDENTS = [
    Student("s1", "Ada Lovelace", {"email": "ada@uni.edu", "sis_user_id": "SIS1", "canvas_id": "101"}),
    Student("s2", "Emile Borel", {"email": "emile@uni.edu", "sis_user_id": "SIS2", "canvas_id": "102"}),
]


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buf.getvalue()


def as_text(fragment: str) -> str:
    """HTML as Moodle's report shows it: tags gone, entities decoded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, ExportQuiz]:
    tmp = tmp_path_factory.mktemp("lmsparts")
    bank = load_bank(resolve_bank("backprop"))
    manifest = generate(bank, STUDENTS, seed=5)
    quiz = export_collect(bank, variants=3, seed=111)
    return tmp, manifest, quiz


def item(quiz: ExportQuiz, slot: int, variant: int) -> ExportItem:
    group = next(g for g in quiz.groups if g.number == slot)
    return group.items[variant - 1]


def keys(problem: Problem) -> list[str]:
    return [sympy.sstr(parse_key(p.answer, []).value) for p in problem.parts]


def carried_case(problem: Problem) -> tuple[list[str], int, int]:
    """Right answers, except one upstream part made wrong and a later part that follows from it by its rule.

    Returns the answers, the wrong part's index and the carried part's index.
    """
    answers = keys(problem)
    labels = [p.label for p in problem.parts]
    for j, part in enumerate(problem.parts):
        rule = parse_key(part.rule, labels).value if part.rule else None
        used = sorted(s.name for s in rule.free_symbols) if rule is not None else []
        if len(used) != 1:
            continue
        i = labels.index(used[0])
        wrong = parse_key(problem.parts[i].answer, []).value + 1
        result = rule.xreplace({s: wrong for s in rule.free_symbols})
        if wrong == 0 or result == 0 or result == parse_key(part.answer, []).value:
            continue
        answers[i], answers[j] = sympy.sstr(wrong), sympy.sstr(sympy.nsimplify(result))
        return answers, i, j
    raise AssertionError("no part with a one-part rule")


def _grade(manifest, tmp: Path, *paths: Path):
    reads = [read_answers(p, [1, 2, 3]) for p in paths]
    subs, issues = collect(manifest, reads, variants=VariantBuilder(manifest, tmp))
    results = grade_with_checker(subs)
    return {(a.student_id, a.slot): a for r in results for a in r.answers}, issues


MOODLE_HEAD = ["Last name", "First name", "Email address", "Status", "Started", "Completed", "Duration", "Grade/21.00"]


def test_moodle_stack_cloze_and_gift_responses_land_on_their_parts(world) -> None:
    tmp, manifest, quiz = world
    # slot 1: STACK (variant 2), every part right except the last, left blank (STACK omits blank inputs)
    one = item(quiz, 1, 2)
    right1 = keys(one.problem)
    stack1 = "Seed: 1; " + "; ".join(f"ans{k}: {a} [score]" for k, a in enumerate(right1[:-1], 1))
    stack1 += "; " + "; ".join(f"prt{k}: # = 1 | prt{k}-1-T" for k in range(1, len(right1))) + f"; prt{len(right1)}: !"
    # slot 2: STACK (variant 1), an upstream part wrong and the part after it right from that wrong value
    two = item(quiz, 2, 1)
    answers2, wrong, carried = carried_case(two.problem)
    stack2 = "Seed: 1; " + "; ".join(f"ans{k}: {a} [score]" for k, a in enumerate(answers2, 1))
    # slot 3: the cloze fallback (variant 3), decimals typed, one blank left empty, an extra "part 40"
    three = item(quiz, 3, 3)
    right3 = keys(three.problem)
    typed3 = [f"{float(parse_key(a, []).value):.6f}" for a in right3]
    typed3[1] = ""
    cloze3 = "; ".join(f"part {k}: {a}" for k, a in enumerate(typed3, 1)) + "; part 40: 7"
    cloze_question = as_text(three.problem.prompt_text) + " _____ Ref: " + three.idnumber
    rows = [
        MOODLE_HEAD + [f"{w} {n}" for n in (1, 2, 3) for w in ("Question", "Response", "Right answer")],
        ["Lovelace", "Ada", "ada@uni.edu", "Finished", "", "", "", "14.00"]
        + [as_text(question_note(one.problem, one.idnumber + ".stack")), stack1, "Seed: 1; ans1: ..."]
        + [as_text(question_note(two.problem, two.idnumber + ".stack")), stack2, "Seed: 1; ans1: ..."]
        + [cloze_question, cloze3, "part 1: ..."],
    ]
    path = tmp / "moodle-responses.csv"
    path.write_text(csv_text(rows), encoding="utf-8", newline="")

    graded, issues = _grade(manifest, tmp, path)
    a1 = graded[("s1", 1)]
    assert a1.problem == one.problem  # the exported variant, not the student's own sheet
    assert [p.outcome for p in a1.parts] == ["correct"] * (len(right1) - 1) + ["blank"]
    assert a1.points == pytest.approx(sum(p.points for p in one.problem.parts[:-1]))
    a2 = graded[("s1", 2)]
    outcomes = [p.outcome for p in a2.parts]
    assert outcomes[wrong] == "incorrect" and outcomes[carried] == "carried"
    assert all(o == "correct" for k, o in enumerate(outcomes) if k not in (wrong, carried))
    assert a2.points == pytest.approx(two.problem.points - two.problem.parts[wrong].points)
    assert "correct from your value of" in a2.parts[carried].feedback
    a3 = graded[("s1", 3)]
    assert a3.problem == three.problem
    assert [p.outcome for p in a3.parts] == ["correct", "blank"] + ["correct"] * (len(right3) - 2)
    # nothing silent: the input that matches no part is reported with its answer
    (extra,) = [i for i in issues if i.kind == "unknown_problem"]
    assert "input 40" in extra.detail and "'7'" in extra.detail and extra.line == 2


def test_gift_questions_one_per_part_map_back_by_their_part_ref(world) -> None:
    tmp, manifest, quiz = world
    one = item(quiz, 1, 1)
    right = keys(one.problem)
    head = list(MOODLE_HEAD)
    row = ["Borel", "Emile", "emile@uni.edu", "Finished", "", "", "", "2.00"]
    # a quiz holding variant 1's first three parts, Moodle's numbering of the quiz's questions
    for n, part in enumerate(one.problem.parts[:3], 1):
        head += [f"Question {n}", f"Response {n}", f"Right answer {n}"]
        text = f"{as_text(one.problem.prompt_text)} Part ({part.label}): ... Ref: {one.idnumber}.{part.label}"
        row += [text, right[n - 1] if n != 2 else "999", right[n - 1]]
    path = tmp / "gift-responses.csv"
    path.write_text(csv_text([head, row]), encoding="utf-8", newline="")
    graded, issues = _grade(manifest, tmp, path)
    answer = graded[("s2", 1)]
    assert answer.problem == one.problem
    assert [p.outcome for p in answer.parts[:3]] == ["correct", "incorrect", "correct"]
    assert all(p.outcome == "blank" for p in answer.parts[3:])
    assert answer.points == pytest.approx(one.problem.parts[0].points + one.problem.parts[2].points)
    assert not [i for i in issues if i.kind in ("unknown_problem", "unmatched_column", "guessed_problem")]


CANVAS_HEAD = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"]


def test_canvas_fill_in_blanks_answers_land_on_parts_and_a_miscounted_answer_is_reported(world) -> None:
    tmp, manifest, quiz = world
    group = next(g for g in quiz.groups if g.number == 2)
    head = list(CANVAS_HEAD)
    for n, it in enumerate(group.items, 1):  # the question group: one column per variant
        head += [f"{9000 + n}: {as_text(it.problem.prompt_text)} Ref: {it.idnumber}", "5.0"]
    head += ["n correct", "n incorrect", "score"]
    seen = item(quiz, 2, 2)
    answers = keys(seen.problem)
    answers[0] = answers[0].replace("/", " / ")
    cell_ok = ",".join(answers)
    cell_bad = ",".join(answers[:-2])  # two blanks short: which value is which part is unknowable
    rows = [head]
    for name, cid, sis, cell in (("Lovelace, Ada", "101", "SIS1", cell_ok), ("Borel, Emile", "102", "", cell_bad)):
        cells = ["", "0.0", cell, "5.0", "", "0.0"]
        rows.append([name, cid, sis, "A", "1", "", "2026-05-01 10:00:00 UTC", "1", *cells, "1", "0", "5"])
    path = tmp / "canvas.csv"
    path.write_text(csv_text(rows), encoding="utf-8", newline="")
    graded, issues = _grade(manifest, tmp, path)
    ada = graded[("s1", 2)]
    assert ada.problem == seen.problem
    assert all(p.outcome == "correct" for p in ada.parts) and ada.points == pytest.approx(seen.problem.points)
    emile = graded[("s2", 2)]
    assert emile.points == 0 and not any(p.outcome == "correct" for p in emile.parts)
    (bad,) = [i for i in issues if i.kind == "unknown_problem"]
    assert bad.student_id == "s2" and f"{len(answers) - 2} comma-separated values" in bad.detail


def test_a_stack_attempt_with_every_input_blank_is_blank() -> None:
    from quizgen.grading.lms import moodle_response_text

    assert moodle_response_text("Seed: 1; prt1: !; prt2: !") == ""
    assert moodle_response_text("Seed: 1; ans2: 3 [score]; prt1: !; prt2: # = 1 | prt2-1-T") == "3"


def test_response_cells_split_into_numbered_inputs() -> None:
    assert stack_pieces("Seed: 3; ans1: 3/4 [score]; ans3: 2*x [invalid]; prt1: # = 1 | prt1-1-T; prt2: !") == (
        (1, "3/4"),
        (3, "2*x"),
    )
    assert cloze_pieces("part 1: 25; part 2: ; part 3: -0.5") == ((1, "25"), (2, ""), (3, "-0.5"))
    assert cloze_pieces("partie 1 : 3; partie 2 : 4") == ((1, "3"), (2, "4"))  # a French site
    assert cloze_pieces("3*x^2") is None
    assert canvas_blank_pieces("25,-3/32,log(3)") == ((1, "25"), (2, "-3/32"), (3, "log(3)"))
    assert canvas_blank_pieces("1\\,5,2") == ((1, "1,5"), (2, "2"))
