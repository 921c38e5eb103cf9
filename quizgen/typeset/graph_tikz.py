"""A computational graph as TikZ for worksheets (empty boxes to fill in) and keys (the boxes filled in).

Generated text from quizgen.typeset.graph_layout, so a batch needs no extra pdflatex run. Plain TikZ
(Debian's texlive-pictures), no libraries, no shell escape. Every piece of text is LaTeX the manifest
carries (checked by the renderer with check_latex before it gets here) or escaped here (part labels).
The key writes forward values in blue above the edges and gradients in red below, as textbooks do; the
two are told apart by position too, and a legend says which is which.
"""

from __future__ import annotations

from typing import Literal

from quizgen.problem import Graph
from quizgen.typeset.escape import tex_escape
from quizgen.typeset.graph_layout import BOX_W, Layout, layout

FORWARD = "blue!75!black"
GRADIENT = "red!75!black"
Mode = Literal["worksheet", "key"]


def _n(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pt(point: tuple[float, float]) -> str:
    return f"({_n(point[0])},{_n(point[1])})"


def graph_tikz(graph: Graph, answers: dict[str, str], mode: Mode, *, placed: Layout | None = None) -> str:
    """The tikzpicture and its legend line. answers maps part labels to their answers' LaTeX (the key's
    boxes show them; a worksheet's stay empty)."""
    lay = placed or layout(graph)
    by_name = {n.name: n for n in graph.nodes}
    out = [r"\begin{tikzpicture}[x=1cm,y=-1cm,>=stealth,line width=0.5pt,font=\small]"]
    for e in lay.edges:
        out.append(rf"\draw[->,gray!60!black] {_pt(e.start)} -- {_pt(e.end)};")
    for s in lay.stubs:
        out.append(rf"\draw{'[->]' if s.arrow else ''} {_pt(s.start)} -- {_pt(s.end)};")
    for p in lay.nodes:
        node = by_name[p.name]
        centre = _pt((p.cx, p.cy))
        if p.fan_out > 1:
            out.append(rf"\fill {_pt((p.port_x, p.cy))} circle[radius=1.6pt];")
        if p.shape == "text":
            out.append(rf"\node at {centre} {{${node.label_latex}$}};")
            continue
        if p.shape == "circle":
            out.append(rf"\draw[fill=white] {centre} circle[radius={_n(p.w / 2)}];")
        else:
            corner1, corner2 = (p.cx - p.w / 2, p.cy - p.h / 2), (p.cx + p.w / 2, p.cy + p.h / 2)
            out.append(rf"\draw[fill=white,rounded corners=3pt] {_pt(corner1)} rectangle {_pt(corner2)};")
        out.append(rf"\node at {centre} {{${node.label_latex}$}};")
        out.append(
            rf"\node[anchor=south west,font=\footnotesize,inner sep=0.5pt] at {_pt(p.name_at)} "
            rf"{{${node.name_latex}$}};"
        )
    for b in lay.boxes:
        colour = FORWARD if b.kind == "value" else GRADIENT
        frame = "black" if mode == "worksheet" else colour
        out.append(rf"\draw[{frame},fill=white] {_pt((b.x, b.y))} rectangle {_pt((b.x + b.w, b.y + b.h))};")
        out.append(
            rf"\node[anchor=north west,font=\footnotesize\bfseries,inner sep=1.5pt{',text=' + colour if mode == 'key' else ''}] "
            rf"at {_pt((b.x, b.y))} {{{tex_escape(b.part)}}};"
        )
        if mode == "key" and b.part in answers:
            width = _n(BOX_W - 0.45)
            out.append(
                rf"\node[text={colour}] at {_pt((b.x + b.w / 2 + 0.12, b.y + b.h / 2))} "
                rf"{{\qgfitto{{{width}cm}}{{${answers[b.part]}$}}}};"
            )
    for g in lay.givens:
        node = by_name[g.node]
        text = node.value_latex if g.kind == "value" else "1"
        colour = "" if mode == "worksheet" or g.kind == "value" else f"[text={GRADIENT}]"
        out.append(rf"\node{colour} at {_pt((g.x, g.y))} {{\qgfitto{{{_n(BOX_W)}cm}}{{${text}$}}}};")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)


def graph_legend(graph: Graph, mode: Mode) -> str:
    """One line under the diagram saying what goes where (LaTeX text)."""
    output = next((n.name_latex for n in graph.nodes if n.name == graph.output), "L")
    grad = rf"$\partial {output}/\partial(\text{{node}})$"
    if mode == "worksheet":
        return (
            r"Above each node's output edge: its forward value; below: the gradient "
            + grad
            + r". The letters are the parts of the answer box."
        )
    return (
        rf"{{\color{{{FORWARD}}}\textbf{{Blue, above}}: forward value}}\quad "
        rf"{{\color{{{GRADIENT}}}\textbf{{Red, below}}: gradient {grad}}}"
    )
