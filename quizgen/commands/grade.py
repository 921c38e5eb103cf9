"""`quizgen grade`: grade answers files against each student's own variant and write grades and reports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

MANIFEST_HELP = "manifest.json written by `quizgen generate`, or its folder (checked: checksum, version)."
OUT_HELP = (
    "Folder it writes (default: grades/ beside the manifest): grades.csv, responses.csv, problems.csv, "
    "review.csv, items.csv, report.html, feedback/ (a page per student; with --pdf also a PDF), and with "
    "--gradebook gradebook-canvas.csv / gradebook-moodle.csv."
)
CARRY_HELP = (
    "Multi-part problems: a wrong part that follows by the right local rule from the student's own "
    "earlier parts earns its points (never from a blank or 0 earlier answer)."
)
FIRST_HELP = "When a problem is answered twice, the first answer counts (default: the last)."
STRICT_HELP = "Exit with status 1 if anything was reported in problems.csv (outputs are still written)."
WORKERS_HELP = "Checker processes (default: the number of cores)."
TIMEOUT_HELP = "Time limit per answer check, in seconds."
PDF_HELP = "Also write a PDF feedback sheet per student (needs pdflatex)."
GRADEBOOK_HELP = "Also write the gradebook import CSV for Canvas or Moodle (repeatable)."
QUIET_HELP = "No progress bar and no summary."
BANK_HELP = (
    "The bank the manifest was generated from, to rebuild LMS variants for a manifest written before "
    "banks were embedded in it (checked against its bank_sha256)."
)
OVERRIDES_HELP = "CSV of teacher decisions: student_id,problem,points or verdict,note; applied last."
INVALID_HELP = (
    "What an unreadable (invalid) or undecided (unsure) answer is until reviewed: review = the total is "
    "provisional and left blank in gradebooks; zero = it counts 0. Both list it in review.csv."
)
ABSENT_HELP = "A student with no answers at all: blank in gradebooks (default) or 0."


@click.command("grade")
@click.option("--manifest", "manifest_path", required=True, type=click.Path(), help=MANIFEST_HELP)
@click.argument("answers", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help=OUT_HELP)
@click.option("--first", is_flag=True, help=FIRST_HELP)
@click.option("--strict", is_flag=True, help=STRICT_HELP)
@click.option("--workers", type=click.IntRange(min=1), default=None, help=WORKERS_HELP)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=2.0, show_default=True, help=TIMEOUT_HELP)
@click.option("--pdf", is_flag=True, help=PDF_HELP)
@click.option("--gradebook", "gradebooks", type=click.Choice(["canvas", "moodle"]), multiple=True, help=GRADEBOOK_HELP)
@click.option("--quiet", is_flag=True, help=QUIET_HELP)
@click.option("--bank", "bank_path", type=click.Path(dir_okay=False), default=None, help=BANK_HELP)
@click.option("--overrides", "overrides_path", type=click.Path(dir_okay=False), default=None, help=OVERRIDES_HELP)
@click.option(
    "--invalid", type=click.Choice(["review", "zero"]), default="review", show_default=True, help=INVALID_HELP
)
@click.option(
    "--carry-forward",
    "carry_forward",
    type=click.Choice(["on", "off"]),
    default="on",
    show_default=True,
    help=CARRY_HELP,
)
@click.option("--absent", type=click.Choice(["blank", "zero"]), default="blank", show_default=True, help=ABSENT_HELP)
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
    bank_path: str | None,
    overrides_path: str | None,
    invalid: str,
    absent: str,
    carry_forward: str,
) -> None:
    """Grade ANSWERS files (CSV long or wide, JSON, JSONL, Moodle or Canvas exports, filled-in fillable PDF
    worksheets or a folder of them) against the manifest."""
    from rich.console import Console

    from quizgen import manifest as manifest_mod
    from quizgen.errors import QuizgenError
    from quizgen.gcpause import no_collection_at_exit
    from quizgen.grading.bank_source import resolve
    from quizgen.grading.engine import CheckerBackend
    from quizgen.grading.overrides import read_overrides
    from quizgen.grading.progress import progress_bar
    from quizgen.grading.run import check_inputs_safe, default_out_dir, grade_files, write_outputs
    from quizgen.grading.summary import print_summary

    manifest_file = Path(manifest_path)
    if manifest_file.is_dir():
        if not (manifest_file / "manifest.json").is_file():
            raise QuizgenError(
                f"{manifest_file}: no manifest.json in this folder; give the manifest file or the "
                "folder `quizgen generate --out` wrote"
            )
        manifest_file = manifest_file / "manifest.json"
    manifest_path = str(manifest_file)
    workers = workers or os.cpu_count() or 1
    # made first: with workers > 1 its fork server imports the checker while the manifest is read
    backend = CheckerBackend(workers=workers, timeout=timeout)
    try:
        # a changed bank warns (bank_source); the keys go to the fork server as soon as they are parsed
        manifest = manifest_mod.read(manifest_path, verify_bank=False, on_problems=backend.expect_data)
        bank = resolve(manifest, manifest_file.parent, bank_path)
        for warning in bank.warnings:  # shown even with --quiet: it says what the grades rest on
            click.echo(f"Warning: {warning}", err=True)
        overrides = read_overrides(overrides_path, manifest) if overrides_path else []
        target = Path(out_dir) if out_dir else default_out_dir(manifest_path)
        check_inputs_safe(target, [manifest_path, *answers, *([overrides_path] if overrides_path else [])])
        pdf_writer = None
        if pdf:
            from quizgen.grading.pdf import pdf_writer as make_pdf_writer

            pdf_writer = make_pdf_writer(quiet=quiet)
        show = not quiet and sys.stderr.isatty()
        with progress_bar(enabled=show) as bar:
            run = grade_files(
                manifest,
                answers,
                backend,
                first=first,
                progress=bar.update,
                on_requests=bar.start,
                manifest_dir=manifest_file.parent,
                bank=bank,
                overrides=overrides,
                invalid=invalid,  # type: ignore[arg-type]  # click.Choice gives review or zero
                absent_zero=absent == "zero",
                manifest_name=manifest_path,
                carry_forward=carry_forward == "on",
            )
    finally:
        backend.close()
    written = write_outputs(run, target, gradebooks=gradebooks, pdf_writer=pdf_writer, workers=workers)  # type: ignore[arg-type]
    no_collection_at_exit()  # the class stays alive until the process ends
    if not quiet:
        names = [p.relative_to(written.out_dir).as_posix() for p in written.files]
        print_summary(run, Console(highlight=False), str(written.out_dir), names)
    pending = sum(r.pending for r in run.results) if invalid == "review" else 0
    if strict and (run.issues or pending):
        found = [f"{len(run.issues)} problems found in the answers (see {written.out_dir / 'problems.csv'})"] * bool(
            run.issues
        ) + [f"{pending} answers to review (see {written.out_dir / 'review.csv'})"] * bool(pending)
        raise QuizgenError(f"{'; '.join(found)}; failing because of --strict")
