"""Grade Submissions with the checker's batch path: each distinct (problem key, answer) is checked once.

Points are the problem's points times the verdict's score (a gradient earns the fraction of components
right). A gradient typed one column per component with some left blank is checked component by component.
A multi-part problem (Problem.parts) is checked part by part and earns the sum of its parts' points; with
carry_forward, a wrong part that follows from the student's own earlier parts by the local rule earns its
points too (quizgen.grading.carry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from quizgen.gcpause import rare_collections, settled_heap
from quizgen.grading.carry import carried_from, carried_message, graph_values, names_in, numeric_value
from quizgen.grading.model import REVIEW_OUTCOMES, GradedAnswer, Outcome, PartResult, StudentResult, Submission
from quizgen.problem import Mistake, Problem

if TYPE_CHECKING:
    from quizgen.checker.verdict import VerdictKind


@dataclass(frozen=True)
class Request:
    """One check to make; the checker backend turns it into a quizgen.checker.CheckRequest."""

    expected: str | tuple[str, ...]
    answer: str
    variables: tuple[str, ...]
    mistakes: tuple[Mistake, ...]
    definitions: tuple[tuple[str, str], ...] = ()
    """Names the problem's prompt defines (Problem.definitions), which the answer may use."""


class VerdictLike(Protocol):
    # read-only properties, so a frozen dataclass (quizgen.checker.Verdict) satisfies the protocol
    @property
    def verdict(self) -> VerdictKind: ...
    @property
    def interpreted(self) -> str: ...
    @property
    def interpreted_latex(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def diagnosis(self) -> str | None: ...


class Backend(Protocol):
    """What the engine needs from a checker: check a batch, reporting progress as a count done so far; and
    hear, before the answers are read, which problems the batch will be about (a backend may start on
    their keys; it must give the same verdicts if it does nothing)."""

    def expect(self, problems: Sequence[Problem]) -> None: ...

    def check(self, requests: Sequence[Request], progress: Callable[[int], None] | None) -> list[VerdictLike]: ...


class CheckerBackend:
    """The real quizgen.checker.Checker, in-process, with its worker processes and per-answer time limit.

    With workers > 1 the checker's fork server starts here, so it imports the checker while the answers are
    read, and the class's checks go to warm workers as soon as they are known."""

    def __init__(self, *, workers: int, timeout: float) -> None:
        from quizgen.checker import Checker

        self._checker = Checker(workers=workers, timeout=timeout)
        self._checker.prepare_workers()
        self._expected: set[tuple[str | tuple[str, ...], tuple[str, ...]]] = set()

    def expect(self, problems: Sequence[Problem]) -> None:
        """The problems' keys, as whole answers check them, go to the fork server, which reads them while
        the answers are read (an idle core) and the workers inherit them (Checker.expect)."""
        self._expect_keys((p.answer, p.variables) for p in problems if not p.parts)

    def expect_data(self, problems: Sequence[Mapping[str, Any]]) -> None:
        """expect() for the manifest's problems as JSON data, as manifest.read(on_problems=...) hands them
        out, in runs as they are parsed: before they are verified and built, so that the server starts on
        the keys as soon as it is up (a key of a manifest then refused is only work wasted). Anything not
        shaped like a key is left out here; each call, and expect(), sends only the keys not sent yet."""
        self._expect_keys((d.get("answer"), d.get("variables")) for d in problems if not d.get("parts"))

    def _expect_keys(self, pairs: Iterable[tuple[object, object]]) -> None:
        keys: dict[tuple[str | tuple[str, ...], tuple[str, ...]], None] = {}
        for answer, variables in pairs:
            key = _key_texts(answer, variables)
            if key is not None and key not in self._expected:
                keys.setdefault(key, None)
        if keys:
            self._expected.update(keys)
            self._checker.expect(list(keys))

    def check(self, requests: Sequence[Request], progress: Callable[[int], None] | None) -> list[VerdictLike]:
        from quizgen.checker import CheckRequest

        batch = [
            CheckRequest(
                expected=list(r.expected) if isinstance(r.expected, tuple) else r.expected,
                answer=r.answer,
                variables=list(r.variables),
                mistakes=list(r.mistakes),
                definitions=dict(r.definitions) or None,
            )
            for r in requests
        ]
        return list(self._checker.check_many(batch, progress=progress))

    def close(self) -> None:
        self._checker.close()


ProblemKey = tuple[object, ...]


def _frozen(value: str | list[str]) -> str | tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else value


def _key_texts(answer: object, variables: object) -> tuple[str | tuple[str, ...], tuple[str, ...]] | None:
    """(key, variables) as the checker's load_key takes them, or None for values no key has."""
    if not (isinstance(variables, (list, tuple)) and all(type(v) is str for v in variables)):
        return None
    if isinstance(answer, (list, tuple)) and all(type(a) is str for a in answer):
        return tuple(answer), tuple(variables)
    return (answer, tuple(variables)) if type(answer) is str else None


def _problem_key(problem: Problem) -> ProblemKey:
    """What a check depends on besides the answer; a tuple, since building it runs once per student and problem."""
    mistakes = tuple((m.kind, _frozen(m.answer), m.feedback) for m in problem.mistakes)
    return (_frozen(problem.answer), tuple(problem.variables), mistakes, tuple(sorted(problem.definitions.items())))


def fmt_join(values: Sequence[str]) -> str:
    return "[" + ", ".join(values) + "]"


@dataclass(frozen=True)
class _Plan:
    submission: Submission
    indices: tuple[int, ...]  # request indices: one for a whole answer, one per filled component otherwise
    positions: tuple[int, ...]  # component positions the indices belong to (component mode)
    whole: bool = False  # a multi-part problem answered in one cell instead of part by part


def grade(
    submissions: Sequence[Submission],
    backend: Backend,
    *,
    progress: Callable[[int], None] | None = None,
    on_requests: Callable[[int], None] | None = None,
    carry_forward: bool = True,
) -> list[StudentResult]:
    """Grade every submission and group the results per student, in the order given.

    on_requests is told how many distinct checks will run; progress then receives the count done so far.
    """
    return grade_all(submissions, (), backend, progress=progress, on_requests=on_requests, carry_forward=carry_forward)[
        0
    ]


def grade_all(
    submissions: Sequence[Submission],
    uncounted: Sequence[Submission],
    backend: Backend,
    *,
    progress: Callable[[int], None] | None = None,
    on_requests: Callable[[int], None] | None = None,
    carry_forward: bool = True,
) -> tuple[list[StudentResult], list[GradedAnswer]]:
    """grade(), plus answers that are shown but not counted (id conflicts), checked in the same batch."""
    # tens of thousands of requests, plans and results on top of the class's problems: with the default
    # thresholds the cyclic collector re-walks them all many times (0.1-0.2 s of CPU for 2,000 students)
    with rare_collections():
        return _grade_all(submissions, uncounted, backend, progress, on_requests, carry_forward)


def _grade_all(
    submissions: Sequence[Submission],
    uncounted: Sequence[Submission],
    backend: Backend,
    progress: Callable[[int], None] | None,
    on_requests: Callable[[int], None] | None,
    carry_forward: bool,
) -> tuple[list[StudentResult], list[GradedAnswer]]:
    requests: list[Request] = []
    seen: dict[tuple[int, str | None, str], int] = {}
    # each distinct problem key gets a number, found once per problem object: a tuple's hash is not kept, so
    # a dedup key holding the problem key itself would hash all of its mistakes again for every answer
    numbers: dict[ProblemKey, int] = {}
    number_of: dict[int, int] = {}  # id(problem) -> the number of its key

    def request_for(
        problem: Problem,
        expected: str | tuple[str, ...],
        answer: str,
        mistakes: bool,
        named: tuple[tuple[str, str], ...] | None = None,
    ) -> int:
        number = number_of.get(id(problem))
        if number is None:
            number = number_of[id(problem)] = numbers.setdefault(_problem_key(problem), len(numbers))
        component = expected if isinstance(expected, str) and not mistakes else None
        dedup = (number, component, answer)
        index = seen.get(dedup)
        if index is None:
            index = seen[dedup] = len(requests)
            requests.append(
                Request(
                    expected,
                    answer,
                    tuple(problem.variables) if named is None else (),
                    tuple(problem.mistakes) if mistakes else (),
                    tuple(problem.definitions.items()) if named is None else named,
                )
            )
        return index

    plans: list[_Plan] = []
    for sub in [*submissions, *uncounted]:
        p = sub.problem
        if not sub.text.strip():
            plans.append(_Plan(sub, (), ()))
        elif p.parts:
            comps = sub.components
            if comps is None or len(comps) != len(p.parts):
                plans.append(_Plan(sub, (), (), whole=True))
                continue
            pos = tuple(i for i, c in enumerate(comps) if c)
            # a part is a number: the graph's names in it (leaves and nodes) stand for their values
            values = graph_values(p)
            idx = tuple(request_for(p, p.parts[i].answer, comps[i], False, names_in(comps[i], values)) for i in pos)
            plans.append(_Plan(sub, idx, pos))
        elif sub.components is not None and any(not c for c in sub.components):
            pos = tuple(i for i, c in enumerate(sub.components) if c)
            answer_list = p.answer if isinstance(p.answer, list) else [p.answer]
            idx = tuple(request_for(p, answer_list[i], sub.components[i], False) for i in pos)
            plans.append(_Plan(sub, idx, pos))
        else:
            expected = tuple(p.answer) if isinstance(p.answer, list) else p.answer
            plans.append(_Plan(sub, (request_for(p, expected, sub.text.strip(), True),), ()))

    if on_requests is not None:
        on_requests(len(requests))
    with settled_heap():  # the class's problems, submissions, plans and requests: kept to the end
        verdicts = backend.check(requests, progress) if requests else []
    graded = [
        _graded_parts(plan, verdicts, carry_forward)
        if plan.submission.problem.parts and plan.submission.text.strip()
        else _graded(plan, verdicts)
        for plan in plans
    ]
    shown = graded[len(submissions) :]

    # Submissions come grouped per sheet (roster order); group by the sheet object, not its id string.
    results: list[StudentResult] = []
    for plan, answer in zip(plans[: len(submissions)], graded[: len(submissions)], strict=True):
        sheet = plan.submission.sheet
        if not results or results[-1].sheet is not sheet:
            results.append(StudentResult(sheet, []))
        results[-1].answers.append(answer)
    return results, shown


def _answer_of(sub: Submission) -> Callable[..., GradedAnswer]:
    """A GradedAnswer for this submission, waiting for its outcome, feedback and points."""
    return partial(
        GradedAnswer,
        student_id=sub.typed_id or sub.sheet.student_id,
        slot=sub.problem.slot,
        problem=sub.problem,
        typed=sub.text,
        source=sub.source,
    )


def _graded(plan: _Plan, verdicts: Sequence[VerdictLike]) -> GradedAnswer:
    sub = plan.submission
    p = sub.problem
    graded = _answer_of(sub)
    if not plan.indices:
        empty: Outcome = "blank" if sub.source is not None else "missing" if sub.present else "absent"
        message = {"blank": "Blank answer.", "missing": "No answer.", "absent": "No answers received."}[empty]
        return graded(
            outcome=empty, interpreted="", interpreted_latex="", feedback=message, diagnosis=None, score=0.0, points=0.0
        )
    if not plan.positions:
        v = verdicts[plan.indices[0]]
        score = min(max(float(v.score), 0.0), 1.0) if v.verdict not in REVIEW_OUTCOMES else 0.0
        return graded(
            outcome=v.verdict,
            interpreted=v.interpreted,
            interpreted_latex=v.interpreted_latex,
            feedback=v.message,
            diagnosis=v.diagnosis,
            score=score,
            points=p.points * score,
        )
    # Component mode: some components blank.
    n = len(sub.components or ())
    texts = ["?"] * n
    latex = ["?"] * n
    right = 0
    notes: list[str] = []
    unread: set[str] = set()
    names = p.wrt if len(p.wrt) == n else [str(i + 1) for i in range(n)]
    for pos, idx in zip(plan.positions, plan.indices, strict=True):
        v = verdicts[idx]
        texts[pos] = v.interpreted or (sub.components or ())[pos]
        latex[pos] = v.interpreted_latex or "?"
        if v.verdict in REVIEW_OUTCOMES:
            unread.add(v.verdict)
        if v.verdict == "correct":
            right += 1
        elif v.message:
            notes.append(f"component {names[pos]}: {v.message}")
    for pos in range(n):
        if pos not in plan.positions:
            notes.append(f"component {names[pos]}: blank")
    score = right / n if n else 0.0
    # A component that cannot be read or decided sends the answer to review; the others keep their credit.
    outcome: Outcome = (
        "invalid" if "invalid" in unread else "unsure" if unread else "correct" if right == n else "incorrect"
    )
    return graded(
        outcome=outcome,
        interpreted=fmt_join(texts),
        interpreted_latex=r"\left(" + ", ".join(latex) + r"\right)",
        feedback="; ".join(notes),
        diagnosis="missing_component",
        score=score,
        points=p.points * score,
    )


def _graded_parts(plan: _Plan, verdicts: Sequence[VerdictLike], carry_forward: bool) -> GradedAnswer:
    """A multi-part problem: each part on its own, in order, with carried-forward credit from earlier parts."""
    sub = plan.submission
    p = sub.problem
    graded = _answer_of(sub)
    if plan.whole:
        labels = ", ".join(f"{p.slot}{part.label}" for part in p.parts[:3])
        return graded(
            outcome="invalid",
            interpreted="",
            interpreted_latex="",
            feedback=f"this problem has {len(p.parts)} parts: answer each in its own column ({labels}, ...)",
            diagnosis=None,
            score=0.0,
            points=0.0,
        )
    comps = sub.components or ()
    by_pos = dict(zip(plan.positions, plan.indices, strict=True))
    earlier: dict[str, object] = {}
    values: dict[str, object] = {}
    results: list[PartResult] = []
    for i, part in enumerate(p.parts):
        typed = comps[i] if i < len(comps) else ""
        part_result = partial(
            PartResult, label=part.label, kind=part.kind, of=part.of, typed=typed, max_points=part.points
        )
        if i not in by_pos:
            results.append(part_result(outcome="blank", interpreted="", feedback="blank", score=0.0, points=0.0))
            values[part.label] = None
        else:
            v = verdicts[by_pos[i]]
            outcome: str = v.verdict
            feedback, score = v.message, 0.0
            carried: tuple[str, ...] = ()
            if outcome == "correct":
                score = 1.0
            # the student's number is only needed for carried-forward credit (parsing costs per part)
            own = (
                numeric_value(typed, (), graph_values(p))
                if carry_forward and outcome not in REVIEW_OUTCOMES and any(q.rule for q in p.parts[i:])
                else None
            )
            if outcome == "incorrect" and carry_forward:
                used = carried_from(part, earlier, own, values)  # type: ignore[arg-type]
                if used:
                    outcome, score, carried = "carried", 1.0, tuple(used)
                    feedback = carried_message(used, earlier)  # type: ignore[arg-type]
            values[part.label] = own
            results.append(
                part_result(
                    outcome=outcome,
                    interpreted=v.interpreted,
                    feedback=feedback,
                    score=score,
                    points=part.points * score,
                    carried_from=carried,
                )
            )
        earlier[part.label] = part
    points = sum(r.points for r in results)
    outcomes = {r.outcome for r in results}
    overall: Outcome = (
        "invalid"
        if "invalid" in outcomes
        else "unsure"
        if "unsure" in outcomes
        else "correct"
        if outcomes <= {"correct", "carried"}
        else "incorrect"
    )
    notes = [f"{r.label}: {r.feedback}" for r in results if r.outcome != "correct" and r.feedback]
    score = points / p.points if p.points else 0.0
    return graded(
        outcome=overall,
        interpreted=fmt_join([r.interpreted or "?" for r in results]),
        interpreted_latex="",
        feedback="; ".join(notes),
        diagnosis=None,
        score=score,
        points=points,
        parts=tuple(results),
    )
