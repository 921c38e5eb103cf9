"""Match answers to students and problems: one Submission per student and problem of the manifest.

Every answer read either reaches a Submission or an Issue that quotes it, so nothing is silently lost.
Rules: a later answer to the same problem replaces an earlier one (the first counts with first=True), and
the duplicate is reported; a blank never replaces a non-blank answer (an LMS export leaves the variants a
student did not see blank); gradient components given in separate columns are put together in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from quizgen.grading.model import Issue, IssueKind, RawAnswer, ReadResult, Source, Submission
from quizgen.grading.variants import VariantBuilder
from quizgen.manifest import Manifest
from quizgen.problem import Problem, Sheet


def _key(value: str) -> str:
    return " ".join(value.split()).casefold()


def _name_key(name: str) -> str:
    """A name compared ignoring case, punctuation and word order ("Lovelace, Ada" = "ada lovelace")."""
    return " ".join(sorted(re.sub(r"[^\w\s]", " ", name).casefold().split()))


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
        return self.match(raw)[0]

    def match(self, raw: RawAnswer) -> tuple[Sheet | None, str]:
        """The sheet, and the student id as the row spells it ("" when matched by an LMS identity value)."""
        for kind, value in raw.student.values:
            if not value.strip():
                continue
            if kind == "student_id":
                sheet = self.by_id.get(value.strip()) or self.by_norm_id.get(_key(value))
                if sheet is not None:
                    return sheet, value.strip()
            else:
                sheet = self.by_value.get(_key(value))
                if sheet is not None:
                    return sheet, ""
        return None, ""


@dataclass
class _Entry:
    order: int
    raw: RawAnswer
    text: str
    components: tuple[str, ...] | None = None
    problem: Problem | None = None  # the LMS variant the student saw, when it differs from their sheet


def _component_index(problem: Problem, component: int | str) -> int | None:
    if problem.parts:
        if isinstance(component, int):
            return component if 0 <= component < len(problem.parts) else None
        labels = [p.label.lower() for p in problem.parts]
        return labels.index(component.lower()) if component.lower() in labels else None
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
    uncounted: list[Submission] | None = None,
) -> tuple[list[Submission], list[Issue]]:
    """One Submission per (student, problem) in roster and slot order, and the issues found on the way.

    variants rebuilds the LMS variant an answer names (RawAnswer.ref); without it, or for answers without
    a ref, each answer is graded against the student's own sheet. Answers under a second spelling of a
    student's id (case differs) are not counted; they are appended to uncounted, when given, to be graded
    and shown beside the counted ones.
    """
    index = StudentIndex.build(manifest.students)
    issues: list[Issue] = []
    whole: dict[tuple[str, str, int], list[_Entry]] = {}
    parts: dict[tuple[str, str, int], dict[int, list[_Entry]]] = {}
    spellings: dict[str, dict[str, int]] = {}  # student id -> the id spellings seen, with their answer counts
    unknown: dict[tuple[str, str], list[RawAnswer]] = {}
    by_slot: dict[str, dict[int, Problem]] = {s.student_id: {p.slot: p for p in s.problems} for s in manifest.students}
    order = 0
    for read in reads:
        issues.extend(read.issues)
        for raw in read.answers:
            order += 1
            filled = bool(raw.text.strip())
            sheet, spelled = index.match(raw)
            if sheet is None:
                if filled:
                    unknown.setdefault((raw.source.file, raw.student.label), []).append(raw)
                continue
            seen = spellings.setdefault(sheet.student_id, {})
            seen[spelled] = seen.get(spelled, 0) + filled
            placed = _place(raw, sheet, by_slot[sheet.student_id], variants)
            if isinstance(placed, Issue):
                if filled:
                    issues.append(placed)
                continue
            problem, variant, idx = placed
            key = (sheet.student_id, spelled, problem.slot)
            target = variant or problem
            if idx is None and target.parts and raw.pieces is not None and filled:
                # one LMS response holding every part (STACK inputs, cloze blanks, Canvas blanks)
                for i, text in _part_pieces(raw, target, sheet.student_id, issues):
                    parts.setdefault(key, {}).setdefault(i, []).append(_Entry(order, raw, text, problem=variant))
            elif idx is not None:
                parts.setdefault(key, {}).setdefault(idx, []).append(_Entry(order, raw, raw.text, problem=variant))
            else:
                whole.setdefault(key, []).append(_Entry(order, raw, raw.text, problem=variant))
    issues.extend(_unknown_students(manifest, unknown, spellings))

    submissions: list[Submission] = []
    for sheet in manifest.students:
        present = sheet.student_id in spellings
        counted, others = _spellings(sheet, spellings.get(sheet.student_id, {}))
        if not present:
            issues.append(Issue("absent", "", 0, sheet.student_id, "", "no answers from this student in any file"))
        resubmitted: list[tuple[str, _Entry, list[_Entry]]] = []
        for problem in sorted(sheet.problems, key=lambda p: p.slot):
            # the answers matched by an LMS identity value (spelled ""), then those under the counted id spelling
            keys = [(sheet.student_id, "", problem.slot)] + (
                [(sheet.student_id, counted, problem.slot)] if counted else []
            )
            entries = _entries(whole, parts, keys, problem, first, resubmitted, issues)
            submissions.append(_choose(sheet, problem, entries, first, issues, present, resubmitted))
        if resubmitted:
            issues.append(_resubmission(sheet.student_id, resubmitted, first))
        for spelled in others:
            issues.append(_conflict(sheet, spelled, counted, spellings[sheet.student_id][spelled], reads))
            for problem in sorted(sheet.problems, key=lambda p: p.slot):
                entries = _entries(whole, parts, [(sheet.student_id, spelled, problem.slot)], problem, first, [])
                chosen, _ = _pick(entries, first)
                if chosen is not None and chosen.text.strip() and uncounted is not None:
                    uncounted.append(
                        Submission(
                            sheet,
                            chosen.problem or problem,
                            chosen.text,
                            chosen.raw.source,
                            chosen.components,
                            typed_id=spelled,
                        )
                    )
    return submissions, _in_file_order(issues, [r.path for r in reads])


def _entries(
    whole: dict[tuple[str, str, int], list[_Entry]],
    parts: dict[tuple[str, str, int], dict[int, list[_Entry]]],
    keys: Sequence[tuple[str, str, int]],
    problem: Problem,
    first: bool,
    resubmitted: list[tuple[str, _Entry, list[_Entry]]],
    issues: list[Issue] | None = None,
) -> list[_Entry]:
    """The answers to one problem under the given (student, spelling, slot) keys; components put together."""
    entries = [e for key in keys for e in whole.get(key, [])]
    comps: dict[int, list[_Entry]] = {}
    for key in keys:
        for i, es in parts.get(key, {}).items():
            comps.setdefault(i, []).extend(es)
    if comps:
        entries.append(_assemble(problem, comps, first, resubmitted, issues))
    return entries


def _spellings(sheet: Sheet, seen: dict[str, int]) -> tuple[str, list[str]]:
    """The id spelling whose answers count, and the other spellings (ids equal only when case is ignored).

    The manifest's own spelling counts when the files use it, else the first one seen. "" (an LMS
    identity match) never conflicts with anything.
    """
    typed = [s for s in seen if s and seen[s]] or [s for s in seen if s]  # spellings with only blanks never conflict
    if len(typed) <= 1:
        return (typed[0] if typed else ""), []
    counted = sheet.student_id if sheet.student_id in typed else typed[0]
    return counted, [s for s in typed if s != counted]


def _conflict(sheet: Sheet, spelled: str, counted: str, n: int, reads: Sequence[ReadResult]) -> Issue:
    where = next(
        (
            raw.source
            for r in reads
            for raw in r.answers
            if raw.student.values and raw.student.values[0][1].strip() == spelled
        ),
        Source("", 0),
    )
    answers = f"{n} answer{'s' if n > 1 else ''}"
    return Issue(
        "id_conflict",
        where.file,
        where.line,
        sheet.student_id,
        "",
        f"{answers} under id {spelled!r} not counted: it is {sheet.student_id!r} only when case is ignored, and "
        f"{counted!r} also answered (those answers count); responses.csv lists them with counted = no; "
        "fix the id in the file or settle it with --overrides",
    )


def _unknown_students(
    manifest: Manifest, unknown: dict[tuple[str, str], list[RawAnswer]], spellings: dict[str, dict[str, int]]
) -> list[Issue]:
    """One issue per unknown student id and file, with a suggestion when a roster name or a near id matches."""
    issues: list[Issue] = []
    for (file, label), raws in unknown.items():
        first_raw = raws[0]
        hint = suggest_student(manifest, label, first_raw.student.name, answered=set(spellings))
        lines = sorted({r.source.line for r in raws})
        shown = ", ".join(f"{_label(r)} {_quote(r.text, 40)}" for r in raws[:MAX_QUOTED])
        more = f" and {len(raws) - MAX_QUOTED} more" if len(raws) > MAX_QUOTED else ""
        issues.append(
            Issue(
                "unknown_student",
                file,
                first_raw.source.line,
                label,
                "",
                f"no student {label!r} in the manifest{hint}; {len(raws)} answer{'s' if len(raws) > 1 else ''} not graded "
                f"(line{'s' if len(lines) > 1 else ''} {_line_span(lines)}): {shown}{more}",
            )
        )
    return issues


def _label(raw: RawAnswer) -> str:
    return f"q{raw.slot}" if raw.slot is not None and raw.problem_label.strip().isdigit() else raw.problem_label


MAX_QUOTED = 6
"""Answers quoted per line of problems.csv (the rest are counted; the file and lines name them all)."""


def _line_span(lines: list[int]) -> str:
    if len(lines) > 3 and lines[-1] - lines[0] + 1 == len(lines):
        return f"{lines[0]}-{lines[-1]}"
    return ", ".join(str(n) for n in lines[:8]) + (", ..." if len(lines) > 8 else "")


def _near(a: str, b: str) -> bool:
    """One edit apart (insert, delete, replace, or swap two neighbours), compared ignoring case."""
    a, b = a.casefold(), b.casefold()
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def suggest_student(manifest: Manifest, label: str, name: str, *, answered: set[str]) -> str:
    """ "; did you mean s2610 (same name)?" for an unknown id, or "" when nothing fits.

    A roster name equal to the row's name (ignoring case and spacing) is a strong hint; an id one edit away
    (a typo, two digits swapped) is offered only for students who sent no answer under their own id.
    """
    found: list[str] = []
    if name.strip():
        wanted = _name_key(name)
        found += [
            f"{s.student_id} (same name)" for s in manifest.students if s.name.strip() and _name_key(s.name) == wanted
        ]
    if len(label) >= 3:
        found += [
            f"{s.student_id} (id one character off)"
            for s in manifest.students
            if s.student_id not in answered
            and _near(label, s.student_id)
            and not any(f.startswith(s.student_id + " ") for f in found)
        ]
    if not found:
        return ""
    return "; did you mean " + " or ".join(found[:3]) + "?"


def _not_graded(raw: RawAnswer, kind: IssueKind, student: str, problem: str, why: str) -> Issue:
    return Issue(
        kind, raw.source.file, raw.source.line, student, problem, f"{why}; answer {_quote(raw.text)} was not graded"
    )


def _place(
    raw: RawAnswer, sheet: Sheet, problems: dict[int, Problem], variants: VariantBuilder | None
) -> tuple[Problem, Problem | None, int | None] | Issue:
    """The sheet's problem an answer belongs to, the LMS variant it was given for, and its component index."""
    problem = problems.get(raw.slot) if raw.slot is not None else None
    if problem is None:
        return _not_graded(
            raw,
            "unknown_problem",
            sheet.student_id,
            raw.problem_label,
            f"{sheet.student_id}'s sheet has no problem {raw.slot}",
        )
    variant: Problem | None = None
    if raw.ref is not None and raw.text.strip():
        built = variants.problem(raw.ref) if variants is not None else "no bank to rebuild LMS variants from"
        if isinstance(built, str):
            return _not_graded(raw, "unknown_problem", sheet.student_id, raw.ref.text, built)
        variant = built
    if raw.component is None:
        return problem, variant, None
    target = variant or problem
    idx = _component_index(target, raw.component)
    if idx is None:
        what = "part" if target.parts else "component"
        return _not_graded(
            raw,
            "unknown_problem",
            sheet.student_id,
            raw.problem_label,
            f"problem {problem.slot} has no {what} {raw.component!r}",
        )
    return problem, variant, idx


