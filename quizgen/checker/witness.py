"""Looking hard for a point where two expressions differ, after a proof has failed.

Runs only for answers with structure the key lacks whose equality could not be proved: a dense float scan
(random points at growing scales, and fine grids along random lines), each difference confirmed with
60-digit mpmath. A narrow bump like exp(-(300(u-2))^2) is found by the line grids; what is not found
becomes `unsure`, never `correct`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from quizgen.checker.equivalence import SCREEN, Compiled, close, mp_pair
from quizgen.checker.evaluate import OVERFLOW, UNDEF, run_float
from quizgen.checker.sampling import BOX, point_along, random_direction

RANDOM_SCALES = ((BOX, 400), (10.0, 300), (1000.0, 200), (1e7, 100))
LINES = 4
LINE_POINTS = 4001
LINE_RANGE = 10.0


def find_witness(
    key: Compiled, ans: Compiled, rng: random.Random, check_time: Callable[[], None]
) -> tuple[float, ...] | None:
    """A point where both are real and differ (confirmed at 60 digits), or None."""
    n = len(key.names)
    if n == 0:
        return () if _differs(key, ans, ()) else None
    candidates: list[tuple[float, ...]] = []
    for scale, count in RANDOM_SCALES:
        candidates.extend(tuple(rng.uniform(-scale, scale) for _ in range(n)) for _ in range(count))
    for _ in range(LINES):
        base = tuple(rng.uniform(-BOX, BOX) for _ in range(n))
        d = random_direction(rng, n)
        step = 2 * LINE_RANGE / (LINE_POINTS - 1)
        candidates.extend(point_along(base, d, -LINE_RANGE + k * step) for k in range(LINE_POINTS))
    for i, p in enumerate(candidates):
        if i % 256 == 0:
            check_time()
        if _differs(key, ans, p):
            return p
    return None


def _differs(key: Compiled, ans: Compiled, p: tuple[float, ...]) -> bool:
    kv = run_float(key.fn, p)
    if kv is UNDEF:
        return False
    av = run_float(ans.fn, p)
    if av is UNDEF:
        return False
    if kv is not OVERFLOW and av is not OVERFLOW and close(kv, av, SCREEN):
        return False
    km, am = mp_pair(key, ans, p)
    return km is not UNDEF and am is not UNDEF and not close(km, am, SCREEN)
