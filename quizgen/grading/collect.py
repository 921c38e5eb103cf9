"""Match answers to students and problems: one Submission per student and problem of the manifest.

Every answer read either reaches a Submission or an Issue that quotes it, so nothing is silently lost.
Rules: a later answer to the same problem replaces an earlier one (the first counts with first=True), and
the duplicate is reported; a blank never replaces a non-blank answer (an LMS export leaves the variants a
student did not see blank); gradient components given in separate columns are put together in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from quizgen.grading.model import Issue, IssueKind, RawAnswer, ReadResult, Source, Submission
from quizgen.grading.variants import VariantBuilder
from quizgen.manifest import Manifest
from quizgen.problem import Problem, Sheet


def _key(value: str) -> str:
    return " ".join(value.split()).casefold()


@dataclass
class StudentIndex:
    """Finds a manifest Sheet from a student id, or from an LMS identity value in the roster's extra columns."""

    sheets: list[Sheet]
    by_id: dict[str, Sheet] = field(default_factory=dict)
    by_norm_id: dict[str, Sheet | None] = field(default_factory=dict)
    by_value: dict[str, Sheet | None] = field(default_factory=dict)

    @classmethod
    def build(cls, sheets: Sequence[Sheet]) -> StudentIndex:
        index = cls(list(sheets))
        for sheet in sheets:
            index.by_id.setdefault(sheet.student_id, sheet)
            norm = _key(sheet.student_id)
            index.by_norm_id[norm] = None if norm in index.by_norm_id else sheet
            values = {_key(sheet.student_id)} | {_key(v) for v in sheet.extra.values() if v and v.strip()}
            for value in sorted(values):
                # A value two students share (a section name) identifies nobody.
                index.by_value[value] = None if value in index.by_value else sheet
        return index

    def find(self, raw: RawAnswer) -> Sheet | None:
        for kind, value in raw.student.values:
            if not value.strip():
                continue
            if kind == "student_id":
                sheet = self.by_id.get(value.strip()) or self.by_norm_id.get(_key(value))
            else:
                sheet = self.by_value.get(_key(value))
            if sheet is not None:
                return sheet
        return None


@dataclass
class _Entry:
    order: int
    raw: RawAnswer
    text: str
    components: tuple[str, ...] | None = None
    problem: Problem | None = None  # the LMS variant the student saw, when it differs from their sheet


def _component_index(problem: Problem, component: int | str) -> int | None:
    if not isinstance(problem.answer, list):
        return None
    n = len(problem.answer)
    if isinstance(component, int):
        return component if 0 <= component < n else None
    names = list(problem.wrt) if len(problem.wrt) == n else list(problem.variables)[:n]
    return names.index(component) if component in names else None


def _quote(text: str, limit: int = 120) -> str:
    shown = text if len(text) <= limit else text[:limit] + "..."
    return repr(shown)


def collect(
    manifest: Manifest,
    reads: Sequence[ReadResult],
    *,
    first: bool = False,
    variants: VariantBuilder | None = None,
) -> tuple[list[Submission], list[Issue]]:
    """One Submission per (student, problem) in roster and slot order, and the issues found on the way.

    variants rebuilds the LMS variant an answer names (RawAnswer.ref); without it, or for answers without
    a ref, each answer is graded against the student's own sheet.
    """
    index = StudentIndex.build(manifest.students)
    issues: list[Issue] = []
    whole: dict[tuple[str, int], list[_Entry]] = {}
    parts: dict[tuple[str, int], dict[int, list[_Entry]]] = {}
    seen_students: set[str] = set()
    by_slot: dict[str, dict[int, Problem]] = {
        s.student_id: {p.slot: p for p in s.problems} for s in manifest.students
    }
    order = 0
    for read in reads:
        issues.extend(read.issues)
        for raw in read.answers:
            order += 1
            sheet = index.find(raw)
            if sheet is None:
                if raw.text.strip():
                    issues.append(_not_graded(raw, "unknown_student", raw.student.label, raw.problem_label,
                                              f"no student {raw.student.label!r} in the manifest"))
                continue
            seen_students.add(sheet.student_id)
            placed = _place(raw, sheet, by_slot[sheet.student_id], variants)
            if isinstance(placed, Issue):
                if raw.text.strip():
                    issues.append(placed)
                continue
            problem, variant, idx = placed
            key = (sheet.student_id, problem.slot)
            if idx is not None:
                parts.setdefault(key, {}).setdefault(idx, []).append(_Entry(order, raw, raw.text))
            else:
                whole.setdefault(key, []).append(_Entry(order, raw, raw.text, problem=variant))

    submissions: list[Submission] = []
    for sheet in manifest.students:
        if sheet.student_id not in seen_students:
            issues.append(Issue("absent", "", 0, sheet.student_id, "", "no answers from this student in any file"))
        for problem in sorted(sheet.problems, key=lambda p: p.slot):
            key = (sheet.student_id, problem.slot)
            entries = list(whole.get(key, []))
            if key in parts:
                entries.append(_assemble(problem, parts[key], first, issues, sheet.student_id))
            submissions.append(_choose(sheet, problem, entries, first, issues, sheet.student_id in seen_students))
    return submissions, _in_file_order(issues, [r.path for r in reads])


