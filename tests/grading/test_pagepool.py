"""Feedback pages written by this process and forked copies from one queue, the tables by another copy: the
same bytes as one process, and nothing lost when a copy fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_run import grade_fixture

from quizgen.grading import csvout, pagepool
from quizgen.grading.run import write_outputs

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="pages are written by forked copies only with fork")


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
    assert len(forks) >= 2  # the tables' copy and a page copy (and one more when the tables are done first)
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


def test_tables_a_copy_failed_to_write_are_written_by_the_parent(
    tmp_path: Path, manifest_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = grade_fixture(tmp_path, manifest_path)
    one = write_outputs(run, tmp_path / "one", gradebooks=["moodle"], workers=1)
    parent = os.getpid()
    real = csvout.grades_csv
    r, w = os.pipe()

    def failing_in_copies(*args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os.write(w, b"x")  # the copy was asked: tell the test, then fail
            raise RuntimeError("a copy dies")
        return real(*args, **kwargs)

    monkeypatch.setattr(pagepool, "MIN_PAGES_PER_PROCESS", 1)
    monkeypatch.setattr(csvout, "grades_csv", failing_in_copies)
    two = write_outputs(run, tmp_path / "two", gradebooks=["moodle"], workers=2)
    os.close(w)
    tried = os.read(r, 16)
    os.close(r)
    assert tried == b"x"  # the tables were first tried in a copy, once
    assert _files(two.out_dir) == _files(one.out_dir)


def test_an_error_in_the_tables_is_raised_and_the_folder_left_as_it_was(
    tmp_path: Path, manifest_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = grade_fixture(tmp_path, manifest_path)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("no grades today")

    monkeypatch.setattr(pagepool, "MIN_PAGES_PER_PROCESS", 1)
    monkeypatch.setattr(csvout, "grades_csv", broken)
    with pytest.raises(RuntimeError, match="no grades today"):
        write_outputs(run, tmp_path / "out", workers=2)
    assert not (tmp_path / "out").exists()
