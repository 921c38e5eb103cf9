"""`grade --pdf`: one PDF feedback sheet per student, typeset by quizgen.render (one pdflatex run, split)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from quizgen.errors import LatexError
from quizgen.grading.model import GradeRun


def pdf_writer() -> Callable[[GradeRun, Path, dict[str, str]], None]:
    """The function write_outputs calls to add feedback/<stem>.pdf for every student."""
    from quizgen.render import render_feedback_pdf

    def write(run: GradeRun, folder: Path, stems: dict[str, str]) -> None:
        try:
            render_feedback_pdf(run, folder, stems)
        except LatexError as exc:
            # The staging folder is discarded on failure, so keep pdflatex's log where the user can read it.
            log = folder / "feedback.log"
            if log.exists():
                fd, kept = tempfile.mkstemp(prefix="quizgen-feedback-", suffix=".log")
                with open(fd, "wb") as handle:
                    handle.write(log.read_bytes())
                message = exc.message.split("; full log in")[0]
                raise LatexError(f"{message}; full log in {kept}; nothing was written") from None
            raise

    return write


__all__ = ["pdf_writer"]
