"""`quizgen generate`: worksheets, keys and manifest.json for a roster or N anonymous students."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from quizgen.errors import QuizgenError

if TYPE_CHECKING:
    from quizgen.manifest import Manifest

BANK_HELP = "The YAML bank to draw from: a file, or a shipped bank's name such as demo (see `quizgen bank list`)."
ROSTER_HELP = "Roster CSV with a student_id column (optional name; other columns are kept)."
COUNT_HELP = "Make N anonymous sheets (students 001..N) instead of reading a roster."
SEED_HELP = "Seed for every random choice; overrides the bank's seed (default: the bank's seed, else 0)."
FORMAT_HELP = "pdf (worksheets, key and marking key, needs pdflatex), tex (LaTeX sources) or json (manifest only)."
TEMPLATE_HELP = "Folder with your own LaTeX templates, searched before the built-in ones."
SPLIT_HELP = "Also write one PDF per student."
QUIET_HELP = "Print nothing but errors."
OUT_HELP = "Folder to write manifest.json and the documents into (created if missing)."
FILLABLE_HELP = "Make the worksheets' answer boxes PDF form fields, to fill in on screen and grade from the PDFs."
VARIANT_HELP = "Rebuild only the sheet with this variant code (printed on each sheet and in the manifest)."


GENERATED = (
    "manifest.json",
    "worksheets.tex",
    "worksheets.pdf",
    "worksheets.log",
    "key.tex",
    "key.pdf",
    "key.log",
    "marking-key.tex",
    "marking-key.pdf",
    "marking-key.log",
    "names.tex",
    "names.pdf",
    "names.log",
    "answers-template.csv",
    "students/*.pdf",
    "keys/*.pdf",
)
"""Files generate writes into --out: a new run replaces the previous run's whole set."""


def _refuse_overwriting_inputs(out_dir: Path, inputs: list[Path | None]) -> None:
    """The bank or roster must not be one of the files this run replaces."""
    from quizgen.fileio import same_file

    for path in inputs:
        if path is None:
            continue
        for pattern in GENERATED:
            if any(same_file(path, old) for old in out_dir.glob(pattern)):
                raise QuizgenError(
                    f"{path} is one of the files generate writes into {out_dir}; move it or choose another --out folder"
                )