def _part_pieces(raw: RawAnswer, problem: Problem, student: str, issues: list[Issue]) -> list[tuple[int, str]]:
    """The parts an LMS response's inputs answer (input K is part K, as exported), 0-based. An input the
    problem has no part for, or a Canvas answer whose blanks cannot be counted, is reported, not graded."""
    pieces = list(raw.pieces or ())
    n = len(problem.parts)
    where = raw.ref.text if raw.ref is not None else raw.problem_label
    labels = ", ".join(f"{problem.slot}{p.label}" for p in problem.parts)
    if _is_canvas(raw) and len(pieces) != n:
        issues.append(
            _not_graded(
                raw,
                "unknown_problem",
                student,
                where,
                f"this answer has {len(pieces)} comma-separated values for the {n} blanks of problem "
                f"{problem.slot} ({labels}); cannot tell which value is which part",
            )
        )
        return []
    out = []
    for number, text in pieces:
        if 1 <= number <= n:
            out.append((number - 1, text))
        elif text.strip():
            issues.append(
                Issue(
                    "unknown_problem",
                    raw.source.file,
                    raw.source.line,
                    student,
                    where,
                    f"input {number} of this response matches no part of problem {problem.slot}, which has {n} "
                    f"parts ({labels}); its answer {_quote(text)} was not graded",
                )
            )
    return out


