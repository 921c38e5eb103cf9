"""The reports alone: CPU to write every report of a graded class (feedback pages, report.html, the CSVs and
both gradebooks), the class graded once beforehand and not timed.

Usage: .venv/bin/python benchmarks/bench_reports.py [--students N] [--workers N] [--rounds N] [--work DIR]

The inputs are bench_grade.py's (banks/demo.yaml, 10 slots, its seeded mix of answers; --work DIR keeps and
reuses them). Each round writes into a fresh folder with grading.run.write_outputs; printed per round: CPU of
this process and of the forked page writers (--workers 2 forks two), and the load average. A round's first
formula typesets cold: each round runs in a fresh process, so the figures are what `quizgen grade` pays.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work", type=Path, default=None, help="keep (and reuse) the inputs and the graded run here")
    parser.add_argument("--round", type=Path, default=None, help=argparse.SUPPRESS)  # one round, in a fresh process
    args = parser.parse_args()
    if args.round is not None:
        one_round(args.round, args.workers)
        return
    from bench_grade import make_inputs

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    if not ((work / "manifest.json").exists() and (work / "answers.csv").exists()):
        make_inputs(work, args.students)
    graded = work / "graded.pickle"
    if not graded.exists():
        print("grading once (not timed) ...", flush=True)
        grade(work, graded)
    for _ in range(args.rounds):
        cmd = [sys.executable, __file__, "--round", str(graded), "--workers", str(args.workers)]
        subprocess.run(cmd, check=True)


def grade(work: Path, out: Path) -> None:
    import pickle

    from quizgen import manifest as manifest_mod
    from quizgen.grading.engine import CheckerBackend
    from quizgen.grading.run import grade_files

    m = manifest_mod.read(work / "manifest.json")
    backend = CheckerBackend(workers=os.cpu_count() or 1, timeout=2.0)
    try:
        run = grade_files(m, [work / "answers.csv"], backend, manifest_dir=work)
    finally:
        backend.close()
    out.write_bytes(pickle.dumps(run, protocol=pickle.HIGHEST_PROTOCOL))


def one_round(graded: Path, workers: int) -> None:
    import pickle

    from quizgen.grading.run import write_outputs

    run = pickle.loads(graded.read_bytes())
    answers = sum(1 for r in run.results for a in r.answers if a.outcome != "absent")
    with tempfile.TemporaryDirectory(prefix="bench-reports-out-") as tmp:
        me0, kids0 = _cpu()
        t0 = time.perf_counter()
        written = write_outputs(run, Path(tmp) / "grades", gradebooks=["canvas", "moodle"], workers=workers)
        wall = time.perf_counter() - t0
        me, kids = _cpu()
    cpu = me - me0 + kids - kids0
    print(
        f"reports for {len(run.results)} students ({answers} answers, {len(written.files)} files): CPU {cpu:.2f} s "
        f"(this process {me - me0:.2f} s, page writers {kids - kids0:.2f} s), {1000 * cpu / max(answers, 1):.3f} ms "
        f"per answer, wall {wall:.1f} s; workers={workers}, cores={os.cpu_count()}, load average "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )


def _cpu() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()
