"""Option kinds a family declares its slot keys with: what each accepts, keeps and refuses, and how the
docs describe it (the bank loader adds file, line and key path; tests/test_bank_schema.py checks that)."""

from __future__ import annotations

from typing import Any

import pytest

from quizgen.families.options import (
    Boolean,
    Choice,
    Integer,
    Option,
    SlotContext,
    SubsetOf,
    Type,
    ValidationError,
    as_option,
    type_name,
)

CTX = SlotContext()


@pytest.mark.parametrize(
    ("option", "value", "kept"),
    [
        (Integer(minimum=1, maximum=4), 4, 4),
        (Integer(), -7, -7),
        (Choice(choices=("a", "b")), "b", "b"),
        (SubsetOf(choices=("a", "b")), ["b", "a"], ["b", "a"]),
        (SubsetOf(choices=("a", "b")), [], []),
        (Boolean(), False, False),
        (Type(type=float), 2, 2.0),
        (Type(type=str), "x", "x"),
        (Type(type=list), [1], [1]),
    ],
)
def test_accepted_values_are_kept(option: Option, value: Any, kept: Any):
    result = option.validate(value, CTX)
    assert result == kept and type(result) is type(kept)


@pytest.mark.parametrize(
    ("option", "value", "messages"),
    [
        (Integer(minimum=1, maximum=4), 0, ["must be an integer from 1 to 4, got 0"]),
        (Integer(minimum=1), 0, ["must be an integer of at least 1, got 0"]),
        (Integer(maximum=3), 9, ["must be an integer of at most 3, got 9"]),
        (Integer(), True, ["must be an integer, got a boolean"]),
        (Integer(), 1.5, ["must be an integer, got a number"]),
        (Choice(choices=("a", "b")), "c", ["must be one of a, b, got 'c'"]),
        (Choice(choices=("a", "b")), None, ["must be one of a, b, got None"]),
        (SubsetOf(choices=("a", "b")), ["a", "c", 3], ["c, 3 is not one of a, b"]),
        (SubsetOf(choices=("a", "b")), {"a": 1}, ["must be a list, got a mapping"]),
        (Boolean(), "yes", ["must be true or false, got 'yes'"]),
        (Type(type=int), True, ["must be an integer, got a boolean"]),
        (Type(type=str), 3, ["must be text, got an integer"]),
        (Type(type=bool), 1, ["must be true or false, got an integer"]),
    ],
)
def test_refused_values_say_what_was_expected_and_what_came(option: Option, value: Any, messages: list[str]):
    with pytest.raises(ValidationError) as info:
        option.validate(value, CTX)
    assert info.value.messages == messages


def test_defaults_and_kinds_are_described_for_the_docs():
    assert Integer(minimum=1, maximum=4).kind() == "integer from 1 to 4"
    assert Choice(choices=("relu", "squared")).kind() == "one of relu, squared"
    assert SubsetOf(choices=("sin", "cos")).kind() == "list of: sin, cos"
    assert Boolean(default=False).describe_default() == "false"
    assert Option(default=(1, 5)).describe_default() == "[1, 5]"
    assert Option(default=lambda ctx: 1, default_text="the lowest").describe_default() == "the lowest"
    assert Option(default=lambda ctx: 1).describe_default() == ""
    assert Option(default=lambda ctx: 3).missing(CTX) == 3


def test_plain_types_are_read_as_type_options():
    assert as_option(int) == Type(type=int)
    declared = Choice(choices=("a",))
    assert as_option(declared) is declared


def test_type_names_in_messages():
    assert [type_name(v) for v in (None, True, 3, 2.5, "x", {}, [])] == [
        "nothing",
        "a boolean",
        "an integer",
        "a number",
        "text",
        "a mapping",
        "a list",
    ]
