"""`grade --pdf`: one PDF feedback sheet per student, typeset through quizgen.render's templates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from quizgen.errors import QuizgenError
from quizgen.grading.model import GradeRun


def pdf_writer() -> Callable[[GradeRun, Path, dict[str, str]], None]:
    """The function that writes feedback/<student>.pdf for every student, or a one-line error."""
    try:
        from quizgen.render import render_feedback_pdf  # type: ignore[attr-defined]
    except ImportError:
        raise QuizgenError("--pdf is not available in this build (quizgen.render has no feedback PDFs yet)") from None

    def write(run: GradeRun, folder: Path, stems: dict[str, str]) -> None:
        render_feedback_pdf(run, folder, stems)

    return write
