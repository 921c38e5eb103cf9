"""Benchmark: generate 1,000 students x the demo bank's 10 problems as json and print problems per second.

Not a timed test: run it by hand on an idle machine (one process, one core):

    .venv/bin/python benchmarks/bench_generate.py [--bank banks/demo.yaml] [--students 1000]

It times the library call (draw, verify, print every problem) plus writing manifest.json, as
`quizgen generate --format json` does, in a fresh process with cold caches. The figure is per second of
CPU time (this process and, with --workers N, its forked generation workers); wall-clock time is printed
too, and is higher on a busy machine. By default one process, so the figure is one core's; `generate`
itself uses one process per idle core for a class of 100 or more (quizgen.generate.generation_workers).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from quizgen import manifest as manifest_io
from quizgen.bank import load_bank
from quizgen.generate import generate, generation_workers
from quizgen.roster import numbered_students

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the generation workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", default=str(ROOT / "banks" / "demo.yaml"))
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=1, help="generation processes (generate's default: 0)")
    args = parser.parse_args()
    bank = load_bank(args.bank)
    students = numbered_students(args.students)
    workers = generation_workers(len(students)) if args.workers == 0 else args.workers
    start, cpu_start = time.perf_counter(), _cpu()
    manifest = generate(bank, students, seed=args.seed, workers=workers)
    cpu_generate = _cpu() - cpu_start
    with tempfile.TemporaryDirectory() as tmp:
        manifest_io.write(manifest, Path(tmp) / "manifest.json")
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu_start
    problems = sum(len(s.problems) for s in manifest.students)
    print(
        f"bank: {args.bank} ({len(bank.slots)} slots), students: {args.students}, seed: {args.seed}, "
        f"{workers} process(es)"
    )
    print(f"stats: {manifest.stats}")
    print(f"generate only: {problems / cpu_generate:,.0f} problems/s (CPU {cpu_generate:.2f} s)")
    print(
        f"{problems} problems incl. manifest.json: {problems / cpu:,.0f} problems/s of CPU time "
        f"({cpu:.2f} s; wall clock {elapsed:.2f} s, {problems / elapsed:,.0f} problems/s; "
        f"load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
