"""Rarer cyclic garbage collections while quizgen builds or checks many sympy objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

RARE_THRESHOLD = 50_000
"""Allocations between young-generation collections (Python's default is 700)."""


@contextmanager
def rare_collections() -> Iterator[None]:
    """Generating or grading allocates millions of small sympy objects, most of them kept (caches, problems,
    parsed keys); with the default threshold (700 allocations) the cyclic collector re-walks them thousands
    of times, 10-15% of the time. Collections are made rarer inside the block (cycles are still collected)
    and the previous thresholds restored afterwards."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], RARE_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
