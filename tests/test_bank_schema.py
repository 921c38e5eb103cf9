"""The declared bank schema: the declarations drive validation (every family's keys, wrong type, range or
choice gives file:line and key path), `bank schema` and docs/bank-schema.md print the same declarations, the
committed page is current, checked slots always draw, and bank loading stays simple (mccabe C901 <= 10).
The `bank schema` command itself is tested in tests/commands/test_bank.py."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from quizgen.bank import load_bank, validate_bank
from quizgen.bank_schema import family_options, main, schema_markdown, schema_text
from quizgen.families.base import Family, SlotSpec
from quizgen.families.options import Choice, Integer, Option, SubsetOf, Type
from quizgen.families.registry import family_names, get_family
from quizgen.generate import draw_problem

ROOT = Path(__file__).resolve().parent.parent


def _bad_values(option: Option) -> list[tuple[Any, str]]:
    """Values each declared kind must refuse, with a phrase of the message that says why."""
    if isinstance(option, Choice):
        return [("banana", f"must be one of {', '.join(option.choices)}, got 'banana'"), (3, "got 3")]
    if isinstance(option, SubsetOf):
        return [(["banana"], f"banana is not one of {', '.join(option.choices)}"), ("sin", "must be a list, got text")]
    if isinstance(option, Integer):
        bad = [("two", "must be an integer, got text"), (True, "must be an integer, got a boolean")]
        if option.maximum is not None:
            bad.append((option.maximum + 1, f"must be an {option.kind()}, got {option.maximum + 1}"))
        if option.minimum is not None:
            bad.append((option.minimum - 1, f"must be an {option.kind()}, got {option.minimum - 1}"))
        return bad
    if isinstance(option, Type):
        return [([1] if option.type is not list else "x", "must be ")]
    raise AssertionError(f"no bad values known for {type(option).__name__}; add them here")


def _family_option_cases() -> list[tuple[str, str, Any, str]]:
    cases = []
    for name in family_names():
        for key, option in family_options(get_family(name)).items():
            cases += [(name, key, value, phrase) for value, phrase in _bad_values(option)]
    return cases


def _flow(value: Any) -> str:
    """A YAML flow value for a test bank."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _bank(tmp_path: Path, slot_lines: list[str]) -> Path:
    """A bank whose second slot is the one under test: its first key is on line 4, the next ones on 5, 6, ..."""
    text = "title: T\nslots:\n  - family: relu\n" + "  - " + "\n    ".join(slot_lines) + "\n"
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("family", "key", "value", "phrase"), _family_option_cases())
def test_every_declared_family_option_is_checked_with_line_and_key_path(tmp_path, family, key, value, phrase):
    path = _bank(tmp_path, [f"family: {family}", f"{key}: {_flow(value)}"])
    [error] = validate_bank(path)
    assert error.startswith(f"{path}:5: slots[2].{key}: ")
    assert phrase in error


def test_the_families_with_options_are_covered():
    """The cases above come from the declarations; make sure they are not empty (chain_single, neuron)."""
    covered = {(family, key) for family, key, _, _ in _family_option_cases()}
    assert {("chain_single", "outer"), ("neuron", "loss"), ("neuron", "inputs")} <= covered


@pytest.mark.parametrize("family", family_names())
def test_every_family_refuses_a_level_an_ask_and_a_variable_count_it_does_not_have(tmp_path, family):
    fam = get_family(family)
    level = max(fam.difficulties) + 1
    too_many = [f"v{i}" for i in range(fam.max_variables + 1)]
    lines = [f"family: {family}", f"difficulty: {level}", f"variables: {_flow(too_many)}"]
    other = [a for a in ("partial", "gradient", "value") if a not in fam.asks]
    lines.append(f"ask: {other[0] if other else 'both'}")
    path = _bank(tmp_path, lines)
    errors = validate_bank(path)
    levels = ", ".join(str(d) for d in fam.difficulties)
    assert errors[0] == f"{path}:5: slots[2].difficulty: {level} is not a level of {family}; choose one of {levels}"
    assert errors[1].startswith(f"{path}:6: slots[2].variables: {family} takes ")
    assert errors[1].endswith(f", got {fam.max_variables + 1}")
    assert errors[2].startswith(f"{path}:7: slots[2].ask: ")
    assert len(errors) == 3


