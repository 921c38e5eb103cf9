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
