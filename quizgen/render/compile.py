"""Running pdflatex safely: no shell escape, no file access outside its folder, a time limit, and an
error message that names the student and problem the first LaTeX error came from.

pylatex's Document.generate_pdf has no time limit, prints the whole log to stdout on failure and cannot
restrict file access, so the compile is run here directly; pylatex provides the escaping (escape.py).
"""

from __future__ import annotations

import errno
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from quizgen.errors import LatexError

INSTALL_HINT = (
    "install TeX Live with `bash .ci/setup` from the quizgen folder, or `sudo apt-get install "
    "texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern "
    "latex-cjk-common latex-cjk-chinese-arphic-gbsn00lp latex-cjk-chinese-arphic-bsmi00lp "
    "latex-cjk-japanese-wadalab`, or use --format tex"
)

_PROGRESS = re.compile(r"^QGPROGRESS (\d+)")
_FILE_LINE_ERROR = re.compile(r"^(?:\./)?([^:\n]+\.tex):(\d+): (.*)$", re.M)
_BANG_ERROR = re.compile(r"^! (.*)$", re.M)
MARKER_PREFIX = "% qg:student="
"""Starts the line the templates print before each student's pages and each problem: errors are located by
it, and a document typeset in parts is joined at it (quizgen.render.parts, documents)."""
_MARKER = re.compile(rf"^{re.escape(MARKER_PREFIX)}(\d+)(?: problem=(\d+))?\s*$")


class LatexNotFound(LatexError):
    """pdflatex is not installed (the .tex sources are written anyway)."""


@dataclass(frozen=True)
class CompileResult:
    pdf: bytes
    log: str
    marks: dict[int, tuple[int, int]]
    """student index -> (first page, last page), 1-based absolute pages of the compiled PDF."""


