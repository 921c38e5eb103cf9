"""report.html: where a teacher starts, in one self-contained page.

From the top: the class in numbers, the review queue, the student list (each linked to the student's
feedback page), the score histogram with the class mean marked, item analysis per problem (difficulty,
discrimination, variants compared), what to reteach (misconceptions ranked by students affected), success
and common mistakes per problem, invalid answers, and the problems found in the input. Absent students are
listed but left out of every statistic.
"""

from __future__ import annotations

import base64
from collections import Counter
from html import escape

from quizgen.fileio import file_stems
from quizgen.grading import plots
from quizgen.grading.htmlpage import math, page, wide
from quizgen.grading.items import FAR_POINTS, MIN_VARIANT_STUDENTS, ItemStats, item_stats, misconceptions, part_stats
from quizgen.grading.model import GradedAnswer, GradeRun, checked_outcome, display_outcome, fmt_number
from quizgen.grading.stats import ClassStats, class_stats
from quizgen.notation import key_text, student_notation

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


def report_html(run: GradeRun, *, items: list[ItemStats] | None = None, stats: ClassStats | None = None) -> str:
    """The page; items and stats: item_stats(run) and class_stats(run) when the caller has them already
    (items.csv is written from them too)."""
    st = stats or class_stats(run)
    bank = run.manifest.bank
    graded = [r.percent for r in run.results if not r.absent]
    body = [
        f"<h1>{escape(bank.title or 'Quiz')}: class report</h1>",
        f'<p class="sub">{escape(bank.course)}</p>' if bank.course else "",
        "".join(f'<p class="warn">{escape(w)}</p>' for w in run.warnings),
        "<h2>The class in numbers</h2>",
        _overview(st),
        _absent(st, run.absent_zero),
        _review(run, st),
        _students(run),
        "<h2>Scores</h2>",
        _img(
            plots.score_histogram(graded, st.mean if graded else None),
            f"Histogram of the {len(graded)} graded students' scores in 10-point bands, "
            f"with the class mean of {_pct(st.mean)} marked by a dashed line.",
        ),
        "<h2>Item analysis</h2>",
        _items(item_stats(run) if items is None else items),
        _part_success(run),
        "<h2>What to reteach</h2>",
        _reteach(run),
        "<h2>Success per problem</h2>",
        _success(st),
        "<h2>Most common mistakes per problem</h2>",
        _mistakes(st),
        "<h2>Invalid answers</h2>",
        _invalid(st),
        "<h2>Problems found in the answers files</h2>",
        _issues(run, st),
        _overrides(run),
    ]
    return page(f"{bank.title or 'Quiz'}: class report", "\n".join(b for b in body if b))


