"""Teacher overrides: read and checked against the manifest, applied last, every bad row an error with its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gradetools import FakeBackend, make_manifest

from quizgen.errors import AnswerFileError
from quizgen.grading.collect import collect
from quizgen.grading.engine import grade
from quizgen.grading.model import RawAnswer, ReadResult, Source, StudentKey, display_outcome
from quizgen.grading.overrides import apply_overrides, read_overrides


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_points_and_verdicts_are_read_with_their_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'student_id,problem,points,verdict,note\ns1,q2,1.5,,one component right\nS2,3,,correct,"typed 1, meant 1"\n\n',
    )
    got = read_overrides(path, make_manifest())
    assert [(o.student_id, o.slot, o.points, o.verdict, o.note, o.source.line) for o in got] == [
        ("s1", 2, 1.5, None, "one component right", 2),
        ("s2", 3, None, "correct", "typed 1, meant 1", 3),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("nobody,1,1,x\n", r"overrides.csv:2: no student 'nobody' in the manifest"),
        ("s1,7,1,x\n", r"overrides.csv:2: s1 has no problem '7' \(problems: 1, 2, 3\)"),
        ("s1,q2.1,1,x\n", r"overrides.csv:2: s1 has no problem 'q2.1'"),
        ("s1,1,3,x\n", r"overrides.csv:2: points '3' must be between 0 and problem 1's 2"),
        ("s1,1,-1,x\n", r"points '-1' must be between 0"),
        ("s1,1,nan,x\n", r"points 'nan' must be between 0"),
        ("s1,1,two,x\n", r"points 'two' is not a number"),
        ("s1,1,,x\n", r"overrides.csv:2: no points and no verdict"),
        ("s1,1,1,x\ns1,q1,2,y\n", r"overrides.csv:3: a second override for s1 problem 1 \(the first is on line 2\)"),
        ("nobody,1,1,x\nghost,1,1,x\n", r"overrides.csv:2: .* \(and 1 more in this file\)"),
    ],
)
def test_a_row_that_cannot_be_applied_is_an_error_with_file_and_line(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(AnswerFileError, match=message) as info:
        read_overrides(write(tmp_path, "student_id,problem,points,note\n" + rows), make_manifest())
    assert "\n" not in info.value.message


def test_bad_verdict_both_values_bad_header_and_open_quote(tmp_path: Path) -> None:
    m = make_manifest()
    with pytest.raises(AnswerFileError, match="verdict 'maybe' is not correct or incorrect"):
        read_overrides(write(tmp_path, "student_id,problem,verdict\ns1,1,maybe\n"), m)
    with pytest.raises(AnswerFileError, match="give points or a verdict, not both"):
        read_overrides(write(tmp_path, "student_id,problem,points,verdict\ns1,1,1,correct\n"), m)
    with pytest.raises(AnswerFileError, match=re.escape("overrides.csv:1: overrides header not recognised")):
        read_overrides(write(tmp_path, "who,what\ns1,1\n"), m)
    with pytest.raises(
        AnswerFileError, match=re.escape("overrides.csv:3: a quote opened on this line is never closed")
    ):
        read_overrides(
            write(tmp_path, 'student_id,problem,points,note\ns1,1,1,ok\ns2,1,1,"never closed\ns2,2,1,x\n'), m
        )


def test_overrides_are_applied_last_and_change_what_is_shown(tmp_path: Path) -> None:
    m = make_manifest()
    answers = [
        RawAnswer(Source("a.csv", 2), StudentKey((("student_id", "s1"),)), 1, None, "cos(2x @", "q1"),
        RawAnswer(Source("a.csv", 3), StudentKey((("student_id", "s1"),)), 3, None, "1", "q3"),
    ]
    subs, _ = collect(m, [ReadResult(answers, [], "long CSV")])
    results = grade(subs, FakeBackend())
    overrides = read_overrides(
        write(tmp_path, "student_id,problem,verdict,points,note\ns1,1,correct,,bracket\ns1,3,,0.5,half\n"), m
    )
    s1 = apply_overrides(results, overrides)[0]
    q1, q2, q3 = s1.answers
    assert (q1.outcome, q1.points, display_outcome(q1), q1.pending) == ("invalid", 2.0, "correct", False)
    assert (q3.outcome, q3.points, display_outcome(q3)) == ("correct", 0.5, "partial")
    assert q2.override is None and s1.total == 2.5
    assert q1.override is not None and q1.override.describe() == "correct (bracket)"


def test_a_quote_that_swallows_later_rows_is_refused_with_its_line(tmp_path: Path) -> None:
    # the quote closes three lines down, so a lenient reader would merge s2's and s3's overrides into one note
    text = 'student_id,problem,points,note\ns1,1,1,"ok\ns2,1,1,fine\ns3,1,0,late"\n'
    with pytest.raises(AnswerFileError) as info:
        read_overrides(write(tmp_path, text), make_manifest())
    assert "overrides.csv:2: a quote opened on this line is never closed (the cell runs on to line 4)" in str(
        info.value.format_message()
    )
