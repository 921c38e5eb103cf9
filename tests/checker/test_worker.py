"""WorkerProcess: a child that can be killed mid-task and replaced, with its memory capped."""

from __future__ import annotations

import pytest

from quizgen.checker.equivalence import CheckTimeout
from quizgen.checker.worker import WorkerProcess


def test_worker_is_killed_and_replaced() -> None:
    worker = WorkerProcess()
    try:
        worker.ensure()
        first = worker.proc.pid
        worker.send(("sleep", 30))
        with pytest.raises(CheckTimeout):
            worker.receive(0.3)  # the child sleeps 30 s: only killing it ends the wait
        assert not worker.alive
        worker.send(("sleep", 0))
        assert worker.receive(10) == ("slept",) and worker.proc.pid != first
    finally:
        worker.close()


def test_worker_memory_is_capped() -> None:
    worker = WorkerProcess(memory_mb=256)
    try:
        worker.ensure()
        limits = open(f"/proc/{worker.proc.pid}/limits", encoding="ascii").read()
        line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
        assert "unlimited" not in line.split()[3]
    finally:
        worker.close()
