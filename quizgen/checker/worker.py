"""Killable worker processes: where the time limit becomes hard.

SIGALRM only works in the main thread, and a thread cannot be stopped, so anything that might not finish
runs in a child process that the parent kills when its time is up and replaces. A worker is either a fresh
interpreter (subprocess, `python -c`) or a fork of a ForkServer, which forks a warm worker per request in a
few milliseconds (instead of each worker importing sympy, about half a second of CPU). The server is itself
a fork of the caller when the caller has one thread (it has imported the checker already: no second import),
and a fresh interpreter importing the checker otherwise: the caller (the grader) runs threads later on, and
forking a threaded process is unsafe. Either way each worker is its own process: it caps its own address
space with RLIMIT_AS once started (so a memory bomb ends in MemoryError there, not in swapping), and the
parent kills it by pid.
multiprocessing's spawn/forkserver are not used: they re-run the caller's main script in every child.
Messages are pickled over a pair of pipes (multiprocessing.connection on raw file descriptors).
"""

from __future__ import annotations

import gc
import mmap
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

try:
    import resource
except ImportError:  # Windows has no resource module: workers then run without a memory cap
    resource = None  # type: ignore[assignment]

from quizgen.checker.core import check_request, load_key
from quizgen.checker.equivalence import CheckTimeout
from quizgen.checker.symbolic import symbolic_equal
from quizgen.checker.verdict import CheckRequest
from quizgen.gcpause import rare_collections

DEFAULT_MEMORY_MB = 1024
"""Memory a worker may take beyond what it has after start-up."""
START_TIMEOUT = 120.0
MAX_BATCH = 256
"""Most items in one ("batch", ...) message: the Board has a slot for each."""
SEND_EVERY = 0.1
"""Seconds a worker may keep verdicts before it sends them (it sends the rest when the batch is done)."""


class Board:
    """Which item of its batch a worker is checking, and since when, in memory the worker and its parent
    share: one slot per item, the time.monotonic() at which the worker started it (a clock every process
    of the machine shares), zeroed by the parent before it sends a batch and written once by the worker.
    A read sees 0 or the time, never half of it, so the parent times each item exactly and, when it kills
    an overrunning worker, knows which item it was on; the worker can then send its verdicts in bunches
    (one message, and one wake-up of the parent, per SEND_EVERY instead of per verdict)."""

    SIZE = 8 * MAX_BATCH

    def __init__(self, fd: int | None = None) -> None:
        """A new board (the parent), or the one whose file is fd (the worker)."""
        if fd is None:
            fd = os.memfd_create("quizgen-board") if hasattr(os, "memfd_create") else _unlinked_file()
            os.ftruncate(fd, self.SIZE)
        self.fd = fd
        self.map = mmap.mmap(fd, self.SIZE)

    def clear(self, n: int) -> None:
        """The parent, before it sends a batch of n items: none started."""
        self.map[: 8 * n] = bytes(8 * n)

    def started(self, slot: int) -> None:
        """The worker, as it starts the item in this slot (one aligned 8-byte store)."""
        struct.pack_into("d", self.map, 8 * slot, time.monotonic())

    def current(self, n: int) -> tuple[int, float] | None:
        """(slot, start) of the last item of n started, or None before the first."""
        starts = struct.unpack_from(f"{n}d", self.map, 0)
        for slot in range(n - 1, -1, -1):
            if starts[slot]:
                return slot, starts[slot]
        return None

    def close(self) -> None:
        self.map.close()
        os.close(self.fd)


def _unlinked_file() -> int:
    fd, path = tempfile.mkstemp(prefix="quizgen-board-")
    os.unlink(path)
    return fd


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


def worker_main(conn: Connection, memory_mb: int | None, board: Board | None = None) -> None:
    """The child's loop: ("symbolic", args) -> ("symbolic", bool | None | "memory");
    ("batch", (timeout, [(index, request), ...])) -> ("results", [(index, Verdict), ...]) at most every
    SEND_EVERY seconds, then ("done", [the rest]); each item's start is written on the board first."""
    _limit_memory(memory_mb)
    _exit_with_parent()
    conn.send(("ready", os.getpid()))
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
            verdicts: list[tuple[int, Any]] = []
            sent = time.monotonic()
            with rare_collections():
                for slot, (index, request) in enumerate(items):
                    if board is not None:
                        board.started(slot)
                    verdicts.append((index, check_request(request, timeout=timeout, symbolic=_inline_symbolic)))
                    if time.monotonic() - sent >= SEND_EVERY or board is None:
                        conn.send(("results", verdicts))
                        verdicts, sent = [], time.monotonic()
            conn.send(("done", verdicts))
            gc.freeze()  # what the chunk left is kept (parsed texts, compiled keys): no collection walks it again
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


