from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quizgen.bank import load_bank
from quizgen.generate import generate
from quizgen.roster import numbered_students
from quizgen.typeset.latexmath import split_leading_text
from quizgen.typeset.mathml import MathMLError, mathml, text_html
from tests.strategies import sequences

BANKS = sorted((Path(__file__).resolve().parents[2] / "banks").glob("*.yaml"))
M = "{http://www.w3.org/1998/Math/MathML}"


def tree(latex: str, plain: str = "p", display: bool = False) -> ElementTree.Element:
    """The MathML parsed as XML (so it is well formed), in the MathML namespace."""
    out = mathml(latex, plain, display=display).replace(
        "<math ", '<math xmlns="http://www.w3.org/1998/Math/MathML" ', 1
    )
    return ElementTree.fromstring(out)


def text_of(el: ElementTree.Element) -> str:
    """The characters shown (annotation left out), in order."""
    parts = []
    for node in el.iter():
        if node.tag == M + "annotation":
            continue
        if node.text and node.tag != M + "annotation":
            parts.append(node.text)
    return "".join(parts).replace("\u2061", "")


def test_an_indicator_is_a_bold_one_with_its_condition_not_a_cases_brace() -> None:
    sympy_cases = r"\begin{cases} 32 x - 8 & \text{for}\: 4 x - 1 > 0 \\0 & \text{otherwise} \end{cases}"
    t = tree(sympy_cases)
    assert t.find(f".//{M}mtable") is None  # no brace, no table
    one = [n for n in t.iter(M + "mn") if n.get("mathvariant") == "bold"]
    assert len(one) == 1 and one[0].text == "1"
    assert text_of(t) == "(32x−8)·1(4x−1>0)"
    parser_form = tree(r"\mathbf{1}\left(x \ge y\right)")  # the safe parser's interpretation of 1(x >= y)
    assert text_of(parser_form) == "1(x≥y)" and parser_form.find(f".//{M}mn[@mathvariant='bold']") is not None
    assert tree(r"\mathbb{1}_{x > y}").find(f".//{M}mn[@mathvariant='bold']") is not None


def test_partial_derivatives_max_and_a_real_piecewise() -> None:
    t = tree(r"\frac{\partial f}{\partial x} = \max\left(0, x - 5\right)")
    frac = t.find(f".//{M}mfrac")
    assert frac is not None and text_of(frac) == "∂f∂x"
    assert text_of(t) == "∂f∂x=max(0,x−5)"
    piecewise = tree(r"\max(x + 3, y) = \begin{cases} x + 3 & x + 3 > y \\ y & \text{otherwise} \end{cases}")
    rows = piecewise.findall(f".//{M}mtr")
    assert [text_of(r) for r in rows] == ["x+3x+3>y", "yotherwise"]


def test_text_inside_math_loses_latex_leftovers_and_keeps_its_math() -> None:
    lead, _ = split_leading_text(r"\text{Sum rule,{} term by term:} \frac{\partial f}{\partial z} = 9")
    assert text_html(lead) == "Sum rule, term by term:"
    html = text_html(r"Treat $y$ and $z$ as constants; 50\% done.")
    assert html.startswith("Treat <math") and "50% done." in html and "{}" not in html


def test_the_plain_form_is_the_escaped_annotation_and_display_is_kept() -> None:
    out = mathml("x", "a < b & </annotation><script>", display=True)
    assert out.startswith('<math display="block">')
    assert "<script>" not in out and "a &lt; b &amp; &lt;/annotation&gt;&lt;script&gt;" in out


def test_formulas_of_one_shape_keep_their_own_numbers() -> None:
    """Variants differ in their numbers: a formula typeset after another of its shape shows its own."""
    first = text_of(tree(r"\sqrt[3]{27 x} + \frac{3}{4} x^{2.5}"))
    second = text_of(tree(r"\sqrt[5]{8 x} + \frac{1}{12} x^{7}"))
    assert first == "27x3+34x2.5"  # a root's index comes after its radicand in MathML
    assert second == "8x5+112x7"
    assert text_of(tree(r"\text{for 2 cases} \; 3 x")) == "for 2 cases3x"
    assert text_of(tree(r"\mathbf{1} \left(x > 2\right)")) == "1(x>2)"
    assert text_of(tree("\ue000 + 5")) == "\ue000+5"  # a private-use character of its own is kept
    assert text_of(tree(r"x^{2}_{3} + 1")) == "x32+1"  # MathML writes the subscript first
    assert text_of(tree(r"x^{4}_{5} + 1")) == "x54+1"


