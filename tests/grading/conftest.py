"""Fixtures for the grading tests (helpers live in gradetools.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for gradetools (tests run with --import-mode=importlib)

from axetools import Axe, require_axe
from gradetools import FakeBackend, make_manifest

from quizgen import manifest as manifest_mod


@pytest.fixture
def manifest_path(tmp_path: Path) -> Path:
    path = tmp_path / "gen" / "manifest.json"
    manifest_mod.write(make_manifest(), path)
    return path


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture(scope="session")
def axe() -> Iterator[Axe]:
    """One headless Chromium with axe-core for every page test of this worker (skips when either is missing)."""
    browser = Axe(require_axe())
    yield browser
    browser.close()
