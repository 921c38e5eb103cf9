"""Through the command teachers run: `quizgen generate --format pdf|tex` calls write_documents."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from quizgen.typeset.unicodefonts import covered, lualatex_ready
from tests.builtonce import built_once

from .pdftools import pdf_text

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py)

BANK = """\
title: "Backprop quiz #3 & friends"
course: "ML_101 100%"
instructions: |
  Show your work.
seed: 11
slots:
  - family: sum_rule
    difficulty: 1
    variables: [x, y]
    coefficients: [1, 9]
    points: 1
    ask: partial
  - family: relu
    difficulty: 1
    variables: [x]
    coefficients: [-5, 5]
    points: 2
    ask: partial
  - family: gradient
    difficulty: 2
    variables: [x, y, z]
    coefficients: [-9, 9]
    points: 3
    ask: gradient
"""


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(BANK, encoding="utf-8")
    return path


HOSTILE = {"A1": "Zoë O'Brien & Co_1 #2", "B/2": "Jean \\input{/etc/passwd}"}
"""Two students whose names and ids are TeX specials, a hostile input and a path."""

UNPRINTABLE = {
    "s1": "Ada Lovelace",
    "s2": "a" + "\u0301" * 200,  # 200 combining marks on one letter: past TeX's grouping limit
    "s3": "Z\u0336\u0335\u0334" * 60,  # "Zalgo" text: marks no font has
    "s4": "\u0301" * 200,  # marks with no letter at all
    "s5": "x" * 5000,
    "s6": "\U0001f600" * 50 + "\u202e" + "abc",
    "s7": "Jean \\input{/etc/passwd} $x^2$ %#&_{}~^",
}


def generated_class(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`quizgen generate --format pdf --split` of BANK for the HOSTILE and UNPRINTABLE students: the folder
    holding out/ (what generate wrote) and output.txt (what it printed). Built once per run for every xdist
    worker (tests.builtonce) and read by both tests of the command's PDFs here; tests/commands/test_generate.py's
    failed-compile test copies it as a previous set."""

    def build(folder: Path) -> None:
        (folder / "bank.yaml").write_text(BANK, encoding="utf-8")
        roster = folder / "class.csv"
        with roster.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([["student_id", "name"], *HOSTILE.items(), *UNPRINTABLE.items()])
        args = ["--bank", str(folder / "bank.yaml"), "--roster", str(roster), "--format", "pdf", "--split"]
        result = CliRunner().invoke(cli, ["generate", *args, "--out", str(folder / "out")])
        assert result.exit_code == 0, result.output
        (folder / "output.txt").write_text(result.output, encoding="utf-8")

    return built_once(tmp_path_factory, "generated-class", build)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_generate_pdf_writes_worksheets_key_and_split_files(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = generated_class(tmp_path_factory)
    out = folder / "out"
    assert "Typesetting" not in (folder / "output.txt").read_text(encoding="utf-8")  # stdout is not a terminal
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    text = pdf_text(out / "worksheets.pdf")
    key = pdf_text(out / "key.pdf")
    for sheet in manifest["students"]:
        if sheet["student_id"] in HOSTILE:  # printed whole (the others: test_one_unprintable_name...)
            assert sheet["name"].replace(" ", "") in text
        assert sheet["variant"] in text and sheet["variant"] in key
    assert "Backpropquiz#3&friends" in text and "ML_101100%" in text
    students = len(HOSTILE) + len(UNPRINTABLE)
    assert text.count("Problem3") == students and key.count("Solution.") == 3 * students
    assert len(list((out / "students").glob("*.pdf"))) == len(list((out / "keys").glob("*.pdf"))) == students


def test_generate_tex_writes_sources_only(tmp_path: Path, bank: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["generate", "--bank", str(bank), "--count", "2", "--format", "tex", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "worksheets.tex").is_file() and (out / "key.tex").is_file()
    assert not list(out.glob("*.pdf"))


def test_a_broken_template_is_one_clear_line(tmp_path: Path, bank: Path) -> None:
    templates = tmp_path / "mine"
    templates.mkdir()
    (templates / "problem.tex.j2").write_text("\\BLOCK{ if }\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "generate",
            "--bank",
            str(bank),
            "--count",
            "1",
            "--format",
            "tex",
            "--template",
            str(templates),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: template ") and "problem.tex.j2:1" in lines[0]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_one_unprintable_name_never_stops_the_class_pdf(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = generated_class(tmp_path_factory)  # the UNPRINTABLE students among others; generate succeeded
    out = folder / "out"
    # s3's overlay marks are in Latin Modern's OpenType font: with LuaLaTeX its 60 letters print in full
    shortened = 4 if lualatex_ready() and covered("Z\u0336\u0335\u0334") else 5
    output = (folder / "output.txt").read_text(encoding="utf-8")
    assert f"Note: {shortened} name(s) are too long or carry too many accents" in output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    names = {s["student_id"]: s["name"] for s in manifest["students"]}
    assert {sid: names[sid] for sid in UNPRINTABLE} == UNPRINTABLE  # kept whole
    text = pdf_text(out / "worksheets.pdf")
    for sid in UNPRINTABLE:
        assert f"StudentID:{sid}" in text
    assert "AdaLovelace" in text and "[+195marks]" in text and "x" * 59 + "..." in text
    assert {f"{sid}.pdf" for sid in UNPRINTABLE} <= {p.name for p in (out / "students").glob("*.pdf")}
