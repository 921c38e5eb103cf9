"""The plain data grading passes along: answers as read, issues found on the way, and graded results.

Readers produce RawAnswers and Issues; collection turns them into one Submission per student and problem;
the engine adds a Verdict to each. Every later stage (CSV, HTML, gradebooks, the terminal summary) only
reads a GradeRun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
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
    "id_conflict",
]
"""Every kind of problem the problems report can list; the README documents each."""

Outcome = Literal["correct", "incorrect", "invalid", "unsure", "blank", "missing", "absent"]
"""invalid: the answer could not be read; unsure: the checker could not stand behind a verdict. Both score 0
and go to the review queue. absent: the student sent no answer at all."""

REVIEW_OUTCOMES = ("invalid", "unsure")


@lru_cache(maxsize=4096)  # a class's pages and reports print the same few point values over and over
def fmt_number(value: float) -> str:
    """Points and percentages with at most two decimals and no trailing zeros: 3, 1.5, 66.67."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


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
    name: str = ""  # the student's name when the file gives one (to suggest the right id for an unknown one)

    @property
    def label(self) -> str:
        """The first non-empty value, for messages."""
        for _, value in self.values:
            if value:
                return value
        return ""


@dataclass(frozen=True)
class VariantRef:
    """The exported LMS variant an answer belongs to (quizgen.variantids: qg.<bank>.<seed>.s<slot>.v<n>).

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
    pieces: tuple[tuple[int, str], ...] | None = None
    """An LMS response with several inputs, as (1-based input number, text): STACK's ans1, ans2 ..., a cloze
    question's part 1, part 2 ..., a Canvas fill-in-multiple-blanks answer's blanks. Used when the problem
    has parts (input K is part K); otherwise text holds the response as one answer."""


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
    present: bool = True  # False: the student sent no answer at all (absent)
    typed_id: str = ""  # set on an answer that is not counted: the id as the file spelled it


@dataclass(frozen=True)
class Override:
    """A teacher's decision for one student and problem, from the --overrides file: points or a verdict."""

    student_id: str
    slot: int
    points: float | None
    verdict: Literal["correct", "incorrect"] | None
    note: str
    source: Source

    def describe(self) -> str:
        """As shown in responses.csv and on the feedback page: "correct (note)" or "1.5 points (note)"."""
        what = self.verdict if self.verdict is not None else f"{fmt_number(self.points or 0.0)} points"
        return f"{what} ({self.note})" if self.note else what


@dataclass(frozen=True)
class PartResult:
    """One part of a multi-part problem as graded: its own verdict and points.

    outcome is a checker outcome, or "carried" when the answer is wrong against the key but follows by
    the part's local rule from the student's own earlier answers (carried_from names those parts).
    """

    label: str
    kind: str
    of: str
    typed: str
    outcome: str
    interpreted: str
    feedback: str
    score: float
    points: float
    max_points: float
    carried_from: tuple[str, ...] = ()


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
    source: Source | None = None
    override: Override | None = None  # applied last: points is then the override's
    parts: tuple[PartResult, ...] = ()  # a multi-part problem's parts, in order (points is their sum)

    @property
    def needs_review(self) -> bool:
        """Unreadable or undecided: the review queue lists it."""
        return self.outcome in REVIEW_OUTCOMES

    @property
    def pending(self) -> bool:
        """In the review queue and not yet settled by an override."""
        return self.needs_review and self.override is None


VERDICT_LABEL = {
    "correct": "correct",
    "incorrect": "incorrect",
    "partial": "partly right",
    "invalid": "could not be read",
    "unsure": "needs a teacher's review",
    "blank": "blank",
    "missing": "no answer",
    "absent": "absent",
}
"""How each displayed outcome reads on feedback pages and PDFs."""


def checked_outcome(a: GradedAnswer) -> str:
    """What the checker said: an incorrect answer with some credit is partial."""
    if a.outcome == "incorrect" and 0 < a.score < 1:
        return "partial"
    return a.outcome


def display_outcome(a: GradedAnswer) -> str:
    """The outcome that stands: the checker's (checked_outcome), or the teacher's override."""
    o = a.override
    if o is None:
        return checked_outcome(a)
    if o.verdict is not None:
        return o.verdict
    if a.points >= a.problem.points:
        return "correct"
    return "partial" if a.points > 0 else "incorrect"


@dataclass(frozen=True)
class StudentResult:
    sheet: Sheet
    answers: list[GradedAnswer]

    @property
    def absent(self) -> bool:
        """No answer from this student in any file, and no override for them."""
        return bool(self.answers) and all(a.outcome == "absent" and a.override is None for a in self.answers)

    @property
    def pending(self) -> int:
        """Answers of this student waiting in the review queue."""
        return sum(1 for a in self.answers if a.pending)

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
class Suggestion:
    """A reading of an unreadable answer after a small repair, for the teacher to judge."""

    text: str  # the repaired answer as the parser understood it
    repair: str  # what was changed, e.g. "closing bracket ')' added"


@dataclass(frozen=True)
class GradeRun:
    """Everything a grading run produced, in roster order; outputs are written from this alone."""

    manifest: Manifest
    results: list[StudentResult]
    issues: list[Issue]
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, detected shape)
    uncounted: list[GradedAnswer] = field(default_factory=list)  # graded but not counted (id conflicts)
    warnings: list[str] = field(default_factory=list)  # about the inputs, not tied to a row (bank edited, ...)
    suggestions: dict[tuple[str, int], Suggestion] = field(default_factory=dict)  # review queue readings
    invalid: Literal["review", "zero"] = "review"
    absent_zero: bool = False

    def provisional(self, result: StudentResult) -> bool:
        """A total that may still change: answers wait for review and --invalid review is in force."""
        return self.invalid == "review" and result.pending > 0

    @property
    def review(self) -> list[GradedAnswer]:
        """The review queue, in roster and slot order: every invalid or unsure answer (settled or not)."""
        return [a for r in self.results for a in r.answers if a.needs_review]

    @property
    def overrides(self) -> list[GradedAnswer]:
        return [a for r in self.results for a in r.answers if a.override is not None]

    @property
    def slots(self) -> list[int]:
        seen: dict[int, None] = {}
        for sheet in self.manifest.students:
            for p in sheet.problems:
                seen.setdefault(p.slot, None)
        return sorted(seen)
