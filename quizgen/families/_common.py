"""Helpers every family shares: variables, coefficient draws, cached printing, prompts and the ask logic.

Families build sympy objects directly; these helpers keep the wording of prompts and steps uniform and
turn "partial / gradient / value at a point" into a Draft in one place, so a family only supplies the
function, its derivative(s), its steps and its mistakes. Families import these through the public
quizgen.families.kit; this module stays importable as it was (families2 uses it): add to it, do not change
signatures.

How the generator prints a DraftStep: Step.text = text, followed by " " + plain(expr) when expr is set;
Step.latex = the step's latex when set, else \\text{text} followed by tex(expr). So write text as a
sentence ending in ":" when an expression follows, and pass latex= for equations you lay out yourself,
starting it with label("Sentence:"): renderers set a leading \\text{...} as words before the formula.

sstr/plain/tex print exactly like sympy's str()/latex() but much faster for polynomials, max and
indicators (see quizgen.typeset.printing); diff and the point substitution in finish() use exact fast paths too.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from fractions import Fraction

import sympy

from quizgen.families._build import fast_diff, fast_subs
from quizgen.families.base import Draft, DraftMistake, DraftStep, Family, SlotSpec
from quizgen.typeset.escape import tex_escape
from quizgen.typeset.printing import plain, sstr, tex, tex_ln

__all__ = [
    "MistakeSpec",
    "choose_wrt",
    "coef",
    "d_latex",
    "d_text",
    "diff",
    "eq_step",
    "finish",
    "gradient_steps",
    "held_constant_step",
    "indicator",
    "join_names",
    "label",
    "math_label",
    "nonzero_int",
    "partial_latex",
    "partial_text",
    "plain",
    "point_values",
    "slot_variables",
    "sstr",
    "tex",
    "tex_ln",
    "var",
]

MistakeSpec = tuple[str, "sympy.Basic | list[sympy.Basic]", str]
"""(kind, buggy key in the same shape as the derivative(s), feedback for a student who gives it)."""


_variables: dict[str, sympy.Symbol] = {}


def var(name: str) -> sympy.Symbol:
    """A problem variable: a real Symbol, identical to quizgen.mathparse.symbol(name). Remembered by name:
    families ask for their variables on every draw, and sympy sorts out the assumptions on each call."""
    hit = _variables.get(name)
    if hit is None:
        hit = _variables[name] = sympy.Symbol(name, real=True)
    return hit


def slot_variables(slot: SlotSpec, family: type[Family] | Family) -> list[sympy.Symbol]:
    """The slot's variables, or the family's defaults when the bank names none."""
    names = slot.variables if slot.variables else family.default_variables
    return [var(n) for n in names]


def nonzero_int(rng: random.Random, lo: int, hi: int) -> int:
    """A uniformly drawn integer in [lo, hi] other than 0 (the bank validator guarantees one exists)."""
    choices = [v for v in range(lo, hi + 1) if v != 0]
    return choices[rng.randrange(len(choices))]


def coef(rng: random.Random, slot: SlotSpec, *, positive: bool = False) -> int:
    """A coefficient from the slot's range; positive=True keeps only the positive part when there is one."""
    lo, hi = slot.coefficients
    if positive and hi >= 1:
        lo = max(lo, 1)
    return nonzero_int(rng, lo, hi)


def choose_wrt(slot: SlotSpec, rng: random.Random, candidates: Sequence[sympy.Symbol]) -> sympy.Symbol:
    """The variable to differentiate by: the bank's wrt when given, else a random candidate."""
    if slot.wrt is not None:
        return var(slot.wrt)
    return candidates[rng.randrange(len(candidates))]


_CACHE_LIMIT = 50_000
_diff_cache: dict[tuple[sympy.Basic, sympy.Symbol], sympy.Basic] = {}


