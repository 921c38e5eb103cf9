"""Item analysis for the class report: how hard each problem was, whether it separates strong from weak
students, whether one variant of a slot was harder than the others, and which misconceptions to reteach.

Only students who sent answers count (absent students are left out, as in quizgen.grading.stats). A
variant is one generated problem (same function and key); worksheets give most students their own, so a
variant is compared only once at least MIN_VARIANT_STUDENTS students had it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from quizgen.grading.model import GradedAnswer, GradeRun, display_outcome

MIN_VARIANT_STUDENTS = 3
"""A variant seen by fewer students is not compared (its mean says little)."""
FAR_POINTS = 0.2
"""A variant is flagged when its mean score is this far (a fraction of the points) from the rest of its slot..."""
FAR_Z = 2.0
"""...and the gap is this many standard errors, so chance differences in small groups are not flagged."""


@dataclass(frozen=True)
class VariantStats:
    key: str  # the function, which identifies the generated problem
    answers: list[GradedAnswer]
    mean: float  # mean score as a fraction of the points
    rest_mean: float | None  # mean of the other students in the slot
    flagged: bool

    @property
    def n(self) -> int:
        return len(self.answers)


@dataclass(frozen=True)
class ItemStats:
    slot: int
    family: str
    n: int
    difficulty: float  # mean score as a fraction of the points (1 = everyone right)
    discrimination: float | None  # corrected point-biserial; None when scores do not vary
    variants: int  # distinct variants in the slot
    compared: list[VariantStats] = field(default_factory=list)  # variants with enough students

    @property
    def flagged(self) -> list[VariantStats]:
        return [v for v in self.compared if v.flagged]


@dataclass(frozen=True)
class PartStats:
    """One node of a multi-part problem across the class: the parts that ask the same thing (kind and node;
    the letters differ between variants' graphs), how often they were right, carried forward or wrong, and
    whether they separate strong from weak students."""

    slot: int
    kind: str  # "value" or "gradient"
    of: str  # the node or variable
    asks: str  # what the part asks, each wording once ("∂L/∂z"; "∂a/∂p2, ∂z/∂p2" when the graphs' outputs differ)
    labels: tuple[str, ...]  # the part letters it had, in order of first appearance
    n: int
    outcomes: dict[str, int]
    difficulty: float  # mean score as a share of the part's points (carried forward counts as right)
    discrimination: float | None  # part score against the rest of the quiz; None when scores do not vary

    def share(self, *outcomes: str) -> float:
        """The share of the answers (0..1) with one of these outcomes."""
        return sum(self.outcomes.get(o, 0) for o in outcomes) / self.n if self.n else 0.0


@dataclass(frozen=True)
class Misconception:
    kind: str
    students: int  # distinct students with this diagnosis, on any problem
    answers: int
    slots: list[int]
    example: GradedAnswer


def _fraction(a: GradedAnswer) -> float:
    return a.points / a.problem.points if a.problem.points else 0.0


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    if len(xs) < 3:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def _variants(answers: list[GradedAnswer], scores: list[float]) -> tuple[int, list[VariantStats]]:
    """The slot's variants compared with the rest of the slot; scores: each answer's _fraction."""
    groups: dict[str, list[GradedAnswer]] = {}
    fractions: dict[str, list[float]] = {}
    for a, score in zip(answers, scores, strict=True):
        key = a.problem.function
        groups.setdefault(key, []).append(a)
        fractions.setdefault(key, []).append(score)
    slot_variance: float | None = None  # of every score of the slot: the same for each variant (exact arithmetic)
    everyone = [f for fs in fractions.values() for f in fs]
    sums, scale = _exact_sums(fractions)
    total = sum(sums.values())
    out = []
    for key in sorted(groups, key=lambda k: (-len(groups[k]), k)):
        mine = groups[key]
        if len(mine) < MIN_VARIANT_STUDENTS or len(groups) < 2:
            continue
        scores = fractions[key]
        n_rest = len(everyone) - len(scores)
        mean = statistics.fmean(scores)
        # fmean of the other variants' scores without listing them for each variant: fmean is their exact
        # sum correctly rounded (math.fsum) over their count, and that exact sum is the slot's less ours.
        rest_mean = (total - sums[key]) / scale / n_rest if n_rest else None
        flagged = False
        if rest_mean is not None and n_rest >= 2 and abs(mean - rest_mean) >= FAR_POINTS:
            if slot_variance is None:
                slot_variance = statistics.pvariance(everyone)
            var = slot_variance
            se = math.sqrt(var * (1 / len(scores) + 1 / n_rest))
            flagged = se == 0 or abs(mean - rest_mean) / se >= FAR_Z
        out.append(VariantStats(key, mine, mean, rest_mean, flagged))
    return len(groups), out


def _exact_sums(groups: dict[str, list[float]]) -> tuple[dict[str, int], int]:
    """Each group's exact sum as an integer count of 1/scale (a float is an integer over a power of two, so
    the largest denominator is a multiple of all): (total - sum) / scale is then the correctly rounded sum
    of the other groups, as math.fsum gives it."""
    ratios = {k: [f.as_integer_ratio() for f in fs] for k, fs in groups.items()}
    scale = max((d for rs in ratios.values() for _, d in rs), default=1)
    return {k: sum(n * (scale // d) for n, d in rs) for k, rs in ratios.items()}, scale


def item_stats(run: GradeRun) -> list[ItemStats]:
    """One ItemStats per slot, in slot order, over the students who sent answers."""
    graded = [r for r in run.results if not r.absent]
    totals = {r.sheet.student_id: r.total for r in graded}
    maxima = {r.sheet.student_id: r.max_points for r in graded}
    by_slot: dict[int, list[GradedAnswer]] = {}
    for r in graded:
        for a in r.answers:
            by_slot.setdefault(a.slot, []).append(a)
    out = []
    for slot in sorted(by_slot):
        answers = by_slot[slot]
        scores = [_fraction(a) for a in answers]
        # The rest of the test, without this item, so an item does not correlate with itself.
        rest = [
            (totals[a.student_id] - a.points) / (maxima[a.student_id] - a.problem.points)
            if maxima[a.student_id] > a.problem.points
            else 0.0
            for a in answers
        ]
        count, compared = _variants(answers, scores)
        out.append(
            ItemStats(
                slot,
                answers[0].problem.family,
                len(answers),
                statistics.fmean(scores),
                _correlation(scores, rest),
                count,
                compared,
            )
        )
    return out


def part_stats(run: GradeRun) -> list[PartStats]:
    """Per node of every multi-part problem, in slot order and then in the order the parts are asked, over
    the students who sent answers. Discrimination correlates the part's score with the student's total
    without that part, so a part does not correlate with itself."""
    graded = [r for r in run.results if not r.absent]
    groups: dict[tuple[int, str, str], list[tuple[float, float, str, str, str]]] = {}
    for r in graded:
        for a in r.answers:
            for part, result in zip(a.problem.parts, a.parts, strict=False):
                score = result.points / part.points if part.points else 0.0
                rest_max = r.max_points - part.points
                rest = (r.total - result.points) / rest_max if rest_max > 0 else 0.0
                key = (a.slot, part.kind, part.of)
                groups.setdefault(key, []).append((score, rest, result.outcome, part.prompt_text, part.label))
    out = []
    for (slot, kind, of), rows in groups.items():  # insertion order: slot, then the order asked
        outcomes: dict[str, int] = {}
        for _, _, outcome, _, _ in rows:
            name = "invalid" if outcome in ("invalid", "unsure") else outcome
            outcomes[name] = outcomes.get(name, 0) + 1
        scores = [row[0] for row in rows]
        out.append(
            PartStats(
                slot,
                kind,
                of,
                ", ".join(dict.fromkeys(row[3] for row in rows)),
                tuple(dict.fromkeys(row[4] for row in rows)),
                len(rows),
                outcomes,
                statistics.fmean(scores),
                _correlation(scores, [row[1] for row in rows]),
            )
        )
    return sorted(out, key=lambda p: p.slot)


def misconceptions(run: GradeRun) -> list[Misconception]:
    """Diagnosed mistakes across problems, ranked by the number of students affected (then by name)."""
    found: dict[str, list[GradedAnswer]] = {}
    for r in run.results:
        if r.absent:
            continue
        for a in r.answers:
            if a.diagnosis and display_outcome(a) in ("incorrect", "partial"):
                found.setdefault(a.diagnosis, []).append(a)
    out = [
        Misconception(
            kind, len({a.student_id for a in answers}), len(answers), sorted({a.slot for a in answers}), answers[0]
        )
        for kind, answers in found.items()
    ]
    return sorted(out, key=lambda m: (-m.students, -m.answers, m.kind))
