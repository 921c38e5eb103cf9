"""Accuracy and speed of `quizgen check` against the naive sympy baseline, on labelled answers.

Usage: .venv/bin/python benchmarks/bench_check.py [--repeat N] [--compare CHECKOUT]

Cases: ../shared/examples/answer-cases.jsonl (if present) plus tests/checker/labelled_cases.jsonl (all 8
topic kinds, right and wrong forms). Each case runs through Checker.check_many (the batch path, caches
cold) and through `sympy.simplify(parse_expr(a) - parse_expr(b)) == 0`; both accuracies (false accepts,
false rejects), per-check times and the speed ratio are printed. Then the adversarial set
(tests/checker/test_adversarial.py: every attack against a real key of every family) must have no answer
accepted, the correct forms alone are timed (with --compare, also those of another checkout, in a
subprocess in the same run: the "no slowdown" figure), and an identical pair is re-checked from the cache.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = next(
    (
        d / "shared" / "examples" / "answer-cases.jsonl"
        for d in ROOT.parents
        if (d / "shared" / "examples" / "answer-cases.jsonl").exists()
    ),
    ROOT.parent / "shared" / "examples" / "answer-cases.jsonl",
)
"""../shared from the main checkout, ../../shared from a worktree under /work/wt."""
OURS = ROOT / "tests" / "checker" / "labelled_cases.jsonl"
TRANSFORMS = standard_transformations + (implicit_multiplication_application, convert_xor)
BASELINE_LIMIT = 5


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in (SHARED, OURS):
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    cases.append(json.loads(line))
    return cases


class _Slow(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise _Slow


def baseline(expected: str, answer: str) -> bool:
    """The naive check. parse_expr appears only here, on this trusted, hand-labelled benchmark data (it
    evaluates its input: never use it on student text)."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(BASELINE_LIMIT)
    try:
        a = parse_expr(expected, transformations=TRANSFORMS)
        b = parse_expr(answer, transformations=TRANSFORMS)
        if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
            if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b)):
                return False
            return all(sympy.simplify(x - y) == 0 for x, y in zip(a, b))
        return bool(sympy.simplify(a - b) == 0)
    except (Exception, _Slow):  # noqa: BLE001 - a crash is a rejection for the baseline
        return False
    finally:
        signal.alarm(0)


def score(labels: list[str], accepted: list[bool]) -> tuple[int, int, int]:
    false_accepts = sum(1 for lab, ok in zip(labels, accepted) if ok and lab != "correct")
    false_rejects = sum(1 for lab, ok in zip(labels, accepted) if not ok and lab == "correct")
    right = len(labels) - false_accepts - false_rejects
    return right, false_accepts, false_rejects