def diff(expr: sympy.Basic, v: sympy.Symbol) -> sympy.Basic:
    """d expr / d v, cached, with a direct power rule for integer polynomials (sympy.diff is slow)."""
    key = (expr, v)
    hit = _diff_cache.get(key)
    if hit is not None:
        return hit
    if len(_diff_cache) >= _CACHE_LIMIT:
        _diff_cache.clear()
    result = _diff_cache[key] = fast_diff(expr, v)
    return result


class DraftMemo:
    """Drafts by the random draws they are a pure function of, bounded (emptied when full): many students
    draw the same problem, and drafts are not mutated downstream. A value ask, which draws its point from
    the rng after the key's draws, is built each time unless the point is part of the key."""

    def __init__(self, limit: int = 20_000) -> None:
        self._drafts: dict[Hashable, Draft | None] = {}
        self._limit = limit

    def get(self, key: Hashable, build: Callable[[], Draft | None]) -> Draft | None:
        """The draft for key, from build() the first time (a declined draw, None, is built again)."""
        hit = self._drafts.get(key)
        if hit is None:
            if len(self._drafts) >= self._limit:
                self._drafts.clear()
            hit = self._drafts[key] = build()
        return hit


def join_names(names: Sequence[str]) -> str:
    """ "x", "x and y", "x, y and z"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def partial_text(wrt: sympy.Symbol, of: str = "f") -> str:
    return f"∂{of}/∂{wrt.name}"


def partial_latex(wrt: sympy.Symbol, of: str = "f") -> str:
    return rf"\frac{{\partial {of}}}{{\partial {tex(wrt)}}}"


def held_constant_step(wrt: sympy.Symbol, variables: Sequence[sympy.Symbol]) -> DraftStep:
    """The first step of every partial derivative: which variables are held constant (names set as math)."""
    others = [v for v in variables if v != wrt]

    def sentence(show: Callable[[sympy.Symbol], str]) -> str:
        if not others:
            return f"Differentiate with respect to {show(wrt)}."
        if len(others) == 1:
            return f"Differentiate with respect to {show(wrt)}; treat {show(others[0])} as a constant."
        return f"Differentiate with respect to {show(wrt)}; treat {join_names([show(v) for v in others])} as constants."

    return DraftStep(text=sentence(lambda v: v.name), latex=r"\text{" + sentence(lambda v: f"${tex(v)}$") + "}")


_PARTIAL_SIGN = re.compile(r"\\partial(?![A-Za-z])")


def ordinary_derivatives(draft_text: str, latex: bool) -> str:
    """∂ -> d in a problem about a function of one variable: "since this function takes a single parameter,
    we use the d operator instead of the ∂" (the material's notation). Used by finish on the prompt, every
    step and every mistake's feedback, so a one-variable problem never mixes the two."""
    return _PARTIAL_SIGN.sub("d", draft_text) if latex else draft_text.replace("∂", "d")


def _point_number(value: int | Fraction) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else sympy.Integer(value)


def point_values(
    slot: SlotSpec,
    rng: random.Random,
    variables: Sequence[sympy.Symbol],
    kinks: Sequence[sympy.Basic] = (),
    *,
    lo: int = -3,
    hi: int = 3,
) -> dict[sympy.Symbol, sympy.Rational] | None:
    """The point for a value question: the bank's values, or random integers in [lo, hi] off every kink.

    Returns None when no point off the kinks was found (the generator then redraws the problem).
    """
    if isinstance(slot.point, dict):
        point = {v: _point_number(slot.point[v.name]) for v in variables}
        return point if all(fast_subs(k, point) != 0 for k in kinks) else None
    for _ in range(50):
        point = {v: sympy.Integer(rng.randint(lo, hi)) for v in variables}
        if all(fast_subs(k, point) != 0 for k in kinks):
            return point
    return None


def _point_text(point: dict[sympy.Symbol, sympy.Rational]) -> str:
    return ", ".join(f"{v.name} = {plain(val)}" for v, val in point.items())


def _point_latex(point: dict[sympy.Symbol, sympy.Rational]) -> str:
    return ", ".join(f"{tex(v)} = {tex(val)}" for v, val in point.items())


