"""Where everything of a computational-graph diagram goes, computed once for TikZ and SVG alike.

Nodes stand in layers left to right by depth (a leaf one layer before its first consumer, so the target t
stands next to the loss rather than with the inputs). Every node's output edge starts with a straight stub
that carries two boxes: the forward value above it, the gradient below it; from the stub's end (the port)
edges run to the consumers. Within a layer nodes are ordered by where their consumers stand, then each
operation is centred on its inputs; rows never overlap, whatever they carry. Units are centimetres, y grows
downwards (SVG's way; TikZ flips it). Pure arithmetic: the same graph gives the same layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from quizgen.problem import Graph, GraphNode

BOX_W = 1.75
"""A value or gradient box: wide and tall enough to write -27/32 in by hand at print size."""
BOX_H = 0.8
BOX_GAP = 0.13  # between the stub and its boxes
GIVEN_H = 0.45  # a printed number (a leaf's given value, the output's upstream gradient 1)
NAME_H = 0.4  # an operation's name (z, a, L) above the right half of its node, clear of the incoming edges
NAME_W = 0.45
ROW_GAP = 0.25  # between the lowest thing of one row and the highest of the next
LAYER_GAP = 0.9  # from one layer's ports to the next layer's nodes: room for the edges to turn
STUB_PAD = 0.15  # between a node and its boxes, and between the boxes and the port
NODE_H = 0.75
CHAR_W = 0.19  # a character of a node's label at \small, roughly
MARGIN = 0.1

Shape = Literal["text", "circle", "rect"]
Point = tuple[float, float]


@dataclass(frozen=True)
class PlacedNode:
    """A node at (cx, cy), w by h; shape "text" for a leaf (its name alone), "circle" or "rect" for an op.
    Its output stub runs from the node's right side to port_x at height cy."""

    name: str
    shape: Shape
    cx: float
    cy: float
    w: float
    h: float
    port_x: float
    fan_out: int

    @property
    def east(self) -> float:
        return self.cx + self.w / 2

    @property
    def name_at(self) -> Point:
        """The bottom-left corner of an operation's name: above the node's right half, where no edge comes in
        (edges enter on the left) and short of the value box (which starts STUB_PAD right of the node)."""
        return (self.cx + 0.04, self.cy - self.h / 2 - 0.02)


@dataclass(frozen=True)
class Box:
    """An answer box on a stub: kind "value" (above, the node's forward value) or "gradient" (below);
    part is the label of the part it answers. (x, y) is the top-left corner."""

    kind: Literal["value", "gradient"]
    part: str
    node: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Given:
    """A number printed on a stub rather than asked: a leaf's value above, the output's upstream gradient
    (1) below. (x, y) is the centre of the text."""

    kind: Literal["value", "gradient"]
    node: str
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    """A segment from start to end; arrow: an arrowhead at end (every edge into a node, the output's stub)."""

    source: str
    target: str
    start: Point
    end: Point
    arrow: bool


@dataclass(frozen=True)
class Layout:
    nodes: list[PlacedNode]
    stubs: list[Edge]
    edges: list[Edge]
    boxes: list[Box]
    givens: list[Given]
    width: float
    height: float

    def node(self, name: str) -> PlacedNode:
        return next(n for n in self.nodes if n.name == name)


def text_width(text: str) -> float:
    """An estimate of a label's width at \\small, spaces narrow: enough to size nodes without measuring."""
    return sum(CHAR_W * (0.5 if ch == " " else 1.0) for ch in text)


def _shape(node: GraphNode) -> tuple[Shape, float, float]:
    if node.op == "input":
        return "text", max(0.6, text_width(node.label) + 0.2), 0.5
    if len(node.label) <= 1:
        return "circle", NODE_H, NODE_H
    return "rect", max(NODE_H, text_width(node.label) + 0.3), NODE_H - 0.1


def _layers(graph: Graph) -> dict[str, int]:
    """Each node's layer: an operation one past its deepest input, a leaf one before its first consumer."""
    depth: dict[str, int] = {}
    for node in graph.nodes:
        depth[node.name] = 0 if node.op == "input" else 1 + max((depth.get(i, 0) for i in node.inputs), default=0)
    for node in graph.nodes:
        if node.op == "input":
            users = [depth[n.name] for n in graph.nodes if node.name in n.inputs]
            depth[node.name] = max(min(users) - 1, 0) if users else 0
    used = sorted(set(depth.values()))
    return {name: used.index(d) for name, d in depth.items()}


def _extent(node: GraphNode, h: float, output: bool) -> tuple[float, float]:
    """How far a row reaches above and below its stub."""
    up = h / 2 + (NAME_H if node.op != "input" else 0.0)
    if node.value_part:
        up = max(up, BOX_GAP + BOX_H)
    elif node.op == "input":
        up = max(up, BOX_GAP + GIVEN_H)
    down = h / 2
    if node.gradient_part:
        down = max(down, BOX_GAP + BOX_H)
    elif output:
        down = max(down, BOX_GAP + GIVEN_H)
    return up, down


