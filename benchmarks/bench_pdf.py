"""Time `quizgen generate --format pdf` for a class: worksheets and keys, all students.

Usage: .venv/bin/python benchmarks/bench_pdf.py [--students 500] [--bank banks/demo.yaml] [--split]

Generates the manifest first (timed separately), then times quizgen.render.write_documents: rendering
the templates, the two pdflatex runs (worksheets and key, in parallel) and writing the PDFs. Target:
500 students x 10 problems under 20 s on a 2-core machine.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--bank", type=Path, default=ROOT / "banks" / "demo.yaml")
    parser.add_argument("--split", action="store_true", help="also time splitting per student")
    args = parser.parse_args()

    from quizgen.bank import load_bank
    from quizgen.generate import generate
    from quizgen.render import render_sources, write_documents
    from quizgen.roster import numbered_students

    bank = load_bank(args.bank)
    t0 = time.perf_counter()
    manifest = generate(bank, numbered_students(args.students), seed=2026)
    t_generate = time.perf_counter() - t0
    problems = sum(len(s.problems) for s in manifest.students)

    t0 = time.perf_counter()
    render_sources(manifest)
    t_templates = time.perf_counter() - t0

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        write_documents(manifest, out, fmt="pdf", split=args.split, quiet=True)
        t_render = time.perf_counter() - t0
        pages = {name: len(PdfReader(str(out / f"{name}.pdf")).pages) for name in ("worksheets", "key")}

    print(f"students: {args.students}, problems: {problems} ({problems / args.students:.0f} per student)")
    print(f"generate (not part of the target): {t_generate:.1f} s")
    print(f"templates to LaTeX: {t_templates:.1f} s")
    print(f"pages: worksheets {pages['worksheets']}, key {pages['key']}")
    verdict = "within" if t_render < 20 else "OVER"
    print(f"write_documents (pdf{', split' if args.split else ''}): {t_render:.1f} s ({verdict} the 20 s target)")
    print(
        f"bank to PDFs (generate + write_documents): {t_generate + t_render:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
