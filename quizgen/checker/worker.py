"""Killable worker processes: where the time limit becomes hard.

SIGALRM only works in the main thread, and a thread cannot be stopped, so anything that might not finish
runs in a child process that the parent kills when its time is up and replaces. Children come from a
forkserver that has already imported sympy and the parser (a replacement starts in milliseconds, and
forking never copies the caller's threads). Each child caps its address space with RLIMIT_AS, so a
memory bomb ends in MemoryError there instead of swapping the machine.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from quizgen.checker.core import check_request
from quizgen.checker.equivalence import CheckTimeout
from quizgen.checker.symbolic import symbolic_equal

DEFAULT_MEMORY_MB = 1024
"""Memory a worker may take beyond what it has after start-up."""
START_TIMEOUT = 120.0

_CTX = multiprocessing.get_context("forkserver")
_CTX.set_forkserver_preload(["quizgen.checker.worker"])


class WorkerFailed(Exception):
    """The worker died (crash, memory) or could not start."""


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(extra_mb: int | None) -> None:
    if not extra_mb:
        return
    limit = _vm_bytes() + extra_mb * 1024 * 1024
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


def _inline_symbolic(expected: Any, answer: str, variables: Sequence[str], latex: bool | None, component: int,
                     deadline: float | None) -> bool:
    """Inside a worker the parent's watchdog bounds the time, so simplify runs right here."""
    return symbolic_equal(expected, answer, variables, latex, component)


def worker_main(conn: Connection, memory_mb: int | None) -> None:
    """The child's loop: ("symbolic", args) -> ("symbolic", bool | None | "memory");
    ("batch", (timeout, [(index, request), ...])) -> ("result", index, Verdict) per item, then ("done",)."""
    _limit_memory(memory_mb)
    conn.send(("ready",))
    while True:
        try:
            kind, payload = conn.recv()
        except (EOFError, OSError):
            return
        if kind == "stop":
            return
        if kind == "symbolic":
            try:
                reply: Any = symbolic_equal(*payload)
            except MemoryError:
                reply = "memory"
            except Exception:  # noqa: BLE001 - "cannot tell" is an answer too
                reply = None
            conn.send(("symbolic", reply))
        elif kind == "batch":
            timeout, items = payload
            for index, request in items:
                conn.send(("result", index, check_request(request, timeout=timeout, symbolic=_inline_symbolic)))
            conn.send(("done",))
        elif kind == "sleep":  # used by the tests to stand for a check that never ends
            time.sleep(float(payload))
            conn.send(("slept",))


class WorkerProcess:
    """One child process and the pipe to it; kill() and the next call starts a fresh one."""

    def __init__(self, memory_mb: int | None = DEFAULT_MEMORY_MB) -> None:
        self.memory_mb = memory_mb
        self.proc: Any = None
        self.conn: Connection | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    def ensure(self) -> None:
        if self.alive and self.conn is not None:
            return
        self.kill()
        parent, child = _CTX.Pipe()
        proc = _CTX.Process(target=worker_main, args=(child, self.memory_mb), daemon=True)
        proc.start()
        child.close()
        self.proc, self.conn = proc, parent
        if not parent.poll(START_TIMEOUT):
            self.kill()
            raise WorkerFailed("the checker's worker process did not start")
        try:
            parent.recv()
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerFailed("the checker's worker process did not start") from exc

    def send(self, message: Any) -> None:
        self.ensure()
        assert self.conn is not None
        self.conn.send(message)

    def receive(self, timeout: float) -> Any:
        """The next message, or raise CheckTimeout (worker killed) / WorkerFailed (worker died)."""
        assert self.conn is not None
        try:
            ready = self.conn.poll(max(0.0, timeout))
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerFailed("the checker's worker process stopped") from exc
        if not ready:
            self.kill()
            raise CheckTimeout
        try:
            return self.conn.recv()
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerFailed("the checker's worker process stopped") from exc

    def call(self, message: Any, timeout: float) -> Any:
        self.ensure()  # start-up time is not charged to the check
        self.send(message)
        return self.receive(timeout)

    def kill(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        if self.proc is not None:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join(5)
        self.proc, self.conn = None, None

    def close(self) -> None:
        if self.alive and self.conn is not None:
            try:
                self.conn.send(("stop", None))
            except OSError:
                pass
            self.proc.join(1)
        self.kill()
