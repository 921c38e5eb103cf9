"""`quizgen generate` through click's CliRunner: json output, roster or count, variant rebuild, and
one-line errors with a non-zero exit (never a traceback)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli
from tests.conftest import FreshRun
from tests.render.templatecache import templates_compiled_once  # noqa: F401 (a fixture, for pytestmark)
from tests.render.test_cli_generate import generated_class

# started first under xdist (tests/conftest.py); most tests here render the demo bank's templates
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("templates_compiled_once")]

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO = str(ROOT / "banks" / "demo.yaml")


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help_lists_every_option():
    result = _run("generate", "--help")
    assert result.exit_code == 0
    for option in (
        "--bank",
        "--roster",
        "--count",
        "--seed",
        "--format",
        "--template",
        "--split",
        "--quiet",
        "--variant",
        "--out",
        "--fillable",
    ):
        assert option in result.output


def test_json_for_count(tmp_path):
    result = _run(
        "generate", "--bank", DEMO, "--count", "3", "--seed", "2026", "--format", "json", "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert f"Generated 3 sheets (30 problems) into {tmp_path}" in result.output
    data = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [s["student_id"] for s in data["students"]] == ["001", "002", "003"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers-template.csv", "manifest.json"]


def test_roster_and_variant_rebuild(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("student_id,name,email\nu1,Ada,a@x\nu2,Bo,b@x\n", encoding="utf-8")
    out = tmp_path / "all"
    assert (
        _run("generate", "--bank", DEMO, "--roster", str(roster), "--format", "json", "-q", "--out", str(out)).exit_code
        == 0
    )
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    second = data["students"][1]
    assert (second["student_id"], second["name"], second["extra"]) == ("u2", "Bo", {"email": "b@x"})
    one = tmp_path / "one"
    result = _run(
        "generate",
        "--bank",
        DEMO,
        "--variant",
        second["variant"].lower(),
        "--roster",
        str(roster),
        "--format",
        "json",
        "-q",
        "--out",
        str(one),
    )
    assert result.exit_code == 0 and result.output == ""
    rebuilt = json.loads((one / "manifest.json").read_text(encoding="utf-8"))["students"]
    assert rebuilt == [second]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "2", "--roster", "r.csv"], "Error: give either --roster or --count, not both"),
        ([], "Error: say who the sheets are for: --roster ROSTER.csv or --count N"),
        (
            ["--count", "1", "--variant", "ABC"],
            "Error: --variant 'ABC' is not a variant code (8 characters from 2-9 "
            "and A-Z without I and O); copy it from the sheet or manifest.json",
        ),
        (["--roster", "missing.csv"], "Error: missing.csv: no such roster file; check the path"),
        (
            ["--count", "1", "--fillable"],
            "Error: --fillable makes the worksheet PDFs fillable; use it with --format pdf (or tex)",
        ),
    ],
)
def test_user_errors_are_one_line(tmp_path, args, message):
    result = _run("generate", "--bank", DEMO, "--format", "json", "--out", str(tmp_path / "o"), *args)
    assert result.exit_code == 1
    assert result.output.strip() == message
    assert "Traceback" not in result.output


def test_invalid_bank_lists_its_errors(tmp_path):
    bank = tmp_path / "b.yaml"
    bank.write_text("title: x\nslots:\n  - family: nope\n", encoding="utf-8")
    result = _run("generate", "--bank", str(bank), "--count", "1", "--format", "json", "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bank}:3: slots[1].family: unknown family 'nope'")
    assert not (tmp_path / "o").exists()


def test_missing_bank():
    result = _run("generate", "--bank", "nope.yaml", "--count", "1", "--out", "x")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: nope.yaml: no such bank file or shipped bank; check the path, or name a shipped bank: "
        "backprop, chain_multi, chain_single, demo, gradient, max_partial, neuron, product_rule, relu, sum_rule"
    )


def test_unwritable_output_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = _run("generate", "--bank", DEMO, "--count", "1", "--format", "json", "--out", str(blocker / "sub"))
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"Error: {blocker / 'sub'}: cannot write the output (Not a directory); choose another --out folder"
    )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_interrupted_generate_leaves_the_previous_complete_set(tmp_path, monkeypatch):
    out = tmp_path / "sheets"
    assert (
        _run(
            "generate", "--bank", DEMO, "--count", "2", "--seed", "1", "--format", "tex", "-q", "--out", str(out)
        ).exit_code
        == 0
    )
    before = _snapshot(out)
    assert set(before) == {"manifest.json", "answers-template.csv", "worksheets.tex", "key.tex", "marking-key.tex"}

    import quizgen.render.documents as documents

    real = documents.atomic_write_text

    def interrupted(path, text):  # the manifest and the first source are staged, then Ctrl-C
        if Path(path).name == "key.tex":
            raise KeyboardInterrupt
        real(path, text)

    monkeypatch.setattr(documents, "atomic_write_text", interrupted)
    result = _run("generate", "--bank", DEMO, "--count", "3", "--seed", "2", "--format", "tex", "-q", "--out", str(out))
    assert result.exit_code == 1 and "Aborted" in result.output  # click's answer to Ctrl-C
    assert _snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == [  # no staging folder left
        "answers-template.csv",
        "key.tex",
        "manifest.json",
        "marking-key.tex",
        "worksheets.tex",
    ]


def test_a_new_run_replaces_the_whole_previous_set(tmp_path):
    out = tmp_path / "sheets"
    assert _run("generate", "--bank", DEMO, "--count", "2", "--format", "tex", "-q", "--out", str(out)).exit_code == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert _run("generate", "--bank", DEMO, "--count", "2", "--format", "json", "-q", "--out", str(out)).exit_code == 0
    # the .tex of the previous run no longer match the new manifest; the teacher's own file stays
    assert sorted(p.name for p in out.iterdir()) == ["answers-template.csv", "manifest.json", "notes.txt"]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_a_failed_compile_keeps_the_previous_pdfs_and_writes_the_log(tmp_path, tmp_path_factory):
    out = tmp_path / "sheets"
    shutil.copytree(generated_class(tmp_path_factory) / "out", out)  # an earlier generate --format pdf --split
    before = _snapshot(out)
    assert {"manifest.json", "worksheets.pdf", "key.pdf", "students/A1.pdf"} <= set(before)
    templates = tmp_path / "templates"
    templates.mkdir()
    # a broken preamble: each document's run stops at its first line (a broken header: after the preamble's
    # packages, ~0.1 s of CPU more a run)
    (templates / "preamble.tex.j2").write_text("\\undefinedcommand\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["generate", "--bank", DEMO, "--count", "2", "--template", str(templates), "-q", "--out", str(out)]
    )
    assert result.exit_code == 1 and "LaTeX error" in result.output
    after = _snapshot(out)
    assert (out / "worksheets.log").is_file()
    assert {k: v for k, v in after.items() if not k.endswith(".log")} == before


def test_generate_never_writes_over_its_bank_or_roster(tmp_path):
    out = tmp_path / "sheets"
    out.mkdir()
    bank = out / "manifest.json"
    bank.write_bytes(Path(DEMO).read_bytes())
    result = _run("generate", "--bank", str(bank), "--count", "1", "--format", "json", "--out", str(out))
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {bank} is one of the files generate writes into {out}; move it or choose another --out folder"
    )
    roster = out / "key.tex"
    roster.write_text("student_id\n1\n", encoding="utf-8")
    result = _run("generate", "--bank", DEMO, "--roster", str(roster), "--format", "json", "--out", str(out))
    assert result.exit_code == 1 and "is one of the files generate writes" in result.output
    assert roster.read_text(encoding="utf-8") == "student_id\n1\n"


def test_a_shipped_bank_by_name_gives_the_same_sheets_anywhere(tmp_path, monkeypatch):
    """`--bank demo` outside a checkout: the manifest records the name as given, the rest as from the file."""
    monkeypatch.chdir(tmp_path)
    for out, bank in (("by-name", "demo"), ("again", "demo"), ("by-path", DEMO)):
        result = _run("generate", "--bank", bank, "--count", "2", "--seed", "5", "--format", "json", "--out", out)
        assert result.exit_code == 0, result.output
    by_name = (tmp_path / "by-name" / "manifest.json").read_bytes()
    assert by_name == (tmp_path / "again" / "manifest.json").read_bytes()
    named, pathed = (json.loads((tmp_path / d / "manifest.json").read_bytes()) for d in ("by-name", "by-path"))
    assert named["bank"]["path"] == "demo" and pathed["bank"]["path"] == DEMO
    for data in (named, pathed):
        del data["bank"]["path"], data["checksum"]
    assert named == pathed


def test_a_slot_that_cannot_be_drawn_leaves_no_folder_and_keeps_a_previous_set(tmp_path):
    """With --format pdf the class is drawn while it is typeset: a slot that fails still writes nothing."""
    bank = tmp_path / "narrow.yaml"  # 6 distinct problems for 8 slots of a sheet
    bank.write_text(
        "title: T\nslots:\n" + "  - {family: max_partial, difficulty: 1, coefficients: [1, 1]}\n" * 8,
        encoding="utf-8",
    )
    out = tmp_path / "sheets"
    result = _run("generate", "--bank", str(bank), "--count", "3", "-q", "--out", str(out))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bank}: slots[7] (max_partial): no valid problem")
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()
    assert _run("generate", "--bank", DEMO, "--count", "1", "--format", "tex", "-q", "--out", str(out)).exit_code == 0
    before = _snapshot(out)
    assert _run("generate", "--bank", str(bank), "--count", "3", "-q", "--out", str(out)).exit_code == 1
    assert _snapshot(out) == before


def test_the_class_is_left_to_the_operating_system_at_exit(generated_in_a_fresh_interpreter: FreshRun) -> None:
    """A generated class stays alive until the process ends: the interpreter's last collection would walk
    it all (about a second of CPU for 2,000 students) only to have the operating system free it, so the
    heap is frozen at exit (gcpause.no_collection_at_exit), after the files are written. The run is
    `python -m quizgen generate` in a fresh interpreter, shared with tests/test_generate.py."""
    assert generated_in_a_fresh_interpreter.at_exit == "frozen"
    manifest = generated_in_a_fresh_interpreter.out / "manifest.json"
    assert json.loads(manifest.read_text(encoding="utf-8"))["students"]
