from __future__ import annotations

import pytest

from quizgen.variantids import VariantId, bank_slug, find_idnumber, parse_idnumber


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


def test_ids_fit_moodles_idnumber_limit() -> None:
    vid = VariantId(bank_slug("x" * 300), -(10**18), 999, 99999, stack=True)
    assert len(str(vid)) <= 100
    assert parse_idnumber(str(vid)) == vid


def test_find_idnumber_in_a_longer_text() -> None:
    text = "Find df/dx. Ref: qg.demo.7.s03.v012.stack, thanks"
    assert find_idnumber(text) == "qg.demo.7.s03.v012.stack"
    assert parse_idnumber(find_idnumber(text) or "") == VariantId("demo", 7, 3, 12, stack=True)
    assert find_idnumber("no id here, qg.demo.x.s1.v1") is None
