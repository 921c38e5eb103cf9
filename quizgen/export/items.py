"""The one model every LMS driver reads: slots, their variants, and each variant as an LMS question.

A variant becomes a `numerical` question when the slot asks for a value at a point (one number), a
`multinumerical` one for a gradient's value (one number per component: Cloze in Moodle, multiple choice
where the format has nothing better), and `multichoice` otherwise: the key plus distractors from the
problem's buggy keys (Problem.mistakes), each with its feedback. Distractors are kept only when they
differ from the key and from each other as functions (sampled exactly at fixed points), then topped
up with generic ones (sign, factor, swapped components) so every question offers a real choice. The
order is shuffled with a random generator seeded from the question's id, so it is the same every run.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import sympy

from quizgen.export import numeric
from quizgen.problem import Problem
from quizgen.typeset.printing import sstr
from quizgen.variantids import VariantId

Kind = Literal["numerical", "multinumerical", "multichoice"]

MAX_DISTRACTORS = 4
MIN_DISTRACTORS = 3


@dataclass(frozen=True)
class Choice:
    """One multiple-choice option: LaTeX, plain text, whether it is the key, and its feedback."""

    latex: str
    text: str
    correct: bool
    feedback: str
    kind: str
    components: tuple[sympy.Expr, ...] = field(compare=False, repr=False, default=())


@dataclass(frozen=True)
class NumericPart:
    """One number to type: its label (LaTeX, e.g. \\partial f/\\partial x), value and tolerance."""

    label_latex: str
    value: float
    tolerance: float
    wrong: tuple[tuple[float, str], ...] = ()
    """Buggy keys' values with their feedback, far enough from value to be told apart."""
    part: str = ""
    """The part's label ("a", "b", ...) when the number is one part of a multi-part problem, else ""."""
    points: float = 1.0
    """The part's points (its weight in the question); 1 for a gradient component."""
    exact: sympy.Expr | None = field(default=None, compare=False, repr=False)
    """The exact value (a part's key), for formats that state it exactly (STACK's teacher's answer)."""


@dataclass(frozen=True)
class ExportItem:
    problem: Problem
    slot: int
    variant: int
    idnumber: str
    name: str
    kind: Kind
    choices: tuple[Choice, ...]
    numbers: tuple[NumericPart, ...]


@dataclass(frozen=True)
class SlotGroup:
    """One bank slot: a Moodle category / Canvas question group the LMS draws one variant from."""

    number: int
    family: str
    points: float
    items: tuple[ExportItem, ...]

    @property
    def title(self) -> str:
        return f"Slot {self.number} ({self.family})"


@dataclass(frozen=True)
class ExportQuiz:
    title: str
    bank_id: str
    seed: int | None
    groups: tuple[SlotGroup, ...]

    @property
    def variants(self) -> int:
        return max((len(g.items) for g in self.groups), default=0)


def build_quiz(*, title: str, bank_id: str, seed: int | None, problems: Mapping[int, Sequence[Problem]]) -> ExportQuiz:
    """Turn each slot's generated variants into LMS questions (slots in increasing order)."""
    groups = []
    for slot in sorted(problems):
        variants = list(problems[slot])
        if not variants:
            continue
        items = tuple(
            build_item(p, VariantId(bank_id, seed, slot, i), len(variants)) for i, p in enumerate(variants, 1)
        )
        groups.append(SlotGroup(slot, variants[0].family, float(variants[0].points), items))
    return ExportQuiz(title=title, bank_id=bank_id, seed=seed, groups=tuple(groups))


def build_item(problem: Problem, vid: VariantId, count: int) -> ExportItem:
    idnumber = str(vid)
    name = question_name(vid.slot, problem.family, vid.variant, count)
    key = numeric.parse(problem.answer, problem.variables)
    is_value = problem.ask == "value" and not key.components[0].free_symbols
    numbers: tuple[NumericPart, ...] = ()
    if problem.parts:  # one number per part, each with its own blank (issue 11)
        numbers = part_numbers(problem)
        return ExportItem(problem, vid.slot, vid.variant, idnumber, name, "multinumerical", (), numbers)
    if is_value:
        numbers = _numeric_parts(problem, key)
        kind: Kind = "numerical" if len(numbers) == 1 and not key.is_vector else "multinumerical"
    else:
        kind = "multichoice"
    choices = _choices(problem, key, idnumber) if kind != "numerical" else ()
    return ExportItem(problem, vid.slot, vid.variant, idnumber, name, kind, choices, numbers)


