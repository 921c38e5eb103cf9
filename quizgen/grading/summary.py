"""The terminal summary after grading: counts, mean, median, success per problem, and what was found."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from quizgen.grading.model import GradeRun, fmt_number
from quizgen.grading.stats import ClassStats, class_stats

ISSUE_WORDS = {
    "unreadable_row": "unreadable rows",
    "unknown_student": "answers from unknown students",
    "unknown_problem": "answers to unknown problems",
    "duplicate": "students who resubmitted",
    "blank": "blank answers",
    "missing": "unanswered problems",
    "absent": "students with no answers",
    "unmatched_column": "unmatched question columns",
    "unreadable_file": "unreadable files",
    "wrong_sheet": "worksheets not from this class",
    "guessed_problem": "LMS questions matched by position only",
    "id_conflict": "ids that match a student only when case is ignored",
}

MAX_LINES = 10
"""Students listed by name per kind of finding; the rest are counted (problems.csv has them all)."""


def _pct(value: float) -> str:
    return f"{round(value)}%"


def _listed(console: Console, title: str, lines: Sequence[str], out_dir: str, where: str) -> None:
    if not lines:
        return
    console.print(title, markup=False)
    for line in lines[:MAX_LINES]:
        console.print(f"  {line}", markup=False, overflow="fold")
    if len(lines) > MAX_LINES:
        console.print(f"  ... and {len(lines) - MAX_LINES} more in {out_dir}/{where}", markup=False)


def _students(run: GradeRun, st: ClassStats, console: Console, out_dir: str) -> None:
    """What a teacher must act on, one line per student: review, unknown ids, conflicts, resubmissions."""
    if st.to_review:
        until = (
            "provisional (blank in the gradebooks) until settled with --overrides"
            if run.invalid == "review"
            else "counted as 0 (--invalid zero)"
        )
        pending = [
            f"{r.sheet.student_id}: problem{'s' if r.pending > 1 else ''} "
            + ", ".join(str(a.slot) for a in r.answers if a.pending)
            for r in run.results
            if r.pending
        ]
        _listed(
            console,
            f"To review: {st.to_review} answer{'s' if st.to_review != 1 else ''} could not be read or decided; "
            f"these grades are {until} "
            f"(see {out_dir}/review.csv):",
            pending,
            out_dir,
            "review.csv",
        )
    if st.overrides:
        console.print(f"Overrides applied: {st.overrides}.")
    if st.absent:
        zero = "0 in the gradebooks (--absent zero)" if run.absent_zero else "blank in the gradebooks"
        more = len(st.absent) - MAX_LINES
        shown = ", ".join(st.absent[:MAX_LINES]) + (f" and {more} more" if more > 0 else "")
        console.print(f"Absent (no answers; left out of the statistics, {zero}): {shown}.", markup=False)
    for kind, title in (
        ("unknown_student", "Not in the manifest (answers not graded):"),
        ("id_conflict", "Id conflicts (answers not counted):"),
        ("duplicate", "Resubmissions:"),
    ):
        lines = [
            f"{i.student_id}: {i.detail}" if kind != "unknown_student" else i.detail
            for i in run.issues
            if i.kind == kind
        ]
        if kind == "duplicate":
            lines = [f"{i.student_id}: {_short_resubmission(i.detail)}" for i in run.issues if i.kind == kind]
        _listed(console, title, lines, out_dir, "problems.csv")


def _short_resubmission(detail: str) -> str:
    """The resubmission detail without the quoted dropped answers (those are in problems.csv)."""
    head, _, dropped = detail.partition("; dropped ")
    count = dropped.split(":", 1)[0]
    return f"{head.removeprefix('resubmitted: ')}; dropped {count}"


def print_summary(run: GradeRun, console: Console, out_dir: str, files: Sequence[str] = ()) -> None:
    """Print the summary; files are the written paths relative to out_dir (to name what was written)."""
    st = class_stats(run)
    c = st.counts
    absent = f" ({len(st.absent)} absent, not counted)" if st.absent else ""
    console.print(
        f"Graded {st.students} students{absent}, {st.answers} answers: {c['correct']} correct, "
        f"{c['partial']} partly right, {c['incorrect']} incorrect, {c['invalid'] + c['unsure']} invalid, "
        f"{c['blank'] + c['missing']} blank or missing."
    )
    console.print(
        f"Score: mean {fmt_number(st.mean)}%, median {fmt_number(st.median)}%, "
        f"lowest {fmt_number(st.low)}%, highest {fmt_number(st.high)}%."
        + (f" {st.provisional} of these grades are provisional (answers to review)." if st.provisional else "")
    )
    table = Table(show_edge=False, pad_edge=False)
    for name, justify in (
        ("#", "right"),
        ("family", "left"),
        ("right", "right"),
        ("partly", "right"),
        ("wrong", "right"),
        ("invalid", "right"),
        ("blank", "right"),
        ("mean pts", "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for p in st.problems:
        table.add_row(
            str(p.slot),
            p.family,
            _pct(p.share("correct")),
            _pct(p.share("partial")),
            _pct(p.share("incorrect")),
            _pct(p.share("invalid", "unsure")),
            _pct(p.share("blank", "missing")),
            f"{fmt_number(p.mean_points)}/{fmt_number(p.max_points)}",
        )
    console.print(table)
    _students(run, st, console, out_dir)
    if st.issues:
        found = "; ".join(f"{ISSUE_WORDS.get(kind, kind)}: {n}" for kind, n in sorted(st.issues.items()))
        console.print(f"Found in the input: {found} (details in {out_dir}/problems.csv).")
    else:
        console.print("Found in the input: nothing to report.")
    top = sorted(f for f in files if "/" not in f)
    pages = sum(1 for f in files if f.startswith("feedback/") and f.endswith(".html"))
    pdfs = sum(1 for f in files if f.startswith("feedback/") and f.endswith(".pdf"))
    feedback = f"feedback/ ({pages} page{'s' if pages != 1 else ''}" + (
        f", {pdfs} PDF{'s' if pdfs != 1 else ''})" if pdfs else ")"
    )
    console.print(f"Wrote {', '.join(top + [feedback])} to {out_dir}")
