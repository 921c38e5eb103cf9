"""LMS export: a bank's slots as Moodle XML (core types or STACK), Canvas QTI 1.2 zips, or GIFT text.

Each format is one driver module with a keyword-only function from an ExportQuiz (the slots and their
variants as LMS questions, quizgen.export.items) to str or bytes; this module generates the variants,
picks the driver and writes the file atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from quizgen.errors import ExportError
from quizgen.export.items import ExportQuiz, build_quiz
from quizgen.variantids import VariantId, bank_slug, parse_idnumber

if TYPE_CHECKING:
    from quizgen.bank import Bank


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    summary: str
    render: Callable[[ExportQuiz], bytes]


def _moodle(quiz: ExportQuiz) -> bytes:
    from quizgen.export.moodle_xml import moodle_xml

    return moodle_xml(quiz=quiz).encode("utf-8")


def _stack(quiz: ExportQuiz) -> bytes:
    from quizgen.export.stack_xml import stack_xml

    return stack_xml(quiz=quiz).encode("utf-8")


def _qti(quiz: ExportQuiz) -> bytes:
    from quizgen.export.qti import qti_zip

    return qti_zip(quiz=quiz)


def _gift(quiz: ExportQuiz) -> bytes:
    from quizgen.export.gift import gift_text

    return gift_text(quiz=quiz).encode("utf-8")


FORMATS: dict[str, Format] = {
    "moodle": Format("moodle", ".xml", "Moodle XML, core question types (numerical, Cloze, multichoice)", _moodle),
    "moodle-stack": Format("moodle-stack", ".xml", "Moodle XML, STACK questions plus core-type fallbacks", _stack),
    "qti": Format("qti", ".zip", "Canvas QTI 1.2 zip (one question group per slot)", _qti),
    "gift": Format("gift", ".txt", "Moodle GIFT text, core question types", _gift),
}

DEFAULT_VARIANTS = 20


MAX_VARIANTS = 1000
"""Most variants per slot: each is drawn and checked, and an LMS category of thousands helps nobody."""


def _check_variants(variants: int) -> None:
    if variants < 1:
        raise ExportError(f"--variants must be at least 1 (got {variants}); the LMS draws one variant per student")
    if variants > MAX_VARIANTS:
        raise ExportError(f"--variants must be at most {MAX_VARIANTS} (got {variants:,}); one per student is plenty")


def _driver(fmt: str) -> Format:
    try:
        return FORMATS[fmt]
    except KeyError:
        names = ", ".join(FORMATS)
        raise ExportError(f"unknown export format {fmt!r}; choose one of {names}") from None


def collect(bank: Bank, *, variants: int, seed: int | None) -> ExportQuiz:
    """Generate `variants` variants of every slot of a loaded bank and build the LMS questions."""
    from quizgen.generate import effective_seed, generate_variants

    _check_variants(variants)
    used_seed = effective_seed(bank, seed)
    problems = {slot.number: generate_variants(bank, slot.number, variants, seed=used_seed) for slot in bank.slots}
    title = bank.title or Path(bank.path).stem
    return build_quiz(title=title, bank_id=bank_slug(Path(bank.path).stem), seed=used_seed, problems=problems)


def shortfalls(quiz: ExportQuiz, variants: int) -> list[str]:
    """One line per slot whose family could not make `variants` distinct problems."""
    return [
        f"slot {g.number} ({g.family}) has only {len(g.items)} distinct variants, not {variants}"
        for g in quiz.groups
        if len(g.items) < variants
    ]


def render(quiz: ExportQuiz, fmt: str) -> bytes:
    """The file's bytes in one format."""
    return _driver(fmt).render(quiz)


def output_path(out: str | Path, bank_path: str, fmt: str) -> Path:
    """--out as given, or <bank stem>-<format><ext> inside it when it is a folder: an existing one, or one
    written with a trailing slash ("exports/"), which is then created."""
    from quizgen.fileio import names_folder

    if names_folder(out):
        return Path(out) / f"{Path(bank_path).stem}-{fmt}{FORMATS[fmt].extension}"
    return Path(out)


def export_bank(
    bank_path: str | Path, *, fmt: str, out: str | Path, variants: int = DEFAULT_VARIANTS, seed: int | None = None
) -> tuple[Path, ExportQuiz]:
    """Load a bank, generate its variants, write the export atomically; returns the path and the quiz.

    Raises:
        BankError: the bank is missing or invalid (the loader's message).
        ExportError: unknown format, fewer than one variant, or the file cannot be written.
    """
    from quizgen.bank import load_bank
    from quizgen.fileio import atomic_write_bytes, same_file

    _driver(fmt)  # usage errors first, before any work
    _check_variants(variants)
    target = output_path(out, str(bank_path), fmt)
    from quizgen.resources import resolve_bank

    if same_file(target, resolve_bank(bank_path)):  # --bank may be a shipped bank's name
        raise ExportError(f"--out {out} is the bank itself; write the export to another file")
    bank = load_bank(bank_path)
    quiz = collect(bank, variants=variants, seed=seed)
    data = render(quiz, fmt)
    try:
        atomic_write_bytes(target, data)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ExportError(f"{target}: cannot write the export ({reason}); choose a writable --out path") from None
    return target, quiz


__all__ = [
    "DEFAULT_VARIANTS",
    "FORMATS",
    "ExportQuiz",
    "VariantId",
    "build_quiz",
    "collect",
    "export_bank",
    "parse_idnumber",
    "render",
    "shortfalls",
]
