"""check() end to end: labelled cases, verdict shapes, feedback (through the real parser)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizgen.checker import CheckRequest, Verdict, check, core
from quizgen.checker.equivalence import try_prepare
from quizgen.mathparse import parse_answer
from quizgen.problem import Mistake

HERE = Path(__file__).resolve().parent
SHARED = next(
    (
        d / "shared" / "examples" / "answer-cases.jsonl"
        for d in HERE.parents
        if (d / "shared" / "examples" / "answer-cases.jsonl").exists()
    ),
    HERE.parent.parent.parent / "shared" / "examples" / "answer-cases.jsonl",
)


def _load(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


SHARED_CASES = _load(SHARED)
OWN_CASES = _load(HERE / "labelled_cases.jsonl")


@pytest.mark.skipif(not SHARED_CASES, reason="../shared/examples/answer-cases.jsonl not present")
@pytest.mark.parametrize("case", SHARED_CASES, ids=[c["id"] for c in SHARED_CASES])
def test_shared_examples(case: dict) -> None:
    v = check(case["expected"], case["answer"], case.get("variables"))
    assert v.verdict == case["verdict"], (v, case)


@pytest.mark.parametrize("case", OWN_CASES, ids=[f"{c['id']}:{c['answer']}" for c in OWN_CASES])
def test_labelled_cases(case: dict) -> None:
    v = check(case["expected"], case["answer"], case.get("variables"))
    assert v.verdict == case["verdict"], (v, case)


def test_labelled_set_covers_every_topic_both_ways() -> None:
    topics = {"sum_rule", "product_rule", "max_partial", "relu", "gradient", "chain_single", "chain_multi", "neuron"}
    for topic in topics:
        verdicts = {c["verdict"] for c in OWN_CASES if c["topic"] == topic}
        assert {"correct", "incorrect"} <= verdicts, topic
    assert len(OWN_CASES) >= 250


def test_correct_verdict_shape() -> None:
    v = check("2*x + 3*y", "3y + 2x", ["x", "y"])
    assert v == Verdict("correct", v.interpreted, v.interpreted_latex, "", 1.0, None)
    assert "y" in v.interpreted and v.interpreted_latex


def test_invalid_carries_the_parsers_message() -> None:
    v = check("2*x", "2x +* 3", ["x"])
    assert v.verdict == "invalid" and v.interpreted == "" and v.message and v.score == 0.0
    v = check("2*x", "2z", ["x"])
    assert v.verdict == "invalid" and "z" in v.message


def test_typing_the_question_back_is_invalid() -> None:
    v = check("960*x**9", "diff(3(2x^2)^5, x)", ["x"])
    assert v.verdict == "invalid" and "diff" in v.message


def test_bad_key_is_reported_as_a_key_problem() -> None:
    v = check("2*x +", "2x", ["x"])
    assert v.verdict == "invalid" and v.diagnosis == "bad_key" and "key" in v.message


def test_variables_default_to_the_keys_free_symbols() -> None:
    assert check("2*x + 3*y", "3y+2x").verdict == "correct"
    assert check("2*x", "2x + y").verdict == "invalid"


def test_exact_constants_and_typed_decimals() -> None:
    assert check("99999999/100000000", "99999998/99999999", []).verdict == "incorrect"
    assert check("99999999/100000000", "0.99999999", []).verdict == "correct"
    assert check("2*x/3", "0.667x", ["x"]).verdict == "correct"
    assert check("2*x/3", "0.67x", ["x"]).verdict == "incorrect"
    assert check("x/3", "0.333x", ["x"]).verdict == "correct"
    assert check("x", "x + 1/10^20", ["x"]).verdict == "incorrect"
    assert check("x/7", "0.143x", ["x"]).verdict == "correct"  # 1/7 correctly rounded
    assert check("x/7", "0.142x", ["x"]).verdict == "incorrect"  # not how 0.142857... rounds
    assert check("x/3 + 1/2", "0.333x + 0.5", ["x"]).verdict == "correct"  # also near its zero x = -3/2
    assert check("x/3 + 1/2", "0.33x + 0.5", ["x"]).verdict == "incorrect"


def test_a_decimal_that_does_not_matter_buys_no_tolerance() -> None:
    # big cancelling terms and a decimal inside max(0.5, 81): the answer is (1 + x^2)/97, not 0
    v = check("0", "max(0.5, 81) - max(pi, 81)*103/100 + 81*3/100 + (1 + x^2)/97", ["x"])
    assert v.verdict == "incorrect"


def test_thin_region_trap() -> None:
    key = "Piecewise((2, 2*x + 1 > 0), (0, True))"
    assert check(key, "2*Heaviside(x)", ["x"]).verdict == "incorrect"
    assert check(key, "2*Heaviside(2x+1)", ["x"]).verdict == "correct"


def test_same_check_same_verdict() -> None:
    runs = {check("Piecewise((1, x > y), (0, True))", "Heaviside(x - y + 1/1000)", ["x", "y"]) for _ in range(3)}
    assert len(runs) == 1 and next(iter(runs)).verdict == "incorrect"


def test_big_max_with_decimals_is_checked_within_the_limit() -> None:
    # rebuilding this Max in sympy (to move a decimal) once took seconds; the numeric path must not. The limit
    # is generous so that a loaded machine cannot fail the test: its speed is measured in benchmarks/.
    answer = "max(" + ",".join(f"{i}.5x-{i}y+sin({i}x)" for i in range(16)) + ")"
    v = check("2*x + 3*y", answer, ["x", "y"], timeout=60.0)
    assert v.verdict == "incorrect" and v.diagnosis != "timeout"


def test_clear_caches_makes_the_next_check_cold_and_gives_the_same_verdict() -> None:
    """Cold-cache benchmarks rely on it: after clear_caches nothing parsed or compiled is reused."""
    first = core.check_request(CheckRequest("6*x*exp(3*x**2)", "e^(3x^2)", ["x"]))
    reading = parse_answer("e^(3x^2)", ["x"])
    compiled = try_prepare(reading.value, {"x": 0})
    assert parse_answer("e^(3x^2)", ["x"]) is reading and try_prepare(reading.value, {"x": 0}) is compiled
    core.clear_caches()
    assert not core._KEYS.data and not core._READINGS.data
    assert parse_answer("e^(3x^2)", ["x"]) is not reading
    assert try_prepare(reading.value, {"x": 0}) is not compiled
    assert core.check_request(CheckRequest("6*x*exp(3*x**2)", "e^(3x^2)", ["x"])) == first


def test_an_answer_typed_as_the_key_is_decided_without_compiling_the_key() -> None:
    """The trees decide it; the key is compiled for the first answer the numbers must decide."""
    core.clear_caches()
    assert check("6*x*exp(3*x**2)", "6*x*exp(3*x**2)", ["x"]).verdict == "correct"
    key = core.load_key("6*x*exp(3*x**2)", ["x"])
    assert not key._compiled
    assert check("6*x*exp(3*x**2)", "6x e^(3x^2)", ["x"]).verdict == "correct"
    wrong = check("6*x*exp(3*x**2)", "6x e^(3x)", ["x"])
    assert wrong.verdict == "incorrect" and key.compiled(0) is not None and list(key._compiled) == [0]


def test_a_text_is_read_once_as_a_key_and_as_a_buggy_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """One variant's buggy key is often another's key: the checker reads it once in the same variables."""
    core.clear_caches()
    reads: list[str] = []
    real = core.parse_key_value
    monkeypatch.setattr(
        core, "parse_key_value", lambda text, variables=None: reads.append(text) or real(text, variables)
    )
    mistakes = [Mistake("forgot_inner", "15*(2*x**2)**4", "Multiply by the derivative of the inside.")]
    for _ in range(2):
        v = core.check_request(CheckRequest("960*x**9", "15(2x^2)^4", ["x"], mistakes=mistakes))
        assert v.diagnosis == "forgot_inner"
    assert core.check_request(CheckRequest("15*(2*x**2)**4", "15(2x^2)^4", ["x"])).verdict == "correct"
    assert reads == ["960*x**9", "15*(2*x**2)**4"]


def test_a_key_that_cannot_be_read_is_named_with_the_parsers_own_message() -> None:
    """Keys are read for their value alone (parse_key_value); a refusal still quotes the key as understood."""
    core.clear_caches()
    for _ in range(2):  # the second time from the parser's kept refusal
        with pytest.raises(core.BadKey) as info:
            core.load_key("2*x > 1", ["x"])
        assert str(info.value) == (
            "the key '2*x > 1' cannot be read: A comparison like 2*x > 1 is not a value: for an indicator "
            "write 1(2*x > 1) or [2*x > 1]."
        )
    v = core.check_request(CheckRequest("2*x > 1", "2x", ["x"]))
    assert v.verdict == "invalid" and v.message.endswith("for an indicator write 1(2*x > 1) or [2*x > 1].")


def test_a_gradients_buggy_key_is_read_component_by_component(monkeypatch: pytest.MonkeyPatch) -> None:
    """A buggy key whose first component differs from the answer's is ruled out without reading the rest;
    one that matches every component is still found, and an unreadable component still only skips it."""
    core.clear_caches()
    reads: list[str] = []
    real = core.parse_key_value
    monkeypatch.setattr(
        core, "parse_key_value", lambda text, variables=None: reads.append(text) or real(text, variables)
    )
    mistakes = [
        Mistake("sign_and_factor", ["-2*x", "5*y**2"], "never shown"),
        Mistake("bad", ["2*x", "3*y +* 1"], "never shown"),
        Mistake("no_power", ["2*x", "3*y"], "Keep the power."),
    ]
    answer = "[(x + 1)^2 - x^2 - 1, 3y]"  # each component compared at points (typed as the key's, it has none)
    v = core.check_request(CheckRequest(["2*x", "3*y**2"], answer, ["x", "y"], mistakes=mistakes))
    assert v.verdict == "incorrect" and v.diagnosis == "no_power" and v.message == "Keep the power."
    assert reads == ["2*x", "3*y**2", "-2*x", "3*y +* 1", "3*y"]  # never 5*y**2; 2*x is the key's


def test_an_unreadable_buggy_key_only_loses_its_feedback_and_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    core.clear_caches()
    reads: list[str] = []
    real = core.parse_key_value
    monkeypatch.setattr(
        core, "parse_key_value", lambda text, variables=None: reads.append(text) or real(text, variables)
    )
    mistakes = [Mistake("bad", "2*x +* 1", "never shown"), Mistake("sign", "-2*x", "Sign!")]
    for answer in ("-2x", "-2*x"):
        v = core.check_request(CheckRequest("2*x", answer, ["x"], mistakes=mistakes))
        assert v.diagnosis == "sign" and v.message == "Sign!"
    assert reads == ["2*x", "2*x +* 1", "-2*x"]
    with pytest.raises(core.BadKey, match="cannot be read"):
        core.load_key("2*x +* 1", ["x"])  # a key is never taken for readable from a buggy key's failure


def test_ignoring_a_max_whose_zero_region_lies_outside_the_box_is_wrong() -> None:
    """A class's case: 2*x for relu(x^2 - y + 4)'s d/dx, wrong where y > x^2 + 4 (outside the sample box),
    was accepted when the key's scan lines and probes missed that region; the buggy key's feedback shows."""
    mistakes = [Mistake("ignored_max", "2*x", "The derivative is 0 where x^2 - y + 4 < 0.")]
    for c in (4, 9, 30):
        v = check(f"Piecewise((2*x, x**2 - y + {c} > 0), (0, True))", "2*x", ["x", "y"], mistakes=mistakes)
        assert v.verdict == "incorrect" and v.diagnosis == "ignored_max", (c, v)
        v = check(f"Piecewise((2*x, x**2 - y + {c} > 0), (0, True))", f"2x 1(x^2 - y + {c} > 0)", ["x", "y"])
        assert v.verdict == "correct", (c, v)
        v = check(f"Piecewise((2*x*z, x**2 + z**2 - y + {c} > 0), (0, True))", "2xz", ["x", "y", "z"])
        assert v.verdict == "incorrect", (c, v)


def test_indicators_on_the_lines_of_a_max_breakpoint_are_graded_not_sent_to_review() -> None:
    """sympy's derivative of max(x - a, y - b, 0) along x is Heaviside(x - max(0, y - b) - a): a product of
    indicators on the same lines (x = a, x - y = a - b) is correct, in any order or scale, and one that
    leaves a line out is incorrect; neither waits for a person."""
    key, names = "Heaviside(x - Max(0, y - b) - a)", ["x", "y", "a", "b"]
    for right in ("1(x-a > y-b)*1(x>a)", "1(x > a)*1(2x - 2a > 2y - 2b)"):
        assert check(key, right, names).verdict == "correct", right
    for wrong in ("1(x > a)", "1(x-a > y-b)", "1(x-a > y-b)*1(x>a+1)"):
        assert check(key, wrong, names).verdict == "incorrect", wrong
