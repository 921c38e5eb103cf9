"""Time `quizgen generate --format pdf` for a class: worksheets, the key and the marking key, all students.

Usage: .venv/bin/python benchmarks/bench_pdf.py [--students 500] [--bank banks/demo.yaml] [--split] [--workers N]

Times what `generate --format pdf` does: since branch pdf10, quizgen.render.write_documents on a
generate.Drawing, which draws the class in this process 20 students at a time while pdflatex typesets the
worksheets and key from named pipes (the marking key last, its preamble read meanwhile), then Drawing.finish for the manifest; with
older code (no Drawing), generation (forked workers when cores are idle), then write_documents: the
templates, the pdflatex runs (one per core at a time; a large class's worksheets and key in parts, joined
by qpdf) and writing the PDFs. Target (issue 14): 500 students x 10 problems, bank to PDFs, in 10 s wall
on a 2-core machine.

Wall time depends on the machine's load, so CPU time is printed too, per stage and per run (each
pdflatex/qpdf process's own CPU, read when it is reaped), with the load average, the idle cores measured at
the start and the generation processes used. "Critical path on N idle cores" replays the runs' CPU on idle
cores (simulate): generation's busiest process first when it comes first, then this process and the runs
shared over the cores as they started, a streamed run never ahead of the source written for it (the
marking key, since branch pdf11 started on its preamble: that part from the start, the rest last). It is
what the wall time would be on an idle machine, to compare before/after when the machine is shared.
Runs with older code too (PYTHONPATH=/path/to/main), for a before/after in one session.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
TARGET = 10.0


def _cpu() -> tuple[float, float]:
    """(CPU seconds of this process, of its finished children)."""
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


@dataclass
class Run:
    """One pdflatex or qpdf process: its document, when it started and ended, and its own CPU."""

    tool: str
    job: str
    start: float
    ready: float  # CPU this process had used when the run started (its templates so far)
    end: float = 0.0
    cpu: float = 0.0
    after: str = ""  # a join: the document whose parts it joins
    until: float = 0.0  # a streamed run: the CPU this process had used when its source was complete
    head: float = 0.0  # a streamed run: its own CPU when the second piece of its source was written
    writes: list[tuple[float, int]] = field(default_factory=list)  # a streamed run: (this process's CPU,
    # characters of the source written so far) at each write


RUNS: dict[int, Run] = {}


def _trace_processes() -> None:
    """Record every child process's start, end and CPU (os.wait4 instead of os.waitpid, which subprocess uses)."""
    popen_init = subprocess.Popen.__init__

    def init(self, args, *a, **k):  # type: ignore[no-untyped-def]
        popen_init(self, args, *a, **k)
        words = [str(w) for w in args] if isinstance(args, list | tuple) else [str(args)]
        tool = Path(words[0]).name
        job = next((w.split("=", 1)[1] for w in words if w.startswith("-jobname=")), tool)
        RUNS[self.pid] = Run(tool, "join" if tool == "qpdf" else job, time.perf_counter(), time.process_time())

    def waitpid(pid: int, options: int) -> tuple[int, int]:
        reaped, status, usage = os.wait4(pid, options)
        if reaped and reaped in RUNS:
            RUNS[reaped].end = time.perf_counter()
            RUNS[reaped].cpu = usage.ru_utime + usage.ru_stime
        return reaped, status

    subprocess.Popen.__init__ = init  # type: ignore[method-assign]
    os.waitpid = waitpid


def simulate(runs: list[Run], own: float, cores: int, slots: int = 3, step: float = 0.005) -> float:
    """How long write_documents would take on `cores` idle cores, the way an OS shares them: every runnable
    process gets an equal share (at most one core). This process runs from the start until it has used the
    CPU it had when it began to wait for the runs (the .tex files are written while they typeset), or when
    the last run started or its last stream was complete if that is later; a pdflatex run is runnable once
    this process had used the CPU it had when the run really started (its source was rendered), a streamed
    run only as far as its source was written by then (its CPU taken as even over the characters of its
    source, and at least the CPU it had used, its start-up, when the second piece came), a join once its
    document's runs are done, at most `slots` runs at a time, in the order they started; what this process
    did after that (writing the PDFs) comes last."""
    runs = sorted((r for r in runs if r.tool in ("pdflatex", "qpdf")), key=lambda r: r.start)
    if not runs:
        return own
    for r in runs:
        if r.tool == "qpdf":
            r.after = max((p for p in runs if p.tool == "pdflatex" and p.end <= r.start), key=lambda p: p.end).job
    main_work = max(max(r.ready, r.until) for r in runs) - BASE_CPU[0]
    if WAITING:
        main_work = max(main_work, WAITING[0] - BASE_CPU[0])
    left = {id(r): r.cpu for r in runs}

    def fed(r: Run) -> bool:  # a streamed run's source is written ahead of what it has typeset
        if not r.writes:
            return True
        written = max((chars for cpu, chars in r.writes if cpu - BASE_CPU[0] <= main_done), default=0)
        return r.cpu - left[id(r)] < max(r.head, r.cpu * written / r.writes[-1][1])

    main_done, clock = 0.0, 0.0
    while main_done < main_work or any(v > 0 for v in left.values()):
        done_docs = {r.job for r in runs if r.tool == "pdflatex"} - {
            r.job for r in runs if r.tool == "pdflatex" and left[id(r)] > 0
        }
        eligible = [
            r
            for r in runs
            if left[id(r)] > 0
            and (main_done >= r.ready - BASE_CPU[0] and fed(r) if r.tool == "pdflatex" else r.after in done_docs)
        ][:slots]
        active = len(eligible) + (main_done < main_work)
        rate = min(1.0, cores / active) if active else 1.0
        if main_done < main_work:
            main_done += step * rate
        for r in eligible:
            left[id(r)] = max(0.0, left[id(r)] - step * rate)
        clock += step
    return clock + max(0.0, own - main_work)


