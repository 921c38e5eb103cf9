"""Problem families: one module per topic, found through the "quizgen.families" entry points."""

from __future__ import annotations

from quizgen.families.base import Draft, DraftMistake, DraftStep, Family, SlotSpec
from quizgen.families.registry import family_names, get_family, list_families

__all__ = [
    "Draft",
    "DraftMistake",
    "DraftStep",
    "Family",
    "SlotSpec",
    "family_names",
    "get_family",
    "list_families",
]
