from __future__ import annotations

import shutil
import tempfile
import unicodedata
from pathlib import Path

import pytest
from gradetools import FakeBackend, make_problems

from quizgen.errors import LatexError
from quizgen.fileio import file_stems
from quizgen.grading.pdf import render_feedback_pdf
from quizgen.problem import Step
from quizgen.render import scripts
from tests.render.conftest import gradient_problem, make_manifest, make_run, scalar_problem
from tests.render.pdftools import pages, pdf_text, squash
from tests.render.replay import run_key
from tests.render.test_scripts import (
    HOSTILE,
    LONG_ARABIC,
    NAMES,
    assert_told_without_lualatex,
    fail_lualatex,
    hide_lualatex,
    needs_lualatex,
    refuse_lualatex,
    text_of,
)

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py)


def replay_repeats(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, a feedback run of a source this test has already typeset returns that run's result
    (pdflatex gives the same bytes for the same source and files: the reproducibility tests compare real
    runs); any other source is typeset. Returns the job names replayed, in order, so a test that renders the
    same class twice asserts that the second rendering wrote the same source."""
    from quizgen.grading import pdf

    runs: dict[str, object] = {}
    replayed: list[str] = []
    compile_tex = pdf.compile_tex

    def compile_or_replay(tex: str, jobname: str, **kwargs):  # type: ignore[no-untyped-def]
        key = run_key(tex, jobname, kwargs)
        if key in runs:
            replayed.append(jobname)
        else:
            runs[key] = compile_tex(tex, jobname, **kwargs)
        return runs[key]

    monkeypatch.setattr(pdf, "compile_tex", compile_or_replay)
    return replayed


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


# Names in every script (docs/pdfs.md): the feedback PDFs print names as the worksheets do.

CLASS = {"s1": NAMES["s1"], "s2": NAMES["s2"], "s3": NAMES["s5"], "s4": "Nguyễn Thị Hương", "s5": "Ada Lovelace"}
"""Names in two right-to-left scripts and a left-to-right one that LuaLaTeX prints, one pdflatex prints with its
accents, and a plain one. Not Korean: Noto Sans CJK costs LuaLaTeX ~1.5 s of the ~2.3 s this class took, and the
feedback sheets print every script the same way (test_scripts prints every script on the worksheets)."""


class _Checker(FakeBackend):
    def __init__(self, *, workers: int, timeout: float) -> None:
        super().__init__()

    def close(self) -> None:
        pass


def _grade_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, students: dict[str, str], *flags: str):
    """`quizgen grade --pdf` for a class of students (id -> name), everyone answering; the CLI's result."""
    from click.testing import CliRunner

    from quizgen import manifest as manifest_mod
    from quizgen.cli import cli
    from quizgen.grading import engine
    from quizgen.manifest import BankInfo, Manifest
    from quizgen.problem import Sheet

    monkeypatch.setattr(engine, "CheckerBackend", _Checker)
    sheets = [Sheet(sid, name, f"V{k}", make_problems(k + 2)) for k, (sid, name) in enumerate(students.items())]
    path = tmp_path / "gen" / "manifest.json"
    manifest_mod.write(
        Manifest("0.1.0", BankInfo("Chain rule quiz", "NN 101", "", "missing-bank.yaml"), "0" * 64, 7, sheets), path
    )
    answers = tmp_path / "answers.csv"
    answers.write_text("student_id,q1,q2,q3\n" + "".join(f"{sid},2cos(2x),,1\n" for sid in students), encoding="utf-8")
    return CliRunner().invoke(
        cli, ["grade", "--manifest", str(path), str(answers), "--out", str(tmp_path / "o"), "--pdf", *flags]
    )


ARABIC_ID = "فاطمة-٢٠٢٦"
CLASS_AND_MORE = {**CLASS, "s6": HOSTILE, ARABIC_ID: "Fatima"}
"""The class, a hostile name in another script and an id in another script: graded once for the module."""


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory):
    """`quizgen grade --pdf` of CLASS_AND_MORE, run once (LuaLaTeX loads each script's font once): the CLI's
    result and the feedback folder."""
    tmp_path = tmp_path_factory.mktemp("class")
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = _grade_pdf(tmp_path, monkeypatch, CLASS_AND_MORE)
    return result, tmp_path / "o" / "feedback"


