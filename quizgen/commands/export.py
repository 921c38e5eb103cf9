"""`quizgen export`: a bank's slots as LMS question banks (Moodle XML, STACK, Canvas QTI, GIFT)."""

from __future__ import annotations

from pathlib import Path

import click

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
    questions = sum(len(g.items) for g in quiz.groups)
    short = shortfalls(quiz, variants)  # a family that cannot make N distinct problems gives fewer
    shape = f"{len(quiz.groups)} slots x {'up to ' if short else ''}{variants} variants"
    click.echo(f"Wrote {target}: {shape} = {questions} questions ({fmt}, seed {quiz.seed})")
    for line in short:
        click.echo(f"Note: {line}", err=True)
