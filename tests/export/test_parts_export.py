"""Multi-part problems in LMS exports: one number per part (Moodle cloze NUMERICAL blanks, STACK inputs,
GIFT one numerical question per part), each the part's key."""

from __future__ import annotations

import re
from pathlib import Path

from quizgen.export import export_bank
from quizgen.resources import resolve_bank


def test_each_part_is_its_own_number(tmp_path: Path) -> None:
    bank = resolve_bank("backprop")
    _, quiz = export_bank(bank, fmt="moodle", out=tmp_path / "q.xml", variants=2)
    for group in quiz.groups:
        for item in group.items:
            parts = item.problem.parts
            assert item.kind == "multinumerical" and len(item.numbers) == len(parts)
            for part, number in zip(parts, item.numbers):
                assert f"({part.label})" in number.label_latex
    xml = (tmp_path / "q.xml").read_text(encoding="utf-8")
    blanks = len(re.findall(r"\{1:NUMERICAL:", xml)) or len(re.findall(r"NUMERICAL:", xml))
    assert blanks == sum(len(i.numbers) for g in quiz.groups for i in g.items)


def test_gift_asks_one_numerical_question_per_part(tmp_path: Path) -> None:
    _, quiz = export_bank(resolve_bank("backprop"), fmt="gift", out=tmp_path / "q.gift", variants=1)
    text = (tmp_path / "q.gift").read_text(encoding="utf-8")
    parts = sum(len(i.problem.parts) for g in quiz.groups for i in g.items)
    assert text.count("// [id:") == parts
    assert len(set(re.findall(r"// \[id:([^\]]+)\]", text))) == parts  # ids stay unique
    assert "Choose the vector" not in text
