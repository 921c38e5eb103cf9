"""A computational graph as inline SVG for feedback pages, from the same layout as the TikZ of the sheets.

Each part's box shows what the student wrote and a mark: right, carried forward (right from their own
earlier answer), wrong, for review, or not answered. The mark is a colour AND a symbol, so it never rests
on colour alone, and the picture is an image with a title and a description that read every box out, for
screen readers. No script, no external file; every piece of text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Literal

from quizgen.notation import key_text
from quizgen.problem import Graph
from quizgen.typeset.graph_layout import Layout, layout

State = Literal["right", "carried", "wrong", "unreadable", "review", "blank"]

SCALE = 50.0  # SVG px per centimetre of the layout
BOX_CHARS = 9  # characters of a typed answer that fit a box; longer ones end in …

STYLE: dict[State, tuple[str, str, str, str]] = {
    # state: (stroke, fill, symbol, words)
    "right": ("#1e7a46", "#e6f4ea", "✓", "right"),
    "carried": ("#1f5fa8", "#e7f0fb", "✓cf", "right from your earlier answer (carried forward)"),
    "wrong": ("#b03a2e", "#fbeaea", "✗", "wrong"),
    "unreadable": ("#7d3c98", "#f4ecf7", "?", "could not be read"),
    "review": ("#7d3c98", "#f4ecf7", "…", "for your teacher's review"),
    "blank": ("#5b6474", "#f3f4f6", "–", "not answered"),
}
"""How each mark looks: the colours of the box, its symbol, and the words a screen reader hears."""


@dataclass(frozen=True)
class BoxMark:
    """One part's box on a feedback diagram: its state and the answer shown in it (plain text)."""

    state: State
    shown: str


def _n(value: float) -> str:
    text = f"{value * SCALE:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _name(text: str) -> str:
    """A node's name with its trailing digits as a subscript (w11 reads w₁₁), escaped."""
    head = text.rstrip("0123456789")
    digits = text[len(head) :]
    if not head or not digits:
        return escape(text)
    return f'{escape(head)}<tspan baseline-shift="sub" font-size="75%">{escape(digits)}</tspan>'


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BOX_CHARS else text[: BOX_CHARS - 1] + "…"


