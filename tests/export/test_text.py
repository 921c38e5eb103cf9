from __future__ import annotations

import sympy
from exporttools import make_problem
from lxml import etree

from quizgen.export.numeric import latex_of
from quizgen.export.text import canvas_equation, latex_paragraph, mathjax, prompt_html, solution_html

x, y = sympy.symbols("x y", real=True)


def test_mathjax_escapes_html_and_writes_indicators_as_bold_one() -> None:
    latex = latex_of((sympy.Piecewise((1, x > y), (0, True)),), False)
    assert mathjax(latex) == r"\(\mathbf{1}\left(x &gt; y\right)\)"
    assert mathjax(latex_of((sympy.Heaviside(2 * x + 1),), False)) == r"\(\mathbf{1}\left(x &gt; - \frac{1}{2}\right)\)"


def test_canvas_equation_is_an_equation_image_carrying_the_latex() -> None:
    img = etree.fromstring(canvas_equation(r"\frac{a}{b} < c").encode())
    assert img.get("class") == "equation_image"
    assert img.get("data-equation-content") == r"\frac{a}{b} < c"
    assert img.get("src").startswith("/equation_images/%255Cfrac")


def test_prompt_mixes_escaped_words_and_math() -> None:
    html = latex_paragraph(r"Let $f = x^{2}$ & <b>bold</b>, 100\% sure.", mathjax)
    assert html == r"Let \(f = x^{2}\) &amp; &lt;b&gt;bold&lt;/b&gt;, 100% sure."


def test_prompt_without_math_falls_back_to_plain_prompt_and_function() -> None:
    problem = make_problem(prompt="")
    assert prompt_html(problem, mathjax) == r"<p>Let f(x, y) = 3*x**2*y. Find df/dx.<br>\(3 x^{2} y\)</p>"


def test_solution_lists_steps_and_answer() -> None:
    html = solution_html(make_problem(), mathjax)
    assert html.startswith("<p><strong>Worked solution</strong></p><ol><li>Hold y constant")
    assert html.endswith(r"Answer: \(6 x y\)</p>")


def test_sentence_only_steps_are_not_repeated_as_math() -> None:
    from dataclasses import replace

    from quizgen.problem import Step

    problem = replace(
        make_problem(),
        steps=[
            Step("Hold y constant.", r"\text{Hold y constant.}"),
            Step("Result: 6*x*y", r"\text{Result:}\quad 6 x y"),
        ],
    )
    html = solution_html(problem, mathjax)
    assert "<li>Hold y constant.</li>" in html
    assert r"<li>Result: 6*x*y<br>\(\text{Result:}\quad 6 x y\)</li>" in html
