"""Generate for a roster, answer, grade through the CLI, and check every total and verdict.

Runs with the fake checker always, and with the real one (quizgen.checker) once the parser is installed.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from gradetools import FakeBackend

from quizgen import manifest as manifest_mod
from quizgen.bank import load_bank
from quizgen.cli import cli
from quizgen.generate import generate
from quizgen.grading import engine
from quizgen.problem import Problem
from quizgen.roster import read_roster

pytestmark = pytest.mark.usefixtures("plots_drawn_once")  # its reports' plots: tests/conftest.py

BANK = """\
title: "Grading end to end"
course: "NN 101"
instructions: "Answer everything."
seed: 5
slots:
  - {family: sum_rule, difficulty: 1, variables: [x, y], points: 1, ask: partial}
  - {family: chain_single, difficulty: 1, variables: [x], points: 2}
  - {family: gradient, difficulty: 1, variables: [x, y], points: 3, ask: gradient}
  - {family: relu, difficulty: 1, variables: [x], points: 1, ask: partial}
"""
ROSTER = """\
student_id,name,email,sis_user_id,section
s1,Ada Lovelace,ada@uni.edu,SIS1,A
s2,Émile Borel,emile@uni.edu,SIS2,A
s3,"O'Brien, Pat",pat@uni.edu,SIS3,B
s4,Absent Student,absent@uni.edu,SIS4,B
"""


def _has_parser() -> bool:
    return importlib.util.find_spec("quizgen.mathparse") is not None and hasattr(
        importlib.import_module("quizgen.mathparse"), "parse_answer"
    )


import importlib  # noqa: E402


class Fake(FakeBackend):
    def __init__(self, *, workers: int, timeout: float) -> None:
        super().__init__()

    def close(self) -> None:
        pass


@pytest.fixture(params=["fake", "real"])
def checker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "fake":
        monkeypatch.setattr(engine, "CheckerBackend", Fake)
    elif not _has_parser():
        pytest.skip("the real checker needs quizgen.mathparse, not installed yet")
    return request.param


def rewritten(key: str, real: bool) -> str:
    """The key as a student might type it: ^ for **, implied products, indicators for Piecewise."""
    if not real:
        return key.replace(" ", "").replace("**", "^")
    m = re.fullmatch(r"Piecewise\(\((.*), (.*)\), \(0, True\)\)", key)
    if m:
        return f"({m.group(1)})*[{m.group(2)}]"
    return re.sub(r"(\d)\*([a-z(])", r"\1\2", key).replace("**", "^")


def first_mistake(p: Problem) -> tuple[str, str]:
    m = p.mistakes[0]
    text = m.answer if isinstance(m.answer, str) else "[" + ", ".join(m.answer) + "]"
    return text, m.kind


def test_generate_answer_and_grade(tmp_path: Path, checker: str) -> None:
    real = checker == "real"
    (tmp_path / "bank.yaml").write_text(BANK, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    manifest = generate(load_bank(tmp_path / "bank.yaml"), read_roster(tmp_path / "roster.csv"), seed=11)
    manifest_mod.write(manifest, tmp_path / "gen" / "manifest.json")
    s1, s2, s3, _ = manifest.students

    # s1: every answer right, in rewritten forms; the gradient one column per component (wide file).
    # s2: the first typical mistake of every problem. s3: hostile, blank and malformed input.
    long_rows = [["student_id", "problem", "answer"]]
    for p in s1.problems:
        if isinstance(p.answer, str):
            long_rows.append([s1.student_id, str(p.slot), rewritten(p.answer, real)])
    for p in s2.problems:
        long_rows.append([s2.student_id, f"q{p.slot}", first_mistake(p)[0]])
    long_rows.append([s3.student_id, "1", "__import__('os').system('echo owned') @"])
    long_rows.append([s3.student_id, "2", ""])
    long_rows.append(["nobody", "1", "2x"])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(long_rows)
    (tmp_path / "long.csv").write_text("\ufeff" + buf.getvalue() + 's3,3,"[1, 2\r\n', encoding="utf-8", newline="")
    grad = next(p for p in s1.problems if p.ask == "gradient")
    assert isinstance(grad.answer, list)
    (tmp_path / "wide.csv").write_text(
        f"student_id,q{grad.slot}.1,q{grad.slot}.2\n{s1.student_id},"
        + ",".join(f'"{rewritten(a, real)}"' for a in grad.answer)
        + "\n",
        encoding="utf-8",
    )

    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "grade",
            "--manifest",
            str(tmp_path / "gen" / "manifest.json"),
            str(tmp_path / "long.csv"),
            str(tmp_path / "wide.csv"),
            "--out",
            str(out),
            "--gradebook",
            "canvas",
            "--workers",
            "1",
            "--quiet",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output

    responses = list(csv.DictReader(io.StringIO((out / "responses.csv").read_text(encoding="utf-8-sig"))))
    verdict = {(r["student_id"], int(r["problem"])): r for r in responses}
    for p in s1.problems:
        assert verdict[(s1.student_id, p.slot)]["verdict"] == "correct", (p.answer, verdict[(s1.student_id, p.slot)])
    for p in s2.problems:
        row = verdict[(s2.student_id, p.slot)]
        assert row["verdict"] == "incorrect", (p.answer, row)
        if real:
            assert row["diagnosis"] == first_mistake(p)[1]
    assert verdict[(s3.student_id, 1)]["verdict"] == "invalid"
    assert verdict[(s3.student_id, 2)]["verdict"] == "blank"

    grades = {r["student_id"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text("utf-8-sig")))}
    assert [grades[s]["total"] for s in ("s1", "s2", "s3", "s4")] == ["7", "0", "0", ""]  # s4 is absent
    assert [grades[s]["status"] for s in ("s1", "s2", "s3", "s4")] == ["graded", "graded", "provisional", "absent"]
    assert grades["s1"]["percent"] == "100" and grades["s1"]["max"] == "7"
    review = list(csv.DictReader(io.StringIO((out / "review.csv").read_text("utf-8-sig"))))
    assert [(r["student_id"], r["problem"], r["verdict"], r["suggested_reading"]) for r in review] == [
        ("s3", "1", "invalid", "")
    ]  # the hostile answer: nothing to suggest, never evaluated

    problems = list(csv.DictReader(io.StringIO((out / "problems.csv").read_text("utf-8-sig"))))
    kinds = sorted((r["kind"], r["student_id"]) for r in problems)
    assert kinds == sorted(
        [
            ("unreadable_row", ""),
            ("unknown_student", "nobody"),
            ("blank", "s3"),
            ("missing", "s3"),
            ("missing", "s3"),
            ("absent", "s4"),
        ]
    )
    canvas = (out / "gradebook-canvas.csv").read_text(encoding="utf-8").splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Grading end to end"
    assert canvas[2] == "Ada Lovelace,,SIS1,,A,7"
    assert canvas[4:] == ['"O\'Brien, Pat",,SIS3,,B,', "Absent Student,,SIS4,,B,"]  # provisional, absent: blank
