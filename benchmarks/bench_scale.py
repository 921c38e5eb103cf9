"""Scale: grading time against class size (200, 2,000, 20,000 students) and against --workers.

Usage: .venv/bin/python benchmarks/bench_scale.py [--sizes 200,2000,20000] [--workers 1,2] [--work DIR]

The inputs are bench_grade.py's (banks/demo.yaml, seeded answer mix; generated once per size and kept in
--work DIR/N so a second run skips generation). Each row grades end to end with every report, in a fresh
process (so no row inherits the caches of the one before), and prints wall time, CPU time (that process,
its checker workers and its page writers), CPU per answer and the load average. On a shared machine compare CPU per answer across sizes (linear growth keeps it flat) and
wall against workers (a speed-up needs idle cores: the load average says whether there were any).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grade import grade_once, make_inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000,20000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--row", nargs=2, metavar=("DIR", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:  # one row, in this fresh process: its timing as JSON on the last line
        work = Path(args.row[0])
        print(json.dumps(asdict(grade_once(work, work / f"grades-{args.row[1]}", int(args.row[1])))))
        return
    root = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print("| students | answers | workers | wall (s) | CPU (s) | CPU per answer (ms) | load average |")
    print("|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        work = root / str(size)
        work.mkdir(parents=True, exist_ok=True)
        if not ((work / "manifest.json").exists() and (work / "answers.csv").exists()):
            make_inputs(work, size)
        for workers in (int(w) for w in args.workers.split(",")):
            done = subprocess.run(
                [sys.executable, __file__, "--row", str(work), str(workers)], capture_output=True, text=True, check=True
            )
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"| {r['students']:,} | {r['answers']:,} | {workers} | {r['wall']:.1f} | {r['cpu']:.1f} | "
                f"{1000 * r['cpu'] / r['answers']:.2f} | {r['load']:.1f} |",
                flush=True,
            )
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