def test_a_refused_formula_is_refused_for_its_own_reason_whatever_shares_its_shape() -> None:
    tree(r"\frac{1}{2}")
    with pytest.raises(MathMLError, match="unknown command"):
        mathml(r"\frac{1}{2} \foo", "p")
    with pytest.raises(MathMLError, match="unknown command"):
        mathml(r"\frac{3}{4} \foo", "p")


@pytest.mark.parametrize(
    "latex",
    [
        r"\href{javascript:alert(1)}{x}",
        r"\input{/etc/passwd}",
        r"\frac{1}{",
        r"x^",
        r"\begin{tabular}x\end{tabular}",
        "x" * 20_001,
        r"\left( x",
    ],
)
def test_latex_outside_what_quizgen_prints_is_refused(latex: str) -> None:
    with pytest.raises(MathMLError):
        mathml(latex, "plain")


@pytest.mark.parametrize("bank", BANKS, ids=lambda p: p.stem)
def test_every_formula_the_shipped_banks_print_is_typeset(bank: Path) -> None:
    """Prompts, keys and every worked step of every family: none falls back to plain text."""
    m = generate(load_bank(bank), numbered_students(4), seed=11)
    for sheet in m.students:
        for p in sheet.problems:
            text_html(p.prompt_latex)
            tree(p.answer_latex)
            for step in p.steps:
                lead, formula = split_leading_text(step.latex)
                assert "{}" not in text_html(lead)
                if formula:
                    tree(formula, display=True)


def test_text_escaped_by_tex_escape_reads_back_as_its_characters() -> None:
    """A step's prose goes through tex_escape ("ReLU's" -> ReLU\\textquotesingle{}s); the page shows the
    apostrophe, and a command tex_escape never writes is still refused."""
    import html

    from quizgen.typeset.escape import tex_escape
    from quizgen.typeset.mathml import text_mathml

    prose = "the leaky ReLU's slope, a < b | c ~ d ^ e \\ f"
    assert text_mathml(tex_escape(prose)) == f"<mtext>{html.escape(prose)}</mtext>"
    with pytest.raises(MathMLError, match="command inside text"):
        text_mathml(r"ReLU\textquotesingle{}s \input{x}")


def clear_caches() -> None:
    """Empty the typesetter's caches: what is typeset next is typeset from scratch."""
    from quizgen.typeset import mathml as m

    m.mathml.cache_clear()
    m.text_html.cache_clear()
    m._SPANS.clear()
    m._SHAPES.clear()


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """The typesetter's caches emptied before and after: a formula's MathML from scratch."""
    clear_caches()
    yield
    clear_caches()


def from_scratch(latex: str) -> str:
    from quizgen.typeset import mathml as m

    m._SPANS.clear()
    m._SHAPES.clear()
    m.mathml.cache_clear()
    return mathml(latex, "p")


# Pairs of one shape (or sharing {groups} and \left...\right spans token for token) whose MathML differs in
# what the tokens do not show: numbers, spaces and numbers inside text, a bold 1 against a bold 2, the order
# in which MathML writes a root's index and a subscript after a superscript.
SAME_TOKENS = [
    (r"\frac{\text{a  b}}{2} + x", r"\frac{\text{a b}}{2} + x"),
    (r"\left(\text{for 2 cases}\right) x", r"\left(\text{for 3 cases}\right) x"),
    (r"\left(\mathbf{1} + y\right)", r"\left(\mathbf{2} + y\right)"),
    (r"\left(\sqrt[3]{8 x}\right)^{2}", r"\left(\sqrt[5]{2 x}\right)^{2}"),
    (r"{x^{2}_{3}} + 1", r"{x^{4}_{5}} + 1"),
    (r"\operatorname{ReLU}{\left(3 x \right)}", r"\operatorname{ReLU}{\left(4 x \right)}"),
    (r"\left\{ 2 x \right\} \cdot \left. 3 \right|_{x = 1}", r"\left\{ 5 x \right\} \cdot \left. 7 \right|_{x = 2}"),
    (
        r"\frac{d}{dx}\left(\left(x + 1\right)^{2}\right) = 2 \left(x + 1\right)",
        r"\frac{d}{dx}\left(\left(x + 9\right)^{3}\right) = 3 \left(x + 9\right)",
    ),
    (
        r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}",
        r"\begin{cases} 4 & x > 2 \\ 0 & \text{otherwise} \end{cases}",
    ),
]