def _is_canvas(raw: RawAnswer) -> bool:
    """Canvas blanks come as one comma-joined cell, numbered by position only (Moodle's inputs and blanks carry
    their numbers); a Canvas question column is labelled "<question id>: <text>", Moodle's "Response N"."""
    return ":" in raw.problem_label


def _in_file_order(issues: list[Issue], paths: Sequence[str]) -> list[Issue]:
    """Issues in the order a teacher reads the files: by file, then line; those tied to no file last."""
    rank = {p: i for i, p in reversed(list(enumerate(paths)))}
    located = [i for i in issues if i.file]
    located.sort(key=lambda i: (rank.get(i.file, len(paths)), i.file, i.line))
    return located + [i for i in issues if not i.file]


def _pick(entries: list[_Entry], first: bool) -> tuple[_Entry | None, list[_Entry]]:
    """The entry that counts and the non-blank ones it overrides."""
    if len(entries) == 1:  # most problems: one answer, which counts (blank or not) and overrides nothing
        return entries[0], []
    filled = [e for e in sorted(entries, key=lambda e: e.order) if e.text.strip()]
    if not filled:
        return (entries[-1] if entries else None), []
    chosen = filled[0] if first else filled[-1]
    return chosen, [e for e in filled if e is not chosen]


def _where(source: Source) -> str:
    return f"{source.file}:{source.line}"


