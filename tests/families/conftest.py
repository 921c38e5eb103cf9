"""Fixtures for every family module."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def _heap_settled_for_each_module(request: pytest.FixtureRequest) -> None:
    """Each family module runs with its heap settled (heap_settled, tests/conftest.py): they build millions of
    sympy objects and keep many (the shared drafts, the remembered derivatives)."""
    request.getfixturevalue("heap_settled")
