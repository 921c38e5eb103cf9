"""parse_answer / parse_key: accepted forms and their sympy values, interpreted text, vectors, keys."""

from __future__ import annotations

import re

import pytest
import sympy

from quizgen.mathparse import AnswerSyntaxError, Parsed, parse_answer, parse_key, parse_key_value, symbol

x, y, z = symbol("x"), symbol("y"), symbol("z")
w1, x1 = symbol("w1"), symbol("x1")
XY = ["x", "y"]


def ind(cond: sympy.Basic) -> sympy.Expr:
    return sympy.Piecewise((1, cond), (0, True))


# (input, variables, expected sympy value): compared structurally after sympy's automatic evaluation
VALUE_CASES = [
    ("2x+3y", XY, 2 * x + 3 * y),
    ("3y + 2x", XY, 2 * x + 3 * y),
    ("2 x y^3", XY, 2 * x * y**3),
    ("2xy^3", XY, 2 * x * y**3),
    ("3xy", XY, 3 * x * y),
    ("2(x+1)", XY, 2 * x + 2),
    ("(x+1)(x-1)", XY, (x + 1) * (x - 1)),
    ("x(1+y)", XY, x * (1 + y)),
    ("4x sin(x)", XY, 4 * x * sympy.sin(x)),
    ("xcos(y)", XY, x * sympy.cos(y)),
    ("15*(2x^2)^4*4x", XY, 960 * x**9),
    ("15(2x^2)^4(4x)", XY, 960 * x**9),
    ("x**2 - x^2", XY, sympy.S.Zero),
    ("2^3^2", XY, sympy.Integer(512)),
    ("-x^2", XY, -(x**2)),
    ("-2^2", XY, sympy.Integer(-4)),
    ("2^-x", XY, 2 ** (-x)),
    ("1/2x", XY, x / 2),
    ("x/2y", XY, x * y / 2),
    ("e^x", XY, sympy.exp(x)),
    ("E**x", XY, sympy.exp(x)),
    ("6x e^(3x^2)", XY, 6 * x * sympy.exp(3 * x**2)),
    ("exp(3x^2)*6x", XY, 6 * x * sympy.exp(3 * x**2)),
    ("pi x", XY, sympy.pi * x),
    ("2pi", XY, 2 * sympy.pi),
    ("ln(x) - log(x)", XY, sympy.S.Zero),
    ("log10(x)", XY, sympy.log(x) / sympy.log(10)),
    ("log2(x)", XY, sympy.log(x) / sympy.log(2)),
    ("sqrt(x)", XY, sympy.sqrt(x)),
    ("abs(x) + |y|", XY, sympy.Abs(x) + sympy.Abs(y)),
    ("|x|y|z|", ["x", "y", "z"], sympy.Abs(x) * y * sympy.Abs(z)),
    ("||x|-1|", XY, sympy.Abs(sympy.Abs(x) - 1)),
    ("max(x, y)", XY, sympy.Max(x, y)),
    ("min(x, y, 0)", XY, sympy.Min(x, y, 0)),
    ("Max(x, 0)", XY, sympy.Max(x, 0)),
    ("sign(x) + sgn(y)", XY, sympy.sign(x) + sympy.sign(y)),
    ("Heaviside(x - y)", XY, sympy.Heaviside(x - y)),
    ("relu(2x+1)", XY, sympy.Max(2 * x + 1, 0)),
    ("sigmoid(x)", XY, 1 / (1 + sympy.exp(-x))),
    ("sin^2(x) + cos^2(x)", XY, sympy.sin(x) ** 2 + sympy.cos(x) ** 2),
    ("sec^2(3x)", XY, sympy.sec(3 * x) ** 2),
    ("arcsin(x) - asin(x)", XY, sympy.S.Zero),
    ("arctan(x)", XY, sympy.atan(x)),
    ("sinh(x)cosh(y)tanh(x)", XY, sympy.sinh(x) * sympy.cosh(y) * sympy.tanh(x)),
    ("1(x > y)", XY, ind(x > y)),
    ("1(x>=y)", XY, ind(x >= y)),
    ("[x > y]", XY, ind(x > y)),
    ("3*[x > 0]", XY, 3 * ind(x > 0)),
    ("2*1(x < y)", XY, 2 * ind(x < y)),
    ("1 if x > y else 0", XY, ind(x > y)),
    ("x if x > 0 else 0", XY, sympy.Piecewise((x, x > 0), (0, True))),
    ("Piecewise((1, x > y), (0, True))", XY, ind(x > y)),
    ("Piecewise((1,x>=0),(0,True))", XY, ind(x >= 0)),
    ("[x > 0 and y > 0]", XY, ind(sympy.And(x > 0, y > 0))),
    ("w1x1", ["w1", "x1"], w1 * x1),
    ("w_1x_1", ["w_1", "x_1"], symbol("w_1") * symbol("x_1")),
    ("w1 x1", ["w_1", "x_1"], symbol("w_1") * symbol("x_1")),
    ("ex", XY, sympy.E * x),
    ("e", ["e", "x"], symbol("e")),
    ("2e", ["e"], 2 * symbol("e")),
    ("(2)(3)", XY, sympy.Integer(6)),
    ("{x+1}^2", XY, (x + 1) ** 2),
    ("+x", XY, x),
    ("--x", XY, x),
    ("2*-x", XY, -2 * x),
    ("x^(1/2)", XY, sympy.sqrt(x)),
    ("(x^2)^3", XY, x**6),
]


