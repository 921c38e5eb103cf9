"""`quizgen export`: placeholder until its issue lands."""

from __future__ import annotations

import click

from quizgen.errors import QuizgenError


@click.command("export")
def export_command() -> None:
    """Not available yet."""
    raise QuizgenError("quizgen export is not implemented yet")