def _assemble(
    problem: Problem,
    comps: dict[int, list[_Entry]],
    first: bool,
    resubmitted: list[tuple[str, _Entry, list[_Entry]]],
    issues: list[Issue] | None = None,
) -> _Entry:
    """A gradient answered one column per component (or the parts of a multi-part problem), as one entry whose
    text is the vector. Parts answered in an LMS carry the variant they were asked in: the entry is for that
    variant, and a part answered in another variant of the same problem is reported and left out."""
    chosen_by: dict[int, _Entry] = {}
    for i in sorted(comps):
        chosen, dropped = _pick(comps[i], first)
        if chosen is None:
            continue
        chosen_by[i] = chosen
        if dropped:
            target = chosen.problem or problem
            name = target.parts[i].label if target.parts and i < len(target.parts) else str(i + 1)
            resubmitted.append((f"q{problem.slot}.{name}", chosen, dropped))
    last = max(chosen_by.values(), key=lambda e: e.order)  # comps is non-empty
    variant = last.problem
    target = variant or problem
    n = len(target.parts) or (len(target.answer) if isinstance(target.answer, list) else 0)
    texts: list[str] = []
    for i in range(n):
        chosen = chosen_by.get(i)
        if chosen is not None and chosen.problem is not variant and chosen.text.strip():
            if issues is not None:
                issues.append(
                    Issue(
                        "unknown_problem",
                        chosen.raw.source.file,
                        chosen.raw.source.line,
                        chosen.raw.student.label,
                        chosen.raw.problem_label,
                        f"part {target.parts[i].label if target.parts else i + 1} of problem {problem.slot} was "
                        f"answered in another variant than the student's other parts; its answer {_quote(chosen.text)} "
                        "was not graded (settle it with --overrides)",
                    )
                )
            chosen = None
        texts.append(chosen.text.strip() if chosen else "")
    if all(not t for t in texts):
        return _Entry(last.order, last.raw, "", problem=variant)
    return _Entry(last.order, last.raw, "[" + ", ".join(texts) + "]", tuple(texts), problem=variant)


