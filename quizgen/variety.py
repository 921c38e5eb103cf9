"""How many distinct problems a slot can make, and whether a value question's answers collapse.

A slot whose space of problems is smaller than the class hands neighbours the same problem, and a value
question whose key is "0" for half the class is guessed, not worked. Neither is an error (a small class or a
deliberate drill may accept it), so `bank check` and `generate` print a warning, never fail.

The space is estimated by drawing the slot from its own fixed random stream (so the same bank always gives
the same figures, independent of the seed and roster) and counting distinct (function, answer) pairs. The
work is bounded by a number of draws, not by a clock, so the warning is deterministic; when the draws keep
finding new problems up to the end, the figure is a lower bound and is printed as "at least N".
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from quizgen.draw import GenerationError, draw_problem
from quizgen.families.base import SlotSpec

CHECK_CLASS_SIZE = 40
"""The class `bank check` assumes (generate uses the real one)."""
MAX_SAMPLES = 200
"""Draws per slot at most: enough to see 40 distinct problems when there are many more, and to count a small
space exactly. Each draw is itself bounded (quizgen.draw.MAX_ATTEMPTS)."""
MIN_SAMPLES = 40
"""Draws per slot at least, so a small class's answer shares rest on more than a few draws."""
COLLAPSE_SHARE = 0.25
"""A value question warns when one answer is right for at least this share of the class."""


@dataclass(frozen=True)
class Variety:
    """What sampling one slot found."""

    slot: int
    samples: int
    distinct: int
    saturated: bool
    """Still finding new problems in the last quarter of the draws: `distinct` is a lower bound."""
    top_answer: str | None = None
    """A value question's most common answer and its share of the draws."""
    top_share: float = 0.0
    answers: int = 0
    """How many distinct answers a value question took."""


def _samples(class_size: int) -> int:
    return max(MIN_SAMPLES, min(MAX_SAMPLES, 4 * class_size))


def estimate(slot: SlotSpec, class_size: int, *, enough: int | None = None) -> Variety:
    """Draw the slot repeatedly (deterministically) and count distinct (function, answer) pairs, up to the
    class's number of draws; drawing stops early once `enough` distinct problems are seen (by default
    twice the class). The draws are one fixed stream, so a smaller `enough` gives a prefix of the draws."""
    enough = 2 * class_size if enough is None else enough
    rng = random.Random(f"quizgen-variety-{slot.number}-{slot.family}")
    samples = _samples(class_size)
    seen: set[tuple[str, str]] = set()
    answers: Counter[str] = Counter()
    last_new = 0
    drawn = 0
    for i in range(samples):
        try:
            problem = draw_problem(slot, rng)
        except GenerationError:
            break  # the trial draw reports a slot that cannot be drawn; here we count what there is
        drawn += 1
        answer = str(problem.answer)
        key = (problem.function, answer)
        if key not in seen:
            seen.add(key)
            last_new = i
        answers[answer] += 1
        if len(seen) >= enough:
            break  # plenty: no need to measure the space further
    saturated = drawn > 0 and last_new >= drawn - max(1, drawn // 4)
    top, count = answers.most_common(1)[0] if answers else (None, 0)
    value = slot.ask == "value"
    return Variety(
        slot=slot.number,
        samples=drawn,
        distinct=len(seen),
        saturated=saturated,
        top_answer=top if value else None,
        top_share=count / drawn if value and drawn else 0.0,
        answers=len(answers) if value else 0,
    )


def warnings(slots: Iterable[SlotSpec], class_size: int) -> list[str]:
    """One line per slot that is short of variety for a class of class_size (empty when all are fine)."""
    lines: list[str] = []
    for slot in slots:
        found = estimate(slot, class_size, enough=_enough_to_decide(slot, class_size))
        line = _line(slot, found, class_size)
        if line:
            lines.append(line)
    return lines


def _enough_to_decide(slot: SlotSpec, class_size: int) -> int:
    """Distinct problems after which a slot's warning is settled, so drawing can stop: a symbolic question
    warns only when it has fewer than class_size problems, so class_size settles it; a value question's
    answer share is over all of estimate()'s draws, so it draws as estimate() does."""
    return 2 * class_size if slot.ask == "value" else class_size


def _line(slot: SlotSpec, found: Variety, class_size: int) -> str:
    problems: list[str] = []
    if found.samples and found.distinct < class_size:
        size = f"at least {found.distinct}" if found.saturated else f"{found.distinct}"
        problems.append(f"can make {size} distinct problems for {class_size} students")
    students = round(found.top_share * class_size)
    if found.top_answer is not None and found.top_share >= COLLAPSE_SHARE and students >= 2:
        problems.append(
            f'its answer is "{found.top_answer}" for about {found.top_share:.0%} of draws '
            f"({students} of {class_size} students; {found.answers} distinct answers)"
        )
    if not problems:
        return ""
    return (
        f"warning: slot {slot.number} ({slot.family}) "
        + " and ".join(problems)
        + "; widen the coefficient range, add variables, or ask for values at random points"
    )


__all__ = ["CHECK_CLASS_SIZE", "Variety", "estimate", "warnings"]
