"""The terminal summary after grading: counts, mean, median, success per problem, and what was found."""

from __future__ import annotations

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
    "absent": "students without any answer",
    "unmatched_column": "question columns not matched to a problem",
}


def print_summary(run: GradeRun, console: Console, out_dir: str) -> None:
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
    table = Table(title=None, show_edge=False, pad_edge=False)
    for name, justify in (("problem", "right"), ("family", "left"), ("correct", "right"), ("partly", "right"),
                          ("incorrect", "right"), ("invalid", "right"), ("blank", "right"), ("mean points", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for p in st.problems:
        table.add_row(
            str(p.slot), p.family, f"{fmt_number(p.share('correct'))}%", f"{fmt_number(p.share('partial'))}%",
            f"{fmt_number(p.share('incorrect'))}%", f"{fmt_number(p.share('invalid'))}%",
            f"{fmt_number(p.share('blank', 'missing'))}%",
            f"{fmt_number(p.mean_points)} / {fmt_number(p.max_points)}",
        )
    console.print(table)
    if st.issues:
        found = "; ".join(f"{n} {ISSUE_WORDS.get(kind, kind)}" for kind, n in sorted(st.issues.items()))
        console.print(f"Found in the input: {found} (details in {out_dir}/problems.csv).")
    else:
        console.print("Found in the input: nothing to report.")
    console.print(f"Wrote grades.csv, responses.csv, problems.csv, report.html and feedback/ to {out_dir}")
