from __future__ import annotations

import dataclasses

import pytest

from quizgen.errors import LatexError
from quizgen.problem import Sheet
from quizgen.render.context import Layouts, problem_context, student_context

from .conftest import gradient_problem, long_problem, scalar_problem


def _sheet() -> Sheet:
    return Sheet(student_id="s9", name="N", variant="V", problems=[])


def _height(problem) -> float:
    return float(problem_context(_sheet(), problem, 1).box_height.removesuffix("cm"))


def test_answer_room_grows_with_the_expected_answer() -> None:
    value = dataclasses.replace(scalar_problem(), ask="value", point={"x": 2}, answer="7680", answer_latex="7680")
    assert _height(value) < _height(scalar_problem()) < _height(long_problem())


def test_a_gradient_gets_one_labelled_line_per_component() -> None:
    ctx = problem_context(_sheet(), gradient_problem(), 2)
    assert ctx.box_rows == [r"\frac{\partial f}{\partial x}", r"\frac{\partial f}{\partial y}"]
    assert ctx.answer.startswith(r"\nabla f = \begin{pmatrix}")
    assert ctx.answer.count(r"\qgind") == 2 and "cases" not in ctx.answer


def test_a_value_is_labelled_with_its_point() -> None:
    value = dataclasses.replace(
        scalar_problem(), ask="value", point={"x": "-1/2"}, answer="-15/32", answer_latex=r"- \frac{15}{32}"
    )
    ctx = problem_context(_sheet(), value, 1)
    assert ctx.label == r"\left.\frac{d h}{d x}\right|_{x = -\frac{1}{2}}"
    assert ctx.answer == ctx.label + r" = - \frac{15}{32}"


def test_a_coordinate_that_is_no_fraction_is_typeset_as_math_with_ln() -> None:
    """A neuron's bias "-8 + log(3)" (so that sigma(z) is exact) reads ln 3 in the bar, as in the prompt;
    text that is no number stays escaped text, never LaTeX."""
    value = dataclasses.replace(
        scalar_problem(), ask="value", point={"x": "-8 + log(3)", "y": "$\\input{x}$"}, answer="1", answer_latex="1"
    )
    label = problem_context(_sheet(), value, 1).label
    assert r"x = -8 + \ln{\left(3 \right)}" in label and "log" not in label
    assert r"y = \text{\$\textbackslash{}input\{x\}\$}" in label


def test_room_for_working_comes_from_the_bank_else_grows_with_difficulty_and_family() -> None:
    easy = dataclasses.replace(scalar_problem(), difficulty=1)
    hard = dataclasses.replace(scalar_problem(), difficulty=3)
    layered = dataclasses.replace(hard, family="chain_multi")
    widths = [float(problem_context(_sheet(), p, 1).working.removesuffix("cm")) for p in (easy, hard, layered)]
    assert widths[0] < widths[1] < widths[2]
    assert problem_context(_sheet(), dataclasses.replace(easy, working=2.5), 1).working == "2.5cm"
    assert problem_context(_sheet(), dataclasses.replace(easy, working=0.0), 1).working == "0.0cm"


def test_a_long_evaluation_bar_wraps_three_coordinates_a_line() -> None:
    point = {name: i for i, name in enumerate(["a", "b", "c", "x", "y", "z"], 1)}
    value = dataclasses.replace(scalar_problem(), ask="value", point=point, answer="7", answer_latex="7")
    ctx = problem_context(_sheet(), value, 1)
    assert ctx.label.endswith(r"\right|_{\substack{a = 1, b = 2, c = 3, \\ x = 4, y = 5, z = 6}}")


def test_latex_that_could_read_files_is_refused_naming_student_problem_and_field() -> None:
    bad = dataclasses.replace(scalar_problem(slot=4), answer_latex=r"\input{/etc/passwd}")
    with pytest.raises(LatexError, match=r"student 's9' problem 4 \(answer_latex\)"):
        problem_context(_sheet(), bad, 1)


def test_a_graph_problem_gets_its_diagram_and_a_compact_key() -> None:
    import random

    from quizgen.draw import draw_problem
    from quizgen.families.base import SlotSpec

    slot = SlotSpec(1, "backprop", 1, 6.0, "value", coefficients=(-3, 3), point="random", options={"inputs": 3})
    p = draw_problem(slot, random.Random(4))
    ctx = problem_context(Sheet("s1", "", "V", [p]), p, 1)
    assert ctx.graph is not None
    assert ctx.graph.worksheet.startswith(r"\begin{tikzpicture}") and ctx.graph.key.count(r"\qgfitto") > len(p.parts)
    assert ctx.working == "2.0cm"  # the diagram is the working
    lines = ctx.answer.split(r" \\ ")
    assert len(lines) == -(-len(p.parts) // 3)  # three parts to a line
    plain = draw_problem(SlotSpec(1, "sum_rule", 1, 1.0, "partial"), random.Random(0))
    assert problem_context(Sheet("s1", "", "V", [plain]), plain, 1).graph is None


def test_a_problem_laid_out_once_still_gets_each_students_number_and_form_fields() -> None:
    """student_context lays out a repeated problem once (by object, and by content for a manifest read
    from a file); what is the student's own (number, form field names) must still be theirs."""
    shared = gradient_problem()
    copy = dataclasses.replace(shared)  # equal content, another object: as read back from manifest.json
    first = Sheet(student_id="s1", name="A", variant="V1", problems=[shared])
    second = Sheet(student_id="s/2", name="B", variant="V2", problems=[scalar_problem(), shared])
    third = Sheet(student_id="s3", name="C", variant="V3", problems=[long_problem(), scalar_problem(), copy])
    layouts: Layouts = {}
    got = [
        student_context(sheet, i, "set", layouts, unicode_fonts=False)
        for i, sheet in enumerate((first, second, third), 1)
    ]
    for sheet, student in zip((first, second, third), got):
        assert student.problems == [problem_context(sheet, p, n) for n, p in enumerate(sheet.problems, 1)]
    assert [got[0].problems[0].number, got[1].problems[1].number, got[2].problems[2].number] == [1, 2, 3]
    assert got[1].problems[1].row_fields != got[0].problems[0].row_fields != got[2].problems[2].row_fields
    assert len({key for key in layouts if isinstance(key, str)}) == 3  # gradient, scalar, long: once each


def test_a_cached_layout_does_not_let_bad_latex_through_for_another_student() -> None:
    bad = dataclasses.replace(scalar_problem(), prompt_latex=r"Let $f = \input{x}$.")
    layouts: Layouts = {}
    for student_id in ("s1", "s2"):
        with pytest.raises(LatexError, match=rf"student '{student_id}'"):
            student_context(
                Sheet(student_id=student_id, name="", variant="V", problems=[bad]), 1, "", layouts, unicode_fonts=False
            )
