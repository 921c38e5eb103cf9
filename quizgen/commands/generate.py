"""`quizgen generate`: placeholder until its issue lands."""

from __future__ import annotations

import click

from quizgen.errors import QuizgenError


@click.command("generate")
def generate_command() -> None:
    """Not available yet."""
    raise QuizgenError("quizgen generate is not implemented yet")
