"""Answers that ignore a key's kink (each branch of its Piecewise alone) against the families' shapes and the
adversarial ones of the audit in docs/checking.md: what is caught, pinned."""

from __future__ import annotations

import functools
import random

import numpy as np
import pytest
import sympy

from quizgen.checker import check
from quizgen.checker.core import check_request
from quizgen.checker.verdict import CheckRequest

pytestmark = pytest.mark.usefixtures("heap_settled")  # tests/conftest.py


def _not_rejected(key: str, answer: str, variables: list[str]) -> bool:
    """The answer is correct or unsure, checked without the symbolic proof (where one is needed the verdict is
    unsure): "incorrect" comes only from the numbers and the witness search, both run here, so the proof
    (up to the 2 s timeout, in the worker) can only choose between correct and unsure, which these tests
    do not tell apart. The proof itself is tested in test_worker."""
    verdict = check_request(CheckRequest(key, answer, tuple(variables)), symbolic=None).verdict
    return verdict in ("correct", "unsure")


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


def test_the_two_false_accepts_of_a_far_corner_are_wrong() -> None:
    """1(x > 1000) relu(y - 1000) differs from relu(y - 1000) on the quarter x < 1000 < y, and
    1(x > 1000) relu(1000 - y) from 1(x > 1000)(1000 - y) on x > 1000, y > 1000: both quarters lie around
    (1000, 1000), far from the sample box, and were accepted. The key itself, written otherwise, is right."""
    assert check("1(x>1000)*relu(y-1000)", "relu(y-1000)", ["x", "y"]).verdict == "incorrect"
    assert check("1(x>1000)*relu(1000-y)", "1(x>1000)*(1000-y)", ["x", "y"]).verdict == "incorrect"
    for right in (
        "Heaviside(x - 1000)*max(0, y - 1000)",
        "1(x > 1000)*1(y > 1000)*(y - 1000)",
        "relu(y-1000)*1(x>1000)",
    ):
        assert check("1(x>1000)*relu(y-1000)", right, ["x", "y"]).verdict == "correct", right
    assert check("1(x>1000)*relu(1000-y)", "1(x>1000)*max(1000-y, 0)", ["x", "y"]).verdict == "correct"


def _x_derivatives(a: int, b: int) -> dict[str, sympy.Basic]:
    x, y = sympy.symbols("x y", real=True)
    shapes = {
        "relu(x - a) relu(y - b)": sympy.Max(0, x - a) * sympy.Max(0, y - b),
        "relu(x - a) relu(b - y)": sympy.Max(0, x - a) * sympy.Max(0, b - y),
        "max(x - a, y - b, 0)": sympy.Max(x - a, y - b, 0),
        "max((x - a)^2, (y - b)^2 + 1)": sympy.Max((x - a) ** 2, (y - b) ** 2 + 1),
    }
    return {name: sympy.diff(f, x) for name, f in shapes.items()}


@functools.cache
def _piecewise_keys() -> dict[str, sympy.Basic]:
    """_x_derivatives(0, 0) as sympy's Piecewise, once (see _piecewise_key)."""
    return {name: sympy.piecewise_fold(d.rewrite(sympy.Piecewise)) for name, d in _x_derivatives(0, 0).items()}


def _piecewise_key(name: str, d: sympy.Basic, a: int, b: int) -> sympy.Basic:
    """d, the shape's derivative at (a, b), as sympy's Piecewise. Rewriting and folding costs 0.1 s of sympy
    for max(x - a, y - b, 0) at each corner; where a = b the key at (0, 0) translated (xreplace, 2 ms) is
    the same text (compared for every corner in CORNERS), so the checks and their seeds are the same. Where
    a != b sympy writes x - y < a - b, the translation x < y + a - b: those are built anew."""
    if a != b:
        return sympy.piecewise_fold(d.rewrite(sympy.Piecewise))
    x, y = sympy.symbols("x y", real=True)
    return _piecewise_keys()[name].xreplace({x: x - a, y: y - b})


CORNERS = [(1, 1), (5, 5), (10, 10), (30, 30), (100, 100), (1000, 1000), (1000, -1000), (-30, 1000), (10**6, 10**6)]


