"""`quizgen grade`: placeholder until its issue lands."""

from __future__ import annotations

import click

from quizgen.errors import QuizgenError


@click.command("grade")
def grade_command() -> None:
    """Not available yet."""
    raise QuizgenError("quizgen grade is not implemented yet")
