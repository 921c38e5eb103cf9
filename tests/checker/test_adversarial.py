"""Answers built to score without being right: none may be accepted, for every family's kind of key.

The keys are real: one problem of every bank in banks/ (one per family), drawn through the library as a
worksheet would be. Each attack is the key (typed back, as a student could) spoiled in a way sampling or
tolerances used to miss, or hidden behind a term that is identically zero but contains a typed decimal.
The controls are answers that must stay accepted.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from quizgen.bank import load_bank
from quizgen.checker import check
from quizgen.generate import generate_variants

BANKS = Path(__file__).resolve().parents[2] / "banks"
FAMILY_BANKS = sorted(p for p in BANKS.glob("*.yaml") if p.stem != "demo")

ZERO_WITH_DECIMAL = "10^6*(exp(1.0*({v}^2+1)) - exp({v}^2+1))"
"""Identically zero when 1.0 is read as the exact 1 it spells; the old rounding allowance made it huge."""

ATTACKS = {
    "exploit_offset": "({k}) + 1 + " + ZERO_WITH_DECIMAL,
    "exploit_factor": "({k})*101/100 + " + ZERO_WITH_DECIMAL,
    "exploit_small": "({k}) + 1/1000 + " + ZERO_WITH_DECIMAL,
    "exploit_nested": "({k}) + 2*" + ZERO_WITH_DECIMAL + "^2 + 1/10",
    "rounded_decimal_amplified": "({k}) + 10^6*(0.333 - 1/3)",
    "folded_into_a_decimal": "({k}) + 10^20 + 5.0 - 10^20",  # sympy rounds 10^20 + 5.0 to 15 digits
    "folded_product": "({k}) + 5.0*(1 + 10^20) - 5*10^20",
    "decimal_in_exponent": "({k}) + 10^6*(exp(0.333*{v}) - exp({v}/3))",
    "far_kink_700": "({k}) + 1({v} > 700)",
    "far_kink_minus_1e7": "({k}) + 1({v} < -10^7)",
    "far_kink_1e12": "({k}) + 1({v} > 10^12)",
    "bump": "({k}) + exp(-(300({v}-2))^2)",
    "strip_1e-9": "({k}) + 1({v} > 1)*1({v} < 1 + 10^-9)",
    "strip_1e-11": "({k}) + 1({v} > 1/3)*1({v} < 1/3 + 10^-11)",
    "offset_1e-60": "({k}) + 10^-60",
    "factor_1e-50": "({k})*(1 + 10^-50)",
    "linear_1e-40": "({k}) + 10^-40*{v}",
    "thirteen_breakpoints_then_a_strip": "({k}) + "
    + " + ".join(f"(1({{v}} > {i}) - 1({{v}} >= {i}))" for i in range(1, 14))
    + " + 1({v} > 5/2)*1({v} < 5/2 + 10^-7)",
}


@cache
def family_key(bank: Path) -> tuple[str, tuple[str, ...] | str, tuple[str, ...]]:
    """(family, key as in the manifest, variables) of the first problem of the bank's first slot."""
    b = load_bank(bank)
    problem = generate_variants(b, b.slots[0].number, 1, seed=1)[0]
    answer = problem.answer if isinstance(problem.answer, str) else tuple(problem.answer)
    return problem.family, answer, tuple(problem.variables)


def spoil(key: tuple[str, ...] | str, template: str, v: str) -> str:
    """The attack applied to the key (to the first component of a gradient; the others stay right)."""
    if isinstance(key, str):
        return template.format(k=key, v=v)
    return "[" + ", ".join([template.format(k=key[0], v=v), *key[1:]]) + "]"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("bank", FAMILY_BANKS, ids=[p.stem for p in FAMILY_BANKS])
def test_no_attack_is_accepted(bank: Path, attack: str) -> None:
    family, key, variables = family_key(bank)
    v = check(
        key if isinstance(key, str) else list(key),
        spoil(key, ATTACKS[attack], variables[0]),
        list(variables),
        timeout=10.0,
    )
    assert v.verdict != "correct", (family, key, attack, v)
    if isinstance(key, tuple):  # the spoiled component earns nothing; the others keep their share
        assert v.score <= (len(key) - 1) / len(key) + 1e-9, (family, attack, v)
    else:
        assert v.score == 0.0


@pytest.mark.parametrize("bank", FAMILY_BANKS, ids=[p.stem for p in FAMILY_BANKS])
def test_the_key_typed_back_and_a_zero_term_with_a_decimal_are_still_right(bank: Path) -> None:
    # the zero term is exactly zero when 1.0 reads as 1: a right answer stays right (also where sympy
    # folds it while parsing, exp(1.0*(x^2+1)) -> 2718281.82845904*exp(1.0*x^2): decimals are re-read
    # as fractions)
    family, key, variables = family_key(bank)
    for template in (
        "({k})",
        "({k}) + " + ZERO_WITH_DECIMAL,
        "({k}) + 10^6*(sin(1.0*{v}) - sin({v}))",
        "({k}) + 10^20 + 5.0 - 10^20 - 5",
    ):
        v = check(
            key if isinstance(key, str) else list(key),
            spoil(key, template, variables[0]),
            list(variables),
            timeout=10.0,
        )
        assert v.verdict == "correct", (family, template, v)


