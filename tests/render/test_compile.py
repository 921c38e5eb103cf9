from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import threading

import pytest

from quizgen.problem import Step
from quizgen.render import render_sources
from quizgen.render.compile import CompileError, Feed, compile_tex, first_error, lower_priority, parse_marks

from .conftest import HOSTILE_NAMES, gradient_problem, long_problem, make_manifest, scalar_problem


def test_marks_give_each_students_first_and_last_page() -> None:
    assert parse_marks("start 1 1\nend 1 2\nstart 2 3\nend 2 3\n") == {1: (1, 2), 2: (3, 3)}


def test_first_error_maps_the_line_to_the_student_and_problem_markers() -> None:
    tex = "\\documentclass{article}\n% qg:student=2\n\n% qg:student=2 problem=3\n\nx \\oops\n"
    log = "stuff\n./worksheets.tex:6: Undefined control sequence.\nl.6 x \\oops\n"
    message = first_error(log, tex, "worksheets", lambda s, p: f"student #{s} problem {p}")
    assert message == "worksheets.tex line 6 (student #2 problem 3): LaTeX error: Undefined control sequence."


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_nothing_runs_off_the_page_even_for_unbreakable_products() -> None:
    product = " ".join(f"x_{{{k}}}^{{{k}}}" for k in range(1, 40))
    unbreakable = dataclasses.replace(
        long_problem(3),
        slot=4,
        prompt_latex=rf"Let $f = {product}$. Find $\frac{{\partial f}}{{\partial x_{{1}}}}$.",
        answer_latex=product,
        steps=[Step("Product:", r"\text{Product:} " + product)],
    )
    names = [n for n in HOSTILE_NAMES if n.isascii() or "ë" in n] + ["Very-Long-Name " * 10, "Nguyễn Thị Ánh n\u0308 ả"]
    manifest = make_manifest(
        names,
        [scalar_problem(1), gradient_problem(2), long_problem(3), unbreakable],
        ids=[f"id{i}" * (1 + 20 * (i == 0)) for i in range(len(names))],
    )
    for name, tex in render_sources(manifest).items():
        log = compile_tex(tex, name, timeout=120).log
        assert "Overfull \\hbox" not in log, name


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_cannot_read_files_outside_its_folder() -> None:
    tex = "\\documentclass{article}\\begin{document}\\input{/etc/hostname}\\end{document}\n"
    with pytest.raises(CompileError, match="hostname"):
        compile_tex(tex, "probe", timeout=60)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_a_runaway_document_is_stopped_at_the_time_limit() -> None:
    tex = "\\documentclass{article}\\begin{document}\\loop\\iftrue\\repeat\\end{document}\n"
    # the loop burns CPU until it is stopped: a limit just over half a second, which the message rounds to 1 s
    with pytest.raises(CompileError, match="took longer than 1 s and was stopped"):
        compile_tex(tex, "loop", timeout=0.51)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_memory_lets_a_document_hold_more_than_texs_own_main_memory() -> None:
    # 300,000 boxes held at once need ~4 million words on top of the format's ~1.85 million: past TeX's
    # 5 million (capacity exceeded, after ~10 s of an allocator walking its free list), done in a fraction
    # of a second with the memory a marking key of ~400 students gets.
    tex = (
        "\\documentclass{article}\\newcount\\n\\begin{document}"
        "\\setbox0\\vbox{\\leavevmode\\loop\\ifnum\\n<300000 \\advance\\n 1 \\hbox{}\\repeat}x\\end{document}\n"
    )
    result = compile_tex(tex, "held", timeout=60, memory=4_000_000)
    assert result.pdf.startswith(b"%PDF")
    assert "words of memory out of 9000000" in result.log


needs_fifo = pytest.mark.skipif(
    shutil.which("pdflatex") is None or not Feed.available(), reason="pdflatex or named pipes missing"
)
STREAMED = "\\documentclass{article}\n\\begin{document}\n" + "".join(
    f"% qg:student={n}\nStudent {n}.\\newpage\n" for n in range(1, 7)
)