def test_cross_key_rules_of_a_family_are_reported_on_their_key(tmp_path):
    path = _bank(tmp_path, ["family: neuron", "variables: [w1, x1, b]", "loss: squared"])
    assert validate_bank(path) == [
        f"{path}:6: slots[2].loss: loss squared needs the target variable t among the variables"
    ]
    path = _bank(tmp_path, ["family: chain_single", "coefficients: [-3, -1]", "outer: [ln, sqrt]"])
    [error] = validate_bank(path)
    assert error.startswith(f"{path}:6: slots[2].outer: ln and sqrt need positive coefficients")


def test_declared_option_values_reach_the_slot(tmp_path):
    path = _bank(tmp_path, ["family: neuron", "loss: relu", "inputs: 2", "allow_zero: true"])
    slot = load_bank(path).slots[1]
    assert slot.options == {"allow_zero": True, "loss": "relu", "inputs": 2}
    assert load_bank(_bank(tmp_path, ["family: neuron"])).slots[1].options == {}  # defaults are not filled in


class _PlainTypes(Family):
    """A family written before declared options: a plain type per key still works."""

    name: ClassVar[str] = "plain_types"
    summary: ClassVar[str] = "test"
    options: ClassVar[dict[str, Any]] = {"rate": float, "label": str}

    def draw(self, slot: SlotSpec, rng: random.Random) -> Any:
        return None


class _EntryPoint:
    def __init__(self, name: str, target: Any) -> None:
        self.name, self.value, self._target = name, f"thirdparty:{name}", target

    def load(self) -> Any:
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


@pytest.fixture
def third_party(monkeypatch):
    """Installs a third-party family with plain-type options, and a broken one, next to the built-ins."""
    from quizgen.families import registry

    found = dict(registry._entry_points())
    found["plain_types"] = _EntryPoint("plain_types", _PlainTypes)
    found["broken"] = _EntryPoint("broken", ImportError("boom"))
    monkeypatch.setattr(registry, "_entry_points", lambda: found)
    yield
    registry._instances.pop("plain_types", None)


@pytest.mark.usefixtures("third_party")
def test_a_third_party_familys_plain_type_options_are_checked_and_listed(tmp_path):
    path = _bank(tmp_path, ["family: plain_types", "rate: fast", "label: [a]"])
    assert validate_bank(path) == [
        f"{path}:5: slots[2].rate: must be a number, got text",
        f"{path}:6: slots[2].label: must be text, got a list",
    ]
    text = schema_text()
    assert "plain_types  [asks: partial;" in text and "  rate   number (default" not in text
    assert "  rate   number\n         (no help given)" in text
    assert "broken: family 'broken' could not be loaded (ImportError: boom); reinstall it" in text
    assert "plain_types" not in schema_markdown() and "broken" not in schema_markdown()


def test_plain_type_declarations_are_read_as_type_options():
    options = family_options(_PlainTypes())
    assert list(options) == ["label", "rate"]
    assert options["rate"].validate(2, None) == 2.0  # type: ignore[arg-type]
    with pytest.raises(Exception, match="must be a number, got text"):
        options["rate"].validate("fast", None)  # type: ignore[arg-type]


@pytest.mark.parametrize("family", family_names())
def test_slots_that_pass_the_schema_draw_without_bank_errors(family):
    """draw() raises no bank errors: every slot the loader accepts draws, at every level and ask."""
    fam = get_family(family)
    for difficulty in fam.difficulties:
        for ask in fam.asks:
            spec = SlotSpec(
                1,
                family,
                difficulty,
                1.0,
                ask,
                variables=tuple(fam.default_variables),
                point="random" if ask == "value" else None,
            )
            assert fam.check_slot(spec) == []
            for seed in range(2):
                draw_problem(spec, random.Random(seed))


def test_committed_docs_page_is_current():
    """Regenerate with `python -m quizgen.bank_schema --markdown > docs/bank-schema.md`."""
    assert (ROOT / "docs" / "bank-schema.md").read_text(encoding="utf-8") == schema_markdown()


def test_module_entry_point_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    """The documented command, in a fresh interpreter; its usage error through the same main(), in-process."""
    done = subprocess.run(
        [sys.executable, "-m", "quizgen.bank_schema", "--markdown"], capture_output=True, text=True, check=True
    )
    assert done.stdout == schema_markdown()
    assert main(["--html"]) == 2
    bad = capsys.readouterr()
    assert "usage:" in bad.err and bad.out == ""


def test_bank_loading_stays_under_complexity_10():
    """pyproject.toml holds mccabe C901 at 10 for quizgen/bank*.py and quizgen/families/options.py."""
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    files = [str(p) for p in sorted((ROOT / "quizgen").glob("bank*.py"))] + [str(ROOT / "quizgen/families/options.py")]
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "C901", *files],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
