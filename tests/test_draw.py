"""quizgen.draw: one slot's checked problem, and the bank loader's trial draw."""

from __future__ import annotations

import random

import pytest

from quizgen.draw import MAX_ATTEMPTS, GenerationError, Stats, draw_problem, trial_draw
from quizgen.families import registry
from quizgen.families.kit import Draft, DraftStep, Family, SlotSpec, var


class _Fake(Family):
    """A family whose behaviour each test sets: a right key, a wrong key, declining, or a crash."""

    name = "fake"
    summary = "test double"
    mode = "right"

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        if self.mode == "crash":
            raise ZeroDivisionError("division by zero")
        if self.mode == "decline" or (self.mode == "decline_once" and rng.random() < 0.5):
            return None
        x = var("x")
        a = rng.randint(2, 9)
        key = 2 * a * x if self.mode != "wrong" else 3 * a * x
        return Draft(
            function=a * x**2,
            variables=[x],
            wrt=[x],
            answer=key,
            prompt_text=f"Let f(x) = {a}*x^2.",
            prompt_latex=f"Let $f(x) = {a} x^{{2}}$.",
            steps=[DraftStep("Power rule:", key)],
        )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> _Fake:
    family = _Fake()
    monkeypatch.setitem(registry._instances, "fake", family)
    return family


SLOT = SlotSpec(number=2, family="fake", difficulty=1, points=1.0, ask="partial")


def test_a_drawable_slot_passes_the_trial_draw(fake: _Fake) -> None:
    assert trial_draw(SLOT) == ""
    problem = draw_problem(SLOT, random.Random(0))
    assert problem.slot == 2 and problem.family == "fake" and problem.answer.endswith("*x")


def test_declined_draws_are_redrawn_and_counted(fake: _Fake) -> None:
    fake.mode = "decline_once"
    stats = Stats()
    draw_problem(SLOT, random.Random(1), stats=stats)
    assert stats.accepted == 1 and stats.draws == stats.accepted + stats.redrawn["declined"]


def test_a_slot_whose_keys_are_always_wrong_is_reported_without_its_slot_prefix(fake: _Fake) -> None:
    fake.mode = "wrong"
    with pytest.raises(GenerationError) as info:
        draw_problem(SLOT, random.Random(0), where="bank.yaml: ")
    assert info.value.message.startswith(f"bank.yaml: slots[2] (fake): no valid problem after {MAX_ATTEMPTS} draws")
    assert trial_draw(SLOT).startswith(f"no valid problem after {MAX_ATTEMPTS} draws (verify_failed {MAX_ATTEMPTS})")


def test_a_family_that_always_declines_fails_the_trial_draw(fake: _Fake) -> None:
    fake.mode = "decline"
    assert trial_draw(SLOT).startswith(f"no valid problem after {MAX_ATTEMPTS} draws (declined {MAX_ATTEMPTS})")


def test_a_family_bug_is_reported_not_raised(fake: _Fake) -> None:
    fake.mode = "crash"
    assert trial_draw(SLOT) == (
        "fake cannot draw this slot (ZeroDivisionError: division by zero); change the slot or report it"
    )
