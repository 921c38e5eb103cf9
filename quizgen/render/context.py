"""What the LaTeX templates receive: the manifest turned into plain values, math laid out, text left raw.

Text fields (names, ids, titles) stay raw strings: the Environment escapes every \\VAR that is not Tex.
Math fields are Tex, checked and laid out by quizgen.typeset.latexmath. The shapes are documented in the
README (template variables) and are a contract for teachers' --template folders: add, do not rename.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import Any

import sympy

from quizgen import formfields
from quizgen.manifest import Manifest
from quizgen.mathparse import AnswerSyntaxError, parse_key, symbol
from quizgen.problem import Part, Problem, Sheet
from quizgen.render.environment import Tex
from quizgen.typeset.escape import needs_cjk, print_name, tex_escape, tex_paragraphs
from quizgen.typeset.graph_layout import layout
from quizgen.typeset.graph_tikz import graph_legend, graph_tikz
from quizgen.typeset.latexmath import (
    INLINE_MAX_CHARS,
    MATH_LINE_CHARS,
    check_latex,
    differentiated_name,
    display_math,
    indicator_notation,
    partial_labels,
    product_factors,
    prompt_segments,
    split_leading_text,
    sum_terms,
    vector_components,
    visible_width,
)
from quizgen.typeset.printing import tex_ln


@dataclass(frozen=True)
class StepContext:
    text: Tex  # the sentence (LaTeX text mode)
    math: Tex  # the formula, "" when the step is only a sentence
    inline: bool  # short enough to follow the sentence on its line (else displayed)


@dataclass(frozen=True)
class GraphContext:
    """A problem's computational graph as TikZ: blank boxes for the worksheet, filled in for the key, each
    with the legend line that goes under it (quizgen.typeset.graph_tikz)."""

    worksheet: Tex
    key: Tex
    worksheet_legend: Tex
    key_legend: Tex


@dataclass(frozen=True)
class ProblemContext:
    number: int
    slot: int
    family: str
    difficulty: int
    points: float
    ask: str
    prompt: Tex
    prompt_text: str
    function: Tex
    answer: Tex
    answer_inline: bool  # short enough to follow "Answer:" on its line
    answer_text: str
    label: Tex  # what is asked, e.g. \frac{\partial f}{\partial x} ("" if unknown)
    box_height: str  # scalar answers: the answer box's height
    box_rows: list[Tex]  # gradient answers: one labelled line per component
    row_height: str
    steps: list[StepContext]
    answer_parts: list[Tex] = dataclass_field(default_factory=list)  # marking key: the answer, a gradient per component
    working: str = "0cm"  # worksheets: blank room for working above the answer box ("0cm": none)
    field: str = ""  # fillable worksheets: the answer box's form field name (quizgen.formfields)
    row_fields: list[str] = dataclass_field(default_factory=list)  # gradient: one field per component row
    graph: GraphContext | None = None  # a multi-part problem's computational graph (backprop), else None
    marking_cell: str = ""  # Tex; marking key: the answer as terms that wrap in the cell (\\qgfit each)
    marking_widths: tuple[int, int] = (0, 0)  # marking key: the cell's width in all and its widest piece's


@dataclass(frozen=True)
class StudentContext:
    index: int
    student_id: str
    name: str
    variant: str
    extra: dict[str, str]
    total_points: float
    problems: list[ProblemContext]
    form_meta_field: str = ""  # fillable worksheets: the hidden field naming student, variant and run
    form_meta: str = ""


@dataclass(frozen=True)
class DocumentContext:
    kind: str  # "worksheets" | "key" | "feedback"
    title: str
    course: str
    instructions: str
    cjk: bool
    double_sided: bool
    quizgen_version: str
    seed: int
    fillable: bool = False  # answer boxes are PDF form fields (`generate --fillable`)
    graphs: bool = False  # some problem draws a computational graph: the preamble loads TikZ
    marking_columns: int = 0  # marking key: problems per sheet (its table's columns)
    marking_permille: list[int] = dataclass_field(default_factory=list)  # each column's share of the width
    continued: bool = False  # a part of a large class that more students follow (quizgen.render.parts)


def _where(sheet: Sheet, problem: Problem | None, field_name: str) -> str:
    where = f"student {sheet.student_id!r}"
    if problem is not None:
        where += f" problem {problem.slot}"
    return f"{where} ({field_name})"


def _prompt_tex(problem: Problem) -> Tex:
    parts = []
    for seg in prompt_segments(indicator_notation(problem.prompt_latex)):
        if seg.kind == "text":
            parts.append(seg.latex)
        elif seg.display:
            parts.append(r"\qgdisplay{" + display_math(seg.latex) + "}\n")
        else:
            # "f(v) = ...,\quad g(u) = ..." as separate formulas, so the line may break between them.
            parts.append("$" + re.sub(r",\\quad\s*", "$, $", seg.latex) + "$")
    return Tex("".join(parts).strip())


def _value_tex(value: int | str) -> str:
    """A point coordinate from the manifest (an int or "p/q") in LaTeX."""
    text = str(value).strip()
    sign = "-" if text.startswith("-") else ""
    num, _, den = text.lstrip("-").partition("/")
    if not num.isdigit() or (den and not den.isdigit()):
        return _exact_value_tex(text)
    return f"{sign}\\frac{{{num}}}{{{den}}}" if den else f"{sign}{num}"


@lru_cache(maxsize=1024)
def _exact_value_tex(text: str) -> str:
    """A coordinate that is no fraction ("-8 + log(3)", a neuron's bias) as math: -8 + ln 3. Read with the
    safe key parser (never sympify); what it cannot read is printed as escaped text."""
    try:
        return tex_ln(parse_key(text, ()).value)
    except AnswerSyntaxError:
        return r"\text{" + tex_escape(text) + "}"


POINT_PER_LINE = 3
"""The evaluation bar of a value question lists this many coordinates a line (more wrap below)."""


@lru_cache(maxsize=4096)
def _name_tex(name: str) -> str:
    """A variable's name in LaTeX (x_1 -> x_{1}), as sympy prints it; a class has few names."""
    return sympy.latex(symbol(name))


def _labels(problem: Problem) -> list[str]:
    """What the answer lines are labelled with; a value at a point shows the point: df/dx|_{x = 1}."""
    labels = partial_labels(problem.prompt_latex)
    if problem.ask == "value" and problem.point and labels:
        pairs = [f"{_name_tex(name)} = {_value_tex(value)}" for name, value in problem.point.items()]
        # A long point (six variables) wraps under the bar, three to a line, instead of shrinking the line.
        rows = [", ".join(pairs[i : i + POINT_PER_LINE]) for i in range(0, len(pairs), POINT_PER_LINE)]
        at = rows[0] if len(rows) == 1 else r"\substack{" + r", \\ ".join(rows) + "}"
        labels[-1] = rf"\left.{labels[-1]}\right|_{{{at}}}"
    return labels


def _answer_tex(problem: Problem) -> Tex:
    """The key's answer as display math: a gradient as a column vector (pmatrix), labelled when possible."""
    labels = _labels(problem)
    answer_latex = indicator_notation(problem.answer_latex)
    if problem.ask == "gradient":
        parts = vector_components(answer_latex)
        if parts:
            name = differentiated_name(labels[0]) if labels else "f"
            return Tex(rf"\nabla {name} = \begin{{pmatrix}}" + r" \\ ".join(parts) + r"\end{pmatrix}")
        return Tex(display_math(answer_latex))
    if labels:
        return Tex(display_math(labels[-1] + " = " + answer_latex))
    return Tex(display_math(answer_latex))


def _part_label(part: Part) -> Tex:
    """A part's answer line label: its letter, then what it asks (the last $math$ of its prompt)."""
    maths = re.findall(r"\$([^$]*)\$", part.prompt_latex)
    what = maths[-1] if maths else tex_escape(part.of)
    return Tex(rf"\text{{({tex_escape(part.label)})}}\; {what}")


GRAPH_KEY_COLUMNS = 3
"""A graph problem's key lists its parts this many to a line (the diagram beside it holds them too)."""


def _parts_answer_tex(problem: Problem) -> Tex:
    """The key's answers of a multi-part problem, one aligned line per part (three to a line for a graph
    problem, whose diagram in the key shows every answer again)."""
    cells = [rf"{_part_label(p)} &= {p.answer_latex}" for p in problem.parts]
    per_line = GRAPH_KEY_COLUMNS if problem.graph is not None else 1
    lines = [r" & \qquad ".join(cells[i : i + per_line]) for i in range(0, len(cells), per_line)]
    return Tex(r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}")


def _answer_parts(problem: Problem) -> list[Tex]:
    """The key answer alone as inline math, a gradient's components one by one: a marking-key cell."""
    answer_latex = indicator_notation(problem.answer_latex)
    parts = vector_components(answer_latex) if problem.ask == "gradient" else None
    return [Tex(p) for p in parts] if parts else [Tex(answer_latex)]


def _marking_pieces(component: str) -> list[str]:
    """A formula's unbreakable pieces for a marking-key cell: its terms, and a product's factors."""
    pieces = []
    for j, term in enumerate(sum_terms(component) or [component]):
        pieces += product_factors(("{}" if j else "") + term)
    return pieces


def _marking_width(latex: str) -> int:
    """visible_width plus one character for the space TeX puts around each operator and relation."""
    return visible_width(latex) + len(re.findall(r"[-+<>=]|\\cdot|\\[lg]eq?\b", latex))


def _marking(problem: Problem) -> tuple[Tex, tuple[int, int]]:
    """The problem's marking-key cell (_marking_cell) and its widths (_marking_widths), from one split of its
    answer into pieces: a problem is laid out once, its widths read for every student who drew it."""
    components = [(component, _marking_pieces(component)) for component in _answer_parts(problem)]
    return _marking_cell(components), _marking_widths(components)


def _marking_widths(components: list[tuple[Tex, list[str]]]) -> tuple[int, int]:
    """(the width of the whole answer, of its widest piece) in characters, for the marking key's columns."""
    total = sum(_marking_width(component) + 2 for component, _ in components)
    return total, max(_marking_width(piece) for _, pieces in components for piece in pieces)


def _marking_cell(components: list[tuple[Tex, list[str]]]) -> Tex:
    """The key answer for a marking-key cell: each term of a sum and each factor of a product in its own
    box, so a long answer wraps between them instead of shrinking; a gradient's components in parentheses,
    comma separated. A single piece wider than the column is shrunk to fit (\\qgfit, marking-key.tex.j2).
    components: the answer's parts (_answer_parts), each with its pieces (_marking_pieces)."""
    boxes: list[str] = []
    for k, (_, split) in enumerate(components):
        pieces = list(split)
        if len(components) > 1:
            pieces[0] = ("(" if k == 0 else "") + pieces[0]
            pieces[-1] += ")" if k == len(components) - 1 else ","
        boxes += [r"\qgfit{$" + piece + "$}" for piece in pieces]
        if k < len(components) - 1:
            boxes.append(r"\hspace{0.4em plus 0.2em}")
    return Tex(r"\allowbreak{}".join(boxes))


def _answer_plain(problem: Problem) -> str:
    if problem.parts:
        return "; ".join(f"({p.label}) {p.answer}" for p in problem.parts)
    if isinstance(problem.answer, list):
        return "(" + ", ".join(problem.answer) + ")"
    return problem.answer


def _box_height(problem: Problem) -> str:
    """Room for the answer: a value needs a line, an expression more as the key grows (a rough guide)."""
    if problem.ask == "value":
        # the evaluation bar wraps three coordinates a line (_labels): a neuron's ten need room below it
        bar_lines = -(-len(problem.point or {}) // POINT_PER_LINE)
        return f"{1.4 + 0.35 * max(0, bar_lines - 2):.1f}cm"
    width = visible_width(indicator_notation(problem.answer_latex))
    lines = 1 + width // (MATH_LINE_CHARS // 2)
    return f"{min(1.0 + 0.8 * lines, 5.0):.1f}cm"


WORKING_BY_DIFFICULTY = {1: 2.4, 2: 3.6, 3: 4.8}
"""Centimetres of room for working by difficulty, when the bank's slot does not say (`working:`): four to
seven lines of handwriting at 7 mm a line. Four fifths of the 3, 4.5 and 6 cm of earlier versions, which
left each page a third empty (problems do not break across pages) and printed the demo bank on 5 pages
and a blank; now 4 pages, two double-sided sheets (docs/pdfs.md)."""
WORKING_LONG_FAMILIES = frozenset({"chain_multi", "neuron", "product_rule", "backprop"})
"""Families whose working runs over several lines (layers, products, a network): LONG_WORKING cm more."""
LONG_WORKING = 1.2
"""Centimetres more for a family in WORKING_LONG_FAMILIES."""
ASK_WORKING = 0.8
"""Centimetres more for a gradient (a line a component) or a value (the substitution comes on top)."""


def default_working(family: str, difficulty: int, ask: str) -> float:
    """Room for working a teacher would leave: more for harder levels, long families, gradients (a line a
    component) and values (the substitution comes on top)."""
    cm = WORKING_BY_DIFFICULTY.get(difficulty, WORKING_BY_DIFFICULTY[3 if difficulty > 3 else 1])
    if family in WORKING_LONG_FAMILIES:
        cm += LONG_WORKING
    if ask in ("gradient", "value"):
        cm += ASK_WORKING
    return cm


def working_space(problem: Problem) -> str:
    """The room for working as a LaTeX length: the bank's slot value, else the default for its kind."""
    cm = (
        problem.working
        if problem.working is not None
        else default_working(problem.family, problem.difficulty, problem.ask)
    )
    return f"{cm:.1f}cm"


GRAPH_WORKING = "2.0cm"
"""Room for working under a computational graph when the bank does not say: the diagram is the working."""

STEP_INLINE_CHARS = 48
"""A worked step whose sentence and formula together are about this wide stays on one line."""


def _steps(problem: Problem) -> list[StepContext]:
    return [_step(step.latex, step.text) for step in problem.steps]


@lru_cache(maxsize=1 << 15)
def _step(latex: str, text: str) -> StepContext:
    """One worked step laid out; the same step recurs across a class's problems (held-constant sentences,
    chain-rule steps), and a StepContext is frozen, so each distinct step is laid out once."""
    sentence, math = split_leading_text(indicator_notation(latex))
    math = math.removeprefix(r"\quad").strip()
    shown = Tex(sentence) if sentence else Tex(tex_escape(text) if not math else "")
    # A short step reads as one line, "Sum rule: df/dx = ...", which also keeps the key short.
    inline = bool(math) and visible_width(math) + len(sentence) * 2 // 3 <= STEP_INLINE_CHARS
    return StepContext(text=shown, math=Tex(math if inline else display_math(math)), inline=inline)


def problem_context(sheet: Sheet, problem: Problem, number: int) -> ProblemContext:
    """One problem for the templates; refuses LaTeX fields that could break or abuse the document."""
    check_latex(problem.prompt_latex, _where(sheet, problem, "prompt_latex"))
    check_latex(problem.function_latex, _where(sheet, problem, "function_latex"))
    check_latex(problem.answer_latex, _where(sheet, problem, "answer_latex"))
    for i, step in enumerate(problem.steps, 1):
        check_latex(step.latex, _where(sheet, problem, f"step {i}"))
    for part in problem.parts:
        for field_name, text in (("prompt_latex", part.prompt_latex), ("answer_latex", part.answer_latex)):
            check_latex(text, _where(sheet, problem, f"part {part.label} {field_name}"))
    if problem.graph is not None:
        for node in problem.graph.nodes:
            for field_name in ("label_latex", "name_latex", "value_latex"):
                check_latex(getattr(node, field_name), _where(sheet, problem, f"graph node {node.name} {field_name}"))
    labels = _labels(problem)
    rows: list[Tex] = []
    if problem.parts:
        rows = [_part_label(part) for part in problem.parts]
    elif problem.ask == "gradient":
        if len(labels) >= len(problem.wrt):
            rows = [Tex(label) for label in labels[-len(problem.wrt) :]]
        else:
            rows = [Tex(rf"\frac{{\partial f}}{{\partial {tex_escape(w)}}}") for w in problem.wrt]
    answer = _parts_answer_tex(problem) if problem.parts else _answer_tex(problem)
    components = vector_components(indicator_notation(problem.answer_latex)) or [""]
    widest = max(visible_width(c) for c in components)
    marking_cell, marking_widths = _marking(problem)
    return ProblemContext(
        number=number,
        slot=problem.slot,
        family=problem.family,
        difficulty=problem.difficulty,
        points=problem.points,
        ask=problem.ask,
        prompt=_prompt_tex(problem),
        prompt_text=problem.prompt_text,
        function=Tex(display_math(indicator_notation(problem.function_latex))),
        answer=answer,
        answer_inline="aligned" not in answer and visible_width(answer) <= INLINE_MAX_CHARS,
        answer_text=_answer_plain(problem),
        label=Tex(labels[-1] if labels and problem.ask != "gradient" and not problem.parts else ""),
        box_height=_box_height(problem),
        box_rows=rows,
        row_height="1.3cm" if widest <= MATH_LINE_CHARS // 2 else "2.0cm",
        steps=_steps(problem),
        answer_parts=_answer_parts(problem),
        marking_cell=marking_cell,
        marking_widths=marking_widths,
        working=working_space(problem) if problem.graph is None or problem.working is not None else GRAPH_WORKING,
        graph=_graph(problem),
        **_field_names(sheet, problem),
    )


def _graph(problem: Problem) -> GraphContext | None:
    """The problem's graph drawn twice from one layout: empty boxes, and the key's answers in them."""
    if problem.graph is None:
        return None
    placed = layout(problem.graph)
    answers = {p.label: p.answer_latex for p in problem.parts}
    return GraphContext(
        worksheet=Tex(graph_tikz(problem.graph, answers, "worksheet", placed=placed)),
        key=Tex(graph_tikz(problem.graph, answers, "key", placed=placed)),
        worksheet_legend=Tex(graph_legend(problem.graph, "worksheet")),
        key_legend=Tex(graph_legend(problem.graph, "key")),
    )


def _field_names(sheet: Sheet, problem: Problem) -> dict[str, Any]:
    """The parts of a ProblemContext that depend on the student, not on the problem: its form field names."""
    # Field names and values are [A-Za-z0-9;+-] only (quizgen.formfields): Tex, so "-" stays "-".
    return {
        "field": Tex(formfields.answer_field(sheet.student_id, problem.slot)),
        "row_fields": [Tex(name) for name in formfields.row_fields(sheet.student_id, problem)],
    }


Layouts = dict[int | str, "ProblemContext"]
"""Problem layouts of one document set: by id() of a Problem object (a manifest straight from generate
shares one object between the students who drew it) and by the problem's repr (any manifest)."""


def _cached_problem_context(sheet: Sheet, problem: Problem, number: int, layouts: Layouts | None) -> ProblemContext:
    """problem_context, laid out once per distinct problem: a class repeats its variants' problems, and the
    layout (checks, line breaking, widths) is a pure function of the problem. The key is the problem's
    repr, so every field (present and future) is part of it; only the number and field names are the
    student's own."""
    if layouts is None:
        return problem_context(sheet, problem, number)
    cached = layouts.get(id(problem))
    if cached is None:
        key = repr(problem)
        cached = layouts.get(key)
        if cached is None:
            cached = layouts[key] = problem_context(sheet, problem, number)
        layouts[id(problem)] = cached
    return replace(cached, number=number, **_field_names(sheet, problem))


def student_context(
    sheet: Sheet, index: int, form_set: str = "", layouts: Layouts | None = None, *, unicode_fonts: bool
) -> StudentContext:
    """One student for the templates; form_set (quizgen.formfields.set_id) fills the hidden form field.
    unicode_fonts: whether names in scripts pdflatex lacks print from LuaLaTeX's names.pdf, which decides
    where a long name is cut (escape.print_name).

    layouts: a dict shared by the students of one document set, so each distinct problem is laid out once.
    """
    problems = [_cached_problem_context(sheet, p, n, layouts) for n, p in enumerate(sheet.problems, 1)]
    return StudentContext(
        index=index,
        student_id=sheet.student_id,
        name=print_name(sheet.name, unicode_fonts=unicode_fonts),
        variant=sheet.variant,
        extra=dict(sheet.extra),
        total_points=sum(p.points for p in sheet.problems),
        problems=problems,
        form_meta_field=Tex(formfields.meta_field(sheet.student_id)),
        form_meta=Tex(formfields.meta_value(sheet, form_set)),
    )


def uses_cjk(manifest: Manifest, more: list[str] | None = None) -> bool:
    """Whether any printed text needs CJKutf8 (loaded only then: it slows every compile a little)."""
    texts = [manifest.bank.title, manifest.bank.course, *tex_paragraphs(manifest.bank.instructions)]
    for sheet in manifest.students:
        texts += [sheet.name, sheet.student_id, sheet.variant, *sheet.extra.values()]
    texts += more or []
    return needs_cjk(tex_escape(t) for t in texts)


def document_context(
    manifest: Manifest,
    kind: str,
    *,
    cjk: bool,
    double_sided: bool,
    fillable: bool = False,
    students: Sequence[StudentContext] | None = None,
) -> DocumentContext:
    """What a document's template receives besides its students. students: the manifest's students' contexts
    when built already (the marking key reads its column widths from their problems' marking_widths)."""
    return DocumentContext(
        kind=kind,
        title=manifest.bank.title,
        course=manifest.bank.course,
        instructions=manifest.bank.instructions,
        cjk=cjk,
        double_sided=double_sided,
        quizgen_version=manifest.quizgen_version,
        seed=manifest.seed,
        fillable=fillable,
        graphs=kind in ("worksheets", "key")
        and any(p.graph is not None for sheet in manifest.students for p in sheet.problems),
        marking_columns=max((len(sheet.problems) for sheet in manifest.students), default=0),
        marking_permille=_marking_permille(manifest, students) if kind == "marking-key" else [],
    )


MARKING_LINES = 2
"""A marking-key cell is sized for its column's answers to fit in this many lines (nine in ten of them)."""


def _marking_permille(manifest: Manifest, students: Sequence[StudentContext] | None = None) -> list[int]:
    """Marking-key column widths in thousandths of the table: each column as wide as nine in ten of its
    answers need to fit in MARKING_LINES lines (wrapping between terms), and at least as wide as their
    widest single term, within 4 to 60 characters, so one outlier does not take the page. The widths are
    the students' contexts' when given (each distinct problem measured once), else measured here."""
    if students is not None:
        widths = [[p.marking_widths for p in student.problems] for student in students]
    else:
        widths = [
            [_marking_widths([(c, _marking_pieces(c)) for c in _answer_parts(p)]) for p in sheet.problems]
            for sheet in manifest.students
        ]
    columns = max((len(row) for row in widths), default=0)
    totals: list[list[int]] = [[] for _ in range(columns)]
    terms: list[list[int]] = [[] for _ in range(columns)]
    for row in widths:
        for n, (whole_width, widest_piece) in enumerate(row):
            totals[n].append(whole_width)
            terms[n].append(widest_piece)
    weights = []
    for total, term in zip(totals, terms):
        weight = max(_ninth_decile(total) // MARKING_LINES + 1, _ninth_decile(term), 4)
        weights.append(min(weight, 60))
    whole = sum(weights) or 1
    return [1000 * w // whole for w in weights]


def _ninth_decile(values: list[int]) -> int:
    ranked = sorted(values)
    return ranked[(len(ranked) * 9) // 10 - (1 if len(ranked) % 10 == 0 else 0)] if ranked else 0
