"""Moodle GIFT text with the core types: numerical {#value:tolerance} and multiple choice {=right ~wrong}.

GIFT's special characters ~ = # { } : are escaped with a backslash, and so is the backslash itself
(Moodle's importer turns \\\\ back into \\), which is why MathJax's \\( \\) appear as \\\\( \\\\) in the
file. Questions are separated by blank lines, so no text may contain one; each slot starts with a
$CATEGORY: line. GIFT has no idnumber field, so the variant id goes in a `// [id:...]` comment above each
question (Moodle's importer skips comment lines) and in the question text's "Ref:" line, which Moodle keeps.
"""

from __future__ import annotations

from quizgen.export.items import ExportItem, ExportQuiz
from quizgen.export.moodle_xml import NUMERIC_HINT, OTHER_VALUE_FEEDBACK, category_path
from quizgen.export.numeric import format_number
from quizgen.export.text import esc, mathjax, prompt_html, reference_html, solution_html

_SPECIAL = "~=#{}:"


def gift_escape(text: str) -> str:
    """Escape GIFT's special characters (after the backslash itself) and fold line breaks into spaces."""
    text = text.replace("\\", "\\\\")
    for ch in _SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.splitlines())


def _numerical(item: ExportItem) -> str:
    part = item.numbers[0]
    tol = format_number(part.tolerance)
    answers = [f"\t={format_number(part.value)}:{tol}#{gift_escape(esc('Correct.'))}"]
    for value, feedback in part.wrong:
        answers.append(f"\t=%0%{format_number(value)}:{tol}#{gift_escape(esc(feedback))}")
    answers.append(f"\t~#{gift_escape(esc(OTHER_VALUE_FEEDBACK))}")  # any other number
    return "{#\n" + "\n".join(answers) + "\n"


def _multichoice(item: ExportItem) -> str:
    lines = []
    for choice in item.choices:
        mark = "=" if choice.correct else "~"
        body = gift_escape("<p>" + mathjax(choice.latex) + "</p>")
        lines.append(f"\t{mark}{body}#{gift_escape(esc(choice.feedback))}")
    return "{\n" + "\n".join(lines) + "\n"


def _part_questions(item: ExportItem) -> str:
    """A multi-part problem: GIFT has no multi-blank numerical question, so one numerical question per part,
    each repeating the graph and naming its part; ids, names and the Ref line carry the part's label
    (qg....v001.a), which is how grading maps a Moodle response back to its part."""
    out = []
    solution = gift_escape(solution_html(item.problem, mathjax))
    for part, number in zip(item.problem.parts, item.numbers, strict=True):
        single = ExportItem(item.problem, item.slot, item.variant, item.idnumber, item.name, "numerical", (), (number,))
        question = (
            prompt_html(item.problem, mathjax) + f"<p>Part ({esc(part.label)}): "
            f"{mathjax(number.label_latex)}</p><p>{esc(NUMERIC_HINT)}</p>"
            + reference_html(f"{item.idnumber}.{part.label}")
        )
        out.append(
            f"// [id:{item.idnumber}.{part.label}]\n"
            f"::{gift_escape(item.name + ' part ' + part.label)}::[html]{gift_escape(question)}"
            f"{_numerical(single)}\t####{solution}\n}}\n"
        )
    return "\n".join(out)


def question_gift(item: ExportItem) -> str:
    if item.problem.parts:
        return _part_questions(item)
    question = prompt_html(item.problem, mathjax)
    if item.kind == "numerical":
        question += f"<p>{esc(NUMERIC_HINT)}</p>"
    elif item.kind == "multinumerical":
        labels = ", ".join(mathjax(p.label_latex) for p in item.numbers)
        question += f"<p>Choose the vector ({labels}).</p>"
    question += reference_html(item.idnumber)
    answers = _numerical(item) if item.kind == "numerical" else _multichoice(item)
    solution = gift_escape(solution_html(item.problem, mathjax))
    return (
        f"// [id:{item.idnumber}]\n"
        f"::{gift_escape(item.name)}::[html]{gift_escape(question)}"
        f"{answers}\t####{solution}\n}}\n"
    )


def variant_title(item: ExportItem) -> str:
    """The sub-category of one variant's parts: "Variant 07" (the question name's number)."""
    return "Variant " + item.name.rsplit(" ", 1)[-1]


def gift_text(*, quiz: ExportQuiz) -> str:
    """The whole bank: a $CATEGORY: line per slot, then its variants, blank lines between questions."""
    title = " ".join(quiz.title.split())
    blocks = [f"// quizgen export of {title}: {len(quiz.groups)} slots, {quiz.variants} variants each"]
    for group in quiz.groups:
        blocks.append(f"$CATEGORY: {category_path(quiz.title, group.title)}")
        for item in group.items:
            if item.problem.parts:
                # A random question would draw one part of one variant: each variant's parts get their own
                # category, so a quiz can hold all the parts of one variant (docs/lms.md).
                blocks.append(f"$CATEGORY: {category_path(quiz.title, group.title, variant_title(item))}")
            blocks.append(question_gift(item))
    return "\n\n".join(block.rstrip("\n") for block in blocks) + "\n"
