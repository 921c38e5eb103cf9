"""Draw one problem for a bank slot: draw, check and print it, redrawing what is rejected.

Each draw is checked before it is accepted: the key against a numeric central difference (quizgen.verify),
no key identically 0 unless the slot allows it, no duplicate problem on one sheet, keys short enough to
typeset on one line. A rejected draw is redrawn from the same random stream and counted in Stats.
A family's draw() may decline (return None, see quizgen.families.base.Family.draw): that is a redraw too.

The bank loader's trial draw and the generator (quizgen.generate) both draw through draw_problem, so this
module sits below both: it knows slots and families, never a whole bank.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

import sympy

from quizgen.errors import BankError, QuizgenError
from quizgen.families.base import PART_SHIFT, Draft, DraftGraph, DraftMistake, DraftPart, DraftStep, SlotSpec
from quizgen.families.registry import get_family
from quizgen.problem import Graph, GraphNode, Mistake, Part, Problem, Step
from quizgen.typeset.escape import tex_escape
from quizgen.typeset.printing import plain, sstr, tex, tex_ln
from quizgen.verify import PointMemo, mistake_differs, verify_draft, verify_parts

MAX_ATTEMPTS = 80
"""Draws per slot before giving up: a slot that fails this often is misconfigured, not unlucky."""
MAX_ANSWER_LATEX = 160
"""Longest key (LaTeX characters, per gradient component) that still typesets on one line."""
MAX_FUNCTION_LATEX = 200


class GenerationError(QuizgenError):
    """A slot cannot produce a valid problem (raised by draw_problem, for the generator and the trial draw)."""


@dataclass
class Stats:
    """Counts for Manifest.stats: draws made, problems accepted, and redraws by reason."""

    draws: int = 0
    accepted: int = 0
    redrawn: Counter[str] = field(default_factory=Counter)
    mistakes_dropped: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "draws": self.draws,
            "accepted": self.accepted,
            "redrawn": {k: self.redrawn[k] for k in sorted(self.redrawn)},
            "mistakes_dropped": self.mistakes_dropped,
        }


def _point_value(value: sympy.Basic) -> int | str:
    if not isinstance(value, (int, sympy.Rational)):
        return sstr(value)  # an exact non-rational leaf, e.g. a bias ln(3) - 2 (a backprop graph)
    rational = sympy.Rational(value)
    return int(rational) if rational.q == 1 else f"{rational.p}/{rational.q}"


def _text_latex(text: str) -> str:
    return r"\text{" + tex_escape(text) + "}"


_STEPS_LIMIT = 20_000
_steps: dict[DraftStep, Step] = {}
"""Printed steps by draft step: about half of a class's steps recur (the same held-constant sentence, the
same chain-rule steps under another coefficient's draft), and a Step is immutable."""


def _step(step: DraftStep) -> Step:
    if isinstance(step.expr, list):  # unhashable, and rare (a gradient's vector)
        return _print_step(step)
    hit = _steps.get(step)
    if hit is None:
        if len(_steps) >= _STEPS_LIMIT:
            _steps.clear()
        hit = _steps[step] = _print_step(step)
    return hit


def _print_step(step: DraftStep) -> Step:
    expr = step.expr
    if expr is None:
        return Step(text=step.text, latex=step.latex if step.latex is not None else _text_latex(step.text))
    if isinstance(expr, list):
        text = f"{step.text} ({', '.join(plain(e) for e in expr)})"
        body = r"\left(" + ", ".join(tex(e) for e in expr) + r"\right)"
    else:
        text = f"{step.text} {plain(expr)}"
        body = tex(expr)
    latex = step.latex if step.latex is not None else _text_latex(step.text) + r"\quad " + body
    return Step(text=text, latex=latex)


def _answer_strings(answer: sympy.Basic | list[sympy.Basic]) -> str | list[str]:
    if isinstance(answer, list):
        return [sstr(a) for a in answer]
    return sstr(answer)


