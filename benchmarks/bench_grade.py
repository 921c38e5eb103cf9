"""End-to-end grading speed: 2,000 students x 10 problems (20,000 answers) with every report.

Usage: .venv/bin/python benchmarks/bench_grade.py [--students N] [--workers N] [--work DIR] [--keep DIR]
       [--repeat N] [--pause S] [--against CHECKOUT]

The manifest comes from the generator (banks/demo.yaml, 10 slots, one variant per student). The answers
are a realistic, seeded mix: right answers in several forms (as printed, with ^ and implied products,
indicators for piecewise keys), typical wrong ones (the problem's own buggy keys), unique wrong ones,
invalid ones (syntax errors, hostile input) and blanks. Timed: reading the manifest and the answers,
grading with the checker's batch path, and writing grades, responses, problems, feedback pages, the
class report and both gradebooks. Generation is not timed (--work DIR keeps the generated manifest and
answers there and reuses them on the next run). Wall time depends on the machine's load, so the CPU time
of this process and its checker workers is printed too, with its system share: on ext4 without a journal
(these machines) creating a file skips every inode freed in the last minute, so a run right after thousands
of files were deleted (the previous run's pages, replaced; a test suite's temporary folders) pays up to a
second more system time for its 2,008 files. Measure after a quiet minute.

The host's speed moves by about 10% from hour to hour, so one run says little: --repeat N grades N times,
each in a fresh process (no run inherits another's caches) after --pause seconds of quiet, and prints the
spread; --against CHECKOUT (another version's files, say the code a speed issue was measured on, from
`git archive`) runs that checkout's own bench_grade.py before each of ours, alternated, and prints the
ratio of the medians, which is the figure that holds from one hour to the next.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quizgen import manifest as manifest_mod  # noqa: E402
from quizgen.bank import load_bank  # noqa: E402
from quizgen.generate import generate  # noqa: E402
from quizgen.grading.engine import CheckerBackend  # noqa: E402
from quizgen.grading.run import grade_files, write_outputs  # noqa: E402
from quizgen.problem import Problem  # noqa: E402
from quizgen.roster import Student  # noqa: E402

try:
    from quizgen.gcpause import no_collection_at_exit
except ImportError:  # code before branch gradeflow
    no_collection_at_exit = None  # type: ignore[assignment]

INVALID = [
    "2x +* 3",
    "sin(",
    "x^^2",
    "(3x",
    "__import__('os').system('ls')",
    "9^9^9^9",
    "x.__class__",
    "d/dx f",
    "2x = 3",
    "lambda x: x",
]


def right_forms(key: str) -> list[str]:
    """The key as students type it: verbatim, with ^ and no spaces, with implied products, as indicators."""
    caret = key.replace("**", "^").replace(" ", "")
    implied = re.sub(r"(\d)\*([a-zA-Z(])", r"\1\2", caret)
    forms = [key, caret, implied]
    m = re.fullmatch(r"Piecewise\(\((.*), (.*)\), \(0, True\)\)", key)
    if m:
        forms.append(f"({m.group(1)})*[{m.group(2)}]")
    return forms


def vector(parts: list[str]) -> str:
    return "[" + ", ".join(parts) + "]"


def answer_for(p: Problem, rng: random.Random) -> str:
    """One answer drawn from the mix: 45% right, 20% typical wrong, 13% unique wrong, 10% invalid, 12% blank."""
    roll = rng.random()
    keys = p.answer if isinstance(p.answer, list) else [p.answer]
    if roll < 0.45:
        form = [rng.choice(right_forms(k)) for k in keys]
        return vector(form) if isinstance(p.answer, list) else form[0]
    if roll < 0.65 and p.mistakes:
        m = rng.choice(p.mistakes)
        return vector(m.answer) if isinstance(m.answer, list) else m.answer
    if roll < 0.78:
        extra = f" + {rng.randint(2, 99)}*{rng.choice(p.variables)}"
        form = [k + extra for k in keys]
        return vector(form) if isinstance(p.answer, list) else form[0]
    if roll < 0.88:
        return rng.choice(INVALID)
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, default=None, help="write the outputs here and keep them")
    parser.add_argument("--work", type=Path, default=None, help="keep (and reuse) the generated inputs here")
    parser.add_argument("--repeat", type=int, default=1, help="grade this many times, each in a fresh process")
    parser.add_argument("--pause", type=float, default=65.0, help="seconds of quiet before each repeated run")
    parser.add_argument("--against", type=Path, default=None, help="another checkout to run alternated with this one")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-grade-"))
    work.mkdir(parents=True, exist_ok=True)
    if not ((work / "manifest.json").exists() and (work / "answers.csv").exists()):
        make_inputs(work, args.students)
    if args.repeat > 1 or args.against is not None:
        series(work, args.workers, max(1, args.repeat), args.pause, args.against)
        return
    with open(work / "answers.csv", encoding="utf-8", newline="") as handle:
        count = sum(1 for _ in csv.reader(handle)) - 1
    out = args.keep or work / "grades"
    print(f"{count} answers; grading ...", flush=True)
    r = grade_once(work, out, args.workers)
    print(f"outcomes: {dict(sorted(r.outcomes.items()))}")
    print(
        f"graded {r.answers} answers for {r.students} students end to end in {r.wall:.1f} s "
        f"(reading and checking {r.checking:.1f} s, reports {r.wall - r.checking:.1f} s; CPU {r.cpu:.1f} s "
        f"of which system {r.system:.1f} s, "
        f"{1000 * r.cpu / r.answers:.2f} ms per answer; workers={args.workers}, cores={os.cpu_count()}, "
        f"load average {r.load:.1f})"
    )


def series(work: Path, workers: int, repeat: int, pause: float, against: Path | None) -> None:
    """repeat runs of this script on work's inputs, each in a fresh process after pause seconds of quiet; with
    against, that checkout's bench_grade.py (on its own inputs, in work/against) before each of ours."""
    if against is not None and not (against / "benchmarks" / "bench_grade.py").is_file():
        sys.exit(f"bench_grade: {against} has no benchmarks/bench_grade.py; give a checkout of quizgen to --against")
    ours: list[float] = []
    theirs: list[float] = []
    this = [sys.executable, str(Path(__file__).resolve()), "--workers", str(workers), "--work", str(work)]
    for _ in range(repeat):
        if against is not None:
            time.sleep(pause)
            script = against.resolve() / "benchmarks" / "bench_grade.py"
            other = [sys.executable, str(script), "--workers", str(workers), "--work", str(work.resolve() / "against")]
            # its own folder first on the path, and as the current folder: its workers import its quizgen
            theirs.append(_run_once(other, against.resolve(), f"{against}:"))
        time.sleep(pause)
        ours.append(_run_once(this, ROOT, "this checkout:"))
    print(_spread("this checkout", ours))
    if theirs:
        print(_spread(str(against), theirs))
        print(
            f"{against} takes {statistics.median(theirs) / statistics.median(ours):.2f}x the CPU per answer (medians)"
        )


