"""Per-student feedback pages: each problem, the answer as typed and as understood, the verdict, the
feedback, the key and the worked solution. File names are safe for any student id."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from html import escape

from quizgen.grading.htmlpage import math, page_of_lines
from quizgen.grading.model import (
    VERDICT_LABEL,
    GradedAnswer,
    StudentResult,
    checked_outcome,
    display_outcome,
    fmt_number,
)
from quizgen.manifest import BankInfo
from quizgen.notation import key_text
from quizgen.problem import Problem
from quizgen.typeset.graph_svg import BoxMark, State, graph_svg, legend_html
from quizgen.typeset.latexmath import split_leading_text
from quizgen.typeset.mathml import MathMLError, math_element, text_html

_PAGE_CACHE = 1 << 15
"""Entries of each cache of page pieces: a class of 2,000 students shows 31,500 distinct worked steps, and
a smaller cache drops steps that later pages show again."""


def prompt_html(p: Problem) -> str:
    """The prompt as the worksheet prints it, math typeset; the plain prompt if its LaTeX is not understood."""
    try:
        return text_html(p.prompt_latex) if p.prompt_latex.strip() else escape(p.prompt_text)
    except MathMLError:
        return escape(p.prompt_text)


@lru_cache(maxsize=_PAGE_CACHE)  # a student's steps recur on the class's other pages of that variant
def _step_item(latex: str, text: str) -> str:
    """One worked step as a list item, once: its sentence, then its formula (plain text in the formula's
    annotation)."""
    try:
        lead, formula = split_leading_text(latex)
        out = text_html(lead)
        if formula.strip():
            out += math_element(formula, text, display=True)  # kept here, in the item: not in mathml's cache too
        return f"<li>{out or escape(text)}</li>"
    except MathMLError:
        return f"<li>{escape(text)}</li>"


def badge(a: GradedAnswer) -> tuple[str, str]:
    """A problem's badge: its style class and words. A multi-part problem graded part by part is summed up
    from its parts ("3 of 5 parts right, 1 unreadable"), so one unreadable part does not hide the others'
    grades; a teacher's override stands as given."""
    shown = display_outcome(a)
    if not a.problem.parts or not a.parts or a.override is not None:
        return shown, VERDICT_LABEL[shown]
    outcomes = {r.label: r.outcome for r in a.parts}
    every = [outcomes.get(part.label, "blank") for part in a.problem.parts]
    right = sum(o in ("correct", "carried") for o in every)
    words = f"{right} of {len(every)} parts right"
    if right == len(every):
        words = "all parts right" if len(every) > 1 else "correct"
    carried = every.count("carried")
    if carried:
        words += f" ({carried} carried forward)"
    wrong = sum(o in ("incorrect", "partial") for o in every)
    counts = [
        (wrong, "wrong"),
        (every.count("invalid"), "unreadable"),
        (every.count("unsure"), "awaiting review"),
        (sum(o in ("blank", "missing", "absent") for o in every), "not answered"),
    ]
    words += "".join(f", {n} {what}" for n, what in counts if n)
    if shown in ("invalid", "unsure"):
        return shown, words  # a part waits for the teacher: the badge keeps that colour
    return ("correct" if right == len(every) else "partial" if right else shown), words


def _answer_card(out: list[str], a: GradedAnswer, badged: tuple[str, str], provisional: bool) -> None:
    """Append the lines of one problem's card to the page's lines."""
    p = a.problem
    prompt, tail = _problem_lines(p)
    shown, words = badged
    out += (
        f'<section class="card {shown}">',
        f'<h2 class="problem">Problem {p.slot} <span class="badge {shown}">{escape(words)}</span>'
        f' <span class="muted">{fmt_number(a.points)} / {fmt_number(p.points)} points</span></h2>',
        prompt,
    )
    if p.parts and p.graph is not None:
        out.append(_graph_figure(a))
    if p.parts:
        out.append(_parts_table(a))
    out.append("<dl>")
    if not p.parts or not a.parts:
        typed = "<code>" + escape(a.typed) + "</code>" if a.typed.strip() else "<span class=muted>(nothing)</span>"
        out.append(f"<dt>You typed</dt><dd>{typed}</dd>")
    if a.interpreted and not p.parts:
        out.append(f"<dt>Understood as</dt><dd>{math(a.interpreted, a.interpreted_latex)}</dd>")
    if a.feedback and a.outcome != "correct" and not (p.parts and a.parts):
        out.append(f"<dt>Feedback</dt><dd>{escape(a.feedback)}</dd>")
    if a.override is not None:
        was = VERDICT_LABEL.get(checked_outcome(a), checked_outcome(a))
        out.append(
            f"<dt>Teacher's review</dt><dd>{escape(a.override.describe())} "
            f"<span class=muted>(the checker said: {escape(was)})</span></dd>"
        )
    elif a.pending:
        then = "It counts 0 points until your teacher has reviewed it." if provisional else "It counts 0 points."
        out.append(f"<dt>Review</dt><dd>The checker could not grade this answer; your teacher reviews it. {then}</dd>")
    out += tail
    out.append("</section>")


_PROBLEM_LINES: dict[int, tuple[Problem, str, tuple[str, ...]]] = {}
"""id(problem) -> (problem, its card's prompt line, the lines after the student's answer: the key and the
worked solution). The students of a class share their problems' objects (a 2,000-student class has about
12,000 for 20,000 cards), so these lines are made once per problem, not on every card; the problem is kept
with them so that its id is not reused while they are cached."""


