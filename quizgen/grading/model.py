"""The plain data grading passes along: answers as read, issues found on the way, and graded results.

Readers produce RawAnswers and Issues; collection turns them into one Submission per student and problem;
the engine adds a Verdict to each. Every later stage (CSV, HTML, gradebooks, the terminal summary) only
reads a GradeRun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from quizgen.manifest import Manifest
from quizgen.problem import Problem, Sheet

IssueKind = Literal[
    "unreadable_row",
    "unknown_student",
    "unknown_problem",
    "duplicate",
    "blank",
    "missing",
    "absent",
    "unmatched_column",
    "unreadable_file",
    "wrong_sheet",
    "guessed_problem",
]
"""Every kind of problem the problems report can list; the README documents each."""

Outcome = Literal["correct", "incorrect", "invalid", "blank", "missing"]


@dataclass(frozen=True)
class Source:
    """Where an answer came from: the file and its 1-based line (record number for a JSON array)."""

    file: str
    line: int


@dataclass(frozen=True)
class StudentKey:
    """How a row names its student: a quizgen student id, or an LMS identity value to look up.

    kinds lists the identity values in the order to try, e.g. (("idnumber", "s123"), ("email", "a@b.c")).
    """

    values: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        """The first non-empty value, for messages."""
        for _, value in self.values:
            if value:
                return value
        return ""


@dataclass(frozen=True)
class VariantRef:
    """The exported LMS variant an answer belongs to (quizgen.export.ids: qg.<bank>.<seed>.s<slot>.v<n>).

    With note set, the variant is not known yet: it is the variant of problem slot whose STACK question
    note is note (variant is then 0 and text is the column label); quizgen.grading.variants finds it.
    """

    text: str
    slot: int
    variant: int
    seed: int | None
    note: str | None = None


@dataclass(frozen=True)
class RawAnswer:
    """One answer cell as read, before it is matched to a student and a problem.

    problem is the column or record label as written ("q5", "5", "q5.2", "q5_y", "Response 3");
    component is set when the cell holds one component of a gradient (0-based index or variable name).
    """

    source: Source
    student: StudentKey
    slot: int | None
    component: int | str | None
    text: str
    problem_label: str
    ref: VariantRef | None = None  # set by LMS readers when the question text names its variant


@dataclass(frozen=True)
class Issue:
    """One line of problems.csv: something in the input a teacher should look at."""

    kind: IssueKind
    file: str
    line: int
    student_id: str
    problem: str
    detail: str


@dataclass(frozen=True)
class ReadResult:
    """What one answers file gave: its answers, and the rows or columns it could not use."""

    answers: list[RawAnswer]
    issues: list[Issue]
    shape: str
    path: str = ""


@dataclass(frozen=True)
class Submission:
    """The answer that counts for one student and problem (text "" when blank or missing)."""

    sheet: Sheet
    problem: Problem
    text: str
    source: Source | None
    components: tuple[str, ...] | None = None  # gradient answered one column per component


@dataclass(frozen=True)
class GradedAnswer:
    """A Submission with its verdict and points."""

    student_id: str
    slot: int
    problem: Problem
    typed: str
    outcome: Outcome
    interpreted: str
    interpreted_latex: str
    feedback: str
    diagnosis: str | None
    score: float
    points: float


VERDICT_LABEL = {
    "correct": "correct",
    "incorrect": "incorrect",
    "partial": "partly right",
    "invalid": "could not be read",
    "blank": "blank",
    "missing": "no answer",
}
"""How each displayed outcome reads on feedback pages and PDFs."""


def display_outcome(a: GradedAnswer) -> str:
    """correct / partial / incorrect / invalid / blank / missing: an incorrect answer with some credit is partial."""
    if a.outcome == "incorrect" and 0 < a.score < 1:
        return "partial"
    return a.outcome


@dataclass(frozen=True)
class StudentResult:
    sheet: Sheet
    answers: list[GradedAnswer]

    @property
    def total(self) -> float:
        return sum(a.points for a in self.answers)

    @property
    def max_points(self) -> float:
        return sum(p.points for p in self.sheet.problems)

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_points if self.max_points else 0.0


@dataclass(frozen=True)
class GradeRun:
    """Everything a grading run produced, in roster order; outputs are written from this alone."""

    manifest: Manifest
    results: list[StudentResult]
    issues: list[Issue]
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, detected shape)

    @property
    def slots(self) -> list[int]:
        seen: dict[int, None] = {}
        for sheet in self.manifest.students:
            for p in sheet.problems:
                seen.setdefault(p.slot, None)
        return sorted(seen)
