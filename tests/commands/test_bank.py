"""`quizgen bank check|list|preview|schema` through click's CliRunner."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from quizgen.bank_schema import BANK_OPTIONS, SLOT_OPTIONS, family_options, schema_markdown, schema_text
from quizgen.cli import cli
from quizgen.families.registry import family_names, get_family

ROOT = Path(__file__).resolve().parent.parent.parent


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help():
    for args in (
        ["bank", "--help"],
        ["bank", "check", "--help"],
        ["bank", "list", "--help"],
        ["bank", "preview", "--help"],
        ["bank", "schema", "--help"],
    ):
        assert _run(*args).exit_code == 0


def test_check_valid_bank():
    result = _run("bank", "check", str(ROOT / "banks" / "relu.yaml"))
    assert result.exit_code == 0
    # stdout only: stderr may carry variety warnings (tests/test_variety.py)
    assert result.stdout == f"{ROOT / 'banks' / 'relu.yaml'}: OK (4 slots: relu, relu, relu, relu)\n"


def test_check_prints_every_error_then_fails(tmp_path):
    bank = tmp_path / "b.yaml"
    bank.write_text(
        "title: x\nslots:\n  - family: relu\n    difficulty: 9\n  - family: sum_rule\n    wrt: q\n", encoding="utf-8"
    )
    result = _run("bank", "check", str(bank))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{bank}:4: slots[1].difficulty: 9 is not a level of relu; choose one of 1, 2, 3",
        f"{bank}:6: slots[2].wrt: 'q' is not among the variables (x, y, z)",
        f"Error: {bank}: 2 errors; fix them and check again",
    ]


def test_list_shows_every_family_on_one_line():
    result = _run("bank", "list")
    assert result.exit_code == 0
    lines = result.output.split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in lines] == [
        "backprop",
        "chain_multi",
        "chain_single",
        "gradient",
        "max_partial",
        "neuron",
        "product_rule",
        "relu",
        "sum_rule",
    ]
    assert all("difficulty 1-3" in line for line in lines)


def test_list_then_shows_the_shipped_banks_by_name():
    shipped = _run("bank", "list").output.split("\n\n")[1].splitlines()
    assert shipped[0] == "Shipped banks (give the name where a bank file goes: --bank demo, bank check demo):"
    names = sorted(p.stem for p in (ROOT / "banks").glob("*.yaml"))
    assert [line.split()[0] for line in shipped[1:]] == names
    assert "  demo          Calculus for neural networks: warm-up worksheet (10 slots)" in shipped


def test_check_and_preview_take_a_shipped_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _run("bank", "check", "relu").stdout == "relu: OK (4 slots: relu, relu, relu, relu)\n"
    by_name = _run("bank", "preview", "max_partial", "--seed", "7")
    assert by_name.exit_code == 0
    assert by_name.output == _run("bank", "preview", str(ROOT / "banks" / "max_partial.yaml"), "--seed", "7").output
    unknown = _run("bank", "check", "rleu")
    assert unknown.exit_code == 1
    assert unknown.output.splitlines() == [
        "rleu: no such bank file or shipped bank; check the path, or name a shipped bank: "
        + ", ".join(sorted(p.stem for p in (ROOT / "banks").glob("*.yaml"))),
        "Error: rleu: 1 error; fix it and check again",
    ]


def test_preview_prints_problems_answers_and_steps():
    bank = str(ROOT / "banks" / "max_partial.yaml")
    result = _run("bank", "preview", bank, "--seed", "7", "--count", "2")
    assert result.exit_code == 0
    assert result.output.count("== Partial derivatives of max") == 2
    assert result.output.count("   answer: ") == 8
    assert "answer: 1(x + 6 > y)" in result.output  # answers in the course notation
    assert "**" not in result.output and "Max(" not in result.output
    assert result.output == _run("bank", "preview", bank, "--seed", "7", "--count", "2").output


def test_preview_of_invalid_bank_is_an_error(tmp_path):
    result = _run("bank", "preview", str(tmp_path / "none.yaml"))
    assert result.exit_code == 1 and result.output.startswith("Error: ")


def test_bank_schema_prints_every_key_of_every_family():
    result = _run("bank", "schema")
    assert result.exit_code == 0
    assert result.output == schema_text()
    lines = result.output.splitlines()
    for key in [*BANK_OPTIONS, *SLOT_OPTIONS]:
        assert any(line.startswith(f"  {key} ") for line in lines), key
    for name in family_names():
        block = result.output.split(f"\n{name}  [", 1)[1].split("\n\n", 1)[0]
        fam = get_family(name)
        assert f"asks: {', '.join(fam.asks)}" in block
        for key, option in family_options(fam).items():
            assert re.search(rf"^  {key} +{re.escape(option.kind())}", block, re.MULTILINE) and option.help in block
    assert "  loss        one of output, half_squared, squared, bce, relu" in result.output


def test_bank_schema_markdown_is_the_docs_page():
    result = _run("bank", "schema", "--markdown")
    assert result.output == schema_markdown()