@pytest.mark.parametrize(("a", "b"), CORNERS)
def test_every_branch_alone_of_a_key_with_a_corner_is_wrong(a: int, b: int) -> None:
    """The audit's cells row (docs/checking.md): the derivative in x of relu(x - a) relu(±(y - b)),
    max(x - a, y - b, 0) and max((x - a)^2, (y - b)^2 + 1), as sympy's Piecewise, against every branch of
    it alone (the measure-zero ones too): 36 keys, 108 answers. Main accepted 9 (branch pwaudit counted 10
    of 48 of its own): each differs from the key only on cells around (a, b). None is accepted now; the
    key as sympy writes it (Heaviside and Max) stays right."""
    for name, d in _x_derivatives(a, b).items():
        key = _piecewise_key(name, d, a, b)
        branches = {str(e) for e, _ in key.args}
        assert len(branches) >= 2, name
        for branch in sorted(branches):
            assert check(str(key), branch, ["x", "y"]).verdict == "incorrect", (name, branch)
        assert _not_rejected(str(key), str(d), ["x", "y"]), name  # unsure: see below


@pytest.mark.parametrize(("a", "b"), [(10, 10), (1000, 1000), (1000, -1000)])
def test_a_key_with_a_corner_written_otherwise_is_right(a: int, b: int) -> None:
    """Right answers in other forms stay right: 1(...) for Heaviside, relu and max(0, .) for each other,
    the indicator of a conjunction for a product of indicators, a Piecewise written otherwise.
    (max(x - a, y - b, 0)'s derivative typed as 1(x - a > y - b) 1(x > a) has breakpoints the key's
    Heaviside(x - Max(0, y - b) - a) does not: it is unsure, as on main, for want of a proof.)"""
    v = ["x", "y"]
    relu_key = f"Heaviside(x - {a})*Max(0, y - {b})"
    for right in (
        f"1(x>{a})*relu(y-{b})",
        f"Heaviside(x-{a})*max(0,y-{b})",
        f"1(x>{a})*1(y>{b})*(y-{b})",
        f"(y-{b})*1(x>{a} and y>{b})",
        f"1(x > {a})*(abs(y-{b}) + y - {b})/2",
    ):
        assert check(relu_key, right, v).verdict == "correct", right
    pw = f"Piecewise((y - {b}, (x > {a}) & (y > {b})), (0, True))"
    assert check(pw, f"Piecewise((0, x < {a} or y < {b}), (y - {b}, True))", v).verdict == "correct"
    assert check(pw, f"y - {b} if x > {a} and y > {b} else 0", v).verdict == "correct"
    assert check(pw, f"1(x>{a})*relu(y-{b})", v).verdict == "correct"
    mirrored = f"Heaviside(x - {a})*Max(0, {b} - y)"
    for right in (f"1(x>{a})*relu({b}-y)", f"1(x>{a})*1(y<{b})*({b}-y)", f"1(x>{a})*max({b}-y, 0)"):
        assert check(mirrored, right, v).verdict == "correct", right
    assert check(f"Heaviside(x - Max(0, y - {b}) - {a})", f"1(x - {a} > max(y - {b}, 0))", v).verdict == "correct"
    square = f"(2*x - {2 * a})*Heaviside((x - {a})**2 - (y - {b})**2 - 1)"
    assert check(square, f"2(x-{a})*1((x-{a})^2 > (y-{b})^2+1)", v).verdict == "correct"


@pytest.mark.parametrize("a", [10, 1000, 10**6])
def test_three_variables_with_a_far_corner(a: int) -> None:
    """In 3 variables the planes meet along lines, cut into pieces by the others: an answer that forgets
    one indicator differs on an octant or a wedge around (a, a, a). Main accepted 8 of the 18 wrong ones."""
    v = ["x", "y", "z"]
    relu = f"Heaviside(x - {a})*Heaviside(y - {a})*Max(0, z - {a})"
    max4 = f"Heaviside(x - Max(0, y - {a}, z - {a}) - {a})"
    planes = f"Heaviside(x + y - {2 * a})*Heaviside(y + z - {2 * a})*Heaviside(x - z - 3)"
    cases = [
        (relu, f"1(y>{a})*relu(z-{a})", f"1(x>{a})*1(y>{a})*max(0,z-{a})"),
        (relu, f"1(x>{a})*relu(z-{a})", f"relu(z-{a})*1(x>{a} and y > {a})"),
        (max4, f"1(x > {a})*1(x > y)", f"1(x - {a} > max(0, y - {a}, z - {a}))"),
        (max4, f"1(x > {a})*1(x > z)", f"1(x - {a} > max(0, y - {a}, z - {a}))"),
        (planes, f"1(x+y>{2 * a})*1(y+z>{2 * a})", f"1(x+y>{2 * a} and y+z>{2 * a} and x-z>3)"),
        (planes, f"1(x+y>{2 * a})*1(x-z>3)", f"1(x+y>{2 * a})*1(y+z>{2 * a})*1(x>z+3)"),
    ]
    for key, wrong, right in cases:
        assert check(key, wrong, v).verdict == "incorrect", (key, wrong)
        assert check(key, right, v).verdict == "correct", (key, right)


