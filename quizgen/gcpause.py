"""Rarer cyclic garbage collections while quizgen builds or checks many sympy objects."""

from __future__ import annotations

import atexit
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


_settled_depth = 0
"""How many settled_heap blocks this process is inside (the outermost one thaws the heap)."""


@contextmanager
def settled_heap() -> Iterator[None]:
    """rare_collections(), and the objects alive at entry left out of the collections until the outermost
    settled block ends.

    Grading keeps what it read or checked until the end (the manifest's problems; then the answers and
    verdicts, and with one process the checker's parsed trees): every full collection re-walked them all,
    about a second of a 2,000-student class's CPU. gc.freeze() moves them aside (a block inside another one
    moves aside what was made since) and the outermost block's gc.unfreeze() puts them back on the way
    out; they are still freed when nothing refers to them. A heap someone else froze (a checker worker's)
    is theirs to thaw: then this is only rare_collections()."""
    global _settled_depth
    if _settled_depth == 0 and gc.get_freeze_count():
        with rare_collections():
            yield
        return
    gc.freeze()
    _settled_depth += 1
    try:
        with rare_collections():
            yield
    finally:
        _settled_depth -= 1
        if _settled_depth == 0:
            gc.unfreeze()


@contextmanager
def no_collections() -> Iterator[None]:
    """No cyclic collections inside the block: for building data without cycles that is all kept (a
    manifest read from JSON), where even rare collections re-walk the growing heap again and again (a third
    of reading a 66 MB manifest). On the way out what was made is moved to the oldest generation without a
    walk (gc.freeze(), then gc.unfreeze() at once): otherwise the first young collection after the block
    walks all of it (0.05-0.1 s for each of a 2,000-student manifest's two blocks). Cycles left inside are
    collected by the next full collection. Inside a heap someone froze (settled_heap, a checker worker)
    nothing is moved: thawing would hand their objects back to the collector."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was:
            gc.enable()


def no_collection_at_exit() -> None:
    """Skip the interpreter's last full collection, for a command whose process ends with everything it
    kept still alive (graded class: about a second of CPU for 2,000 students, walking objects the operating
    system frees anyway). At exit the heap is frozen, which that collection leaves alone; files are written
    and closed before then, and the standard streams are flushed whatever the collector does."""
    atexit.unregister(gc.freeze)  # once, however often it is asked
    atexit.register(gc.freeze)
