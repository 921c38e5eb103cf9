"""Form field names of fillable worksheets: any student id round-trips, names stay TeX- and PDF-safe."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from quizgen import formfields
from quizgen.problem import Sheet

IDS = ["s1001", "a/b é", "-s3", "x-s1-s2", "=cmd|' /C calc'!A0", "王小明", "a.b", "S1001", "s-2D", "s+2D", "--"]


@pytest.mark.parametrize("sid", IDS)
def test_every_student_id_round_trips_through_a_field_name(sid: str) -> None:
    name = formfields.answer_field(sid, 12)
    assert re.fullmatch(r"[A-Za-z0-9+-]+", name)  # no TeX specials, no periods (PDF field hierarchy)
    assert "--" not in name and "--" not in formfields.meta_field(sid)  # hyperref would make it an en dash
    assert formfields.parse_answer_field(name) == formfields.AnswerField(sid, 12, None)
    assert formfields.parse_answer_field(formfields.answer_field(sid, 6, 3)) == formfields.AnswerField(sid, 6, 3)
    assert formfields.parse_meta_field(formfields.meta_field(sid)) == sid
    assert formfields.parse_answer_field(formfields.meta_field(sid)) is None


def test_ids_differing_in_case_or_spelling_get_different_fields() -> None:
    names = {formfields.answer_field(sid, 1) for sid in IDS}
    assert len(names) == len(IDS)


def test_meta_value_names_student_variant_and_run() -> None:
    sheet = Sheet("a/b é", "Zoë", "2L85ESWB", [], {})
    value = formfields.meta_value(sheet, "3715ffb5bdcc116b-11")
    assert re.fullmatch(r"[A-Za-z0-9;+-]+", value) and "--" not in value
    assert formfields.parse_meta_value(value) == formfields.Meta("a/b é", "2L85ESWB", "3715ffb5bdcc116b-11")


@pytest.mark.parametrize("value", ["", "quizgen-worksheet;2;s1;V;x-1", "hello", "quizgen-worksheet;1;a/b;V;x-1"])
def test_foreign_or_damaged_meta_values_are_refused(value: str) -> None:
    assert formfields.parse_meta_value(value) is None


@pytest.mark.parametrize("name", ["qg-s1-sx", "qg--s1", "qg-a_b-s1", "qg-s1-s1-", "Text1", "qg-s1+9F-s1"])
def test_names_that_are_not_quizgen_answer_fields(name: str) -> None:
    # qg-s1+9F-s1 decodes s1 + byte 0x9F: not UTF-8, so not a student id quizgen wrote.
    assert formfields.parse_answer_field(name) is None


@pytest.mark.parametrize("label", ["a", "B", "h1", "dL/dz", "é"])
@pytest.mark.parametrize("sid", IDS[:4])
def test_a_part_field_names_its_part_and_reads_back_exactly(sid: str, label: str) -> None:
    name = formfields.part_field(sid, 4, label)
    assert re.fullmatch(r"[A-Za-z0-9+-]+", name) and "--" not in name
    assert formfields.parse_answer_field(name) == formfields.AnswerField(sid, 4, None, label)
    assert name != formfields.answer_field(sid, 4) and formfields.parse_answer_field(name + "-1") is None


def test_a_multi_part_problem_has_one_field_per_part_in_order() -> None:
    from quizgen.problem import Part, Problem

    part = Part(
        label="a", kind="value", of="z", prompt_text="z", prompt_latex="$z$", answer="1", answer_latex="1", points=1
    )
    problem = Problem(
        slot=3, family="backprop", difficulty=1, points=3, ask="value", prompt_text="", prompt_latex="",
        function="x", function_latex="x", variables=["x"], wrt=[], point=None, answer="1", answer_latex="1",
        parts=[part, replace(part, label="b"), replace(part, label="h1")],
    )  # fmt: skip
    assert formfields.problem_fields("s1", problem) == ["qg-s1-s3-pa", "qg-s1-s3-pb", "qg-s1-s3-ph1"]