def _signature(variables: Sequence[sympy.Symbol]) -> tuple[str, str]:
    return ", ".join(v.name for v in variables), ", ".join(tex(v) for v in variables)


def finish(
    slot: SlotSpec,
    rng: random.Random,
    *,
    function: sympy.Basic,
    variables: Sequence[sympy.Symbol],
    wrt: Sequence[sympy.Symbol],
    derivatives: Sequence[sympy.Basic],
    steps: Sequence[DraftStep],
    mistakes: Sequence[MistakeSpec] = (),
    kinks: Sequence[sympy.Basic] = (),
    name: str = "f",
    function_latex: str | None = None,
    intro: tuple[str, str] | None = None,
    definitions: Mapping[str, sympy.Basic] | None = None,
) -> Draft | None:
    """Build the Draft for the slot's ask from a function and its partial derivative(s) along wrt.

    partial: answer = derivatives[0]; gradient: answer = list of derivatives (one per wrt, in order);
    value: derivatives[0] evaluated at the slot's point (bank values or random integers off the kinks), with
    a substitution step appended and mistakes evaluated there too. Mistakes for a partial/value are single
    expressions, for a gradient lists. Returns None when no valid point exists (the generator redraws).

    The prompt opens with "Let f(x, y) = ..." unless intro gives the opening sentence(s) as (text, LaTeX
    prose with $math$), e.g. a network's forward pass "Let z = w x + b, a = max(0, z) and L = ...";
    the question for the ask follows. definitions are the intermediate quantities that opening names
    (z, a, ...), each an expression in the variables: an answer may then use them.
    """
    variables = list(variables)
    wrt = list(wrt)
    if intro is None:
        sig_text, sig_latex = _signature(variables)
        f_latex = function_latex if function_latex is not None else tex(function)
        intro_text = f"Let {name}({sig_text}) = {plain(function)}."
        intro_latex = f"Let ${name}({sig_latex}) = {f_latex}$."
    else:
        intro_text, intro_latex = intro
    steps = list(steps)
    point = None
    if slot.ask == "gradient":
        answer: sympy.Basic | list[sympy.Basic] = list(derivatives)
        grad_text = ", ".join(partial_text(w, name) for w in wrt)
        grad_latex = ", ".join(partial_latex(w, name) for w in wrt)
        prompt_text = f"{intro_text} Find the gradient ∇{name} = ({grad_text})."
        prompt_latex = rf"{intro_latex} Find the gradient $\nabla {name} = \left({grad_latex}\right)$."
        draft_mistakes = [DraftMistake(k, list(a) if isinstance(a, (list, tuple)) else a, fb) for k, a, fb in mistakes]
    elif slot.ask == "value":
        point = point_values(slot, rng, variables, kinks)
        if point is None:
            return None
        derivative = derivatives[0]
        answer = fast_subs(derivative, point)
        prompt_text = f"{intro_text} Find the value of {partial_text(wrt[0], name)} at {_point_text(point)}."
        prompt_latex = f"{intro_latex} Find the value of ${partial_latex(wrt[0], name)}$ at ${_point_latex(point)}$."
        steps.append(
            DraftStep(
                text=f"Substitute {_point_text(point)}:",
                expr=answer,
                latex=label("Substitute the point:")
                + rf"{_point_latex(point)} \;\Rightarrow\; {partial_latex(wrt[0], name)} = {tex(answer)}",
            )
        )
        draft_mistakes = [DraftMistake(k, fast_subs(a, point), fb) for k, a, fb in mistakes if not isinstance(a, list)]
    else:
        answer = derivatives[0]
        prompt_text = f"{intro_text} Find {partial_text(wrt[0], name)}."
        prompt_latex = f"{intro_latex} Find ${partial_latex(wrt[0], name)}$."
        draft_mistakes = [DraftMistake(k, a, fb) for k, a, fb in mistakes if not isinstance(a, list)]
    if len(variables) == 1:
        prompt_text = ordinary_derivatives(prompt_text, False)
        prompt_latex = ordinary_derivatives(prompt_latex, True)
        steps = [
            DraftStep(
                text=ordinary_derivatives(s.text, False),
                expr=s.expr,
                latex=ordinary_derivatives(s.latex, True) if s.latex is not None else None,
            )
            for s in steps
        ]
        draft_mistakes = [
            DraftMistake(m.kind, m.answer, ordinary_derivatives(m.feedback, False)) for m in draft_mistakes
        ]
    return Draft(
        function=function,
        variables=variables,
        wrt=wrt,
        answer=answer,
        prompt_text=prompt_text,
        prompt_latex=prompt_latex,
        steps=steps,
        mistakes=draft_mistakes,
        kinks=list(kinks),
        point=point,
        function_latex=function_latex,
        definitions=dict(definitions or {}),
    )


