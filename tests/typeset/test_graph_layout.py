"""The diagram layout: every node placed once, one box per part where the part says, nothing overlapping,
layers running left to right, the same layout every time."""

from __future__ import annotations

import itertools

import pytest

from quizgen.problem import Graph, GraphNode, Problem
from quizgen.typeset.graph_layout import BOX_GAP, BOX_W, GIVEN_H, NAME_H, NAME_W, Layout, layout

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


def _rects(lay: Layout) -> list[tuple[str, Rect]]:
    """Everything printed, as rectangles: nodes, the names over operations, boxes and printed numbers."""
    out: list[tuple[str, Rect]] = []
    for p in lay.nodes:
        out.append((f"node {p.name}", (p.cx - p.w / 2, p.cy - p.h / 2, p.cx + p.w / 2, p.cy + p.h / 2)))
        if p.shape != "text":
            x, y = p.name_at
            out.append((f"name {p.name}", (x, y - NAME_H, x + NAME_W, y)))
    for b in lay.boxes:
        out.append((f"box {b.part}", (b.x, b.y, b.x + b.w, b.y + b.h)))
    for g in lay.givens:
        out.append(
            (f"given {g.kind} {g.node}", (g.x - BOX_W / 2, g.y - GIVEN_H / 2, g.x + BOX_W / 2, g.y + GIVEN_H / 2))
        )
    return out


def _overlap(a: Rect, b: Rect) -> bool:
    eps = 1e-6
    return a[0] < b[2] - eps and b[0] < a[2] - eps and a[1] < b[3] - eps and b[1] < a[3] - eps


def test_every_node_is_placed_once_and_every_part_has_one_box_at_its_node(graphs: dict[str, Problem]) -> None:
    for shape, p in graphs.items():
        assert p.graph is not None
        lay = layout(p.graph)
        assert sorted(n.name for n in lay.nodes) == sorted(n.name for n in p.graph.nodes), shape
        boxes = sorted((b.part, b.kind, b.node) for b in lay.boxes)
        assert boxes == sorted((part.label, part.kind, part.of) for part in p.parts), shape
        # the given numbers: each leaf's value above its stub, and the output's upstream gradient 1 below
        leaves = {n.name for n in p.graph.nodes if n.op == "input"}
        assert {g.node for g in lay.givens if g.kind == "value"} == leaves
        assert [g.node for g in lay.givens if g.kind == "gradient"] == [p.graph.output]


def test_nothing_overlaps_and_everything_is_inside_the_picture(graphs: dict[str, Problem]) -> None:
    for shape, p in graphs.items():
        assert p.graph is not None
        lay = layout(p.graph)
        rects = _rects(lay)
        for (name_a, a), (name_b, b) in itertools.combinations(rects, 2):
            assert not _overlap(a, b), (shape, name_a, name_b)
        for name, r in rects:
            assert 0 <= r[0] and r[2] <= lay.width and 0 <= r[1] and r[3] <= lay.height, (shape, name)


def test_boxes_sit_on_their_nodes_stub_value_above_and_gradient_below(graphs: dict[str, Problem]) -> None:
    lay = layout(graphs["d2-sigmoid"].graph)  # type: ignore[arg-type]
    for b in lay.boxes:
        node = lay.node(b.node)
        assert node.east < b.x and b.x + b.w < node.port_x
        if b.kind == "value":
            assert b.y + b.h == pytest.approx(node.cy - BOX_GAP)
        else:
            assert b.y == pytest.approx(node.cy + BOX_GAP)


def test_layers_run_left_to_right_and_edges_end_on_the_left_of_their_node(graphs: dict[str, Problem]) -> None:
    for shape, p in graphs.items():
        assert p.graph is not None
        lay = layout(p.graph)
        by = {n.name: n for n in p.graph.nodes}
        assert len(lay.edges) == sum(len(n.inputs) for n in p.graph.nodes)
        for e in lay.edges:
            source, target = lay.node(e.source), lay.node(e.target)
            assert e.start == (source.port_x, source.cy)
            assert e.start[0] < e.end[0] <= target.cx, (shape, e)
            assert abs(e.end[1] - target.cy) <= target.h / 2, (shape, e)
            assert e.source in by[e.target].inputs
        output = lay.node(p.graph.output)
        assert output.cx == max(n.cx for n in lay.nodes)  # the output stands alone at the right
        # the target stands next to the loss, not with the inputs
        if "t" in by:
            assert lay.node("t").port_x < output.cx and lay.node("t").cx > lay.node("x1").cx


def test_a_neuron_fits_the_printed_line_and_a_two_layer_net_nearly(graphs: dict[str, Problem]) -> None:
    """17 cm is an A4 line with 2 cm margins: d1 and d2 print at full size, d3 scaled by at most 0.85."""
    for shape, p in graphs.items():
        assert p.graph is not None
        lay = layout(p.graph)
        assert lay.width <= (17.0 if not shape.startswith("d3-hidden") else 20.0), shape
        assert lay.height <= 16.0, shape


def test_the_same_graph_gives_the_same_layout(graphs: dict[str, Problem]) -> None:
    for p in graphs.values():
        assert p.graph is not None
        again = Graph.from_dict(p.graph.to_dict())
        assert layout(again) == layout(p.graph)


def test_a_fan_out_is_counted_and_a_lone_node_is_laid_out() -> None:
    leaf = GraphNode(name="x", op="input", label="x", label_latex="x", name_latex="x", value="2", value_latex="2")
    square = GraphNode(
        name="y", op="mul", label="×", label_latex=r"\times", name_latex="y", inputs=["x", "x"], value_part="a"
    )
    lay = layout(Graph(nodes=[leaf, square], output="y"))
    assert lay.node("x").fan_out == 2 and len(lay.edges) == 2
    assert [b.part for b in lay.boxes] == ["a"]
    lone = layout(Graph(nodes=[leaf], output="x"))
    assert [n.name for n in lone.nodes] == ["x"] and lone.width > 0
