from __future__ import annotations

import pytest
from gradetools import FakeBackend, make_manifest

from quizgen.grading.collect import collect
from quizgen.grading.engine import grade
from quizgen.grading.feedback import feedback_html, file_stems, safe_stem
from quizgen.grading.model import RawAnswer, ReadResult, Source, StudentKey


@pytest.mark.parametrize(
    "sid", ["../../etc/passwd", "a/b", "CON", "nul", ".hidden", "x" * 300, "名前", "a b", "", "=cmd|' /C calc'!A0"]
)
def test_safe_stems_are_plain_file_names(sid: str) -> None:
    stem = safe_stem(sid)
    assert stem and len(stem) <= 80
    assert all(c.isalnum() and c.isascii() or c in "._-" for c in stem)
    assert not stem.startswith(".") and stem.lower() not in ("con", "nul")


def test_plain_ids_are_kept_and_collisions_get_distinct_names() -> None:
    assert safe_stem("s-001_A.b") == "s-001_A.b"
    stems = file_stems(["a/b", "a_b", "Ann", "ann", "s1"])
    assert len(set(stems.values())) == 5
    assert len({s.lower() for s in stems.values()}) == 5  # case-insensitive disks too
    assert stems["s1"] == "s1" and stems["a_b"].startswith("a_b")


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
