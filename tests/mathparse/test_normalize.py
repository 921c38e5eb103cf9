"""Unicode clean-up and the offset map back to the student's text."""

from __future__ import annotations

import pytest

from quizgen.mathparse.messages import Fail
from quizgen.mathparse.normalize import normalize, original_offset

CASES = [
    ("2x", "2x"),
    ("3×x", "3*x"),
    ("3·x", "3*x"),
    ("x − y", "x - y"),
    ("x ÷ 2", "x / 2"),
    ("x²", "x^2"),
    ("x³y", "x^3y"),
    ("x²³", "x^(23)"),
    ("x⁻¹", "x^(-1)"),
    ("√x", "√x"),
    ("2π", "2pi"),
    ("ｘ＋１", "x+1"),
    ("（x）", "(x)"),
    ("x\u00a0+\u2009y", "x + y"),
    ("x\u200b+y", "x+y"),
    ("x ≤ y", "x <= y"),
    ("σ(x)", "sigma(x)"),
    ("x₁", "x1"),
    ("⟨x, y⟩", "⟨x, y⟩"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_normalized_text(text: str, expected: str) -> None:
    assert normalize(text)[0] == expected


def test_ascii_is_left_alone_without_a_map() -> None:
    assert normalize("2*x + y") == ("2*x + y", None)


@pytest.mark.parametrize("text", ["x²·yz", "ｘ＋ｚ", "x⁻¹ + π z", "x\u200b\u200b + z"])
def test_offsets_point_at_the_original_character(text: str) -> None:
    norm, offsets = normalize(text)
    assert offsets is not None and len(offsets) == len(norm) + 1
    z_pos = norm.index("z")
    assert text[original_offset(offsets, z_pos, len(text))] in "zｚ"
    assert original_offset(offsets, len(norm), len(text)) == len(text)
    assert original_offset(offsets, -1, len(text)) == -1


@pytest.mark.parametrize(
    ("text", "code", "pos"),
    [
        ("x\x00", "nul", 1),
        ("\x00", "nul", 0),
        ("x²\x00", "nul", 2),
        ("a\x07", "control", 1),
        ("x\ud800", "surrogate", 1),
        ("π\udc00", "surrogate", 1),
        ("x\u202e", "control", 1),
    ],
)
def test_rejected_characters(text: str, code: str, pos: int) -> None:
    with pytest.raises(Fail) as info:
        normalize(text)
    assert (info.value.code, info.value.pos) == (code, pos)
