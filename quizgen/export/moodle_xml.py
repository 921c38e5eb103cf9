"""Moodle XML with core question types that every Moodle grades without plugins.

Moodle's importer (question/format/xml/format.php) is the reference: a <question type="category"> sets
the category for the questions after it; numerical answers carry <tolerance> (absolute, "nominal");
multichoice needs <single>, <shuffleanswers>, <answernumbering> and the three combined feedbacks; Cloze
(type "cloze") holds {1:NUMERICAL:=value:tolerance} parts in its question text. All HTML travels in CDATA.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from xml.sax.saxutils import escape as xml_escape

from quizgen.export import diagrams
from quizgen.export.items import ExportItem, ExportQuiz, NumericPart
from quizgen.export.numeric import format_number
from quizgen.export.text import cdata, esc, mathjax, prompt_html, reference_html, solution_html

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'
FOOTER = "</quiz>\n"

NUMERIC_HINT = "Enter a number; answers within 0.1% (at least ±0.001) of the exact value are accepted."
OTHER_VALUE_FEEDBACK = "Not the value: compare your steps with the worked solution."


def category_segment(name: str) -> str:
    """One level of a Moodle category path: '/' inside a name is written '//', newlines become spaces."""
    return " ".join(name.split()).replace("/", "//")


def category_path(*levels: str) -> str:
    return "$course$/top/" + "/".join(category_segment(level) for level in levels)


def category_xml(path: str) -> str:
    return (
        '  <question type="category">\n'
        f"    <category><text>{xml_escape(path)}</text></category>\n"
        '    <info format="html"><text></text></info>\n'
        "    <idnumber></idnumber>\n"
        "  </question>\n"
    )


def _text(tag: str, html: str, fmt: str = "html") -> str:
    return f'    <{tag} format="{fmt}"><text>{cdata(html)}</text></{tag}>\n'


def _common(item: ExportItem, qtype: str, question_html: str, *, grade: bool = True) -> str:
    out = f'  <question type="{qtype}">\n'
    out += f"    <name><text>{xml_escape(item.name)}</text></name>\n"
    question_html, image = diagrams.moodle_question_text(item, question_html, mathjax)  # a graph, as a file
    out += f'    <questiontext format="html"><text>{cdata(question_html)}</text>{image}</questiontext>\n'
    out += _text("generalfeedback", solution_html(item.problem, mathjax))
    if grade:
        out += f"    <defaultgrade>{format_number(item.problem.points)}</defaultgrade>\n"
    out += "    <penalty>0.3333333</penalty>\n"
    out += "    <hidden>0</hidden>\n"
    out += f"    <idnumber>{xml_escape(item.idnumber)}</idnumber>\n"
    return out


def _numerical(item: ExportItem) -> str:
    part = item.numbers[0]
    question = prompt_html(item.problem, mathjax) + f"<p>{esc(NUMERIC_HINT)}</p>" + reference_html(item.idnumber)
    out = _common(item, "numerical", question)
    out += _num_answer("100", format_number(part.value), part.tolerance, "Correct.")
    for value, feedback in part.wrong:
        out += _num_answer("0", format_number(value), part.tolerance, feedback)
    out += _num_answer("0", "*", 0.0, OTHER_VALUE_FEEDBACK)
    out += "    <unitgradingtype>0</unitgradingtype>\n"
    out += "    <unitpenalty>0.1000000</unitpenalty>\n"
    out += "    <showunits>3</showunits>\n"
    out += "    <unitsleft>0</unitsleft>\n"
    out += "  </question>\n"
    return out


def _num_answer(fraction: str, value: str, tol: float, feedback: str) -> str:
    return (
        f'    <answer fraction="{fraction}" format="moodle_auto_format">\n'
        f"      <text>{xml_escape(value)}</text>\n"
        f"      <tolerance>{format_number(tol)}</tolerance>\n"
        f'      <feedback format="html"><text>{cdata(esc(feedback))}</text></feedback>\n'
        "    </answer>\n"
    )


def cloze_escape(text: str) -> str:
    """Escape the characters that end or split a Cloze answer or feedback: } # ~ / " \\."""
    for ch in '\\}#~/"':
        text = text.replace(ch, "\\" + ch)
    return text


