"""The family contract, checked on every registered family, including a third-party one.

What a bank author and the generator rely on from any family, built-in or installed from elsewhere:
the same slot and seed give the same problem; every key the family draws is right (checked by the
independent numeric check, and exactly against sympy.diff); the worked steps and mistakes are well
formed; draws vary; and draw() declines (returns None) rarely, never raising. The third-party family
is a real distribution: a dist-info folder with an entry point, put on sys.path for these tests, whose
module is the worked example of docs/families.md (so the documented example is run, not just shown).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sympy

from quizgen.bank import load_bank
from quizgen.draw import draw_problem
from quizgen.families import registry
from quizgen.families.base import Draft, DraftStep, Family, SlotSpec
from quizgen.generate import generate
from quizgen.mathparse import parse_key, symbol
from quizgen.roster import Student
from quizgen.typeset.latexmath import check_latex
from quizgen.verify import verify_draft
from tests.families.drawtools import assert_key_correct, balanced_latex

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py)

THIRD_PARTY = "square_loss"
SEEDS = range(8)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "families.md"


def _worked_example() -> str:
    """The family module in docs/families.md's worked example (its first python block defining a Family)."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    return next(b for b in blocks if "(Family):" in b)


@pytest.fixture(scope="module", autouse=True)
def third_party_family(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Install the plugin as a distribution on sys.path: importlib.metadata finds its entry point."""
    site = tmp_path_factory.mktemp("site")
    (site / "square_loss_family.py").write_text(_worked_example(), encoding="utf-8")
    info = site / "square_loss_family-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: square-loss-family\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[quizgen.families]\n{THIRD_PARTY} = square_loss_family:SquareLoss\n", encoding="utf-8"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(site))
        yield site
        registry._instances.pop(THIRD_PARTY, None)


def _families() -> list[str]:
    return [*registry.family_names(), THIRD_PARTY]


def _slots(family: Family) -> list[SlotSpec]:
    """One slot per (difficulty, ask) the family declares, with the variables it defaults to."""
    out = []
    for difficulty in family.difficulties:
        for ask in family.asks:
            point = "random" if ask == "value" else None
            out.append(SlotSpec(number=1, family=family.name, difficulty=difficulty, points=1.0, ask=ask, point=point))
    return out


_DRAFTS: dict[tuple[str, int, str], list[Draft]] = {}
"""Drafts by (family, difficulty, ask), drawn once per worker: the key and the steps tests read the same ones."""


def _drafts(family: Family, slot: SlotSpec) -> list[Draft]:
    """One draft per seed (the first one the family does not decline); declines must be the exception."""
    key = (family.name, slot.difficulty, slot.ask)
    if key not in _DRAFTS:
        _DRAFTS[key] = _draw_seeds(family, slot)
    return _DRAFTS[key]


def _draw_seeds(family: Family, slot: SlotSpec) -> list[Draft]:
    drafts, declined = [], 0
    for seed in SEEDS:
        rng = random.Random(seed)
        for _ in range(10):
            draft = family.draw(slot, rng)
            if draft is not None:
                drafts.append(draft)
                break
            declined += 1
    assert len(drafts) == len(SEEDS), f"{slot.family} d{slot.difficulty} {slot.ask}: declined 10 draws in a row"
    assert declined <= len(SEEDS), f"{slot.family} d{slot.difficulty} {slot.ask}: declined {declined} draws"
    return drafts


def test_the_third_party_family_is_registered_like_the_built_in_ones() -> None:
    assert THIRD_PARTY in registry.family_names()
    assert THIRD_PARTY in [info.name for info in registry.list_families()]
    assert registry.get_family(THIRD_PARTY).name == THIRD_PARTY


@pytest.mark.parametrize("name", _families())
def test_same_slot_and_seed_give_the_same_problem(name: str) -> None:
    family = registry.get_family(name)
    for slot in _slots(family):
        for seed in (0, 7):
            first = draw_problem(slot, random.Random(seed))
            assert draw_problem(slot, random.Random(seed)) == first
            assert family.draw(slot, random.Random(seed)) == family.draw(slot, random.Random(seed))


@pytest.mark.parametrize("name", _families())
def test_every_key_drawn_is_right(name: str) -> None:
    """Every draft's key passes the generator's numeric check and equals sympy.diff exactly: a family
    whose key is wrong must fail here, not be redrawn silently by the generator."""
    family = registry.get_family(name)
    for slot in _slots(family):
        for i, draft in enumerate(_drafts(family, slot)):
            check = verify_draft(
                draft.function, draft.variables, draft.wrt, draft.answer, draft.kinks, random.Random(0), draft.point
            )
            assert check.ok, (name, slot.difficulty, slot.ask, draft.function, draft.answer)
            assert_key_correct(draft, seed=i)


@pytest.mark.parametrize("name", _families())
def test_steps_and_mistakes_are_well_formed(name: str) -> None:
    family = registry.get_family(name)
    for slot in _slots(family):
        for draft in _drafts(family, slot):
            assert draft.prompt_text.strip() and balanced_latex(draft.prompt_latex)
            assert draft.steps and all(isinstance(s, DraftStep) and s.text.strip() for s in draft.steps)
            assert set(draft.wrt) <= set(draft.variables)
            for m in draft.mistakes:
                assert m.kind.strip() and m.feedback.strip(), (name, m)
                if not isinstance(draft.answer, list):  # a gradient's mistake may miss a component
                    assert not isinstance(m.answer, list), (name, m.kind)
            for definition in draft.definitions.values():
                assert definition.free_symbols <= set(draft.variables), (name, draft.definitions)
        problem = draw_problem(slot, random.Random(1))
        for step in problem.steps:
            assert step.text.strip() and balanced_latex(step.latex), (name, step)
            check_latex(step.latex, f"{name} step")
        check_latex(problem.answer_latex, f"{name} key")


@pytest.mark.parametrize("name", _families())
def test_draws_vary(name: str) -> None:
    """Different seeds give different problems: on average at least three forms per (difficulty, ask) in
    eight seeds. (A slot may be small by design: a symbolic neuron's gradient has no numbers in it, so
    it varies only with the bank's options; a family that ignores its rng fails here.)"""
    family = registry.get_family(name)
    seen = set()
    for slot in _slots(family):
        seen |= {
            (slot.difficulty, slot.ask, p.prompt_text, str(p.answer))
            for p in (draw_problem(slot, random.Random(seed)) for seed in SEEDS)
        }
    assert len(seen) >= 3 * len(_slots(family)), (name, len(seen), len(_slots(family)))


def test_a_bank_can_use_the_third_party_family(tmp_path: Path) -> None:
    """The documented bank: a partial and a value question, generated, with the definition carried."""
    bank = tmp_path / "practice.yaml"
    bank.write_text(
        "title: Chain rule practice\nslots:\n  - family: square_loss\n    difficulty: 1\n"
        "  - family: square_loss\n    difficulty: 1\n    ask: value\n    point: {x: 2}\n",
        encoding="utf-8",
    )
    manifest = generate(load_bank(bank), [Student("s1"), Student("s2")], seed=3)
    partial, value = manifest.students[0].problems
    assert partial.family == value.family == THIRD_PARTY
    assert set(partial.definitions) == {"z"} and partial.prompt_text.startswith("Let z = ")
    x = symbol("x")
    function = parse_key(value.function, ["x"]).value
    assert value.point == {"x": 2}
    assert value.answer == str(sympy.diff(function, x).subs(x, 2))
