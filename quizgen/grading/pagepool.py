"""Per-student feedback pages written by this process and forked copies of it, from one queue.

Typesetting a class's pages is most of the report time, and each page depends only on the graded run, which
a forked copy already has (nothing is pickled). With N workers, N - 1 copies start writing pages into the
staging folder at once, while this process writes the CSVs and the class report; then it takes pages from
the same queue until none are left. The queue is a pipe holding the numbers of runs of students: reading
a number from a pipe is atomic, so each run is written by exactly one process, and whoever has time takes
the next (fixed shares would leave the copies idle or this process last). A copy that fails or dies is not
trusted: this process writes again every page it did not write itself. The pages are the same bytes
whichever process wrote them. Without fork (Windows) this process writes them all.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from quizgen.grading.feedback_html import feedback_html
from quizgen.grading.model import GradeRun, StudentResult

MIN_PAGES_PER_PROCESS = 100
"""Fewer pages than this per process are written by this process alone (a fork costs a few milliseconds)."""
RUN = 16
"""Students per queue entry, at least: taking one costs a read, and the processes still end together."""
TOKEN = struct.Struct("=I")
PIPE_ENTRIES = 1024
"""At most this many entries (4 KiB): the queue is written at once, before any copy reads, and even a pipe
with the smallest buffer Linux gives (one page, when a user has many pipes) holds that much."""


@dataclass
class Pages:
    """The pages of one run being written: the queue's read end and the copies (pid) taking from it."""

    results: list[StudentResult]
    run_size: int
    queue: int | None = None  # the pipe's read end (None: no copies, this process writes every page)
    copies: list[int] = field(default_factory=list)


def start_pages(run: GradeRun, fb: Path, stems: dict[str, str], workers: int) -> Pages:
    """Queue the class's pages and fork up to workers - 1 copies that write them (none when they would not
    pay, or without fork); finish_pages writes the rest."""
    results = list(run.results)
    procs = min(workers, len(results) // MIN_PAGES_PER_PROCESS)
    pages = Pages(results, max(RUN, -(-len(results) // PIPE_ENTRIES)))
    if procs < 2 or not hasattr(os, "fork"):
        return pages
    read_end, write_end = os.pipe()
    entries = range(0, len(results), pages.run_size)
    os.write(write_end, b"".join(TOKEN.pack(start) for start in entries))  # fits at once: see PIPE_ENTRIES
    os.close(write_end)  # once the queue is empty, a read says so (end of file) instead of waiting
    pages.queue = read_end
    for _ in range(procs - 1):
        try:
            pid = os.fork()
        except OSError:
            break  # no processes left: this process writes the rest
        if pid == 0:  # the copy: take runs until none are left, then leave without the parent's exit handlers
            code = 1
            try:
                _take_runs(run, fb, stems, pages)
                code = 0
            finally:
                os._exit(code)
        pages.copies.append(pid)
    return pages


def finish_pages(run: GradeRun, fb: Path, stems: dict[str, str], pages: Pages, *, write_missing: bool = True) -> None:
    """Take runs from the queue until it is empty, wait for the copies, and if any of them failed, write
    again every page this process did not write (unless the run is being abandoned: write_missing=False
    only reaps the copies)."""
    if pages.queue is None:
        if write_missing:
            write_pages(run, fb, stems, pages.results)
        return
    mine = _take_runs(run, fb, stems, pages) if write_missing else set()
    os.close(pages.queue)
    failed = False
    for pid in pages.copies:
        _, status = os.waitpid(pid, 0)
        failed = failed or not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0)
    if write_missing and failed:
        write_pages(run, fb, stems, [r for i, r in enumerate(pages.results) if i // pages.run_size not in mine])


def _take_runs(run: GradeRun, fb: Path, stems: dict[str, str], pages: Pages) -> set[int]:
    """Write runs of pages taken from the queue until it is empty; the numbers of the runs written."""
    assert pages.queue is not None
    done: set[int] = set()
    while entry := os.read(pages.queue, TOKEN.size):
        (start,) = TOKEN.unpack(entry)
        write_pages(run, fb, stems, pages.results[start : start + pages.run_size])
        done.add(start // pages.run_size)
    return done


def write_pages(run: GradeRun, fb: Path, stems: dict[str, str], results: Sequence[StudentResult]) -> None:
    for r in results:
        page = feedback_html(r, run.manifest.bank, provisional=run.provisional(r))
        (fb / f"{stems[r.sheet.student_id]}.html").write_text(page, encoding="utf-8")
