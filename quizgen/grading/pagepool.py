"""Per-student feedback pages written by this process and forked copies of it, from one queue, while another
copy writes the tables beside them.

Typesetting a class's pages is most of the report time, and each page depends only on the graded run, which
a forked copy already has (nothing is pickled). With N workers, one copy runs the side job (the CSVs, the
class report and the gradebooks) and N - 2 copies start writing pages, while this process writes pages
too. When the side job's copy is done, one more page copy is forked from this process: its typesetting
caches are warm by then (formula shapes, texts, keys and worked steps), so the rest of the class is not
typeset cold in a second process (a copy forked at the start, writing the last quarter of the pages cold,
typeset 0.35-0.55 s of a 2,000-student class again).

The queue is a pipe holding the numbers of runs of students: reading a number from a pipe is atomic, so
each run is written by exactly one process, and whoever has time takes the next (fixed shares would leave
a process idle or last). A copy that fails or dies is not trusted: this process runs the side job again
(so its error, if it has one, is raised here) and writes again every page it did not write itself. The
outputs are the same bytes whichever process wrote them. Without fork (Windows) this process does it all.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Sequence
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
    """The pages of one run being written: the queue's read end, the copies (pid) taking from it, and the
    side job with the copy running it."""

    results: list[StudentResult]
    run_size: int
    side_job: Callable[[], None]
    queue: int | None = None  # the pipe's read end (None: no copies, this process does everything)
    side: int | None = None  # the copy running side_job (None: this process runs it)
    copies: list[int] = field(default_factory=list)


def start_pages(run: GradeRun, fb: Path, stems: dict[str, str], workers: int, side_job: Callable[[], None]) -> Pages:
    """Queue the class's pages, fork a copy that runs side_job and up to workers - 2 copies that write
    pages (none when they would not pay, or without fork); finish_pages does the rest."""
    results = list(run.results)
    procs = min(workers, len(results) // MIN_PAGES_PER_PROCESS)
    pages = Pages(results, max(RUN, -(-len(results) // PIPE_ENTRIES)), side_job)
    if procs < 2 or not hasattr(os, "fork"):
        return pages
    read_end, write_end = os.pipe()
    entries = range(0, len(results), pages.run_size)
    os.write(write_end, b"".join(TOKEN.pack(start) for start in entries))  # fits at once: see PIPE_ENTRIES
    os.close(write_end)  # once the queue is empty, a read says so (end of file) instead of waiting
    pages.queue = read_end
    pages.side = _fork(side_job)
    for _ in range(procs - 2):
        pid = _fork(lambda: _take_runs(run, fb, stems, pages))
        if pid is None:
            break  # no processes left: the others write the rest
        pages.copies.append(pid)
    return pages


def finish_pages(run: GradeRun, fb: Path, stems: dict[str, str], pages: Pages) -> None:
    """Take runs from the queue until it is empty (forking one more page copy once the side job's copy is
    done), wait for the copies, and do again here what a failed copy left undone."""
    if pages.queue is None:
        pages.side_job()
        write_pages(run, fb, stems, pages.results)
        return
    mine: set[int] = set()
    side_status: int | None = None
    try:
        while entry := os.read(pages.queue, TOKEN.size):
            if pages.side is not None and side_status is None:
                reaped, status = os.waitpid(pages.side, os.WNOHANG)
                if reaped:  # a core is free: a copy of this process, caches warm, takes runs with it
                    side_status = status
                    pid = _fork(lambda: _take_runs(run, fb, stems, pages))
                    if pid is not None:
                        pages.copies.append(pid)
            (start,) = TOKEN.unpack(entry)
            write_pages(run, fb, stems, pages.results[start : start + pages.run_size])
            mine.add(start // pages.run_size)
    finally:
        os.close(pages.queue)
        if pages.side is not None and side_status is None:
            side_status = os.waitpid(pages.side, 0)[1]
        failed = [status for status in (os.waitpid(pid, 0)[1] for pid in pages.copies) if not _succeeded(status)]
    if side_status is None or not _succeeded(side_status):
        pages.side_job()  # not run (no fork), or its copy failed: here, its error is the caller's
    if failed:
        write_pages(run, fb, stems, [r for i, r in enumerate(pages.results) if i // pages.run_size not in mine])


def _fork(job: Callable[[], None]) -> int | None:
    """Run job in a forked copy that leaves without the parent's exit handlers, status 0 when job returned;
    the copy's pid, or None when no process could be made."""
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        code = 1
        try:
            job()
            code = 0
        finally:
            os._exit(code)
    return pid


def _succeeded(status: int) -> bool:
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _take_runs(run: GradeRun, fb: Path, stems: dict[str, str], pages: Pages) -> None:
    """Write runs of pages taken from the queue until it is empty."""
    assert pages.queue is not None
    while entry := os.read(pages.queue, TOKEN.size):
        (start,) = TOKEN.unpack(entry)
        write_pages(run, fb, stems, pages.results[start : start + pages.run_size])


def write_pages(run: GradeRun, fb: Path, stems: dict[str, str], results: Sequence[StudentResult]) -> None:
    for r in results:
        page = feedback_html(r, run.manifest.bank, provisional=run.provisional(r))
        (fb / f"{stems[r.sheet.student_id]}.html").write_text(page, encoding="utf-8")
