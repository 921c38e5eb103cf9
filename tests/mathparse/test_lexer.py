"""Tokenizer: name splitting against the problem's variables (longest first), LaTeX commands."""

from __future__ import annotations

import pytest

from quizgen.mathparse.lexer import tokenize
from quizgen.mathparse.messages import Fail
from quizgen.mathparse.names import name_table


def names(text: str, variables: tuple[str, ...] | None, latex: bool = False) -> list[str]:
    toks = tokenize(text, name_table(variables), latex=latex, key=variables is None)
    return [t.text for t in toks if t.kind == "name"]


SPLIT_CASES = [
    ("xy", ("x", "y"), ["x", "y"]),
    ("w1x1", ("w1", "x1"), ["w1", "x1"]),
    ("w1x1", ("w", "x", "w1", "x1"), ["w1", "x1"]),
    ("xcos", ("x", "y"), ["x", "cos"]),
    ("sin(", ("s", "i", "n"), ["sin"]),
    ("sin", ("s", "i", "n"), ["s", "i", "n"]),  # a function only where a call follows
    ("sect", ("s", "e", "c", "t"), ["s", "e", "c", "t"]),
    ("exp", ("x", "p"), ["e", "x", "p"]),
    ("exp", ("x",), ["exp"]),
    ("ex", ("x",), ["e", "x"]),
    ("ex", ("e", "x"), ["e", "x"]),
    ("abc", ("ab", "bc", "a"), ["a", "bc"]),  # backtracks when the longest first piece leads nowhere
    ("pix", ("x",), ["pi", "x"]),
    ("xsigmoid", ("x",), ["x", "sigmoid"]),
    ("bt", ("b", "t"), ["b", "t"]),
    ("w_1x_1", ("w_1", "x_1"), ["w_1", "x_1"]),
    ("w1x1", ("w_1", "x_1"), ["w1", "x1"]),
    ("alpha", None, ["alpha"]),
    ("xy", None, ["xy"]),
]


@pytest.mark.parametrize(("text", "variables", "expected"), SPLIT_CASES)
def test_name_splitting(text: str, variables: tuple[str, ...] | None, expected: list[str]) -> None:
    assert names(text, variables) == expected


def test_split_pieces_keep_their_positions() -> None:
    toks = tokenize("2w1x1", name_table(("w1", "x1")), latex=False, key=False)
    assert [(t.kind, t.text, t.start) for t in toks[:-1]] == [("num", "2", 0), ("name", "w1", 1), ("name", "x1", 3)]


def test_keywords_only_as_whole_words() -> None:
    toks = tokenize("1 if x else 0", name_table(("x",)), latex=False, key=False)
    assert [t.kind for t in toks] == ["num", "kw", "name", "kw", "num", "end"]


LATEX_CASES = [
    (r"\sin x", ["sin", "x"]),
    (r"\operatorname{relu}(x)", ["relu", "x"]),
    (r"\mathrm{e}^x", ["e", "x"]),
    (r"\pi x", ["pi", "x"]),
    (r"w_{1}x_1", ["w_1", "x_1"]),
]


@pytest.mark.parametrize(("text", "expected"), LATEX_CASES)
def test_latex_names(text: str, expected: list[str]) -> None:
    assert names(text, ("x", "w_1", "x_1"), latex=True) == expected


def test_latex_spacing_and_delimiters_vanish() -> None:
    toks = tokenize(r"\left( x \right)\,\cdot\;2", name_table(("x",)), latex=True, key=False)
    assert [t.text for t in toks[:-1]] == ["(", "x", ")", "*", "2"]


def test_backslash_outside_latex_is_rejected() -> None:
    with pytest.raises(Fail):
        tokenize(r"\sin", name_table(("x",)), latex=False, key=False)


_PIECES = ["x", "y", "w1", "xy", "sin", "exp", "e", "pi", "if", "else", "Piecewise", "I", "sect", "2", "10", "3.5",
           ".5", "1e5", "7.", "+", "-", "*", "**", "/", "^", "(", ")", "[", "]", ",", "<", "<=", "==", "|", "&",
           " ", "  ", "\t"]  # fmt: skip


def test_tokens_cover_the_text_in_order() -> None:
    """Error messages point at token positions: each token of plain text and keys is the text between its
    start and end, tokens come in order, and space_before says whether whitespace precedes it."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from tests.strategies import sequences

    @settings(max_examples=300, deadline=None)
    @given(sequences(_PIECES, max_size=14), st.sampled_from([("x", "y", "w1"), None]))
    def check(pieces: list[str], variables: tuple[str, ...] | None) -> None:
        text = "".join(pieces)
        try:
            toks = tokenize(text, name_table(variables), latex=False, key=variables is None)
        except Fail as fail:
            assert 0 <= fail.pos <= len(text)
            return
        assert toks[-1].kind == "end" and toks[-1].start == len(text)
        previous_end = 0
        for t in toks:
            assert t.start >= previous_end
            assert t.space_before == (t.start > 0 and text[t.start - 1].isspace())
            if t.kind != "end":
                assert text[t.start : t.end] == t.text
                previous_end = t.end

    check()
