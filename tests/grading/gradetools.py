"""Test helpers: a hand-built manifest (three students, a partial, a gradient, a value) and a fake
checker backend (same terms, each with the same characters = equivalent), so grading is tested without the real checker;
grade_with_checker for the tests that grade through the real one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quizgen import __version__
from quizgen.grading.engine import CheckerBackend, Request, grade
from quizgen.grading.model import StudentResult, Submission
from quizgen.manifest import BankInfo, Manifest
from quizgen.problem import Mistake, Problem, Sheet, Step


def grade_with_checker(submissions: Sequence[Submission]) -> list[StudentResult]:
    """Grade through the real checker (one worker, 10 s an answer), closing its worker even when grading fails."""
    backend = CheckerBackend(workers=1, timeout=10.0)
    try:
        return grade(submissions, backend)
    finally:
        backend.close()


def make_problems(k: int) -> list[Problem]:
    """Three problems whose keys depend on k, so each student has their own variant."""
    return [
        Problem(
            slot=1,
            family="chain_single",
            difficulty=1,
            points=2.0,
            ask="partial",
            prompt_text=f"Find d/dx of sin({k}x).",
            prompt_latex=rf"Find $\frac{{d}}{{dx}} \sin({k}x)$.",
            function=f"sin({k}*x)",
            function_latex=rf"\sin({k} x)",
            variables=["x"],
            wrt=["x"],
            point=None,
            answer=f"{k}*cos({k}*x)",
            answer_latex=rf"{k} \cos({k} x)",
            steps=[Step("Chain rule: outer cos, inner derivative k.", rf"{k}\cos({k}x)")],
            mistakes=[Mistake("forgot_inner", f"cos({k}*x)", "Multiply by the inner derivative.")],
        ),
        Problem(
            slot=2,
            family="gradient",
            difficulty=1,
            points=3.0,
            ask="gradient",
            prompt_text=f"Find the gradient of {k}*x*y.",
            prompt_latex=rf"Find $\nabla ({k}xy)$.",
            function=f"{k}*x*y",
            function_latex=rf"{k} x y",
            variables=["x", "y"],
            wrt=["x", "y"],
            point=None,
            answer=[f"{k}*y", f"{k}*x"],
            answer_latex=rf"\left({k} y, {k} x\right)",
            steps=[Step("Differentiate by each variable.", "")],
            mistakes=[Mistake("swapped_components", [f"{k}*x", f"{k}*y"], "The components are swapped.")],
        ),
        Problem(
            slot=3,
            family="relu",
            difficulty=1,
            points=1.0,
            ask="value",
            prompt_text="Find d/dx max(x, 0) at x = 2.",
            prompt_latex=r"Find $\frac{d}{dx}\max(x,0)$ at $x = 2$.",
            function="Max(0, x)",
            function_latex=r"\max(0, x)",
            variables=["x"],
            wrt=["x"],
            point={"x": 2},
            answer="1",
            answer_latex="1",
        ),
    ]


STUDENTS = [
    ("s1", "Ada Lovelace", {"email": "ada@uni.edu", "sis_user_id": "SIS1", "section": "A", "canvas_id": "101"}),
    ("s2", "Émile Borel", {"email": "emile@uni.edu", "sis_user_id": "SIS2", "section": "A", "canvas_id": "102"}),
    ("=cmd|' /C calc'!A0", "Mallory <script>", {"email": "mal@uni.edu", "section": "B"}),
]


def make_manifest() -> Manifest:
    sheets = [
        Sheet(sid, name, f"V{k}", make_problems(k + 2), extra=dict(extra))
        for k, (sid, name, extra) in enumerate(STUDENTS)
    ]
    return Manifest(__version__, BankInfo("Chain rule quiz", "NN 101", "", "missing-bank.yaml"), "0" * 64, 7, sheets)


@dataclass(frozen=True)
class FakeVerdict:
    verdict: str
    interpreted: str
    interpreted_latex: str
    message: str
    score: float
    diagnosis: str | None


def _norm(text: str) -> str:
    return text.replace(" ", "").replace("*", "").replace("^", "")


def _split(vector: str) -> list[str]:
    inner = vector.strip()[1:-1]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch in "(["
        depth -= ch in ")]"
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


class FakeBackend:
    """Equivalence by the multiset of characters after dropping spaces and *; mistakes by the same test.

    "@" or unbalanced brackets make an answer invalid; "~" makes the checker unsure."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.expected: list[Problem] = []
        self.expected_data: list[Mapping[str, Any]] = []

    def _scalar(self, expected: str, answer: str) -> bool:
        """Same terms, each with the same characters in any order ("cos(3x)*3" == "3*cos(3x)")."""

        def terms(text: str) -> list[list[str]]:
            return sorted(sorted(t) for t in _norm(text).split("+"))

        return terms(answer) == terms(expected)

    def check_one(self, r: Request) -> FakeVerdict:
        ans = r.answer.strip()
        if "~" in ans:
            return FakeVerdict(
                "unsure", _norm(ans), _norm(ans), "The checker could not decide; a teacher reviews it.", 0.0, None
            )
        if "@" in ans or ans.count("(") != ans.count(")") or len(ans) > 500:
            return FakeVerdict("invalid", "", "", "Your answer could not be read.", 0.0, None)
        interp = _norm(ans)
        if isinstance(r.expected, tuple):
            if not ans.startswith("["):
                return FakeVerdict("invalid", "", "", "Give the gradient as a vector [a, b].", 0.0, None)
            got = _split(ans)
            if len(got) != len(r.expected):
                return FakeVerdict("incorrect", interp, interp, "Wrong number of components.", 0.0, None)
            right = sum(self._scalar(e, a) for e, a in zip(r.expected, got))
            if right == len(got):
                return FakeVerdict("correct", interp, interp, "", 1.0, None)
            for m in r.mistakes:
                if (
                    isinstance(m.answer, list)
                    and len(m.answer) == len(got)
                    and all(self._scalar(e, a) for e, a in zip(m.answer, got))
                ):
                    return FakeVerdict("incorrect", interp, interp, m.feedback, 0.0, m.kind)
            return FakeVerdict("incorrect", interp, interp, "Not all components.", right / len(got), None)
        if self._scalar(r.expected, ans):
            return FakeVerdict("correct", interp, interp, "", 1.0, None)
        for m in r.mistakes:
            if isinstance(m.answer, str) and self._scalar(m.answer, ans):
                return FakeVerdict("incorrect", interp, interp, m.feedback, 0.0, m.kind)
        return FakeVerdict("incorrect", interp, interp, "Not equal to the derivative.", 0.0, None)

    def expect(self, problems: Sequence[Problem]) -> None:
        self.expected = list(problems)

    def expect_data(self, problems: Sequence[Mapping[str, Any]]) -> None:
        """CheckerBackend's early hand-off from manifest.read (the command's backend has it)."""
        self.expected_data = list(problems)

    def check(self, requests: Sequence[Request], progress: Callable[[int], None] | None) -> list[FakeVerdict]:
        self.batches.append(len(requests))
        out = [self.check_one(r) for r in requests]
        if progress is not None:
            progress(len(out))
        return out