@pytest.mark.parametrize(("text", "variables", "expected"), VALUE_CASES)
def test_values(text: str, variables: list[str], expected: sympy.Expr) -> None:
    parsed = parse_answer(text, variables)
    assert isinstance(parsed, Parsed)
    assert parsed.value == expected, (parsed.value, expected)


def test_variables_are_real_symbols() -> None:
    value = parse_answer("x", XY).value
    assert value is symbol("x")
    assert value.is_real


DECIMAL_CASES = [("1.5x", 1.5), ("0.333", 0.333), (".5", 0.5), ("2(x + 1.5y)", None)]


@pytest.mark.parametrize(("text", "number"), DECIMAL_CASES)
def test_decimals_are_floats(text: str, number: float | None) -> None:
    value = parse_answer(text, XY).value
    assert value.atoms(sympy.Float), "a decimal must stay visibly inexact (a Float) for the checker"
    if number is not None:
        assert float(value.subs(x, 1)) == pytest.approx(number)


def test_decimal_keeps_all_typed_digits() -> None:
    value = parse_answer("0.12345678901234567890123", XY).value
    assert abs(value - sympy.Rational(12345678901234567890123, 10**23)) < sympy.Rational(1, 10**22)


def test_fractions_stay_exact() -> None:
    assert parse_answer("99999999/10^8", XY).value == sympy.Rational(99999999, 10**8)
    assert parse_answer("99999999/10^8", XY).value != sympy.Rational(99999998, 99999999)


INTERPRETED_CASES = [
    ("15(2x^2)^4(4x)", "15*(2*x^2)^4*(4*x)"),
    ("15*(2x^2)^4*4x", "15*(2*x^2)^4*4*x"),
    ("2x+3y", "2*x + 3*y"),
    ("xcos(y)", "x*cos(y)"),
    ("1/2x", "1/2*x"),
    ("e^3x", "e^3*x"),
    ("1(x>y)", "1(x > y)"),
    ("[x>y]", "1(x > y)"),
    ("1 if x > y else 0", "1(x > y)"),
    ("sin^2(x)", "sin(x)^2"),
    ("x - (y - 1)", "x - (y - 1)"),
    ("x^-1", "x^(-1)"),
    ("|x|", "abs(x)"),
    ("x²", "x^2"),
    ("2x**3", "2*x^3"),
    ("[2x, 3y^2]", "[2*x, 3*y^2]"),
]


