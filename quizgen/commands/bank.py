"""`quizgen bank ...`: placeholder until its issue lands."""

from __future__ import annotations

import click


@click.group("bank")
def bank_group() -> None:
    """Check, list and preview problem banks."""
