"""Class statistics shared by the HTML report and the terminal summary.

Absent students (no answer at all) are counted apart and left out of every mean, share and count: a
class average must not drop because someone missed the quiz.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from quizgen.grading.model import GradedAnswer, GradeRun, display_outcome


@dataclass
class ProblemStats:
    slot: int
    family: str
    answers: list[GradedAnswer] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)  # display_outcome of each answer, counted

    @property
    def n(self) -> int:
        return len(self.answers)

    def count(self, outcome: str) -> int:
        return self.outcomes[outcome]

    def share(self, *outcomes: str) -> float:
        return 100.0 * sum(self.count(o) for o in outcomes) / self.n if self.n else 0.0

    @property
    def mean_points(self) -> float:
        return statistics.fmean(a.points for a in self.answers) if self.answers else 0.0

    @property
    def max_points(self) -> float:
        return max((a.problem.points for a in self.answers), default=0.0)


@dataclass
class ClassStats:
    students: int
    answers: int
    counts: Counter[str]
    mean: float
    median: float
    low: float
    high: float
    problems: list[ProblemStats]
    issues: Counter[str]
    absent: list[str] = field(default_factory=list)  # student ids
    provisional: int = 0  # students whose total waits for review
    to_review: int = 0  # answers in the review queue not settled by an override
    reviewed: int = 0  # answers in the review queue settled by an override
    overrides: int = 0


def class_stats(run: GradeRun) -> ClassStats:
    graded = [r for r in run.results if not r.absent]
    percents = [r.percent for r in graded]
    by_slot: dict[int, ProblemStats] = {}
    counts: Counter[str] = Counter()
    for r in graded:
        for a in r.answers:
            ps = by_slot.get(a.slot)
            if ps is None:
                ps = by_slot[a.slot] = ProblemStats(a.slot, a.problem.family)
            shown = display_outcome(a)
            ps.answers.append(a)
            ps.outcomes[shown] += 1
            counts[shown] += 1
    review = run.review
    return ClassStats(
        students=len(graded),
        answers=sum(1 for r in graded for a in r.answers if a.outcome != "missing"),
        counts=counts,
        mean=statistics.fmean(percents) if percents else 0.0,
        median=statistics.median(percents) if percents else 0.0,
        low=min(percents, default=0.0),
        high=max(percents, default=0.0),
        problems=[by_slot[s] for s in sorted(by_slot)],
        issues=Counter(i.kind for i in run.issues),
        absent=[r.sheet.student_id for r in run.results if r.absent],
        provisional=sum(1 for r in run.results if run.provisional(r)),
        to_review=sum(1 for a in review if a.pending),
        reviewed=sum(1 for a in review if not a.pending),
        overrides=len(run.overrides),
    )
