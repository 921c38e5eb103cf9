"""Fixtures for the typeset tests: real computational graphs, drawn by the backprop family through the
generator, one of each shape a worksheet can show (helpers in graphtools.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for graphtools (tests run with --import-mode=importlib)

from graphtools import graph_problems

from quizgen.problem import Problem


@pytest.fixture(scope="session")
def graphs() -> dict[str, Problem]:
    return graph_problems()
