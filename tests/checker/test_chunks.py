"""ChunkQueues: a problem's checks stay with one worker, and no worker waits while checks are left."""

from __future__ import annotations

from quizgen.checker import CheckRequest
from quizgen.checker.chunks import ChunkQueues, family
from quizgen.problem import Mistake

SIGN = [Mistake("sign", "-2*x", "Sign!")]
POWER = [Mistake("no_power", "3*y", "Keep the power.")]


def _class() -> list[CheckRequest]:
    """Three problems, their variants' checks interleaved as a class's answers come (student by student)."""
    out = []
    for k in range(6):
        out.append(CheckRequest(f"{k + 2}*x", f"{k}x", ["x"], mistakes=SIGN))
        out.append(CheckRequest(f"{k + 3}*y**2", f"{k}y", ["y"], mistakes=POWER))
        if k < 2:
            out.append(CheckRequest([f"{k}*x", "y"], "[x, y]", ["x", "y"]))
    return out


def _all(queues: ChunkQueues, worker: int) -> list[int]:
    out: list[int] = []
    while (chunk := queues.take(worker)) is not None:
        out.extend(chunk)
    return out


def test_a_problems_variants_are_one_family() -> None:
    a, b, c = _class()[:3]
    assert family(a) == family(CheckRequest("7*x", "anything", ["x"], mistakes=SIGN))
    assert len({family(a), family(b), family(c)}) == 3


def test_families_are_dealt_whole_largest_first_to_the_least_loaded_worker() -> None:
    requests = _class()
    x, y, vector = (family(r) for r in requests[:3])
    queues = ChunkQueues(requests, 2, 4)
    first = [i for chunk in queues.queues[0] for i in chunk]
    second = [i for chunk in queues.queues[1] for i in chunk]
    assert sorted(first + second) == list(range(len(requests)))
    assert [family(requests[i]) for i in first] == [x] * 6 + [vector] * 2  # x's 6 first, then the smallest
    assert [family(requests[i]) for i in second] == [y] * 6
    assert first == [0, 3, 6, 8, 10, 12, 2, 5]  # within a family, the batch's order
    assert all(len(chunk) <= 4 for q in queues.queues for chunk in q)


def test_a_worker_without_chunks_takes_the_end_of_the_longest_queue() -> None:
    requests = _class()
    queues = ChunkQueues(requests, 2, 2)
    assert [queues.take(1) for _ in range(3)] == [[1, 4], [7, 9], [11, 13]]
    stolen = queues.take(1)  # worker 1 is done: the last chunk of worker 0's queue, the smallest family
    assert stolen == [2, 5] and {family(requests[i]) for i in stolen} == {family(requests[2])}
    assert _all(queues, 0) == [0, 3, 6, 8, 10, 12]
    assert not queues and queues.take(0) is None and queues.take_last() is None


def test_a_chunk_put_back_is_taken_again_and_every_check_is_taken_once() -> None:
    requests = _class()
    queues = ChunkQueues(requests, 3, 3)
    chunk = queues.take(1)
    assert chunk is not None
    queues.put_back(1, chunk[1:])
    last = queues.take_last()
    assert last is not None
    owner, tail = last
    queues.put_back(owner, tail, last=True)
    taken = [chunk[0], *_all(queues, 1), *_all(queues, 0), *_all(queues, 2)]
    assert sorted(taken) == list(range(len(requests)))


def test_a_malformed_request_is_its_own_family() -> None:
    odd = CheckRequest("2*x", "2x", ["x"], mistakes=[object()])  # type: ignore[list-item]
    queues = ChunkQueues([odd, *_class()], 2, 64)
    assert sorted(i for q in queues.queues for chunk in q for i in chunk) == list(range(len(_class()) + 1))