def _resubmission(student_id: str, resubmitted: list[tuple[str, _Entry, list[_Entry]]], first: bool) -> Issue:
    """One line per student who answered problems more than once: which rows were kept, what was dropped."""
    which = "first" if first else "last"
    kept: dict[str, None] = {}
    for _, chosen, _ in sorted(resubmitted, key=lambda t: t[1].order):
        kept.setdefault(_where(chosen.raw.source), None)
    dropped = [(label, e) for label, _, ds in resubmitted for e in ds]
    shown = "; ".join(f"{label} {_quote(e.text, 40)} ({_where(e.raw.source)})" for label, e in dropped[:MAX_QUOTED])
    more = f"; and {len(dropped) - MAX_QUOTED} more" if len(dropped) > MAX_QUOTED else ""
    problems = ", ".join(label for label, _, _ in resubmitted)
    anchor = min((c for _, c, _ in resubmitted), key=lambda e: e.order).raw.source
    return Issue(
        "duplicate",
        anchor.file,
        anchor.line,
        student_id,
        problems,
        f"resubmitted: {len(resubmitted)} problem{'s' if len(resubmitted) > 1 else ''} answered more than once; "
        f"the {which} answers count, kept {', '.join(kept)}; dropped {len(dropped)}: {shown}{more}",
    )


def _choose(
    sheet: Sheet,
    problem: Problem,
    entries: list[_Entry],
    first: bool,
    issues: list[Issue],
    present: bool,
    resubmitted: list[tuple[str, _Entry, list[_Entry]]],
) -> Submission:
    chosen, dropped = _pick(entries, first)
    if chosen is None:
        if present:
            issues.append(Issue("missing", "", 0, sheet.student_id, str(problem.slot), "no answer to this problem"))
        return Submission(sheet, problem, "", None, present=present)
    if dropped:
        resubmitted.append((f"q{problem.slot}", chosen, dropped))
    if not chosen.text.strip():
        issues.append(
            Issue(
                "blank",
                chosen.raw.source.file,
                chosen.raw.source.line,
                sheet.student_id,
                str(problem.slot),
                "blank answer: zero points",
            )
        )
        return Submission(sheet, problem, "", chosen.raw.source)
    return Submission(sheet, chosen.problem or problem, chosen.text, chosen.raw.source, chosen.components)
