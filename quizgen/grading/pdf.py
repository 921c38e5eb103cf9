"""`quizgen grade --pdf`: one feedback PDF per student through the same templates as the worksheets.

Grading owns the feedback sheet (its model is the GradeRun); quizgen.render typesets it. All students are
typeset in one pdflatex run (feedback.tex.j2) and the result is split, as for --split; the file names are
the ones grading uses for the HTML feedback pages. Names pdflatex cannot print (Arabic, Korean...) are
typeset once with LuaLaTeX and included, as on the worksheets (quizgen.render.scripts).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quizgen.errors import LatexError
from quizgen.fileio import atomic_write_bytes
from quizgen.grading.model import VERDICT_LABEL, GradedAnswer, GradeRun, display_outcome
from quizgen.render import scripts
from quizgen.render.compile import CompileError, compile_tex
from quizgen.render.context import (
    ProblemContext,
    StudentContext,
    document_context,
    problem_context,
    student_context,
    uses_cjk,
)
from quizgen.render.documents import (
    compile_timeout,
    printed_texts,
    render_with_names,
    warn_name_fallbacks,
    warn_scripts,
)
from quizgen.render.environment import Tex, build_environment, render_template
from quizgen.render.split import split_pdf
from quizgen.typeset.latexmath import (
    INLINE_MAX_CHARS,
    check_latex,
    display_math,
    indicator_notation,
    visible_width,
)


@dataclass(frozen=True)
class FeedbackAnswer:
    problem: ProblemContext
    typed: str
    verdict: str  # correct | partial | incorrect | invalid | blank | missing
    verdict_label: str
    interpreted: Tex  # math of the answer as understood, "" when unreadable
    interpreted_inline: bool  # short enough to set in the line rather than displayed
    feedback: str
    score: float
    points: float


@dataclass(frozen=True)
class FeedbackStudent:
    student: StudentContext
    total: float
    max_points: float
    percent: float
    answers: list[FeedbackAnswer]
    pending: int = 0  # answers waiting for review: the total is provisional (as on the HTML page)


def _interpreted(answer: GradedAnswer) -> Tex:
    """The answer as understood in LaTeX; unusual LaTeX falls back to the plain text (never fails a batch)."""
    if not answer.interpreted_latex.strip():
        return Tex("")
    try:
        check_latex(answer.interpreted_latex, "interpreted answer")
    except LatexError:
        return Tex("")
    return Tex(display_math(indicator_notation(answer.interpreted_latex)))


def feedback_students(run: GradeRun, *, unicode_fonts: bool) -> list[FeedbackStudent]:
    """The template context for every student in the run, in roster order (unicode_fonts: whether names in
    scripts pdflatex lacks print from LuaLaTeX's names.pdf, as for student_context)."""
    out = []
    for index, result in enumerate(run.results, 1):
        student = student_context(result.sheet, index, unicode_fonts=unicode_fonts)
        numbers = {p.slot: p.number for p in student.problems}
        answers = []
        for a in result.answers:
            shown = display_outcome(a)
            answers.append(
                FeedbackAnswer(
                    # The problem the answer was graded against: for LMS responses that is the variant the
                    # student saw, which may differ from their own sheet's problem in that slot.
                    problem=problem_context(result.sheet, a.problem, numbers.get(a.slot, a.slot)),
                    typed=a.typed,
                    verdict=shown,
                    verdict_label=VERDICT_LABEL.get(shown, shown),
                    interpreted=_interpreted(a),
                    interpreted_inline=visible_width(a.interpreted_latex) <= INLINE_MAX_CHARS,
                    feedback=(f"Teacher's review: {a.override.describe()}. " if a.override else "")
                    + (a.feedback if a.outcome != "correct" else "")
                    + (" The checker could not grade this answer; your teacher reviews it." if a.pending else ""),
                    score=a.score,
                    points=a.points,
                )
            )
        out.append(
            FeedbackStudent(
                student,
                total=result.total,
                max_points=result.max_points,
                percent=result.percent,
                answers=answers,
                pending=result.pending if run.provisional(result) else 0,
            )
        )
    return out


def render_feedback_source(
    run: GradeRun, template_dir: Path | None = None, snippets: scripts.Snippets | None = None
) -> str:
    """The LaTeX of every student's feedback sheet. snippets are the names printed from names.pdf
    (quizgen.render.scripts); without them such names print as [U+XXXX]."""
    env = build_environment(template_dir, snippets.macros() if snippets else None)
    students = feedback_students(run, unicode_fonts=bool(snippets))
    more = [text for s in run.results for a in s.answers for text in (a.typed, a.feedback)]
    doc = document_context(run.manifest, "feedback", cjk=uses_cjk(run.manifest, more), double_sided=False)
    return render_template(env, "feedback.tex.j2", {"doc": doc, "students": students})


def render_feedback_pdf(
    run: GradeRun, folder: Path, stems: dict[str, str], *, template_dir: Path | None = None, quiet: bool = False
) -> list[Path]:
    """Write folder/<stems[student_id]>.pdf for every student of run (one compile, then split).

    Names in scripts pdflatex lacks are typeset first by LuaLaTeX (only when there are any) and embedded in
    the PDFs; names.pdf itself is not written. Unless quiet, the students whose names print as [U+XXXX]
    codes or shortened are named on stderr, as generate does.

    Raises:
        LatexError: pdflatex is missing or the document fails to compile (the message names the student
            and problem, and where the log was kept).
    """
    if not run.results:
        return []
    sheets = [r.sheet for r in run.results]
    named = render_with_names(
        printed_texts(run.manifest, sheets),
        lambda snippets: render_feedback_source(run, template_dir, snippets),
        compile=shutil.which("pdflatex") is not None,
        log_dir=None,  # grade's feedback folder holds students' files only: a log goes to the temporary folder
        quiet=quiet,
    )
    tex = named.rendered

    def describe(student: int, problem: int | None) -> str:
        sheet = run.results[student - 1].sheet if 1 <= student <= len(run.results) else None
        text = f"student {sheet.student_id!r}" if sheet else f"student #{student}"
        return text + (f", problem {problem}" if problem else "")

    try:
        result = compile_tex(
            tex,
            "feedback",
            timeout=compile_timeout(len(run.results)),
            describe=describe,
            files={f"{scripts.JOBNAME}.pdf": named.names_pdf} if named.names_pdf else None,
        )
    except CompileError as exc:
        # grade writes its outputs through a staging folder that is dropped on failure, so the log is
        # kept in the system's temporary folder instead.
        fd, log_path = tempfile.mkstemp(prefix="quizgen-feedback-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(exc.log)
        raise LatexError(f"{exc.message}; full log in {log_path}") from None
    ranges = [result.marks.get(i, (0, 0)) for i in range(1, len(run.results) + 1)]
    if any(first < 1 for first, _ in ranges):
        raise LatexError("feedback.pdf: cannot split per student (the template does not call \\qgmark)")
    written = []
    for r, data in zip(run.results, split_pdf(result.pdf, ranges)):
        path = Path(folder) / f"{stems[r.sheet.student_id]}.pdf"
        atomic_write_bytes(path, data)
        written.append(path)
    warn_name_fallbacks(sheets, named.snippets, quiet=quiet)
    warn_scripts(sheets, named.snippets, quiet=quiet)
    return written


def pdf_writer(*, quiet: bool = False) -> Callable[[GradeRun, Path, dict[str, str]], None]:
    """The function write_outputs calls to add feedback/<stem>.pdf for every student (quiet: no warnings
    about names printed as [U+XXXX] codes)."""

    def write(run: GradeRun, folder: Path, stems: dict[str, str]) -> None:
        try:
            render_feedback_pdf(run, folder, stems, quiet=quiet)
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


__all__ = ["feedback_students", "pdf_writer", "render_feedback_pdf", "render_feedback_source"]
