"""The graph as inline SVG: well-formed XML, one mark per part whose class, colour and symbol match its
verdict, an accessible image (role, title, a description that reads every box), and escaped text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from quizgen.problem import Problem
from quizgen.typeset.graph_svg import STYLE, BoxMark, graph_svg, legend_html

NS = {"svg": "http://www.w3.org/2000/svg"}
STATES = ("right", "carried", "wrong", "unreadable", "review", "blank")


def _marks(p: Problem) -> dict[str, BoxMark]:
    return {part.label: BoxMark(STATES[i % len(STATES)], f"{i}/7") for i, part in enumerate(p.parts)}


def test_one_mark_per_part_matching_its_verdict_in_class_colour_and_symbol(graphs: dict[str, Problem]) -> None:
    for shape, p in graphs.items():
        assert p.graph is not None
        marks = _marks(p)
        root = ET.fromstring(graph_svg(p.graph, marks, ident="p1", title="Problem 1"))
        groups = root.findall(".//svg:g[@data-part]", NS)
        assert sorted(g.get("data-part") or "" for g in groups) == sorted(marks), shape
        for g in groups:
            mark = marks[g.get("data-part") or ""]
            assert g.get("class") == f"mark {mark.state}"
            stroke, _fill, symbol, _words = STYLE[mark.state]
            assert g.find("svg:rect", NS).get("stroke") == stroke  # type: ignore[union-attr]
            texts = [t.text for t in g.findall("svg:text", NS)]
            assert texts == [g.get("data-part"), symbol, mark.shown]  # letter, symbol (not colour alone), answer


def test_the_image_is_labelled_and_described_for_screen_readers(graphs: dict[str, Problem]) -> None:
    p = graphs["d2-tanh"]
    assert p.graph is not None
    marks = _marks(p)
    root = ET.fromstring(graph_svg(p.graph, marks, ident="p 3", title="Problem 3: the graph"))
    assert root.get("role") == "img"
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and desc is not None and title.text == "Problem 3: the graph"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}" == "qg-p-3-t qg-p-3-d"
    for part in p.parts:
        assert f"box {part.label}, " in (desc.text or "")
    assert "could not be read" in (desc.text or "") and "not answered" in (desc.text or "")


def test_a_missing_mark_is_not_answered_and_typed_text_is_escaped_and_shortened(graphs: dict[str, Problem]) -> None:
    p = graphs["d1-linear"]
    assert p.graph is not None
    first = p.parts[0].label
    svg = graph_svg(p.graph, {first: BoxMark("wrong", "<script>alert(1)</script>")}, ident="x", title="<T&>")
    assert "<script" not in svg and "&lt;T&amp;&gt;" in svg
    root = ET.fromstring(svg)
    shown = root.find(f".//svg:g[@data-part='{first}']", NS)
    assert shown is not None and [t.text for t in shown.findall("svg:text", NS)][-1] == "<script>…"
    others = [g.get("class") for g in root.findall(".//svg:g[@data-part]", NS) if g.get("data-part") != first]
    assert others and set(others) == {"mark blank"}


def test_the_same_inputs_give_the_same_svg_and_the_legend_names_every_mark(graphs: dict[str, Problem]) -> None:
    p = graphs["d3-bce"]
    assert p.graph is not None
    assert graph_svg(p.graph, _marks(p), ident="a", title="t") == graph_svg(p.graph, _marks(p), ident="a", title="t")
    legend = legend_html()
    for _stroke, _fill, symbol, words in STYLE.values():
        assert symbol in legend and words.replace("'", "&#x27;") in legend
