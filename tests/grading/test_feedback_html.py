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
    pdf_context = feedback_students(GradeRun(m, results, []))
    assert pdf_context[0].answers[0].feedback.startswith("Teacher's review: 2 points (bracket <missing>).")
    assert pdf_context[1].answers[0].feedback.endswith("your teacher reviews it.")  # pending, in the PDF too
