"""Per-student feedback pages written by forked copies of this process, one per worker.

Typesetting a class's pages is most of the report time, and each page depends only on the graded run, which
a forked copy already has (nothing is pickled). The copies write into the staging folder while the parent
writes the class report; a copy that fails or dies is not trusted: the parent writes its share again. The
pages are the same bytes whichever process wrote them. Without fork (Windows) the parent writes them all.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from quizgen.grading.feedback_html import feedback_html
from quizgen.grading.model import GradeRun, StudentResult

MIN_PAGES_PER_PROCESS = 100
"""Fewer pages than this per copy are written in this process (a fork costs a few milliseconds)."""


def start_pages(run: GradeRun, fb: Path, stems: dict[str, str], workers: int) -> list[tuple[int, list[StudentResult]]]:
    """Fork up to `workers` copies that write the pages (interleaved shares, so each gets every slot's
    variety); returns (pid, share) per copy for finish_pages. No copies (an empty list) when they would not
    pay or fork is missing: finish_pages then writes every page."""
    results = list(run.results)
    procs = min(workers, len(results) // MIN_PAGES_PER_PROCESS)
    if procs < 2 or not hasattr(os, "fork"):
        return []
    started: list[tuple[int, list[StudentResult]]] = []
    for k in range(procs):
        share = results[k::procs]
        try:
            pid = os.fork()
        except OSError:
            break  # no processes left: the parent writes the rest
        if pid == 0:  # the copy: write its share and leave without running the parent's code or exit handlers
            code = 1
            try:
                write_pages(run, fb, stems, share)
                code = 0
            finally:
                os._exit(code)
        started.append((pid, share))
    return started


def finish_pages(
    run: GradeRun,
    fb: Path,
    stems: dict[str, str],
    started: list[tuple[int, list[StudentResult]]],
    *,
    write_missing: bool = True,
) -> None:
    """Wait for the copies; write every page no copy is known to have written (unless the run is being
    abandoned: write_missing=False only reaps the copies)."""
    done: set[int] = set()
    for pid, share in started:
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            done.update(id(r) for r in share)
    if write_missing:
        write_pages(run, fb, stems, [r for r in run.results if id(r) not in done])


def write_pages(run: GradeRun, fb: Path, stems: dict[str, str], results: Sequence[StudentResult]) -> None:
    for r in results:
        page = feedback_html(r, run.manifest.bank, provisional=run.provisional(r))
        (fb / f"{stems[r.sheet.student_id]}.html").write_text(page, encoding="utf-8")