@pytest.mark.parametrize(("text", "interpreted"), INTERPRETED_CASES)
def test_interpreted_text(text: str, interpreted: str) -> None:
    assert parse_answer(text, XY).text == interpreted


def test_interpreted_text_reparses_to_same_value() -> None:
    for text, _variables, _expected in VALUE_CASES:
        first = parse_answer(text, _variables)
        again = parse_answer(first.text, _variables)
        assert again.value == first.value, (text, first.text)


VECTOR_CASES = [
    ("[2x, 3y^2]", (2 * x, 3 * y**2)),
    ("(2x, 3y^2)", (2 * x, 3 * y**2)),
    ("<2x, 3y^2>", (2 * x, 3 * y**2)),
    ("⟨2x, 3y^2⟩", (2 * x, 3 * y**2)),
    ("[1(x>y), 1(y>x)]", (ind(x > y), ind(y > x))),
    ("<1(x > y), 0>", (ind(x > y), sympy.S.Zero)),
]


@pytest.mark.parametrize(("text", "expected"), VECTOR_CASES)
def test_vectors(text: str, expected: tuple[sympy.Expr, ...]) -> None:
    value = parse_answer(text, XY).value
    assert isinstance(value, tuple)
    assert value == expected


KEY_CASES = [
    ("2*x + 3*y", None, 2 * x + 3 * y),
    ("3*(2*x**2)**5", None, 3 * (2 * x**2) ** 5),
    ("Max(x, y)", None, sympy.Max(x, y)),
    ("Piecewise((1, x > y), (0, True))", None, ind(x > y)),
    ("Piecewise((1, (x > 0) & (y > 0)), (0, True))", None, ind(sympy.And(x > 0, y > 0))),
    ("Piecewise((0, (x < 0) | (y < 0)), (1, True))", None, sympy.Piecewise((0, sympy.Or(x < 0, y < 0)), (1, True))),
    ("exp(3*x**2)", None, sympy.exp(3 * x**2)),
    ("sqrt(x)", None, sympy.sqrt(x)),
    ("Abs(x) + sign(y)", None, sympy.Abs(x) + sympy.sign(y)),
    ("Heaviside(x - y)", None, sympy.Heaviside(x - y)),
    ("E**x + pi", None, sympy.exp(x) + sympy.pi),
    ("1/2", None, sympy.Rational(1, 2)),
    ("-x/2 + 1", None, 1 - x / 2),
    ("log(x)/log(10)", None, sympy.log(x) / sympy.log(10)),
    ("1/(exp(-x) + 1)", None, 1 / (sympy.exp(-x) + 1)),
    ("w1*x1 + b", None, w1 * x1 + symbol("b")),
    ("1.0e-5*x", None, sympy.Float("1.0e-5") * x),
    ("2*x", ["x", "y"], 2 * x),
    # sympy's str() of a whole-number Float may end in a dot: a decimal of the digits written (at least 15)
    ("281474976710656.*x", None, sympy.Float(2**48, 15) * x),
    ("3.*x + 1.", None, sympy.Float(3, 15) * x + sympy.Float(1, 15)),
]


@pytest.mark.parametrize("text", ["3.x", "3..5", "3._x", "x.__class__"])
def test_a_trailing_dot_in_a_key_is_a_number_only_before_an_operator(text: str) -> None:
    with pytest.raises(AnswerSyntaxError):
        parse_key(text)


def test_a_trailing_dot_is_not_part_of_the_answer_language() -> None:
    with pytest.raises(AnswerSyntaxError, match=r"decimals are written 0\.5"):
        parse_answer("3.*x", ["x"])


@pytest.mark.parametrize(("text", "variables", "expected"), KEY_CASES)
def test_keys(text: str, variables: list[str] | None, expected: sympy.Expr) -> None:
    assert parse_key(text, variables).value == expected


