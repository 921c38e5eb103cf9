"""Suite-wide settings: under CI (CI=true) hypothesis draws the same examples every run, so a red build always
reproduces; locally it keeps exploring new examples."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long pole first: the wheel test (build, venv, install, generate, mostly in subprocesses) starts at once
    on one xdist worker and overlaps the rest of the suite instead of running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("wheel") is None)