@needs_lualatex
def test_grade_pdf_prints_every_name_in_its_own_script(graded_class) -> None:
    result, feedback = graded_class
    assert result.exit_code == 0, result.output
    assert "[U+XXXX]" not in result.output  # no warning: every name is printed
    stems = file_stems(list(CLASS_AND_MORE))
    assert sorted(p.name for p in feedback.glob("*.pdf")) == sorted(f"{stem}.pdf" for stem in stems.values())
    assert not list(feedback.glob("names.*"))  # names.pdf is embedded, not left among the students' files
    for sid, name in CLASS.items():
        sheet = feedback / f"{sid}.pdf"
        assert "[U+" not in text_of(sheet), sid
        for page in range(1, pages(sheet) + 1):
            text = squash(text_of(sheet, "-f", str(page), "-l", str(page)))
            # the header (bold, first page) and every footer
            assert text.count(squash(name)) >= (2 if page == 1 else 1), (sid, page)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_feedback_without_such_names_never_starts_lualatex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_lualatex(monkeypatch)
    names = ["Ada Lovelace", "Zoë O'Brien", "王小明", "Nguyễn Thị Ánh"]
    manifest = make_manifest(names, [scalar_problem(1)], ids=["a", "b", "c", "d"])
    render_feedback_pdf(make_run(manifest), tmp_path, {sid: sid for sid in "abcd"})
    for sid, name in zip("abcd", names):
        text = unicodedata.normalize("NFC", squash(text_of(tmp_path / f"{sid}.pdf")))
        # pdftotext reads the T1 dot below of pdflatex's "ị" as "i."
        assert squash(name).replace("ị", "i.") in text and "[U+" not in text, sid


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_without_lualatex_feedback_names_print_as_codes_and_the_student_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hide_lualatex(monkeypatch)
    replayed = replay_repeats(monkeypatch)
    manifest = make_manifest(["Ada Lovelace", NAMES["s1"]], [scalar_problem(1)], ids=["s1", "s2"])
    render_feedback_pdf(make_run(manifest), tmp_path, {"s1": "s1", "s2": "s2"}, quiet=True)
    assert capsys.readouterr().err == ""  # grade --quiet
    render_feedback_pdf(make_run(manifest), tmp_path, {"s1": "s1", "s2": "s2"})
    assert replayed == ["feedback"]  # quiet or not, the same document
    err = capsys.readouterr().err
    assert_told_without_lualatex(err)
    assert "[U+0641]" in text_of(tmp_path / "s2.pdf")


@needs_lualatex
def test_a_lualatex_failure_leaves_codes_on_the_feedback_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_lualatex(monkeypatch)
    manifest = make_manifest(["Ada Lovelace", NAMES["s2"]], [scalar_problem(1)], ids=["s1", "s2"])
    render_feedback_pdf(make_run(manifest), tmp_path, {"s1": "s1", "s2": "s2"})
    err = " ".join(capsys.readouterr().err.split())
    assert "LuaLaTeX could not typeset the 1 name(s)" in err and "Font not loadable" in err
    assert "LuaLaTeX failed (see above)" in err and "s2 (דוד לוי)" in err
    log = Path(err.split("log in ", 1)[1].split("), so", 1)[0])
    assert log.read_text(encoding="utf-8") == "the log"
    log.unlink()
    assert "[U+05D3]" in text_of(tmp_path / "s2.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s1.pdf", "s2.pdf"]


@needs_lualatex
def test_after_a_lualatex_failure_a_long_name_on_the_feedback_is_cut_as_without_lualatex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feedback's header and footer after a LuaLaTeX failure: the name cut to fit its [U+XXXX] codes,
    as without LuaLaTeX (tests/render/test_scripts.py's LONG_ARABIC), not cut for LuaLaTeX's fonts: the same
    document, so the run without LuaLaTeX is the failed one's, replayed."""
    manifest = make_manifest(["Ada Lovelace", LONG_ARABIC], [scalar_problem(1)], ids=["s1", "s2"])
    replayed = replay_repeats(monkeypatch)
    fail_lualatex(monkeypatch)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the failed run's log is kept, quiet too
    render_feedback_pdf(make_run(manifest), tmp_path / "failed", {"s1": "s1", "s2": "s2"}, quiet=True)
    assert [p.read_text(encoding="utf-8") for p in tmp_path.glob("quizgen-names-*.log")] == ["the log"]
    hide_lualatex(monkeypatch)
    render_feedback_pdf(make_run(manifest), tmp_path / "without", {"s1": "s1", "s2": "s2"}, quiet=True)
    assert replayed == ["feedback"]  # the same source (and no names.pdf) as without LuaLaTeX
    text = squash(text_of(tmp_path / "failed" / "s2.pdf"))
    assert text == squash(text_of(tmp_path / "without" / "s2.pdf"))
    assert "[U+0641][U+0627][U+0637][U+0645][U+0629][U+0627][U+0644]..." in text and "[U+0632]" not in text


@needs_lualatex
def test_a_hostile_name_in_another_script_is_printed_on_the_feedback_not_run(graded_class) -> None:
    from quizgen.grading.pdf import render_feedback_source

    manifest = make_manifest([HOSTILE], [scalar_problem(1)], ids=["s1"])
    source = render_feedback_source(make_run(manifest), snippets=scripts.plan([HOSTILE]))
    assert r"\qgname{1}" in source and "directlua" not in source
    _, feedback = graded_class
    text = text_of(feedback / "s6.pdf")
    # pdftotext orders text around a right-to-left word unreliably: each left-to-right piece is checked
    assert "\\input{/etc/passwd} $x$ %#&_" in text and "directlua{os.exit(1)}" in text and "فاطمة" in text
    assert "root:" not in text


@needs_lualatex
def test_a_student_id_in_another_script_prints_on_the_feedback(graded_class) -> None:
    _, feedback = graded_class
    text = text_of(feedback / f"{file_stems(list(CLASS_AND_MORE))[ARABIC_ID]}.pdf")
    assert "[U+" not in text
    # the header and the footer; pdftotext orders the pieces around a right-to-left word unreliably, so each
    # piece is counted (the student's name, Fatima, is in Latin letters)
    for piece in ("فاطمة", "٢٠٢٦"):
        assert squash(text).count(piece) >= 2, piece