def graph_svg(
    graph: Graph, marks: dict[str, BoxMark] | None, *, ident: str, title: str, placed: Layout | None = None
) -> str:
    """The SVG element. marks None draws the question: empty lettered boxes (an LMS export); otherwise each
    box shows the student's answer and its mark. ident makes its ids unique on the page (several problems,
    one page); title names the picture ("Problem 3: the computational graph")."""
    lay = placed or layout(graph)
    by_name = {n.name: n for n in graph.nodes}
    uid = "qg-" + "".join(ch if ch.isalnum() else "-" for ch in ident)
    described = []
    for b in lay.boxes:
        what = "forward value" if b.kind == "value" else "gradient"
        if marks is None:
            described.append(f"box {b.part}, {what} at {b.node}")
            continue
        mark = marks.get(b.part, BoxMark("blank", ""))
        shown = f", you wrote {mark.shown}" if mark.shown.strip() else ""
        described.append(f"box {b.part}, {what} at {b.node}{shown}: {STYLE[mark.state][3]}")
    desc = (
        f"Nodes: {', '.join(f'{n.name} ({n.label})' for n in graph.nodes)}. "
        f"Output {graph.output}. " + "; ".join(described) + "."
    )
    width, height = _n(lay.width), _n(lay.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{uid}-t {uid}-d">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(desc)}</desc>',
        f'<defs><marker id="{uid}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#3c4350"/></marker></defs>',
        '<g font-family="DejaVu Sans, Segoe UI, sans-serif" font-size="14" fill="#1d2330">',
    ]
    for e in [*lay.edges, *lay.stubs]:
        arrow = f' marker-end="url(#{uid}-arrow)"' if e.arrow else ""
        out.append(
            f'<line x1="{_n(e.start[0])}" y1="{_n(e.start[1])}" x2="{_n(e.end[0])}" y2="{_n(e.end[1])}" '
            f'stroke="#3c4350" stroke-width="1.2"{arrow}/>'
        )
    for p in lay.nodes:
        node = by_name[p.name]
        if p.fan_out > 1:
            out.append(f'<circle cx="{_n(p.port_x)}" cy="{_n(p.cy)}" r="3" fill="#3c4350"/>')
        if p.shape == "circle":
            out.append(
                f'<circle cx="{_n(p.cx)}" cy="{_n(p.cy)}" r="{_n(p.w / 2)}" fill="#fff" stroke="#1d2330" stroke-width="1.2"/>'
            )
        elif p.shape == "rect":
            out.append(
                f'<rect x="{_n(p.cx - p.w / 2)}" y="{_n(p.cy - p.h / 2)}" width="{_n(p.w)}" height="{_n(p.h)}" '
                'rx="4" fill="#fff" stroke="#1d2330" stroke-width="1.2"/>'
            )
        italic = ' font-style="italic"' if p.shape == "text" else ""
        out.append(
            f'<text x="{_n(p.cx)}" y="{_n(p.cy)}" text-anchor="middle" dominant-baseline="central"{italic}>'
            f"{_name(node.label) if p.shape == 'text' else escape(node.label)}</text>"
        )
        if p.shape != "text":
            out.append(
                f'<text x="{_n(p.name_at[0])}" y="{_n(p.name_at[1] - 0.06)}" font-size="12" '
                f'font-style="italic" paint-order="stroke" stroke="#fff" stroke-width="3">{_name(node.name)}</text>'
            )
    for g in lay.givens:
        text = key_text(by_name[g.node].value) if g.kind == "value" else "1"
        out.append(
            f'<text x="{_n(g.x)}" y="{_n(g.y)}" text-anchor="middle" dominant-baseline="central">{escape(text)}</text>'
        )
    for b in lay.boxes:
        if marks is None:
            out.append(
                f'<g class="box" data-part="{escape(b.part)}">'
                f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" fill="#fff" '
                'stroke="#1d2330" stroke-width="1.2"/>'
                f'<text x="{_n(b.x + 0.07)}" y="{_n(b.y + 0.07)}" font-size="11" font-weight="bold" '
                f'dominant-baseline="hanging">{escape(b.part)}</text></g>'
            )
            continue
        mark = marks.get(b.part, BoxMark("blank", ""))
        stroke, fill, symbol, _words = STYLE[mark.state]
        dashed = ' stroke-dasharray="4 3"' if mark.state == "blank" else ""
        out.append(
            f'<g class="mark {mark.state}" data-part="{escape(b.part)}">'
            f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{2 if mark.state != "right" else 1.5}"'
            f"{dashed}/>"
            f'<text x="{_n(b.x + 0.07)}" y="{_n(b.y + 0.07)}" font-size="11" font-weight="bold" '
            f'dominant-baseline="hanging">{escape(b.part)}</text>'
            f'<text x="{_n(b.x + b.w - 0.07)}" y="{_n(b.y + 0.07)}" font-size="12" font-weight="bold" '
            f'text-anchor="end" dominant-baseline="hanging" fill="{stroke}">{escape(symbol)}</text>'
            f'<text x="{_n(b.x + b.w / 2)}" y="{_n(b.y + b.h * 0.66)}" text-anchor="middle" '
            f'dominant-baseline="central" font-size="13">{escape(_short(mark.shown))}</text>'
            "</g>"
        )
    out.append("</g></svg>")
    return "\n".join(out)


def legend_html() -> str:
    """What the marks mean, as a line of HTML under the diagram (symbols and words, not colour alone)."""
    items = [
        f'<span class="mk mk-{state}"><b>{escape(symbol)}</b> {escape(words)}</span>'
        for state, (_s, _f, symbol, words) in STYLE.items()
    ]
    return (
        '<span class="graph-legend">Above each edge the forward value, below it the gradient; the letters are the '
        "parts. " + " ".join(items) + "</span>"
    )
