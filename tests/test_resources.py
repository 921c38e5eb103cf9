"""Shipped data (templates, banks) found from a checkout, shipped banks by name, and the wheel's package list."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from quizgen import resources
from quizgen.bank import load_bank, validate_bank
from quizgen.resources import resolve_bank, shipped_banks

ROOT = Path(__file__).resolve().parent.parent


def test_a_checkout_reads_the_top_level_folders() -> None:
    assert resources.data_folder("templates")[0] == ROOT / "templates"
    assert resources.data_folder("banks")[0] == ROOT / "banks"


def test_shipped_banks_are_the_yaml_files_of_banks_by_name() -> None:
    banks = shipped_banks()
    assert list(banks) == sorted(p.stem for p in (ROOT / "banks").glob("*.yaml"))
    assert banks["demo"] == ROOT / "banks" / "demo.yaml"


def test_a_shipped_name_loads_that_bank_and_keeps_the_name_as_given() -> None:
    bank = load_bank("demo")
    same = load_bank(ROOT / "banks" / "demo.yaml")
    assert bank.path == "demo"
    assert (bank.sha256, bank.title, bank.slots) == (same.sha256, same.title, same.slots)


def test_a_path_that_exists_wins_over_a_shipped_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").write_text("title: Mine\nslots:\n  - family: relu\n", encoding="utf-8")
    assert resolve_bank("demo") == Path("demo")
    assert load_bank("demo").title == "Mine"
    (tmp_path / "relu").mkdir()
    assert validate_bank("relu") == ["relu: is a folder, not a bank file; give the path of a .yaml bank"]


def test_an_unknown_name_lists_the_shipped_banks_on_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert validate_bank("dmeo") == [
        "dmeo: no such bank file or shipped bank; check the path, or name a shipped bank: " + ", ".join(shipped_banks())
    ]
    for guess in ("demo.yaml", "banks/demo", "DEMO"):  # only a shipped bank's exact name, no guessing
        assert validate_bank(guess)[0].startswith(f"{guess}: no such bank file or shipped bank; ")


def test_an_installation_without_banks_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "data_folder", lambda name: (None, []))
    assert shipped_banks() == {}
    assert resources.missing_bank_hint() == "check the path (this installation ships no banks)"


def test_the_wheel_lists_every_package_and_maps_the_data_folders() -> None:
    """packages.find cannot see mapped folders, so pyproject lists packages; a new one must be added there."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "quizgen").rglob("__init__.py")}
    assert set(config["packages"]) == on_disk | {"quizgen.templates", "quizgen.banks"}, (
        "list every quizgen subpackage under [tool.setuptools] packages in pyproject.toml"
    )
    assert config["package-dir"] == {"quizgen.templates": "templates", "quizgen.banks": "banks"}
    assert config["package-data"]["quizgen.templates"] == ["*.tex.j2"]
    assert config["package-data"]["quizgen.banks"] == ["*.yaml"]
    for folder, pattern in (("templates", "*.tex.j2"), ("banks", "*.yaml")):  # nothing the globs would leave out
        assert sorted((ROOT / folder).iterdir()) == sorted((ROOT / folder).glob(pattern))
