"""The Checker: cache, hard time limit per check, and worker processes for big batches.

Small batches and single checks run in this process (the numeric path is bounded and fast); the rare
check that needs symbolic work sends it to a helper process that is killed when the check's time is up.
Big batches with workers > 1 are cut into chunks run by N worker processes, forked from one fork server
(checker/worker.py) that imported the checker once; the parent watches every item's time and kills and
replaces a worker whose current item overruns, so one pathological answer costs at most the limit and the
batch goes on.
"""

from __future__ import annotations

import math
import select
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from quizgen.checker.chunks import ChunkQueues
from quizgen.checker.core import TIMEOUT_MESSAGE, check_request
from quizgen.checker.equivalence import CheckTimeout
from quizgen.checker.verdict import CheckRequest, Verdict, invalid
from quizgen.checker.worker import DEFAULT_MEMORY_MB, MAX_BATCH, ForkServer, WorkerFailed, WorkerProcess
from quizgen.gcpause import rare_collections

POOL_THRESHOLD = 200
"""Distinct uncached checks left from which workers > 1 may pay for itself."""
POOL_AFTER = 1.0
"""Seconds of in-process checking before a batch goes to worker processes, unless prepare_workers() was
called (starting the fork server, an interpreter importing sympy, costs about that)."""
CHUNK = 64
assert CHUNK <= MAX_BATCH  # a worker's board has a slot per item of its chunk
GRACE = 0.25
"""Extra seconds the parent allows for a result to travel back before killing a worker."""


