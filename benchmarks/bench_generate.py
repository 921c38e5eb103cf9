"""Benchmark: generate 1,000 students x the demo bank's 10 problems as json and print problems per second.

Not a timed test: run it by hand on an idle machine (one process, one core):

    .venv/bin/python benchmarks/bench_generate.py [--bank banks/demo.yaml] [--students 1000]

It times the library call (draw, verify, print every problem) plus writing manifest.json, as
`quizgen generate --format json` does, in a fresh process with cold caches. The figure is per second of
CPU time of this one process (one core); wall-clock time is printed too, and is higher on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from quizgen import manifest as manifest_io
from quizgen.bank import load_bank
from quizgen.generate import generate
from quizgen.roster import numbered_students

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", default=str(ROOT / "banks" / "demo.yaml"))
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    bank = load_bank(args.bank)
    students = numbered_students(args.students)
    start, cpu_start = time.perf_counter(), time.process_time()
    manifest = generate(bank, students, seed=args.seed)
    cpu_generate = time.process_time() - cpu_start
    with tempfile.TemporaryDirectory() as tmp:
        manifest_io.write(manifest, Path(tmp) / "manifest.json")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    problems = sum(len(s.problems) for s in manifest.students)
    print(f"bank: {args.bank} ({len(bank.slots)} slots), students: {args.students}, seed: {args.seed}")
    print(f"stats: {manifest.stats}")
    print(f"generate only: {problems / cpu_generate:,.0f} problems/s (CPU {cpu_generate:.2f} s)")
    print(
        f"{problems} problems incl. manifest.json: {problems / cpu:,.0f} problems/s of CPU time on one core "
        f"({cpu:.2f} s; wall clock {elapsed:.2f} s, {problems / elapsed:,.0f} problems/s; "
        f"load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
