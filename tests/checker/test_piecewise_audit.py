"""Answers that ignore a key's kink (each branch of its Piecewise alone) against the families' shapes and the
adversarial ones of the audit in docs/checking.md: what is caught, pinned."""

from __future__ import annotations

import pytest

from quizgen.checker import check


@pytest.mark.parametrize(
    ("a", "b", "r2"), [(5, 5, "1"), (10, 10, "4"), (20, -20, "9"), (7, -3, "9/100"), (-8, 6, "1"), (1000, 1000, "100")]
)
def test_ignoring_a_disc_far_from_the_origin_is_wrong(a: int, b: int, r2: str) -> None:
    """d/dx relu(r^2 - (x - a)^2 - (y - b)^2) is 2(a - x) on a small disc off the axes and 0 elsewhere: 0 was
    accepted when no scan line, probe box or axis met the disc. Each branch alone is wrong; the key is right."""
    disc = f"(x - {a})**2 + (y - {b})**2"
    key = f"Piecewise((0, {disc} > {r2}), ({2 * a} - 2*x, True))"
    assert check(key, "0", ["x", "y"]).verdict == "incorrect"
    assert check(key, f"{2 * a} - 2*x", ["x", "y"]).verdict == "incorrect"
    assert check(key, f"({2 * a} - 2x) 1({r2} - (x - {a})^2 - (y - {b})^2 > 0)", ["x", "y"]).verdict == "correct"
    outside = f"Piecewise((0, {disc} < {r2}), (2*x - {2 * a}, True))"  # relu((x - a)^2 + (y - b)^2 - r^2)
    assert check(outside, f"2*x - {2 * a}", ["x", "y"]).verdict == "incorrect"
    ball = f"Piecewise((0, {disc} + (z - {a})**2 > {r2}), ({2 * a} - 2*x, True))"
    assert check(ball, "0", ["x", "y", "z"]).verdict == "incorrect"


@pytest.mark.parametrize("c", [1, 5, 30, 1000, 10**6])
def test_ignoring_a_hyperbola_or_a_far_parabola_is_wrong(c: int) -> None:
    """relu(x*y - c), relu(c - x*y), relu(y - x^2 - c), relu(x*y*z - c), relu(x*y + z - c): the answers that
    ignore the kink are wrong at every size of c (the audit's shapes with no false accept)."""
    cases = [
        (f"Piecewise((y, x*y - {c} > 0), (0, True))", ("y", "0"), ["x", "y"]),
        (f"Piecewise((-y, {c} - x*y > 0), (0, True))", ("-y", "0"), ["x", "y"]),
        (f"Piecewise((1, y - x**2 - {c} > 0), (0, True))", ("1", "0"), ["x", "y"]),
        (f"Piecewise((y*z, x*y*z - {c} > 0), (0, True))", ("y*z", "0"), ["x", "y", "z"]),
        (f"Piecewise((1, x*y + z - {c} > 0), (0, True))", ("1", "0"), ["x", "y", "z"]),
    ]
    for key, answers, variables in cases:
        for answer in answers:
            assert check(key, answer, variables).verdict == "incorrect", (key, answer)
