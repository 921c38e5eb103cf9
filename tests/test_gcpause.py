from __future__ import annotations

import gc

import pytest

from quizgen.gcpause import RARE_THRESHOLD, rare_collections


def test_collections_are_rarer_inside_and_the_thresholds_come_back_even_after_an_error() -> None:
    before = gc.get_threshold()
    with rare_collections():
        inside = gc.get_threshold()
    assert inside[0] >= RARE_THRESHOLD and inside[1:] == before[1:]
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), rare_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before
