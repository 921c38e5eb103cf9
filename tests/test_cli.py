from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from quizgen import __version__, cli


def test_version() -> None:
    result = CliRunner().invoke(cli.cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("command", ["generate", "check", "grade", "export", "bank"])
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli.cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "quizgen", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "generate" in done.stdout


def test_unexpected_error_prints_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    @click.command("boom")
    def boom() -> None:
        raise ValueError("kaput")

    cli.cli.add_command(boom)
    monkeypatch.delenv("QUIZGEN_DEBUG", raising=False)
    try:
        with pytest.raises(SystemExit) as info:
            cli.main(["boom"])
    finally:
        cli.cli.commands.pop("boom")
    assert info.value.code == 70
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err and err.count("\n") == 1


def test_help_loads_no_heavy_library() -> None:
    """`quizgen --help` answers at once: sympy, matplotlib and the PDF machinery load only where used."""
    code = (
        "import sys; from quizgen.cli import cli; "
        "print(sorted(m for m in ('sympy', 'matplotlib', 'pypdf', 'lxml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
