"""The review queue: answers the checker could not read (invalid) or could not decide (unsure).

Offline a student cannot retype, so such an answer is never silently a final zero: it is listed in
review.csv and at the top of report.html, and the student's total is provisional until the teacher settles
it with --overrides. For an answer the parser refuses, a few small repairs are tried through the parser
API (never eval): closing brackets added, an unmatched closing bracket removed, a doubled or trailing
operator dropped, the right side of an equation kept. The first repair that parses is the suggested
reading, shown beside the key for the teacher to judge; it never changes a grade by itself. (Readings are
not run through the checker: that would cost a check per student for every repairable answer.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from quizgen.grading.model import StudentResult, Suggestion
from quizgen.mathparse import AnswerSyntaxError, parse_answer

MAX_REPAIR_LENGTH = 300
"""Longer answers get no suggestion: a repair of a long formula is a guess, and parsing costs time."""

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_DOUBLED = re.compile(r"([+\-*/^])\s*([+*/^])")  # "+*", "^^", "*/": keep the first ("**" is a power, left alone)
_TRAILING = re.compile(r"[\s+\-*/^=,]+$")


def _balance(text: str) -> tuple[str, str] | None:
    """text with the unclosed brackets closed or an unmatched closer removed, and what was done."""
    stack: list[str] = []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            stack.append(ch)
        elif ch in _CLOSE:
            if stack and stack[-1] == _CLOSE[ch]:
                stack.pop()
            else:
                return text[:i] + text[i + 1 :], f"unmatched {ch!r} removed"
    if not stack:
        return None
    closers = "".join(_OPEN[c] for c in reversed(stack))
    what = "closing bracket" if len(closers) == 1 else f"{len(closers)} closing brackets"
    return text + closers, f"{what} {closers!r} added"


def _repairs(text: str) -> Iterator[tuple[str, str]]:
    """Candidate readings, most likely first, each with a short description of the change."""
    t = text.strip()
    singles: list[tuple[str, str]] = []
    balanced = _balance(t)
    if balanced:
        singles.append(balanced)
    if _DOUBLED.search(t.replace("**", "\0")):
        fixed = _DOUBLED.sub(lambda m: m.group(1), t.replace("**", "\0")).replace("\0", "**")
        singles.append((fixed, "doubled operator removed"))
    trimmed = _TRAILING.sub("", t)
    if trimmed and trimmed != t:
        singles.append((trimmed, "trailing operator removed"))
    if t.count("=") == 1 and not re.search(r"[<>!]=|==", t):
        rhs = t.split("=", 1)[1].strip()
        if rhs:
            singles.append((rhs, "right side of the equation kept"))
    yield from singles
    for i, (first, what) in enumerate(singles):  # two repairs at once: e.g. a trailing "+" and a bracket
        for second, how in _repairs_once(first):
            if second != t and not any(second == s for s, _ in singles[: i + 1]):
                yield second, f"{what}, {how}"


def _repairs_once(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    balanced = _balance(text)
    if balanced:
        out.append(balanced)
    trimmed = _TRAILING.sub("", text)
    if trimmed and trimmed != text:
        out.append((trimmed, "trailing operator removed"))
    return out


def suggest_reading(text: str, variables: Sequence[str]) -> tuple[str, str, str] | None:
    """(repaired answer, its reading as parsed, what was changed) for an answer the parser refuses; else None."""
    if not text.strip() or len(text) > MAX_REPAIR_LENGTH:
        return None
    try:
        parse_answer(text, variables)
        return None  # it parses: unreadable for another reason (shape, size), nothing to repair
    except AnswerSyntaxError:
        pass
    for candidate, what in _repairs(text):
        if not candidate.strip():
            continue
        try:
            parsed = parse_answer(candidate, variables)
        except AnswerSyntaxError:
            continue
        return candidate, parsed.text, what
    return None


def may_repair(text: str) -> bool:
    """Cheap test (no parsing): could one of the repairs apply to this answer at all?"""
    t = text.strip()
    if not t or len(t) > MAX_REPAIR_LENGTH:
        return False
    return bool("=" in t or _TRAILING.search(t) or _DOUBLED.search(t.replace("**", "\0")) or _balance(t))


def suggest(results: Sequence[StudentResult]) -> dict[tuple[str, int], Suggestion]:
    """The suggested reading of every invalid answer a small repair makes readable, by (student id, slot).

    Identical answers (with the same variables) are parsed once.
    """
    cache: dict[tuple[str, tuple[str, ...]], tuple[str, str, str] | None] = {}
    out: dict[tuple[str, int], Suggestion] = {}
    for r in results:
        for a in r.answers:
            if a.outcome != "invalid" or not may_repair(a.typed):
                continue
            key = (a.typed, tuple(a.problem.variables))
            if key not in cache:
                cache[key] = suggest_reading(a.typed, a.problem.variables)
            reading = cache[key]
            if reading is not None:
                out[(a.student_id, a.slot)] = Suggestion(reading[1], reading[2])
    return out
