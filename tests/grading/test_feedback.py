from __future__ import annotations

from gradetools import FakeBackend, make_manifest

from quizgen.grading.collect import collect
from quizgen.grading.engine import grade
from quizgen.grading.feedback import feedback_html
from quizgen.grading.model import RawAnswer, ReadResult, Source, StudentKey


def test_feedback_page_escapes_everything_and_shows_plain_text() -> None:
    m = make_manifest()
    hostile = '<img src=x onerror=alert(1)>'
    answers = [RawAnswer(Source("a.csv", 2), StudentKey((("student_id", m.students[2].student_id),)), 1, None,
                         hostile, "q1"),
               RawAnswer(Source("a.csv", 3), StudentKey((("student_id", m.students[2].student_id),)), 2, None,
                         "[4y, 1]", "q2")]
    subs, _ = collect(m, [ReadResult(answers, [], "long CSV")])
    results = grade(subs, FakeBackend())
    page = feedback_html(results[2], m.bank)
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    body = page.split("</head>", 1)[1]
    assert "Mallory &lt;script&gt;" in body and "<script" not in body
    assert "partly right" in page and "1.5 / 3 points" in page
    assert "4*cos(4*x)" in page  # the key, as plain text
    assert "Chain rule: outer cos" in page  # the worked solution
    assert '<span class="tex">' in page and "html.mj .tex" in page  # TeX only shown once MathJax runs