def _answer_latex(answer: sympy.Basic | list[sympy.Basic]) -> tuple[str, int]:
    """The key in LaTeX and its longest component (what must fit on a line)."""
    if isinstance(answer, list):
        parts = [tex(a) for a in answer]
        return r"\left(" + ", ".join(parts) + r"\right)", max(len(p) for p in parts)
    text = tex(answer)
    return text, len(text)


def _zero_expr(expr: sympy.Basic) -> bool:
    """Sampled as zero everywhere: a plain expression is then zero; a piecewise one only if every branch is."""
    if isinstance(expr, sympy.Piecewise):
        return all(e == 0 or (isinstance(e, sympy.Piecewise) and _zero_expr(e)) for e, _ in expr.args)
    return True


def _identically_zero(draft: Draft) -> bool:
    """Called when the key was 0 at every sample point: is it really the zero function?

    An indicator can be 0 at every sample when its active region is thin, and a value question may
    land on the flat side of a ReLU; neither is degenerate.
    """
    if draft.point is not None:
        return not draft.kinks
    answers = draft.answer if isinstance(draft.answer, list) else [draft.answer]
    return all(_zero_expr(a) for a in answers)


def _duplicate_key(draft: Draft, function: str) -> tuple[str, ...]:
    point = "" if draft.point is None else repr(sorted((v.name, sstr(x)) for v, x in draft.point.items()))
    return (function, ",".join(w.name for w in draft.wrt), point)


@dataclass(frozen=True)
class _Outcome:
    """What checking one draft gave: a redraw reason, or the printed Problem and its sheet-duplicate key."""

    reason: str
    problem: Problem | None = None
    dup: tuple[str, ...] = ()
    dropped: int = 0


_CACHE_LIMIT = 20_000
_outcomes: dict[object, _Outcome] = {}
"""Outcomes by draft: many students draw the same problem (about half of the demo bank's draws for 1,000
students), and checking and printing a draft is a pure function of the slot and the draft."""


def _freeze(value: object) -> object:
    if isinstance(value, sympy.Basic):  # the commonest leaf, hashable as it is
        return value
    if isinstance(value, (list, tuple)):
        return tuple([_freeze(v) for v in value])
    if isinstance(value, dict):
        return tuple([(k, _freeze(v)) for k, v in value.items()])
    if isinstance(value, DraftStep):
        return (value.text, _freeze(value.expr), value.latex)
    if isinstance(value, DraftMistake):
        return (value.kind, _freeze(value.answer), value.feedback)
    if isinstance(value, DraftPart):
        return (
            value.label,
            value.kind,
            value.of,
            value.answer,
            value.prompt_text,
            value.prompt_latex,
            value.check,
            value.rule,
            value.weight,
            _freeze(value.steps),
        )
    return value


def _draft_key(slot: SlotSpec, draft: Draft, allow_zero: bool) -> object:
    return (
        slot.number,
        slot.family,
        slot.difficulty,
        slot.points,
        slot.ask,
        allow_zero,
        draft.function,
        _freeze(draft.variables),
        _freeze(draft.wrt),
        _freeze(draft.answer),
        draft.prompt_text,
        draft.prompt_latex,
        _freeze(draft.steps),
        _freeze(draft.mistakes),
        _freeze(draft.kinks),
        _freeze(draft.point),
        draft.function_latex,
        _freeze(draft.definitions),
        _freeze(draft.parts),
        slot.options.get("part_points") if draft.parts else None,
        draft.graph,
    )


