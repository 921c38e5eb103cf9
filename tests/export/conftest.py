"""Fixtures for the export tests: a quiz built from hand-made Problems covering every question shape."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for exporttools (tests run with --import-mode=importlib)


@pytest.fixture(scope="session")
def quiz():
    """Every shape (symbolic, indicator, gradient, value, gradient value) under a hostile bank title."""
    from exporttools import sample_problems

    from quizgen.export.items import build_quiz

    return build_quiz(
        title="Calc & <NN> ]]> \"quotes\" 'single' — ünïcødé / slash",
        bank_id="demo",
        seed=7,
        problems=sample_problems(),
    )