def child_entry(read_fd: int, write_fd: int, memory_mb: int, board_fd: int = -1) -> None:
    """Entry point of a worker, fresh interpreter or fork (see WorkerProcess.start). It leaves with os._exit:
    there is nothing to flush (its output goes nowhere), and tearing down its caches, millions of objects,
    would cost more than a chunk of checks while the parent waits for it to stop."""
    _name_process("quizgen-check")
    conn = _Duplex(Connection(read_fd, writable=False), Connection(write_fd, readable=False))
    try:
        board = Board(board_fd) if board_fd >= 0 else None
        worker_main(conn, memory_mb or None, board)  # type: ignore[arg-type]
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        os._exit(0)


WARM_UP = CheckRequest("2*x*exp(x) + sin(x)", "2x e^x + sin(x)", ["x"])
"""Checked once by the fork server, so the modules sympy imports on first use are loaded before it forks."""


KEY_READ_LIMIT = 1.0
"""Seconds the fork server may spend on one key it reads ahead (a key reads in well under a millisecond)."""


class _KeyTooSlow(BaseException):
    """SIGALRM in the fork server while it reads a key ahead (a BaseException: no `except Exception` eats it)."""


def _keys_in(fd: int) -> list[Any]:
    """The keys in the file fd (ForkServer.expect: a pickled list of (expected, variables)); [] when it cannot
    be read: reading ahead is only a head start, the workers read what is missing."""
    try:
        with os.fdopen(os.dup(fd), "rb") as f:
            f.seek(0)
            return list(pickle.load(f))
    except Exception:  # noqa: BLE001 - see above
        return []


def _read_keys(keys: list[Any], server: socket.socket) -> list[Any] | None:
    """Parse keys the parent expects to check ((expected, variables), as load_key takes them) into this
    process's caches, which every worker forked afterwards inherits. One key at a time, and only while no
    message waits: returns the keys not read yet as soon as one does ([] when all were read), so that a
    fork request (the batch has begun) ends the reading, and the warming only ever uses a core the grader
    leaves idle, while more keys sent ahead are added to the rest. A key that cannot be read is left to the
    check that needs it (it says why). A key that takes over KEY_READ_LIMIT (a manifest is a file anyone can
    edit) ends the reading ahead for good (None): the server must stay free to fork, and the workers read
    that key and the rest under each check's time limit."""
    armed = False

    def too_slow(_signum: int, _frame: object) -> None:
        nonlocal armed
        if armed:  # not after the key is read: the alarm is being switched off
            armed = False
            raise _KeyTooSlow

    left: list[Any] | None = []
    previous = signal.signal(signal.SIGALRM, too_slow)
    try:
        with rare_collections():
            for n, (expected, variables) in enumerate(keys):
                if select.select([server], [], [], 0)[0]:
                    left = keys[n:]
                    break
                armed = True
                signal.setitimer(signal.ITIMER_REAL, KEY_READ_LIMIT)
                try:
                    load_key(expected, variables)
                except Exception:  # noqa: BLE001 - BadKey: the check reports it
                    pass
                finally:
                    armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
    except _KeyTooSlow:
        left = None
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    gc.freeze()  # as after the warm-up: the workers' collections skip what they inherit
    return left


