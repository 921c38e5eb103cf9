"""Checker: order, cache, progress, and the hard time limit in threads, helper and worker processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from quizgen.checker import Checker, CheckRequest, Verdict, check
from quizgen.checker import batch as batch_module
from quizgen.checker import worker as worker_module
from quizgen.problem import Mistake

# A key with no real value anywhere sends the check to the symbolic path, where this answer makes
# sympy.simplify run for seconds: a stand-in for any pathological answer.
SLOW_KEY = "sqrt(-1 - x**2)"
SLOW_ANSWER = "sqrt(-1-x^2)*(sin(x)^20+cos(x)^20+tan(x)^9)^4"
_BOARD = worker_module.Board


def _requests() -> list[CheckRequest]:
    return [
        CheckRequest("2*x + 3*y", "3y + 2x", ("x", "y")),
        CheckRequest("2*x + 3*y", "2x - 3y", ("x", "y")),
        CheckRequest("2*x", "2x +* 1", ("x",)),
        CheckRequest(["2*x", "3*y**2"], "[2x, 3y^2]", ("x", "y")),
        CheckRequest("2*x + 3*y", "3y + 2x", ("x", "y")),
    ]


def test_check_many_keeps_order_and_reports_progress() -> None:
    seen: list[int] = []
    with Checker() as checker:
        out = checker.check_many(_requests(), progress=seen.append)
    assert [v.verdict for v in out] == ["correct", "incorrect", "invalid", "correct", "correct"]
    assert seen and seen[-1] == 5 and seen == sorted(seen)


def test_identical_requests_hit_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[CheckRequest] = []
    real = batch_module.check_request

    def counting(req, **kw):
        calls.append(req)
        return real(req, **kw)

    monkeypatch.setattr(batch_module, "check_request", counting)
    with Checker() as checker:
        first = checker.check_many(_requests())
        assert len(calls) == 4  # the duplicate in the batch is checked once
        again = checker.check_many(_requests())
        assert len(calls) == 4 and again == first


def test_a_keys_answers_are_checked_together_and_answered_in_input_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """A class's answers arrive student by student; the checks of one key run one after another (the key
    is parsed and scanned once while it is hot), and the verdicts still come back in input order."""
    calls: list[str] = []
    real = batch_module.check_request

    def recording(req, **kw):
        calls.append(req.expected)
        return real(req, **kw)

    monkeypatch.setattr(batch_module, "check_request", recording)
    requests = [
        CheckRequest("2*x", "2x", ("x",)),
        CheckRequest("3*y**2", "3y^2", ("y",)),
        CheckRequest("2*x", "x + x", ("x",)),
        CheckRequest("3*y**2", "6y", ("y",)),
        CheckRequest("2*x", "3x", ("x",)),
    ]
    with Checker() as checker:
        out = checker.check_many(requests)
    assert calls == ["2*x", "2*x", "2*x", "3*y**2", "3*y**2"]
    assert [v.verdict for v in out] == ["correct", "correct", "correct", "incorrect", "incorrect"]
    assert [v.interpreted for v in out] == ["2*x", "3*y^2", "x + x", "6*y", "3*x"]


def test_cache_is_bounded() -> None:
    with Checker(cache_size=2) as checker:
        checker.check_many([CheckRequest(f"{i}*x", "x", ("x",)) for i in range(5)])
        assert len(checker._cache) == 2


def test_timeout_holds_in_a_thread_and_the_next_check_still_works() -> None:
    box: dict[str, object] = {}

    def run() -> None:
        box["verdict"] = check(SLOW_KEY, SLOW_ANSWER, ["x"], timeout=0.5)

    th = threading.Thread(target=run)
    th.start()
    th.join(120)  # very generous: only a hang (the limit not holding in a thread) fails here, not a slow machine
    assert not th.is_alive(), "the check did not come back: the timeout does not hold in a thread"
    v = box["verdict"]
    assert isinstance(v, Verdict)
    assert v.verdict == "invalid" and "too long" in v.message and v.diagnosis == "timeout"
    assert check("2*x", "2x", ["x"], timeout=60.0).verdict == "correct"  # the next check still works


def test_symbolic_path_decides_when_numbers_cannot() -> None:
    # The verdict is what is checked, not the time: the limit is very generous because the first symbolic check
    # also starts the worker (a fresh interpreter), slow on a loaded machine. Speed: benchmarks/bench_check.py.
    assert check(SLOW_KEY, "sqrt(-1 - x^2)", ["x"], timeout=120.0).verdict == "correct"
    assert check(SLOW_KEY, "2sqrt(-1 - x^2)", ["x"], timeout=120.0).verdict == "incorrect"


@pytest.fixture(scope="module")
def pool() -> Iterator[Checker]:
    """One pool of two workers, limit 0.5 s, for the tests of the pool: its fork server imports sympy under
    xdist (a test worker runs threads, so the server is a fresh interpreter), once for the module instead of
    once a test. Each test starts from new workers and an empty cache (_fresh_workers)."""
    with Checker(workers=2, timeout=0.5) as checker:
        checker.prepare_workers()
        yield checker


def _fresh_workers(checker: Checker, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """The pool's workers forked anew (after whatever the test has patched in worker.py, such as Board) and up,
    and the cache emptied, as a new Checker's would be; batches of any size go to the pool, in chunks of chunk."""
    monkeypatch.setattr(batch_module, "POOL_THRESHOLD", 1)
    monkeypatch.setattr(batch_module, "CHUNK", chunk)
    checker._cache.clear()
    for worker in checker._pool:
        worker.kill()
    checker.check_many([CheckRequest("5*y", "5y", ("y",))])  # starts the pool's workers
    for worker in checker._pool:
        worker.ensure()  # up, so this process leaves the batch to them
    checker._cache.clear()