def _fed(pieces: list[str], *, close: bool = True, timeout: float = 60) -> Feed:
    """A Feed written piece by piece from another thread while pdflatex reads it, as documents does."""
    feed = Feed()

    def write() -> None:
        for piece in pieces:
            feed.write(piece)
        if close:
            feed.close(timeout=timeout)

    threading.Thread(target=write).start()
    return feed


@needs_fifo
def test_a_source_streamed_in_pieces_gives_the_bytes_of_the_whole_source() -> None:
    tex = STREAMED + "\\end{document}\n"
    whole = compile_tex(tex, "streamed", timeout=60)
    pieces = [tex[i : i + 40] for i in range(0, len(tex), 40)]
    fed = compile_tex(_fed(pieces), "streamed", timeout=1)  # the Feed's own limit counts, from its close
    assert fed.pdf == whole.pdf
    assert fed.log.count("Output written on streamed.pdf (6 pages") == 1


@needs_fifo
def test_a_streamed_source_with_an_error_names_its_line_and_takes_the_rest() -> None:
    """pdflatex stops at the error while more is written: the writer drops the rest instead of waiting."""
    pieces = [STREAMED, "% qg:student=7\n\\undefinedmacro\n", "more " * 40_000, "\\end{document}\n"]
    with pytest.raises(CompileError) as err:
        compile_tex(_fed(pieces), "streamed", timeout=60)
    line = STREAMED.count("\n") + 2
    assert err.value.message == f"streamed.tex line {line} (student #7): LaTeX error: Undefined control sequence."


@needs_fifo
def test_an_aborted_stream_stops_pdflatex() -> None:
    feed = Feed()
    feed.write(STREAMED)
    threading.Timer(0.5, feed.abort).start()  # e.g. a slot that cannot be drawn, halfway through the class
    with pytest.raises(CompileError, match="took longer than 0 s and was stopped"):
        compile_tex(feed, "streamed", timeout=60)


@needs_fifo
def test_an_aborted_stream_drops_what_pdflatex_has_not_read() -> None:
    """Ctrl-C or a failing slot stops the typesetting now, not after the students already rendered."""
    feed = Feed()
    feed.write("\\documentclass{article}\n\\begin{document}\n")
    for n in range(1, 3001):
        feed.write(f"% qg:student={n}\n\\typeout{{QGPROGRESS {n}}}Student {n}.\\newpage\n")
    feed.abort()  # before pdflatex has read a line
    with pytest.raises(CompileError) as err:
        compile_tex(feed, "streamed", timeout=60)
    assert "QGPROGRESS" not in err.value.log  # not one student typeset


@needs_fifo
def test_the_time_limit_of_a_stream_counts_from_its_close() -> None:
    """After the close, pdflatex hangs: it inputs its own named pipe again, whose writer is gone, and waits for
    another (without the CPU a \\loop burns until it is stopped: test_a_runaway_document_is_stopped_at_the_time_limit).
    Twice: should the first \\input come before the writer has closed, it ends there, and the second waits."""
    feed = _fed([STREAMED, "\\input{streamed}\\input{streamed}\n"], close=True, timeout=0.51)  # in whole seconds: 1
    with pytest.raises(CompileError, match="took longer than 1 s and was stopped"):
        compile_tex(feed, "streamed", timeout=60)


def test_a_run_with_time_to_spare_gets_a_lower_priority_in_its_own_session() -> None:
    """A run is its own session; where Linux groups a session for the scheduler, the group's nice is what
    counts against the other runs, else the process's own."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    try:
        lower_priority(proc.pid, 3)
        try:
            with open(f"/proc/{proc.pid}/autogroup", encoding="ascii") as f:
                group_nice = f.read().split()[-1]
        except OSError:
            group_nice = None  # no autogroups here
        if group_nice != "3":  # else the process's own nice
            assert os.getpriority(os.PRIO_PROCESS, proc.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 3
    finally:
        proc.kill()
        proc.wait()