VALUE_ALONE_CASES = [
    *((text, variables) for text, variables, _ in KEY_CASES),
    ("-3*x**2*z**2 - 2*x*y**3 + 48*z**2*(4*x*z**2 + 2*y)**2", ["x", "y", "z"]),
    ("[2*x, 3*y**2]", None),
    ("Piecewise((32*x - 32*y + 16, -2*x + 2*y - 1 > 0), (0, True))", ["x", "y"]),
    ("Piecewise((1, (x > 0) & (y < 1) | (x < -1)), (2, Eq(x, y)), (0, True))", ["x", "y"]),
    ("-8*sqrt(19)/19 + exp(-x)/(1 + exp(-x))**2 - Max(x, 0)*Abs(y)*sin(x)**2", ["x", "y"]),
    ("x[x > 0]**2 + (x > y)*y", ["x", "y"]),
    ("1.0e-5*x + 281474976710656.", ["x"]),
]


@pytest.mark.parametrize(("text", "variables"), VALUE_ALONE_CASES)
def test_a_keys_value_read_alone_is_its_full_readings_value(text: str, variables: list[str] | None) -> None:
    """The checker reads keys with parse_key_value, which builds no text or LaTeX: the same sympy tree."""
    assert sympy.srepr(parse_key_value(text, variables)) == sympy.srepr(parse_key(text, variables).value)


@pytest.mark.parametrize("text", ["2*x > 1", "[x > 1, 2*x]", "x +* 1", "x[x + 1]", "f(x)", "x**2 + y"])
def test_a_key_refused_when_read_for_its_value_gets_parse_keys_message(text: str) -> None:
    """Messages quote the key as understood (A comparison like 2*x > 1 ...), which parse_key_value does
    not build: its refusal is parse_key's, message, offset and code."""
    with pytest.raises(AnswerSyntaxError) as full:
        parse_key(text, ["x"])
    with pytest.raises(AnswerSyntaxError) as alone:
        parse_key_value(text, ["x"])
    assert (alone.value.message, alone.value.offset, alone.value.excerpt, alone.value.code) == (
        full.value.message,
        full.value.offset,
        full.value.excerpt,
        full.value.code,
    )
    if text == "2*x > 1":
        assert "A comparison like 2*x > 1 is not a value" in alone.value.message


def test_key_vector() -> None:
    assert parse_key("[2*x, 3*y**2]").value == (2 * x, 3 * y**2)


def test_key_round_trips_sympy_str() -> None:
    exprs = [
        3 * (2 * x**2) ** 5 + sympy.Max(x, y) * sympy.exp(-x),
        sympy.Piecewise((x, x > y), (y, True)),
        sympy.sqrt(x**2 + y**2) / (1 + sympy.exp(-w1 * x1)),
        sympy.Heaviside(x) * sympy.Abs(y) - sympy.Rational(3, 7) * sympy.sign(x),
        sympy.log(x) + sympy.sin(x) ** 2 * sympy.cos(y),
        sympy.Min(x, 0) - sympy.E**2,
    ]
    for expr in exprs:
        assert parse_key(str(expr)).value == expr, str(expr)


def test_key_unknown_identifiers_become_real_variables() -> None:
    value = parse_key("alpha*t + b")
    assert value.value == symbol("alpha") * symbol("t") + symbol("b")


def test_key_with_variables_rejects_others() -> None:
    with pytest.raises(AnswerSyntaxError):
        parse_key("2*z", ["x", "y"])


def test_invalid_variable_name_is_a_setup_error() -> None:
    with pytest.raises(ValueError):
        parse_answer("x", ["x", "2bad"])


def test_limits_are_configurable() -> None:
    from quizgen.mathparse import DEFAULT_LIMITS, Limits

    assert parse_answer("x+x+x+x", XY).value == 4 * x
    with pytest.raises(AnswerSyntaxError, match="too long or complicated"):
        parse_answer("x+x+x+x", XY, limits=Limits(max_nodes=3))
    with pytest.raises(AnswerSyntaxError, match="too long"):
        parse_answer("x+1", XY, limits=Limits(max_length=2))
    assert DEFAULT_LIMITS.max_length == 2000