BASE_CPU = [0.0]
WAITING: list[float] = []  # this process's CPU when it began to wait for the runs (_Typesetter.results)


def _trace_waiting() -> None:
    """Record this process's CPU when write_documents begins to wait for the pdflatex runs."""
    from quizgen.render import documents

    results = documents._Typesetter.results

    def wait_results(self, whole):  # type: ignore[no-untyped-def]
        WAITING[:] = [time.process_time()]
        return results(self, whole)

    documents._Typesetter.results = wait_results  # type: ignore[method-assign]


def _process_cpu(pid: int) -> float:
    """A running process's CPU so far (user + system, /proc; 0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _trace_streams() -> tuple[dict[str, float], dict[str, float], dict[str, list[tuple[float, int]]]]:
    """Record, by document name, this process's CPU when each streamed document's source is complete,
    each stream's writes (Run.writes), and the CPU its run had used when the second piece of its source
    was written: its start-up and first piece, which it typesets before it waits for more (the marking
    key: its preamble, while the class is drawn; the worksheets and key: the preamble and first student)."""
    from quizgen.render import compile, documents

    closed: dict[str, float] = {}
    heads: dict[str, float] = {}
    writes: dict[int, list[tuple[float, int]]] = {}  # by id() of the Feed
    names: dict[int, str] = {}
    streams: dict[str, list[tuple[float, int]]] = {}
    stream = documents._Typesetter.stream
    finish = documents._Typesetter.finish_stream
    write = compile.Feed.write

    def new_stream(self, name):  # type: ignore[no-untyped-def]
        feed = stream(self, name)
        names[id(feed)] = name
        return feed

    def feed_write(self, text):  # type: ignore[no-untyped-def]
        done = writes.setdefault(id(self), [])
        name = names.get(id(self), "")
        if len(done) == 1 and name:
            heads[name] = sum(_process_cpu(pid) for pid, run in RUNS.items() if run.job == name and not run.end)
        done.append((time.process_time(), (done[-1][1] if done else 0) + len(text)))
        write(self, text)

    def finish_stream(self, feed):  # type: ignore[no-untyped-def]
        name = next(run.name for run in self.runs if run.tex is feed)
        closed[name], streams[name] = time.process_time(), writes.get(id(feed), [])
        finish(self, feed)

    compile.Feed.write = feed_write  # type: ignore[method-assign]
    documents._Typesetter.stream = new_stream  # type: ignore[method-assign]
    documents._Typesetter.finish_stream = finish_stream  # type: ignore[method-assign]
    return closed, heads, streams


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--bank", type=Path, default=ROOT / "banks" / "demo.yaml")
    parser.add_argument("--split", action="store_true", help="also time splitting per student")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="generate the class first in N processes, then typeset the finished manifest (in parts); default: "
        "as generate --format pdf (drawn while typeset; with older code: generation's own choice)",
    )
    parser.add_argument("--cores", type=int, default=2, help="cores for the critical-path estimate")
    parser.add_argument("--trace", type=Path, default=None, help="write each run's times and CPU to this JSON file")
    parser.add_argument(
        "--no-parts", action="store_true", help="with --workers: each document in one run (as without qpdf)"
    )
    args = parser.parse_args()

    from quizgen import generate as generation
    from quizgen.bank import load_bank
    from quizgen.render import write_documents
    from quizgen.roster import numbered_students

    if args.no_parts:
        from quizgen.render import documents

        documents.qpdf = lambda: None  # type: ignore[attr-defined]
    bank = load_bank(args.bank)
    load_start = os.getloadavg()[0]
    idle = generation.idle_cores() if hasattr(generation, "idle_cores") else None
    workers = generation.generation_workers(args.students) if args.workers is None else args.workers
    _trace_processes()
    _trace_waiting()
    streamed = hasattr(generation, "Drawing") and args.workers is None
    closed, heads, writes = _trace_streams() if streamed else ({}, {}, {})
    t0, (own0, kids0) = time.perf_counter(), _cpu()
    if streamed:  # as generate --format pdf: drawn while typeset
        workers = 1
        drawing = generation.Drawing(bank, numbered_students(args.students), seed=2026)
    else:
        manifest = generation.generate(bank, numbered_students(args.students), seed=2026, workers=workers)
    t_generate, (own1, kids1) = time.perf_counter() - t0, _cpu()

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        out = Path(tmp)
        t1 = time.perf_counter()
        BASE_CPU[0] = time.process_time()
        write_documents(drawing if streamed else manifest, out, fmt="pdf", split=args.split, quiet=True)
        if streamed:
            manifest = drawing.finish()
        t_render, (own2, kids2) = time.perf_counter() - t1, _cpu()
        for run in RUNS.values():
            run.until = closed.get(run.job, 0.0)
            run.head = heads.get(run.job, 0.0)
            run.writes = writes.get(run.job, [])
        pages = {name: len(PdfReader(str(out / f"{name}.pdf")).pages) for name in ("worksheets", "key", "marking-key")}
        sizes = {name: (out / f"{name}.pdf").stat().st_size / 1e6 for name in pages}

    problems = sum(len(s.problems) for s in manifest.students)
    runs = [r for r in RUNS.values() if r.start >= t1 and r.end]
    total = t_generate + t_render
    gen_workers = kids1 - kids0
    print(f"students: {args.students}, problems: {problems} ({problems / args.students:.0f} per student)")
    if streamed:
        print("generate: in write_documents (a Drawing, this process, while the worksheets and key are typeset)")
    else:
        print(
            f"generate: {t_generate:.1f} s wall, {workers} process(es) (idle cores measured at the start: "
            f"{'n/a' if idle is None else f'{idle:.1f}'}), CPU {own1 - own0:.1f} s in this process + workers "
            f"{gen_workers:.1f} s"
        )
    print(
        f"write_documents (pdf{', split' if args.split else ''}): {t_render:.1f} s wall; CPU {own2 - own1:.1f} s in "
        f"this process ({'drawing, ' if streamed else ''}templates, PDF files{', split' if args.split else ''}), "
        f"{kids2 - kids1:.1f} s in child "
        f"processes, of which {sum(r.cpu for r in runs if r.tool in ('pdflatex', 'qpdf')):.1f} s in "
        f"{sum(r.tool in ('pdflatex', 'qpdf') for r in runs)} pdflatex and qpdf runs"
    )
    for job in ("worksheets", "key", "marking-key", "join"):
        mine = [r for r in runs if r.job == job]
        if mine:
            print(
                f"  {job:<11} {len(mine)} run(s), CPU {sum(r.cpu for r in mine):.1f} s (longest {max(r.cpu for r in mine):.1f} s),"
                f" from {min(r.start for r in mine) - t1:.1f} s to {max(r.end for r in mine) - t1:.1f} s"
            )
    print("pages: " + ", ".join(f"{name} {pages[name]} ({sizes[name]:.1f} MB)" for name in pages))
    busiest = max(own1 - own0, gen_workers / max(1, workers - 1)) if workers > 1 else own1 - own0
    if args.trace is not None:
        trace = {"base": BASE_CPU[0], "own": own2 - own1, "waiting": WAITING, "runs": [vars(r) for r in runs]}
        args.trace.write_text(json.dumps(trace, indent=1), encoding="utf-8")
    typesetting = simulate(runs, own2 - own1, args.cores)
    if streamed:
        print(
            f"critical path on {args.cores} idle cores (from CPU): drawing and typesetting {busiest + typesetting:.1f} s "
            "(this process and the runs shared over the cores as they started, each stream behind its source)"
        )
    else:
        print(
            f"critical path on {args.cores} idle cores (from CPU): generation {busiest:.1f} s (busiest process) + "
            f"typesetting {typesetting:.1f} s (the runs shared over the cores as they started) = "
            f"{busiest + typesetting:.1f} s"
        )
    print(
        f"bank to PDFs (generate + write_documents): {total:.1f} s wall "
        f"({'within' if total <= TARGET else 'OVER'} the {TARGET:.0f} s target), "
        f"CPU {own2 - own0 + kids2 - kids0:.1f} s; load average {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
