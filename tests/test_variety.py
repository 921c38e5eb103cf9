"""Variety: every shipped bank gives a class of 40 enough distinct problems, and a slot that cannot (or whose
value answers collapse onto one value) is named in a warning on stderr by bank check and generate, while the
manifest stays the same bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.bank import load_bank
from quizgen.cli import cli
from quizgen.families.base import SlotSpec
from quizgen.variety import CHECK_CLASS_SIZE, Variety, _line, estimate, warnings

# slow: started first under xdist; heap_settled: see tests/conftest.py
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("heap_settled")]

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "banks").glob("*.yaml"))
MIN_DISTINCT = 36
"""The issue's bar: a class of 40 sees at least 36 distinct questions per slot."""

TINY = """\
title: "Tiny"
seed: 1
slots:
  - family: sum_rule
    difficulty: 1
    variables: [x, y, z]
    coefficients: [1, 9]
  - family: neuron
    difficulty: 1
    inputs: 1
    loss: relu
    ask: partial
  - family: relu
    difficulty: 2
    variables: [a, b]
    coefficients: [1, 5]
    ask: value
"""


def _estimate_to_the_bar(slot: SlotSpec) -> Variety:
    """What `bank check` finds for a class of 40, as far as the bar needs: the same draws, stopped once
    MIN_DISTINCT distinct problems are seen (a prefix of the class-of-40 estimate's draws)."""
    return estimate(slot, CHECK_CLASS_SIZE, enough=MIN_DISTINCT)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_slot_of_every_shipped_bank_has_room_for_a_class(path):
    bank = load_bank(path)
    short = [
        (slot.number, slot.family, found.distinct)
        for slot in bank.slots
        if (found := _estimate_to_the_bar(slot)).distinct < MIN_DISTINCT
    ]
    assert short == [], f"{path.name}: slots with fewer than {MIN_DISTINCT} distinct problems for 40 students"


def test_a_small_space_is_counted_and_named(tmp_path):
    bank_file = tmp_path / "tiny.yaml"
    bank_file.write_text(TINY, encoding="utf-8")
    bank = load_bank(bank_file)
    neuron = estimate(bank.slots[1], 40)
    # L = relu(w1 x1 + b) asked symbolically: dL/dw1, dL/dx1 or dL/db, nothing else
    assert neuron.distinct == 3 and not neuron.saturated
    lines = warnings(bank.slots, 40)
    assert any(
        line.startswith("warning: slot 2 (neuron) can make 3 distinct problems for 40 students") for line in lines
    )
    assert not any("slot 1 " in line for line in lines)  # sum_rule has plenty


def test_a_collapsing_value_answer_is_named(tmp_path):
    bank_file = tmp_path / "tiny.yaml"
    bank_file.write_text(TINY, encoding="utf-8")
    bank = load_bank(bank_file)
    found = estimate(bank.slots[2], 40)
    assert found.top_answer == "0" and found.top_share >= 0.25
    line = next(line for line in warnings(bank.slots, 40) if "slot 3 " in line)
    assert 'its answer is "0" for about' in line


@pytest.mark.parametrize("class_size", [3, 4])
def test_warnings_say_what_the_full_estimates_say(tmp_path, class_size):
    """warnings() stops drawing a symbolic slot once its warning is settled: its lines are still those of
    estimate()'s full count (neuron's space of 3 problems sits on the edge at 3 and 4 students)."""
    bank_file = tmp_path / "tiny.yaml"
    bank_file.write_text(TINY, encoding="utf-8")
    slots = load_bank(bank_file).slots
    full = [line for slot in slots if (line := _line(slot, estimate(slot, class_size), class_size))]
    assert warnings(slots, class_size) == full
    assert any("slot 3 " in line for line in full)  # the value slot's collapse, at every size


def test_same_bank_same_estimate():
    slot = load_bank(ROOT / "banks" / "demo.yaml").slots[9]
    assert estimate(slot, 25) == estimate(slot, 25)


def test_check_and_generate_warn_on_stderr_and_leave_the_manifest_alone(tmp_path):
    bank_file = tmp_path / "tiny.yaml"
    bank_file.write_text(TINY, encoding="utf-8")
    runner = CliRunner()
    check = runner.invoke(cli, ["bank", "check", str(bank_file)], catch_exceptions=False)
    assert check.exit_code == 0
    assert "warning: slot 2 (neuron) can make 3 distinct problems for 40 students" in check.stderr
    assert "warning" not in check.stdout
    digests = set()
    for quiet in ([], ["--quiet"]):
        out = tmp_path / f"out{len(quiet)}"
        gen = runner.invoke(
            cli,
            ["generate", "--bank", str(bank_file), "--count", "12", "--format", "json", "--out", str(out), *quiet],
            catch_exceptions=False,
        )
        assert gen.exit_code == 0
        if quiet:
            assert gen.stderr == ""
        else:
            assert "warning: slot 2 (neuron) can make 3 distinct problems for 12 students" in gen.stderr
        digests.add(hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest())
    assert len(digests) == 1
