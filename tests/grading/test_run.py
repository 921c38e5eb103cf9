"""Grading end to end on a hand-built manifest: totals, reports, atomic and deterministic output."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from gradetools import FakeBackend

from quizgen import manifest as manifest_mod
from quizgen.errors import AnswerFileError
from quizgen.grading import run as run_mod
from quizgen.grading.run import check_inputs_safe, grade_files, write_outputs

# the same class is written again and again: its plots are drawn once (tests/conftest.py); that plots.py draws
# the same bytes for the same data is test_report's test, which draws for real
pytestmark = pytest.mark.usefixtures("plots_drawn_once")

LONG = (
    "\ufeffstudent_id,problem,answer\r\n"
    "s1,1,cos(2x)*2\r\n"  # right, factors reordered
    's1,2,"[2*y, 2*x]"\r\n'  # right, vector in one cell
    "s1,3,1\r\n"
    "s2,1,cos(3x)\r\n"  # forgot the inner derivative
    "s2,1,3cos(3x)\r\n"  # ... then corrected: the last answer counts
    "ghost,1,2x\r\n"  # unknown student
    "s2,7,2x\r\n"  # unknown problem
    "s2,3\r\n"  # malformed row
)
WIDE = "student_id,q2.1,q2.2,q3\n\"=cmd|' /C calc'!A0\",4x,4y,\n"  # swapped components, blank q3


HOSTILE = "'=cmd|' /C calc'!A0"  # as written to CSV, with the formula guard


def grade_fixture(tmp_path: Path, manifest_path: Path):
    (tmp_path / "long.csv").write_text(LONG, encoding="utf-8", newline="")
    (tmp_path / "wide.csv").write_text(WIDE, encoding="utf-8", newline="")
    m = manifest_mod.read(manifest_path)
    return grade_files(m, [tmp_path / "long.csv", tmp_path / "wide.csv"], FakeBackend())


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_every_total_verdict_and_problem_is_right(tmp_path: Path, manifest_path: Path) -> None:
    run = grade_fixture(tmp_path, manifest_path)
    written = write_outputs(run, tmp_path / "out", gradebooks=["canvas", "moodle"])
    out = written.out_dir
    grades = {r["student_id"]: r for r in read_csv(out / "grades.csv")}
    assert {k: (v["total"], v["percent"]) for k, v in grades.items()} == {
        "s1": ("6", "100"),
        "s2": ("2", "33.33"),
        "'=cmd|' /C calc'!A0": ("0", "0"),
    }
    verdicts = {(r["student_id"], r["problem"]): r["verdict"] for r in read_csv(out / "responses.csv")}
    assert verdicts == {
        ("s1", "1"): "correct",
        ("s1", "2"): "correct",
        ("s1", "3"): "correct",
        ("s2", "1"): "correct",
        ("s2", "2"): "missing",
        ("s2", "3"): "missing",
        ("'=cmd|' /C calc'!A0", "1"): "missing",
        ("'=cmd|' /C calc'!A0", "2"): "incorrect",
        ("'=cmd|' /C calc'!A0", "3"): "blank",
    }
    problems = [
        (r["kind"], Path(r["file"]).name if r["file"] else "", r["line"], r["student_id"])
        for r in read_csv(out / "problems.csv")
    ]
    assert problems == [  # by file and line, then what is tied to no line
        ("duplicate", "long.csv", "6", "s2"),
        ("unknown_student", "long.csv", "7", "ghost"),
        ("unknown_problem", "long.csv", "8", "s2"),
        ("unreadable_row", "long.csv", "9", "s2"),
        ("blank", "wide.csv", "2", HOSTILE),
        ("missing", "", "", "s2"),
        ("missing", "", "", "s2"),
        ("missing", "", "", HOSTILE),
    ]
    names = sorted(p.name for p in (out / "feedback").iterdir())
    assert names[1:] == ["s1.html", "s2.html"] and names[0].startswith("cmd_C_calc_A0-")
    for name in ("report.html", "gradebook-canvas.csv", "gradebook-moodle.csv"):
        assert (out / name).stat().st_size > 0
    assert not list(out.glob(".quizgen-*"))  # no staging leftovers


def test_same_inputs_give_the_same_bytes(tmp_path: Path, manifest_path: Path) -> None:
    run = grade_fixture(tmp_path, manifest_path)
    a = write_outputs(run, tmp_path / "a", gradebooks=["canvas"])
    b = write_outputs(grade_fixture(tmp_path, manifest_path), tmp_path / "b", gradebooks=["canvas"])
    files_a = {p.relative_to(a.out_dir): p.read_bytes() for p in a.files}
    files_b = {p.relative_to(b.out_dir): p.read_bytes() for p in b.files}
    assert files_a == files_b and len(files_a) == 10  # items.csv included


def test_a_failure_midway_leaves_no_partial_output(
    tmp_path: Path, manifest_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = grade_fixture(tmp_path, manifest_path)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(run_mod, "report_html", broken)
    with pytest.raises(RuntimeError):
        write_outputs(run, tmp_path / "new")
    assert not (tmp_path / "new").exists()

    monkeypatch.undo()
    old = write_outputs(run, tmp_path / "old")
    before = {p: p.read_bytes() for p in old.files}
    monkeypatch.setattr(run_mod.csvout, "canvas_gradebook_csv", broken)
    with pytest.raises(RuntimeError):
        write_outputs(run, tmp_path / "old", gradebooks=["canvas"])
    after = {p: p.read_bytes() for p in (tmp_path / "old").rglob("*") if p.is_file()}
    assert after == before  # the previous grades are untouched, nothing half-written beside them


def test_outputs_may_not_overwrite_inputs(tmp_path: Path) -> None:
    with pytest.raises(AnswerFileError, match="choose another --out"):
        check_inputs_safe(tmp_path, [tmp_path / "grades.csv"])
    check_inputs_safe(tmp_path, [tmp_path / "answers.csv"])


def test_regrading_replaces_the_previous_outputs(tmp_path: Path, manifest_path: Path) -> None:
    run = grade_fixture(tmp_path, manifest_path)
    write_outputs(run, tmp_path / "out")
    (tmp_path / "out" / "notes.txt").write_text("mine", encoding="utf-8")
    smaller = type(run)(run.manifest, run.results[:1], [], run.files)
    write_outputs(smaller, tmp_path / "out")
    (tmp_path / "out" / "feedback" / "readme.txt").write_text("mine too", encoding="utf-8")
    write_outputs(smaller, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out" / "feedback").iterdir()) == ["readme.txt", "s1.html"]
    assert (tmp_path / "out" / "notes.txt").read_text(encoding="utf-8") == "mine"  # not ours: left alone
    assert len(read_csv(tmp_path / "out" / "grades.csv")) == 1
