"""report.html: the class at a glance, in one self-contained page.

Score histogram, success per problem (plot and table), the most common mistakes per problem with their
diagnosis and an example, the invalid answers, and the problems found in the input.
"""

from __future__ import annotations

import base64
from collections import Counter
from html import escape

from quizgen.grading import plots
from quizgen.grading.htmlpage import math, page
from quizgen.grading.model import GradeRun, GradedAnswer, checked_outcome, display_outcome, fmt_number
from quizgen.grading.stats import ClassStats, class_stats
from quizgen.notation import key_text

DIAGNOSES = {
    "forgot_inner": "forgot the inner derivative",
    "wrong_var": "differentiated with respect to the wrong variable",
    "other_var_nonconst": "did not treat the other variables as constants",
    "ignored_max": "ignored the max (differentiated one branch everywhere)",
    "no_power_factor": "forgot the power's factor",
    "constant_factor": "off by a constant factor",
    "inner_in_place": "put the inner derivative inside the outer function",
    "wrong_inner": "wrong inner derivative",
    "timeout": "took too long to check",
    "sign": "sign error",
    "wrong_side": "used the wrong side of the max / ReLU",
    "off_by_one_exp": "exponent off by one",
    "swapped_components": "gradient components swapped",
    "missing_component": "a gradient component missing or wrong",
}

MAX_ROWS = 8
MAX_ISSUES = 60


def diagnosis_label(kind: str | None) -> str:
    if not kind:
        return "no typical mistake recognised"
    return DIAGNOSES.get(kind, kind.replace("_", " "))


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img class="plot" alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _pct(value: float) -> str:
    return fmt_number(value) + "%"


def report_html(run: GradeRun) -> str:
    st = class_stats(run)
    bank = run.manifest.bank
    body = [
        f"<h1>{escape(bank.title or 'Quiz')}: class report</h1>",
        f'<p class="sub">{escape(bank.course)}</p>' if bank.course else "",
        "".join(f'<p class="warn">{escape(w)}</p>' for w in run.warnings),
        _review(run, st),
        _overview(st),
        _absent(st, run.absent_zero),
        "<h2>Scores</h2>",
        _img(plots.score_histogram([r.percent for r in run.results]), "histogram of the students' scores in %"),
        "<h2>Success per problem</h2>",
        _success(st),
        "<h2>Most common mistakes</h2>",
        _mistakes(st),
        "<h2>Invalid answers</h2>",
        _invalid(st),
        "<h2>Problems found in the answers files</h2>",
        _issues(run, st),
        _overrides(run),
    ]
    return page(f"{bank.title or 'Quiz'}: class report", "\n".join(b for b in body if b))


MAX_REVIEW = 200


def _review(run: GradeRun, st: ClassStats) -> str:
    """The review queue first: unreadable or undecided answers, with suggested readings."""
    items = run.review
    if not items:
        return ""
    if st.to_review:
        until = ("their students' totals are provisional and left blank in the gradebooks until reviewed"
                 if run.invalid == "review" else "they count 0 points (--invalid zero)")
        head = (f"<h2>To review: {st.to_review} answer{'s' if st.to_review > 1 else ''}</h2>"
                f"<p>The checker could not read or could not decide these answers; {until}. Settle each with a line "
                "in an overrides file (<code>student_id,problem,points,note</code> or "
                "<code>student_id,problem,verdict,note</code>) and grade again with <code>--overrides</code>. "
                "The full list is in <code>review.csv</code>.</p>")
    else:
        head = f"<h2>Reviewed: {st.reviewed} answers</h2><p>Every answer in the review queue has an override.</p>"
    rows = [head, "<table><tr><th>Student</th><th>Problem</th><th>Answer</th><th>Why</th>"
                  "<th>Suggested reading</th><th>Key</th><th>Override</th></tr>"]
    for a in items[:MAX_REVIEW]:
        sug = run.suggestions.get((a.student_id, a.slot))
        reading = ""
        if sug is not None:
            reading = f"{math(sug.text)} <span class=muted>({escape(sug.repair)})</span>"
        typed = a.typed if len(a.typed) <= 200 else a.typed[:200] + "..."
        rows.append(
            f"<tr><td>{escape(a.student_id)}</td><td>{a.slot}</td><td><code>{escape(typed)}</code></td>"
            f"<td>{escape(a.outcome)}: {escape(a.feedback)}</td><td>{reading}</td>"
            f"<td>{math(key_text(a.problem.answer), a.problem.answer_latex)}</td>"
            f"<td>{escape(a.override.describe()) if a.override else '<span class=muted>pending</span>'}</td></tr>"
        )
    if len(items) > MAX_REVIEW:
        rows.append(f"<tr><td colspan=7 class=muted>... {len(items) - MAX_REVIEW} more in review.csv</td></tr>")
    rows.append("</table>")
    return '<div class="review">' + "\n".join(rows) + "</div>"