def _not_graded(raw: RawAnswer, kind: IssueKind, student: str, problem: str, why: str) -> Issue:
    return Issue(kind, raw.source.file, raw.source.line, student, problem,
                 f"{why}; answer {_quote(raw.text)} was not graded")


def _place(
    raw: RawAnswer, sheet: Sheet, problems: dict[int, Problem], variants: VariantBuilder | None
) -> tuple[Problem, Problem | None, int | None] | Issue:
    """The sheet's problem an answer belongs to, the LMS variant it was given for, and its component index."""
    problem = problems.get(raw.slot) if raw.slot is not None else None
    if problem is None:
        return _not_graded(raw, "unknown_problem", sheet.student_id, raw.problem_label,
                           f"{sheet.student_id}'s sheet has no problem {raw.slot}")
    variant: Problem | None = None
    if raw.ref is not None and raw.text.strip():
        built = variants.problem(raw.ref) if variants is not None else "no bank to rebuild LMS variants from"
        if isinstance(built, str):
            return _not_graded(raw, "unknown_problem", sheet.student_id, raw.ref.text, built)
        variant = built
    if raw.component is None:
        return problem, variant, None
    idx = _component_index(problem, raw.component)
    if idx is None:
        return _not_graded(raw, "unknown_problem", sheet.student_id, raw.problem_label,
                           f"problem {problem.slot} has no component {raw.component!r}")
    return problem, None, idx


def _in_file_order(issues: list[Issue], paths: Sequence[str]) -> list[Issue]:
    """Issues in the order a teacher reads the files: by file, then line; those tied to no file last."""
    rank = {p: i for i, p in reversed(list(enumerate(paths)))}
    located = [i for i in issues if i.file]
    located.sort(key=lambda i: (rank.get(i.file, len(paths)), i.file, i.line))
    return located + [i for i in issues if not i.file]


def _pick(entries: list[_Entry], first: bool) -> tuple[_Entry | None, list[_Entry]]:
    """The entry that counts and the non-blank ones it overrides."""
    filled = [e for e in sorted(entries, key=lambda e: e.order) if e.text.strip()]
    if not filled:
        return (entries[-1] if entries else None), []
    chosen = filled[0] if first else filled[-1]
    return chosen, [e for e in filled if e is not chosen]


def _where(source: Source) -> str:
    return f"{source.file}:{source.line}"


def _assemble(
    problem: Problem, comps: dict[int, list[_Entry]], first: bool, issues: list[Issue], student_id: str
) -> _Entry:
    """A gradient answered one column per component, as one entry whose text is the vector."""
    n = len(problem.answer) if isinstance(problem.answer, list) else 0
    texts: list[str] = []
    last: _Entry | None = None
    for i in range(n):
        chosen, dropped = _pick(comps.get(i, []), first)
        if dropped and chosen is not None:
            issues.append(_duplicate(student_id, f"{problem.slot}.{i + 1}", chosen, dropped, first))
        texts.append(chosen.text.strip() if chosen else "")
        if chosen is not None and (last is None or chosen.order > last.order):
            last = chosen
    assert last is not None  # comps is non-empty
    if all(not t for t in texts):
        return _Entry(last.order, last.raw, "")
    return _Entry(last.order, last.raw, "[" + ", ".join(texts) + "]", tuple(texts))


def _duplicate(student_id: str, problem: str, chosen: _Entry, dropped: list[_Entry], first: bool) -> Issue:
    which = "first" if first else "last"
    ignored = "; ".join(f"{_quote(e.text)} ({_where(e.raw.source)})" for e in dropped)
    return Issue(
        "duplicate", chosen.raw.source.file, chosen.raw.source.line, student_id, problem,
        f"{len(dropped) + 1} answers; the {which}, {_quote(chosen.text)}, counts; ignored: {ignored}",
    )


def _choose(
    sheet: Sheet, problem: Problem, entries: list[_Entry], first: bool, issues: list[Issue], present: bool
) -> Submission:
    chosen, dropped = _pick(entries, first)
    if chosen is None:
        if present:
            issues.append(Issue("missing", "", 0, sheet.student_id, str(problem.slot), "no answer to this problem"))
        return Submission(sheet, problem, "", None)
    if dropped:
        issues.append(_duplicate(sheet.student_id, str(problem.slot), chosen, dropped, first))
    if not chosen.text.strip():
        issues.append(
            Issue("blank", chosen.raw.source.file, chosen.raw.source.line, sheet.student_id, str(problem.slot),
                  "blank answer: zero points")
        )
        return Submission(sheet, problem, "", chosen.raw.source)
    return Submission(sheet, chosen.problem or problem, chosen.text, chosen.raw.source, chosen.components)
