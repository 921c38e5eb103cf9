from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from quizgen.errors import LatexError
from quizgen.grading.pdf import render_feedback_pdf
from quizgen.problem import Step
from tests.render.conftest import gradient_problem, make_manifest, make_run, scalar_problem
from tests.render.pdftools import pages, pdf_text


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_one_feedback_pdf_per_student_with_verdicts_and_keys(tmp_path: Path) -> None:
    manifest = make_manifest(["Ada Lovelace", "Bo & Co"], [scalar_problem(1), gradient_problem(2)])
    stems = {"s001": "s001", "s002": "s002-x"}
    written = render_feedback_pdf(make_run(manifest), tmp_path, stems)
    assert written == [tmp_path / "s001.pdf", tmp_path / "s002-x.pdf"]
    first = pdf_text(tmp_path / "s001.pdf")
    assert "Score:4/10points" in first
    assert "correct" in first and "incorrect" in first
    assert r"15(2x^2)^4&\input{x}$" in first  # the typed answer, printed verbatim
    assert "Youforgottheinnerderivative4x(chainrule)." in first
    assert "960x9" in first
    second = pdf_text(tmp_path / "s002-x.pdf")
    assert "Bo&Co" in second and "(nothing)" in second
    assert pages(tmp_path / "s001.pdf") >= 1


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_a_broken_feedback_template_names_the_student_and_keeps_the_log(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    original = (Path(__file__).parents[2] / "templates" / "feedback.tex.j2").read_text(encoding="utf-8")
    (templates / "feedback.tex.j2").write_text(original.replace(r"\textit{You wrote:}", r"\oops"), encoding="utf-8")
    manifest = make_manifest(["Ada", "Bo"], [scalar_problem(1)], ids=["ada", "bo"])
    with pytest.raises(LatexError, match=r"student 'ada', problem 1\): LaTeX error: Undefined control sequence") as err:
        render_feedback_pdf(make_run(manifest), tmp_path / "out", {"ada": "ada", "bo": "bo"}, template_dir=templates)
    log = Path(err.value.message.rsplit("full log in ", 1)[1])
    assert log.is_file() and "oops" in log.read_text(encoding="utf-8")
    log.unlink()
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_feedback_shows_the_variant_the_answer_was_graded_against(tmp_path: Path) -> None:
    """LMS regrading grades a slot against the variant the student saw, not their own sheet's problem."""
    from dataclasses import replace

    from quizgen.grading.model import GradeRun

    manifest = make_manifest(["Ada"], [scalar_problem(1)], ids=["ada"])
    seen = replace(
        scalar_problem(1),
        prompt_text="Let h(x) = 7*x**3. Find dh/dx.",
        prompt_latex=r"Let $h(x) = 7 x^{3}$. Find $\frac{\partial h}{\partial x}$.",
        function="7*x**3",
        function_latex="7 x^{3}",
        answer="21*x**2",
        answer_latex="21 x^{2}",
        steps=[Step("Power rule: 21*x**2", r"\text{Power rule: } 21 x^{2}")],
    )
    run = make_run(manifest)
    result = run.results[0]
    regraded = replace(result, answers=[replace(result.answers[0], problem=seen)])
    render_feedback_pdf(GradeRun(manifest=manifest, results=[regraded], issues=[]), tmp_path, {"ada": "ada"})
    text = pdf_text(tmp_path / "ada.pdf")
    assert "7x3" in text and "Correctanswer:∂h=21x2" in text
    assert "3(2x2)5" not in text and "Simplify" not in text  # nothing of the student's own sheet


def test_a_total_waiting_for_review_is_marked_provisional_on_the_feedback_sheet() -> None:
    """As on the HTML page: an invalid answer waits for the teacher, so the printed total may still go up."""
    from dataclasses import replace

    from quizgen.grading.pdf import render_feedback_source

    manifest = make_manifest(["Ada", "Bo"], [scalar_problem(1), gradient_problem(2)], ids=["ada", "bo"])
    run = make_run(manifest)
    ada = run.results[0]
    ada.answers[1] = replace(ada.answers[1], outcome="invalid", score=0.0, points=0.0)
    source = render_feedback_source(run)
    ada_part, bo_part = source.split("% qg:student=2", 1)
    assert r"points (40\,\%), provisional" in ada_part
    assert "1 answer could not be graded by the checker and will be reviewed by your teacher" in ada_part
    assert "provisional" not in bo_part
    final = replace(run, invalid="zero")  # --invalid zero: the 0 is final, nothing is provisional
    assert "provisional" not in render_feedback_source(final)