@pytest.mark.parametrize(("first", "second"), SAME_TOKENS)
@pytest.mark.usefixtures("fresh_caches")
def test_a_formula_is_typeset_as_from_scratch_whatever_was_typeset_before(first: str, second: str) -> None:
    """The typesetter reuses a shape's and a sub-expression's MathML; what it reuses never leaks another
    formula's numbers, spaces or text into this one."""
    expected = [from_scratch(first), from_scratch(second)]
    assert expected[0] != expected[1]
    from_scratch("x")  # empty the caches, then one after the other, both orders
    assert [mathml(first, "p"), mathml(second, "p")] == expected
    from_scratch("x")
    assert [mathml(second, "p"), mathml(first, "p")] == expected[::-1]


@pytest.mark.usefixtures("fresh_caches")
def test_a_group_the_braces_seem_to_close_early_is_not_reused() -> None:
    r"""In {\frac{a}}} the fraction takes the first } as its denominator, so the group ends at the last brace,
    not where counting braces says: {\frac{a}} followed by more is still refused."""
    assert "<mfrac><mi>a</mi><mo>}</mo></mfrac>" in mathml(r"{\frac{a}}}", "p")
    with pytest.raises(MathMLError):
        mathml(r"{\frac{a}} + x", "p")


@pytest.mark.usefixtures("fresh_caches")
def test_text_from_users_stays_escaped_in_every_path() -> None:
    """Names and typed answers reach MathML only as the annotation, or as text the safe parser printed."""
    for latex in (
        r"\text{<img src=x onerror=alert(1)>} + 2",
        r"\left(\text{a & b < c}\right)",
        r"\operatorname{<b>}{x}",
    ):
        for _ in range(2):  # typeset, then reused
            out = mathml(latex, "</annotation><script>")
            assert "<img" not in out and "<b>" not in out and "<script>" not in out
            assert tree(latex).find(f".//{M}semantics") is not None  # well-formed XML


# 400 texts (3,000 before every prefix and suffix was checked): docs/benchmarks.md (branch suiteprops) has the
# four planted bugs this count catches, derandomized and in 20 seeds
@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" \t\\{}^_.,x19\ue000", max_size=30))
def test_a_formula_is_tokenized_from_its_pieces_as_the_pattern_tokenizes_it(latex: str) -> None:
    """Shapes are tokenized piece by piece between spaces (an escaped space, "\\ ", is one token). Every
    prefix and suffix of the drawn text is checked too: a check costs microseconds, drawing a text a millisecond,
    and the pieces' cache is read with every way the text can begin and end."""
    from quizgen.typeset import mathml as m

    for part in [latex[:end] for end in range(len(latex) + 1)] + [latex[start:] for start in range(1, len(latex))]:
        assert m._tokens(part) == m._TOKEN.findall(part), (part, latex)


def _latex_plain_by_patterns(latex: str) -> str:
    """The annotation of math in prose as first written: a pattern for each rule, braced powers included."""
    from quizgen.typeset import mathml as m

    text = re.sub(r"\\(left|right)(?![A-Za-z])", "", latex)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", text)
    text = m._SYMBOL_WORD.sub(lambda w: m._SYMBOLS[w.group(1)], text)
    function = "(" + "|".join(sorted(m._FUNCTIONS, key=len, reverse=True)) + ")(?![A-Za-z])"
    text = re.sub(r"(?<=[A-Za-z0-9}\u0391-\u03c9])\\" + function, r" \\\1", text)  # a space after a letter or digit
    text = re.sub(r"\\" + function + r"\s+", r"\1 ", text)  # one after, if the source had one
    text = re.sub(r"\\" + function, r"\1", text)
    text = re.sub(r"\\[A-Za-z]+\s*", "", text)
    text = re.sub(r"\^\{([^{}]*)\}", r"^\1", text)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()


PROSE_MATH_PIECES = [" ", "\t", "\x1c", "\xa0", "{", "}", "^", "x", "2", "\\frac", "\\left", "\\alpha", "\\,"]
PROSE_MATH_PIECES += ["\\sin", "\\max", "\\sinh", "(", "\\sigma"]


# 400 draws (3,000 before every starting and ending run was checked): docs/benchmarks.md (branch suiteprops) has
# the planted bugs this count catches, derandomized and in 20 seeds. The two examples are fractions drawing almost
# never makes: \left where \frac's brace should be (read right only if \left goes first), and a brace group as
# the numerator (not a simple fraction); 3,000 draws caught a bug in either in 2 seeds of 20, never derandomized.
@settings(max_examples=400, deadline=None)
@given(sequences(PROSE_MATH_PIECES, max_size=20))
@example(["\\frac", "\\left", "{", "x", "}", "{", "2", "}"])
@example(["\\frac", "{", "{", "x", "}", "}", "{", "2", "}", "^", "{", "2", "}"])
@example(["x", "\\sinh", " ", "\\sin", "x", "}", "\\max", "("])
def test_math_in_prose_reads_as_the_patterns_read_it(pieces: list[str]) -> None:
    """The drawn pieces joined, and every run of them that starts or ends the text: a check costs far less
    than drawing the pieces, and a rule that goes wrong at either end of the text meets its end."""
    from quizgen.typeset import mathml as m

    for run in [pieces[:end] for end in range(len(pieces) + 1)] + [pieces[start:] for start in range(1, len(pieces))]:
        latex = "".join(run)
        assert m._latex_plain.__wrapped__(latex) == _latex_plain_by_patterns(latex), (latex, "".join(pieces))


