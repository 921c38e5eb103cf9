"""plain(): prompts and worked steps in the notation students type, and it must read back as the same function."""

from __future__ import annotations

import re

import pytest
import sympy

from quizgen.checker import check
from quizgen.families._common import plain

x, y = sympy.symbols("x y")


def _ind(value: sympy.Expr, cond: sympy.Basic) -> sympy.Expr:
    return sympy.Piecewise((value, cond), (0, True))


CASES = [
    (sympy.Max(x, y, evaluate=False), "max(x, y)"),
    (sympy.Max(0, 2 * x + 1, evaluate=False), "max(0, 2*x + 1)"),
    (_ind(1, x > y), "1(x > y)"),
    (_ind(3, 3 * x - 4 > 0), "3*1(x > 4/3)"),  # sympy solves the condition
    (_ind(x - y, x > y) + 1, "(x - y)*1(x > y) + 1"),
    (sympy.Pow(_ind(2 * x, x > 0), 2, evaluate=False), "(2*x*1(x > 0))^2"),
    (sympy.Mul(x, sympy.Pow(_ind(2 * x + 1, x > 0), -1, evaluate=False), evaluate=False), "x/((2*x + 1)*1(x > 0))"),
    (3 * sympy.log(x**2 + 2), "3*ln(x^2 + 2)"),
    (sympy.Abs(x) * y, "y*abs(x)"),
    (sympy.Piecewise((x, x > 0), (y, True)), "Piecewise((x, x > 0), (y, True))"),
]


@pytest.mark.parametrize(("expr", "text"), CASES)
def test_plain_uses_the_course_notation(expr: sympy.Basic, text: str) -> None:
    assert plain(expr) == text


@pytest.mark.parametrize(("expr", "text"), CASES)
def test_plain_text_reads_back_as_the_same_function(expr: sympy.Basic, text: str) -> None:
    assert check(str(expr), plain(expr), ["x", "y"]).verdict == "correct"


def test_math_label_sets_variables_as_math_and_escapes_the_words() -> None:
    from quizgen.families.kit import math_label

    x, y, z = sympy.symbols("x y z")
    w1 = sympy.Symbol("w_1")
    assert math_label("Terms without ", x, " are constants:") == r"\text{Terms without $x$ are constants:} "
    assert math_label("Power rule (", [y, z], " held constant):") == r"\text{Power rule ($y$ and $z$ held constant):} "
    assert math_label("No ", w1, " here & 100%:") == r"\text{No $w_{1}$ here \& 100\%:} "


@pytest.mark.parametrize("bank", ["sum_rule", "product_rule", "relu", "gradient", "max_partial"])
def test_step_sentences_name_variables_as_math(bank: str) -> None:
    """No step sentence names a variable as a bare letter: "Terms without $x$", not "Terms without x"."""
    from pathlib import Path

    from quizgen.bank import load_bank
    from quizgen.generate import generate
    from quizgen.roster import numbered_students
    from quizgen.typeset.latexmath import split_leading_text

    manifest = generate(load_bank(Path(__file__).parents[2] / "banks" / f"{bank}.yaml"), numbered_students(4), seed=3)
    bare = re.compile(r"(?:without|No|order|treat|respect to|,) ([a-z])(?=[ ,;:)]|$)")
    sentences = [split_leading_text(step.latex)[0] for s in manifest.students for p in s.problems for step in p.steps]
    assert sentences
    for sentence in sentences:
        assert not bare.search(sentence), sentence


def test_a_draft_memo_builds_once_per_key_stays_bounded_and_retries_a_declined_draw() -> None:
    from quizgen.families._common import DraftMemo
    from quizgen.families.base import Draft

    built: list[object] = []

    def build(key: object, result: Draft | None) -> Draft | None:
        built.append(key)
        return result

    draft = object.__new__(Draft)  # a stand-in: the memo never looks inside a draft
    memo = DraftMemo(limit=2)
    assert memo.get("a", lambda: build("a", draft)) is draft
    assert memo.get("a", lambda: build("a", None)) is draft  # remembered: not built again
    assert memo.get("declined", lambda: build("declined", None)) is None
    assert memo.get("declined", lambda: build("declined", draft)) is draft  # a declined draw is tried again
    assert built == ["a", "declined", "declined"]
    memo.get("c", lambda: build("c", draft))  # full at 2 keys: emptied, then c is kept
    assert memo.get("a", lambda: build("a", draft)) is draft and built[-1] == "a"
