"""Which worker checks which chunk of a batch: the checks of one kind of problem stay with one worker.

The variants of one problem share texts: buggy keys (the same wrong formula for many parameter values), one
variant's key as another's buggy key, answers, and the subexpressions sympy keeps in its cache. Each worker
process has its own caches, so when the chunks of a class go round the workers in turn, every worker
reads the texts every problem shares (2,000 students, 2 workers: 7% more texts read and about 10% more CPU
than one process). Here the batch is cut into families (the problem's variables, its buggy keys' kinds,
whether the key is a vector, the names its prompt defines: what the variants of a problem have in common),
the families are dealt to the workers, largest first, each to the worker with the fewest checks so far, and
each worker takes its own chunks first. A worker whose chunks are done takes from the end of the longest
other queue, so no worker waits while checks are left. The verdicts do not depend on who checks what.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Hashable, Sequence

from quizgen.checker.verdict import CheckRequest


def family(request: CheckRequest) -> Hashable:
    """What the variants of one problem have in common (and most other problems do not)."""
    variables = None if request.variables is None else tuple(request.variables)
    kinds = tuple(m.kind for m in request.mistakes)
    defined = tuple(sorted(request.definitions)) if request.definitions else ()
    return (variables, kinds, not isinstance(request.expected, str), defined)


class ChunkQueues:
    """Chunks of item indices (at most `chunk` each), one queue per worker: its families one after the
    other, largest first (each in the batch's order), so that what another worker takes from the end is
    whole small families."""

    def __init__(self, requests: Sequence[CheckRequest], workers: int, chunk: int) -> None:
        families: OrderedDict[Hashable, list[int]] = OrderedDict()
        for i, request in enumerate(requests):
            families.setdefault(_family_or_none(request), []).append(i)
        load = [0] * max(1, workers)
        mine: list[list[int]] = [[] for _ in load]
        for members in sorted(families.values(), key=len, reverse=True):  # stable: ties keep batch order
            w = load.index(min(load))
            mine[w].extend(members)
            load[w] += len(members)
        self.queues: list[deque[list[int]]] = [
            deque(own[s : s + chunk] for s in range(0, len(own), chunk)) for own in mine
        ]

    def __bool__(self) -> bool:
        return any(self.queues)

    def take(self, worker: int) -> list[int] | None:
        """The next chunk of this worker's own, else the last chunk of the longest other queue; None when
        every queue is empty."""
        own = self.queues[worker]
        if own:
            return own.popleft()
        last = self.take_last()
        return None if last is None else last[1]

    def take_last(self) -> tuple[int, list[int]] | None:
        """(whose it was, the last chunk of the longest queue): what a worker without chunks of its own, or
        the parent while the workers start, takes; None when every queue is empty."""
        owner = max(range(len(self.queues)), key=lambda w: len(self.queues[w]))
        queue = self.queues[owner]
        return (owner, queue.pop()) if queue else None

    def put_back(self, owner: int, chunk: list[int], *, last: bool = False) -> None:
        """A chunk not finished (its worker failed, or the parent hands it back): first in line for its
        owner, or last when it was taken from the end (take_last)."""
        if last:
            self.queues[owner].append(chunk)
        else:
            self.queues[owner].appendleft(chunk)


def _family_or_none(request: CheckRequest) -> Hashable:
    try:
        key = family(request)
        hash(key)
        return key
    except (TypeError, AttributeError):  # a malformed request: its own family (checked like any other)
        return ("unhashable", id(request))
