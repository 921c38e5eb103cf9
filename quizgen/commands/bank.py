"""`quizgen bank check|list|preview|schema`: validate a bank, list the families, try a bank out in the terminal,
print the keys a bank may use."""

from __future__ import annotations

from pathlib import Path

import click

from quizgen.errors import BankError

PREVIEW_SEED_HELP = "Seed for the preview (default: the bank's seed, else 0)."
PREVIEW_COUNT_HELP = "How many sample sheets to show."
SCHEMA_MARKDOWN_HELP = "Print the Markdown page docs/bank-schema.md instead of plain text."


@click.group("bank")
def bank_group() -> None:
    """Check, list and preview problem banks."""


@bank_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE|NAME")
def check_command(file: Path) -> None:
    """Validate a bank (a file, or a shipped bank's name) and print every error with file, line and key.

    \b
    Examples:
      quizgen bank check banks/demo.yaml
      quizgen bank check demo
    """
    from quizgen.bank import check_bank

    errors, bank = check_bank(file)
    if bank is None:
        for line in errors:
            click.echo(line, err=True)
        count = f"{len(errors)} errors; fix them" if len(errors) != 1 else "1 error; fix it"
        raise BankError(f"{file}: {count} and check again")
    click.echo(
        f"{file}: OK ({len(bank.slots)} slot{'s' if len(bank.slots) != 1 else ''}: "
        f"{', '.join(s.family for s in bank.slots)})"
    )
    from quizgen.variety import CHECK_CLASS_SIZE, warnings

    for line in warnings(bank.slots, CHECK_CLASS_SIZE):  # for a class of 40; generate uses the real class
        click.echo(line, err=True)


@bank_group.command("list")
def list_command() -> None:
    """List the problem families a bank can use, one line each, then the banks quizgen ships.

    \b
    Example:
      quizgen bank list
    """
    from quizgen.families.registry import list_families

    infos = list_families()
    width = max((len(i.name) for i in infos), default=0)
    for info in infos:
        levels = f"{min(info.difficulties)}-{max(info.difficulties)}"
        click.echo(f"{info.name:<{width}}  {info.summary}  [asks: {', '.join(info.asks)}; difficulty {levels}]")
    _list_shipped_banks()


def _list_shipped_banks() -> None:
    """The shipped banks, each usable by its name wherever a bank file goes, from any folder."""
    from quizgen.bank import load_bank
    from quizgen.resources import shipped_banks

    banks = shipped_banks()
    click.echo("")
    if not banks:
        click.echo("Shipped banks: none in this installation")
        return
    click.echo("Shipped banks (give the name where a bank file goes: --bank demo, bank check demo):")
    width = max(len(name) for name in banks)
    for name in banks:
        try:
            bank = load_bank(name)
        except BankError as exc:
            click.echo(f"  {name:<{width}}  cannot be loaded: {exc.message.splitlines()[0]}")
            continue
        slots = len(bank.slots)
        click.echo(f"  {name:<{width}}  {bank.title} ({slots} slot{'s' if slots != 1 else ''})")


@bank_group.command("schema")
@click.option("--markdown", is_flag=True, help=SCHEMA_MARKDOWN_HELP)
def schema_command(markdown: bool) -> None:
    """Print every key a bank may use: the top-level and common slot keys, then each family's own options.

    \b
    Examples:
      quizgen bank schema
      quizgen bank schema --markdown > docs/bank-schema.md
    """
    from quizgen.bank_schema import schema_markdown, schema_text

    click.echo(schema_markdown() if markdown else schema_text(), nl=False)


@bank_group.command("preview")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE|NAME")
@click.option("--seed", type=click.IntRange(min=0), default=None, metavar="S", help=PREVIEW_SEED_HELP)
@click.option(
    "--count", type=click.IntRange(min=1, max=50), default=1, show_default=True, metavar="N", help=PREVIEW_COUNT_HELP
)
def preview_command(file: Path, seed: int | None, count: int) -> None:
    """Print sample problems of a bank (a file, or a shipped bank's name) with their answers and steps.

    \b
    Examples:
      quizgen bank preview banks/demo.yaml
      quizgen bank preview relu --seed 7 --count 3
    """
    from quizgen.bank import load_bank
    from quizgen.generate import generate
    from quizgen.notation import key_text
    from quizgen.roster import Student

    bank = load_bank(file)
    manifest = generate(bank, [Student(student_id=f"preview-{i}") for i in range(1, count + 1)], seed=seed)
    for sheet in manifest.students:
        click.echo(f"== {bank.title} · sample {sheet.student_id[8:]} · variant {sheet.variant} (seed {manifest.seed})")
        for p in sheet.problems:
            click.echo(f"{p.slot}. [{p.family}, difficulty {p.difficulty}, {p.points:g} pt] {p.prompt_text}")
            click.echo(f"   answer: {key_text(p.answer)}")
            for step in p.steps:
                click.echo(f"     - {step.text}")
        click.echo("")
