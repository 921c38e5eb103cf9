from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.errors import LatexError
from quizgen.typeset.latexmath import (
    check_latex,
    differentiated_name,
    display_math,
    indicator_notation,
    partial_labels,
    product_factors,
    prompt_segments,
    split_leading_text,
    vector_components,
    visible_width,
)


@pytest.mark.parametrize(
    "bad", [r"x \input{/etc/passwd}", r"\immediate\write18{rm -rf /}", r"\def\x{1}", r"x^{2", r"a}{b", r"\\{"]
)
def test_dangerous_or_broken_latex_is_refused_with_its_origin(bad: str) -> None:
    with pytest.raises(LatexError, match="student 's1' problem 3"):
        check_latex(bad, "student 's1' problem 3 (answer_latex)")


@pytest.mark.parametrize(
    "latex",
    [r"\frac{\partial f}{\partial x} = 15 \left(2 x^{2}\right)^{4} \cdot 4 x", r"\left\{ x \right\}", r"a \\ b"],
)
def test_ordinary_sympy_latex_passes(latex: str) -> None:
    assert check_latex(latex, "here") == latex


def test_long_sums_break_at_plus_and_equals() -> None:
    terms = " + ".join(f"{k} x^{{{k}}} y^{{{k}}}" for k in range(2, 30))
    out = display_math(r"\frac{\partial f}{\partial x} = " + terms)
    assert out.startswith(r"\begin{aligned}\frac{\partial f}{\partial x} &= ")
    lines = out.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}").split(r" \\ ")
    assert len(lines) >= 3
    assert all(visible_width(line) <= 70 for line in lines)


def test_short_math_is_left_alone() -> None:
    assert display_math("960 x^{9}") == "960 x^{9}"


def test_unary_minus_is_not_a_break_point() -> None:
    terms = " - ".join(f"{k} x^{{{k}}}" for k in range(2, 30))
    out = display_math("-" + terms)
    assert not out.split(r"\begin{aligned}")[1].startswith("&\\quad")


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"\begin{cases} 1 & \text{for}\: x > y \\0 & \text{otherwise} \end{cases}", r"\qgind\left(x > y\right)"),
        (
            r"3 x \left(\begin{cases} 1 & \text{for}\: x > y \\0 & \text{otherwise} \end{cases}\right)",
            r"3 x \qgind\left(x > y\right)",
        ),
        (
            r"\begin{cases} x + 1 & \text{for}\: 2 x + 1 > 0 \\0 & \text{otherwise} \end{cases}",
            r"\left(x + 1\right) \cdot \qgind\left(2 x + 1 > 0\right)",
        ),
    ],
)
def test_indicators_print_as_in_the_material(latex: str, expected: str) -> None:
    assert indicator_notation(latex) == expected


def test_long_definitions_are_displayed_and_keep_their_period() -> None:
    segs = prompt_segments(
        r"Let $f(x, y) = 3 x^{2} y + 5 y^{3} + 7 x y^{4} - 2 x^{3} y + 9 x^{5} y^{6}$. Find $\frac{\partial f}{\partial x}$."
    )
    assert [s.kind for s in segs] == ["text", "math", "text", "math", "text"]
    assert segs[1].display and segs[1].latex.endswith(r"\,.")
    assert not segs[3].display


def test_short_definitions_and_points_stay_in_the_sentence() -> None:
    segs = prompt_segments(r"Let $f(x) = \max\left(0, x - 5\right)$. Find the value at $x = -1$.")
    assert not any(s.display for s in segs)


def test_step_text_is_split_from_its_formula() -> None:
    assert split_leading_text(r"\text{Hold y constant:}\quad 3 x^{2}") == ("Hold y constant:", r"\quad 3 x^{2}")
    assert split_leading_text(r"3 x^{2}") == ("", "3 x^{2}")
    # nested and escaped braces stay in the sentence; a sentence that is never closed is all formula
    assert split_leading_text(r" \text{Set {a} \{b\} and 50\%:} x = 1") == (r"Set {a} \{b\} and 50\%:", "x = 1")
    assert split_leading_text(r"\text{open \} x") == ("", r"\text{open \} x")


def _split_by_pattern(step_latex: str) -> tuple[str, str]:
    """split_leading_text as first written: the first brace not after a backslash that closes \\text{."""
    s = step_latex.lstrip()
    if not s.startswith("\\text{"):
        return "", step_latex.strip()
    depth = 0
    for m in re.finditer(r"(?<!\\)[{}]", s[len("\\text") :]):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            end = len("\\text") + m.start()
            return s[len("\\text{") : end], s[end + 1 :].strip()
    return "", step_latex.strip()


# 300 examples (3,000 before): docs/benchmarks.md (branch suiteprops) has the seven planted bugs this count
# catches, derandomized and in 20 seeds (the hardest needs about 100)
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="{}\\ ax$", max_size=24))
def test_step_text_is_split_where_the_first_unescaped_brace_closes_it(tail: str) -> None:
    for latex in (tail, "\\text{" + tail, " \\text{" + tail + "} x"):
        assert split_leading_text.__wrapped__(latex) == _split_by_pattern(latex)


def test_vectors_and_labels() -> None:
    assert vector_components(r"\left(2 x y, x^{2} + \max\left(x, y\right)\right)") == [
        "2 x y",
        r"x^{2} + \max\left(x, y\right)",
    ]
    assert vector_components("960 x^{9}") is None
    prompt = r"Find $\nabla f = \left(\frac{\partial f}{\partial x}, \frac{\partial f}{\partial y}\right)$."
    assert partial_labels(prompt) == [r"\frac{\partial f}{\partial x}", r"\frac{\partial f}{\partial y}"]


def test_labels_with_subscripted_variables() -> None:
    prompt = r"Find $\frac{\partial L}{\partial w_{2}}$ and $\frac{\partial L_{1}}{\partial b}$."
    assert partial_labels(prompt) == [r"\frac{\partial L}{\partial w_{2}}", r"\frac{\partial L_{1}}{\partial b}"]
    assert [differentiated_name(label) for label in partial_labels(prompt)] == ["L", "L_{1}"]


@pytest.mark.parametrize(
    "latex",
    ["x}", "{x", "}{", "{a}}{", r"\frac{a}{b", r"x^{2\}", "{{}", "{}}{{}"],
)
def test_check_latex_refuses_unbalanced_braces(latex: str) -> None:
    with pytest.raises(LatexError, match="unbalanced braces"):
        check_latex(latex, "student 's1' problem 1 (answer_latex)")


@pytest.mark.parametrize("latex", ["", "x", r"\frac{a}{b}", r"\{x\}", r"{{a}{b}}{c}", r"\left\{ x \right."])
def test_check_latex_accepts_balanced_braces(latex: str) -> None:
    assert check_latex(latex, "here") == latex


def test_product_factors_split_at_top_level_cdots_only() -> None:
    term = r"2 x \cdot \left(x \cdot y\right) \cdot e^{a \cdot b} \cdot \begin{pmatrix}1 \cdot 2\end{pmatrix}"
    assert product_factors(term) == [
        r"2 x \cdot",
        r"\left(x \cdot y\right) \cdot",
        r"e^{a \cdot b} \cdot",
        r"\begin{pmatrix}1 \cdot 2\end{pmatrix}",
    ]
    assert product_factors(r"x \cdotp y \{ \cdot z") == [r"x \cdotp y \{ \cdot", "z"]
    assert product_factors("  ") == []