def test_scientific_notation_is_not_part_of_the_answer_language() -> None:
    # e is Euler's number in answers; the interpretation shows the reading
    parsed = parse_answer("2e-3", XY)
    assert parsed.value == 2 * sympy.E - 3
    assert parsed.text == "2*e - 3"


def _sympy_expressions():
    from hypothesis import strategies as st

    leaves = st.sampled_from(
        [
            x,
            y,
            w1,
            x1,
            sympy.Integer(2),
            sympy.Integer(-3),
            sympy.Rational(1, 2),
            sympy.Rational(-7, 3),
            sympy.pi,
            sympy.E,
            sympy.Integer(0),
        ]
    )

    def safe(fn):  # sympy refuses some combinations (Heaviside of a complex number): use 1 instead
        def build(args):
            try:
                return fn(*args) if isinstance(args, tuple) else fn(args)
            except (TypeError, ValueError, ArithmeticError):
                return sympy.Integer(1)

        return build

    def extend(inner):
        pair = st.tuples(inner, inner)
        return st.one_of(
            pair.map(safe(lambda a, b: a + b)),
            pair.map(safe(lambda a, b: a * b)),
            pair.map(safe(lambda a, b: a - b)),
            st.tuples(inner, st.sampled_from([2, 3, -1, -2, sympy.Rational(1, 2)])).map(safe(lambda a, b: a**b)),
            *(inner.map(safe(f)) for f in (sympy.exp, sympy.sin, sympy.Abs, sympy.sign, sympy.Heaviside, sympy.tanh)),
            pair.map(safe(sympy.Max)),
            pair.map(safe(sympy.Min)),
            pair.map(safe(lambda a, b: sympy.Piecewise((a, x > y), (b, True)))),
            pair.map(safe(lambda a, b: sympy.Piecewise((a, sympy.And(x > 0, y < 1)), (b, True)))),
        )

    return st.recursive(leaves, extend, max_leaves=8)


def _numerically_equal(a: sympy.Basic, b: sympy.Basic) -> bool:
    if a == b:
        return True
    for point in ({x: 0.7, y: -1.3, w1: 0.4, x1: 2.1}, {x: -1.9, y: 0.6, w1: -0.8, x1: 1.3}):
        va, vb = complex(sympy.N(a.subs(point))), complex(sympy.N(b.subs(point)))
        if abs(va - vb) > 1e-9 * max(1.0, abs(va)):
            return False
    return True


def test_keys_read_back_any_sympy_str() -> None:
    """Manifest keys are sympy str(); parse_key must give back the same function."""
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_sympy_expressions())
    def check(expr: sympy.Basic) -> None:
        if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I, sympy.AccumBounds):  # never in a key
            return
        try:
            value = parse_key(str(expr)).value
        except AnswerSyntaxError as err:
            # only refusals a manifest key can never need: comparisons without a variable
            assert err.code in ("constant_condition", "undefined", "not_real"), (str(expr), err.message)
            return
        assert _numerically_equal(value, expr), (str(expr), value)

    check()


# Spellings the LMS exports tell students to type (quizgen/export/stack_xml.py _instructions): a
# regrade of an LMS attempt must read every one of them.
EXPORT_SPELLINGS = [
    ("(1+signum(y-x))/2", XY, ind(y > x)),
    ("(signum(y-x)+1)/2", XY, ind(y > x)),
    ("-((3*(1-signum(3*x+1)))/2)", XY, -3 * ind(3 * x + 1 < 0)),
    ("(18*y-24-18*x)*(1+signum(3*y-4-3*x))/2", XY, (18 * y - 24 - 18 * x) * ind(3 * y - 4 - 3 * x > 0)),
    ("sign(x) - signum(x)", XY, sympy.S.Zero),
    ("3*x^2*y", XY, 3 * x**2 * y),
    ("[2*x, 3*y^2]", XY, (2 * x, 3 * y**2)),
    ("[16*x*y^2+3*x^2,16*x^2*y-10*x^3]", XY, (16 * x * y**2 + 3 * x**2, 16 * x**2 * y - 10 * x**3)),
]


