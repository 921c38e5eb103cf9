"""The export command and library entry point: files written atomically, determinism, one-line errors."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from exporttools import sample_problems
from lxml import etree

from quizgen.cli import cli
from quizgen.errors import BankError, ExportError
from quizgen.export import FORMATS, export_bank, render


@pytest.fixture
def fake_bank(monkeypatch, tmp_path):
    """A loaded bank whose variants come from the hand-built sample problems (no generator needed)."""
    path = tmp_path / "demo bank.yaml"
    path.write_text("title: x\n", encoding="utf-8")
    problems = sample_problems()
    slots = [SimpleNamespace(number=n) for n in problems]
    bank = SimpleNamespace(path=str(path), title="Demo & <bank>", seed=3, slots=slots)
    calls = []

    def load_bank(p):
        if Path(p) != path:
            raise BankError(f"{p}: no such bank file")
        return bank

    def generate_variants(b, slot, count, *, seed=None):
        calls.append((slot, count, seed))
        return (problems[slot] * count)[:count]

    import quizgen.bank
    import quizgen.generate

    monkeypatch.setattr(quizgen.bank, "load_bank", load_bank, raising=False)
    monkeypatch.setattr(quizgen.generate, "generate_variants", generate_variants, raising=False)
    monkeypatch.setattr(quizgen.generate, "effective_seed", lambda b, s: 3 if s is None else s, raising=False)
    return SimpleNamespace(path=path, calls=calls)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_same_bank_seed_and_count_give_the_same_bytes(fake_bank, tmp_path, fmt) -> None:
    a, _ = export_bank(fake_bank.path, fmt=fmt, out=tmp_path / f"a{FORMATS[fmt].extension}", variants=4, seed=9)
    b, _ = export_bank(fake_bank.path, fmt=fmt, out=tmp_path / f"b{FORMATS[fmt].extension}", variants=4, seed=9)
    assert a.read_bytes() == b.read_bytes()
    assert {c[1:] for c in fake_bank.calls} == {(4, 9)}


def test_cli_writes_each_format(fake_bank, tmp_path) -> None:
    runner = CliRunner()
    for fmt in FORMATS:
        out = tmp_path / f"out-{fmt}{FORMATS[fmt].extension}"
        result = runner.invoke(
            cli, ["export", "--bank", str(fake_bank.path), "--format", fmt, "--variants", "3", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "5 slots x 3 variants = 15 " in result.output and "questions" in result.output
        data = out.read_bytes()
        if fmt == "qti":
            zipfile.ZipFile(io.BytesIO(data)).testzip()
        elif fmt != "gift":
            etree.fromstring(data)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp files left


def test_out_folder_gets_a_named_file(fake_bank, tmp_path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target, _ = export_bank(fake_bank.path, fmt="qti", out=folder, variants=2)
    assert target == folder / "demo bank-qti.zip"
    assert target.exists()


def test_default_seed_is_recorded_in_ids(fake_bank, tmp_path) -> None:
    target, quiz = export_bank(fake_bank.path, fmt="moodle", out=tmp_path / "m.xml", variants=2)
    assert quiz.seed == 3
    assert b"<idnumber>qg.demo_bank.3.s01.v001</idnumber>" in target.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "Invalid value for '--format'"),
        (["--format", "gift", "--variants", "0"], "--variants must be at least 1"),
        (["--format", "gift", "--variants", "1000000000"], "--variants must be at most 1000 (got 1,000,000,000)"),
        (["--format", "gift", "--bank", "missing.yaml"], "missing.yaml: no such bank file"),
    ],
)
def test_one_line_errors(fake_bank, tmp_path, args, message) -> None:
    base = ["export", "--bank", str(fake_bank.path), "--out", str(tmp_path / "x.txt")]
    result = CliRunner().invoke(cli, base + args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.txt").exists()


def test_unwritable_path_is_a_clear_error(fake_bank, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ExportError, match="cannot write the export"):
        export_bank(fake_bank.path, fmt="gift", out=blocker / "sub" / "x.txt", variants=1)


def test_unknown_format_in_library_call(quiz) -> None:
    with pytest.raises(ExportError, match="unknown export format 'pdf'; choose one of moodle"):
        render(quiz, "pdf")


def test_slots_with_fewer_variants_are_reported(quiz) -> None:
    from quizgen.export import shortfalls

    assert shortfalls(quiz, 2) == ["slot 5 (gradient) has only 1 distinct variants, not 2"]
    assert len(shortfalls(quiz, 3)) == 4


HOSTILE = "Fix ]]> & <b>bold</b> \"q\" 's' {=~#:} \\(x\\) — ünï 中文"


def test_hostile_text_survives_every_format() -> None:
    from exporttools import make_problem, parse_gift

    from quizgen.export.items import build_quiz
    from quizgen.problem import Mistake

    problem = make_problem(mistakes=(Mistake("wrong_var", "3*x**2", HOSTILE),))
    quiz = build_quiz(title=HOSTILE, bank_id="h", seed=1, problems={1: [problem]})
    expected_html = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    expected_html = expected_html.replace("'", "&#x27;")
    for fmt in ("moodle", "moodle-stack"):
        root = etree.fromstring(render(quiz, fmt))
        texts = [t.text or "" for t in root.iter("text")]
        assert any(HOSTILE.replace("/", "//") in t for t in texts)  # the category path
        assert any(expected_html in t for t in texts), fmt  # the feedback, HTML-escaped inside CDATA
    with zipfile.ZipFile(io.BytesIO(render(quiz, "qti"))) as z:
        name = next(n for n in z.namelist() if n.count("/") == 1 and "meta" not in n)
        doc = etree.fromstring(z.read(name))
    assert doc.find("{*}assessment").get("title") == HOSTILE
    assert any(expected_html in (m.text or "") for m in doc.iter("{*}mattext"))
    (question,) = parse_gift(render(quiz, "gift").decode("utf-8"))
    assert any(expected_html == fb for _, _, fb in question["answers"])


def test_out_with_a_trailing_slash_creates_the_folder(fake_bank, tmp_path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "--bank",
            str(fake_bank.path),
            "--format",
            "gift",
            "--variants",
            "1",
            "--out",
            f"{tmp_path / 'exports'}/",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "exports").is_dir()
    assert [p.name for p in (tmp_path / "exports").iterdir()] == ["demo bank-gift.txt"]


def test_export_never_writes_over_its_bank(fake_bank, tmp_path) -> None:
    before = Path(fake_bank.path).read_bytes()
    link = tmp_path / "hard-link.yaml"
    os.link(fake_bank.path, link)
    for out in (str(fake_bank.path), str(link)):
        result = CliRunner().invoke(cli, ["export", "--bank", str(fake_bank.path), "--format", "gift", "--out", out])
        assert result.exit_code == 1
        assert result.output.strip() == f"Error: --out {out} is the bank itself; write the export to another file"
    assert Path(fake_bank.path).read_bytes() == before
