"""`quizgen export`: a bank's slots as LMS question banks (Moodle XML, STACK, Canvas QTI, GIFT)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the export machinery imports sympy: `quizgen --help` must not pay for it
    from quizgen.export.items import ExportQuiz

bank_help = "The bank whose slots are exported: a YAML file, or a shipped bank's name such as demo."
format_help = (
    "moodle: Moodle XML, core types (numerical, Cloze, multichoice); moodle-stack: STACK questions plus "
    "core fallbacks; qti: Canvas QTI 1.2 zip; gift: Moodle GIFT text."
)
variants_help = "Variants per slot (default 20); the LMS draws one per student from each slot's category or group."
seed_help = "Seed for the variants (default: the bank's seed, else 0). Same bank + seed + N give the same bytes."
out_help = (
    "The file to write (.xml, .zip or .txt), or a folder (existing, or new when written with a trailing /) "
    "to write <bank>-<format>.<ext> into."
)


@click.command("export")
@click.option(
    "--bank",
    "bank",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE|NAME",
    help=bank_help,
)
@click.option(
    "--format", "fmt", required=True, type=click.Choice(["moodle", "moodle-stack", "qti", "gift"]), help=format_help
)
@click.option("--variants", type=int, default=20, show_default=True, help=variants_help)
@click.option("--seed", type=int, default=None, help=seed_help)
@click.option("--out", "out", required=True, type=click.Path(), help=out_help)  # a str: keeps a trailing /
def export_command(bank: Path, fmt: str, variants: int, seed: int | None, out: str) -> None:
    """Export a bank to Moodle (XML, STACK, GIFT) or Canvas (QTI zip), N variants per slot."""
    from quizgen.export import export_bank, shortfalls

    target, quiz = export_bank(bank, fmt=fmt, out=out, variants=variants, seed=seed)
    short = shortfalls(quiz, variants)  # a family that cannot make N distinct problems gives fewer
    click.echo(f"Wrote {target}: {summary(quiz, fmt, variants, bool(short))}")
    for line in short:
        click.echo(f"Note: {line}", err=True)


def summary(quiz: ExportQuiz, fmt: str, variants: int, short: bool) -> str:
    """What the file holds, counted as the LMS will list it: GIFT has one question per part of a multi-part
    problem, moodle-stack a STACK question and its core-type fallback per problem, the others one question
    per problem (a multi-part problem's parts are blanks of that one question)."""
    problems = [item.problem for group in quiz.groups for item in group.items]
    shape = f"{len(quiz.groups)} slots x {'up to ' if short else ''}{variants} variants"
    multi = sum(1 for p in problems if p.parts)
    tail = f"({fmt}, seed {quiz.seed})"
    if fmt == "gift" and multi:
        questions = sum(len(p.parts) or 1 for p in problems)
        return f"{shape} = {len(problems)} problems as {questions} questions (one per part) {tail}"
    if fmt == "moodle-stack":
        n = len(problems)
        return f"{shape} = {n} problems as {2 * n} questions ({n} STACK, {n} core-type fallbacks) {tail}"
    blanks = " (a multi-part problem is one question with a blank per part)" if multi else ""
    return f"{shape} = {len(problems)} questions{blanks} {tail}"