def _students(run: GradeRun) -> str:
    """Every student (absent ones too), with score and flags, linked to their feedback page."""
    if not run.results:
        return ""
    stems = file_stems([r.sheet.student_id for r in run.results])
    rows = [
        f"<h2>Students: {len(run.results)}</h2>",
        "<table><tr><th scope=col>Id</th><th scope=col>Name</th><th scope=col class=num>Score</th>"
        "<th scope=col class=num>%</th><th scope=col>Flags</th></tr>",
    ]
    for r in run.results:
        flags = []
        absent = r.absent
        if absent:
            flags.append("absent")
        pending = r.pending
        if pending and run.provisional(r):
            flags.append(f"provisional: {pending} to review")
        elif pending:
            flags.append(f"{pending} unread, counted 0")
        n_over = sum(1 for a in r.answers if a.override is not None)
        if n_over:
            flags.append(f"{n_over} override{'s' if n_over > 1 else ''}")
        n_blank = sum(1 for a in r.answers if a.outcome in ("blank", "missing"))
        if n_blank and not absent:
            flags.append(f"{n_blank} blank")
        link = f"feedback/{escape(stems[r.sheet.student_id])}.html"
        score = "" if absent else f"{fmt_number(r.total)} / {fmt_number(r.max_points)}"
        pct = "" if absent else _pct(r.percent)
        rows.append(
            f'<tr><th scope=row><a href="{link}">{escape(r.sheet.student_id)}</a></th>'
            f"<td>{escape(r.sheet.name)}</td><td class=num>{score}</td><td class=num>{pct}</td>"
            f"<td>{escape(', '.join(flags))}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _discrimination(value: float | None) -> str:
    if value is None:
        return '<span class="muted">n/a</span>'
    word = "good" if value >= 0.3 else "fair" if value >= 0.15 else "weak" if value >= 0 else "negative"
    return f"{value:.2f} ({word})"


def _items(items: list[ItemStats]) -> str:
    if not items:
        return "<p class=muted>No answers.</p>"
    rows = [
        "<p>Difficulty is the mean score as a share of the points (100% = everyone right). Discrimination is "
        "the correlation between the score on the problem and the score on the rest of the quiz (point-biserial): "
        "below 0.15 the problem hardly separates strong from weak students; negative means strong students did "
        f"worse, so check the key. Variants seen by at least {MIN_VARIANT_STUDENTS} students are compared with "
        f"the rest of their slot; one whose mean is {round(FAR_POINTS * 100)} points or more away (and not by "
        "chance) is flagged.</p>",
        "<table><tr><th scope=col>Problem</th><th scope=col>Family</th><th scope=col class=num>Students</th>"
        "<th scope=col class=num>Difficulty</th><th scope=col>Discrimination</th>"
        "<th scope=col>Variants</th></tr>",
    ]
    for it in items:
        if it.compared:
            parts = []
            for v in it.compared:
                mark = "<strong>far from the slot</strong>: " if v.flagged else ""
                rest = f", rest {_pct(100 * v.rest_mean)}" if v.rest_mean is not None else ""
                parts.append(
                    f"{mark}{math(student_notation(v.key), v.answers[0].problem.function_latex)} {v.n} students, mean {_pct(100 * v.mean)}{rest}"
                )
            variants = f"{it.variants}: " + "; ".join(parts)
        else:
            variants = (
                f"{it.variants} <span class=muted>(none seen by {MIN_VARIANT_STUDENTS} or more)</span>"
                if it.variants > 1
                else "1"
            )
        rows.append(
            f"<tr><th scope=row>{it.slot}</th><td>{escape(it.family)}</td><td class=num>{it.n}</td>"
            f"<td class=num>{_pct(100 * it.difficulty)}</td><td>{_discrimination(it.discrimination)}</td>"
            f"<td>{variants}</td></tr>"
        )
    rows.append("</table>")
    rows[1:] = [wide("\n".join(rows[1:]), "item analysis")]
    flagged = [(it.slot, v) for it in items for v in it.flagged]
    if flagged:
        rows.insert(
            0,
            '<p class="warn">'
            + "; ".join(
                f"Problem {slot}: the variant {escape(student_notation(v.key))} averaged {_pct(100 * v.mean)} against "
                f"{_pct(100 * (v.rest_mean or 0))} for the rest of the slot"
                for slot, v in flagged
            )
            + ".</p>",
        )
    return "\n".join(rows)


def _reteach(run: GradeRun) -> str:
    found = misconceptions(run)
    if not found:
        return "<p class=muted>No typical mistake was diagnosed.</p>"
    rows = [
        "<table><tr><th scope=col>Misconception</th><th scope=col class=num>Students</th>"
        "<th scope=col>Problems</th><th scope=col>Example: answer given, and its key</th></tr>"
    ]
    for m in found:
        ex = m.example
        rows.append(
            f"<tr><th scope=row>{escape(diagnosis_label(m.kind))}</th><td class=num>{m.students}</td>"
            f"<td>{', '.join(str(s) for s in m.slots)}</td>"
            f"<td>{math(ex.interpreted or ex.typed, ex.interpreted_latex)}<br><span class=muted>key "
            f"(student {escape(ex.student_id)}, problem {ex.slot}):</span> "
            f"{math(key_text(ex.problem.answer), ex.problem.answer_latex)}</td></tr>"
        )
    rows.append("</table>")
    return wide("\n".join(rows), "what to reteach")


MAX_REVIEW = 200


def _review(run: GradeRun, st: ClassStats) -> str:
    """The review queue first: unreadable or undecided answers, with suggested readings."""
    items = run.review
    if not items:
        return ""
    if st.to_review:
        until = (
            "their students' totals are provisional and left blank in the gradebooks until reviewed"
            if run.invalid == "review"
            else "they count 0 points (--invalid zero)"
        )
        head = (
            f"<h2>To review: {st.to_review} answer{'s' if st.to_review > 1 else ''}</h2>"
            f"<p>The checker could not read or could not decide these answers; {until}. Settle each with a line "
            "in an overrides file (<code>student_id,problem,points,note</code> or "
            "<code>student_id,problem,verdict,note</code>) and grade again with <code>--overrides</code>. "
            "The full list is in <code>review.csv</code>.</p>"
        )
    else:
        head = f"<h2>Reviewed: {st.reviewed} answers</h2><p>Every answer in the review queue has an override.</p>"
    # The key comes last: a long one widens the table, and only the key's tail should need scrolling to.
    rows = [
        head,
        "<table><tr><th scope=col>Student</th><th scope=col>Problem</th><th scope=col>Override</th>"
        "<th scope=col>Answer</th><th scope=col>Why</th><th scope=col>Suggested reading</th>"
        "<th scope=col>Key</th></tr>",
    ]
    for a in items[:MAX_REVIEW]:
        sug = run.suggestions.get((a.student_id, a.slot))
        reading = ""
        if sug is not None:
            reading = f"{math(sug.text)} <span class=muted>({escape(sug.repair)})</span>"
        typed = a.typed if len(a.typed) <= 200 else a.typed[:200] + "..."
        rows.append(
            f"<tr><td>{escape(a.student_id)}</td><td>{a.slot}</td>"
            f"<td>{escape(a.override.describe()) if a.override else '<span class=muted>pending</span>'}</td>"
            f"<td class=ans><code>{escape(typed)}</code></td>"
            f"<td class=why>{escape(a.outcome)}: {escape(a.feedback)}</td><td>{reading}</td>"
            f"<td>{math(key_text(a.problem.answer), a.problem.answer_latex)}</td></tr>"
        )
    if len(items) > MAX_REVIEW:
        rows.append(f"<tr><td colspan=7 class=muted>... {len(items) - MAX_REVIEW} more in review.csv</td></tr>")
    rows.append("</table>")
    return '<div class="review">' + rows[0] + wide("\n".join(rows[1:]), "review queue") + "</div>"


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
    rows = [
        f"<h2>Overrides: {len(done)}</h2>",
        "<table><tr><th scope=col>Student</th><th scope=col>Problem</th><th scope=col>The checker said</th><th scope=col>Override</th>"
        "<th scope=col class=num>Points</th><th scope=col>Where</th></tr>",
    ]
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
        "<tr><th scope=col>Students graded</th><th scope=col>Answers</th><th scope=col>Correct</th><th scope=col>Partly right</th><th scope=col>Incorrect</th>"
        "<th scope=col>Invalid</th><th scope=col>Blank or missing</th><th scope=col>Mean</th><th scope=col>Median</th><th scope=col>Lowest</th><th scope=col>Highest</th></tr>"
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
        "<table><tr><th scope=col>Problem</th><th scope=col>Family</th><th scope=col class=num>Correct</th><th scope=col class=num>Partly</th>"
        "<th scope=col class=num>Incorrect</th><th scope=col class=num>Invalid</th><th scope=col class=num>Blank</th>"
        "<th scope=col class=num>Mean points</th></tr>"
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
    return _img(
        png,
        f"Stacked bars, one per problem ({len(st.problems)}), showing the share of students whose "
        "answer was correct, partly right, incorrect, invalid, or blank.",
    ) + "\n".join(rows)


def _part_success(run: GradeRun) -> str:
    """Multi-part problems, one row per node of the graph (parts grouped by what they ask, since the letters
    differ between students' graphs): difficulty, how the answers went, and discrimination, with the node the
    class did worst on named above the table, so a teacher sees which node to go over again."""
    stats = part_stats(run)
    if not stats:
        return ""
    rows = [
        "<h2>Item analysis per part</h2>",
        "<p>Each node of a multi-part problem: its difficulty (the mean score as a share of the part's points; "
        "a part carried forward from the student's own earlier answers counts as right), the share of answers "
        "right, carried forward, wrong, invalid and blank, and its discrimination (as for problems, the "
        "part's score against the rest of the quiz).</p>",
    ]
    hardest = min(stats, key=lambda p: (p.difficulty, -p.n, p.slot))  # of equals, the one more students had
    if hardest.difficulty < 1:
        rows.append(
            f'<p class="warn">Hardest node: problem {hardest.slot}, {escape(hardest.asks)} '
            f"(mean {_pct(100 * hardest.difficulty)}, {_pct(100 * hardest.share('incorrect'))} wrong).</p>"
        )
    table = [
        "<table><tr><th scope=col>Problem</th><th scope=col>Part</th><th scope=col>Part asks</th>"
        "<th scope=col class=num>Answers</th><th scope=col class=num>Difficulty</th>"
        "<th scope=col class=num>Correct</th><th scope=col class=num>Carried forward</th>"
        "<th scope=col class=num>Incorrect</th><th scope=col class=num>Invalid</th>"
        "<th scope=col class=num>Blank</th><th scope=col>Discrimination</th></tr>"
    ]
    for ps in stats:
        table.append(
            f"<tr><th scope=row>{ps.slot}</th><td>{escape(', '.join(ps.labels))}</td><td>{escape(ps.asks)}</td>"
            f"<td class=num>{ps.n}</td><td class=num>{_pct(100 * ps.difficulty)}</td>"
            f"<td class=num>{_pct(100 * ps.share('correct'))}</td><td class=num>{_pct(100 * ps.share('carried'))}</td>"
            f"<td class=num>{_pct(100 * ps.share('incorrect'))}</td><td class=num>{_pct(100 * ps.share('invalid'))}</td>"
            f"<td class=num>{_pct(100 * ps.share('blank', 'missing'))}</td>"
            f"<td>{_discrimination(ps.discrimination)}</td></tr>"
        )
    table.append("</table>")
    rows.append(wide("\n".join(table), "item analysis per part"))
    return "\n".join(rows)


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
        table = [
            "<table><tr><th scope=col>Diagnosis</th><th scope=col class=num>Students</th><th scope=col>Example: answer given</th>"
            "<th scope=col>Key for that student</th><th scope=col>Feedback they got</th></tr>"
        ]
        for kind, answers in ranked[:MAX_ROWS]:
            ex = answers[0]
            table.append(
                f"<tr><td>{escape(diagnosis_label(kind))}</td><td class=num>{len(answers)}</td>"
                f"<td>{math(ex.interpreted or ex.typed, ex.interpreted_latex)}</td>"
                f"<td>{math(key_text(ex.problem.answer), ex.problem.answer_latex)}</td><td>{escape(ex.feedback)}</td></tr>"
            )
        table.append("</table>")
        out.append(wide("\n".join(table), f"mistakes in problem {p.slot}"))
        same = Counter(a.interpreted for a in wrong if a.interpreted)
        common = [(text, n) for text, n in sorted(same.items(), key=lambda kv: (-kv[1], kv[0])) if n > 1]
        if common:
            out.append(
                "<p>Identical wrong answers: "
                + ", ".join(f"{math(text)} &times;{n}" for text, n in common[:MAX_ROWS])
                + "</p>"
            )
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
        out.append(
            "<table><tr><th scope=col>Typed</th><th scope=col class=num>Times</th><th scope=col>Why it could not be read</th></tr>"
        )
        for (typed, message), n in ranked[:MAX_ROWS]:
            shown = typed if len(typed) <= 200 else typed[:200] + "..."
            out.append(
                f"<tr><td><code>{escape(shown)}</code></td><td class=num>{n}</td><td>{escape(message)}</td></tr>"
            )
        if len(ranked) > MAX_ROWS:
            out.append(
                f"<tr><td colspan=3 class=muted>... and {len(ranked) - MAX_ROWS} more in responses.csv</td></tr>"
            )
        out.append("</table>")
    return "\n".join(out) or "<p class=muted>No invalid answers.</p>"


def _issues(run: GradeRun, st: ClassStats) -> str:
    if not run.issues:
        return "<p class=muted>None: every answer was read and matched.</p>"
    counts = ", ".join(f"{escape(kind.replace('_', ' '))}: {n}" for kind, n in sorted(st.issues.items()))
    rows = [
        f"<p>{counts}. The full list is in <code>problems.csv</code>.</p>",
        "<table><tr><th scope=col>Kind</th><th scope=col>Where</th><th scope=col>Student</th><th scope=col>Problem</th><th scope=col>Detail</th></tr>",
    ]
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