def test_every_family_is_attacked() -> None:
    families = {family_key(b)[0] for b in FAMILY_BANKS}
    assert {
        "sum_rule",
        "product_rule",
        "max_partial",
        "relu",
        "gradient",
        "chain_single",
        "chain_multi",
        "neuron",
    } <= families


@pytest.mark.parametrize(
    ("key", "answer", "variables"),
    [
        ("u/4", "0.25u", ["u"]),
        ("log(3)*3**u", "1.098612288668110*3^u", ["u"]),
        ("Piecewise((1, u > v), (0, True))", "1(u >= v)", ["u", "v"]),
        ("0", "u - u", ["u"]),
        ("2*x/3", "0.667x", ["x"]),
        ("x/3 + 1/2", "0.333x + 0.5", ["x"]),
        ("log(2)*2**x", "0.693*2^x", ["x"]),
        ("12*exp(3)", "241.03", []),
        ("1", "sqrt(k/m)*sqrt(m/k)", ["k", "m"]),
    ],
)
def test_controls_stay_accepted(key: str, answer: str, variables: list[str]) -> None:
    v = check(key, answer, variables)
    assert v.verdict == "correct" and v.score == 1.0, v


def test_a_rounded_decimal_is_named_in_the_message() -> None:
    v = check("x/3", "0.333x", ["x"])
    assert v.verdict == "correct" and "0.333 read as 1/3" in v.message and v.diagnosis == "rounded_decimal"


@pytest.mark.parametrize(("key", "answer"), [("x/3", "0.33x"), ("2*x/3", "0.67x")])
def test_a_decimal_with_too_few_digits_says_so(key: str, answer: str) -> None:
    v = check(key, answer, ["x"])
    assert v.verdict == "incorrect" and "too few digits" in v.message and v.diagnosis == "decimal_digits"


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("x/4", "0.26x"),  # 1/4 terminates: a decimal for it must be exact
        ("x**2", "x^2 + 0.333 - 1/3"),  # the key has no 1/3 for 0.333 to stand for
        ("x/3", "x/3 + 10^6*(0.333 - 1/3)"),  # within 0.333's rounding only before the 10^6
        ("x/3 + exp(10x)", "x/3 + exp(10x) + 10^6*(0.333 - 1/3)"),  # a key with a huge range buys nothing
        ("log(2)*2**x", "log(2)*2^x + 10^3*(0.693 - log(2))"),
        ("x/3", "0.3334x"),  # not 1/3 rounded to four digits
        ("x**2", "1.001x^2"),
    ],
)
def test_decimals_are_exact_unless_they_round_a_constant_of_the_key(key: str, answer: str) -> None:
    assert check(key, answer, ["x"]).verdict == "incorrect"


def test_bump_without_proof_is_never_correct() -> None:
    # found by the dense search (incorrect) or, failing that, sent to a person (unsure): never correct
    v = check("u", "u + exp(-(3000(u-2))^2)", ["u"], timeout=10.0)
    assert v.verdict in ("incorrect", "unsure") and v.score == 0.0


def test_unsure_is_a_verdict_of_its_own() -> None:
    # a bump 1e-6 wide at u = 0: no sample lands on it, the dense search misses it, simplify cannot prove
    # it zero (it is not): the answer goes to a person, with score 0, never to "correct"
    # (the timeout is a hang guard: on a loaded machine the proof attempt may outlast 10 s, which says "timeout")
    v = check("exp(u)", "exp(u) + exp(-(10^6 u)^2)", ["u"], timeout=60.0)
    assert v.verdict == "unsure" and v.score == 0.0 and "person" in v.message, v
    assert v.diagnosis == "unproven" and v.to_dict()["verdict"] == "unsure"


def test_a_proof_makes_an_answer_with_new_structure_correct() -> None:
    # exp is not in the key: the numbers agree, and simplify proves the difference zero
    assert check("2*u", "2u + exp(u) - exp(u)*1", ["u"]).verdict == "correct"
    v = check("sinh(u)", "(exp(u) - exp(-u))/2", ["u"], timeout=10.0)
    assert v.verdict == "correct", v


def test_a_narrower_domain_cannot_drop_a_branch_of_the_key() -> None:
    # real only where the indicator is 1: it says nothing where the key is 0
    assert check("Piecewise((1, x > 0), (0, True))", "1 + sqrt(x) - sqrt(x^3)/x", ["x"]).verdict == "incorrect"
    v = check("1", "sqrt(k/m)*sqrt(m/k)", ["k", "m"])
    assert v.verdict == "correct" and v.diagnosis == "narrower_domain" and "defined" in v.message