def test_four_variables_and_four_breakpoints() -> None:
    """Four hyperplanes whose normals span 4 dimensions: their cells are all reached (the construction
    recurses on the flats where two meet), so the key written otherwise is right without a proof, and
    forgetting one indicator is wrong."""
    v = ["x", "y", "z", "w"]
    key = "Max(0, x + y + z + w - 1000)*Heaviside(x - 1000)*Heaviside(w - y)*Heaviside(z - y - 1)"
    assert check(key, "relu(x+y+z+w-1000)*1(x>1000)*1(w>y)*1(z>y+1)", v).verdict == "correct"
    assert check(key, "relu(x+y+z+w-1000)*1(x>1000 and w>y and z>y+1)", v).verdict == "correct"
    assert check(key, "relu(x+y+z+w-1000)*1(x>1000)*1(z>y+1)", v).verdict == "incorrect"
    assert check(key, "relu(x+y+z+w-1000)*1(w>y)*1(z>y+1)", v).verdict == "incorrect"


@pytest.mark.parametrize("a", [10, 1000, 10**5])
def test_curved_breakpoints_with_a_far_corner(a: int) -> None:
    """Curved breakpoints meet where Gauss-Newton takes the crossings (no promise, docs/checking.md): these
    far corners are found. Main accepted some of the answers with a factor forgotten at every a."""
    v2, v3 = ["x", "y"], ["x", "y", "z"]
    cases = [
        (f"Heaviside(x**3 - {a**3})*Max(0, y - {a})", f"relu(y-{a})", f"1(x^3 > {a**3})*relu(y - {a})", v2),
        (
            f"Heaviside(x - {a})*Heaviside(y**2 - {a * a} - x + {a})",
            f"1(x > {a})",
            f"1(x>{a})*1(y^2 > {a * a} + x - {a})",
            v2,
        ),
        (f"Heaviside(x*y - {a * a})*Max(0, z - {a})", f"relu(z-{a})", f"1(x*y>{a * a})*relu(z-{a})", v3),
        (
            f"Heaviside(x**3 - {a**3})*Heaviside(y - {a})*Max(0, z - {a})",
            f"1(x^3>{a**3})*relu(z-{a})",
            f"1(x^3>{a**3})*1(y>{a})*relu(z-{a})",
            v3,
        ),
    ]
    for key, wrong, right, variables in cases:
        assert check(key, wrong, variables).verdict == "incorrect", (key, wrong)
        assert check(key, right, variables).verdict == "correct", (key, right)


Form = tuple[list[int], int]
NAMES = ["x", "y", "z", "w"]


def _text(form: Form) -> str:
    c, e = form
    return " + ".join(f"({ci})*{v}" for ci, v in zip(c, NAMES) if ci) + f" + ({e})"


def _inside(forms: list[Form], ps: np.ndarray, skip: int = -1) -> np.ndarray:
    """Which points are inside every form but skip's, summed as plain Python would (0 + c_1 p_1 + ... + e,
    term by term, in floats), one numpy column at a time."""
    inside = np.ones(len(ps), dtype=bool)
    for j, (c, e) in enumerate(forms):
        if j != skip:
            acc = np.zeros(len(ps))
            for i, ci in enumerate(c):
                acc = acc + float(ci) * ps[:, i]
            inside &= acc + e > 0
    return inside


def _drop_matters(forms: list[Form], drop: int, center: list[int], rng: random.Random) -> bool:
    """Whether one of 20,000 random points near center is inside all forms but drop and not all of them
    (or the reverse), evaluated 1,000 at a time; rng is left as drawing them one by one up to the first
    such point would leave it, so the cases drawn after this one do not depend on the chunks."""
    for _ in range(20):
        state = rng.getstate()
        ps = np.array([[s + rng.uniform(-20, 20) for s in center] for _ in range(1_000)])
        differs = np.flatnonzero(_inside(forms, ps) != _inside(forms, ps, drop))
        if differs.size:
            rng.setstate(state)
            for _ in range((int(differs[0]) + 1) * len(center)):
                rng.uniform(-20, 20)
            return True
    return False


