"""`quizgen check`: placeholder until its issue lands."""

from __future__ import annotations

import click

from quizgen.errors import QuizgenError


@click.command("check")
def check_command() -> None:
    """Not available yet."""
    raise QuizgenError("quizgen check is not implemented yet")
