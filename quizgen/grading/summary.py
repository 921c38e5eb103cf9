"""The terminal summary after grading: counts, mean, median, success per problem, and what was found."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from quizgen.grading.csvout import fmt_number
from quizgen.grading.model import GradeRun
from quizgen.grading.stats import class_stats

ISSUE_WORDS = {
    "unreadable_row": "unreadable rows",
    "unknown_student": "answers from unknown students",
    "unknown_problem": "answers to unknown problems",
    "duplicate": "duplicate answers",
    "blank": "blank answers",
    "missing": "unanswered problems",
    "absent": "students with no answers",
    "unmatched_column": "unmatched question columns",
    "unreadable_file": "unreadable files",
    "wrong_sheet": "worksheets not from this class",
    "guessed_problem": "LMS questions matched by position only",
}


def _pct(value: float) -> str:
    return f"{round(value)}%"


def print_summary(run: GradeRun, console: Console, out_dir: str, files: Sequence[str] = ()) -> None:
    """Print the summary; files are the written paths relative to out_dir (to name what was written)."""
    st = class_stats(run)
    c = st.counts
    console.print(
        f"Graded {st.students} students, {st.answers} answers: {c['correct']} correct, {c['partial']} partly right, "
        f"{c['incorrect']} incorrect, {c['invalid']} invalid, {c['blank'] + c['missing']} blank or missing."
    )
    console.print(
        f"Score: mean {fmt_number(st.mean)}%, median {fmt_number(st.median)}%, "
        f"lowest {fmt_number(st.low)}%, highest {fmt_number(st.high)}%."
    )
    table = Table(show_edge=False, pad_edge=False)
    for name, justify in (("#", "right"), ("family", "left"), ("right", "right"), ("partly", "right"),
                          ("wrong", "right"), ("invalid", "right"), ("blank", "right"), ("mean pts", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for p in st.problems:
        table.add_row(
            str(p.slot), p.family, _pct(p.share("correct")), _pct(p.share("partial")), _pct(p.share("incorrect")),
            _pct(p.share("invalid")), _pct(p.share("blank", "missing")),
            f"{fmt_number(p.mean_points)}/{fmt_number(p.max_points)}",
        )
    console.print(table)
    if st.issues:
        found = "; ".join(f"{ISSUE_WORDS.get(kind, kind)}: {n}" for kind, n in sorted(st.issues.items()))
        console.print(f"Found in the input: {found} (details in {out_dir}/problems.csv).")
    else:
        console.print("Found in the input: nothing to report.")
    top = sorted(f for f in files if "/" not in f)
    pages = sum(1 for f in files if f.startswith("feedback/") and f.endswith(".html"))
    pdfs = sum(1 for f in files if f.startswith("feedback/") and f.endswith(".pdf"))
    feedback = f"feedback/ ({pages} pages" + (f", {pdfs} PDFs)" if pdfs else ")")
    console.print(f"Wrote {', '.join(top + [feedback])} to {out_dir}")