@click.command("generate")
@click.option(
    "--bank",
    "bank_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE|NAME",
    help=BANK_HELP,
)
@click.option(
    "--roster", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="CSV", help=ROSTER_HELP
)
@click.option("--count", type=click.IntRange(min=1, max=100_000), default=None, metavar="N", help=COUNT_HELP)
@click.option("--seed", type=click.IntRange(min=0), default=None, metavar="S", help=SEED_HELP)
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "tex", "json"]), default="pdf", show_default=True, help=FORMAT_HELP
)
@click.option(
    "--template",
    "template_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help=TEMPLATE_HELP,
)
@click.option("--split", is_flag=True, help=SPLIT_HELP)
@click.option("--fillable", is_flag=True, help=FILLABLE_HELP)
@click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP)
@click.option("--variant", default=None, metavar="CODE", help=VARIANT_HELP)
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR", help=OUT_HELP
)
def generate_command(
    bank_path: Path,
    roster: Path | None,
    count: int | None,
    seed: int | None,
    fmt: Literal["pdf", "tex", "json"],
    template_dir: Path | None,
    split: bool,
    fillable: bool,
    quiet: bool,
    variant: str | None,
    out_dir: Path,
) -> None:
    """Generate per-student worksheets, solution keys and DIR/manifest.json from a bank.

    \b
    Examples:
      quizgen generate --bank banks/demo.yaml --count 30 --out sheets
      quizgen generate --bank banks/demo.yaml --roster class.csv --seed 2026 --out sheets
      quizgen generate --bank banks/demo.yaml --count 3 --format json --out /tmp/x
      quizgen generate --bank demo --count 3 --format tex --out /tmp/x
      quizgen generate --bank banks/demo.yaml --roster class.csv --fillable --split --out sheets
      quizgen generate --bank banks/demo.yaml --seed 2026 --variant ZDPHMMH8 --format json --out one
    """
    from quizgen.bank import load_bank
    from quizgen.fileio import output_set
    from quizgen.gcpause import no_collection_at_exit
    from quizgen.generate import Drawing, GenerationError, generate, rebuild_variant
    from quizgen.roster import numbered_students, read_roster
    from quizgen.seeding import normalize_variant

    if fillable and fmt == "json":
        raise QuizgenError("--fillable makes the worksheet PDFs fillable; use it with --format pdf (or tex)")
    if roster is not None and count is not None:
        raise QuizgenError("give either --roster or --count, not both")
    if variant is None and roster is None and count is None:
        raise QuizgenError("say who the sheets are for: --roster ROSTER.csv or --count N")
    from quizgen.resources import resolve_bank

    _refuse_overwriting_inputs(out_dir, [resolve_bank(bank_path), roster])  # --bank may be a shipped name
    bank = load_bank(bank_path)
    students = read_roster(roster) if roster is not None else []
    drawing: Drawing | None = None
    if variant is not None:
        code = normalize_variant(variant)
        if code is None:
            raise QuizgenError(
                f"--variant {variant!r} is not a variant code (8 characters from 2-9 and A-Z without I and O); "
                "copy it from the sheet or manifest.json"
            )
        manifest = rebuild_variant(bank, code, seed=seed, students=students)
    else:
        students = students if roster is not None else numbered_students(count or 0)
        if not quiet:
            from quizgen.variety import warnings

            for line in warnings(bank.slots, len(students)):  # stderr; the manifest does not change
                click.echo(line, err=True)
        if fmt == "pdf":  # drawn while the PDFs are typeset (write_documents): see generate.Drawing
            drawing = Drawing(bank, students, seed=seed)
            manifest = drawing.manifest
        else:
            manifest = generate(bank, students, seed=seed)
    written: list[Path] = []
    new_folder = not out_dir.exists()
    try:
        with output_set(out_dir, GENERATED) as stage:  # the whole set appears at once, or the old one stays
            records: list[Path] = []  # manifest.json and the answers template, staged like the documents

            def write_records() -> None:
                nonlocal manifest
                if drawing is not None:
                    manifest = drawing.finish()  # drawn by now
                records.extend(_write_records(manifest, stage))

            documents: list[Path] = []
            if fmt != "json":
                try:
                    from quizgen.render import write_documents
                except ImportError:
                    raise QuizgenError(
                        f"--format {fmt} is not available in this installation; use --format json"
                    ) from None
                documents = write_documents(
                    drawing if drawing is not None else manifest,
                    stage,
                    fmt=fmt,
                    template_dir=template_dir,
                    split=split,
                    quiet=quiet,
                    fillable=fillable,
                    log_dir=out_dir,
                    meanwhile=write_records,  # while the last pages are typeset (pdf)
                )
            if not records:  # json or tex: nothing was typeset
                write_records()
            written = [out_dir / p.relative_to(stage) for p in (*records, *documents)]
    except OSError as exc:
        raise QuizgenError(
            f"{out_dir}: cannot write the output ({exc.strerror or exc}); choose another --out folder"
        ) from None
    except (GenerationError, KeyboardInterrupt):
        # A slot failed, or Ctrl-C, while the class was drawn for the PDFs: no new folder, as when drawn first.
        if new_folder and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise
    no_collection_at_exit()  # the class stays alive until the process ends
    if not quiet:
        sheets = len(manifest.students)
        problems = sum(len(s.problems) for s in manifest.students)
        click.echo(f"Generated {sheets} sheet{'s' if sheets != 1 else ''} ({problems} problems) into {out_dir}:")
        for path in written:
            click.echo(f"  {path}")


def _write_records(manifest: Manifest, out_dir: Path) -> list[Path]:
    """manifest.json and answers-template.csv in out_dir (the stage), in the order generate lists them."""
    from quizgen import manifest as manifest_io

    path = out_dir / "manifest.json"
    manifest_io.write(manifest, path)
    return [path, _write_answers_template(manifest, out_dir)]


def _write_answers_template(manifest: Manifest, out_dir: Path) -> Path:
    """answers-template.csv beside the manifest, for typing answers from paper (a long CSV grade reads)."""
    from quizgen.fileio import atomic_write_text
    from quizgen.grading.answer_template import FILE_NAME, answers_template_csv

    path = out_dir / FILE_NAME
    atomic_write_text(path, answers_template_csv(manifest))  # OSError: the caller's
    return path
