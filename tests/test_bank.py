"""Bank loading: every error at once, each as `file:line: key path: message`, and valid banks load with
the families' defaults. The shipped banks must all be valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.bank import load_bank, validate_bank
from quizgen.errors import BankError

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = "backprop, chain_multi, chain_single, gradient, max_partial, neuron, product_rule, relu, sum_rule"

BROKEN = """\
title: Broken bank
course: 12
seed: -1
colour: blue
slots:
  - family: sum_rul
    difficulty: 1
  - family: sum_rule
    difficulty: 5
    coefficients: [9, 1]
    ask: both
  - family: max_partial
    variables: [x, y, z]
    wrt: q
  - family: relu
    points: "two"
    ask: value
    point: {x: abc}
    extra_key: 1
  - family: gradient
    ask: partial
  - family: product_rule
    variables: [x, x]
  - family: relu
    variables: [x, exp]
  - just a string
  - difficulty: 2
  - family: sum_rule
    coefficients: [0, 0]
    wrt: x
    ask: gradient
"""


def _write(tmp_path: Path, text: str, name: str = "bank.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_error_is_reported_with_line_and_key(tmp_path):
    path = _write(tmp_path, BROKEN)
    p = str(path)
    assert validate_bank(path) == [
        f"{p}:2: course: must be text, got an integer",
        f"{p}:3: seed: must be a non-negative integer, got -1",
        f"{p}:4: colour: unknown key; allowed keys: title, course, instructions, seed, slots",
        f"{p}:6: slots[1].family: unknown family 'sum_rul'; valid families: {FAMILIES}",
        f"{p}:9: slots[2].difficulty: 5 is not a level of sum_rule; choose one of 1, 2, 3",
        f"{p}:10: slots[2].coefficients: bad range [9, 1]: lo must not exceed hi",
        f"{p}:11: slots[2].ask: must be one of partial, gradient, value, got 'both'",
        f"{p}:13: slots[3].variables: max_partial takes exactly 2 variables, got 3",
        f"{p}:14: slots[3].wrt: 'q' is not among the variables (x, y, z)",
        f"{p}:16: slots[4].points: must be a number, got text",
        f"{p}:18: slots[4].point: x: 'abc' is not a number (write 2, -1, 0.5 or 1/2)",
        f"{p}:19: slots[4].extra_key: unknown key; allowed keys: family, difficulty, variables, coefficients, "
        "points, ask, wrt, point, working, allow_zero",
        f"{p}:21: slots[5].ask: gradient cannot ask 'partial'; it supports gradient, value",
        f"{p}:23: slots[6].variables: 'x' is listed twice",
        f"{p}:25: slots[7].variables: 'exp' is reserved for a function or constant; choose another name",
        f"{p}:26: slots[8]: must be a mapping with family, difficulty, ...; got text",
        f"{p}:27: slots[9].family: missing; valid families: {FAMILIES}",
        f"{p}:29: slots[10].coefficients: bad range [0, 0]: it must contain a non-zero integer",
        f"{p}:30: slots[10].wrt: not used when ask is gradient (the gradient is along every variable); remove it",
    ]


def test_load_bank_raises_all_errors_at_once(tmp_path):
    path = _write(tmp_path, BROKEN)
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert info.value.message.count("\n") == 18
    assert info.value.message.splitlines()[0].startswith(f"{path}:2: course:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "{p}: the bank is empty; it needs title and slots (see banks/demo.yaml)"),
        ("- a\n- b\n", "{p}:1: the bank must be a mapping with title, course, instructions, seed and slots"),
        (
            "title: x\nslots: [\n",
            "{p}:3: YAML syntax error: expected the node content, but found '<stream end>'; fix the YAML",
        ),
        ("title: x\n", "{p}:1: slots: missing; add a list of slots (see banks/demo.yaml)"),
        ("slots:\n  - family: relu\n", "{p}:1: title: missing; add `title: ...` to the bank"),
        ("title: x\nslots: []\n", "{p}:2: slots: must be a non-empty list, got a list"),
        ("title: a\ntitle: b\nslots: []\n", None),
    ],
)
def test_file_level_errors(tmp_path, text, message):
    path = _write(tmp_path, text)
    errors = validate_bank(path)
    if message is None:
        assert len(errors) == 1 and errors[0].startswith(f"{path}:2: YAML syntax error")
    else:
        assert errors == [message.format(p=path)]


def test_missing_and_undecodable_files(tmp_path):
    assert validate_bank(tmp_path / "nope.yaml") == [
        f"{tmp_path / 'nope.yaml'}: no such bank file or shipped bank; check the path, or name a shipped bank: "
        "backprop, chain_multi, chain_single, demo, gradient, max_partial, neuron, product_rule, relu, sum_rule"
    ]
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"title: caf\xe9\nslots: []\n")
    assert validate_bank(bad) == [f"{bad}:1: the bank is not UTF-8 text; save it as UTF-8"]


def test_valid_bank_with_defaults(tmp_path):
    path = _write(
        tmp_path,
        "title: T\ncourse: C\ninstructions: I\nseed: 5\nslots:\n"
        "  - family: relu\n"
        "  - family: sum_rule\n    difficulty: 3\n    variables: [w1, x1, b]\n    coefficients: [-4, 4]\n"
        "    points: 2.5\n    ask: value\n    point: {w1: 1, x1: '1/2', b: -2}\n",
    )
    bank = load_bank(path)
    assert (bank.title, bank.course, bank.instructions, bank.seed) == ("T", "C", "I", 5)
    relu, sums = bank.slots
    assert (relu.number, relu.difficulty, relu.ask, relu.variables, relu.coefficients, relu.points) == (
        1,
        1,
        "partial",
        ("x",),
        (1, 5),
        1.0,
    )
    assert (sums.number, sums.difficulty, sums.variables, sums.coefficients, sums.points) == (
        2,
        3,
        ("w1", "x1", "b"),
        (-4, 4),
        2.5,
    )
    assert sums.point["w1"] == 1 and sums.point["b"] == -2 and str(sums.point["x1"]) == "1/2"
    assert len(bank.sha256) == 64


def test_value_ask_defaults_to_a_random_point(tmp_path):
    bank = load_bank(_write(tmp_path, "title: T\nslots:\n  - family: max_partial\n    ask: value\n"))
    assert bank.slots[0].point == "random"


def test_room_for_working_is_a_length_per_slot(tmp_path):
    text = "title: T\nslots:\n  - family: relu\n    working: 35mm\n  - family: relu\n    working: 6\n  - family: relu\n"
    bank = load_bank(_write(tmp_path, text))
    assert [s.working for s in bank.slots] == [3.5, 6.0, None]
    path = _write(tmp_path, "title: T\nslots:\n  - family: relu\n    working: lots\n", "bad.yaml")
    [message] = validate_bank(path)
    assert message.startswith(f"{path}:4: slots[1].working: must be a length such as 4")
    path = _write(tmp_path, "title: T\nslots:\n  - family: relu\n    working: 40\n", "big.yaml")
    assert "between 0 and 25 cm" in validate_bank(path)[0]


def test_family_option_errors_are_found_at_load_time_on_their_key(tmp_path):
    path = _write(tmp_path, "title: T\nslots:\n  - family: neuron\n    loss: banana\n")
    assert validate_bank(path) == [
        f"{path}:4: slots[1].loss: must be one of output, half_squared, squared, bce, relu, got 'banana'"
    ]


@pytest.mark.parametrize("bank", sorted((ROOT / "banks").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_banks_are_valid(bank):
    assert validate_bank(bank) == []


def test_demo_bank_mixes_all_eight_families():
    bank = load_bank(ROOT / "banks" / "demo.yaml")
    # backprop (multi-part graphs) has its own bank, banks/backprop.yaml
    assert sorted({s.family for s in bank.slots}) == [f for f in FAMILIES.split(", ") if f != "backprop"]
    assert 8 <= len(bank.slots) <= 12


def _laughs(levels: int) -> str:
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
    return text


def _block_nest(levels: int) -> str:
    """A slot whose point is a mapping nested `levels` deep in block style (no brackets)."""
    keys = "".join(f"{'  ' * (level + 3)}k{level}:\n" for level in range(levels))
    return "title: T\nslots:\n  - family: sum_rule\n    point:\n" + keys + "  " * (levels + 3) + "v\n"


HOSTILE_BANKS = [
    # billion laughs: 10^9 values from 1 KB of aliases
    (
        "title: T\n" + _laughs(9) + "slots:\n  - family: sum_rule\n",
        5,
        "the bank holds more than 10,000 values, counting what YAML aliases (*name) repeat",
    ),
    (
        "title: T\nslots:\n  - family: sum_rule\n    coefficients: " + "[" * 100_000 + "]" * 100_000 + "\n",
        4,
        "lists and mappings nested more than 20 deep",
    ),
    (
        "title: T\nslots:\n  - family: sum_rule\n    point: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n",
        4,
        "lists and mappings nested more than 20 deep",
    ),
    (
        "title: T\nseed: " + "9" * 5000 + "\nslots:\n  - family: sum_rule\n",
        2,
        "a number 5,000 characters long; numbers in a bank have at most 30 digits",
    ),
    ("title: T\nslots:\n  - family: sum_rule\n    points: " + "7" * 3000 + "\n", 4, "a number 3,000 characters long"),
    # past Python's 4,300 digits for int(): refused before YAML would build the integer
    (
        "title: T\nslots:\n  - family: sum_rule\n    points: " + "7" * 10_000 + "\n",
        4,
        "a number 10,000 characters long",
    ),
    # block style, 400 levels: the composer recurses per level, so it must stop at level 21 (line 22)
    (_block_nest(400), 22, "lists and mappings nested more than 20 deep"),
    # the composer stops at an undefined alias or a second document; the shape further on is still checked
    ("title: *nope\nseed: " + "9" * 5000 + "\nslots:\n  - family: sum_rule\n", 2, "a number 5,000 characters long"),
    ("title: T\nslots:\n  - family: sum_rule\n---\n" + _laughs(9), 8, "the bank holds more than 10,000 values"),
    (
        "title: T\nslots:\n  - family: sum_rule\n    points: .inf\n",
        4,
        "slots[1].points: must be a number up to 1,000,000, got inf",
    ),
    ("title: T\nslots:\n  - family: sum_rule\n    points: .nan\n", 4, "slots[1].points: must be a number"),
]


@pytest.mark.parametrize(("text", "line", "message"), HOSTILE_BANKS)
def test_hostile_banks_get_one_line_with_file_and_line(tmp_path, text, line, message):
    path = _write(tmp_path, text)
    errors = validate_bank(path)
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:{line}: ") and message in errors[0]
    assert len(errors[0]) < 300


def test_hostile_bank_through_the_cli_is_a_user_error_not_an_internal_error(tmp_path):
    from click.testing import CliRunner

    from quizgen.cli import cli

    path = _write(tmp_path, HOSTILE_BANKS[0][0])
    result = CliRunner().invoke(cli, ["bank", "check", str(path)])
    assert result.exit_code == 1
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_aliases_within_the_limit_still_work_and_messages_stay_short(tmp_path):
    ok = "title: T\nslots:\n  - &s {family: sum_rule, variables: [x, y], ask: partial, wrt: x}\n  - *s\n"
    assert validate_bank(_write(tmp_path, ok)) == []
    big = "title: T\n" + _laughs(3) + "slots:\n  - family: sum_rule\n    coefficients: *a2\n"
    errors = validate_bank(_write(tmp_path, big, "big.yaml"))
    coefficient_errors = [e for e in errors if "coefficients" in e]
    assert len(coefficient_errors) == 1 and len(coefficient_errors[0]) < 250


def test_too_many_slots_is_one_error_at_the_slots_key(tmp_path):
    path = _write(tmp_path, "title: T\nslots:\n" + "  - family: sum_rule\n" * 101)
    assert validate_bank(path) == [f"{path}:2: slots: 101 slots; a sheet has at most 100 problems, so split the bank"]
    huge = _write(tmp_path, "title: T\nslots:\n" + "  - family: sum_rule\n" * 20_000, "huge.yaml")
    errors = validate_bank(huge)
    assert len(errors) == 1 and "holds more than 10,000 values" in errors[0]


def test_a_control_character_is_named_with_its_line(tmp_path):
    path = _write(tmp_path, "title: T\nslots:\n  - family: sum_rule\n    ask: par\x00tial\n")
    assert validate_bank(path) == [f"{path}:4: the control character U+0000 is not allowed in YAML; remove it"]


def test_texts_printed_on_every_sheet_have_a_length_limit(tmp_path):
    path = _write(tmp_path, "title: " + "T" * 301 + "\ninstructions: ok\nslots:\n  - family: sum_rule\n")
    assert validate_bank(path) == [f"{path}:1: title: 301 characters; at most 300 fit on a sheet"]
