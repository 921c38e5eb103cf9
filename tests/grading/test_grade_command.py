"""`quizgen grade` through click's CliRunner (the checker replaced by the fake backend)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gradetools import FakeBackend

from quizgen.cli import cli
from quizgen.grading import engine

pytestmark = pytest.mark.usefixtures("plots_drawn_once")  # most tests here grade the same answers: tests/conftest.py


class ClosableFake(FakeBackend):
    def __init__(self, *, workers: int, timeout: float) -> None:
        super().__init__()
        ClosableFake.made = (workers, timeout)

    def close(self) -> None:
        ClosableFake.closed = True


@pytest.fixture(autouse=True)
def fake_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "CheckerBackend", ClosableFake)


def answers(tmp_path: Path, text: str = 'student_id,q1,q2,q3\ns1,2cos(2x),"[2y,2x]",1\ns2,cos(3x),,1\n') -> Path:
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
    result = invoke(
        "--manifest",
        str(manifest_path),
        str(answers(tmp_path)),
        "--out",
        str(out),
        "--quiet",
        "--gradebook",
        "canvas",
        "--gradebook",
        "moodle",
    )
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


def flat(result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def read_rows(path: Path) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_answers_for_another_manifest_stop_with_one_line_and_write_nothing(tmp_path: Path, manifest_path: Path) -> None:
    path = answers(tmp_path, "student_id,q1,q2\nx2601,2x,\nx2602,3x,1\nx2603,,\nx2604,1,1\n")
    result = invoke("--manifest", str(manifest_path), str(path))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "none of its 4 students (x2601, x2602, x2603, ...) is in" in flat(result)
    assert "another manifest" in flat(result) and not (manifest_path.parent / "grades").exists()


def test_an_empty_answers_file_stops_too(tmp_path: Path, manifest_path: Path) -> None:
    result = invoke("--manifest", str(manifest_path), str(answers(tmp_path, "student_id,problem,answer\n")))
    assert result.exit_code == 1 and "no answers could be read" in flat(result)


def test_manifest_folder_unknown_ids_and_absent_students(tmp_path: Path, manifest_path: Path) -> None:
    path = answers(
        tmp_path, 'student_id,name,q1,q2,q3\ns1,Ada Lovelace,2cos(2x),"[2y,2x]",1\ns02,Émile Borel,3cos(3x),,\n'
    )
    out = tmp_path / "o"
    result = invoke("--manifest", str(manifest_path.parent), str(path), "--out", str(out), "--gradebook", "canvas")
    assert result.exit_code == 0, result.output
    assert "Not in the manifest" in flat(result) and "did you mean s2 (same name)?" in flat(result)
    assert "Absent" in flat(result) and "s2" in flat(result)
    grades = {r["student_id"]: r for r in read_rows(out / "grades.csv")}
    assert (grades["s2"]["total"], grades["s2"]["status"]) == ("", "absent")
    canvas = (out / "gradebook-canvas.csv").read_text(encoding="utf-8").splitlines()
    assert canvas[2:] == [
        "Ada Lovelace,101,SIS1,,A,6",
        "Émile Borel,102,SIS2,,A,",
        "Mallory <script>,,'=cmd|' /C calc'!A0,,B,",
    ]
    result = invoke(
        "--manifest",
        str(manifest_path.parent),
        str(path),
        "--out",
        str(out),
        "--gradebook",
        "canvas",
        "--absent",
        "zero",
        "--quiet",
    )
    canvas = (out / "gradebook-canvas.csv").read_text(encoding="utf-8").splitlines()
    assert canvas[3:] == ["Émile Borel,102,SIS2,,A,0", "Mallory <script>,,'=cmd|' /C calc'!A0,,B,0"]


def test_a_folder_without_a_manifest_is_one_line(tmp_path: Path) -> None:
    result = invoke("--manifest", str(tmp_path), str(answers(tmp_path)))
    assert result.exit_code == 1 and "no manifest.json in this folder" in flat(result)


def test_unreadable_answers_wait_for_review_and_overrides_settle_them(tmp_path: Path, manifest_path: Path) -> None:
    path = answers(tmp_path, 'student_id,q1,q2,q3\ns1,2cos(2x,"[2y,2x]",1\ns2,3cos(3x),"[3y, 3x]",1 ~\nS1,cos(2x),,\n')
    out = tmp_path / "o"
    result = invoke("--manifest", str(manifest_path), str(path), "--out", str(out), "--gradebook", "moodle")
    assert result.exit_code == 0, result.output
    assert "To review: 2 answers" in flat(result) and "provisional" in flat(result)
    assert "s1: problem 1" in flat(result) and "s2: problem 3" in flat(result)
    review = read_rows(out / "review.csv")
    assert [
        (r["student_id"], r["problem"], r["verdict"], r["suggested_reading"], r["repair"], r["line"]) for r in review
    ] == [("s1", "1", "invalid", "2*cos(2*x)", "closing bracket ')' added", "2"), ("s2", "3", "unsure", "", "", "3")]
    assert review[0]["key"] == "2*cos(2*x)" and review[0]["message"] == "Your answer could not be read."
    grades = {r["student_id"]: r for r in read_rows(out / "grades.csv")}
    assert (grades["s1"]["total"], grades["s1"]["status"]) == ("4", "provisional")
    assert (out / "gradebook-moodle.csv").read_text(encoding="utf-8").splitlines()[1:3] == [
        "s1,ada@uni.edu,",
        "s2,emile@uni.edu,",
    ]  # provisional: blank until reviewed
    report = (out / "report.html").read_text(encoding="utf-8")
    assert report.index("To review: 2 answers") < report.index("<h2>Scores</h2>")
    responses = read_rows(out / "responses.csv")
    conflict = [r for r in responses if r["counted"] == "no"]
    assert [(r["student_id"], r["problem"], r["answer"]) for r in conflict] == [("S1", "1", "cos(2x)")]
    assert "Id conflicts" in flat(result)
    strict = invoke("--manifest", str(manifest_path), str(path), "--out", str(out), "--strict", "--quiet")
    assert strict.exit_code == 1 and "2 answers to review" in flat(strict)

    ov = tmp_path / "overrides.csv"
    ov.write_text(
        "student_id,problem,verdict,note\ns1,1,correct,closing bracket missing\ns2,3,incorrect,\n", encoding="utf-8"
    )
    result = invoke(
        "--manifest", str(manifest_path), str(path), "--out", str(out), "--gradebook", "moodle", "--overrides", str(ov)
    )
    assert result.exit_code == 0, result.output
    assert "To review" not in flat(result) and "Overrides applied: 2." in flat(result)
    grades = {r["student_id"]: r for r in read_rows(out / "grades.csv")}
    assert (grades["s1"]["total"], grades["s1"]["status"], grades["s2"]["status"]) == ("6", "graded", "graded")
    assert (out / "gradebook-moodle.csv").read_text(encoding="utf-8").splitlines()[1:3] == [
        "s1,ada@uni.edu,6",
        "s2,emile@uni.edu,5",
    ]
    row = next(r for r in read_rows(out / "responses.csv") if (r["student_id"], r["problem"]) == ("s1", "1"))
    assert (row["verdict"], row["points"], row["override"]) == ("invalid", "2", "correct (closing bracket missing)")
    assert "Teacher's review" in (out / "feedback" / "s1.html").read_text(encoding="utf-8")
    assert "Overrides: 2" in (out / "report.html").read_text(encoding="utf-8")
    assert read_rows(out / "review.csv")[0]["override"] == "correct (closing bracket missing)"


def test_invalid_zero_makes_grades_final(tmp_path: Path, manifest_path: Path) -> None:
    path = answers(tmp_path, 'student_id,q1,q2,q3\ns1,2cos(2x,"[2y,2x]",1\ns2,3cos(3x),,1\n')
    out = tmp_path / "o"
    result = invoke(
        "--manifest", str(manifest_path), str(path), "--out", str(out), "--invalid", "zero", "--gradebook", "moodle"
    )
    assert result.exit_code == 0 and "counted as 0 (--invalid zero)" in flat(result)
    assert (out / "gradebook-moodle.csv").read_text(encoding="utf-8").splitlines()[1] == "s1,ada@uni.edu,4"
    assert read_rows(out / "grades.csv")[0]["status"] == "graded" and len(read_rows(out / "review.csv")) == 1


def test_a_bad_overrides_file_is_one_line_with_its_line_and_writes_nothing(tmp_path: Path, manifest_path: Path) -> None:
    ov = tmp_path / "overrides.csv"
    ov.write_text("student_id,problem,points,note\ns1,1,2,ok\ns9,1,1,who\n", encoding="utf-8")
    out = tmp_path / "o"
    result = invoke("--manifest", str(manifest_path), str(answers(tmp_path)), "--out", str(out), "--overrides", str(ov))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert f"{ov}:3: no student 's9'" in flat(result) and not out.exists()


def test_a_bank_edited_after_generation_warns_but_grades(tmp_path: Path) -> None:
    from quizgen import manifest as manifest_mod
    from quizgen.bank import load_bank
    from quizgen.generate import generate
    from quizgen.roster import Student

    bank = tmp_path / "bank.yaml"
    slot = "  - {family: sum_rule, difficulty: 1, variables: [x, y], points: 1, ask: partial}\n"
    bank.write_text('title: "Quiz"\nseed: 3\nslots:\n' + slot * 3, encoding="utf-8")
    manifest = generate(load_bank(bank), [Student("s1", "Ada", {})], seed=9)
    manifest_mod.write(manifest, tmp_path / "gen" / "manifest.json")
    bank.write_text(bank.read_text(encoding="utf-8").replace('"Quiz"', '"Quiz 1"'), encoding="utf-8")
    key = manifest.students[0].problems[0].answer
    path = answers(tmp_path, f"student_id,q1\ns1,{key}\n")
    result = CliRunner().invoke(cli, ["grade", "--manifest", str(tmp_path / "gen"), str(path), "--quiet"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "Warning: bank" in result.stderr and "wording only" in result.stderr
    assert "wording only" in (tmp_path / "gen" / "grades" / "report.html").read_text(encoding="utf-8")


def test_help_for_out_names_every_file_grade_writes(tmp_path: Path, manifest_path: Path) -> None:
    import re

    out = tmp_path / "o"
    args = ["--out", str(out), "--quiet", "--gradebook", "canvas", "--gradebook", "moodle"]
    assert invoke("--manifest", str(manifest_path), str(answers(tmp_path)), *args).exit_code == 0
    written = {p.name + ("/" if p.is_dir() else "") for p in out.iterdir()}
    assert {"grades.csv", "review.csv", "items.csv", "feedback/", "gradebook-moodle.csv"} <= written
    text = " ".join(invoke("--help").output.split())
    out_help = re.search(r"--out DIRECTORY (.*?) --first", text)
    assert out_help is not None
    assert [name for name in sorted(written) if name not in out_help.group(1)] == []