def label(text: str) -> str:
    r"""A step's leading sentence in LaTeX, "\text{Sum rule:} ": renderers set it as words before the math."""
    return r"\text{" + tex_escape(text) + "} "


def math_label(*parts: str | sympy.Basic | Sequence[sympy.Basic]) -> str:
    r"""A step's leading sentence whose variables are set as math (italic), as in the material:
    math_label("Terms without ", x, " are constants:") is \text{Terms without $x$ are constants:} .

    Strings are words (escaped); a sympy object is inline math; a list of them is "$x$, $y$ and $z$".
    Only the LaTeX side: the step's plain text keeps the names as typed.
    """
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(tex_escape(part))
        elif isinstance(part, sympy.Basic):
            out.append(f"${tex(part)}$")
        else:
            out.append(join_names([f"${tex(v)}$" for v in part]))
    return r"\text{" + "".join(out) + "} "


def d_latex(wrt: sympy.Symbol, inner: str) -> str:
    r"""\frac{\partial}{\partial x}\left(inner\right) for step equations."""
    return rf"\frac{{\partial}}{{\partial {tex(wrt)}}}\left({inner}\right)"


def d_text(wrt: sympy.Symbol, inner: str) -> str:
    return f"∂/∂{wrt.name} ({inner})"


def eq_step(text: str, lhs_text: str, lhs_latex: str, rhs: sympy.Basic) -> DraftStep:
    """A step `text lhs = rhs`, with the equation laid out in LaTeX and plain text."""
    return DraftStep(
        text=f"{text} {lhs_text} = {plain(rhs)}".strip(),
        latex=(label(text) if text else "") + f"{lhs_latex} = {tex(rhs)}",
    )


def gradient_steps(
    name: str, parts: Sequence[tuple[sympy.Symbol, Sequence[DraftStep]]], answers: Sequence[sympy.Basic]
) -> list[DraftStep]:
    """Steps for a gradient: each component's own steps under a heading, then the assembled vector."""
    steps: list[DraftStep] = []
    for wrt, sub in parts:
        steps.append(
            DraftStep(
                text=f"Component {partial_text(wrt, name)}:", latex=rf"\text{{Component }} {partial_latex(wrt, name)}:"
            )
        )
        steps.extend(sub)
    steps.append(
        DraftStep(
            text=f"Collect the partial derivatives in the order of the variables: ∇{name} = "
            f"({', '.join(plain(a) for a in answers)})",
            latex=label("Collect the partial derivatives in the order of the variables:")
            + rf"\nabla {name} = \left("
            + ", ".join(tex(a) for a in answers)
            + r"\right)",
        )
    )
    return steps


_ZERO = sympy.Integer(0)


def indicator(
    value: sympy.Basic, lhs: sympy.Basic, rhs: sympy.Basic = _ZERO, otherwise: sympy.Basic = _ZERO
) -> sympy.Piecewise:
    """Piecewise((value, lhs > rhs), (otherwise, True)) exactly as written (sympy would rewrite 2x+1 > 0 as x > -1/2)."""
    condition = sympy.StrictGreaterThan(lhs, rhs, evaluate=False)
    return sympy.Piecewise((value, condition), (otherwise, True), evaluate=False)