def test_math_in_prose_keeps_its_function_names_in_the_annotation() -> None:
    """A prompt's formula read aloud or copied as text: \\sin and \\max are words, not dropped commands."""
    assert text_html(r"Find $\frac{d}{dx}\max(x,0)$ at $x = 2$.").count("<annotation") == 2
    assert ">d/dx max(x,0)</annotation>" in text_html(r"Find $\frac{d}{dx}\max(x,0)$.")
    assert ">d/dx sin(2x) + cos x</annotation>" in text_html(r"Find $\frac{d}{dx} \sin(2x) + \cos x$.")
    assert ">σ sin x</annotation>" in text_html(r"Find $\sigma\sin x$.")


@pytest.mark.usefixtures("fresh_caches")
def test_a_percent_sign_in_a_shape_is_not_taken_for_a_number() -> None:
    """The numbers go back into a shape's MathML as a printf template: a \\% of the formula stays itself."""
    first, second = r"50\% \cdot \left(3 x\right)", r"25\% \cdot \left(4 x\right)"
    expected = [from_scratch(first), from_scratch(second)]
    from_scratch("x")
    assert [mathml(first, "p"), mathml(second, "p")] == expected
    assert "<mn>25</mn><mo>%</mo>" in expected[1]


@pytest.mark.usefixtures("fresh_caches")
def test_the_typesetters_caches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from quizgen.typeset import mathml as m

    monkeypatch.setattr(m, "_MAX_CACHED", 5)
    formulas = [rf"\left({k} x^{{{k + 1}}} + y_{{{k}}}\right) + \frac{{{k}}}{{z}}" for k in range(40)]
    formulas += [rf"\left(x^{{{k}}} + {'y' * (k % 7 + 1)}\right)" for k in range(40)]
    typeset = [mathml(f, "p") for f in formulas]
    assert len(m._SPANS) <= 5 and len(m._SHAPES) <= 5 and len(m._PIECES) <= 5
    assert typeset == [from_scratch(f) for f in formulas]


ONE_TOKEN_ARGUMENTS = ["x", "2", "17", "0.5", "\\alpha", "\\partial", "\\cdot", "'", "+", "(", "|", "\\,", "\\{"]
ONE_TOKEN_ARGUMENTS += ["&", "^", "_", "\\\\", "\\unknown", "\\displaystyle", "\ue000"]
"""Tokens that are a whole argument by themselves (or refused as one): not \\frac or \\text, which read on."""


def _typeset_or_refusal(latex: str) -> str:
    try:
        return from_scratch(latex)
    except MathMLError as e:
        return f"refused: {e}"


ONE_TOKEN_CONTEXTS = ["x^{%s}", "w_{%s} + 3", r"\frac{%s}{y}", r"\frac{4}{%s}", r"\sqrt{%s}", r"\hat{%s}^{2}"]
"""Where an argument is read: a superscript, a subscript, a fraction's either part, a root, an accent."""


@pytest.mark.usefixtures("fresh_caches")
def test_a_one_token_argument_reads_as_the_same_token_in_a_group() -> None:
    """{2} in x^{2}, w_{1} or \\frac{a}{b} is read without the span machinery (the commonest argument); it
    must give what the same token gives in {{2}}, which goes the general way: the same MathML, or a refusal
    for the same reason. Every token in every context (120 pairs), each pair from empty caches."""
    for token in ONE_TOKEN_ARGUMENTS:
        for context in ONE_TOKEN_CONTEXTS:
            clear_caches()
            alone, grouped = context % token, context % ("{" + token + "}")
            assert _typeset_or_refusal(alone) == _typeset_or_refusal(grouped), f"{alone!r} against {grouped!r}"


@pytest.mark.usefixtures("fresh_caches")
def test_an_empty_group_is_not_taken_for_a_one_token_argument() -> None:
    """x^{}} is an empty superscript, then a brace too many, even once a lone } has been typeset as a symbol
    (x^} makes it one): the brace inside {}} closes the group, it is not the argument."""
    assert "<mo>}</mo>" in mathml("x^}", "p")
    with pytest.raises(MathMLError, match="unbalanced"):
        mathml("x^{}}", "p")
