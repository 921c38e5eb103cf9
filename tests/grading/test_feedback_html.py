from __future__ import annotations

from gradetools import FakeBackend, make_manifest
from pagetools import read_page

from quizgen.grading.collect import collect
from quizgen.grading.engine import grade
from quizgen.grading.feedback_html import feedback_html
from quizgen.grading.model import RawAnswer, ReadResult, Source, StudentKey


def test_feedback_page_escapes_everything_and_shows_plain_text() -> None:
    m = make_manifest()
    hostile = "<img src=x onerror=alert(1)>"
    answers = [
        RawAnswer(Source("a.csv", 2), StudentKey((("student_id", m.students[2].student_id),)), 1, None, hostile, "q1"),
        RawAnswer(
            Source("a.csv", 3), StudentKey((("student_id", m.students[2].student_id),)), 2, None, "[4y, 1]", "q2"
        ),
    ]
    subs, _ = collect(m, [ReadResult(answers, [], "long CSV")])
    results = grade(subs, FakeBackend())
    page = feedback_html(results[2], m.bank)
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    body = page.split("</head>", 1)[1]
    assert "Mallory &lt;script&gt;" in body and "<script" not in body
    assert "partly right" in page and "1.5 / 3 points" in page
    shown = read_page(page)
    assert "4*cos(4*x)" in shown.annotations  # the key's plain form, for copying and screen readers
    assert "4*cos(4*x)" not in shown.text  # ...typeset once, not also printed beside the MathML
    assert "Chain rule: outer cos, inner derivative k." in shown.annotations  # the worked step
    assert "MathJax" not in page and "http" not in page and "<script" not in page


def test_feedback_shows_the_override_the_review_and_absence(tmp_path) -> None:
    from quizgen.grading.model import GradeRun
    from quizgen.grading.overrides import apply_overrides, read_overrides
    from quizgen.grading.pdf import feedback_students

    m = make_manifest()
    answers = [
        RawAnswer(Source("a.csv", 2), StudentKey((("student_id", "s1"),)), 1, None, "2cos(2x", "q1"),
        RawAnswer(Source("a.csv", 3), StudentKey((("student_id", "s2"),)), 1, None, "3cos(3x", "q1"),
    ]
    subs, _ = collect(m, [ReadResult(answers, [], "long CSV")])
    path = tmp_path / "o.csv"
    path.write_text("student_id,problem,points,note\ns1,1,2,bracket <missing>\n", encoding="utf-8")
    results = apply_overrides(grade(subs, FakeBackend()), read_overrides(path, m))
    s1 = feedback_html(results[0], m.bank, provisional=False)
    assert "Teacher's review" in s1 and "2 points (bracket &lt;missing&gt;)" in s1 and "could not be read" in s1
    s2 = feedback_html(results[1], m.bank, provisional=True)
    assert "provisional" in s2 and "reviewed by your teacher" in s2
    assert "Absent: no answers were received" in feedback_html(results[2], m.bank)
    pdf_context = feedback_students(GradeRun(m, results, []), unicode_fonts=False)
    assert pdf_context[0].answers[0].feedback.startswith("Teacher's review: 2 points (bracket <missing>).")
    assert pdf_context[1].answers[0].feedback.endswith("your teacher reviews it.")  # pending, in the PDF too


def _graph_problem():
    import random

    from quizgen.draw import draw_problem
    from quizgen.families.base import SlotSpec

    slot = SlotSpec(
        1,
        "backprop",
        1,
        6.0,
        "value",
        coefficients=(-3, 3),
        point="random",
        options={"activation": "linear", "inputs": 2},
    )
    return draw_problem(slot, random.Random(5))


def _graph_page(typed: dict[str, str]):
    from dataclasses import replace

    m = make_manifest()
    problem = _graph_problem()
    m = replace(m, students=[replace(m.students[0], problems=[problem])])
    key = m.students[0].student_id
    answers = [
        RawAnswer(Source("a.csv", i + 2), StudentKey((("student_id", key),)), 1, label, text, f"q1{label}")
        for i, (label, text) in enumerate(typed.items())
    ]
    subs, _ = collect(m, [ReadResult(answers, [], "long CSV")])
    result = grade(subs, FakeBackend())[0]
    return problem, result, feedback_html(result, m.bank)