def cloze_weights(points: Sequence[float]) -> list[int]:
    """Cloze blank weights: Moodle takes whole numbers only ({2:NUMERICAL:...}), so the smallest whole
    numbers in the ratio of the points (0.5, 0.5, 1 -> 1, 1, 2); all 1 when a point is not positive."""
    fractions = [Fraction(p).limit_denominator(1000) for p in points]
    if not fractions or any(f <= 0 for f in fractions):
        return [1] * len(fractions)
    scale = math.lcm(*(f.denominator for f in fractions))
    whole = [int(f * scale) for f in fractions]
    divisor = math.gcd(*whole)
    return [w // divisor for w in whole]


def _cloze_part(part: NumericPart, weight: int = 1) -> str:
    pieces = [f"={format_number(part.value)}:{format_number(part.tolerance)}#Correct"]
    for value, feedback in part.wrong:
        pieces.append(f"%0%{format_number(value)}:{format_number(part.tolerance)}#{cloze_escape(esc(feedback))}")
    return "{" + str(weight) + ":NUMERICAL:" + "~".join(pieces) + "}"


def _cloze(item: ExportItem) -> str:
    weights = cloze_weights([p.points for p in item.numbers]) if item.problem.parts else [1] * len(item.numbers)
    lines = "".join(
        f"<p>{mathjax(p.label_latex)} = {_cloze_part(p, w)}</p>" for p, w in zip(item.numbers, weights, strict=True)
    )
    question = (
        prompt_html(item.problem, mathjax) + lines + f"<p>{esc(NUMERIC_HINT)}</p>" + reference_html(item.idnumber)
    )
    return _common(item, "cloze", question, grade=False) + "  </question>\n"


def _multichoice(item: ExportItem) -> str:
    question = prompt_html(item.problem, mathjax) + reference_html(item.idnumber)
    out = _common(item, "multichoice", question)
    out += "    <single>true</single>\n"
    out += "    <shuffleanswers>true</shuffleanswers>\n"
    out += "    <answernumbering>abc</answernumbering>\n"
    out += "    <showstandardinstruction>0</showstandardinstruction>\n"
    out += _text("correctfeedback", "<p>Correct.</p>")
    out += _text("partiallycorrectfeedback", "<p>Partially correct.</p>")
    out += _text("incorrectfeedback", "<p>Incorrect: see the feedback on your choice and the worked solution.</p>")
    out += "    <shownumcorrect/>\n"
    for choice in item.choices:
        fraction = "100" if choice.correct else "0"
        out += f'    <answer fraction="{fraction}" format="html">\n'
        out += f"      <text>{cdata('<p>' + mathjax(choice.latex) + '</p>')}</text>\n"
        out += f'      <feedback format="html"><text>{cdata(esc(choice.feedback))}</text></feedback>\n'
        out += "    </answer>\n"
    out += "  </question>\n"
    return out


def question_xml(item: ExportItem) -> str:
    """One variant as a core-type Moodle question (numerical, cloze or multichoice)."""
    if item.kind == "numerical":
        return _numerical(item)
    if item.kind == "multinumerical":
        return _cloze(item)
    return _multichoice(item)


def moodle_xml(*, quiz: ExportQuiz) -> str:
    """The whole bank: one category per slot ($course$/top/<bank title>/Slot N (family)), N variants each."""
    out = [HEADER]
    for group in quiz.groups:
        out.append(category_xml(category_path(quiz.title, group.title)))
        out.extend(question_xml(item) for item in group.items)
    out.append(FOOTER)
    return "".join(out)
