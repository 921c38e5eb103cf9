"""Scale: grading time against class size (200, 2,000, 20,000 students) and against --workers.

Usage: .venv/bin/python benchmarks/bench_scale.py [--sizes 200,2000,20000] [--workers 1,2] [--work DIR]

The inputs are bench_grade.py's (banks/demo.yaml, seeded answer mix; generated once per size and kept in
--work DIR/N so a second run skips generation). Each row grades end to end with every report, in this
process, and prints wall time, CPU time (this process and its checker workers), CPU per answer and the
load average. On a shared machine compare CPU per answer across sizes (linear growth keeps it flat) and
wall against workers (a speed-up needs idle cores: the load average says whether there were any).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grade import grade_once, make_inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000,20000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    root = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print("| students | answers | workers | wall (s) | CPU (s) | CPU per answer (ms) | load average |")
    print("|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        work = root / str(size)
        work.mkdir(parents=True, exist_ok=True)
        if not ((work / "manifest.json").exists() and (work / "answers.csv").exists()):
            make_inputs(work, size)
        for workers in (int(w) for w in args.workers.split(",")):
            r = grade_once(work, work / f"grades-{workers}", workers)
            print(
                f"| {r.students:,} | {r.answers:,} | {workers} | {r.wall:.1f} | {r.cpu:.1f} | "
                f"{1000 * r.cpu / r.answers:.2f} | {r.load:.1f} |",
                flush=True,
            )
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