def test_a_graph_problem_shows_its_graph_with_each_part_marked_as_graded() -> None:
    import xml.etree.ElementTree as ET

    problem, _, _ = _graph_page({})
    by_of = {(p.kind, p.of): p for p in problem.parts}
    first, z = by_of[("value", "p1")], by_of[("value", "z")]
    typed = {p.label: p.answer for p in problem.parts}
    typed[first.label] = str(int(first.answer) + 1)  # wrong ...
    typed[z.label] = str(int(z.answer) + 1)  # ... and z carried forward from it
    typed[by_of[("gradient", "x1")].label] = "@"  # unreadable
    del typed[by_of[("gradient", "b")].label]  # not answered
    problem, result, page = _graph_page(typed)
    outcomes = {r.label: r.outcome for r in result.answers[0].parts}
    assert outcomes[z.label] == "carried" and outcomes[first.label] == "incorrect"
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    marks = {
        g.get("data-part"): g.get("class") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-part")
    }
    expected = {"correct": "right", "carried": "carried", "incorrect": "wrong", "invalid": "unreadable"}
    assert marks == {p.label: f"mark {expected.get(outcomes.get(p.label, ''), 'blank')}" for p in problem.parts}
    assert marks[by_of[("gradient", "b")].label] == "mark blank"
    assert root.get("role") == "img" and "Problem 1: the computational graph" in svg
    assert page.index("<svg") < page.index('<table class="parts">')  # the picture, then the table
    assert "<script" not in page and "http://www.w3.org/2000/svg" in page  # the SVG namespace is no fetch


def test_a_page_without_graphs_has_no_svg() -> None:
    m = make_manifest()
    answers = [
        RawAnswer(Source("a.csv", 2), StudentKey((("student_id", m.students[0].student_id),)), 1, None, "x", "q1")
    ]
    subs, _ = collect(m, [ReadResult(answers, [], "long CSV")])
    assert "<svg" not in feedback_html(grade(subs, FakeBackend())[0], m.bank)


def test_a_problem_with_one_unreadable_part_says_how_its_parts_went() -> None:
    """One unreadable part does not make the whole problem "could not be read": the badge and the summary
    table count the parts right, wrong, unreadable and not answered."""
    import re

    problem, _, _ = _graph_page({})
    typed = {p.label: p.answer for p in problem.parts}
    labels = [p.label for p in problem.parts]
    typed[labels[0]] = str(int(problem.parts[0].answer) + 7)  # wrong (a value the next part cannot carry)
    typed[labels[1]] = "@"  # unreadable
    del typed[labels[2]]  # not answered
    _, result, page = _graph_page(typed)
    outcomes = [r.outcome for r in result.answers[0].parts]
    right = sum(o in ("correct", "carried") for o in outcomes)
    carried = outcomes.count("carried")
    wrong = outcomes.count("incorrect")
    n = len(labels)
    words = f"{right} of {n} parts right" + (f" ({carried} carried forward)" if carried else "")
    words += f", {wrong} wrong, 1 unreadable, 1 not answered"
    badge = re.search(r'<span class="badge (\w+)">([^<]*)</span>', page)
    assert badge is not None and badge.group(2) == words
    assert badge.group(1) == "invalid"  # a part waits for the teacher's review: the colour says so
    assert f"<td>1</td><td>{words}</td>" in page  # the summary table says the same
    assert ">could not be read</span>" not in page  # (the diagram's legend still explains its "?" mark)


def test_a_multi_part_problem_all_right_says_so() -> None:
    problem, _, _ = _graph_page({})
    _, _, page = _graph_page({p.label: p.answer for p in problem.parts})
    assert '<span class="badge correct">all parts right</span>' in page


def test_students_sharing_a_problem_each_get_its_key_and_solution_and_no_other_problems() -> None:
    """A class shares its problems' objects between students: the prompt, key and worked solution are put
    together once per problem object, and a page never shows another problem's (even one cached under its id)."""
    from dataclasses import replace

    from quizgen.grading import feedback_html as fh

    m = make_manifest()
    shared = replace(m, students=[replace(s, problems=m.students[0].problems) for s in m.students])
    answers = [
        RawAnswer(Source("a.csv", 2 + i), StudentKey((("student_id", s.student_id),)), 1, None, "2cos(2x)", "q1")
        for i, s in enumerate(shared.students)
    ]
    subs, _ = collect(shared, [ReadResult(answers, [], "long CSV")])
    results = grade(subs, FakeBackend())
    fh._PROBLEM_LINES.clear()
    first = [feedback_html(r, shared.bank) for r in results]
    fh._PROBLEM_LINES.clear()
    alone = [feedback_html(r, shared.bank) for r in reversed(results)][::-1]
    assert first == alone  # the same pages whatever was written before them
    p = results[0].answers[0].problem
    other = m.students[1].problems[0]  # k = 3: its own key and step
    fh._PROBLEM_LINES[id(p)] = (other, *fh._problem_lines(other))  # as if p's id had been other's
    page = read_page(feedback_html(results[0], shared.bank))
    assert "2*cos(2*x)" in page.annotations and "3*cos(3*x)" not in page.annotations
    assert "d/dx sin(2x)" in page.annotations and "d/dx sin(3x)" not in page.annotations  # the prompt is p's too
