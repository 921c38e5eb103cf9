from __future__ import annotations

from gradetools import FakeBackend, make_manifest

from quizgen.grading.collect import collect
from quizgen.grading.engine import grade
from quizgen.grading.model import GradeRun, RawAnswer, ReadResult, Source, StudentKey
from quizgen.grading.stats import class_stats


def test_class_numbers_match_the_grades() -> None:
    m = make_manifest()
    rows = [("s1", 1, "2cos(2x)"), ("s1", 2, "[2y, 2x]"), ("s1", 3, "1"), ("s2", 2, "[3y, 0]"), ("s2", 3, "1 @")]
    answers = [
        RawAnswer(Source("a.csv", n), StudentKey((("student_id", sid),)), slot, None, text, "q")
        for n, (sid, slot, text) in enumerate(rows, start=2)
    ]
    subs, issues = collect(m, [ReadResult(answers, [], "long CSV")])
    st = class_stats(GradeRun(m, grade(subs, FakeBackend()), issues))
    assert (st.students, st.answers) == (2, 5)  # the third student is absent
    assert st.absent == ["=cmd|' /C calc'!A0"]
    assert st.counts == {"correct": 3, "partial": 1, "invalid": 1, "missing": 1}
    assert st.mean == (100 + 25) / 2 and st.median == 62.5 and (st.low, st.high) == (25, 100)
    p2 = st.problems[1]
    assert (p2.slot, p2.share("correct"), p2.share("partial"), p2.mean_points) == (2, 50, 50, 2.25)
    assert (st.to_review, st.provisional) == (1, 1)  # s2's unreadable answer
    assert st.issues == {"missing": 1, "absent": 1}  # the absent student is not listed problem by problem
