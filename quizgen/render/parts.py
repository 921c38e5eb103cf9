"""A large class's worksheets and key typeset in parts: consecutive runs of students, each one pdflatex run,
compiled side by side on the machine's cores and joined into the one PDF a teacher prints.

A student's pages depend only on that student ("Page X of Y" counts the sheet's own pages), so a part's
pages are the pages the whole document would have; a worksheets part that more sheets follow ends on an even
page, as the next sheet would start. The parts depend only on the class size, never on the machine, so the
same manifest gives the same bytes everywhere. qpdf joins them (Debian's qpdf: fast, keeps the first part's
metadata and merges the form fields of fillable worksheets); without it a document is one run, as before.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from quizgen.render.compile import CompileResult, marker_index

PART_STUDENTS = {"key": 250, "worksheets": 500}
"""At most this many students of a document in one pdflatex run: about 4 s of CPU (the key ~16 ms a
student, the worksheets ~9 ms). Long enough that a run's fixed cost (~0.23 s: the preamble, loading and
embedding the fonts) and the join (~0.15 s per 1,000 pages) stay small; short enough that no run is the
critical path on two cores. 500 students: the key in two parts, the worksheets and the marking key whole."""

_OUTPUT_PAGES = re.compile(r"^Output written on .*?\((\d+) pages?, \d+ bytes\)\.$", re.M)


@dataclass(frozen=True)
class Part:
    """Students first..last (1-based, inclusive, as numbered in the documents) of a document."""

    first: int
    last: int

    @property
    def size(self) -> int:
        return self.last - self.first + 1


def plan_parts(students: int, most: int) -> list[Part]:
    """The class cut into as few parts of at most `most` students as it takes, of even sizes."""
    if students <= 0:
        return []
    count = -(-students // most)
    size = -(-students // count)
    return [Part(first, min(first + size - 1, students)) for first in range(1, students + 1, size)]


def qpdf() -> str | None:
    """The qpdf executable that joins parts (None: each document is typeset in one run)."""
    return shutil.which("qpdf")


class JoinError(Exception):
    """qpdf could not join the parts."""


def join_pdfs(pdfs: Sequence[bytes], *, timeout: float = 120.0) -> bytes:
    """The pages of pdfs, in order, as one PDF: the first part's document information and the form fields
    of all of them; the document ID is derived from the content, so the same parts give the same bytes."""
    exe = qpdf()
    if exe is None:
        raise JoinError("qpdf is not installed")
    with tempfile.TemporaryDirectory(prefix="quizgen-join-") as tmp:
        work = Path(tmp)
        names = []
        for number, data in enumerate(pdfs, 1):
            (work / f"part{number}.pdf").write_bytes(data)
            names.append(f"part{number}.pdf")
        command = [exe, "--deterministic-id", "--object-streams=generate", "--no-warn"]
        command += [names[0], "--pages", ".", *names[1:], "--", "joined.pdf"]
        try:
            proc = subprocess.run(command, cwd=work, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise JoinError(f"qpdf took longer than {timeout:.0f} s") from None
        joined = work / "joined.pdf"
        # qpdf exits 3 for warnings it recovered from; the file is written then.
        if proc.returncode not in (0, 3) or not joined.exists():
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise JoinError(message[-1] if message else f"qpdf exited with {proc.returncode}")
        return joined.read_bytes()


def page_count(log: str) -> int | None:
    """The pages pdflatex wrote, from its log's last "Output written on X.pdf (N pages, M bytes)." line."""
    found = _OUTPUT_PAGES.findall(log)
    return int(found[-1]) if found else None


def joined_result(results: Sequence[CompileResult], pdf: bytes) -> CompileResult:
    """The compile result of the whole document from its parts' results (in order) and their joined PDF:
    the logs one after another, each student's pages counted from the start of the joined PDF."""
    marks: dict[int, tuple[int, int]] = {}
    offset = 0
    for result in results:
        for student, (first, last) in result.marks.items():
            marks[student] = (first + offset, last + offset)
        pages = page_count(result.log)
        if pages is None:
            raise JoinError("a part's log does not say how many pages it has")
        offset += pages
    return CompileResult(pdf=pdf, log="\n".join(result.log for result in results), marks=marks)


def whole_line(part_tex: str, whole_tex: str, line: int) -> int:
    """The line of the whole document's source (the .tex written beside the PDF) that is line `line` of a
    part's source: the same distance below the same student/problem marker. Lines above the first marker
    (the preamble) are the same in both."""
    part_lines = part_tex.splitlines()
    index = marker_index(part_lines, line)
    if index is None:
        return line
    marker = part_lines[index]
    # The same marker can stand more than once for a student (before its problems, before its total).
    occurrence = part_lines[: index + 1].count(marker)
    seen = 0
    for j, text in enumerate(whole_tex.splitlines()):
        if text == marker:
            seen += 1
            if seen == occurrence:
                return j + 1 + (line - 1 - index)
    return line