def serve_forks(fd: int) -> None:
    """The fork server's loop (see ForkServer). A message is b"fork MB" with a worker's two pipe ends and
    its board's file (if it has one): fork a worker on them, its memory capped at MB more; b"reap PID": the
    parent has killed that worker, wait for it; or b"keys 0" with a file of keys to read ahead, added to
    those not read yet (_read_keys). A worker is reaped only when the parent says so, so its pid cannot pass
    to another process while the parent may still kill it. At end of file (the parent closed or died), kill
    and reap the workers left and exit. The server has no thread, so forking it is safe."""
    server = socket.socket(fileno=fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the grader, which closes the socket
    check_request(WARM_UP, timeout=10.0, symbolic=_inline_symbolic)
    gc.freeze()  # the workers' collections then skip what they inherit (and leave its pages shared)
    server.send(b"ready")
    children: set[int] = set()
    ahead: list[Any] | None = []  # keys sent to read ahead and not read yet (None: no more reading ahead)
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(server, 64, 3)
        except OSError:
            data, fds = b"", []
        if not data:
            break
        word, number = data.split()
        if word == b"fork" and len(fds) in (2, 3):
            pid = os.fork()
            if pid == 0:
                server.close()
                signal.signal(signal.SIGINT, signal.default_int_handler)
                child_entry(fds[0], fds[1], int(number), fds[2] if len(fds) == 3 else -1)  # never returns
            children.add(pid)
        elif word == b"reap" and int(number) in children:
            children.discard(int(number))
            os.waitpid(int(number), 0)
        elif word == b"keys" and len(fds) == 1 and ahead is not None:
            ahead = _read_keys(ahead + _keys_in(fds[0]), server)
        for f in fds:
            os.close(f)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os._exit(0)


def _name_process(name: str) -> None:
    """The name `ps` and `top` show (Linux): a fork would otherwise show its parent's command line."""
    try:
        with open("/proc/self/comm", "w", encoding="ascii") as f:
            f.write(name)
    except OSError:
        pass


def _single_threaded() -> bool:
    """Whether this process runs one thread (Linux: /proc counts threads started by C code too); False when
    it cannot tell."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


class _Forked:
    """A fork of this process, with the part of subprocess.Popen's interface ForkServer uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped already (SIGCHLD ignored): gone, its status unknown (as Popen)
                pid, status = self.pid, 0
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)  # not reaped by us yet, so the pid is still this child's
            except ProcessLookupError:
                pass

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.0005
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"fork server {self.pid}", timeout or 0.0)
            time.sleep(delay)
            delay = min(2 * delay, 0.05)
        return code


_MAX_FD = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1 << 16


def _fork_server(fd: int) -> _Forked:
    """The fork server as a fork of this process (single-threaded, and it has imported the checker). The
    child is made to look like the fresh interpreter _spawn would start: nothing of the caller's open but the
    socket fd, with /dev/null as stdin, stdout and stderr; none of the caller's signal handlers; and it
    never returns into the caller's code nor runs its exit handlers (os._exit, even on an exception)."""
    pid = -1
    try:
        pid = os.fork()
        if pid == 0:
            # First: garbage the caller left for its collector is never collected here, so no object of the
            # caller's can close a descriptor number that the server has since reused.
            gc.freeze()
            _name_process("quizgen-forks")
            null = os.open(os.devnull, os.O_RDWR)
            for std in (0, 1, 2):
                os.dup2(null, std)
            os.closerange(3, fd)
            os.closerange(fd + 1, _MAX_FD)
            for number in signal.valid_signals():
                if callable(signal.getsignal(number)) and number != signal.SIGINT:
                    signal.signal(number, signal.SIG_DFL)
            serve_forks(fd)
    finally:
        if pid == 0:
            os._exit(0)
    return _Forked(pid)


def _spawn(entry: str, fds: tuple[int, ...]) -> subprocess.Popen[bytes]:
    """A fresh interpreter running `entry` (code importing from quizgen), with these fds and no output."""
    return subprocess.Popen(
        # -P: the current folder is not put first on sys.path, so a folder named quizgen where the grader is
        # run (another checkout, or a planted one) is not what the workers import
        [sys.executable, "-P", "-c", entry],
        pass_fds=fds,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # nothing a child prints may end up in `--batch -` output
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )


