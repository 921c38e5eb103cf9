"""Feedback for wrong answers: the problem's buggy keys first, then generic diagnoses (through check())."""

from __future__ import annotations

import random

import pytest
import sympy

from quizgen.checker import CheckRequest, check, core
from quizgen.checker.diagnosis import without_term
from quizgen.mathparse import parse_key_value
from quizgen.problem import Mistake


def test_matching_a_buggy_key_returns_its_feedback() -> None:
    mistakes = [
        Mistake("forgot_inner", "15*(2*x**2)**4", "Multiply by the derivative of the inside, 2x^2."),
        Mistake("sign", "-960*x**9", "Sign!"),
    ]
    v = check("960*x**9", "15(2x^2)^4", ["x"], mistakes=mistakes)
    assert v.verdict == "incorrect" and v.diagnosis == "forgot_inner"
    assert v.message == "Multiply by the derivative of the inside, 2x^2."
    v = check("960*x**9", "960x^9", ["x"], mistakes=mistakes)
    assert v.verdict == "correct" and v.diagnosis is None


def test_vector_mistake() -> None:
    mistakes = [Mistake("wrong_var", ["2*y", "2*x"], "Differentiate by the right variable.")]
    v = check(["2*x", "2*y"], "[2y, 2x]", ["x", "y"], mistakes=mistakes)
    assert v.diagnosis == "wrong_var" and v.score == 0.0


@pytest.mark.parametrize(
    ("expected", "answer", "variables", "kind"),
    [
        ("960*x**9", "-960x^9", ["x"], "sign"),
        ("Piecewise((1, x > y), (0, True))", "1(x < y)", ["x", "y"], "wrong_side"),
        ("Piecewise((1, x > 0), (0, True))", "Heaviside(-x)", ["x"], "wrong_side"),
        ("960*x**9", "96x^9", ["x"], "constant_factor"),
        ("6*x*exp(3*x**2)", "e^(3x^2)", ["x"], "missing_factor"),
        ("2*x*cos(x**2)", "cos(x^2)", ["x"], "missing_factor"),
        ("2*x + 3*y", "2x", ["x", "y"], "missing_term"),
        (["2*x", "3*y**2"], "[3y^2, 2x]", ["x", "y"], "swapped_components"),
        (["2*x", "3*y**2"], "[2x]", ["x", "y"], "missing_component"),
        (["2*x", "3*y**2"], "[2x, 3y^2, 0]", ["x", "y"], "extra_component"),
        (["2*x", "3*y**2"], "2x + 3y^2", ["x", "y"], "not_a_vector"),
        ("2*x", "[2x, 0]", ["x", "y"], "unexpected_vector"),
    ],
)
def test_generic_diagnoses(expected, answer, variables, kind) -> None:
    v = check(expected, answer, variables)
    assert v.verdict == "incorrect" and v.diagnosis == kind, v
    assert v.message


@pytest.mark.parametrize(
    ("expected", "answer", "chain"),
    [
        ("6*x*exp(3*x**2)", "e^(3x^2)", True),
        ("y*exp(x*y)", "exp(xy)", True),
        ("2*x*y", "2x", False),  # d/dx of x^2 y: the y held constant was dropped, no inner function
        ("3*x**2*y", "3x^2", False),
    ],
)
def test_the_chain_rule_is_named_only_where_the_key_composes_a_function(expected, answer, chain) -> None:
    """A missing factor is the inner derivative only where the key applies a function (or a power) to more
    than a variable; elsewhere the hint would send the student to a rule they did not need."""
    v = check(expected, answer, ["x", "y"])
    assert v.diagnosis == "missing_factor"
    assert ("chain rule" in v.message) == chain, v.message


@pytest.mark.parametrize(("expected", "answer"), [("2*x", "0"), ("960*x**9", "0*x"), ("6*x*exp(3*x**2)", "x - x")])
def test_a_zero_answer_is_not_called_off_by_a_constant_factor(expected, answer) -> None:
    """0 is the key times 0 at every point, but telling a student to check the coefficients of 0 is wrong."""
    v = check(expected, answer, ["x"])
    assert v.verdict == "incorrect" and v.score == 0.0
    assert v.diagnosis != "constant_factor" and "constant factor" not in v.message, v


def test_feedback_never_gives_the_key_away() -> None:
    for answer in ("-960x^9", "96x^9", "960x^8"):
        v = check("960*x**9", answer, ["x"])
        assert "960" not in v.message


def test_partial_credit_per_gradient_component() -> None:
    v = check(["2*x", "3*y**2", "z"], "[2x, 3y, z]", ["x", "y", "z"])
    assert v.verdict == "incorrect" and v.score == pytest.approx(2 / 3)
    assert "2" in v.message
    v = check(["2*x", "3*y**2"], "[-2x, -3y^2]", ["x", "y"])
    assert v.score == 0.0 and v.diagnosis == "sign"


