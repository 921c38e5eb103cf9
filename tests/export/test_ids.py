from __future__ import annotations

import pytest

from quizgen.export.ids import VariantId, bank_slug, parse_idnumber, question_name


@pytest.mark.parametrize(
    "vid",
    [VariantId("demo", 7, 3, 12), VariantId("my-bank_2", 0, 10, 1, stack=True), VariantId("b", -5, 1, 100)],
)
def test_idnumber_round_trips(vid: VariantId) -> None:
    assert parse_idnumber(str(vid)) == vid


def test_idnumber_text_is_documented_scheme() -> None:
    assert str(VariantId("demo", 7, 3, 12)) == "qg.demo.7.s03.v012"
    assert str(VariantId("demo", None, 3, 12, stack=True)) == "qg.demo.bank.s03.v012.stack"


@pytest.mark.parametrize(
    "text", ["", "qg.demo.7.s3", "quizgen.demo.7.s3.v1", "qg.de mo.7.s3.v1", "qg.demo.7.s3.v1.core"]
)
def test_foreign_ids_are_not_parsed(text: str) -> None:
    assert parse_idnumber(text) is None


def test_bank_slug_keeps_only_safe_characters() -> None:
    assert bank_slug("demo bank (v2).ü") == "demo_bank_v2"
    assert bank_slug("***") == "bank"


def test_question_name_pads_variant_to_count() -> None:
    assert question_name(3, "chain_single", 7, 20) == "Slot 3 (chain_single) variant 07"
    assert question_name(3, "chain_single", 7, 150) == "Slot 3 (chain_single) variant 007"


def test_ids_fit_moodles_idnumber_limit() -> None:
    vid = VariantId(bank_slug("x" * 300), -(10**18), 999, 99999, stack=True)
    assert len(str(vid)) <= 100
    assert parse_idnumber(str(vid)) == vid
