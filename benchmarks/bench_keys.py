"""Reading keys: CPU to read a class's distinct keys and buggy keys, as the checker reads them.

Usage: .venv/bin/python benchmarks/bench_keys.py [--work DIR | --manifest FILE] [--repeat N] [--buggy N]

The texts are a manifest's (default: bench_grade.py's class of 2,000 students, generated once into --work
DIR, as bench_scale.py keeps it in DIR/2000): every distinct (key text, variables) pair of its problems (a
gradient's components one by one), then the first --buggy distinct buggy-key texts in sorted order. Each reading runs in a fresh process (sympy's caches
cold, as in a grading run) with the collector tuned as grading tunes it (quizgen.gcpause), and prints its
CPU: "full" is parse_key (text and LaTeX as understood built too), "value" parse_key_value (the value
alone, what the checker uses), when the code under test has it. The rows alternate full and value. For a
before/after with older code, run this file with PYTHONPATH=/path/to/that/tree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def texts(manifest: Path) -> tuple[list[tuple[str, tuple[str, ...]]], list[tuple[str, tuple[str, ...]]]]:
    """Distinct (text, variables) of the keys and of the buggy keys, sorted."""
    from quizgen import manifest as manifests

    m = manifests.read(str(manifest), verify_bank=False)
    keys: set[tuple[str, tuple[str, ...]]] = set()
    buggy: set[tuple[str, tuple[str, ...]]] = set()
    for sheet in m.students:
        for p in sheet.problems:
            names = tuple(p.variables)
            keys.update((t, names) for t in ([p.answer] if isinstance(p.answer, str) else p.answer))
            for mistake in p.mistakes:
                answer = mistake.answer
                buggy.update((t, names) for t in ([answer] if isinstance(answer, str) else answer))
    return sorted(keys), sorted(buggy)


def child(mode: str, manifest: Path, n_buggy: int) -> None:
    """One reading in this (fresh) process; prints a JSON line."""
    import quizgen.mathparse.api as api

    keys, buggy = texts(manifest)
    buggy = buggy[:n_buggy]
    read = api.parse_key if mode == "full" else api.parse_key_value  # type: ignore[attr-defined]
    try:
        from quizgen.gcpause import rare_collections
    except ImportError:  # older trees
        from contextlib import nullcontext as rare_collections  # type: ignore[assignment]
    out = {}
    with rare_collections():
        for name, items in (("keys", keys), ("buggy", buggy)):
            refused = 0
            start = time.process_time()
            for text, names in items:
                try:
                    read(text, names)
                except api.AnswerSyntaxError:
                    refused += 1
            out[name] = (len(items), time.process_time() - start, refused)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", type=Path, default=None, help="read this manifest's keys")
    ap.add_argument("--work", type=Path, default=None, help="keep (and reuse) bench_grade.py's inputs here")
    ap.add_argument("--students", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--buggy", type=int, default=10000, help="how many distinct buggy-key texts (sorted)")
    ap.add_argument("--child", choices=("full", "value"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.manifest, args.buggy)
        return
    import quizgen.mathparse.api as api  # first: the code under test, as PYTHONPATH gives it

    modes = ["full", "value"] if hasattr(api, "parse_key_value") else ["full"]
    if args.manifest is None:
        work = args.work or Path(tempfile.mkdtemp(prefix="bench-keys-"))
        work.mkdir(parents=True, exist_ok=True)
        if not (work / "manifest.json").exists():
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from bench_grade import make_inputs

            make_inputs(work, args.students)
        args.manifest = work / "manifest.json"
    head = ("reading", "keys", "CPU s", "µs/text", "buggy", "CPU s", "µs/text")
    print("{:8s} {:>7s} {:>7s} {:>8s} {:>7s} {:>7s} {:>8s}  load".format(*head))
    for _ in range(args.repeat):
        for mode in modes:
            cmd = [sys.executable, __file__, "--child", mode, "--manifest", str(args.manifest)]
            cmd += ["--buggy", str(args.buggy)]
            res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            (nk, tk, _), (nb, tb, _) = res["keys"], res["buggy"]
            print(
                f"{mode:8s} {nk:7d} {tk:7.2f} {tk / nk * 1e6:8.0f} {nb:7d} {tb:7.2f} {tb / max(nb, 1) * 1e6:8.0f}"
                f"  {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    main()
