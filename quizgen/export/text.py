"""HTML pieces shared by the exporters: question text, worked solution, math markup, CDATA.

Every string from a bank or a problem is HTML-escaped here; math is passed through a `math` callable
chosen by the format (MathJax \\( \\) for Moodle, Canvas equation images for QTI), so the drivers never
build HTML from raw text themselves.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable

from quizgen.problem import Problem
from quizgen.typeset.latexmath import indicator_notation, split_leading_text

Math = Callable[[str], str]
"""Turns LaTeX (math mode, no delimiters) into HTML."""


def esc(text: str) -> str:
    """Escape text for HTML element content and attribute values."""
    return html.escape(text, quote=True)


def lms_latex(latex: str) -> str:
    r"""sympy's cases for an indicator written as the material does, v \cdot \mathbf{1}(cond).

    Uses the PDF's rewrite (quizgen.typeset.latexmath.indicator_notation) with a bold 1 in place of
    the PDF template's \qgind macro, which MathJax and Canvas do not know.
    """
    return indicator_notation(latex).replace(r"\qgind", r"\mathbf{1}")


def mathjax(latex: str) -> str:
    """Inline math for MathJax (Moodle's MathJax filter, STACK): \\( latex \\), HTML-escaped."""
    return r"\(" + html.escape(lms_latex(latex), quote=False) + r"\)"


def canvas_equation(latex: str) -> str:
    """Inline math as Canvas renders it: the equation image its own editor inserts.

    Canvas serves /equation_images/<url-encoded LaTeX> from every instance; the LaTeX also travels in
    data-equation-content, title and alt, so screen readers and New Quizzes' migration keep it.
    """
    latex = lms_latex(latex)
    src = "/equation_images/" + urllib.parse.quote(urllib.parse.quote(latex, safe=""), safe="")
    lat = esc(latex)
    return (
        f'<img class="equation_image" title="{lat}" src="{esc(src)}" alt="LaTeX: {lat}" data-equation-content="{lat}"/>'
    )


def cdata(text: str) -> str:
    """Wrap text in CDATA, splitting any "]]>" inside it across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


_MATH_SEGMENT = re.compile(r"\\\((.+?)\\\)|\$\$(.+?)\$\$|\$(.+?)\$", re.S)
_TEXT_MACROS = {r"\&": "&", r"\%": "%", r"\_": "_", r"\#": "#", r"\$": "$", "~": "\u00a0", "--": "\u2013"}


def _latex_text(text: str) -> str:
    for macro, plain in _TEXT_MACROS.items():
        text = text.replace(macro, plain)
    text = re.sub(r"\\(?:emph|textit|textbf|text)\{([^{}]*)\}", r"\1", text)
    return esc(text)


def latex_paragraph(latex: str, math: Math) -> str:
    """Mixed LaTeX text ($...$ or \\(...\\) math inside words) as HTML with math markup."""
    out: list[str] = []
    pos = 0
    for match in _MATH_SEGMENT.finditer(latex):
        out.append(_latex_text(latex[pos : match.start()]))
        out.append(math(next(g for g in match.groups() if g is not None).strip()))
        pos = match.end()
    out.append(_latex_text(latex[pos:]))
    return "".join(out)


def prompt_html(problem: Problem, math: Math) -> str:
    """The question as HTML: the LaTeX prompt when it has math in it, else the plain prompt and f."""
    if "$" in problem.prompt_latex or r"\(" in problem.prompt_latex:
        body = latex_paragraph(problem.prompt_latex, math)
    elif problem.prompt_latex and "\\" in problem.prompt_latex:
        body = esc(problem.prompt_text) + "<br>" + math(problem.prompt_latex)
    else:
        body = esc(problem.prompt_text) + "<br>" + math(problem.function_latex)
    return f"<p>{body}</p>"


def solution_html(problem: Problem, math: Math) -> str:
    """The worked solution (general feedback): numbered steps, each in words and math, then the answer."""
    items = []
    for step in problem.steps:
        line = esc(step.text)
        _, formula = split_leading_text(step.latex)
        if formula.replace(r"\quad", "").strip():  # a step that is only a sentence is shown once
            line += "<br>" + math(step.latex)
        items.append(f"<li>{line}</li>")
    steps = f"<ol>{''.join(items)}</ol>" if items else ""
    if problem.parts:  # every part's key, not the one leaf gradient the manifest's answer holds
        keys = "".join(
            f"<li>({esc(p.label)}) {latex_paragraph(p.prompt_latex, math)} = {math(p.answer_latex)}</li>"
            for p in problem.parts
        )
        return f"<p><strong>Worked solution</strong></p>{steps}<p>Answers:</p><ul>{keys}</ul>"
    return f"<p><strong>Worked solution</strong></p>{steps}<p>Answer: {math(problem.answer_latex)}</p>"


def reference_html(idnumber: str) -> str:
    """A small trailing line with the variant id, which survives LMS response and analysis exports."""
    return f'<p style="font-size:smaller;color:#666">Ref: {esc(idnumber)}</p>'
