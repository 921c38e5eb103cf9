"""Killable worker processes: where the time limit becomes hard.

SIGALRM only works in the main thread, and a thread cannot be stopped, so anything that might not finish
runs in a child process that the parent kills when its time is up and replaces. Children are fresh
interpreters (subprocess, `python -c`), not forks: forking a threaded grader is unsafe, and
multiprocessing's spawn/forkserver would re-run the caller's main script in every child. Messages are
pickled over a pair of pipes (multiprocessing.connection on raw file descriptors). Each child caps its
address space with RLIMIT_AS once started, so a memory bomb ends in MemoryError there, not in swapping.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

try:
    import resource
except ImportError:  # Windows has no resource module: workers then run without a memory cap
    resource = None  # type: ignore[assignment]

from quizgen.checker.core import check_request
from quizgen.checker.equivalence import CheckTimeout
from quizgen.checker.symbolic import symbolic_equal
from quizgen.gcpause import rare_collections

DEFAULT_MEMORY_MB = 1024
"""Memory a worker may take beyond what it has after start-up."""
START_TIMEOUT = 120.0


class WorkerFailed(Exception):
    """The worker died (crash, memory) or could not start."""


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(extra_mb: int | None) -> None:
    if not extra_mb or resource is None:
        return
    limit = _vm_bytes() + extra_mb * 1024 * 1024
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


def _inline_symbolic(
    expected: Any, answer: str, variables: Sequence[str], latex: bool | None, component: int, deadline: float | None
) -> bool:
    """Inside a worker the parent's watchdog bounds the time, so simplify runs right here."""
    return symbolic_equal(expected, answer, variables, latex, component)


def _exit_with_parent() -> None:
    """A child whose parent is gone (even mid-simplify) exits instead of running on as an orphan."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def worker_main(conn: Connection, memory_mb: int | None) -> None:
    """The child's loop: ("symbolic", args) -> ("symbolic", bool | None | "memory");
    ("batch", (timeout, [(index, request), ...])) -> ("result", index, Verdict) per item, then ("done",)."""
    _limit_memory(memory_mb)
    _exit_with_parent()
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
            with rare_collections():
                for index, request in items:
                    conn.send(("result", index, check_request(request, timeout=timeout, symbolic=_inline_symbolic)))
            conn.send(("done",))
        elif kind == "sleep":  # used by the tests to stand for a check that never ends
            time.sleep(float(payload))
            conn.send(("slept",))


class _Duplex:
    """Two one-way Connections used as one: recv/poll/fileno from the child, send to it."""

    def __init__(self, reader: Connection, writer: Connection) -> None:
        self.reader, self.writer = reader, writer

    def send(self, obj: Any) -> None:
        self.writer.send(obj)

    def recv(self) -> Any:
        return self.reader.recv()

    def poll(self, timeout: float) -> bool:
        return self.reader.poll(timeout)

    def fileno(self) -> int:
        return self.reader.fileno()

    def close(self) -> None:
        for c in (self.reader, self.writer):
            try:
                c.close()
            except OSError:
                pass


def child_entry(read_fd: int, write_fd: int, memory_mb: int) -> None:
    """Entry point of a worker interpreter (see WorkerProcess.ensure)."""
    conn = _Duplex(Connection(read_fd, writable=False), Connection(write_fd, readable=False))
    try:
        worker_main(conn, memory_mb or None)  # type: ignore[arg-type]
    except (BrokenPipeError, KeyboardInterrupt):
        pass


class WorkerProcess:
    """One child process and the pipe to it; kill() and the next call starts a fresh one."""

    def __init__(self, memory_mb: int | None = DEFAULT_MEMORY_MB) -> None:
        self.memory_mb = memory_mb
        self.proc: Any = None
        self.conn: _Duplex | None = None
        self.ready = False

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Launch a fresh child without waiting for it (it says ("ready",) once its imports are done)."""
        self.kill()
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        code = (
            "from quizgen.checker.worker import child_entry; "
            f"child_entry({to_child_r}, {from_child_w}, {self.memory_mb or 0})"
        )
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # nothing a child prints may end up in `--batch -` output
                stderr=subprocess.DEVNULL,
                close_fds=True,
            )
        except OSError:
            os.close(to_child_w)
            os.close(from_child_r)
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.proc = proc
        self.conn = _Duplex(Connection(from_child_r, writable=False), Connection(to_child_w, readable=False))
        self.ready = False

    def ensure(self, wait: float | None = None) -> None:
        """A started and ready child. With wait, give up after that many seconds (CheckTimeout) but let
        the child go on starting, for the next caller."""
        if not (self.alive and self.conn is not None):
            try:
                self.start()
            except OSError as exc:
                raise WorkerFailed("the checker's worker process could not start") from exc
        if self.ready:
            return
        assert self.conn is not None
        if not self.conn.poll(START_TIMEOUT if wait is None else max(0.0, min(wait, START_TIMEOUT))):
            if wait is not None and wait < START_TIMEOUT:
                raise CheckTimeout
            self.kill()
            raise WorkerFailed("the checker's worker process did not start")
        self.mark_ready()

    def mark_ready(self) -> None:
        """Consume the child's ("ready",) message."""
        assert self.conn is not None
        try:
            self.conn.recv()
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerFailed("the checker's worker process did not start") from exc
        self.ready = True

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
        self.ensure()
        self.send(message)
        return self.receive(timeout)

    def kill(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.proc, self.conn = None, None
        self.ready = False

    def close(self) -> None:
        if self.alive and self.conn is not None:
            try:
                self.conn.send(("stop", None))
            except OSError:
                pass
            try:
                self.proc.wait(1)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
