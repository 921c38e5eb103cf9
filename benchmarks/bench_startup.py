"""Start-up: wall and CPU time of `quizgen --help` and of a single `quizgen check`, best of N runs.

Usage: .venv/bin/python benchmarks/bench_startup.py [--runs 5]

Each command runs in a fresh interpreter (`python -m quizgen ...`), as a user starts it. The CPU time is
the child's own (user + system), which a busy machine inflates much less than the wall time; the bare
interpreter (`python -c pass`) is timed too, as the floor nothing in quizgen can go below. Also printed:
whether the command imported sympy, matplotlib or pypdf (only `check` needs sympy; none needs the
others). Targets: --help in at most 0.3 s and a check in at most 0.8 s, wall.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = {
    "python -c pass (floor)": ["-c", "pass"],
    "quizgen --help": ["-m", "quizgen", "--help"],
    "quizgen check": ["-m", "quizgen", "check", "3*(2*x**2)**4*4*x", "12x(2x^2)^4"],
}
PROBE = (
    "import sys, runpy; sys.argv = {argv!r}; \ntry:\n    runpy.run_module('quizgen', run_name='__main__')\n"
    "except SystemExit:\n    pass\nprint('|'.join(m for m in ('sympy', 'matplotlib', 'pypdf') if m in sys.modules), "
    "file=sys.stderr)"
)


def timed(args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh interpreter running args."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_imports(args: list[str]) -> str:
    """Which of sympy, matplotlib, pypdf the command imported."""
    if args[:2] != ["-m", "quizgen"]:
        return ""
    argv = ["quizgen", *args[2:]]
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for name, argv in COMMANDS.items():
        runs = [timed(argv) for _ in range(args.runs)]
        wall = min(w for w, _ in runs)
        cpu = min(c for _, c in runs)
        imports = heavy_imports(argv)
        print(
            f"{name:24s} wall {wall:.2f} s (best of {args.runs}), CPU {cpu:.2f} s"
            f"{'; imports ' + imports if imports else ''}; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
