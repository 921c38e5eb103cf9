"""WorkerProcess: a child that can be killed mid-task and replaced, with its memory capped, whether a fresh
interpreter or forked by a ForkServer."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest

from quizgen.checker import core
from quizgen.checker.equivalence import CheckTimeout
from quizgen.checker.verdict import CheckRequest
from quizgen.checker.worker import Board, ForkServer, WorkerProcess, _keys_in, _read_keys


def test_worker_is_killed_and_replaced_and_each_caps_its_memory_and_skips_a_quizgen_folder_where_it_runs(
    forks: ForkServer, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(One test: every fresh interpreter costs an import of sympy, so the first worker and its replacement are
    also the ones whose memory caps are checked, and the ones started where a folder named quizgen lies.)
    Workers are fresh interpreters started with -P: the current folder is not first on their sys.path, so a
    quizgen folder where the grader runs is not what they import. The first has no fork server (a Checker's
    helper); the replacement is given one that has died, as a pool's workers are given theirs: without its
    server a worker is a fresh interpreter too."""
    planted = tmp_path / "quizgen"
    planted.mkdir()
    (planted / "__init__.py").write_text("open('imported', 'w').close()\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    forks.proc.kill()  # at once: under xdist (threads) the server is a fresh interpreter, importing
    forks.proc.wait()
    worker = WorkerProcess(memory_mb=256)
    try:
        worker.ensure()
        first = worker.proc.pid
        assert _address_space_limit(first) != "unlimited"
        worker.send(("sleep", 30))
        with pytest.raises(CheckTimeout):
            worker.receive(0.1)  # the child sleeps 30 s: only killing it ends the wait (any wait would do)
        assert not worker.alive
        worker.forks = forks  # as Checker._run_pool hands its server to its workers
        worker.send(("sleep", 0))
        assert worker.receive(10) == ("slept",) and worker.proc is not None and worker.pid == worker.proc.pid != first
        assert _address_space_limit(worker.proc.pid) != "unlimited"  # the replacement is capped too
    finally:
        worker.close()
    assert not (tmp_path / "imported").exists()  # neither the first worker nor its replacement imported it


def _exists(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def forks():  # type: ignore[no-untyped-def]
    """A fork server of the test's own, which the test may close or kill."""
    server = ForkServer()
    server.start()
    yield server
    server.close()


@contextlib.contextmanager
def _a_thread_running() -> Iterator[None]:
    """This process runs a thread of ours meanwhile, as a test session may (xdist's workers do)."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@pytest.fixture(scope="module")
def module_forks() -> Iterator[ForkServer]:
    """One fork server for the module (starting one imports sympy), started while a thread runs: a fresh
    interpreter whether or not the session runs threads, so the one test_a_caller_running_threads_... checks
    (under xdist every server is one, and a second one for that test alone cost an import of sympy)."""
    server = ForkServer()
    with _a_thread_running():
        server.start()
    yield server
    server.close()


@pytest.fixture
def warm_forks(module_forks: ForkServer) -> ForkServer:
    """The module's fork server, for the tests that only fork workers from it: each test forks, kills and closes
    its own workers, and the server reaps them. Started again if the test that closes it ran first."""
    if not module_forks.alive:
        with _a_thread_running():
            module_forks.start()
    return module_forks


def test_a_forked_worker_is_killed_and_replaced(warm_forks: ForkServer) -> None:
    worker = WorkerProcess(forks=warm_forks)
    try:
        worker.ensure()
        first = worker.pid
        assert worker.proc is None and first is not None  # forked by the server, not a fresh interpreter
        assert _parent(first) == warm_forks.proc.pid
        worker.send(("sleep", 30))
        with pytest.raises(CheckTimeout):
            worker.receive(0.1)
        assert not worker.alive
        worker.send(("sleep", 0))
        assert worker.receive(10) == ("slept",) and worker.pid != first
        for _ in range(100):  # the server reaps the killed one (it stays a zombie until told to)
            if not _exists(first):
                break
            time.sleep(0.05)
        assert not _exists(first)
    finally:
        worker.close()


def test_a_forked_workers_memory_is_capped(warm_forks: ForkServer) -> None:
    worker = WorkerProcess(memory_mb=256, forks=warm_forks)
    try:
        worker.ensure()
        assert _address_space_limit(worker.pid) != "unlimited"  # each worker caps itself once forked
        assert _address_space_limit(warm_forks.proc.pid) == "unlimited"  # the server checks no answer
    finally:
        worker.close()


def test_a_server_closed_before_it_is_warm_is_killed() -> None:
    """A small batch never forks a worker: closing then does not wait for the server's imports."""
    server = ForkServer()
    server.start()
    proc = server.proc
    server.close()  # at once: its imports take a good fraction of a second
    assert proc is not None and proc.returncode == -signal.SIGKILL


_FORKED_SERVER_FACTS = """
import json, os, signal, sys
from quizgen.checker import worker
kept = open(sys.argv[1], "w", encoding="utf-8")  # open while the server is forked, below its socket's number
os.dup2(kept.fileno(), 100)  # and above it
signal.signal(signal.SIGUSR1, lambda *_: None)
server = worker.ForkServer()
server.start()
child = worker.WorkerProcess(forks=server)
child.ensure()  # the server is up: it set itself up before it said b"ready"
pid = server.proc.pid
status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status", encoding="ascii").read().splitlines())
child.send(("sleep", 0))
facts = {
    "forked": isinstance(server.proc, worker._Forked),
    "parent": int(open(f"/proc/{pid}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()[1]) == os.getpid(),
    "open": sorted(os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")),
    "caught": int(status["SigCgt"], 16),
    "ignored": int(status["SigIgn"], 16),
    "worker": list(child.receive(30)),
}
child.send(("sleep", 30))  # busy: only a kill ends it
busy, forked = child.pid, server.proc
server.close()
facts["closed"] = forked.returncode  # 0: warm, it killed and reaped its worker, then left
try:  # killed: gone, or at most a zombie
    facts["worker left"] = open(f"/proc/{busy}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()[0] != "Z"
except OSError:
    facts["worker left"] = False
child.kill()
print(json.dumps(facts))
"""


def test_the_server_is_a_fork_of_a_single_threaded_caller_holding_nothing_of_its(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """It saves a fresh interpreter's import of the checker, and must look like one: only its socket and
    /dev/null open (not the caller's files, nor a pipe someone waits to see closed), none of the caller's
    signal handlers (Ctrl-C is ignored: the grader's end closes it). Run in a fresh interpreter, which has one
    thread as `quizgen grade` has when it starts the server (a test session may run threads of its own).
    Closing it ends its workers, as closing a fresh interpreter's does
    (test_a_caller_running_threads_gets_a_fresh_interpreter_as_its_server)."""
    done = subprocess.run(
        [sys.executable, "-c", _FORKED_SERVER_FACTS, str(tmp_path / "caller's file")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    facts = json.loads(done.stdout)
    assert facts["forked"] and facts["parent"]
    assert {o for o in facts["open"] if not o.startswith("socket:")} == {os.devnull}
    assert not facts["caught"] & (1 << (signal.SIGUSR1 - 1)) and facts["ignored"] & (1 << (signal.SIGINT - 1))
    assert facts["worker"] == ["slept"]  # and it forks workers
    assert facts["closed"] == 0 and not facts["worker left"]  # closing the server ends its workers


def test_the_board_says_which_item_was_started_last_and_when() -> None:
    board = Board()
    try:
        board.clear(4)
        assert board.current(4) is None  # the batch is not started
        before = time.monotonic()
        board.started(0)
        board.started(1)
        slot, start = board.current(4)
        assert slot == 1 and before <= start <= time.monotonic()
        worker_side = Board(board.fd)  # the same memory, as the worker maps it
        worker_side.started(2)
        assert board.current(4)[0] == 2 and board.current(2)[0] == 1  # only the batch's own slots count
        board.clear(4)
        assert board.current(4) is None
        worker_side.map.close()
    finally:
        board.close()


def test_a_forked_worker_sends_its_verdicts_in_bunches_and_marks_every_item_started(warm_forks: ForkServer) -> None:
    worker = WorkerProcess(forks=warm_forks)
    try:
        worker.ensure()
        items = [(10 + i, CheckRequest(f"{i}*x", f"{i}x", ["x"])) for i in range(1, 9)]
        worker.board.clear(len(items))
        worker.send(("batch", (10.0, items)))
        messages = [worker.receive(60)]
        while messages[-1][0] != "done":
            messages.append(worker.receive(60))
        assert all(kind == "results" for kind, _ in messages[:-1])
        verdicts = [pair for _, bunch in messages for pair in bunch]
        assert [j for j, _ in verdicts] == [j for j, _ in items]
        assert all(v.verdict == "correct" for _, v in verdicts)
        assert len(messages) < len(items)  # not one message per verdict
        assert worker.board.current(len(items))[0] == len(items) - 1
    finally:
        worker.close()


def _keys_file(keys: list[tuple[object, tuple[str, ...] | None]]):  # type: ignore[no-untyped-def]
    f = tempfile.TemporaryFile()
    pickle.dump(keys, f)
    f.flush()
    return f


def test_the_server_reads_the_keys_it_is_sent_into_its_caches() -> None:
    """What every worker forked afterwards inherits; a key that cannot be read is left to its checks."""
    core.clear_caches()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        with _keys_file([("3*x**2", ("x",)), (("2*x*y", "x**2"), ("x", "y")), ("2*x +* 3", ("x",))]) as f:
            assert _read_keys(_keys_in(f.fileno()), theirs) == []  # all read
        assert core._KEYS.get(("3*x**2", ("x",))) is not None
        assert core._KEYS.get((("2*x*y", "x**2"), ("x", "y"))).is_vector
        assert core._KEYS.get(("2*x +* 3", ("x",))) is None
    finally:
        gc.unfreeze()  # _read_keys froze this process's heap, as it does the server's
        ours.close()
        theirs.close()
        core.clear_caches()


def test_the_server_stops_reading_keys_when_a_fork_is_asked_for() -> None:
    """The batch has begun: the core is the workers' from then on."""
    core.clear_caches()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        ours.send(b"fork 0")  # waiting before the first key
        keys = [("3*x**2", ("x",)), ("5*x**4", ("x",))]
        assert _read_keys(keys, theirs) == keys  # left for more keys sent ahead, if any come
        assert core._KEYS.get(("3*x**2", ("x",))) is None
        assert theirs.recv(64) == b"fork 0"  # still there for the server's loop
    finally:
        gc.unfreeze()  # _read_keys froze this process's heap, as it does the server's
        ours.close()
        theirs.close()
        core.clear_caches()


def test_a_key_too_slow_to_read_ends_the_reading_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """A manifest is a file anyone can edit: a key that will not finish must not keep the fork server from
    forking. Its reading is cut at KEY_READ_LIMIT and the keys after it are left to the workers."""
    from quizgen.checker import worker

    def load(expected, variables):  # type: ignore[no-untyped-def]
        if expected == "slow":
            time.sleep(60)
        return core.load_key(expected, variables)

    monkeypatch.setattr(worker, "load_key", load)
    monkeypatch.setattr(worker, "KEY_READ_LIMIT", 0.2)
    core.clear_caches()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    handler = signal.getsignal(signal.SIGALRM)
    try:
        assert _read_keys([("3*x**2", ("x",)), ("slow", ("x",)), ("5*x**4", ("x",))], theirs) is None  # no more
        assert core._KEYS.get(("3*x**2", ("x",))) is not None
        assert core._KEYS.get(("5*x**4", ("x",))) is None  # after the slow one: the workers read it
        assert signal.getsignal(signal.SIGALRM) == handler and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        gc.unfreeze()  # _read_keys froze this process's heap, as it does the server's
        ours.close()
        theirs.close()
        core.clear_caches()


def test_an_unreadable_keys_file_is_ignored() -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        with tempfile.TemporaryFile() as f:
            f.write(b"not a pickle")
            f.flush()
            assert _keys_in(f.fileno()) == []  # no exception: the workers read their keys themselves
    finally:
        ours.close()
        theirs.close()


def test_keys_not_read_when_more_are_sent_ahead_are_read_with_those() -> None:
    """The manifest hands its problems out in runs as it parses them, and each run's keys go to the server as
    they come: a run it had not finished when the next one came is still read (the server's loop reads what
    _read_keys left plus the new run)."""
    core.clear_caches()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        first = [(f"{k}*x**{k + 1}", ("x",)) for k in range(1, 6)]
        second = [(f"{k}*y**{k + 1}", ("y",)) for k in range(1, 6)]
        ours.send(b"keys 0")  # the next run is waiting: the reading stops at once
        left = _read_keys(first, theirs)
        assert left == first
        assert theirs.recv(64) == b"keys 0"
        assert left is not None and _read_keys(left + second, theirs) == []
        assert all(core._KEYS.get(key) is not None for key in first + second)
    finally:
        gc.unfreeze()  # _read_keys froze this process's heap, as it does the server's
        ours.close()
        theirs.close()
        core.clear_caches()


def test_a_caller_running_threads_gets_a_fresh_interpreter_as_its_server(warm_forks: ForkServer) -> None:
    """Forking a process with threads can copy a lock another thread holds: never done (the module's server was
    started while a thread ran). Closing that server ends its workers, as closing a forked one does
    (test_the_server_is_a_fork_of_a_single_threaded_caller_...). The last test of the module to use the server:
    it closes it."""
    server = warm_forks
    assert isinstance(server.proc, subprocess.Popen)
    worker = WorkerProcess(forks=server)
    worker.ensure()
    worker.send(("sleep", 0))
    assert worker.receive(60) == ("slept",) and _parent(worker.pid) == server.proc.pid
    worker.send(("sleep", 30))  # busy: only a kill ends it
    pid, proc = worker.pid, server.proc
    assert pid is not None and _exists(pid)
    server.close()  # closing the server ends its workers
    assert proc.returncode == 0  # warm: it killed and reaped its worker, then left
    assert not _exists(pid)
    worker.kill()


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _address_space_limit(pid: int) -> str:
    limits = open(f"/proc/{pid}/limits", encoding="ascii").read()
    return next(x for x in limits.splitlines() if x.startswith("Max address space")).split()[3]
