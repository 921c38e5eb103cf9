"""answers-template.csv: written by every `quizgen generate`, filled in by hand, graded as is."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from gradetools import make_manifest

from quizgen import manifest as manifest_mod
from quizgen.cli import cli
from quizgen.grading.answer_template import answers_template_csv
from quizgen.notation import key_text

BANK = Path(__file__).resolve().parents[2] / "banks" / "demo.yaml"


pytestmark = pytest.mark.usefixtures("plots_drawn_once")  # its reports' plots: tests/conftest.py


def test_one_row_per_student_and_problem_with_an_empty_answer() -> None:
    manifest = make_manifest()
    rows = list(csv.reader(io.StringIO(answers_template_csv(manifest).removeprefix("\ufeff"))))
    assert rows[0] == ["student_id", "name", "problem", "answer"]
    assert rows[1:4] == [["s1", "Ada Lovelace", str(slot), ""] for slot in (1, 2, 3)]
    assert len(rows) == 1 + 3 * 3
    assert rows[7][:2] == ["'=cmd|' /C calc'!A0", "Mallory <script>"]  # a spreadsheet shows it, never runs it


def test_generate_writes_it_and_grade_reads_it_back(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "generate",
            "--bank",
            str(BANK),
            "--count",
            "2",
            "--seed",
            "4",
            "--format",
            "json",
            "--out",
            str(tmp_path / "gen"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "answers-template.csv" in result.output
    manifest = manifest_mod.read(tmp_path / "gen" / "manifest.json")
    text = (tmp_path / "gen" / "answers-template.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    first = manifest.students[0]
    keys = {str(p.slot): key_text(p.answer) for p in first.problems}
    for row in rows:  # the teacher types student 001's answers: every key
        if row["student_id"] == first.student_id:
            row["answer"] = keys[row["problem"]]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["student_id", "name", "problem", "answer"])
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "typed.csv").write_text(buf.getvalue(), encoding="utf-8")
    result = runner.invoke(
        cli,
        [
            "grade",
            "--manifest",
            str(tmp_path / "gen" / "manifest.json"),
            str(tmp_path / "typed.csv"),
            "--out",
            str(tmp_path / "g"),
            "--quiet",
            "--workers",
            "1",
            "--timeout",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    grades = {
        r["student_id"]: r
        for r in csv.DictReader(io.StringIO((tmp_path / "g" / "grades.csv").read_text(encoding="utf-8-sig")))
    }
    assert float(grades[first.student_id]["total"]) == sum(p.points for p in first.problems)
    assert float(grades[manifest.students[1].student_id]["total"]) == 0
