"""Scale: grading time against class size (200, 2,000, 20,000 students) and against --workers.

Usage: .venv/bin/python benchmarks/bench_scale.py [--sizes 200,2000,20000] [--workers 1,2] [--work DIR]

The inputs are bench_grade.py's (banks/demo.yaml, seeded answer mix; generated once per size and kept in
--work DIR/N so a second run skips generation). Each row grades end to end with every report, in a fresh
process (so no row inherits the caches of the one before), and prints wall time, CPU time (that process,
its checker workers and its page writers), CPU per answer and the load average.

Wall time means nothing on a shared machine, so each row also measures every process's own CPU (the
grader, each checker worker and the fork server they come from, each page writer: read from /proc at
points the grader passes, and with os.wait4 when a process is reaped) and from it the **critical path on
N idle cores** (N = the row's workers): the run is cut into phases where the grader starts or waits for
its helper processes (the checks all back, the workers stopped, the pages written), and within a phase the
grader and its helpers share the N cores the way an OS shares them (each runnable process an equal share,
at most one core each; the checker workers, which take chunks from one queue, with equal parts of their
total CPU). A second table gives each row's phases; the last, "exit", is the row process's CPU after the
grader's last step (printing its figures and the interpreter's shutdown), counted in its CPU and critical
path. For a before/after in one session with older code, copy this file into that tree's benchmarks/ and
run it there with PYTHONPATH=/path/to/tree (bench_grade.py puts its own tree first on sys.path); it marks
what it finds of the grader's steps.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_grade
from bench_grade import make_inputs

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_stat(pid: int) -> tuple[float, int] | None:
    """(user + system CPU seconds, parent pid) of a live (or not yet reaped) process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS, int(fields[1])


def descendants(pid: int) -> list[int]:
    """Children, grandchildren, ... of pid (checker workers are grandchildren when a fork server makes them)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *descendants(kid)]
    return found


def role(pid: int, parent: int) -> str:
    """What a helper process is: by the name it gives itself (a fork of the grader, a fork server or a checker
    worker, has the grader's command line), else by its command line (a fresh interpreter, or older code)."""
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as f:
            name = f.read().strip()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    if name == "quizgen-check":
        return "checker"
    if name == "quizgen-forks" or "serve_forks" in cmdline:
        return "fork server" if parent == os.getpid() else "checker"
    if "quizgen.checker.worker" in cmdline:
        return "checker"
    return "page writer" if "--row" in cmdline else "other"


@dataclass
class Mark:
    """A point the grader passed: its wall clock, its own CPU and every helper process's CPU so far."""

    name: str
    wall: float
    own: float
    kids: dict[int, float]
    phase_ends: bool  # the grader starts or waits for helpers here: the critical path's phases end here


@dataclass
class Trace:
    marks: list[Mark] = field(default_factory=list)
    reaped: dict[int, float] = field(default_factory=dict)  # exact final CPU (os.wait4)
    roles: dict[int, str] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)

    def mark(self, name: str, phase_ends: bool = True) -> None:
        kids: dict[int, float] = {}
        if self.marks:  # helpers gone since the last mark keep their last known CPU
            kids.update(self.marks[-1].kids)
        for pid in descendants(os.getpid()):
            stat = process_stat(pid)
            if stat is not None:
                kids[pid], self.parents[pid] = stat
                self.roles[pid] = role(pid, stat[1])  # again each time: a child may not have exec'd yet
        kids.update(self.reaped)
        self.marks.append(Mark(name, time.perf_counter(), time.process_time(), kids, phase_ends))

    def reap(self, pid: int, cpu: float) -> None:
        """A child's exact CPU when reaped: os.wait4 counts the children it reaped too (the fork server's
        workers), whose own CPU is known from the marks."""
        last = self.marks[-1].kids if self.marks else {}
        self.reaped[pid] = cpu - sum(last.get(k, 0.0) for k, p in self.parents.items() if p == pid)

    def install(self) -> None:
        """Marks at the grader's steps, and reaped children's CPU; tolerant of older code (PYTHONPATH=main)."""
        from quizgen.checker import batch
        from quizgen.grading import run as grading_run

        def waitpid(pid: int, options: int) -> tuple[int, int]:
            reaped, status, usage = os.wait4(pid, options)
            if reaped:
                self.reap(reaped, usage.ru_utime + usage.ru_stime)
            return reaped, status

        os.waitpid = waitpid  # subprocess and the page pool reap through it

        def around(owner: Any, name: str, before: str = "", after: str = "") -> None:
            """Mark before and after owner.name runs; a name ending in "~" is not a phase's end."""
            real: Callable[..., Any] | None = getattr(owner, name, None)
            if real is None:
                return

            def traced(*args: Any, **kwargs: Any) -> Any:
                if before:
                    self.mark(before.rstrip("~"), not before.endswith("~"))
                result = real(*args, **kwargs)
                if after:
                    self.mark(after.rstrip("~"), not after.endswith("~"))
                return result

            setattr(owner, name, traced)

        backend = bench_grade.CheckerBackend
        around(bench_grade.manifest_mod, "read", after="manifest read")
        around(backend, "__init__", after="checker made")
        around(backend, "check", "answers read~", "checked")  # the fork server may still be starting
        around(batch.Checker, "_run_pool", "pool started")
        around(backend, "close", "graded", "workers stopped")
        around(grading_run, "start_pages", "pages to write", "page writers started")
        around(grading_run, "finish_pages", "finishing pages~", "pages written")  # the writers run on
        around(bench_grade, "write_outputs", after="outputs written")


