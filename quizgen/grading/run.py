"""Grading end to end: read the answers files, match them, check them, and write OUTDIR in one go.

All outputs are written into a staging folder and moved into place only when every one of them was
written, so a failure midway leaves OUTDIR as it was (and no OUTDIR at all if it did not exist).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from quizgen.errors import AnswerFileError
from quizgen.fileio import file_stems, files_under, staging_dir
from quizgen.gcpause import settled_heap
from quizgen.grading import csvout
from quizgen.grading.bank_source import BankSource, resolve
from quizgen.grading.collect import StudentIndex, collect
from quizgen.grading.engine import Backend, grade_all
from quizgen.grading.items import item_stats
from quizgen.grading.model import GradeRun, Override, ReadResult, StudentResult, Submission
from quizgen.grading.overrides import apply_overrides
from quizgen.grading.pagepool import finish_pages, start_pages
from quizgen.grading.readers import read_answers
from quizgen.grading.report import report_html
from quizgen.grading.review import suggest
from quizgen.grading.stats import class_stats
from quizgen.grading.variants import VariantBuilder
from quizgen.manifest import Manifest

Gradebook = Literal["canvas", "moodle"]
InvalidMode = Literal["review", "zero"]

OUTPUT_FILES = ("grades.csv", "responses.csv", "problems.csv", "review.csv", "items.csv", "report.html")


def manifest_slots(manifest: Manifest) -> list[int]:
    return sorted({p.slot for s in manifest.students for p in s.problems})


def read_all(paths: Sequence[str | Path], manifest: Manifest) -> list[ReadResult]:
    slots = manifest_slots(manifest)
    return [replace(read_answers(p, slots, manifest), path=str(p)) for p in paths]


def grade_files(
    manifest: Manifest,
    paths: Sequence[str | Path],
    backend: Backend,
    *,
    first: bool = False,
    progress: Callable[[int], None] | None = None,
    on_requests: Callable[[int], None] | None = None,
    manifest_dir: str | Path | None = None,
    bank: BankSource | None = None,
    overrides: Sequence[Override] = (),
    invalid: InvalidMode = "review",
    absent_zero: bool = False,
    manifest_name: str = "the manifest",
    carry_forward: bool = True,
) -> GradeRun:
    """Read, match and grade; on_requests is told how many checks will run (to size a progress bar).

    manifest_dir is where a relative bank path is looked for when LMS variants must be rebuilt and no bank
    is given (bank: see quizgen.grading.bank_source). overrides are applied last. Raises AnswerFileError
    when no answer belongs to a student of the manifest (answers for another class, or no answers at all).
    """
    # the checker may start on the keys while the answers are read
    backend.expect(list({id(p): p for s in manifest.students for p in s.problems}.values()))
    # the manifest is kept to the end, and so are the class's answers, submissions and verdicts
    with settled_heap():
        reads = read_all(paths, manifest)
        folder = Path(manifest_dir) if manifest_dir is not None else Path(".")
        source = bank if bank is not None else resolve(manifest, folder)
        builder = VariantBuilder(manifest, folder, source)
        uncounted: list[Submission] = []
        submissions, issues = collect(manifest, reads, first=first, variants=builder, uncounted=uncounted)
        check_some_matched(manifest, reads, submissions, manifest_name)
        results, extra = grade_all(
            submissions, uncounted, backend, progress=progress, on_requests=on_requests, carry_forward=carry_forward
        )
        suggested = suggest(results)
    results = apply_overrides(results, overrides)
    return GradeRun(
        manifest,
        results,
        issues,
        [(str(p), r.shape) for p, r in zip(paths, reads, strict=True)],
        uncounted=extra,
        warnings=list(source.warnings),
        suggestions=suggested,
        invalid=invalid,
        absent_zero=absent_zero,
    )


def check_some_matched(
    manifest: Manifest, reads: Sequence[ReadResult], submissions: Sequence[Submission], manifest_name: str
) -> None:
    """Stop, before anything is checked, when not one answer belongs to a student of the manifest.

    Grading another class's answers would otherwise give everyone 0% (and a gradebook of zeros).
    """
    if any(s.source is not None for s in submissions):
        return
    index = StudentIndex.build(manifest.students)
    if any(index.find(raw) is not None for r in reads for raw in r.answers):
        return  # students matched, but none of their answers named a problem: reported in problems.csv
    files = ", ".join(r.path for r in reads) or "the answers files"
    ids: dict[str, None] = {}
    for r in reads:
        for raw in r.answers:
            if raw.student.label:
                ids.setdefault(raw.student.label, None)
    if not ids:
        first = next((i for r in reads for i in r.issues), None)
        why = f" (first problem: {first.file}:{first.line}: {first.detail})" if first is not None else ""
        raise AnswerFileError(f"{files}: no answers could be read{why}; nothing was graded")
    theirs = ", ".join(list(ids)[:3]) + (", ..." if len(ids) > 3 else "")
    ours = ", ".join(s.student_id for s in manifest.students[:3]) + (", ..." if len(manifest.students) > 3 else "")
    raise AnswerFileError(
        f"{files}: none of its {len(ids)} students ({theirs}) is in {manifest_name} ({ours}); "
        "are these answers for another manifest? Nothing was graded"
    )


def default_out_dir(manifest_path: str | Path) -> Path:
    return Path(manifest_path).parent / "grades"


def check_inputs_safe(out_dir: Path, inputs: Sequence[str | Path]) -> None:
    """Refuse an OUTDIR whose outputs would overwrite an input file (inputs are never modified)."""
    out = out_dir.resolve()
    for p in inputs:
        resolved = Path(p).resolve()
        if resolved.parent == out and (resolved.name in OUTPUT_FILES or resolved.name.startswith("gradebook-")):
            raise AnswerFileError(f"{p}: is where grading writes its output; choose another --out folder")
        if out / "feedback" in resolved.parents:
            raise AnswerFileError(f"{p}: is inside the feedback folder grading rewrites; choose another --out")


def _write_tables(run: GradeRun, tmp: Path, gradebooks: Sequence[Gradebook]) -> None:
    """Every output but the feedback pages, into the staging folder tmp."""
    (tmp / "grades.csv").write_text(csvout.grades_csv(run), encoding="utf-8", newline="")
    (tmp / "responses.csv").write_text(csvout.responses_csv(run), encoding="utf-8", newline="")
    (tmp / "problems.csv").write_text(csvout.problems_csv(run.issues), encoding="utf-8", newline="")
    (tmp / "review.csv").write_text(csvout.review_csv(run), encoding="utf-8", newline="")
    items, stats = item_stats(run), class_stats(run)  # for items.csv and the report, computed once
    (tmp / "items.csv").write_text(csvout.items_csv(run, items=items, stats=stats), encoding="utf-8", newline="")
    (tmp / "report.html").write_text(report_html(run, items=items, stats=stats), encoding="utf-8")
    name = csvout.assignment_name(run)

    def value(r: StudentResult) -> str:
        return csvout.gradebook_value(run, r)

    if "canvas" in gradebooks:
        (tmp / "gradebook-canvas.csv").write_text(
            csvout.canvas_gradebook_csv(run.results, name, value), encoding="utf-8", newline=""
        )
    if "moodle" in gradebooks:
        (tmp / "gradebook-moodle.csv").write_text(
            csvout.moodle_gradebook_csv(run.results, name, value), encoding="utf-8", newline=""
        )


@dataclass(frozen=True)
class Written:
    out_dir: Path
    files: list[Path]


def write_outputs(
    run: GradeRun,
    out_dir: str | Path,
    *,
    gradebooks: Sequence[Gradebook] = (),
    pdf_writer: Callable[[GradeRun, Path, dict[str, str]], None] | None = None,
    workers: int = 1,
) -> Written:
    """Write every output into out_dir atomically, as one set; with workers > 1 the feedback pages are
    written by this process and workers - 1 forked copies (grading.pagepool)."""
    with settled_heap():  # thousands of pages of strings: the collector would re-walk the class's trees
        return _write_outputs(run, out_dir, gradebooks=gradebooks, pdf_writer=pdf_writer, workers=workers)


def _write_outputs(
    run: GradeRun,
    out_dir: str | Path,
    *,
    gradebooks: Sequence[Gradebook],
    pdf_writer: Callable[[GradeRun, Path, dict[str, str]], None] | None,
    workers: int,
) -> Written:
    target = Path(out_dir)
    existed = target.exists()
    stems = file_stems([r.sheet.student_id for r in run.results])
    try:
        with staging_dir(target) as tmp:
            fb = tmp / "feedback"
            fb.mkdir()
            pages = start_pages(run, fb, stems, workers)  # forked copies write pages while this process
            try:  # writes the CSVs, the report and the gradebooks; then it writes pages too
                _write_tables(run, tmp, gradebooks)
            except BaseException:
                finish_pages(run, fb, stems, pages, write_missing=False)
                raise
            finish_pages(run, fb, stems, pages)
            if pdf_writer is not None:
                pdf_writer(run, fb, stems)
            files = files_under(tmp)
    except BaseException:
        if not existed and target.exists() and not any(target.iterdir()):
            shutil.rmtree(target, ignore_errors=True)
        raise
    if existed:
        _remove_stale_pages(target / "feedback", {f.name for f in files if f.parent == Path("feedback")})
    return Written(target, [target / f for f in files])


def _remove_stale_pages(feedback: Path, keep: set[str]) -> None:
    """A previous run's feedback pages (.html, .pdf) for students no longer in the class would mislead:
    remove those not in keep (the names just written); anything else in the folder is left alone."""
    if not feedback.is_dir():
        return
    with os.scandir(feedback) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for old in entries:
        if old.name not in keep and os.path.splitext(old.name)[1] in (".html", ".pdf") and old.is_file():
            os.unlink(old.path)
