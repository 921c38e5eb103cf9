"""`quizgen grade`: grade answers files against each student's own variant and write grades and reports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

MANIFEST_HELP = "manifest.json written by `quizgen generate` (checked: checksum, version, bank)."
OUT_HELP = "Folder for grades.csv, responses.csv, problems.csv, report.html, feedback/ (default: grades/ beside the manifest)."
FIRST_HELP = "When a problem is answered twice, the first answer counts (default: the last)."
STRICT_HELP = "Exit with status 1 if anything was reported in problems.csv (outputs are still written)."
WORKERS_HELP = "Checker processes (default: the number of cores)."
TIMEOUT_HELP = "Time limit per answer check, in seconds."
PDF_HELP = "Also write a PDF feedback sheet per student (needs pdflatex)."
GRADEBOOK_HELP = "Also write the gradebook import CSV for Canvas or Moodle (repeatable)."
QUIET_HELP = "No progress bar and no summary."


@click.command("grade")
@click.option("--manifest", "manifest_path", required=True, type=click.Path(dir_okay=False), help=MANIFEST_HELP)
@click.argument("answers", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help=OUT_HELP)
@click.option("--first", is_flag=True, help=FIRST_HELP)
@click.option("--strict", is_flag=True, help=STRICT_HELP)
@click.option("--workers", type=click.IntRange(min=1), default=None, help=WORKERS_HELP)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=2.0, show_default=True, help=TIMEOUT_HELP)
@click.option("--pdf", is_flag=True, help=PDF_HELP)
@click.option("--gradebook", "gradebooks", type=click.Choice(["canvas", "moodle"]), multiple=True, help=GRADEBOOK_HELP)
@click.option("--quiet", is_flag=True, help=QUIET_HELP)
def grade_command(
    manifest_path: str,
    answers: tuple[str, ...],
    out_dir: str | None,
    first: bool,
    strict: bool,
    workers: int | None,
    timeout: float,
    pdf: bool,
    gradebooks: tuple[str, ...],
    quiet: bool,
) -> None:
    """Grade ANSWERS files (CSV long or wide, JSON, JSONL, Moodle or Canvas exports, filled-in fillable PDF
    worksheets or a folder of them) against the manifest."""
    from rich.console import Console

    from quizgen import manifest as manifest_mod
    from quizgen.errors import QuizgenError
    from quizgen.grading.engine import CheckerBackend
    from quizgen.grading.progress import progress_bar
    from quizgen.grading.run import check_inputs_safe, default_out_dir, grade_files, write_outputs
    from quizgen.grading.summary import print_summary

    manifest = manifest_mod.read(manifest_path)
    target = Path(out_dir) if out_dir else default_out_dir(manifest_path)
    check_inputs_safe(target, [manifest_path, *answers])
    pdf_writer = None
    if pdf:
        from quizgen.grading.pdf import pdf_writer as make_pdf_writer

        pdf_writer = make_pdf_writer()
    show = not quiet and sys.stderr.isatty()
    backend = CheckerBackend(workers=workers or os.cpu_count() or 1, timeout=timeout)
    try:
        with progress_bar(enabled=show) as bar:
            run = grade_files(
                manifest, answers, backend, first=first, progress=bar.update, on_requests=bar.start,
                manifest_dir=Path(manifest_path).parent,
            )
    finally:
        backend.close()
    written = write_outputs(run, target, gradebooks=gradebooks, pdf_writer=pdf_writer)  # type: ignore[arg-type]
    if not quiet:
        names = [p.relative_to(written.out_dir).as_posix() for p in written.files]
        print_summary(run, Console(highlight=False), str(written.out_dir), names)
    if strict and run.issues:
        raise QuizgenError(
            f"{len(run.issues)} problems found in the answers (see {written.out_dir / 'problems.csv'}); "
            "failing because of --strict"
        )
