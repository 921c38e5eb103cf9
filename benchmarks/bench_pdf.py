"""Time `quizgen generate --format pdf` for a class: worksheets, the key and the marking key, all students.

Usage: .venv/bin/python benchmarks/bench_pdf.py [--students 500] [--bank banks/demo.yaml] [--split]

Times generation (as `generate` runs it: forked workers for a large class), then
quizgen.render.write_documents: the templates and the three pdflatex runs (in parallel) and writing the
PDFs. Target (issue 14): 500 students x 10 problems, bank to PDFs, in 10 s wall on a 2-core machine.
Wall time depends on the machine's load, so CPU time is printed too (this process and its children:
generation workers and pdflatex), with the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
TARGET = 10.0


def _cpu() -> tuple[float, float]:
    """(CPU seconds of this process, of its finished children)."""
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--bank", type=Path, default=ROOT / "banks" / "demo.yaml")
    parser.add_argument("--split", action="store_true", help="also time splitting per student")
    parser.add_argument("--workers", type=int, default=None, help="generation processes (default: as generate)")
    args = parser.parse_args()

    from quizgen.bank import load_bank
    from quizgen.generate import generate, generation_workers
    from quizgen.render import documents, write_documents
    from quizgen.roster import numbered_students

    bank = load_bank(args.bank)
    load_start = os.getloadavg()[0]
    workers = generation_workers(args.students) if args.workers is None else args.workers
    t0, (own0, kids0) = time.perf_counter(), _cpu()
    manifest = generate(bank, numbered_students(args.students), seed=2026, workers=workers)
    t_generate, (own1, kids1) = time.perf_counter() - t0, _cpu()
    problems = sum(len(s.problems) for s in manifest.students)

    templates = [0.0]
    render_sources = documents.render_sources

    def timed_render_sources(*a, **k):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return render_sources(*a, **k)
        finally:
            templates[0] += time.perf_counter() - start

    documents.render_sources = timed_render_sources  # the templates' share of write_documents, cold
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        write_documents(manifest, out, fmt="pdf", split=args.split, quiet=True)
        t_render, (own2, kids2) = time.perf_counter() - t0, _cpu()
        pages = {name: len(PdfReader(str(out / f"{name}.pdf")).pages) for name in ("worksheets", "key", "marking-key")}

    total = t_generate + t_render
    print(f"students: {args.students}, problems: {problems} ({problems / args.students:.0f} per student)")
    print(
        f"generate: {t_generate:.1f} s wall, {workers} process(es), CPU {own1 - own0:.1f} s + workers "
        f"{kids1 - kids0:.1f} s"
    )
    print(
        f"write_documents (pdf{', split' if args.split else ''}): {t_render:.1f} s wall; CPU: templates and "
        f"PDF files {own2 - own1:.1f} s in this process, pdflatex {kids2 - kids1:.1f} s (3 runs in parallel); "
        f"of which templates {templates[0]:.1f} s wall"
    )
    print(f"pages: worksheets {pages['worksheets']}, key {pages['key']}, marking key {pages['marking-key']}")
    print(
        f"bank to PDFs (generate + write_documents): {total:.1f} s wall "
        f"({'within' if total <= TARGET else 'OVER'} the {TARGET:.0f} s target), "
        f"CPU {own2 - own0 + kids2 - kids0:.1f} s; load average {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