def test_a_buggy_gradient_with_one_component_wrong_is_recognised(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most buggy gradients get one component wrong. A student who types one exactly (the right component
    typed as the key's, decided by its tree without sample points) gets that mistake's feedback, not the
    generic "Component 2 of 2 is wrong"; a buggy key whose other component differs from the key's does not
    match, and the texts each are read once."""
    core.clear_caches()
    reads: list[str] = []
    real = core.parse_key_value
    monkeypatch.setattr(
        core, "parse_key_value", lambda text, variables=None: reads.append(text) or real(text, variables)
    )
    mistakes = [
        Mistake("doubled", ["4*x", "3*y"], "Not this one: its first component is not the key's."),
        Mistake("half", ["2*x", "3*y"], "Differentiate y**2 again."),
    ]
    v = core.check_request(CheckRequest(["2*x", "3*y**2"], "[2*x, 3*y]", ["x", "y"], mistakes=mistakes))
    assert (v.verdict, v.score, v.diagnosis, v.message) == ("incorrect", 0.5, "half", "Differentiate y**2 again.")
    assert sorted(reads) == ["2*x", "3*y", "3*y**2", "4*x"]
    v = core.check_request(CheckRequest(["2*x", "3*y**2"], "[2*x, 5*y]", ["x", "y"], mistakes=mistakes))
    assert v.diagnosis != "half" and v.message.startswith("Component 2 of 2 is wrong."), v


def test_a_value_that_is_off_is_not_called_off_by_a_constant_factor() -> None:
    """Any number is a multiple of a key that is a number (a value at a point, a gradient's value): "off by
    a constant factor, check the coefficients" would be said of every wrong value. A sign is still named,
    and a factor still is where the key is a function."""
    wrong_value = core.check_request(CheckRequest("6", "7", ["x"]))
    assert (wrong_value.diagnosis, wrong_value.message) == (None, "Your answer is not the expected value.")
    assert core.check_request(CheckRequest("2*x", "3*x + 1", ["x"])).message == core.NOT_EQUIVALENT
    assert core.check_request(CheckRequest(["-2", "9"], "[7, 9]", ["x", "y"])).diagnosis != "constant_factor"
    assert core.check_request(CheckRequest("6", "-6", ["x"])).diagnosis == "sign"
    assert core.check_request(CheckRequest("2*x", "4*x", ["x"])).diagnosis == "constant_factor"


@pytest.mark.parametrize(
    "text",
    [
        "2*x + 3*y",
        "x + 1/2",
        "-15*x**2*y**3*z**3 + 24*x**2*y**3 - 21*x**2*y**2*z**2 - 18*x**2*y + 7",
        "0.5*x + 0.25*y - 1.5",
        "x + 0.5",
        "16*x*cos(2*x**2 + 4*y + 2*z**2) + 2*x - exp(-x) + log(y**2 + 1)",
        "Piecewise((2*x, x**2 - y + 4 > 0), (0, True)) + 42*y - 3",
        "Max(0, x - y) + sqrt(x**2 + 1) + 2*(x + y)**3 + pi",
        "x*y/(x + 1) - y/(x + 1) + 3*z/7",
    ],
)
def test_a_sum_without_one_of_its_terms_is_the_subtraction(text: str) -> None:
    """The missing-term diagnosis builds key - term from the key's other terms: the same tree as sympy's
    subtraction, so the same values and the same diagnosis."""
    expr = parse_key_value(text, ["x", "y", "z"])
    assert isinstance(expr, sympy.Add)
    for term in expr.args:
        assert sympy.srepr(without_term(expr, term)) == sympy.srepr(expr - term)


def test_sums_drawn_at_random_without_one_term_are_the_subtraction() -> None:
    x, y, z = sympy.symbols("x y z")
    atoms = [x, y, z, x * y, x**2, y**3 * z, sympy.sin(x), sympy.exp(y), sympy.Integer(1), sympy.Float("0.5")]
    rng = random.Random(14)
    for _ in range(300):
        expr = sympy.Add(
            *[
                rng.choice([-3, -1, 2, sympy.Rational(5, 2), sympy.Float("1.25")]) * rng.choice(atoms)
                for _ in range(rng.randint(2, 7))
            ]
        )
        if not isinstance(expr, sympy.Add):
            continue
        for term in expr.args:
            assert sympy.srepr(without_term(expr, term)) == sympy.srepr(expr - term), (expr, term)


def test_each_buggy_key_of_the_shipped_banks_gets_its_own_feedback() -> None:
    """A student who makes a mistake a family knows is told that mistake: typing any buggy key of the
    shipped banks' problems (three students of each bank) gives incorrect with that buggy key's kind (and
    its feedback; a gradient short of a component gets the checker's own words for it, which name the
    component), not a generic message: gradients with one component wrong, wrong values."""
    from pathlib import Path

    from quizgen.bank import load_bank
    from quizgen.generate import generate
    from quizgen.roster import Student

    banks = sorted((Path(__file__).resolve().parents[2] / "banks").glob("*.yaml"))
    assert len(banks) >= 9
    checked = 0
    for path in banks:
        manifest = generate(load_bank(path), [Student(f"s{i}", f"S {i}", {}) for i in range(3)], seed=12)
        for p in {id(p): p for s in manifest.students for p in s.problems if not p.parts}.values():
            for m in p.mistakes:
                typed = m.answer if isinstance(m.answer, str) else "[" + ", ".join(m.answer) + "]"
                v = check(p.answer, typed, p.variables, mistakes=p.mistakes, definitions=p.definitions or None)
                assert (v.verdict, v.diagnosis) == ("incorrect", m.kind), (path.name, typed, v)
                checked += 1
    assert checked > 300