def grading_batch(cases: list[dict[str, Any]], size: int) -> None:
    """Like grading a class: many students give the same answer, others a variant (a "+ 0" appended)."""
    from quizgen.checker import Checker, CheckRequest, core

    requests = []
    for i in range(size):
        c = cases[i % len(cases)]
        variant = (i // len(cases)) % 8
        requests.append(CheckRequest(c["expected"], c["answer"] + " + 0" * variant, c.get("variables")))
    distinct = len({r.cache_key() for r in requests})
    for workers in (1, 2):
        core.clear_caches()
        t0 = time.perf_counter()
        with Checker(workers=workers) as checker:
            checker.check_many(requests)
        took = time.perf_counter() - t0
        print(
            f"grading batch : {size} answers ({distinct} distinct), workers={workers}: {took:.2f} s "
            f"(including starting the worker processes)"
        )


def adversarial_requests() -> list[tuple[str, Any]]:
    """(attack name, CheckRequest) for every attack of tests/checker/test_adversarial.py and every family."""
    from quizgen.checker import CheckRequest

    spec = importlib.util.spec_from_file_location("adversarial", ROOT / "tests" / "checker" / "test_adversarial.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = []
    for bank in mod.FAMILY_BANKS:
        _, key, variables = mod.family_key(bank)
        for name, template in sorted(mod.ATTACKS.items()):
            expected = key if isinstance(key, str) else list(key)
            out.append((name, CheckRequest(expected, mod.spoil(key, template, variables[0]), list(variables))))
    return out


def correct_forms_time(repeat: int) -> tuple[int, float]:
    """Best cold-cache time per check over the correct forms only (in-process, as `check` runs them)."""
    from quizgen.checker import CheckRequest, core
    from quizgen.checker.core import check_request

    reqs = [
        CheckRequest(c["expected"], c["answer"], c.get("variables")) for c in load_cases() if c["verdict"] == "correct"
    ]
    check_request(reqs[0])
    best = float("inf")
    for _ in range(max(1, repeat)):
        core.clear_caches()
        t0 = time.perf_counter()
        for r in reqs:
            check_request(r)
        best = min(best, time.perf_counter() - t0)
    return len(reqs), best / len(reqs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="cold-cache runs of the checker (best is kept)")
    parser.add_argument("--show", action="store_true", help="list every case either method gets wrong")
    parser.add_argument(
        "--compare",
        metavar="CHECKOUT",
        default=None,
        help="also time the correct forms with the quizgen of another checkout (e.g. /work/main)",
    )
    parser.add_argument("--correct-forms-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--class-size",
        type=int,
        default=0,
        metavar="N",
        help="also time a grading-sized batch of N answers (repeats and variants of the cases) "
        "with workers=1 and workers=2",
    )
    args = parser.parse_args()

    if args.correct_forms_only:  # the subprocess of --compare: one line, "count seconds-per-check"
        n, per = correct_forms_time(args.repeat)
        print(n, per)
        return 0

    from quizgen.checker import Checker, CheckRequest, core

    cases = load_cases()
    if not cases:
        print("no labelled cases found", file=sys.stderr)
        return 1
    labels = [c["verdict"] for c in cases]
    requests = [CheckRequest(c["expected"], c["answer"], c.get("variables")) for c in cases]

    # warm the imports (not the caches): one unrelated check
    with Checker() as warm:
        warm.check_many([CheckRequest("z**2", "2z")])

    runs = []
    per_check: list[float] = []
    verdicts = []
    for _ in range(max(1, args.repeat)):
        core.clear_caches()  # cold: no parsed or compiled keys, no verdicts
        with Checker() as checker:
            t0 = time.perf_counter()
            verdicts = checker.check_many(requests)
            runs.append(time.perf_counter() - t0)
    # per-check times, each with cold caches
    for req in requests:
        core.clear_caches()
        with Checker() as checker:
            t0 = time.perf_counter()
            checker.check_many([req])
            per_check.append(time.perf_counter() - t0)
    ours_ok = [v.verdict == "correct" for v in verdicts]

    base_ok, base_times = [], []
    for c in cases:
        expected = c["expected"] if isinstance(c["expected"], str) else "[" + ", ".join(c["expected"]) + "]"
        t0 = time.perf_counter()
        base_ok.append(baseline(expected, c["answer"]))
        base_times.append(time.perf_counter() - t0)

    n = len(cases)
    ours_total, base_total = min(runs), sum(base_times)
    r1, fa1, fr1 = score(labels, ours_ok)
    r2, fa2, fr2 = score(labels, base_ok)
    print(f"labelled checks: {n} ({labels.count('correct')} correct, {n - labels.count('correct')} wrong or invalid)")
    print(f"quizgen check : {r1}/{n} right, {fa1} false accepts, {fr1} false rejects")
    print(f"naive simplify: {r2}/{n} right, {fa2} false accepts, {fr2} false rejects")
    print(
        f"quizgen batch : {ours_total * 1000:.1f} ms total, {ours_total / n * 1e3:.3f} ms per check "
        f"(cold caches, best of {len(runs)}); one check at a time: median {statistics.median(per_check) * 1e3:.3f} ms, "
        f"p95 {sorted(per_check)[int(0.95 * (n - 1))] * 1e3:.3f} ms, max {max(per_check) * 1e3:.1f} ms"
    )
    print(
        f"naive baseline: {base_total * 1000:.0f} ms total, {base_total / n * 1e3:.2f} ms per check; "
        f"median {statistics.median(base_times) * 1e3:.2f} ms, max {max(base_times) * 1e3:.0f} ms"
    )
    print(
        f"speed ratio   : {base_total / ours_total:.0f}x the baseline's throughput "
        f"(load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)"
    )

    attacks = adversarial_requests()
    with Checker() as checker:
        t0 = time.perf_counter()
        adv = checker.check_many([r for _, r in attacks])
        adv_time = time.perf_counter() - t0
    accepted = [(name, r.answer) for (name, r), v in zip(attacks, adv) if v.verdict == "correct" or v.score == 1.0]
    counts = {k: sum(1 for v in adv if v.verdict == k) for k in ("incorrect", "unsure", "invalid")}
    print(
        f"adversarial   : {len(attacks)} attacks ({len({n for n, _ in attacks})} kinds x 8 family keys): "
        f"{len(accepted)} accepted; {counts['incorrect']} incorrect, {counts['unsure']} unsure, "
        f"{counts['invalid']} invalid; {adv_time / len(attacks) * 1e3:.1f} ms per check"
    )
    for name, answer in accepted:
        print(f"  ACCEPTED {name}: {answer}")

    n_ok, per_ok = correct_forms_time(args.repeat)
    if args.compare:  # alternate the two, three rounds, best of each: a shared machine's load moves
        env = dict(os.environ, PYTHONPATH=str(Path(args.compare).resolve()))
        other_per = float("inf")
        for _ in range(3):
            other = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--correct-forms-only", "--repeat", str(args.repeat)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            other_per = min(other_per, float(other.stdout.split()[1]))
            per_ok = min(per_ok, correct_forms_time(args.repeat)[1])
    line = f"correct forms : {n_ok} checks, {per_ok * 1e3:.3f} ms per check (this checkout)"
    if args.compare:
        line += f"; {other_per * 1e3:.3f} ms with {args.compare} (this checkout is {other_per / per_ok:.2f}x as fast)"
    print(line)

    with Checker() as checker:
        req = requests[0]
        checker.check(req)
        t0 = time.perf_counter()
        hit = checker.check(req)
        took = time.perf_counter() - t0
    print(f"cache         : an identical pair re-checked in {took * 1e6:.0f} us ({hit.verdict})")
    if args.class_size:
        grading_batch(cases, args.class_size)
    if args.show:
        for c, v, b in zip(cases, verdicts, base_ok):
            ours = v.verdict == "correct"
            if ours != (c["verdict"] == "correct") or b != (c["verdict"] == "correct"):
                print(
                    f"  {c['id']}: label {c['verdict']}; quizgen {v.verdict} ({v.message}); naive "
                    f"{'accepts' if b else 'rejects'}: {c['expected']!r} vs {c['answer']!r}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
