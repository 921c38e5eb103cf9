"""Reading texts: CPU to read again every text a grading run reads, split by kind and by shape.

Usage: .venv/bin/python benchmarks/bench_parse.py --work DIR [--compare TREE] [--rounds N]

The texts are captured once from `quizgen grade DIR/2000/answers.csv --manifest DIR/2000/manifest.json
--workers 1` (bench_scale.py's class; the checks then run in the grading process): every call of the
parser's reading function, with its variables, mode and limits, in order, kept in DIR/2000/readings.jsonl.
Each timing runs in a fresh process (sympy's caches cold, the collector tuned as grading tunes it) and
reads the texts in the captured order without the parser's LRU: "keys" are the value-only readings of keys
and buggy keys, "answers" the readings with the text and LaTeX as understood. Each is split into the first
text of its shape (the text with its numbers cut out, in the same variables) and the later ones, which
differ from an earlier text in their numbers only (what a cache of parse plans by shape could save on,
docs/benchmarks.md, branch parseshape). With --compare TREE (repeatable), each round runs TREE's code
(through PYTHONPATH) right before this tree's, so that the rows are comparable on a loaded machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

NUMBER = re.compile(r"(?<![A-Za-z0-9_])(\d+\.\d*[eE][+-]?\d+|\d+\.(?![A-Za-z0-9_.])|\d+(?:\.\d+)?|\.\d+)")
"""A number as the key lexer reads it (quizgen.mathparse.lexer), where no name goes on before it."""


def capture(answers: Path, manifest: Path, out: Path) -> None:
    """Grade once in this process, writing each reading's arguments to out (one JSON list a line)."""
    import quizgen.mathparse.api as api
    from quizgen.cli import main
    from quizgen.mathparse import Limits, Parsed

    read = api._parse_text
    lines: list[str] = []

    def recorded(
        text: str,
        variables: tuple[str, ...] | None,
        *,
        latex: bool | None,
        limits: Limits,
        key: bool,
        strings: bool = True,
    ) -> Parsed:
        named = "key" if limits == api.KEY_LIMITS else "answer" if limits == api.DEFAULT_LIMITS else None
        if named is None:
            raise SystemExit(f"a reading with other limits ({limits}): not captured")
        lines.append(json.dumps([text, variables, latex, named, key, strings]))
        return read(text, variables, latex=latex, limits=limits, key=key, strings=strings)

    api._parse_text = recorded
    with tempfile.TemporaryDirectory() as tmp:
        try:
            main(["grade", str(answers), "--manifest", str(manifest), "--out", tmp, "--workers", "1", "--quiet"])
        except SystemExit as exc:
            if exc.code:
                raise
    tmp_out = out.with_suffix(".tmp")
    tmp_out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp_out.replace(out)


def child(path: Path) -> None:
    """Time the readings of path in this (fresh) process; print a JSON line of CPU seconds and counts."""
    import quizgen.mathparse.api as api

    try:
        from quizgen.gcpause import rare_collections
    except ImportError:  # older trees
        from contextlib import nullcontext as rare_collections  # type: ignore[assignment]
    limits = {"key": api.KEY_LIMITS, "answer": api.DEFAULT_LIMITS}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    seen: set[tuple[object, ...]] = set()
    cpu = {f"{kind} {part}": 0.0 for kind in ("keys", "answers") for part in ("first", "later")}
    count = dict.fromkeys(cpu, 0)
    clock = time.process_time
    with rare_collections():
        for text, variables, latex, named, key, strings in rows:
            names = None if variables is None else tuple(variables)
            shape = (tuple(NUMBER.split(text)[0::2]), names, latex, named, key, strings)
            slot = ("answers" if strings else "keys") + (" later" if shape in seen else " first")
            seen.add(shape)
            start = clock()
            try:
                api._parse_text(text, names, latex=latex, limits=limits[named], key=key, strings=strings)
            except api.AnswerSyntaxError:
                pass
            cpu[slot] += clock() - start
            count[slot] += 1
    print(json.dumps({"cpu": cpu, "count": count}))


def run(tree: Path, path: Path) -> dict[str, dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="bench_scale.py's --work folder (with 2000/)")
    parser.add_argument(
        "--compare", type=Path, action="append", default=[], help="another tree, timed first in each round (repeatable)"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--capture", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.work is None:
        parser.error("--work DIR is needed (bench_scale.py's --work folder)")
    work = args.work / "2000"
    if not (work / "answers.csv").exists() or not (work / "manifest.json").exists():
        raise SystemExit(
            f"{work}: no answers.csv and manifest.json; run bench_scale.py --sizes 2000 --work {args.work}"
        )
    texts = work / "readings.jsonl"
    if args.capture:
        capture(work / "answers.csv", work / "manifest.json", args.capture)
        return
    if not texts.exists():
        env = {**os.environ, "PYTHONPATH": str(HERE)}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--work", str(args.work), "--capture", str(texts)]
        subprocess.run(cmd, check=True, env=env)
    trees = [*args.compare, HERE]
    head = ("tree", "keys first", "keys later", "answers first", "answers later", "all")
    print("{:28s} {:>13s} {:>13s} {:>13s} {:>13s} {:>7s}  load".format(*head))
    for _ in range(args.rounds):
        for tree in trees:
            res = run(tree, texts)
            cells = [f"{res['count'][k]:5d} {res['cpu'][k]:6.2f}" for k in head[1:5]]
            name = str(tree)[-28:]
            print(f"{name:28s} " + " ".join(f"{c:>13s}" for c in cells), end="")
            print(f" {sum(res['cpu'].values()):7.2f}  {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