class Checker:
    """Checks answers in batches, in input order, with an LRU cache of identical requests.

    timeout is the hard limit per check in seconds; workers > 1 runs big batches in that many processes;
    memory_mb caps each worker process's growth. Use as a context manager, or call close().
    """

    def __init__(
        self,
        *,
        timeout: float = 2.0,
        workers: int = 1,
        cache_size: int = 65536,
        memory_mb: int | None = DEFAULT_MEMORY_MB,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.timeout = float(timeout)
        self.workers = max(1, int(workers))
        self.cache_size = cache_size
        self.memory_mb = memory_mb
        self._cache: OrderedDict[Any, Verdict] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._helper = WorkerProcess(memory_mb)
        self._helper_lock = threading.Lock()
        self._pool: list[WorkerProcess] = []
        self._pool_lock = threading.Lock()
        self._forks: ForkServer | None = None  # started by prepare_workers() or the first pool

    def prepare_workers(self) -> None:
        """With workers > 1, start the fork server now, in the background, for a big batch to come: it
        imports the checker while the caller reads its input, and the batch then goes to the workers at
        once instead of after POOL_AFTER seconds in this process."""
        with self._pool_lock:
            self._start_forks()

    def expect(self, keys: Sequence[tuple[Any, Sequence[str] | None]]) -> None:
        """The keys ((expected, variables) of CheckRequests) of a big batch to come: with workers > 1 the
        fork server started by prepare_workers() reads them meanwhile, so that every worker inherits them
        parsed (worker.ForkServer.expect). Only a head start: the verdicts are the same without it."""
        with self._pool_lock:
            if self._forks is not None:
                self._forks.expect(
                    [(tuple(e) if isinstance(e, list) else e, None if v is None else tuple(v)) for e, v in keys]
                )

    def _start_forks(self) -> None:
        if self.workers > 1 and (self._forks is None or not self._forks.alive):
            if self._forks is not None:
                self._forks.close()  # it died: a new one
            forks = ForkServer()
            try:
                forks.start()
            except OSError:
                return  # no processes left: workers start as fresh interpreters, or the parent does the work
            self._forks = forks

    # ------------------------------------------------------------------ cache

    def _cached(self, key: Any) -> Verdict | None:
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            return hit

    def _store(self, key: Any, verdict: Verdict) -> None:
        if verdict.diagnosis == "timeout" or verdict.diagnosis == "internal_error":
            return  # a slow machine must not make a verdict stick
        with self._cache_lock:
            self._cache[key] = verdict
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    # ------------------------------------------------------------------ one check

    def check(self, request: CheckRequest) -> Verdict:
        """One request, in this process (symbolic work in the killable helper)."""
        key = _safe_key(request)
        if key is not None:
            hit = self._cached(key)
            if hit is not None:
                return hit
        verdict = check_request(request, timeout=self.timeout, symbolic=self._symbolic)
        if key is not None:
            self._store(key, verdict)
        return verdict

    def _symbolic(
        self,
        expected: Any,
        answer: str,
        variables: Sequence[str],
        latex: bool | None,
        component: int,
        deadline: float | None,
    ) -> bool:
        with self._helper_lock:
            remaining = self.timeout if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                raise CheckTimeout
            try:
                self._helper.ensure(wait=remaining)  # start-up counts: the limit is on wall-clock time
            except WorkerFailed as exc:
                raise CheckTimeout from exc
            remaining = self.timeout if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                raise CheckTimeout
            try:
                reply = self._helper.call(
                    ("symbolic", (expected, answer, tuple(variables), latex, component)), remaining
                )
            except CheckTimeout:
                _start_quietly(self._helper)  # killed: have the replacement ready for the next answer
                raise
            except WorkerFailed as exc:
                _start_quietly(self._helper)
                raise MemoryError from exc
        if reply[1] == "memory":
            raise MemoryError
        return bool(reply[1])

    # ------------------------------------------------------------------ batches

    def check_many(
        self, requests: Sequence[CheckRequest], *, progress: Callable[[int], None] | None = None
    ) -> list[Verdict]:
        """Verdicts in input order; progress(n) is told how many requests are done so far."""
        with rare_collections():
            return self._check_many(requests, progress)

    def _check_many(self, requests: Sequence[CheckRequest], progress: Callable[[int], None] | None) -> list[Verdict]:
        results: list[Verdict | None] = [None] * len(requests)
        groups: OrderedDict[Any, list[int]] = OrderedDict()
        done = 0
        for i, req in enumerate(requests):
            key = _safe_key(req)
            if key is None:
                key = ("uncacheable", i)
            hit = self._cached(key) if key[0] != "uncacheable" else None
            if hit is not None:
                results[i] = hit
                done += 1
            else:
                groups.setdefault(key, []).append(i)
        if progress is not None and done:
            progress(done)
        todo = _by_key(list(groups.items()))

        def finish(key: Any, verdict: Verdict) -> None:
            nonlocal done
            if key[0] != "uncacheable":
                self._store(key, verdict)
            for i in groups[key]:
                results[i] = verdict
            done += len(groups[key])
            if progress is not None:
                progress(done)

        start, k = time.monotonic(), 0
        while k < len(todo):
            # In this process first (most batches finish before worker processes would have started), unless
            # the fork server was started ahead for a big batch.
            if (
                self.workers > 1
                and len(todo) - k >= POOL_THRESHOLD
                and (self._forks is not None or time.monotonic() - start > POOL_AFTER)
            ):
                self._run_pool([(key, requests[idx[0]]) for key, idx in todo[k:]], finish)
                break
            key, idx = todo[k]
            finish(key, check_request(requests[idx[0]], timeout=self.timeout, symbolic=self._symbolic))
            k += 1
        return [r if r is not None else invalid("This answer could not be checked.", "internal_error") for r in results]

    def _run_pool(self, items: list[tuple[Any, CheckRequest]], finish: Callable[[Any, Verdict], None]) -> None:
        """Chunks to N worker processes; the parent times every item and replaces a worker that overruns.

        While workers start (a fork, or about a second while the fork server imports sympy) the parent checks
        items itself, so a pool never makes a batch slower than the in-process path.
        """
        with self._pool_lock:
            # the chunks first: the fork server reads keys ahead until the first worker is asked for, and
            # the workers then get a chunk as soon as they are up
            keys = [k for k, _ in items]
            queues = ChunkQueues([request for _, request in items], self.workers, CHUNK)
            self._start_forks()
            while len(self._pool) < self.workers:
                self._pool.append(WorkerProcess(self.memory_mb, self._forks))
            for proc in self._pool:
                proc.forks = self._forks
                if not proc.alive:
                    _start_quietly(proc)
            local: list[int] = []
            local_owner = 0
            failures: dict[int, int] = {}
            busy: dict[int, _Busy] = {}  # worker -> the chunk it is checking

            def dispatch(w: int) -> None:
                worker = self._pool[w]
                if not worker.ready:
                    return
                chunk = queues.take(w)
                if chunk is None:
                    return
                if worker.board is not None:
                    worker.board.clear(len(chunk))  # before the worker can see the chunk
                try:
                    worker.send(("batch", (self.timeout, [(j, items[j][1]) for j in chunk])))
                except (OSError, WorkerFailed):
                    queues.put_back(w, chunk)
                    _start_quietly(worker)
                    return
                busy[w] = _Busy(chunk, set(chunk), time.monotonic())

            def running(w: int) -> tuple[int | None, float]:
                """The item worker w is checking (None: none left) and the time from which it is timed: the
                item's start on the worker's board; else, for an item not started yet (or a worker without
                a board, which sends every verdict at once), when the worker was last heard from."""
                work, board = busy[w], self._pool[w].board
                at = board.current(len(work.chunk)) if board is not None else None
                if at is not None and work.chunk[at[0]] in work.pending:
                    return work.chunk[at[0]], at[1]
                after = 0 if at is None else at[0] + 1
                return next((j for j in work.chunk[after:] if j in work.pending), None), work.heard

            def lost(w: int, verdict: Verdict) -> None:
                """Worker w was killed or died: the item it was on gets verdict; the rest of its chunk without a
                verdict yet (verdicts it had not sent are lost with it) goes back to the queue."""
                culprit, _ = running(w)
                work = busy.pop(w)
                _start_quietly(self._pool[w])
                if culprit is not None:
                    finish(keys[culprit], verdict)
                rest = [j for j in work.chunk if j in work.pending and j != culprit]
                if rest:
                    queues.put_back(w, rest)

            def receive(w: int) -> None:
                """Every message worker w has sent so far: one wake-up for however many are waiting."""
                worker = self._pool[w]
                duplex = worker.conn
                assert duplex is not None
                while True:
                    try:
                        message = duplex.recv()
                    except (EOFError, OSError):
                        if w in busy:
                            lost(
                                w,
                                invalid("This answer could not be checked (it needed too much memory).", "too_complex"),
                            )
                        else:
                            _start_quietly(worker)
                        return
                    work = busy.get(w)
                    if message[0] in ("results", "done") and work is not None:
                        if message[0] == "done":  # the next chunk first: the worker waits for it
                            busy.pop(w)
                            dispatch(w)
                        for j, verdict in message[1]:
                            if j in work.pending:
                                work.pending.discard(j)
                                finish(keys[j], verdict)
                        work.heard = time.monotonic()
                    if worker.conn is not duplex or not _readable({duplex.fileno(): w}, 0.0):
                        return  # replaced (a failed dispatch), or nothing more to read for now

            while queues or local or busy:
                starting = [w for w, p in enumerate(self._pool) if not p.ready and p.conn is not None]
                helping = bool(starting) and bool(queues or local)
                watched: dict[int, int] = {}  # the file descriptor we read the child from -> its worker
                for w in [*busy, *starting]:
                    duplex = self._pool[w].conn
                    if duplex is not None:
                        watched[duplex.fileno()] = w
                now = time.monotonic()
                if helping:
                    wait_for = 0.0
                else:
                    timed = [since for culprit, since in map(running, busy) if culprit is not None]
                    wait_for = max(0.0, min(since + self.timeout + GRACE - now for since in timed)) if timed else 0.05
                for w in _readable(watched, wait_for) if watched else ():
                    worker = self._pool[w]
                    if worker.ready:
                        receive(w)
                        continue
                    try:
                        worker.mark_ready()
                    except WorkerFailed:
                        failures[w] = failures.get(w, 0) + 1
                        if failures[w] < 3:  # a child that cannot even start is not retried forever
                            _start_quietly(worker)
                        continue
                    dispatch(w)
                now = time.monotonic()
                for w in list(busy):
                    culprit, since = running(w)
                    if culprit is not None and now - since > self.timeout + GRACE:
                        lost(w, invalid(TIMEOUT_MESSAGE.format(limit=self.timeout), "timeout"))
                for w in range(len(self._pool)):
                    if w not in busy:
                        dispatch(w)
                if local and not helping and any(p.alive for p in self._pool):
                    queues.put_back(local_owner, local, last=True)  # the workers are up: they take it from here
                    local = []
                if helping or not any(p.alive for p in self._pool):
                    if not local and queues:
                        local_owner, local = queues.take_last() or (0, [])
                    if local:
                        j = local.pop(0)
                        finish(keys[j], check_request(items[j][1], timeout=self.timeout, symbolic=self._symbolic))

    def close(self) -> None:
        """Stop the helper and worker processes (the cache stays usable)."""
        with self._helper_lock:
            self._helper.close()
        with self._pool_lock:
            for w in self._pool:
                w.close()
            self._pool.clear()
            if self._forks is not None:
                self._forks.close()
                self._forks = None

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _Busy:
    """A chunk a worker is checking: its items in the order checked (the slots of the worker's board), those
    whose verdict has not come back, and when the worker was last heard from (the chunk sent, verdicts)."""

    chunk: list[int]
    pending: set[int]
    heard: float


def _readable(watched: dict[int, int], timeout: float) -> list[int]:
    """The workers (watched: file descriptor -> worker) with something to read (a message, or end of file),
    waiting up to timeout seconds. One poll per wake-up: multiprocessing.connection.wait builds and tears
    down a selector each time, and a class's batch wakes the parent once per verdict."""
    poller = select.poll()
    for fd in watched:
        poller.register(fd, select.POLLIN)
    return [watched[fd] for fd, _ in poller.poll(math.ceil(timeout * 1000))]


def _start_quietly(worker: WorkerProcess) -> None:
    """Start a worker; if the OS refuses (no processes left), the parent simply does the work itself."""
    try:
        worker.start()
    except OSError:
        worker.kill()


def _by_key(todo: list[tuple[Any, list[int]]]) -> list[tuple[Any, list[int]]]:
    """The checks of one key (and its buggy keys) next to each other, keys in order of first appearance: the
    key is parsed, compiled and scanned once while its answers are checked, by one process. The verdicts do
    not depend on the order (every cache is a pure function of its key)."""
    first: dict[Any, int] = {}
    for key, _ in todo:
        if key[0] != "uncacheable":
            first.setdefault(key[:1] + key[2:], len(first))  # all but the answer
    return sorted(todo, key=lambda item: first.get(item[0][:1] + item[0][2:], -1))


def _safe_key(request: CheckRequest) -> Any:
    try:
        key = request.cache_key()
        hash(key)
        return key
    except TypeError:
        return None


_DEFAULT: dict[float, Checker] = {}
_DEFAULT_LOCK = threading.Lock()


def default_checker(timeout: float) -> Checker:
    """A shared in-process Checker per time limit (check() uses it, so its cache and helper are reused)."""
    with _DEFAULT_LOCK:
        checker = _DEFAULT.get(timeout)
        if checker is None:
            checker = _DEFAULT[timeout] = Checker(timeout=timeout)
        return checker