def _place(order: list[str], desired: dict[str, float], ext: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Rows top to bottom in the given order, each as near its desired height as the rows above allow,
    then the column shifted so that on average it sits where it was wanted."""
    ys: dict[str, float] = {}
    prev: str | None = None
    for name in order:
        y = desired[name]
        if prev is not None:
            y = max(y, ys[prev] + ext[prev][1] + ROW_GAP + ext[name][0])
        ys[name] = y
        prev = name
    shift = sum(desired[n] - ys[n] for n in order) / len(order)
    return {n: y + shift for n, y in ys.items()}


def layout(graph: Graph) -> Layout:
    """Place the graph's nodes, stubs, edges, boxes and printed numbers."""
    by_name = {n.name: n for n in graph.nodes}
    layer = _layers(graph)
    ncols = max(layer.values()) + 1
    shapes = {n.name: _shape(n) for n in graph.nodes}
    ext = {n.name: _extent(n, shapes[n.name][2], n.name == graph.output) for n in graph.nodes}
    users: dict[str, list[tuple[str, int]]] = {n.name: [] for n in graph.nodes}
    for node in graph.nodes:
        for slot, name in enumerate(node.inputs):
            users[name].append((node.name, slot))
    columns = [[n.name for n in graph.nodes if layer[n.name] == c] for c in range(ncols)]

    # Right to left: order each layer by where its consumers stand (and by which input it is to them).
    y: dict[str, float] = {}
    for c in reversed(range(ncols)):
        desired: dict[str, float] = {}
        for name in columns[c]:
            spots = [
                y.get(u, 0.0) + (slot - (len(by_name[u].inputs) - 1) / 2) * 0.01 for u, slot in users[name] if u in y
            ]
            desired[name] = sum(spots) / len(spots) if spots else 0.0
        first = {n: i for i, n in enumerate(columns[c])}
        columns[c].sort(key=lambda n: (desired[n], first[n]))
        y.update(_place(columns[c], desired, ext))
    # Left to right: each operation centred on its inputs, leaves staying put (twice: it settles).
    for _ in range(2):
        for c in range(ncols):
            desired = {}
            for name in columns[c]:
                inputs = by_name[name].inputs
                desired[name] = sum(y[i] for i in inputs) / len(inputs) if inputs else y[name]
            y.update(_place(columns[c], desired, ext))

    # Columns: the node zone (as wide as the widest node), then the stub with the boxes, then the gap.
    x0 = MARGIN
    centre: dict[str, float] = {}
    port: dict[str, float] = {}
    for c in range(ncols):
        zone = max(shapes[n][1] for n in columns[c])
        for name in columns[c]:
            centre[name] = x0 + zone / 2
            port[name] = x0 + zone + STUB_PAD + BOX_W + STUB_PAD
        x0 += zone + 2 * STUB_PAD + BOX_W + LAYER_GAP
    top = min(y[n] - ext[n][0] for n in y) - MARGIN
    placed = [
        PlacedNode(
            name=n.name,
            shape=shapes[n.name][0],
            cx=centre[n.name],
            cy=y[n.name] - top,
            w=shapes[n.name][1],
            h=shapes[n.name][2],
            port_x=port[n.name],
            fan_out=len(users[n.name]),
        )
        for n in graph.nodes
    ]
    at = {p.name: p for p in placed}
    stubs, boxes, givens = [], [], []
    for node in graph.nodes:
        p = at[node.name]
        stubs.append(Edge(node.name, node.name, (p.east, p.cy), (p.port_x, p.cy), node.name == graph.output))
        bx = p.port_x - STUB_PAD - BOX_W
        mid = bx + BOX_W / 2
        if node.value_part:
            boxes.append(Box("value", node.value_part, node.name, bx, p.cy - BOX_GAP - BOX_H, BOX_W, BOX_H))
        elif node.op == "input":
            givens.append(Given("value", node.name, mid, p.cy - BOX_GAP - GIVEN_H / 2))
        if node.gradient_part:
            boxes.append(Box("gradient", node.gradient_part, node.name, bx, p.cy + BOX_GAP, BOX_W, BOX_H))
        elif node.name == graph.output:
            givens.append(Given("gradient", node.name, mid, p.cy + BOX_GAP + GIVEN_H / 2))
    edges = [
        Edge(name, node.name, (at[name].port_x, at[name].cy), _entry(at[node.name], slot, len(node.inputs)), True)
        for node in graph.nodes
        for slot, name in enumerate(node.inputs)
    ]
    width = x0 - LAYER_GAP + MARGIN
    height = max(y[n] + ext[n][1] for n in y) - top + MARGIN
    return Layout(placed, stubs, edges, boxes, givens, round(width, 3), round(height, 3))


def _entry(node: PlacedNode, slot: int, count: int) -> Point:
    """Where the slot-th of count edges meets the node's left side: spread over the middle of the side."""
    spread = node.h * 0.6
    dy = 0.0 if count == 1 else (slot / (count - 1) - 0.5) * spread
    if node.shape == "circle":
        r = node.w / 2
        return (node.cx - math.sqrt(max(r * r - dy * dy, 0.0)), node.cy + dy)
    return (node.cx - node.w / 2, node.cy + dy)
