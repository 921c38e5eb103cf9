"""Turn a bank into per-student sheets: draw each slot (quizgen.draw), and collect the manifest.

Every random choice of a sheet comes from slot_rng(seed, variant, slot), so one sheet can be rebuilt from
its variant code alone; redraws are counted in Manifest.stats.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

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


PARALLEL_FROM = 100
"""Classes of at least this many students may be generated in several processes: starting a forked worker
costs milliseconds, a class of 500 takes seconds of CPU."""
MAX_WORKERS = 4


IDLE_SAMPLE = 0.1
"""Seconds over which the machine's idle CPU time is measured before a class is split across processes."""
IDLE_CORE = 0.7
"""A core counts as idle when at least this share of it was idle during the sample."""


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) CPU time of the whole machine so far, in clock ticks, from /proc/stat (None elsewhere)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if len(fields) < 5 or fields[0] != "cpu" or not all(f.isdigit() for f in fields[1:]):
        return None
    ticks = [int(f) for f in fields[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return idle, sum(ticks[:8])  # user .. steal; guest time is already counted in user


def idle_cores(sample: float = IDLE_SAMPLE) -> float:
    """How many cores are idle now: the idle share of the machine's CPU time over `sample` seconds, times the
    cores. Unlike the load average (a one-minute mean, which still counts a run that just ended), it sees
    the machine as it is when the class starts; where /proc/stat is missing, the load average stands in."""
    cores = os.cpu_count() or 1
    before = _cpu_times()
    if before is not None:
        time.sleep(sample)
        after = _cpu_times()
        if after is not None and after[1] > before[1]:
            return cores * (after[0] - before[0]) / (after[1] - before[1])
    return max(0.0, cores - os.getloadavg()[0])


def generation_workers(students: int) -> int:
    """How many processes generate a class: one per idle core for a large class on Linux (fork shares the
    loaded sympy and the families' warm caches), else 1.

    Each process warms its own caches, so a split class costs about a fifth more CPU in all: it pays only
    on cores that would otherwise wait, and slows a busy machine down. So a core counts only when it was
    idle (IDLE_CORE of it) just now (idle_cores): an idle 2-core machine gets 2 processes, one where
    another job keeps a core busy gets 1."""
    if students < PARALLEL_FROM or not sys.platform.startswith("linux"):
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cores = len(os.sched_getaffinity(0))
    if cores < 2:
        return 1
    idle = int(idle_cores() + (1 - IDLE_CORE))
    return max(1, min(MAX_WORKERS, cores, idle, students // (PARALLEL_FROM // 2)))


def _sheets(bank: Bank, seed: int, students: Sequence[Student], stats: Stats) -> list[Sheet]:
    with rare_collections():
        return [
            build_sheet(
                bank,
                seed,
                variant_code(seed, s.student_id),
                student_id=s.student_id,
                name=s.name,
                extra=s.extra,
                stats=stats,
            )
            for s in students
        ]


def _worker_sheets(bank: Bank, seed: int, students: Sequence[Student]) -> tuple[list[Sheet], Stats]:
    stats = Stats()
    return _sheets(bank, seed, students, stats), stats


def _merge(into: Stats, other: Stats) -> None:
    into.draws += other.draws
    into.accepted += other.accepted
    into.redrawn.update(other.redrawn)
    into.mistakes_dropped += other.mistakes_dropped


def _parallel_sheets(bank: Bank, seed: int, students: Sequence[Student], stats: Stats, workers: int) -> list[Sheet]:
    """The class cut into `workers` consecutive runs of students: this process does the first, forked
    workers the rest. A sheet depends only on (seed, variant, slot) and the caches are pure, so the sheets
    and stats are exactly the one-process ones; an error is the first one in roster order, as there."""
    size = -(-len(students) // workers)
    runs = [students[i : i + size] for i in range(0, len(students), size)]
    pool = ProcessPoolExecutor(len(runs) - 1, mp_context=multiprocessing.get_context("fork"))
    try:
        futures: list[Future[tuple[list[Sheet], Stats]]] = [
            pool.submit(_worker_sheets, bank, seed, run) for run in runs[1:]
        ]
    except OSError:  # no process could be started (a process limit): the same sheets, in this process
        pool.shutdown(wait=False, cancel_futures=True)
        return _sheets(bank, seed, students, stats)
    with pool:
        try:
            sheets = _sheets(bank, seed, runs[0], stats)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        for future in futures:
            try:
                more, more_stats = future.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): do its part here
                more_stats = Stats()
                more = _sheets(bank, seed, runs[1 + futures.index(future)], more_stats)
            sheets += more
            _merge(stats, more_stats)
    return sheets


def generate(
    bank: Bank, students: Sequence[Student], *, seed: int | None = None, workers: int | None = None
) -> Manifest:
    """Every student's sheet, in roster order, with its variant code; the same inputs give the same manifest.

    workers: processes to generate in (default: generation_workers, by class size and idle cores); the
    manifest is the same whatever the number.
    """
    used = effective_seed(bank, seed)
    stats = Stats()
    count = generation_workers(len(students)) if workers is None else max(1, min(workers, len(students)))
    if count > 1:
        sheets = _parallel_sheets(bank, used, students, stats, count)
    else:
        sheets = _sheets(bank, used, students, stats)
    return _manifest(bank, used, sheets, stats)


class Drawing:
    """A class drawn in this process in roster order, as far as asked: `generate --format pdf` typesets the
    first students while the rest are drawn (quizgen.render.documents). One process, because typesetting
    keeps the other cores busy and a second process fills a second set of caches (~2 s of CPU for 500).

    .manifest has every student's sheet from the start, without problems until drawn (who, variant code
    and roster columns are known before drawing: the documents' fonts and names need them first); draw
    replaces them in order. The sheets and stats are exactly generate's: a sheet depends only on (seed,
    variant, slot), and an error is the first one in roster order.
    """

    def __init__(self, bank: Bank, students: Sequence[Student], *, seed: int | None = None) -> None:
        self.bank = bank
        self.seed = effective_seed(bank, seed)
        self.students = list(students)
        self.stats = Stats()
        self.drawn = 0
        sheets = [
            Sheet(
                student_id=s.student_id,
                name=s.name,
                variant=variant_code(self.seed, s.student_id),
                problems=[],
                extra=dict(s.extra),
            )
            for s in self.students
        ]
        self.manifest = _manifest(bank, self.seed, sheets, self.stats)

    def draw(self, upto: int) -> None:
        """Draw the sheets of the students up to number upto (1-based, inclusive)."""
        upto = min(upto, len(self.students))
        if upto <= self.drawn:
            return
        with rare_collections():
            for index in range(self.drawn, upto):
                student, sheet = self.students[index], self.manifest.students[index]
                self.manifest.students[index] = build_sheet(
                    self.bank,
                    self.seed,
                    sheet.variant,
                    student_id=student.student_id,
                    name=student.name,
                    extra=student.extra,
                    stats=self.stats,
                )
                self.drawn = index + 1

    def finish(self) -> Manifest:
        """The whole class's manifest (every sheet drawn, the stats counted): generate's for these inputs."""
        self.draw(len(self.students))
        return _manifest(self.bank, self.seed, self.manifest.students, self.stats)


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
    "Drawing",
    "GenerationError",
    "Stats",
    "build_sheet",
    "draw_problem",
    "effective_seed",
    "generate",
    "generate_variants",
    "generation_workers",
    "rebuild_variant",
]