def share(jobs: list[float], cores: int) -> float:
    """Wall time for jobs (CPU seconds each), all runnable from the start, on `cores` cores shared equally
    (each runnable job gets min(1, cores / runnable) of a core)."""
    left = sorted(j for j in jobs if j > 0)
    clock = 0.0
    while left:
        rate = min(1.0, cores / len(left))
        step = left[0] / rate
        clock += step
        left = [j - left[0] for j in left[1:] if j - left[0] > 1e-9]
    return clock


@dataclass(frozen=True)
class Phase:
    name: str
    own: float  # the grader's CPU
    helpers: dict[str, list[float]]  # role -> each helper process's CPU in the phase
    critical: float  # on the row's cores


def phases(trace: Trace, cores: int) -> list[Phase]:
    ends = [m for m in trace.marks if m.phase_ends]
    out: list[Phase] = []
    for a, b in itertools.pairwise(ends):
        helpers: dict[str, list[float]] = {}
        for pid, cpu in b.kids.items():
            used = cpu - a.kids.get(pid, 0.0)
            if used > 0.005:
                helpers.setdefault(trace.roles.get(pid, "other"), []).append(used)
        jobs = [b.own - a.own]
        for name, cs in helpers.items():
            # checker workers take chunks from one queue: on idle cores they would share the work evenly,
            # whatever split the loaded machine's scheduling gave them
            jobs += [sum(cs) / len(cs)] * len(cs) if name == "checker" else cs
        out.append(Phase(b.name, b.own - a.own, helpers, share(jobs, cores)))
    return out


def traced_row(work: Path, workers: int) -> dict[str, Any]:
    """Grade once, traced (in this fresh process); the timing, phases and critical path as a dict."""
    trace = Trace()
    trace.install()
    trace.mark("start")
    timing = bench_grade.grade_once(work, work / f"grades-{workers}", workers)
    trace.mark("end")
    cut = phases(trace, workers)
    return {
        **asdict(timing),
        "phases": [asdict(p) for p in cut],
        "critical": sum(p.critical for p in cut),
        "own": trace.marks[-1].own - trace.marks[0].own,
        "own_at_end": trace.marks[-1].own,  # this process's CPU since it started, at the last mark
        "helpers": sum(trace.marks[-1].kids.values()) - sum(trace.marks[0].kids.values()),
    }


def add_exit(r: dict[str, Any], before: resource.struct_rusage, after: resource.struct_rusage) -> None:
    """Count the row process's exit (printing its figures, then the interpreter's shutdown, whose last
    collection re-walks every object still alive unless the heap is frozen): its CPU after the last mark is
    what the reaped process used in all, less its helpers' and its own up to then. A serial phase."""
    used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    end = max(0.0, used - r["helpers"] - r["own_at_end"])
    r["phases"].append({"name": "exit", "own": end, "helpers": {}, "critical": end})
    r["critical"] += end
    r["own"] += end
    r["cpu"] += end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000,20000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--row", nargs=2, metavar=("DIR", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:  # one row, in this fresh process: its timing as JSON on the last line
        print(json.dumps(traced_row(Path(args.row[0]), int(args.row[1]))))
        return
    root = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print(
        "| students | answers | workers | wall (s) | CPU (s) | CPU per answer (ms) | grader / helpers CPU (s) "
        "| critical path on `workers` idle cores (s) | load average |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    rows: list[tuple[int, int, dict[str, Any]]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        work = root / str(size)
        work.mkdir(parents=True, exist_ok=True)
        if not ((work / "manifest.json").exists() and (work / "answers.csv").exists()):
            make_inputs(work, size)
        for workers in (int(w) for w in args.workers.split(",")):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(
                [sys.executable, __file__, "--row", str(work), str(workers)], capture_output=True, text=True, check=True
            )
            r = json.loads(done.stdout.strip().splitlines()[-1])
            add_exit(r, before, resource.getrusage(resource.RUSAGE_CHILDREN))
            rows.append((size, workers, r))
            print(
                f"| {r['students']:,} | {r['answers']:,} | {workers} | {r['wall']:.1f} | {r['cpu']:.1f} | "
                f"{1000 * r['cpu'] / r['answers']:.2f} | {r['own']:.1f} / {r['helpers']:.1f} | {r['critical']:.1f} | "
                f"{r['load']:.1f} |",
                flush=True,
            )
    print(f"cores: {os.cpu_count()}\n")
    print("Phases (CPU in seconds; helpers: each process's CPU in the phase; critical: on `workers` idle cores):")
    for size, workers, r in rows:
        print(f"\n{size:,} students, {workers} worker(s):")
        for p in r["phases"]:
            helpers = "; ".join(f"{name} {' + '.join(f'{c:.2f}' for c in cs)}" for name, cs in p["helpers"].items())
            print(f"  up to {p['name']:<22} grader {p['own']:6.2f}  critical {p['critical']:6.2f}  {helpers}")


if __name__ == "__main__":
    main()
