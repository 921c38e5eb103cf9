"""The click CLI: a thin layer that parses options, calls the library and prints.

Each command lives in quizgen/commands/<name>.py as `<name>_command`; the library is imported inside the
command so `quizgen --help` stays fast.
"""

from __future__ import annotations

import os
import sys

import click

from quizgen import __version__
from quizgen.commands.bank import bank_group
from quizgen.commands.check import check_command
from quizgen.commands.export import export_command
from quizgen.commands.generate import generate_command
from quizgen.commands.grade import grade_command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="quizgen")
def cli() -> None:
    """Randomized calculus exercises for neural networks: generate worksheets and keys, check and grade
    answers, export to Moodle and Canvas."""


cli.add_command(generate_command)
cli.add_command(check_command)
cli.add_command(grade_command)
cli.add_command(export_command)
cli.add_command(bank_group)


def main(args: list[str] | None = None, prog_name: str | None = None) -> None:
    """Entry point: expected errors print one line (click does that); anything else is caught here too.

    Set QUIZGEN_DEBUG=1 to see the traceback of an unexpected error.
    """
    try:
        cli.main(args=args, prog_name=prog_name or "quizgen", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("Error: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("QUIZGEN_DEBUG"):
            raise
        click.echo(
            f"Error: internal error ({type(exc).__name__}: {exc}); rerun with QUIZGEN_DEBUG=1 and report it",
            err=True,
        )
        sys.exit(70)