def _draw(rng: random.Random) -> tuple[list[Form], list[int]]:
    """2 to 4 linear forms (coefficients -2..2) in 2 to 4 variables, all vanishing near one far point."""
    n = rng.choice([2, 3, 4])
    center = [rng.choice([1, 10, 1000, 10**5]) * rng.choice([1, -1]) for _ in range(n)]
    forms = []
    for _ in range(rng.randint(2, 4)):
        c = [rng.randint(-2, 2) for _ in range(n)]
        if not any(c):
            c[0] = 1
        forms.append((c, -sum(ci * si for ci, si in zip(c, center)) + rng.randint(-3, 3)))
    return forms, center


def random_indicator_cases(seed: int, draws: int) -> list[tuple[str, str, str, list[str]]]:
    """(key, right, wrong, variables): a product of indicators, the same as one indicator of a
    conjunction with every other form doubled, and the product with one indicator left out where a
    random search near the point finds that it matters."""
    rng = random.Random(seed)
    cases = []
    for _ in range(draws):
        forms, center = _draw(rng)
        key = "*".join(f"1({_text(f)} > 0)" for f in forms)
        right = "1(" + " and ".join(f"{1 + j % 2}*({_text(f)}) > 0" for j, f in enumerate(forms)) + ")"
        drop = rng.randrange(len(forms))
        if _drop_matters(forms, drop, center, rng):
            wrong = "*".join(f"1({_text(f)} > 0)" for j, f in enumerate(forms) if j != drop)
            cases.append((key, right, wrong, NAMES[: len(center)]))
    return cases


def test_random_products_of_indicators_around_a_far_point() -> None:
    """Products of 2 to 4 indicators of linear forms in 2 to 4 variables breaking near one far point
    (coordinates up to 10^5), against the product with one indicator left out: none is accepted (main
    accepted 17 of these 36), and the key written as one indicator of a conjunction is right."""
    cases = random_indicator_cases(7, 40)
    assert len(cases) >= 30
    for key, right, wrong, variables in cases:
        assert check(key, right, variables).verdict == "correct", (key, right)
        assert check(key, wrong, variables).verdict == "incorrect", (key, wrong)


def test_a_curved_breakpoint_crossing_the_lines_of_affine_ones() -> None:
    """Found by a random search (a curved indicator among affine ones): x y = -1000 crosses the region of
    the two max indicators only far out along its asymptote, and the surface y z = -10^4 meets the slab
    |x + y - z + 1011| < 2 with x > -1 only near y = -10 and y = -998. Each answer that leaves one indicator
    out was accepted; the curved breakpoint is now scanned along the lines where the affine ones meet."""
    key = "1(y*x > -1000)*1((-2)*x + y + 1003 > max(-x + 2y + 2002, 0))*1(2y + 2000 > max(2x + y + 1000, 0))"
    wrong = "1((-2)*x + y + 1003 > max(-x + 2y + 2002, 0))*1(2y + 2000 > max(2x + y + 1000, 0))"
    assert check(key, wrong, ["x", "y"]).verdict == "incorrect"
    key3 = "1(abs(x + y - z + 1011) > 2)*1(x + 1 > 0)*1(y*z > -10000)"
    assert check(key3, "1(x + 1 > 0)*1(y*z > -10000)", ["x", "y", "z"]).verdict == "incorrect"
    right3 = "(1(x + y - z + 1011 > 2) + 1(x + y - z + 1011 < -2))*Heaviside(x + 1)*1(y*z + 10000 > 0)"
    assert _not_rejected(key3, right3, ["x", "y", "z"])


def test_the_answers_own_breakpoints_get_corners_too() -> None:
    """An answer's breakpoints that the key lacks get corners with the key's (equivalence: the answer's own,
    added to the key's): a key that leaves one indicator out of a product, and the product as the answer.
    Two cases of random_indicator_cases (seeds 7 and 9) swapped: of 144 (seeds 7 to 10), the two not found
    incorrect when the corners were the key's alone (a bug planted; these two are then unsure)."""
    cases = [
        (
            "1(2x + y - z + 2w + 4000 > 0)*1(-2x + z - 2001 > 0)*1(-x - y - 2w - 3002 > 0)",
            "1(-2y - z + w + 998 > 0)",
            ["x", "y", "z", "w"],
        ),
        (
            "1(x + y - 1008 > 0)*1(-2y + 2z + 2001 > 0)*1(-2x + y - 2z - 981 > 0)",
            "1(2x + y + 2z - 1021 > 0)",
            ["x", "y", "z"],
        ),
    ]
    for key, more, variables in cases:
        assert check(key, f"{more}*{key}", variables).verdict == "incorrect", (key, more)
