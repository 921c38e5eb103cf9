"""`quizgen grade` through click's CliRunner (the checker replaced by the fake backend)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gradetools import FakeBackend

from quizgen.cli import cli
from quizgen.grading import engine


class ClosableFake(FakeBackend):
    def __init__(self, *, workers: int, timeout: float) -> None:
        super().__init__()
        ClosableFake.made = (workers, timeout)

    def close(self) -> None:
        ClosableFake.closed = True


@pytest.fixture(autouse=True)
def fake_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "CheckerBackend", ClosableFake)


def answers(tmp_path: Path, text: str = "student_id,q1,q2,q3\ns1,2cos(2x),\"[2y,2x]\",1\ns2,cos(3x),,1\n") -> Path:
    path = tmp_path / "answers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, ["grade", *args], catch_exceptions=False)


def test_grade_writes_outputs_next_to_the_manifest_and_prints_a_summary(tmp_path: Path, manifest_path: Path) -> None:
    result = invoke("--manifest", str(manifest_path), str(answers(tmp_path)), "--workers", "3", "--timeout", "1.5")
    assert result.exit_code == 0, result.output
    out = manifest_path.parent / "grades"
    assert (out / "grades.csv").exists() and (out / "report.html").exists() and (out / "feedback" / "s1.html").exists()
    assert "Graded 2 students (1 absent, not counted)" in result.output and "mean" in result.output
    assert "chain_single" in result.output  # the per-problem table
    assert "blank" in result.output and "problems.csv" in result.output
    assert ClosableFake.made == (3, 1.5) and ClosableFake.closed


def test_strict_fails_after_writing_when_problems_were_found(tmp_path: Path, manifest_path: Path) -> None:
    out = tmp_path / "o"
    result = invoke("--manifest", str(manifest_path), str(answers(tmp_path)), "--out", str(out), "--strict")
    assert result.exit_code == 1
    assert "--strict" in result.output and (out / "problems.csv").exists()


def test_quiet_prints_nothing_and_gradebooks_are_written(tmp_path: Path, manifest_path: Path) -> None:
    out = tmp_path / "o"
    result = invoke("--manifest", str(manifest_path), str(answers(tmp_path)), "--out", str(out), "--quiet",
                    "--gradebook", "canvas", "--gradebook", "moodle")
    assert result.exit_code == 0 and result.output == ""
    assert (out / "gradebook-canvas.csv").exists() and (out / "gradebook-moodle.csv").exists()


def test_edited_manifest_is_refused_in_one_line(tmp_path: Path, manifest_path: Path) -> None:
    manifest_path.write_text(manifest_path.read_text().replace("3*cos(3*x)", "0"), encoding="utf-8")
    result = invoke("--manifest", str(manifest_path), str(answers(tmp_path)))
    assert result.exit_code == 1
    assert "checksum mismatch" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (manifest_path.parent / "grades").exists()


def test_unreadable_answers_file_is_one_line_and_writes_nothing(tmp_path: Path, manifest_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"student_id,q1\ns1,\xff\n")
    result = invoke("--manifest", str(manifest_path), str(bad))
    assert result.exit_code == 1 and "not UTF-8" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (manifest_path.parent / "grades").exists()


def test_first_flag(tmp_path: Path, manifest_path: Path) -> None:
    path = answers(tmp_path, "student_id,problem,answer\ns1,1,2cos(2x)\ns1,1,cos(2x)\n")
    out = tmp_path / "o"
    invoke("--manifest", str(manifest_path), str(path), "--out", str(out), "--first", "--quiet")
    assert "s1,Ada Lovelace,V0,2," in (out / "grades.csv").read_text(encoding="utf-8-sig")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_pdf_writes_one_feedback_pdf_per_student(tmp_path: Path, manifest_path: Path) -> None:
    out = tmp_path / "o"
    result = invoke("--manifest", str(manifest_path), str(answers(tmp_path)), "--out", str(out), "--pdf", "--quiet")
    assert result.exit_code == 0, result.output
    pdfs = sorted(p.name for p in (out / "feedback").glob("*.pdf"))
    assert pdfs[1:] == ["s1.pdf", "s2.pdf"] and len(pdfs) == 3
    assert all((out / "feedback" / n).read_bytes().startswith(b"%PDF") for n in pdfs)