def part_numbers(problem: Problem) -> tuple[NumericPart, ...]:
    """A multi-part problem's parts as numbers to type, in the order asked, labelled "(a) ∂L/∂z" like the
    worksheet, each with its part's label, points and exact key.

    The one place every exporter gets a problem's part list from (a diagram or other per-part material
    can be added here without touching the format drivers).
    """
    out = []
    for part in problem.parts:
        exact = numeric.parse(part.answer, problem.variables).components[0]
        value = numeric.to_float(exact)
        maths = re.findall(r"\$([^$]*)\$", part.prompt_latex)
        label = rf"\text{{({part.label})}}\; {maths[-1] if maths else part.of}"
        out.append(
            NumericPart(label, value, numeric.tolerance(value), part=part.label, points=part.points, exact=exact)
        )
    return tuple(out)


def _labels(problem: Problem, count: int) -> list[str]:
    if count == 1:
        return [r"\text{value}"]
    wrt = problem.wrt if len(problem.wrt) == count else problem.variables[:count]
    return [rf"\frac{{\partial f}}{{\partial {v}}}" for v in wrt]


def _numeric_parts(problem: Problem, key: numeric.KeyValue) -> tuple[NumericPart, ...]:
    values = [numeric.to_float(c) for c in key.components]
    wrong: list[list[tuple[float, str]]] = [[] for _ in values]
    for mistake in problem.mistakes:
        try:
            parsed = numeric.parse(mistake.answer, problem.variables)
        except Exception:  # noqa: BLE001 - a buggy key the parser rejects just gives no feedback
            continue
        if len(parsed.components) != len(values):
            continue
        for i, comp in enumerate(parsed.components):
            value = numeric.to_float(comp)
            tol = numeric.tolerance(values[i])
            if value != value or abs(value - values[i]) <= 2 * tol:
                continue
            if any(abs(value - seen) <= 2 * tol for seen, _ in wrong[i]):
                continue
            wrong[i].append((value, mistake.feedback))
    labels = _labels(problem, len(values))
    return tuple(NumericPart(labels[i], v, numeric.tolerance(v), tuple(wrong[i])) for i, v in enumerate(values))


def _rng_for(idnumber: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(idnumber.encode("utf-8")).digest()[:8], "big"))


def _choice_from(kind: str, value: numeric.KeyValue, correct: bool, feedback: str) -> Choice:
    text = ", ".join(sstr(c) for c in value.components)
    if value.is_vector:
        text = f"[{text}]"
    return Choice(value.latex, text, correct, feedback, kind, value.components)


def _generic(key: numeric.KeyValue) -> list[tuple[str, numeric.KeyValue, str]]:
    comps = list(key.components)
    out = [
        ("generic_sign", [-c for c in comps], "Check the signs: this has the opposite sign."),
        ("generic_factor", [2 * c for c in comps], "Check the constant factors: this is twice the derivative."),
        ("generic_half", [c / 2 for c in comps], "Check the constant factors: a factor is missing."),
    ]
    if len(comps) > 1:
        out.insert(
            0,
            (
                "swapped_components",
                comps[::-1],
                "The components are in the wrong order: list them in the order of the variables.",
            ),
        )
    out.append(("generic_shift", [c + 1 for c in comps], "Check each term: this has an extra constant."))
    return [(kind, numeric.KeyValue(tuple(c), key.is_vector), fb) for kind, c, fb in out]


def _choices(problem: Problem, key: numeric.KeyValue, idnumber: str) -> tuple[Choice, ...]:
    points = numeric.sample_points(problem.variables)
    seen = [numeric.signature(key, points)]
    choices = [_choice_from("key", key, True, "Correct.")]

    def offer(kind: str, value: numeric.KeyValue, feedback: str) -> None:
        if len(value.components) != len(key.components):
            return
        sig = numeric.signature(value, points)
        if all(v != v for v in sig):  # undefined everywhere: not a fair choice
            return
        if any(numeric.same_values(sig, other) for other in seen):
            return
        seen.append(sig)
        choices.append(_choice_from(kind, value, False, feedback))

    for mistake in problem.mistakes:
        if len(choices) > MAX_DISTRACTORS:
            break
        try:
            value = numeric.parse(mistake.answer, problem.variables)
        except Exception:  # noqa: BLE001 - an unparseable buggy key is skipped, not fatal
            continue
        offer(mistake.kind, value, mistake.feedback)
    for kind, value, feedback in _generic(key):
        if len(choices) > MIN_DISTRACTORS:
            break
        offer(kind, value, feedback)
    rng = _rng_for(idnumber)
    rng.shuffle(choices)
    return tuple(choices)


def question_name(slot: int, family: str, variant: int, count: int) -> str:
    """The question name shown in the LMS, e.g. "Slot 3 (chain_single) variant 07"."""
    width = max(2, len(str(count)))
    return f"Slot {slot} ({family}) variant {variant:0{width}d}"
