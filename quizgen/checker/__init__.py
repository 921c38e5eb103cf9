"""Is a student's answer the key? Decided by the mathematics, safely, within a hard time limit.

check() for one answer, Checker.check_many() for a batch (grading, `quizgen check --batch`). See
equivalence.py for how equality is decided and diagnosis.py for what a wrong answer is told.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from quizgen.checker.verdict import CheckRequest, Verdict
from quizgen.problem import Mistake

if TYPE_CHECKING:
    from quizgen.checker.batch import Checker

__all__ = ["CheckRequest", "Checker", "Verdict", "check"]


def check(
    expected: str | Sequence[str],
    answer: str,
    variables: Sequence[str] | None = None,
    *,
    mistakes: Sequence[Mistake] = (),
    latex: bool | None = None,
    timeout: float = 2.0,
    definitions: Mapping[str, str] | None = None,
) -> Verdict:
    """Check one answer against its key (sympy str() form; a list for a gradient); never raises for bad input.

    variables lists the problem's variables in order (None: the key's free symbols, sorted); mistakes are
    buggy keys whose feedback is returned when the answer matches one; timeout is the hard limit in seconds;
    definitions are names the prompt defines (name -> expression in the variables) the answer may use.
    """
    from quizgen.checker.batch import default_checker

    if isinstance(variables, str):
        variables = (variables,)  # check("2*x", "2x", "x"): one variable, not its letters
    request = CheckRequest(
        expected, answer, None if variables is None else tuple(variables), tuple(mistakes), latex, definitions
    )
    return default_checker(float(timeout)).check(request)


def __getattr__(name: str) -> Any:
    """Checker is imported on first use, so the numeric modules load without the parser and the pool."""
    if name == "Checker":
        from quizgen.checker.batch import Checker

        return Checker
    raise AttributeError(name)