class CompileError(LatexError):
    """pdflatex failed; .log is the full log for the caller to keep beside the output."""

    def __init__(self, message: str, log: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.log = log
        self.timed_out = timed_out  # stopped at the time limit: the message is not from the log


class Feed:
    """The source of a run that is still being rendered: pdflatex reads it from a named pipe while the
    rest is written (quizgen.render.documents streams the worksheets and key while the class is drawn).
    write never waits for pdflatex: a thread of compile_tex passes the text on. The time limit counts from
    close, when the source is complete and its length known; abort drops what pdflatex has not read yet
    and stops it (its error is nobody's to read)."""

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.timeout = 0.0
        self.closed = False
        self.aborted = False

    @staticmethod
    def available() -> bool:
        """Whether this system has named pipes (os.mkfifo: not on Windows)."""
        return hasattr(os, "mkfifo")

    def write(self, text: str) -> None:
        self._chunks.append(text)
        self._queue.put(text.encode("utf-8"))

    def close(self, *, timeout: float) -> None:
        """The source is complete; pdflatex may take timeout seconds more."""
        self.timeout = timeout
        self.closed = True
        self._queue.put(None)

    def abort(self) -> None:
        """Stop now: what is written and not yet read is dropped, and pdflatex is stopped."""
        if not self.closed:
            self.closed = self.aborted = True
            self._queue.put(None)

    @property
    def text(self) -> str:
        """The source written so far (all of it once closed)."""
        return "".join(self._chunks)

    def chunks(self) -> Iterator[bytes]:
        """The source's bytes as written, until closed or aborted."""
        return iter(self._queue.get, None)


def find_pdflatex() -> str:
    """The pdflatex executable, or LatexNotFound with how to install it."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise LatexNotFound(f"pdflatex is not installed, so no PDF was made; {INSTALL_HINT}")
    return exe


def lower_priority(pid: int, nice: int) -> None:
    """Lower a run's priority by nice. Each run is its own session (so it can be stopped whole), and where
    Linux groups a session's processes for the scheduler (autogroups) the CPU is shared between groups, so
    a process's own nice only counts within its group: the group's nice is set then, else the process's.
    Only the speed depends on it, so a system that allows neither leaves the run as it is."""
    try:
        with open(f"/proc/{pid}/autogroup", "w", encoding="ascii") as f:
            f.write(str(nice))
        return
    except OSError:
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, pid) + nice)
    except (OSError, AttributeError):
        pass


def _environment(memory: int = 0) -> dict[str, str]:
    env = dict(os.environ)
    if memory > 0:
        # Main memory below TeX's own (extra_mem_bot, in words): see compile_tex.
        env["extra_mem_bot"] = str(memory)
    # Paranoid file access: no absolute paths, no parent folders, no dot files, in and out.
    env["openin_any"] = "p"
    env["openout_any"] = "p"
    # One log line per message, so errors and markers are not wrapped at 79 columns.
    env["max_print_line"] = "100000"
    env["error_line"] = "254"
    env["half_error_line"] = "238"
    # Reproducible PDFs: a fixed creation date and document ID instead of the clock.
    env["SOURCE_DATE_EPOCH"] = "1577836800"
    env["FORCE_SOURCE_DATE"] = "1"
    return env


def compile_tex(
    tex: str | Feed,
    jobname: str,
    *,
    timeout: float,
    on_progress: Callable[[int], None] | None = None,
    describe: Callable[[int, int | None], str] | None = None,
    engine: Sequence[str] = (),
    files: Mapping[str, bytes] | None = None,
    memory: int = 0,
    nice: int = 0,
) -> CompileResult:
    """Compile tex once with pdflatex in a fresh temporary folder and return the PDF bytes.

    tex may be a Feed still being written: pdflatex reads it from a named pipe, and the time limit is the
    one its close gives, counted from then.

    engine replaces pdflatex (the LuaLaTeX name snippets: quizgen.render.scripts); files are written
    into the folder first (names.pdf, which the documents include).

    memory: words of main memory to add to TeX's 5,000,000 (0: none), for a document that holds many
    pages at once ("Page X of Y" holds a sheet's pages until it ends; the marking key is one sheet).
    TeX allocates its nodes first-fit from a list of free blocks, and once its memory is nearly full every
    allocation walks that list: the 500-student marking key used 3.5 million words and took 2.5 s of CPU
    for 28 pages, 0.7 s with room to spare, and the marking key of 1,000 students did not fit at all.
    Memory TeX does not use costs nothing (it is never touched), and the PDF is the same.

    nice: how much lower than its caller's this run's claim on the CPU is (0: equal), for a run with time to
    spare beside a longer one (see lower_priority).

    on_progress(student_index) is called as each student's pages are typeset. describe(student, problem)
    turns the markers in the source into words for the error message.

    Raises:
        LatexNotFound: no pdflatex.
        CompileError: LaTeX failed or ran past timeout; the message names the first error and its source.
    """
    command_start = list(engine) or [find_pdflatex()]
    with tempfile.TemporaryDirectory(prefix="quizgen-tex-") as tmp:
        work = Path(tmp)
        source = work / f"{jobname}.tex"
        if isinstance(tex, Feed):
            os.mkfifo(source)
        else:
            source.write_text(tex, encoding="utf-8")
        for name, data in (files or {}).items():
            (work / name).write_bytes(data)
        command = [
            *command_start,
            # pdflatex opens its file once more to look for a %& format line; a named pipe can be read once.
            *(["-no-parse-first-line"] if isinstance(tex, Feed) else []),
            "-no-shell-escape",
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-file-line-error",
            f"-jobname={jobname}",
            f"{jobname}.tex",
        ]
        proc = subprocess.Popen(
            command,
            cwd=work,
            env=_environment(memory),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if nice:
            lower_priority(proc.pid, nice)
        killed = threading.Event()
        timers: list[threading.Timer] = []
        ended = threading.Lock()  # held once the process is reaped: no timer may start after that

        def limit(seconds: float) -> None:
            if ended.acquire(blocking=False):
                try:
                    timers.append(threading.Timer(seconds, _kill, args=(proc, killed)))
                    timers[-1].start()
                finally:
                    ended.release()

        if isinstance(tex, Feed):
            threading.Thread(target=_feed_pipe, args=(source, tex, proc, limit), daemon=True).start()
        else:
            limit(timeout)
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                match = _PROGRESS.match(raw.decode("utf-8", "replace"))
                if match and on_progress is not None:
                    on_progress(int(match.group(1)))
            returncode = proc.wait()
        finally:
            ended.acquire()  # kept: the pid may be reused, so a late timer must not kill by it
            for timer in timers:
                timer.cancel()
        timed_out = killed.is_set()
        if isinstance(tex, Feed):
            timeout, tex = tex.timeout, tex.text
        log_path = work / f"{jobname}.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        pdf_path = work / f"{jobname}.pdf"
        if timed_out:
            raise CompileError(
                f"{jobname}.tex: {Path(command_start[0]).name} took longer than {timeout:.0f} s and was stopped",
                log,
                timed_out=True,
            )
        if returncode != 0 or not pdf_path.exists():
            raise CompileError(first_error(log, tex, jobname, describe), log)
        marks_path = work / f"{jobname}.marks"
        marks = parse_marks(marks_path.read_text(encoding="utf-8") if marks_path.exists() else "")
        return CompileResult(pdf=pdf_path.read_bytes(), log=log, marks=marks)


def _feed_pipe(path: Path, feed: Feed, proc: subprocess.Popen[bytes], limit: Callable[[float], None]) -> None:
    """Write feed into the named pipe pdflatex reads, then start the time limit (0 s for an aborted feed:
    pdflatex is stopped at once). Once pdflatex has stopped (an error, the time limit) or the feed is
    aborted, the rest of the source is taken from the feed and dropped."""
    fd = _open_writer(path, proc)
    try:
        for chunk in feed.chunks():
            view = memoryview(chunk)
            while fd is not None and view and not feed.aborted:
                try:
                    view = view[os.write(fd, view) :]
                except BrokenPipeError:
                    os.close(fd)
                    fd = None
    finally:
        if fd is not None:
            os.close(fd)  # pdflatex reads the end of its file
        limit(feed.timeout)


def _open_writer(path: Path, proc: subprocess.Popen[bytes]) -> int | None:
    """The writing end of the named pipe, once pdflatex has opened it (None if it ended first)."""
    while proc.poll() is None:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
            time.sleep(0.002)
            continue
        os.set_blocking(fd, True)
        return fd
    return None


def _kill(proc: subprocess.Popen[bytes], killed: threading.Event) -> None:
    killed.set()
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def parse_marks(text: str) -> dict[int, tuple[int, int]]:
    """Read "start 3 7" / "end 3 8" lines (\\qgmark) into {3: (7, 8)}."""
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            (starts if parts[0] == "start" else ends)[int(parts[1])] = int(parts[2])
    return {i: (starts[i], ends.get(i, starts[i])) for i in sorted(starts)}


def first_error(
    log: str,
    tex: str,
    jobname: str,
    describe: Callable[[int, int | None], str] | None = None,
    line_map: Callable[[int], int] | None = None,
) -> str:
    """One line: the first LaTeX error, its line in the .tex, and the student/problem it belongs to.

    line_map turns a line of tex into the line to report (tex is a part of the document written as
    jobname.tex: quizgen.render.parts)."""
    match = _FILE_LINE_ERROR.search(log)
    bang = _BANG_ERROR.search(log)
    if match and (bang is None or match.start() <= bang.start()):
        line_no = int(match.group(2))
        message = match.group(3).strip()
        source = match.group(1)
    elif bang:
        line_no = _line_after(log, bang.end())
        message = bang.group(1).strip()
        source = f"{jobname}.tex"
    else:
        tail = " ".join(log.strip().splitlines()[-3:]) or "no log written"
        return f"{jobname}.tex: pdflatex failed ({tail})"
    where = ""
    if line_no and source.endswith(f"{jobname}.tex"):
        student, problem = _marker_before(tex, line_no)
        if student is not None:
            where = (
                describe(student, problem)
                if describe
                else f"student #{student}" + (f" problem {problem}" if problem else "")
            )
    shown = line_map(line_no) if line_no and line_map is not None and source.endswith(f"{jobname}.tex") else line_no
    location = f"{jobname}.tex line {shown}" if line_no else f"{jobname}.tex"
    if where:
        location += f" ({where})"
    return f"{location}: LaTeX error: {message}"


def _line_after(log: str, pos: int) -> int:
    m = re.compile(r"^l\.(\d+)", re.M).search(log, pos)
    return int(m.group(1)) if m else 0


def marker_index(lines: Sequence[str], line_no: int) -> int | None:
    """The index in lines of the last '% qg:student=N problem=M' marker at or above line line_no (1-based)."""
    for i in range(min(line_no, len(lines)) - 1, -1, -1):
        if _MARKER.match(lines[i]):
            return i
    return None


def _marker_before(tex: str, line_no: int) -> tuple[int | None, int | None]:
    """(student, problem) of the last marker at or above line_no of the source."""
    lines = tex.splitlines()
    i = marker_index(lines, line_no)
    m = _MARKER.match(lines[i]) if i is not None else None
    if m is None:
        return None, None
    return int(m.group(1)), (int(m.group(2)) if m.group(2) else None)