def _check(slot: SlotSpec, draft: Draft, allow_zero: bool) -> _Outcome:
    """Verify, reject degenerate drafts and print: depends on nothing but the slot and the draft."""
    check = verify_draft(
        draft.function, draft.variables, draft.wrt, draft.answer, draft.kinks, random.Random(0), draft.point
    )
    if not check.ok:
        return _Outcome("verify_failed")
    if draft.parts and (
        draft.point is None
        or verify_parts(
            draft.variables, draft.point, [(p.kind, p.answer, p.check, PART_SHIFT) for p in draft.parts], draft.kinks
        )
    ):
        return _Outcome("verify_failed")
    if check.zero and not allow_zero and _identically_zero(draft):
        # a value of 0 on the flat side of a max/ReLU is a real answer; elsewhere 0 is degenerate
        return _Outcome("zero_answer")
    function = sstr(draft.function)
    answer_latex, longest = _answer_latex(draft.answer)
    function_latex = draft.function_latex or tex(draft.function)
    if longest > MAX_ANSWER_LATEX or len(function_latex) > MAX_FUNCTION_LATEX:
        return _Outcome("too_long")
    local = Stats()
    problem = _problem(slot, draft, function, function_latex, answer_latex, check.points, local)
    return _Outcome("", problem, _duplicate_key(draft, function), local.mistakes_dropped)


def draw_problem(
    slot: SlotSpec,
    rng: random.Random,
    *,
    seen: set[tuple[str, ...]] | None = None,
    stats: Stats | None = None,
    where: str = "",
) -> Problem:
    """Draw, check and print one problem for the slot (redrawing rejected draws from the same rng).

    Raises:
        GenerationError: no acceptable draw after MAX_ATTEMPTS.
    """
    family = get_family(slot.family)
    stats = stats if stats is not None else Stats()
    seen = seen if seen is not None else set()
    allow_zero = bool(slot.options.get("allow_zero", False))
    reasons: Counter[str] = Counter()
    for _ in range(MAX_ATTEMPTS):
        stats.draws += 1
        draft = family.draw(slot, rng)
        if draft is None:
            outcome = _Outcome("declined")  # no point off the kinks, or a degenerate draw
        else:
            key = _draft_key(slot, draft, allow_zero)
            try:
                outcome = _outcomes[key]
            except KeyError:
                outcome = _check(slot, draft, allow_zero)
                if len(_outcomes) >= _CACHE_LIMIT:
                    _outcomes.clear()
                _outcomes[key] = outcome
            except TypeError:  # a family put something unhashable in its draft: no cache
                outcome = _check(slot, draft, allow_zero)
        reason = outcome.reason or ("duplicate" if outcome.dup in seen else "")
        if reason:
            stats.redrawn[reason] += 1
            reasons[reason] += 1
            continue
        assert outcome.problem is not None
        seen.add(outcome.dup)
        stats.accepted += 1
        stats.mistakes_dropped += outcome.dropped
        return outcome.problem
    summary = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
    raise GenerationError(
        f"{where}slots[{slot.number}] ({slot.family}): no valid problem after {MAX_ATTEMPTS} draws ({summary}); "
        "widen the coefficient range, add variables or change the point"
    )