class ForkServer:
    """A process with the checker imported, which forks warm workers (WorkerProcess(forks=...)): a fork of
    the caller when the caller has one thread, else a fresh interpreter that imports the checker.

    start() returns at once: the server warms up (a fresh one imports first) in the background, then says
    b"ready", and fork requests sent meanwhile wait in its socket. The workers are forked from the server,
    never from the caller, which may run threads by then: the server never has any.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | _Forked | None = None
        self.sock: socket.socket | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """OSError where there is no fork or no Unix socket for packets (Windows, macOS): workers are then
        fresh interpreters."""
        self.close()
        if not (hasattr(os, "fork") and hasattr(socket, "AF_UNIX") and hasattr(socket, "SOCK_SEQPACKET")):
            raise OSError("no fork server on this platform")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            if _single_threaded():
                self.proc = _fork_server(theirs.fileno())
            else:
                self.proc = _spawn(
                    f"from quizgen.checker.worker import serve_forks; serve_forks({theirs.fileno()})",
                    (theirs.fileno(),),
                )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self.sock = ours

    def fork(self, read_fd: int, write_fd: int, memory_mb: int | None, board_fd: int = -1) -> None:
        """Ask for a worker on these pipe ends and board (-1: none; the caller closes its copies of the pipe
        ends); OSError if the server is gone."""
        if self.sock is None:
            raise OSError("the fork server is not running")
        fds = [read_fd, write_fd] + ([board_fd] if board_fd >= 0 else [])
        socket.send_fds(self.sock, [b"fork %d" % (memory_mb or 0)], fds)

    def expect(self, keys: Sequence[tuple[Any, tuple[str, ...] | None]]) -> None:
        """Have the server read these keys ((expected, variables), as load_key takes them) before it forks
        the workers, on a core the caller leaves idle meanwhile (reading its answers): each worker then
        inherits them instead of reading its share again. Keys sent by several calls are read in turn until
        the first fork request. Sent as a file, so the caller never waits for the server (which may still be
        importing)."""
        if self.sock is None:
            return
        try:
            with tempfile.TemporaryFile() as f:
                pickle.dump(list(keys), f, protocol=pickle.HIGHEST_PROTOCOL)
                f.flush()
                socket.send_fds(self.sock, [b"keys 0"], [f.fileno()])
        except OSError:
            pass  # no room for the file, or the server is gone: only a head start is lost

    def reap(self, pid: int) -> None:
        """Tell the server that its worker pid was killed (it waits for it; until then the pid stays taken)."""
        if self.sock is not None:
            try:
                self.sock.send(b"reap %d" % pid)
            except OSError:
                pass

    def close(self) -> None:
        """Stop the server: at end of file it kills and reaps the workers left, and exits. A server still
        importing (the batch was small: no worker was ever forked) is killed at once instead of waited for."""
        warm = False
        if self.sock is not None:
            warm = bool(select.select([self.sock], [], [], 0)[0])  # its b"ready" (or its end) is waiting
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            if not warm:
                self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


class WorkerProcess:
    """One child process and the pipe to it; kill() and the next call starts a fresh one.

    With forks (a started ForkServer), the child is forked from it; otherwise, or when the server is gone,
    it is a fresh interpreter.
    """

    def __init__(self, memory_mb: int | None = DEFAULT_MEMORY_MB, forks: ForkServer | None = None) -> None:
        self.memory_mb = memory_mb
        self.forks = forks
        self.proc: subprocess.Popen[bytes] | None = None  # a fresh interpreter
        self.pid: int | None = None  # the child's, from its ("ready", pid)
        self.conn: _Duplex | None = None
        self.board: Board | None = None  # the child's, new with each child
        self.ready = False

    @property
    def alive(self) -> bool:
        """Started and not known to have ended (a forked child's end shows as end of file on its pipe)."""
        if self.proc is not None:
            return self.proc.poll() is None
        return self.conn is not None

    def start(self) -> None:
        """Launch a child without waiting for it (it says ("ready", pid) once it can take work)."""
        self.kill()
        try:
            board: Board | None = Board()
        except OSError:  # no shared memory: the child then sends each verdict as soon as it has it
            board = None
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            self._launch(to_child_r, from_child_w, -1 if board is None else board.fd)
        except OSError:
            os.close(to_child_w)
            os.close(from_child_r)
            if board is not None:
                board.close()
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.conn = _Duplex(Connection(from_child_r, writable=False), Connection(to_child_w, readable=False))
        self.board = board
        self.ready = False

    def _launch(self, read_fd: int, write_fd: int, board_fd: int) -> None:
        if self.forks is not None and self.forks.alive:
            try:
                self.forks.fork(read_fd, write_fd, self.memory_mb, board_fd)
                return
            except OSError:
                pass  # the server has just gone: a fresh interpreter instead
        self.proc = _spawn(
            "from quizgen.checker.worker import child_entry; "
            f"child_entry({read_fd}, {write_fd}, {self.memory_mb or 0}, {board_fd})",
            (read_fd, write_fd) if board_fd < 0 else (read_fd, write_fd, board_fd),
        )

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
            _, self.pid = self.conn.recv()
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
            self.conn.close()  # a forked child not yet ready finds end of file and leaves
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        elif self.pid is not None and self.forks is not None:  # forked: a zombie until its server reaps it
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.forks.reap(self.pid)
        if self.board is not None:
            self.board.close()
        self.proc, self.conn, self.pid, self.board = None, None, None, None
        self.ready = False

    def close(self) -> None:
        """Stop the child: a fresh interpreter is asked to (it exits at once when idle), a fork is killed."""
        if self.proc is not None and self.alive and self.conn is not None:
            try:
                self.conn.send(("stop", None))
            except OSError:
                pass
            try:
                self.proc.wait(1)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
