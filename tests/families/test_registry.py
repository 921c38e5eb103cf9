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
