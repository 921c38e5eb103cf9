"""GIFT read back the way Moodle's importer reads it (question/format/gift/format.php)."""

from __future__ import annotations

import pytest
from exporttools import gift_unescape, parse_gift, sample_problems

from quizgen.export import numeric
from quizgen.export.gift import gift_escape, gift_text
from quizgen.export.moodle_xml import category_path
from quizgen.export.text import mathjax
from quizgen.variantids import parse_idnumber


@pytest.fixture(scope="module")
def questions(quiz):  # noqa: ANN001, ANN201
    return parse_gift(gift_text(quiz=quiz))


def test_escape_round_trips_every_special_character() -> None:
    nasty = r"a~b=c#d{e}f:g\h \(x^{2}\) \n ]]> <&>"
    escaped = gift_escape(nasty)
    for ch in "~=#{}:":
        assert ch not in escaped.replace("\\" + ch, "")
    assert gift_unescape(escaped) == nasty


def test_no_question_contains_a_blank_line(quiz) -> None:  # noqa: ANN001
    text = gift_text(quiz=quiz)
    blocks = [b for b in text.split("\n\n") if "::" in b]
    assert len(blocks) == sum(len(g.items) for g in quiz.groups)


def test_categories_ids_and_names(questions, quiz) -> None:  # noqa: ANN001
    for q in questions:
        vid = parse_idnumber(q["id"])
        group = next(g for g in quiz.groups if g.number == vid.slot)
        assert q["category"] == category_path(quiz.title, group.title)
        assert q["name"].startswith(f"Slot {vid.slot} (")
        assert f"Ref: {q['id']}" in q["text"]
        assert q["general"].startswith("<p><strong>Worked solution")


def test_round_trip_finds_every_key(questions) -> None:  # noqa: ANN001
    problems = sample_problems()
    assert len(questions) == sum(len(v) for v in problems.values())
    for q in questions:
        vid = parse_idnumber(q["id"])
        problem = problems[vid.slot][vid.variant - 1]
        key = numeric.parse(problem.answer, problem.variables)
        right = [a for a in q["answers"] if a[0] == "=" and not a[1].startswith("%0%")]
        assert len(right) == 1
        if q["numerical"]:
            value, tol = right[0][1].split(":")
            assert float(value) == numeric.to_float(key.components[0])
            assert float(tol) > 0
            assert [a[0] for a in q["answers"]][-1] == "~" and all(a[0] == "=" for a in q["answers"][:-1])
            assert q["answers"][-1][1] == "" and q["answers"][-1][2].startswith("Not the value")
        else:
            assert right[0][1] == f"<p>{mathjax(key.latex)}</p>"
            wrong = [a for a in q["answers"] if a[0] == "~"]
            assert len(wrong) >= 3 and all(fb for _, _, fb in wrong)


def test_math_keeps_single_backslashes_after_import(questions) -> None:  # noqa: ANN001
    assert "\\(f(x, y) = 3 x^{2} y\\)" in questions[0]["text"]
