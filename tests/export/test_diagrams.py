"""A graph problem's diagram in the exports: an SVG file embedded in the Moodle XML question and packaged
in the Canvas QTI zip, shown right after the prompt; quizzes without graphs are unchanged."""

from __future__ import annotations

import base64
import io
import random
import zipfile
from dataclasses import replace

import pytest
from exporttools import load_schema
from lxml import etree

from quizgen.draw import draw_problem
from quizgen.export.items import ExportQuiz, build_quiz
from quizgen.export.moodle_xml import moodle_xml
from quizgen.export.qti import assessment_ident, qti_zip
from quizgen.families.base import SlotSpec

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def graph_quiz() -> ExportQuiz:
    problems = {}
    for difficulty in (1, 3):
        slot = SlotSpec(difficulty, "backprop", difficulty, 3.0, "value", coefficients=(-3, 3), point="random")
        problems[difficulty] = [draw_problem(slot, random.Random(seed)) for seed in (1, 2)]
    return build_quiz(title="Graphs <&>", bank_id="bp", seed=1, problems=problems)


def _boxes(svg: bytes) -> list[str]:
    root = etree.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.find(f"{SVG}title") is not None
    return sorted(g.get("data-part") for g in root.iter(f"{SVG}g") if g.get("data-part"))


def test_moodle_embeds_one_svg_per_graph_question_shown_after_the_prompt(graph_quiz: ExportQuiz) -> None:
    root = etree.fromstring(moodle_xml(quiz=graph_quiz).encode("utf-8"))
    questions = [q for q in root.iter("question") if q.get("type") != "category"]
    items = [item for group in graph_quiz.groups for item in group.items]
    assert len(questions) == len(items) == 4
    for question, item in zip(questions, items):
        text = question.find("questiontext")
        files = text.findall("file")
        assert [f.get("name") for f in files] == [f"graph-s{item.slot}-v{item.variant:02d}.svg"]
        assert files[0].get("encoding") == "base64" and files[0].get("path") == "/"
        assert _boxes(base64.b64decode(files[0].text)) == sorted(p.label for p in item.problem.parts)
        html = text.findtext("text")
        shown = html.index(f'src="@@PLUGINFILE@@/{files[0].get("name")}"')
        assert 'alt="The computational graph' in html
        assert html.index("Find the forward value") < shown < html.index("{1:NUMERICAL")  # after the prompt


def test_qti_packages_each_diagram_lists_it_and_shows_it(graph_quiz: ExportQuiz) -> None:
    package = qti_zip(quiz=graph_quiz)
    ident = assessment_ident(graph_quiz)
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        names = z.namelist()
        images = [n for n in names if n.startswith("images/")]
        assert images == [
            "images/graph-s1-v01.svg",
            "images/graph-s1-v02.svg",
            "images/graph-s3-v01.svg",
            "images/graph-s3-v02.svg",
        ]
        for name in images:
            assert _boxes(z.read(name))
        manifest = etree.fromstring(z.read("imsmanifest.xml"))
        assessment = z.read(f"{ident}/{ident}.xml").decode("utf-8")
    listed = [r.get("href") for r in manifest.findall(".//{*}resource") if r.get("type") == "webcontent"]
    assert listed == images
    for name in images:
        assert assessment.count(f"%24IMS-CC-FILEBASE%24/{name}") == 1
    assert qti_zip(quiz=graph_quiz) == package  # the same bytes every time
    schema = load_schema("imscp/imscp_v1p1.xsd")  # last: it skips where the shared schemas are missing
    assert schema.validate(manifest), schema.error_log


def test_a_quiz_without_graphs_has_no_images(graph_quiz: ExportQuiz) -> None:
    plain_groups = tuple(
        replace(g, items=tuple(replace(i, problem=replace(i.problem, graph=None)) for i in g.items))
        for g in graph_quiz.groups
    )
    plain = replace(graph_quiz, groups=plain_groups)
    assert "<file " not in moodle_xml(quiz=plain) and "PLUGINFILE" not in moodle_xml(quiz=plain)
    with zipfile.ZipFile(io.BytesIO(qti_zip(quiz=plain))) as z:
        assert not [n for n in z.namelist() if n.startswith("images/")]
        assert b"webcontent" not in z.read("imsmanifest.xml")