def _problem_lines(p: Problem) -> tuple[str, tuple[str, ...]]:
    """The card's lines that depend on the problem alone: the prompt, and the key (a one-answer problem's)
    and worked solution, with the </dl> that closes the answer."""
    known = _PROBLEM_LINES.get(id(p))
    if known is not None and known[0] is p:
        return known[1], known[2]
    lines = [] if p.parts else [_key_line(_hashable(p.answer), p.answer_latex)]
    lines.append("</dl>")
    if p.steps:
        lines.append('<details open><summary>Worked solution</summary><ol class="steps">')
        lines += [_step_item(step.latex, step.text) for step in p.steps]
        lines.append("</ol></details>")
    prompt, made = f"<p>{prompt_html(p)}</p>", tuple(lines)
    if len(_PROBLEM_LINES) >= _PAGE_CACHE:
        _PROBLEM_LINES.clear()  # bounded like the other caches of page pieces
    _PROBLEM_LINES[id(p)] = (p, prompt, made)
    return prompt, made


def _hashable(answer: str | list[str]) -> str | tuple[str, ...]:
    return answer if isinstance(answer, str) else tuple(answer)


@lru_cache(maxsize=_PAGE_CACHE)  # a variant's key is on the page of every student who had it
def _key_line(answer: str | tuple[str, ...], answer_latex: str) -> str:
    key = math(key_text(answer if isinstance(answer, str) else list(answer)), answer_latex)
    return f"<dt>Correct answer</dt><dd>{key}</dd>"


_PART_OUTCOME = {"carried": "correct (carried forward)"}

_GRAPH_STATE: dict[str, State] = {
    "correct": "right",
    "carried": "carried",
    "incorrect": "wrong",
    "partial": "wrong",
    "invalid": "unreadable",
    "unsure": "review",
}
"""A part's outcome as a box on the diagram; anything else (blank, missing) is "not answered"."""


def _graph_figure(a: GradedAnswer) -> str:
    """The problem's computational graph with the student's answer in each box and its mark."""
    p = a.problem
    assert p.graph is not None
    marks = {r.label: BoxMark(_GRAPH_STATE.get(r.outcome, "blank"), r.typed) for r in a.parts}
    svg = graph_svg(
        p.graph, marks, ident=f"p{p.slot}", title=f"Problem {p.slot}: the computational graph, your answers marked"
    )
    return f'<figure class="graph">{svg}<figcaption>{legend_html()}</figcaption></figure>'


def _parts_table(a: GradedAnswer) -> str:
    """A multi-part problem: one row per part with what was typed, its verdict (carried forward named),
    its points and the correct answer."""
    graded = {r.label: r for r in a.parts}
    rows = [
        '<table class="parts"><tr><th scope=col>Part</th><th scope=col>Asks</th><th scope=col>You typed</th><th scope=col>Result</th>'
        "<th scope=col class=num>Points</th><th scope=col>Correct answer</th></tr>"
    ]
    for part in a.problem.parts:
        r = graded.get(part.label)
        typed = escape(r.typed) if r is not None and r.typed.strip() else "<span class=muted>(nothing)</span>"
        outcome = r.outcome if r is not None else "blank"
        verdict = _PART_OUTCOME.get(outcome, VERDICT_LABEL.get(outcome, outcome))
        note = (
            f"<br><span class=muted>{escape(r.feedback)}</span>"
            if r is not None and r.feedback and outcome != "correct"
            else ""
        )
        got = fmt_number(r.points) if r is not None else "0"
        rows.append(
            f'<tr class="{escape("correct" if outcome == "carried" else outcome)}"><td>{escape(part.label)}</td>'
            f"<td>{math(part.prompt_text, part.prompt_latex.strip('$') if part.kind == 'gradient' else part.of)}</td>"
            f"<td><code>{typed}</code></td><td>{escape(verdict)}{note}</td>"
            f"<td class=num>{got} / {fmt_number(part.points)}</td><td>{math(part.answer, part.answer_latex)}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def feedback_html(result: StudentResult, bank: BankInfo, *, provisional: bool = False) -> str:
    """The student's page; provisional: their total waits for the review of an answer."""
    s = result.sheet
    heading = escape(bank.title or "Quiz")
    who = escape(s.name or s.student_id)
    badges = [badge(a) for a in result.answers]
    head = [
        f"<h1>{heading}</h1>",
        f'<p class="sub">{escape(bank.course)}</p>' if bank.course else "",
        f'<p>{who} <span class="muted">(id <code>{escape(s.student_id)}</code>, variant '
        f"<code>{escape(s.variant)}</code>)</span></p>",
        _score(result, provisional),
        _summary_table(result.answers, badges),
    ]
    lines = [line for line in head if line]
    for a, badged in zip(result.answers, badges, strict=True):
        _answer_card(lines, a, badged, provisional)  # the page is joined once, not card by card
    return page_of_lines(f"{bank.title or 'Quiz'}: {s.name or s.student_id}", lines)


def _score(result: StudentResult, provisional: bool) -> str:
    if result.absent:
        return '<p class="score">Absent: no answers were received from you.</p>'
    total = f"{fmt_number(result.total)} / {fmt_number(result.max_points)} points ({fmt_number(result.percent)}%)"
    if provisional:
        n = result.pending
        return (
            f'<p class="score">{total}, provisional</p><p>{n} answer{"s" if n > 1 else ""} could not be graded '
            "by the checker and will be reviewed by your teacher; the total may still go up.</p>"
        )
    return f'<p class="score">{total}</p>'


def _summary_table(answers: Sequence[GradedAnswer], badges: Sequence[tuple[str, str]]) -> str:
    rows = ["<table><tr><th scope=col>Problem</th><th scope=col>Result</th><th scope=col class=num>Points</th></tr>"]
    for a, (_, words) in zip(answers, badges, strict=True):
        rows.append(
            f"<tr><td>{a.slot}</td><td>{escape(words)}</td>"
            f"<td class=num>{fmt_number(a.points)} / {fmt_number(a.problem.points)}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)
