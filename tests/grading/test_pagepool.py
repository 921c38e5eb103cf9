"""Feedback pages written by this process and forked copies from one queue: the same bytes as one process,
and nothing lost when a copy fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_run import grade_fixture

from quizgen.grading import pagepool
from quizgen.grading.run import write_outputs

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="pages are written by forked copies only with fork"),
    pytest.mark.usefixtures("plots_drawn_once"),  # each test writes one class's report twice: tests/conftest.py
]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_pages_from_forked_copies_are_the_same_bytes(
    tmp_path: Path, manifest_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = grade_fixture(tmp_path, manifest_path)
    one = write_outputs(run, tmp_path / "one", gradebooks=["canvas"], workers=1)
    monkeypatch.setattr(pagepool, "MIN_PAGES_PER_PROCESS", 1)  # the fixture's 3 students: 3 processes
    monkeypatch.setattr(pagepool, "RUN", 1)  # one student per queue entry
    forks: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting_fork)
    two = write_outputs(run, tmp_path / "two", gradebooks=["canvas"], workers=3)
    assert len(forks) == 2  # this process is the third writer
    assert len(list((two.out_dir / "feedback").glob("*.html"))) == len(run.results) == 3
    assert _files(two.out_dir) == _files(one.out_dir)


def test_a_copy_that_fails_has_its_pages_written_by_the_parent(
    tmp_path: Path, manifest_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = grade_fixture(tmp_path, manifest_path)
    one = write_outputs(run, tmp_path / "one", workers=1)
    parent = os.getpid()
    real = pagepool.feedback_html

    def failing_in_copies(*args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise RuntimeError("a copy dies")
        return real(*args, **kwargs)

    monkeypatch.setattr(pagepool, "MIN_PAGES_PER_PROCESS", 1)
    monkeypatch.setattr(pagepool, "RUN", 1)
    monkeypatch.setattr(pagepool, "feedback_html", failing_in_copies)
    two = write_outputs(run, tmp_path / "two", workers=3)
    assert _files(two.out_dir) == _files(one.out_dir)
