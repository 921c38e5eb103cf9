"""Families are found through entry points, loaded on demand, and checked to be Family subclasses."""

from __future__ import annotations

import pytest

from quizgen.errors import BankError
from quizgen.families import registry
from quizgen.families.base import Family

ALL = [
    "backprop",
    "chain_multi",
    "chain_single",
    "gradient",
    "max_partial",
    "neuron",
    "product_rule",
    "relu",
    "sum_rule",
]


def test_all_nine_families_are_registered():
    assert registry.family_names() == ALL
    infos = registry.list_families()
    assert [i.name for i in infos] == ALL
    assert all(i.summary and i.difficulties for i in infos)


def test_get_family_returns_a_cached_instance():
    fam = registry.get_family("relu")
    assert isinstance(fam, Family) and fam.name == "relu"
    assert registry.get_family("relu") is fam


def test_unknown_family_names_the_valid_ones():
    with pytest.raises(BankError) as info:
        registry.get_family("chain")
    assert info.value.message == "unknown family 'chain'; valid families: " + ", ".join(ALL)


class _FakeEntryPoint:
    def __init__(self, value):
        self.name, self.value, self._value = "fake", "fake:Thing", value

    def load(self):
        if isinstance(self._value, Exception):
            raise self._value
        return self._value


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (object, "family 'fake' (fake:Thing) is not a quizgen Family subclass; fix its entry point"),
        (ImportError("boom"), "family 'fake' could not be loaded (ImportError: boom); reinstall it"),
    ],
)
def test_broken_entry_points_are_user_errors(monkeypatch, target, message):
    monkeypatch.setattr(registry, "_entry_points", lambda: {"fake": _FakeEntryPoint(target)})
    registry._instances.pop("fake", None)
    with pytest.raises(BankError) as info:
        registry.get_family("fake")
    assert info.value.message == message


def test_a_plugin_put_on_the_path_after_a_lookup_is_found(tmp_path, monkeypatch):
    """The entry points are looked up once per sys.path (each lookup reads every installed distribution's
    metadata): a distribution on a path added later is still found, and gone once the path is."""
    assert "late_plugin" not in registry.family_names()  # the lookup for this path is remembered
    info = tmp_path / "late_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: late-plugin\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[quizgen.families]\nlate_plugin = late_plugin:Late\n", encoding="utf-8")
    with monkeypatch.context() as mp:
        mp.syspath_prepend(str(tmp_path))
        assert "late_plugin" in registry.family_names()
    assert "late_plugin" not in registry.family_names()
