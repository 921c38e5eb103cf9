from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from quizgen.gcpause import RARE_THRESHOLD, no_collections, rare_collections, settled_heap


def test_collections_are_rarer_inside_and_the_thresholds_come_back_even_after_an_error() -> None:
    before = gc.get_threshold()
    with rare_collections():
        inside = gc.get_threshold()
    assert inside[0] >= RARE_THRESHOLD and inside[1:] == before[1:]
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), rare_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_settled_heap_leaves_what_was_alive_out_of_collections_and_puts_it_back() -> None:
    kept = [[i] for i in range(1000)]  # containers the collector tracks, alive before the block
    assert gc.get_freeze_count() == 0
    with settled_heap():
        assert _frozen(kept)
        assert gc.get_threshold()[0] >= RARE_THRESHOLD
        made = [[i] for i in range(1000)]  # kept from here on too
        assert not _frozen(made)
        with settled_heap():  # nested: what was made since the outer block began is set aside as well
            assert _frozen(made) and _frozen(kept)
        assert _frozen(made) and _frozen(kept)  # only the outermost block thaws
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), settled_heap():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0


def test_settled_heap_does_not_thaw_a_heap_someone_else_froze() -> None:
    kept = [[i] for i in range(100)]
    gc.freeze()  # as a checker worker does when it starts
    try:
        with settled_heap():
            pass
        assert _frozen(kept)
    finally:
        gc.unfreeze()


def test_no_collections_inside_and_the_cycles_left_there_are_collected_after() -> None:
    class Node:
        other: object = None

    assert gc.isenabled()
    with no_collections():
        assert not gc.isenabled()
        node = Node()
        node.other = node  # garbage with a cycle, made inside
        ref = weakref.ref(node)
        del node
    assert gc.isenabled()
    gc.collect()
    assert ref() is None
    with pytest.raises(RuntimeError), no_collections():
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()  # a caller that had collections off keeps them off
    try:
        with no_collections():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_no_collection_at_exit_freezes_the_heap_once_when_the_process_ends() -> None:
    script = (
        "import atexit, gc\n"
        "freeze, calls = gc.freeze, []\n"
        "gc.freeze = lambda: calls.append(1) or freeze()\n"  # counts the freezes at exit
        "atexit.register(lambda: print(len(calls), gc.get_freeze_count() > 0))\n"  # runs after ours
        "from quizgen.gcpause import no_collection_at_exit\n"
        "no_collection_at_exit(); no_collection_at_exit()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "True"]


def test_what_no_collections_made_goes_to_the_oldest_generation_without_a_collection() -> None:
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    try:
        with no_collections():
            made = [[i] for i in range(1000)]
        assert collections == []
        assert gc.get_count()[0] < 100  # the young generation does not hold the block's objects
        assert _in_oldest_generation([made, *made])
    finally:
        gc.callbacks.remove(count)


def _in_oldest_generation(objects: list[object]) -> bool:
    """Whether each object is in the collector's oldest generation. A tracked object is in one generation of
    three or frozen: this looks through the two young generations and the frozen count, which stay small,
    not through the oldest one, which holds the whole test process (millions of objects in a full run)."""
    young = {id(o) for generation in (0, 1) for o in gc.get_objects(generation=generation)}
    return gc.get_freeze_count() == 0 and all(gc.is_tracked(o) and id(o) not in young for o in objects)


def test_no_collections_inside_a_frozen_heap_leaves_it_frozen() -> None:
    kept = [[i] for i in range(100)]
    gc.freeze()  # as settled_heap or a checker worker does
    try:
        with no_collections():
            made = [[i] for i in range(100)]
        assert _frozen(kept) and made
    finally:
        gc.unfreeze()


def _frozen(objects: list[object]) -> bool:
    """Whether each object (tracked by the collector) is frozen: in none of the collector's three generations.
    Counting frozen objects instead (gc.get_freeze_count) is not stable: a frozen object another thread of
    the process lets go of (pytest-xdist's) leaves the count. While the heap is frozen the generations hold
    only what was made since, so the look is cheap; a thawed heap makes it long, and the test fails anyway."""
    found = {id(o) for generation in (0, 1, 2) for o in gc.get_objects(generation=generation)}
    return all(gc.is_tracked(o) and id(o) not in found for o in [objects, *objects])