def _problem(
    slot: SlotSpec,
    draft: Draft,
    function: str,
    function_latex: str,
    answer_latex: str,
    points: list[dict[sympy.Symbol, float]],
    stats: Stats,
) -> Problem:
    mistakes: list[Mistake] = []
    kept: list[sympy.Basic | list[sympy.Basic]] = []
    # a value question's one point is all there is; elsewhere, also look around the mistake's own kinks
    variables = draft.variables if draft.point is None else []
    memo: PointMemo = {}  # values at the check points, shared by the comparisons below
    for m in draft.mistakes:
        if not mistake_differs(draft.answer, m.answer, points, variables, draft.kinks, memo):
            stats.mistakes_dropped += 1
            continue
        # The same wrong answer reached by two mistakes (for max(x, y), the wrong side is also the other
        # variable's derivative) keeps only the first: one answer, one diagnosis.
        if any(not mistake_differs(earlier, m.answer, points, variables, draft.kinks, memo) for earlier in kept):
            continue
        kept.append(m.answer)
        answer = _answer_strings(m.answer)
        mistakes.append(Mistake(kind=m.kind, answer=answer, feedback=m.feedback))
    return Problem(
        slot=slot.number,
        family=slot.family,
        difficulty=slot.difficulty,
        points=slot.points
        if not draft.parts or "part_points" not in slot.options
        else float(slot.options["part_points"]) * sum(p.weight for p in draft.parts),
        ask=slot.ask,
        prompt_text=draft.prompt_text,
        prompt_latex=draft.prompt_latex,
        function=function,
        function_latex=function_latex,
        variables=[v.name for v in draft.variables],
        wrt=[w.name for w in draft.wrt],
        point=None if draft.point is None else {v.name: _point_value(x) for v, x in draft.point.items()},
        answer=_answer_strings(draft.answer),
        answer_latex=answer_latex,
        steps=[_step(s) for s in draft.steps],
        mistakes=mistakes,
        definitions={name: sstr(expr) for name, expr in draft.definitions.items()},
        parts=_parts(slot, draft.parts),
        graph=_graph(draft.graph, draft.parts),
        working=slot.working,
    )


def _parts(slot: SlotSpec, parts: list[DraftPart]) -> list[Part]:
    """The printed parts. With the slot option part_points each part is worth that many points (the
    problem then is worth their sum); otherwise the slot's points are shared by the parts' weights (rounded
    to cents, the last part taking the remainder, so the parts always sum to the slot's points)."""
    if not parts:
        return []
    each = slot.options.get("part_points")
    if each is not None:
        shares = [float(each) * p.weight for p in parts]
    else:
        total = sum(p.weight for p in parts)
        shares = [round(slot.points * p.weight / total, 2) for p in parts[:-1]]
        shares.append(round(slot.points - sum(shares), 2))
    return [
        Part(
            label=p.label,
            kind=p.kind,
            of=p.of,
            prompt_text=p.prompt_text,
            prompt_latex=p.prompt_latex,
            answer=sstr(p.answer),
            answer_latex=tex_ln(p.answer),
            points=points,
            rule="" if p.rule is None else sstr(p.rule),
            steps=[_step(s) for s in p.steps],
        )
        for p, points in zip(parts, shares)
    ]


def _graph(graph: DraftGraph | None, parts: list[DraftPart]) -> Graph | None:
    """The printed graph, each node linked to the parts that ask its forward value and its gradient."""
    if graph is None:
        return None
    asked = {(p.kind, p.of): p.label for p in parts}
    return Graph(
        nodes=[
            GraphNode(
                name=n.name,
                op=n.op,
                label=n.label,
                label_latex=n.label_latex,
                name_latex=n.name_latex,
                inputs=list(n.inputs),
                value="" if n.value is None else sstr(n.value),
                value_latex="" if n.value is None else tex_ln(n.value),
                value_part=asked.get(("value", n.name), ""),
                gradient_part=asked.get(("gradient", n.name), ""),
            )
            for n in graph.nodes
        ],
        output=graph.output,
    )


_PREFIX = re.compile(r"^slots\[\d+\](?: \([a-z_0-9]+\))?: ")


def trial_draw(slot: SlotSpec) -> str:
    """Why the slot cannot be drawn ("" when it can): the bank loader makes one checked problem, so a slot
    the family rejects while drawing, or one that cannot produce a valid problem at all, is reported with
    its line instead of failing generation later."""
    try:
        draw_problem(slot, random.Random(0))
    except (BankError, GenerationError) as exc:
        return _PREFIX.sub("", exc.message)
    except Exception as exc:  # noqa: BLE001 - a family bug must not pass validation silently
        return f"{slot.family} cannot draw this slot ({type(exc).__name__}: {exc}); change the slot or report it"
    return ""


__all__ = ["MAX_ATTEMPTS", "GenerationError", "Stats", "draw_problem", "trial_draw"]
