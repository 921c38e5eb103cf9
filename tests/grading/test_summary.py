from __future__ import annotations

import io

from rich.console import Console

from quizgen.grading.summary import print_summary
from tests.render.conftest import make_manifest, make_run, scalar_problem


def _printed(files: list[str]) -> str:
    out = io.StringIO()
    run = make_run(make_manifest(["Ada"], [scalar_problem(1)], ids=["ada"]))
    print_summary(run, Console(file=out, width=200), "out", files)
    return out.getvalue()


def test_the_files_line_counts_feedback_pages_in_words_that_agree() -> None:
    assert "feedback/ (1 page) to out" in _printed(["grades.csv", "feedback/ada.html"])
    two = _printed(["grades.csv", "feedback/a.html", "feedback/b.html", "feedback/a.pdf", "feedback/b.pdf"])
    assert "feedback/ (2 pages, 2 PDFs) to out" in two


def test_the_review_line_counts_one_answer_in_the_singular() -> None:
    from dataclasses import replace

    out = io.StringIO()
    run = make_run(make_manifest(["Ada"], [scalar_problem(1), scalar_problem(2)], ids=["ada"]))
    ada = run.results[0]
    ada.answers[1] = replace(ada.answers[1], outcome="invalid", score=0.0, points=0.0)
    print_summary(run, Console(file=out, width=200), "out", [])
    assert "To review: 1 answer could not be read or decided;" in out.getvalue()
