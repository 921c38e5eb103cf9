"""Turn a bank into per-student sheets: draw each slot (quizgen.draw), and collect the manifest.

Every random choice of a sheet comes from slot_rng(seed, variant, slot), so one sheet can be rebuilt from
its variant code alone; redraws are counted in Manifest.stats.
"""

from __future__ import annotations

from collections.abc import Sequence

from quizgen import __version__
from quizgen.bank import Bank
from quizgen.draw import GenerationError, Stats, draw_problem
from quizgen.gcpause import rare_collections
from quizgen.manifest import BankInfo, Manifest
from quizgen.problem import Problem, Sheet
from quizgen.roster import Student
from quizgen.seeding import slot_rng, variant_code, variants_rng


def effective_seed(bank: Bank, seed: int | None) -> int:
    """--seed wins over the bank's seed; with neither, 0 (still deterministic)."""
    if seed is not None:
        return seed
    return bank.seed if bank.seed is not None else 0


def build_sheet(
    bank: Bank,
    seed: int,
    variant: str,
    *,
    student_id: str,
    name: str = "",
    extra: dict[str, str] | None = None,
    stats: Stats | None = None,
) -> Sheet:
    """One sheet from its variant code: everything random comes from slot_rng(seed, variant, slot)."""
    seen: set[tuple[str, ...]] = set()
    stats = stats if stats is not None else Stats()
    problems = [
        draw_problem(slot, slot_rng(seed, variant, slot.number), seen=seen, stats=stats, where=f"{bank.path}: ")
        for slot in bank.slots
    ]
    return Sheet(student_id=student_id, name=name, variant=variant, problems=problems, extra=dict(extra or {}))


def _manifest(bank: Bank, seed: int, sheets: list[Sheet], stats: Stats) -> Manifest:
    return Manifest(
        quizgen_version=__version__,
        bank=BankInfo(
            title=bank.title, course=bank.course, instructions=bank.instructions, path=bank.path, text=bank.text
        ),
        bank_sha256=bank.sha256,
        seed=seed,
        students=sheets,
        stats=stats.to_dict(),
    )


def generate(bank: Bank, students: Sequence[Student], *, seed: int | None = None) -> Manifest:
    """Every student's sheet, in roster order, with its variant code; the same inputs give the same manifest."""
    used = effective_seed(bank, seed)
    stats = Stats()
    with rare_collections():
        sheets = [
            build_sheet(
                bank,
                used,
                variant_code(used, s.student_id),
                student_id=s.student_id,
                name=s.name,
                extra=s.extra,
                stats=stats,
            )
            for s in students
        ]
    return _manifest(bank, used, sheets, stats)


def rebuild_variant(bank: Bank, variant: str, *, seed: int | None = None, students: Sequence[Student] = ()) -> Manifest:
    """The manifest of the one sheet with this variant code (the student is found in students if given)."""
    used = effective_seed(bank, seed)
    student = next((s for s in students if variant_code(used, s.student_id) == variant), None)
    stats = Stats()
    if student is None:
        sheet = build_sheet(bank, used, variant, student_id=variant, stats=stats)
    else:
        sheet = build_sheet(
            bank, used, variant, student_id=student.student_id, name=student.name, extra=student.extra, stats=stats
        )
    return _manifest(bank, used, [sheet], stats)


def generate_variants(bank: Bank, slot_number: int, count: int, *, seed: int | None = None) -> list[Problem]:
    """count distinct variants of one slot (1-based, as on the sheet), deterministic: for LMS export.

    Fewer than count come back only when the slot's family cannot make that many distinct problems.
    """
    slots = [s for s in bank.slots if s.number == slot_number]
    if not slots:
        raise GenerationError(f"{bank.path}: no slot {slot_number}; the bank has slots 1 to {len(bank.slots)}")
    slot = slots[0]
    rng = variants_rng(effective_seed(bank, seed), slot_number)
    seen: set[tuple[str, ...]] = set()
    stats = Stats()
    problems: list[Problem] = []
    with rare_collections():
        for _ in range(count):
            try:
                problems.append(draw_problem(slot, rng, seen=seen, stats=stats, where=f"{bank.path}: "))
            except GenerationError:
                if not problems:
                    raise
                break
    return problems


__all__ = [
    "GenerationError",
    "Stats",
    "build_sheet",
    "draw_problem",
    "effective_seed",
    "generate",
    "generate_variants",
    "rebuild_variant",
]
