"""Find problem families through the "quizgen.families" entry points; load one only when a bank names it.

Built-in families register exactly like third-party ones (pyproject.toml), so a new family is one module
plus one entry point and nothing else changes.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from quizgen.errors import BankError
from quizgen.families.base import Family

GROUP = "quizgen.families"

_instances: dict[str, Family] = {}


@dataclass(frozen=True)
class FamilyInfo:
    """One line of `quizgen bank list`."""

    name: str
    summary: str
    asks: tuple[str, ...]
    difficulties: tuple[int, ...]
    default_variables: tuple[str, ...]


def _entry_points() -> dict[str, EntryPoint]:
    """The registered families by name. Finding them reads every installed distribution's metadata
    (~3.5 ms), and a bank's slots ask once per family: found once for each sys.path, which is where
    importlib.metadata looks (a plugin put on the path later is still found)."""
    return dict(_scan(tuple(sys.path)))


@functools.lru_cache(maxsize=4)
def _scan(path: tuple[str, ...]) -> dict[str, EntryPoint]:
    """The search behind _entry_points; path (sys.path) is only its cache key."""
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, ep)
    return found


def family_names() -> list[str]:
    """Every registered family identifier, sorted."""
    return sorted(_entry_points())


def unknown_family_message(name: str) -> str:
    return f"unknown family {name!r}; valid families: {', '.join(family_names())}"


def get_family(name: str) -> Family:
    """The (cached) instance of the named family.

    Raises:
        BankError: the name is not registered, or its entry point is broken or not a Family subclass.
    """
    if name in _instances:
        return _instances[name]
    ep = _entry_points().get(name)
    if ep is None:
        raise BankError(unknown_family_message(name))
    try:
        cls = ep.load()
    except Exception as exc:  # noqa: BLE001 - a broken plugin must not crash the CLI
        raise BankError(f"family {name!r} could not be loaded ({type(exc).__name__}: {exc}); reinstall it") from None
    if not (isinstance(cls, type) and issubclass(cls, Family)):
        raise BankError(f"family {name!r} ({ep.value}) is not a quizgen Family subclass; fix its entry point")
    instance = cls()
    _instances[name] = instance
    return instance


def list_families() -> list[FamilyInfo]:
    """All families that load, for `quizgen bank list` (families that fail to load are skipped)."""
    infos = []
    for name in family_names():
        try:
            fam = get_family(name)
        except BankError:
            continue
        infos.append(
            FamilyInfo(
                name=name,
                summary=fam.summary,
                asks=tuple(fam.asks),
                difficulties=tuple(fam.difficulties),
                default_variables=tuple(fam.default_variables),
            )
        )
    return infos
