"""Variables named like Maxima keywords, constants or functions never reach a STACK export.

The name lists are checked against a real Maxima when one is installed (`apt-get install maxima`), and every
shipped bank's STACK questions are run through it; without Maxima those tests skip and the list is used as
committed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from exporttools import stack_variables
from lxml import etree
from maxima_probe import VARIABLE_RE, all_symbols, evaluate, maxima, name_kinds

from quizgen import maxima_names as names
from quizgen.bank import validate_bank
from quizgen.export import export_bank

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py)

BANKS = Path(__file__).resolve().parents[2] / "banks"
needs_maxima = pytest.mark.skipif(maxima() is None, reason="Maxima is not installed")

BANK = """title: T
slots:
  - family: sum_rule
    variables: [x, {name}]
    ask: partial
    wrt: x
"""


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("do", "a Maxima keyword"),
        ("if", "reserved"),
        ("then", "a Maxima keyword"),
        ("inf", "a Maxima constant"),
        ("ind", "a Maxima constant"),
        ("system", "a Maxima function"),
        ("load", "a Maxima function"),
        ("ev", "a Maxima function"),
        ("eval", "a Maxima function"),
        ("numer", "a Maxima system variable"),
        ("domain", "a Maxima system variable"),
        ("kill", "a Maxima function"),
        ("diff", "reserved"),
    ],
)
def test_bank_check_refuses_maxima_names_with_their_line(tmp_path: Path, name: str, why: str) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(BANK.format(name=name), encoding="utf-8")
    errors = validate_bank(path)
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:4: slots[1].variables: '{name}' is ")
    assert why in errors[0] and "choose another name" in errors[0]


@pytest.mark.parametrize("name", ["y", "w1", "gamma", "beta", "zeta", "alpha", "Do", "If"])
def test_ordinary_and_greek_names_stay_allowed(tmp_path: Path, name: str) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(BANK.format(name=name), encoding="utf-8")
    assert validate_bank(path) == []


@needs_maxima
def test_the_lists_agree_with_maxima() -> None:
    """Every listed name means something to Maxima, and every name Maxima gives a meaning is listed."""
    listed = names.KEYWORDS | names.CONSTANTS | names.OPTION_VARIABLES | names.FUNCTIONS
    kinds = name_kinds(sorted(listed))
    assert {n for n, kind in kinds.items() if kind == "free"} == set()
    assert kinds["do"] == "keyword" and kinds["inf"] == "constant" and kinds["numer"] == "value"
    everything = name_kinds([n for n in all_symbols() if VARIABLE_RE.match(n)])
    meaningful = {n for n, kind in everything.items() if kind != "free"}
    greek = {"beta", "gamma", "zeta"}
    assert meaningful - greek <= listed
    assert len(meaningful) > 600  # the probe really read Maxima's symbol table


def _stack_programs(path: Path) -> list[tuple[str, str, list[str]]]:
    root = etree.parse(str(path)).getroot()
    out = []
    for q in root.findall("question"):
        if q.get("type") != "stack":
            continue
        text = q.findtext("questionvariables/text")
        # every answer a potential response tree compares with (the key, each typical mistake) must parse too
        text += "".join(f"\nqgtans{i}: {node.findtext('tans')};" for i, node in enumerate(q.iter("node")))
        variables = sorted(set(re.findall(r"\b[A-Za-z]\w*\b", text)))
        out.append((q.findtext("idnumber"), text, variables))
    return out


@needs_maxima
def test_every_shipped_bank_exports_questions_that_run_in_maxima(tmp_path: Path) -> None:
    programs = []
    for bank in sorted(BANKS.glob("*.yaml")):
        # two variants of every slot: each question shape with two sets of numbers (export is the cost here)
        target, _ = export_bank(bank, fmt="moodle-stack", out=tmp_path / f"{bank.stem}.xml", variants=2, seed=3)
        programs += _stack_programs(target)
    assert len(programs) > 50
    results = evaluate([text for _, text, _ in programs])
    failures = [(qid, text, r) for (qid, text, _), r in zip(programs, results, strict=True) if r != "ok"]
    assert failures == []


@needs_maxima
def test_every_question_shape_runs_in_maxima(quiz, tmp_path: Path) -> None:
    """The hand-made quiz: symbolic, indicator, gradient, value and gradient-value questions, with mistakes."""
    from quizgen.export.stack_xml import stack_xml

    path = tmp_path / "s.xml"
    path.write_text(stack_xml(quiz=quiz), encoding="utf-8")
    programs = _stack_programs(path)
    assert programs and all("qgtans" in text for _, text, _ in programs)
    assert evaluate([text for _, text, _ in programs]) == ["ok"] * len(programs)


@needs_maxima
def test_greek_variables_stay_symbols_in_maxima(tmp_path: Path) -> None:
    """gamma and beta are Maxima functions, but as variables they are plain symbols that diff works on."""
    path = tmp_path / "bank.yaml"
    path.write_text(
        BANK.format(name="gamma").replace("[x, gamma]", "[beta, gamma]").replace("wrt: x", "wrt: beta"),
        encoding="utf-8",
    )
    target, _ = export_bank(path, fmt="moodle-stack", out=tmp_path / "s.xml", variants=2, seed=1)
    checks = []
    for _, text, _ in _stack_programs(target):
        qv = stack_variables(text)
        fname = next(iter(qv))
        vars_of_f = f"setify(listofvars({fname}))"
        checks.append(text + f'\nif {vars_of_f} # {{beta, gamma}} then error("not symbols");')
    assert checks and evaluate(checks) == ["ok"] * len(checks)
