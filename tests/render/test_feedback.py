from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from quizgen.errors import LatexError
from quizgen.render import render_feedback_pdf

from .conftest import gradient_problem, make_manifest, make_run, scalar_problem
from .test_documents import pdf_text, pages


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
