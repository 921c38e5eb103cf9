"""The checker's plain data: what is asked (CheckRequest) and what comes back (Verdict)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from quizgen.problem import Mistake

VerdictKind = Literal["correct", "incorrect", "unsure", "invalid"]
"""unsure: the numbers agree but the answer has structure the key lacks and no proof was found in time;
score 0.0 until a person looks at it (grading routes unsure and invalid answers to review)."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check.

    interpreted/interpreted_latex show the answer as the parser understood it ("" when unparseable);
    message says why an answer is invalid, unsure or wrong; for a correct answer it is "" unless the
    acceptance rests on a reading the student should see (a decimal read as 1/3, a narrower domain); score is 1.0 or 0.0,
    or for a gradient the fraction of components that are right; diagnosis is the matched Mistake.kind or
    a generic kind (sign, wrong_side, swapped_components, ...), None when nothing specific was found.
    """

    verdict: VerdictKind
    interpreted: str
    interpreted_latex: str
    message: str
    score: float
    diagnosis: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "interpreted": self.interpreted,
            "interpreted_latex": self.interpreted_latex,
            "message": self.message,
            "score": self.score,
            "diagnosis": self.diagnosis,
        }


@dataclass(frozen=True)
class CheckRequest:
    """One answer to check against its key.

    expected is the key in sympy str() form (a list for a gradient); variables lists the problem's
    variables in order (None: the free symbols of expected, sorted by name); mistakes are the problem's
    buggy keys, matched for feedback; latex: True/False forces the answer syntax, None detects it.
    """

    expected: str | Sequence[str]
    answer: str
    variables: Sequence[str] | None = None
    mistakes: Sequence[Mistake] = field(default_factory=tuple)
    latex: bool | None = None
    definitions: Mapping[str, str] | None = None
    """Names the problem's prompt defines, name -> expression in the variables (sympy str(), as a key):
    the answer may use them (quizgen.checker.definitions). None or empty: only the variables."""

    def cache_key(self) -> tuple[Any, ...]:
        """A hashable identity: identical requests (common in a class) share one check."""
        expected = self.expected if isinstance(self.expected, str) else tuple(self.expected)
        variables = None if self.variables is None else tuple(self.variables)
        mistakes = tuple(
            (m.kind, m.answer if isinstance(m.answer, str) else tuple(m.answer), m.feedback) for m in self.mistakes
        )
        defs = self.definitions
        definitions = tuple(sorted(defs.items())) if isinstance(defs, Mapping) else defs
        return (expected, self.answer, variables, mistakes, self.latex, definitions or None)


def invalid(message: str, diagnosis: str | None = None, interpreted: str = "", latex: str = "") -> Verdict:
    return Verdict("invalid", interpreted, latex, message, 0.0, diagnosis)
