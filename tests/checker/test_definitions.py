"""Answers that use the names a prompt defines (z, a of a neuron): written out, checked, shown both ways."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import HealthCheck, given, settings

from quizgen.checker import Checker, CheckRequest, check
from quizgen.checker.definitions import DefinitionError, expand
from quizgen.mathparse import AnswerSyntaxError, parse_answer, parse_key, symbol
from tests.strategies import sequences

pytestmark = pytest.mark.usefixtures("heap_settled")  # tests/conftest.py

V = ["w1", "w2", "x1", "x2", "b", "t"]
Z = "b + w1*x1 + w2*x2"
DEFS = {"z": Z, "a": f"Max(0, {Z})"}
KEY = f"Piecewise((x1*({Z} - t), {Z} > 0), (0, True))"  # dL/dw1 of L = (a - t)^2 / 2


@pytest.mark.parametrize(
    "answer",
    [
        "x1 (relu(z) - t) 1(z > 0)",
        "x1 (a - t) 1(z > 0)",
        "x1 (a - t) (z > 0)",
        "x1*(z - t)*[z > 0]",
        "(a - t) x1 I(z > 0)",
        r"x_1 \left(a - t\right) \mathbb{1}_{z > 0}",
        "x1 (max(0, z) - t) (z > 0)",
    ],
)
def test_answers_with_the_prompts_names_are_correct(answer: str) -> None:
    v = check(KEY, answer, V, definitions=DEFS)
    assert v.verdict == "correct", v
    assert v.score == 1.0


def test_interpreted_shows_the_names_and_the_written_out_form() -> None:
    v = check(KEY, "x1 (relu(z) - t) 1(z > 0)", V, definitions=DEFS)
    assert v.interpreted == (
        "x1*(relu(z) - t)*1(z > 0), with z = b + w1*x1 + w2*x2, "
        "i.e. x1*(relu(b + w1*x1 + w2*x2) - t)*1(b + w1*x1 + w2*x2 > 0)"
    )
    assert "z" in v.interpreted_latex


def test_the_written_out_form_reads_back_as_the_same_answer() -> None:
    expanded = expand("x1 (a - t) 1(z > 0) + a^2 - a*a", V, DEFS, None)
    assert expanded is not None
    direct = check(KEY, expanded.answer, V)
    assert direct.verdict == "correct", (expanded.answer, direct)


@pytest.mark.parametrize(
    "answer",
    [
        "t - z",
        "z - t",
        "-z",
        "z^2",
        "2z",
        "z/2",
        "1/z",
        "(z)",
        "a*z - z*a",
        "[z > 0] - (0 < z)",
        "max(z, t) - a",
        "z + 1(t > z) + (t - z)^3",
        "sqrt(z^2) - |z|",
        "z, t - z",
        "<z, z^2>",
        "e^z",
        "sin z cos z",
        "x1 z a",
    ],
)
def test_writing_out_keeps_the_meaning(answer: str) -> None:
    """The written-out text means the answer with each name replaced by its definition, whatever the
    context of the name (the parentheses it needs are added, the ones it does not are left out)."""
    expanded = expand(answer, V, DEFS, None)
    assert expanded is not None
    written = parse_answer(expanded.answer, V).value
    named = parse_answer(answer, V + ["a", "z"]).value
    subs = {symbol("z"): parse_key(Z, V).value, symbol("a"): parse_key(DEFS["a"], V).value}
    points = [
        {symbol(v): sympy.Rational(n, 7) for v, n in zip(V, p)} for p in ((3, -2, 5, 1, 4, -6), (-5, 1, 2, 6, -3, 2))
    ]
    for point in points:
        a = [written] if not isinstance(written, tuple) else list(written)
        b = [named] if not isinstance(named, tuple) else list(named)
        assert len(a) == len(b)
        for wa, nb in zip(a, b):
            assert sympy.N(wa.xreplace(point) - nb.xreplace(subs).xreplace(point), 30) == 0, (answer, expanded.answer)


def test_wrong_answers_with_names_are_still_wrong() -> None:
    assert check(KEY, "x1 (a - t) 1(z < 0)", V, definitions=DEFS).verdict == "incorrect"
    assert check(KEY, "x1 (a - t)", V, definitions=DEFS).verdict == "incorrect"  # gate missing: wrong for z < 0
    assert check(KEY, "w1 (a - t) 1(z > 0)", V, definitions=DEFS).verdict == "incorrect"


def test_names_the_prompt_does_not_define_stay_refused() -> None:
    v = check(KEY, "x1 (relu(q) - t) 1(q > 0)", V, definitions=DEFS)
    assert v.verdict == "invalid" and "'q' is not a variable" in v.message
    without = check(KEY, "x1 (relu(z) - t) 1(z > 0)", V)  # no definitions given: z is unknown
    assert without.verdict == "invalid" and "'z' is not a variable" in without.message


def test_answers_without_the_names_are_checked_as_typed() -> None:
    plain = f"x1 ({Z} - t) 1({Z} > 0)"
    with_defs = check(KEY, plain, V, definitions=DEFS)
    assert with_defs == check(KEY, plain, V)
    assert ", with" not in with_defs.interpreted


def test_refusals_still_name_the_defined_names() -> None:
    """An answer without a defined name is read once, in the variables; a refusal still comes from the
    reading that knows the defined names (they are listed, and suggested for a wrong case)."""
    unknown = check(KEY, "x1 (q - t)", V, definitions=DEFS)
    assert unknown.verdict == "invalid" and "(the variables are w1, w2, x1, x2, b, t, a, z)" in unknown.message
    case = check(KEY, "x1 (Z - t) 1(Z > 0)", V, definitions=DEFS)
    assert case.verdict == "invalid" and "did you mean 'z'?" in case.message


@pytest.mark.parametrize(
    "answer",
    [
        f"x1 (Max(0, {Z}) - t) 1({Z} > 0)",  # the letter a inside Max: no defined name, read as typed
        f"x1 (relu({Z}) - t) 1({Z} > 0)",
        f"x1 ({Z} - t) 1({Z} > 0)",
    ],
)
def test_a_defined_names_letters_inside_other_words_are_not_the_name(answer: str) -> None:
    v = check(KEY, answer, V, definitions=DEFS)
    assert v == check(KEY, answer, V)
    assert v.verdict == "correct" and ", with" not in v.interpreted


def test_bad_definitions_are_a_problem_with_the_key() -> None:
    for defs in ({"x1": "b"}, {"z": "b +"}, {"z": "q + b"}, {"sin": "b"}, {"z": "[b, t]"}, {"z": 3}):
        v = check(KEY, "x1 (z - t) 1(z > 0)", V, definitions=defs)  # type: ignore[arg-type]
        assert v.verdict == "invalid" and v.diagnosis == "bad_key", (defs, v)
    with pytest.raises(DefinitionError):
        expand("z", V, {"e": "b"}, None)


def test_underscore_spelling_of_a_defined_name() -> None:
    v = check("2*x", "z_1 + x", ["x"], definitions={"z1": "x"})
    assert v.verdict == "correct" and "i.e. x + x" in v.interpreted


def test_same_answer_different_definitions_are_not_shared_in_the_cache() -> None:
    with Checker(timeout=5.0) as checker:
        right, wrong = checker.check_many(
            [
                CheckRequest("2*x", "u + x", ["x"], definitions={"u": "x"}),
                CheckRequest("2*x", "u + x", ["x"], definitions={"u": "2*x"}),
            ]
        )
    assert (right.verdict, wrong.verdict) == ("correct", "incorrect")


def test_expansion_too_long_is_a_clear_message() -> None:
    long_z = " + ".join(f"{i}*x" for i in range(1, 200))
    v = check("x", "z" + " + z" * 40, ["x"], definitions={"z": long_z})
    assert v.verdict == "invalid" and "written out" in v.message


NAME_SOUP = [
    "x1",
    "w1",
    "b",
    "t",
    "z",
    "a",
    "z ",
    " a",
    "relu(",
    "(",
    ")",
    "[",
    "]",
    "+",
    "-",
    "*",
    "/",
    "^",
    "2",
    " ",
    ",",
    ">",
    "0",
    "1(",
    "I(",
    "sin ",
    "\\frac",
    "{",
    "}",
    "|",
    "q",
    "z_1",
    "zz",
    "az",
    "e",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(NAME_SOUP, max_size=20))
def test_random_answers_with_names_give_clean_verdicts(tokens: list[str]) -> None:
    """Whatever is typed around the defined names, the verdict is clean, and a name is never written out
    into a reading that means something else (a correct verdict holds for the names' definitions)."""
    answer = "".join(tokens)
    v = check(KEY, answer, V, definitions=DEFS)
    assert v.verdict in ("correct", "incorrect", "invalid")
    assert v.diagnosis not in ("internal_error", "bad_key"), (answer, v)
    assert v.verdict != "invalid" or v.message
    try:
        expanded = expand(answer, V, DEFS, None)
    except AnswerSyntaxError:
        return
    if expanded is not None:
        assert parse_answer(expanded.answer, V).value is not None  # the written-out form always reads
