from __future__ import annotations

import pytest

from quizgen.grading.labels import Label, parse_label, slot_from_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", Label(1)),
        ("q1", Label(1)),
        ("Q12", Label(12)),
        ("q 3", Label(3)),
        ("Problem 4", Label(4)),
        ("question_2", Label(2)),
        ("slot5", Label(5)),
        ("#6", Label(6)),
        ("q5.1", Label(5, 0)),
        ("q5.2", Label(5, 1)),
        ("q5[2]", Label(5, 1)),
        ("q5_x", Label(5, "x")),
        ("5.y", Label(5, "y")),
        ("q5_w1", Label(5, "w1")),
    ],
)
def test_labels_name_slot_and_component(text: str, expected: Label) -> None:
    assert parse_label(text) == expected


@pytest.mark.parametrize("text", ["name", "email", "", "q", "q5.0", "total", "x5"])
def test_non_problem_labels_are_none(text: str) -> None:
    assert parse_label(text) is None


@pytest.mark.parametrize(
    ("text", "slot"),
    [("quizgen-s3-v7", 3), ("[slot 4] Find the derivative", 4), ("Problem 2: find d/dx", 2), ("Find d/dx", None)],
)
def test_slot_markers_in_question_text(text: str, slot: int | None) -> None:
    assert slot_from_text(text) == slot
