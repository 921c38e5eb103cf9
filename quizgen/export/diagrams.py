"""A multi-part problem's computational graph as an image in LMS exports: an SVG file embedded in the
Moodle XML question (<file> in the question text, shown with @@PLUGINFILE@@) and packaged in the Canvas QTI
zip (images/, listed in imsmanifest.xml as web content, shown with $IMS-CC-FILEBASE$, as Canvas's own
exports do). The picture is the worksheet's diagram (quizgen.typeset.graph_svg) with empty lettered boxes,
placed right after the prompt. Kept apart from the drivers: each calls one function here.
"""

from __future__ import annotations

import base64
from html import escape
from xml.sax.saxutils import escape as xml_escape

from quizgen.export.items import ExportItem, ExportQuiz
from quizgen.export.text import Math, prompt_html
from quizgen.problem import Problem
from quizgen.typeset.graph_svg import graph_svg

QTI_FOLDER = "images"
ALT = "The computational graph: each node's output edge has a lettered box for its forward value above it and for the gradient below it; the letters are the parts."


def diagram_svg(problem: Problem, ident: str) -> str:
    """The question's diagram as a standalone SVG file ("" when the problem has no graph)."""
    if problem.graph is None:
        return ""
    svg = graph_svg(problem.graph, None, ident=ident, title=f"Problem {problem.slot}: the computational graph")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


def file_name(item: ExportItem) -> str:
    """One file per variant: graph-s3-v07.svg."""
    return f"graph-s{item.slot}-v{item.variant:02d}.svg"


def _figure(src: str) -> str:
    return f'<p><img src="{escape(src)}" alt="{escape(ALT)}" style="max-width:100%;height:auto"></p>'


def _after(text: str, anchor: str, figure: str) -> str:
    """The figure right after the anchor (the prompt: where a reader looks for it), else at the end."""
    at = text.find(anchor)
    if at < 0:
        return text + figure
    end = at + len(anchor)
    return text[:end] + figure + text[end:]


def moodle_question_text(item: ExportItem, question_html: str, math: Math) -> tuple[str, str]:
    """The question text with the diagram shown, and the <file> element embedding it ("" without a graph)."""
    svg = diagram_svg(item.problem, item.idnumber)
    if not svg:
        return question_html, ""
    name = file_name(item)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    html = _after(question_html, prompt_html(item.problem, math), _figure(f"@@PLUGINFILE@@/{name}"))
    return html, f'<file name="{escape(name)}" path="/" encoding="base64">{data}</file>'


def qti_item_body(item: ExportItem, body: str, math: Math) -> str:
    """An item's QTI XML with the packaged diagram shown in its question text (unchanged without a graph).
    The question text travels XML-escaped in a <mattext>: the figure goes in escaped too, after the prompt."""
    if item.problem.graph is None:
        return body
    figure = xml_escape(_figure(f"%24IMS-CC-FILEBASE%24/{QTI_FOLDER}/{file_name(item)}"))
    prompt = xml_escape(prompt_html(item.problem, math))
    if prompt in body:
        return _after(body, prompt, figure)
    return body.replace("</mattext>", figure + "</mattext>", 1)


def qti_files(quiz: ExportQuiz) -> list[tuple[str, str]]:
    """The diagrams to put in the package: (path in the zip, SVG text), in slot and variant order."""
    return [
        (f"{QTI_FOLDER}/{file_name(item)}", diagram_svg(item.problem, item.idnumber))
        for group in quiz.groups
        for item in group.items
        if item.problem.graph is not None
    ]


def qti_manifest_resources(quiz: ExportQuiz) -> str:
    """imsmanifest.xml <resource> entries for the diagrams (web content the questions refer to)."""
    return "".join(
        f'    <resource identifier="qg_image_{i}" type="webcontent" href="{escape(path)}">\n'
        f'      <file href="{escape(path)}"/>\n    </resource>\n'
        for i, (path, _svg) in enumerate(qti_files(quiz), 1)
    )