def _same_function(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Equal at sample points off the kinks (signum(0) = 0 differs from 1(0 > 0) only on a kink)."""
    points = [
        (sympy.Rational(3, 7), sympy.Rational(-5, 3)),
        (sympy.Rational(-2, 9), sympy.Rational(11, 4)),
        (sympy.Rational(13, 5), sympy.Rational(1, 6)),
    ]
    return all(sympy.simplify((a - b).subs({x: px, y: py})) == 0 for px, py in points)


@pytest.mark.parametrize(("text", "variables", "expected"), EXPORT_SPELLINGS)
def test_spellings_the_exports_teach_are_accepted(text: str, variables: list[str], expected) -> None:
    value = parse_answer(text, variables).value
    if isinstance(expected, tuple):
        assert isinstance(value, tuple) and len(value) == len(expected)
        assert all(_same_function(a, b) for a, b in zip(value, expected))
    else:
        assert _same_function(value, expected), value


def test_every_example_in_the_stack_instructions_parses() -> None:
    """The examples quoted in a STACK question's instructions, taken from the exporter itself."""
    from types import SimpleNamespace

    from quizgen.export.stack_xml import _instructions

    problem = SimpleNamespace(answer=["1", "1"], function="Max(x, y)", variables=["x", "y"], wrt=["x", "y"])
    text = _instructions(SimpleNamespace(kind="multichoice", problem=problem))
    examples = re.findall(r"e\.g\. (.+?)\.(?:\s|$)", text) + re.findall(r"\bas (\S+)\.(?:\s|$)", text)
    assert any("signum" in e for e in examples), text
    forms = [f for e in examples for f in (re.split(r", (?![^\[]*\])", e) if not e.startswith("[") else [e])]
    assert len(forms) >= 7, forms
    for form in forms:
        parse_answer(form, ["x", "y", "u"])


t, u, v, w, b = symbol("t"), symbol("u"), symbol("v"), symbol("w"), symbol("b")
TUV = ["t", "u", "v", "w", "b", "x", "y"]

# Notation students really write (issue 9): (input, value, interpreted text). Each was refused before.
NOTATION_CASES = [
    # functions without parentheses: the implicit product that follows, up to a function name, + or -
    ("sin t", sympy.sin(t), "sin(t)"),
    ("ln y + 1", sympy.log(y) + 1, "ln(y) + 1"),
    ("tan 3u", sympy.tan(3 * u), "tan(3*u)"),
    ("3 e^(2t) cos t", 3 * sympy.exp(2 * t) * sympy.cos(t), "3*e^(2*t)*cos(t)"),
    ("sin t cos t", sympy.sin(t) * sympy.cos(t), "sin(t)*cos(t)"),
    ("sin u v", sympy.sin(u * v), "sin(u*v)"),
    ("sin t^2", sympy.sin(t**2), "sin(t^2)"),
    ("sin^2 t", sympy.sin(t) ** 2, "sin(t)^2"),
    ("sin t * 2", 2 * sympy.sin(t), "sin(t)*2"),
    ("sin t 2", 2 * sympy.sin(t), "sin(t)*2"),
    ("sin x [x > 0]", sympy.sin(x) * ind(x > 0), "sin(x)*1(x > 0)"),
    ("e^sin x", sympy.exp(sympy.sin(x)), "e^sin(x)"),
    ("sin pi x", sympy.sin(sympy.pi * x), "sin(pi*x)"),
    ("ln cos x", sympy.log(sympy.cos(x)), "ln(cos(x))"),
    ("-tan x + ln sin x cos x", -sympy.tan(x) + sympy.log(sympy.sin(x)) * sympy.cos(x), "-tan(x) + ln(sin(x))*cos(x)"),
    ("ln y/2", sympy.log(y) / 2, "ln(y)/2"),
    ("sinx", sympy.sin(x), "sin(x)"),
    ("sin2x", sympy.sin(2 * x), "sin(2*x)"),
    ("xtan3u", x * sympy.tan(3 * u), "x*tan(3*u)"),
    ("sqrt 2 x", sympy.sqrt(2 * x), "sqrt(2*x)"),
    ("-cos u (u + 1)", -sympy.cos(u) * (u + 1), "-cos(u)*(u + 1)"),
    ("e^x sin x (1 + x)", sympy.exp(x) * sympy.sin(x) * (1 + x), "e^x*sin(x)*(1 + x)"),
    # a number right after a closing bracket, or after a name and a space
    ("(3t+1)2", 2 * (3 * t + 1), "(3*t + 1)*2"),
    ("sin(u^3)3u^2", 3 * u**2 * sympy.sin(u**3), "sin(u^3)*3*u^2"),
    ("log(5)5^u", sympy.log(5) * 5**u, "log(5)*5^u"),
    ("u 1(u > 0)", u * ind(u > 0), "u*1(u > 0)"),
    ("x 2", 2 * x, "x*2"),
    # a comparison in parentheses used as a value is its indicator
    ("(u > v)", ind(u > v), "1(u > v)"),
    ("2u*(u > 0)", 2 * u * ind(u > 0), "2*u*1(u > 0)"),
    ("(w*x + b > 0)*x", x * ind(w * x + b > 0), "1(w*x + b > 0)*x"),
    ("3(x > y)", 3 * ind(x > y), "3*1(x > y)"),
    ("x + (x > y)", x + ind(x > y), "x + 1(x > y)"),
    ("((u > 0) and (v > 0))", ind(sympy.And(u > 0, v > 0)), "1((u > 0) and (v > 0))"),
    ("I(u > 0)", ind(u > 0), "1(u > 0)"),
    ("2u I(u > v)", 2 * u * ind(u > v), "2*u*1(u > v)"),
    ("𝟙(u > 0) u", u * ind(u > 0), "1(u > 0)*u"),
    # more function names
    ("cosec(u)", sympy.csc(u), "cosec(u)"),
    ("cosech(u)", sympy.csch(u), "cosech(u)"),
    ("arcsinh(u) + arccosh(u) + arctanh(u)", sympy.asinh(u) + sympy.acosh(u) + sympy.atanh(u), None),
    ("arccoth(u) + arcsech(u) + arccsch(u)", sympy.acoth(u) + sympy.asech(u) + sympy.acsch(u), None),
    ("ln|u|", sympy.log(sympy.Abs(u)), "ln(abs(u))"),
]


@pytest.mark.parametrize(("text", "expected", "interpreted"), NOTATION_CASES)
def test_notation_students_write(text: str, expected: sympy.Expr, interpreted: str | None) -> None:
    parsed = parse_answer(text, TUV)
    assert parsed.value == expected, (parsed.value, expected)
    if interpreted is not None:
        assert parsed.text == interpreted
    assert parse_answer(parsed.text, TUV).value == parsed.value, parsed.text  # the echo reads back the same


# The same reading in plain text and in LaTeX (LaTeX always read \sin 2x as sin(2x)).
PLAIN_LATEX_PAIRS = [
    ("sin 2x", r"\sin 2x"),
    ("sin x cos y", r"\sin x \cos y"),
    ("ln x + 1", r"\ln x + 1"),
    ("3 e^(2t) cos t", r"3 e^{2t} \cos t"),
    ("sin^2 x", r"\sin^2 x"),
    ("tan 3u v", r"\tan 3u v"),
    ("cos t (t+1)", r"\cos t \left(t+1\right)"),
    ("ln sin x", r"\ln \sin x"),
    ("sin x * y", r"\sin x \cdot y"),
]


@pytest.mark.parametrize(("plain", "latex"), PLAIN_LATEX_PAIRS)
def test_plain_and_latex_read_bare_functions_alike(plain: str, latex: str) -> None:
    assert parse_answer(plain, TUV).value == parse_answer(latex, TUV).value


VECTOR_NOTATION_CASES = [
    ("2x i + 3y j", XY, (2 * x, 3 * y), "[2*x, 3*y]"),
    ("2x i + 3y^2 j", XY, (2 * x, 3 * y**2), "[2*x, 3*y^2]"),
    ("3 î + 2ĵ", XY, (3, 2), "[3, 2]"),
    ("x î + y ĵ + 2k̂", XY, (x, y, 2), "[x, y, 2]"),
    ("yi - xj", XY, (y, -x), "[y, -x]"),
    ("2(x i + y j)", XY, (2 * x, 2 * y), "[2*x, 2*y]"),
    ("x(i + j)", XY, (x, x), "[x, x]"),
    ("3j", XY, (0, 3), "[0, 3]"),
    (r"2x\mathbf{i} + 3y\mathbf{j}", XY, (2 * x, 3 * y), "[2*x, 3*y]"),
    ("2x, 3y", XY, (2 * x, 3 * y), "[2*x, 3*y]"),
    ("2x,3y^2", XY, (2 * x, 3 * y**2), "[2*x, 3*y^2]"),
    ("1, 5", XY, (1, 5), "[1, 5]"),
    ("(x > y), (y > x)", XY, (ind(x > y), ind(x < y)), "[1(x > y), 1(y > x)]"),
    ("[(x > y), 2]", XY, (ind(x > y), 2), "[1(x > y), 2]"),
]


@pytest.mark.parametrize(("text", "variables", "expected", "interpreted"), VECTOR_NOTATION_CASES)
def test_vector_notation(text: str, variables: list[str], expected: tuple, interpreted: str) -> None:
    parsed = parse_answer(text, variables)
    assert parsed.value == tuple(sympy.sympify(c) for c in expected)
    assert parsed.text == interpreted
    assert parse_answer(parsed.text, variables).value == parsed.value


def test_i_j_k_are_variables_when_the_problem_declares_them() -> None:
    i, j = symbol("i"), symbol("j")
    assert parse_answer("2x i + 3j", ["x", "i", "j"]).value == 2 * x * i + 3 * j
    assert parse_answer("I(x > 0)", ["x", "I"]).value == symbol("I") * ind(x > 0)  # the variable I, times
    with pytest.raises(AnswerSyntaxError):
        parse_key("2*x*i", ["x"])  # keys never hold unit vectors


def test_a_key_with_atan2_reads_back() -> None:
    """sympy writes atan2 when it rewrites the argument of a root (hypothesis found it in a key's str())."""
    key = "exp(x + cos(atan2(0, x)/2)*sqrt(Abs(x)))"
    parsed = parse_key(key, ["x"])
    assert str(parsed.value) == key
    assert parse_answer(parsed.text, ["x"]).value == parsed.value
    assert parse_answer(parsed.latex, ["x"], latex=True).value == parsed.value


def test_a_repeated_text_is_read_once_and_its_refusal_is_raised_afresh_each_time() -> None:
    """A class types the same answers: the reading is shared, and the refusal is the same for everyone."""
    first = parse_answer("3x^2 + 2xy", ["x", "y"])
    assert parse_answer("3x^2 + 2xy", ["x", "y"]) is first
    assert parse_answer("3x^2 + 2xy", ["x", "y", "z"]) == first  # other variables: read again, same value
    assert parse_answer("3x^2 + 2xy", ["x", "y"], latex=False).text == first.text
    errors = []
    for _ in range(2):
        with pytest.raises(AnswerSyntaxError) as info:
            parse_answer("2x +* 3", ["x"])
        errors.append(info.value)
    assert errors[0] is not errors[1]
    assert [(e.message, e.offset, e.excerpt, e.code) for e in errors] == [
        (errors[0].message, errors[0].offset, errors[0].excerpt, errors[0].code)
    ] * 2
    assert (errors[0].code, errors[0].offset) == ("expected", 4)
    with pytest.raises(AnswerSyntaxError):
        parse_answer("2x", ["y"])  # a name that is a variable elsewhere is still refused here