_GRADED = re.compile(r"graded (\d+) answers .*?CPU ([0-9.]+) s")


def _run_once(command: list[str], cwd: Path, label: str) -> float:
    """One run in a fresh process; its result line printed; its CPU per answer in ms."""
    env = dict(os.environ, PYTHONPATH=str(cwd))
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    found = next(filter(None, map(_GRADED.search, done.stdout.splitlines())), None)
    if done.returncode != 0 or found is None:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        sys.exit(f"bench_grade: {label} {' '.join(command)} failed: {tail}")
    print(label, found.string, flush=True)
    return 1000 * float(found.group(2)) / int(found.group(1))


def _spread(label: str, values: list[float]) -> str:
    return (
        f"{label}: {len(values)} run(s), CPU per answer min {min(values):.2f}, "
        f"median {statistics.median(values):.2f}, max {max(values):.2f} ms"
    )


@dataclass(frozen=True)
class Timing:
    answers: int
    students: int
    wall: float
    checking: float
    cpu: float
    system: float  # of cpu: the kernel's share (page faults, forks, creating files), which the host sways most
    load: float
    outcomes: dict[str, int]


def grade_once(work: Path, out: Path, workers: int) -> Timing:
    """Grade work/answers.csv against work/manifest.json end to end, writing every report into out."""
    cpu0, system0 = _cpu()
    t0 = time.perf_counter()
    backend = CheckerBackend(workers=workers, timeout=2.0)  # first, as `quizgen grade` makes it
    try:
        early = getattr(backend, "expect_data", None)  # as `quizgen grade` reads it (older code: not there)
        m = manifest_mod.read(work / "manifest.json", **({"on_problems": early} if early else {}))
        run = grade_files(m, [work / "answers.csv"], backend, manifest_dir=work)
    finally:
        backend.close()
    t_grade = time.perf_counter() - t0
    write_outputs(run, out, gradebooks=["canvas", "moodle"], workers=workers)
    if no_collection_at_exit is not None:  # as `quizgen grade` does (older code: not there)
        no_collection_at_exit()
    total = time.perf_counter() - t0
    cpu1, system1 = _cpu()
    cpu, system = cpu1 - cpu0, system1 - system0
    outcomes: dict[str, int] = {}
    for res in run.results:
        for a in res.answers:
            outcomes[a.outcome] = outcomes.get(a.outcome, 0) + 1
    answers = sum(v for k, v in outcomes.items() if k != "absent")
    return Timing(answers, len(run.results), total, t_grade, cpu, system, os.getloadavg()[0], outcomes)


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the checker's worker processes), and the
    system share of them."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, me.ru_stime + kids.ru_stime


def make_inputs(work: Path, n_students: int) -> None:
    """The manifest for n_students from banks/demo.yaml, and their answers as one long CSV."""
    bank = load_bank(ROOT / "banks" / "demo.yaml")
    students = [
        Student(f"s{i:05d}", f"Student {i}", {"email": f"s{i}@uni.example", "section": "AB"[i % 2]})
        for i in range(n_students)
    ]
    t0 = time.perf_counter()
    manifest = generate(bank, students, seed=2026)
    manifest_mod.write(manifest, work / "manifest.json")
    rng = random.Random(7)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["student_id", "problem", "answer"])
    for sheet in manifest.students:
        for p in sheet.problems:
            writer.writerow([sheet.student_id, p.slot, answer_for(p, rng)])
    (work / "answers.csv").write_text(buf.getvalue(), encoding="utf-8")
    print(f"generated {len(manifest.students)} sheets in {time.perf_counter() - t0:.1f} s (not timed)", flush=True)


if __name__ == "__main__":
    main()