def _absent(st: ClassStats, zero: bool) -> str:
    if not st.absent:
        return ""
    shown = ", ".join(escape(s) for s in st.absent[:50]) + (", ..." if len(st.absent) > 50 else "")
    where = "0 in the gradebooks (--absent zero)" if zero else "blank in the gradebooks"
    return f"<p>Absent (no answers; left out of every statistic, {where}): {len(st.absent)}: {shown}</p>"


def _overrides(run: GradeRun) -> str:
    done = run.overrides
    if not done:
        return ""
    rows = [f"<h2>Overrides: {len(done)}</h2>",
            "<table><tr><th>Student</th><th>Problem</th><th>The checker said</th><th>Override</th>"
            "<th class=num>Points</th><th>Where</th></tr>"]
    for a in done:
        o = a.override
        assert o is not None
        rows.append(
            f"<tr><td>{escape(a.student_id)}</td><td>{a.slot}</td><td>{escape(checked_outcome(a))}</td>"
            f"<td>{escape(o.describe())}</td><td class=num>{fmt_number(a.points)} / {fmt_number(a.problem.points)}</td>"
            f"<td><code>{escape(o.source.file)}:{o.source.line}</code></td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _overview(st: ClassStats) -> str:
    c = st.counts
    extra = []
    if st.absent:
        extra.append(f"{len(st.absent)} absent")
    if st.provisional:
        extra.append(f"{st.provisional} provisional")
    if st.overrides:
        extra.append(f"{st.overrides} overrides applied")
    note = f"<p class=muted>Students graded: {st.students} ({', '.join(extra)}).</p>" if extra else ""
    return note + (
        "<table>"
        "<tr><th>Students</th><th>Answers</th><th>Correct</th><th>Partly right</th><th>Incorrect</th>"
        "<th>Invalid</th><th>Blank or missing</th><th>Mean</th><th>Median</th><th>Lowest</th><th>Highest</th></tr>"
        f"<tr><td class=num>{st.students}</td><td class=num>{st.answers}</td><td class=num>{c['correct']}</td>"
        f"<td class=num>{c['partial']}</td><td class=num>{c['incorrect']}</td><td class=num>{c['invalid'] + c['unsure']}</td>"
        f"<td class=num>{c['blank'] + c['missing']}</td><td class=num>{_pct(st.mean)}</td>"
        f"<td class=num>{_pct(st.median)}</td><td class=num>{_pct(st.low)}</td><td class=num>{_pct(st.high)}</td></tr>"
        "</table>"
    )


def _success(st: ClassStats) -> str:
    if not st.problems:
        return "<p class=muted>No problems.</p>"
    labels = [f"{p.slot} {p.family}" for p in st.problems]
    png = plots.success_bars(
        labels,
        [p.share("correct") for p in st.problems],
        [p.share("partial") for p in st.problems],
        [p.share("incorrect") for p in st.problems],
        [p.share("invalid", "unsure") for p in st.problems],
        [p.share("blank", "missing") for p in st.problems],
    )
    rows = [
        "<table><tr><th>Problem</th><th>Family</th><th class=num>Correct</th><th class=num>Partly</th>"
        "<th class=num>Incorrect</th><th class=num>Invalid</th><th class=num>Blank</th>"
        "<th class=num>Mean points</th></tr>"
    ]
    for p in st.problems:
        bar = f'<span class="bar" style="width:{round(p.share("correct") * 0.6)}px"></span>'
        rows.append(
            f"<tr><td>{p.slot}</td><td>{escape(p.family)}</td><td class=num>{_pct(p.share('correct'))} {bar}</td>"
            f"<td class=num>{_pct(p.share('partial'))}</td><td class=num>{_pct(p.share('incorrect'))}</td>"
            f"<td class=num>{_pct(p.share('invalid', 'unsure'))}</td><td class=num>{_pct(p.share('blank', 'missing'))}</td>"
            f"<td class=num>{fmt_number(p.mean_points)} / {fmt_number(p.max_points)}</td></tr>"
        )
    rows.append("</table>")
    return _img(png, "share of correct, partly right, invalid and blank answers per problem") + "\n".join(rows)


def _mistakes(st: ClassStats) -> str:
    out: list[str] = []
    for p in st.problems:
        wrong = [a for a in p.answers if display_outcome(a) in ("incorrect", "partial")]
        if not wrong:
            continue
        out.append(f"<h3>Problem {p.slot} ({escape(p.family)}): {len(wrong)} wrong of {p.n}</h3>")
        groups: dict[str, list[GradedAnswer]] = {}
        for a in wrong:
            groups.setdefault(a.diagnosis or "", []).append(a)
        ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        out.append(
            "<table><tr><th>Diagnosis</th><th class=num>Students</th><th>Example: answer given</th>"
            "<th>Key for that student</th><th>Feedback they got</th></tr>"
        )
        for kind, answers in ranked[:MAX_ROWS]:
            ex = answers[0]
            out.append(
                f"<tr><td>{escape(diagnosis_label(kind))}</td><td class=num>{len(answers)}</td>"
                f"<td>{math(ex.interpreted or ex.typed, ex.interpreted_latex)}</td>"
                f"<td>{math(key_text(ex.problem.answer), ex.problem.answer_latex)}</td><td>{escape(ex.feedback)}</td></tr>"
            )
        out.append("</table>")
        same = Counter(a.interpreted for a in wrong if a.interpreted)
        common = [(text, n) for text, n in sorted(same.items(), key=lambda kv: (-kv[1], kv[0])) if n > 1]
        if common:
            out.append("<p>Identical wrong answers: " + ", ".join(
                f"{math(text)} &times;{n}" for text, n in common[:MAX_ROWS]) + "</p>")
    return "\n".join(out) or "<p class=muted>No wrong answers.</p>"


def _invalid(st: ClassStats) -> str:
    out: list[str] = []
    for p in st.problems:
        bad = [a for a in p.answers if a.needs_review]
        if not bad:
            continue
        groups = Counter((a.typed.strip(), a.feedback) for a in bad)
        ranked = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(f"<h3>Problem {p.slot}: {len(bad)} invalid or undecided</h3>")
        out.append("<table><tr><th>Typed</th><th class=num>Times</th><th>Why it could not be read</th></tr>")
        for (typed, message), n in ranked[:MAX_ROWS]:
            shown = typed if len(typed) <= 200 else typed[:200] + "..."
            out.append(f"<tr><td><code>{escape(shown)}</code></td><td class=num>{n}</td><td>{escape(message)}</td></tr>")
        if len(ranked) > MAX_ROWS:
            out.append(f"<tr><td colspan=3 class=muted>... and {len(ranked) - MAX_ROWS} more in responses.csv</td></tr>")
        out.append("</table>")
    return "\n".join(out) or "<p class=muted>No invalid answers.</p>"


def _issues(run: GradeRun, st: ClassStats) -> str:
    if not run.issues:
        return "<p class=muted>None: every answer was read and matched.</p>"
    counts = ", ".join(f"{escape(kind.replace('_', ' '))}: {n}" for kind, n in sorted(st.issues.items()))
    rows = [f"<p>{counts}. The full list is in <code>problems.csv</code>.</p>",
            "<table><tr><th>Kind</th><th>Where</th><th>Student</th><th>Problem</th><th>Detail</th></tr>"]
    for i in run.issues[:MAX_ISSUES]:
        where = f"{i.file}:{i.line}" if i.file and i.line else i.file
        rows.append(
            f"<tr><td>{escape(i.kind.replace('_', ' '))}</td><td><code>{escape(where)}</code></td>"
            f"<td>{escape(i.student_id)}</td><td>{escape(i.problem)}</td><td>{escape(i.detail)}</td></tr>"
        )
    if len(run.issues) > MAX_ISSUES:
        rows.append(f"<tr><td colspan=5 class=muted>... {len(run.issues) - MAX_ISSUES} more in problems.csv</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)
