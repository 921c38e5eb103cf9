from __future__ import annotations

import base64
import re

from gradetools import FakeBackend, make_manifest

from quizgen.grading.collect import collect
from quizgen.grading.engine import grade
from quizgen.grading.model import GradeRun, RawAnswer, ReadResult, Source, StudentKey
from quizgen.grading.report import report_html

HOSTILE = "</td><script>alert(1)</script>"


def make_run() -> GradeRun:
    m = make_manifest()
    rows = [("s1", 1, "cos(2x)"), ("s2", 1, "cos(3x)"), ("s1", 3, HOSTILE + "@"), ("s2", 2, "[3x, 3y]")]
    answers = [
        RawAnswer(Source("a.csv", n), StudentKey((("student_id", sid),)), slot, None, text, f"q{slot}")
        for n, (sid, slot, text) in enumerate(rows, start=2)
    ]
    subs, issues = collect(m, [ReadResult(answers, [], "long CSV")])
    return GradeRun(m, grade(subs, FakeBackend()), issues)


def test_report_shows_mistakes_with_diagnosis_invalid_answers_and_problems() -> None:
    page = report_html(make_run())
    body = page.split("</head>", 1)[1]
    assert "<script" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "forgot the inner derivative" in body and "<td class=num>2</td>" in body  # both students
    assert "gradient components swapped" in body
    assert "Invalid answers" in body and "Your answer could not be read." in body
    assert "absent: 1" in body and "problems.csv" in body


def test_plots_are_embedded_pngs_without_metadata_and_the_page_is_deterministic() -> None:
    page = report_html(make_run())
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2
    for data in images:
        png = base64.b64decode(data)
        assert png.startswith(b"\x89PNG") and b"Software" not in png and b"matplotlib" not in png
    assert report_html(make_run()) == page
    assert "http" not in page and "<script" not in page


def test_the_review_queue_comes_first_and_absent_students_and_overrides_are_named(tmp_path) -> None:
    from dataclasses import replace

    from quizgen.grading.overrides import apply_overrides, read_overrides
    from quizgen.grading.review import suggest

    run = make_run()
    path = tmp_path / "o.csv"
    path.write_text("student_id,problem,verdict,note\ns2,1,correct,accepted on appeal\n", encoding="utf-8")
    run = replace(
        run,
        results=apply_overrides(run.results, read_overrides(path, run.manifest)),
        suggestions=suggest(run.results),
        warnings=["bank b.yaml was edited <since>"],
    )
    body = report_html(run).split("</head>", 1)[1]
    assert body.index("bank b.yaml was edited &lt;since&gt;") < body.index("To review: 1 answer") < body.index("Scores")
    assert "provisional" in body and "Absent" in body and "=cmd|&#x27; /C calc&#x27;!A0" in body
    assert "<h2>Overrides: 1</h2>" in body and "accepted on appeal" in body