def test_pool_batch_survives_a_pathological_answer(pool: Checker, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pathological answer is checked by a worker of the pool, not by this process while the workers
    start (asserted): the pool is up before the batch."""
    _fresh_workers(pool, monkeypatch, chunk=3)
    assert pool._forks is not None and pool._forks.alive and len(pool._pool) == 2
    boards = [worker.board is not None for worker in pool._pool]
    assert boards == [worker_module.Board is _BOARD] * 2  # new workers: with a board unless the test took it away
    reqs = [CheckRequest(f"{i}*x", f"{i}x", ("x",)) for i in range(1, 8)]
    reqs.insert(2, CheckRequest(SLOW_KEY, SLOW_ANSWER, ("x",)))
    reqs.append(CheckRequest("2*x", "3x", ("x",)))
    here: list[CheckRequest] = []
    real = batch_module.check_request

    def in_this_process(req, **kw):
        here.append(req)
        return real(req, **kw)

    seen: list[int] = []
    monkeypatch.setattr(batch_module, "check_request", in_this_process)
    box: dict[str, list[Verdict]] = {}
    th = threading.Thread(target=lambda: box.update(out=pool.check_many(reqs, progress=seen.append)))
    th.start()
    th.join(120)  # very generous: only a worker left to run (not killed at the limit) fails here
    if th.is_alive():
        for worker in pool._pool:
            worker.kill()  # so that the batch, and then close(), can end
        th.join(60)
        pytest.fail("the batch did not come back: the overrunning worker was not stopped")
    out = box["out"]
    assert reqs[2] not in here
    assert [v.verdict for v in out] == ["correct"] * 2 + ["invalid"] + ["correct"] * 5 + ["incorrect"]
    assert "too long" in out[2].message
    assert seen[-1] == len(reqs)


def test_without_a_board_workers_send_each_verdict_and_a_pathological_answer_is_still_caught(
    pool: Checker, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_shared_memory(fd: int | None = None) -> None:
        raise OSError("no shared memory here")

    monkeypatch.setattr(worker_module, "Board", no_shared_memory)
    test_pool_batch_survives_a_pathological_answer(pool, monkeypatch)


def test_keys_read_ahead_by_the_fork_server_give_the_same_verdicts(
    pool: Checker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "timeout", 2.0)  # a Checker's default, as `alone`'s
    reqs = [
        CheckRequest("3*x**2", "3x^2", ("x",)),
        CheckRequest("3*x**2", "3x^3", ("x",), mistakes=[Mistake("power", "x**3", "Power rule.")]),
        CheckRequest("3*x**2", "x^3", ("x",), mistakes=[Mistake("power", "x**3", "Power rule.")]),
        CheckRequest(["2*x*y", "x**2"], "[2xy, x^2]", ("x", "y")),
        CheckRequest(["2*x*y", "x**2"], "[x^2, 2xy]", ("x", "y")),
        CheckRequest("2*x +* 3", "2x", ("x",)),  # a bad key: the check still says so
    ]
    with Checker(workers=1) as alone:
        expected = alone.check_many(reqs)
    monkeypatch.setattr(batch_module, "POOL_THRESHOLD", 1)
    monkeypatch.setattr(batch_module, "CHUNK", 2)
    pool._cache.clear()
    for worker in pool._pool:
        worker.kill()  # forked again after the keys are sent: they inherit what the server has read of them
    pool.expect([(r.expected, r.variables) for r in reqs])
    got = pool.check_many(reqs)
    assert got == expected
    assert expected[-1].diagnosis == "bad_key"


def test_concurrent_checks_in_threads_agree_with_serial_ones() -> None:
    import mpmath

    pairs = [
        ("99999999/100000000", "99999998/99999999", "incorrect"),
        ("x", "x + 1/10^20", "incorrect"),
        ("960*x**9", "15(2x^2)^4*4x", "correct"),
        ("Piecewise((1, x > 0), (0, True))", "Heaviside(x)", "correct"),
        ("Piecewise((2, 2*x + 1 > 0), (0, True))", "2Heaviside(x)", "incorrect"),
    ]
    failures: list[str] = []
    stop = threading.Event()

    def meddle() -> None:  # someone else's code playing with mpmath's global precision
        while not stop.is_set():
            with mpmath.workdps(5):
                time.sleep(0.0005)

    def work(k: int) -> None:
        with Checker() as checker:  # own cache, so every thread really computes
            for _ in range(20):
                for expected, answer, verdict in pairs:
                    v = checker.check_many([CheckRequest(expected, answer, ("x",))])[0]
                    if v.verdict != verdict:
                        failures.append(f"{expected} vs {answer}: {v.verdict}")
                checker._cache.clear()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    spoiler = threading.Thread(target=meddle)
    spoiler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    stop.set()
    spoiler.join(5)
    assert failures == []
