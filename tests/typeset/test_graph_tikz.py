"""The graph as TikZ: one lettered box per part, empty on the worksheet and filled in (two colours) in the
key, text escaped, and a real compile with plain pdflatex whose text says what a reader sees."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from quizgen import __version__
from quizgen.errors import LatexError
from quizgen.manifest import BankInfo, Manifest
from quizgen.problem import Graph, GraphNode, Problem, Sheet
from quizgen.render import write_documents
from quizgen.render.context import problem_context
from quizgen.typeset.graph_tikz import FORWARD, GRADIENT, graph_legend, graph_tikz

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py)

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
BOX = re.compile(r"\\draw\[(black|blue!75!black|red!75!black),fill=white\] \(([\d.]+),([\d.]+)\) rectangle")
LETTER = re.compile(r"\\node\[anchor=north west[^]]*\] at \([\d.]+,[\d.]+\) \{([^}]*)\};")


def _answers(p: Problem) -> dict[str, str]:
    return {part.label: part.answer_latex for part in p.parts}


def test_the_worksheet_has_one_empty_lettered_box_per_part(graphs: dict[str, Problem]) -> None:
    for shape, p in graphs.items():
        assert p.graph is not None
        tikz = graph_tikz(p.graph, _answers(p), "worksheet")
        assert tikz.startswith(r"\begin{tikzpicture}") and tikz.endswith(r"\end{tikzpicture}")
        assert [m.group(1) for m in BOX.finditer(tikz)] == ["black"] * len(p.parts), shape
        assert sorted(LETTER.findall(tikz)) == sorted(part.label for part in p.parts), shape
        assert FORWARD not in tikz and GRADIENT not in tikz  # nothing filled in, nothing coloured
        assert r"\qgfitto{1.3cm}" not in tikz


def test_the_key_fills_every_box_forward_in_blue_and_gradients_in_red(graphs: dict[str, Problem]) -> None:
    p = graphs["d3-hidden2"]
    assert p.graph is not None
    tikz = graph_tikz(p.graph, _answers(p), "key")
    frames = [m.group(1) for m in BOX.finditer(tikz)]
    kinds = [part.kind for part in p.parts]
    assert sorted(frames) == sorted(FORWARD if k == "value" else GRADIENT for k in kinds)
    for part in p.parts:
        colour = FORWARD if part.kind == "value" else GRADIENT
        assert f"[text={colour}] at" in tikz
        assert f"{{${part.answer_latex}$}}" in tikz, part.label
    assert "Blue, above" in graph_legend(p.graph, "key") and "Red, below" in graph_legend(p.graph, "key")
    assert r"\partial L/" in graph_legend(p.graph, "worksheet")


def test_part_labels_are_escaped() -> None:
    leaf = GraphNode(name="x", op="input", label="x", label_latex="x", name_latex="x", value="2", value_latex="2")
    node = GraphNode(
        name="y", op="mul", label="×", label_latex=r"\times", name_latex="y", inputs=["x", "x"], value_part="a_&#"
    )
    tikz = graph_tikz(Graph([leaf, node], "y"), {"a_&#": "4"}, "key")
    assert r"{a\_\&\#}" in tikz and "a_&#" not in tikz


def _sheet(problems: list[Problem]) -> Sheet:
    return Sheet("s1", "Zoë O'Brien & Co_1", "V1", problems)


def test_latex_in_the_graph_is_checked_before_it_is_typeset(graphs: dict[str, Problem]) -> None:
    p = graphs["d1-linear"]
    assert p.graph is not None
    bad = replace(p.graph.nodes[0], label_latex=r"\input{/etc/passwd}")
    hostile = replace(p, graph=Graph([bad, *p.graph.nodes[1:]], p.graph.output))
    with pytest.raises(LatexError, match="graph node"):
        problem_context(_sheet([hostile]), hostile, 1)


@pytest.fixture(scope="module")
def compiled(graphs: dict[str, Problem], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One student with a neuron, a neuron with a loss and a two-layer net, typeset by plain pdflatex."""
    chosen = [graphs["d1-relu"], graphs["d2-sigmoid"], graphs["d3-hidden3"]]
    problems = [replace(p, slot=i) for i, p in enumerate(chosen, 1)]
    manifest = Manifest(__version__, BankInfo("Graphs", "", "", "graphs.yaml"), "0" * 64, 1, [_sheet(problems)])
    out = tmp_path_factory.mktemp("graphs")
    write_documents(manifest, out, fmt="pdf", quiet=True)
    return out


def _text(path: Path) -> str:
    """The PDF's text without whitespace (pdftotext breaks lines and spaces math as it likes)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", out.stdout)


@needs_tex
def test_worksheets_and_key_compile_with_the_diagrams(compiled: Path, graphs: dict[str, Problem]) -> None:
    sheet = _text(compiled / "worksheets.pdf")
    key = _text(compiled / "key.pdf")
    assert sheet.count("Aboveeachnode") == 3
    assert key.count("Blue,above") == 3 and key.count("Red,below") == 3
    # the node symbols are drawn: one ReLU in the neuron, three in the net (the prompts write max(0, z))
    relus = sum(1 for p in graphs.values() for n in (p.graph.nodes if p.graph else []) if n.op == "relu")
    assert relus >= 4 and sheet.count("ReLU") == 4 and key.count("ReLU") == 4
    assert sheet.count("σ") == 3  # the sigmoid node, besides the prompt's a = σ(z) and its given σ value
    assert "Solution." in key


@needs_tex
def test_the_tex_loads_tikz_only_when_a_problem_draws_a_graph(compiled: Path) -> None:
    assert r"\usepackage{tikz}" in (compiled / "worksheets.tex").read_text(encoding="utf-8")
    assert r"\usepackage{tikz}" not in (compiled / "marking-key.tex").read_text(encoding="utf-8")
