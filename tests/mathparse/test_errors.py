"""Rejected answers: one table per error class, each message checked for its key phrase, and caret positions."""

from __future__ import annotations

import pytest

from quizgen.mathparse import AnswerSyntaxError, parse_answer, parse_key

XY = ["x", "y"]


def error_of(text: str, variables: list[str] | None = None) -> AnswerSyntaxError:
    with pytest.raises(AnswerSyntaxError) as info:
        parse_answer(text, XY if variables is None else variables)
    return info.value


def assert_error(text: str, code: str, phrase: str, variables: list[str] | None = None) -> None:
    err = error_of(text, variables)
    assert err.code == code, (text, err.code, err.message)
    assert phrase in err.message, (text, err.message)


CAS_CASES = [
    ("diff(3(2x^2)^5, x)", "cas_derivative", "diff is not allowed: type the derivative itself"),
    ("Derivative(x**2, x)", "cas_derivative", "Derivative is not allowed"),
    ("D(x^2)", "cas_derivative", "D is not allowed"),
    ("2*diff(x, x)", "cas_derivative", "diff is not allowed"),
    ("xdiff(x,x)", "cas_derivative", "diff is not allowed"),
    ("integrate(x, x)", "cas_command", "integrate is not allowed"),
    ("Integral(x, x)", "cas_command", "Integral is not allowed"),
    ("limit(x, x, 0)", "cas_command", "limit is not allowed"),
    ("subs(x, 1)", "cas_command", "subs is not allowed"),
    ("solve(x)", "cas_command", "solve is not allowed"),
    ("simplify(x)", "cas_command", "simplify is not allowed"),
    ("expand((x+1)^2)", "cas_command", "expand is not allowed"),
    ("evalf(x)", "cas_command", "evalf is not allowed"),
    ("factorial(5)", "cas_command", "factorial is not allowed"),
    ("sympify(x)", "cas_command", "sympify is not allowed"),
    ("d/dx(x^2)", "derivative_notation", "not the notation d/dx"),
    ("dy/dx", "cas_derivative", "dy is not allowed"),
]


@pytest.mark.parametrize(("text", "code", "phrase"), CAS_CASES)
def test_cas_operations_are_named(text: str, code: str, phrase: str) -> None:
    assert_error(text, code, phrase)


PYTHON_CASES = [
    ("__import__('os').system('ls')", "python_name", "__import__ is not allowed"),
    ("lambda x: x", "python_name", "lambda is not allowed"),
    ("eval(x)", "python_name", "eval is not allowed"),
    ("exec(x)", "python_name", "exec is not allowed"),
    ("open(x)", "python_name", "open is not allowed"),
    ("x.diff(x)", "attribute", "attribute access is not allowed"),
    ("x.__class__", "attribute", "attribute access"),
    ("x[0]", "indexing", "Indexing like x[...] is not allowed"),
    ("sin(x)[0]", "indexing", "Indexing"),
    ("(x+1)[2]", "indexing", "Indexing like )[...]"),
    ("'x'", "quote", "Quotes"),
    ('"x"', "quote", "Quotes"),
    ("x; y", "bad_char", "';' cannot be used"),
    ("x # comment", "bad_char", "'#' cannot be used"),
    ("x @ y", "bad_char", "'@' cannot be used"),
    ("I*x", "complex", "complex numbers"),
    ("oo", "infinity", "infinity"),
    ("nan", "infinity", "infinity"),
]


@pytest.mark.parametrize(("text", "code", "phrase"), PYTHON_CASES)
def test_code_is_rejected_with_a_reason(text: str, code: str, phrase: str) -> None:
    assert_error(text, code, phrase)


NAME_CASES = [
    ("z", "unknown_name", "'z' is not a variable of this problem (the variables are x, y)"),
    ("2xz", "unknown_name_in", "'z' in 'xz'"),
    ("f(x)", "unknown_name", "'f' is not a variable"),
    ("foo(x)", "unknown_function", "'foo' is not a function"),
    ("Sin(x)", "wrong_case", "did you mean 'sin'"),
    ("X + y", "wrong_case", "did you mean 'x'"),
    ("COS(x)", "wrong_case", "did you mean 'cos'"),
    ("PI", "wrong_case", "case-sensitive"),
    ("In(x)", "In_for_ln", "natural logarithm is ln"),
    ("2In(x)", "In_for_ln", "lowercase L"),
    ("x2", "digits_in_name", "write x^2 for a power or x*2"),
    ("xy2", "digits_in_name", "write xy^2"),
    ("w1", "unknown_name", "'w1' is not a variable"),
    ("x_y", "unknown_name", "'x_y' is not a variable"),
    ("x_1", "unknown_name", "'x_1' is not a variable"),
]


@pytest.mark.parametrize(("text", "code", "phrase"), NAME_CASES)
def test_names_outside_the_problem(text: str, code: str, phrase: str) -> None:
    assert_error(text, code, phrase)


STRUCTURE_CASES = [
    ("(x+1", "unbalanced_open", "never closed: add the matching ')'"),
    ("[x+1", "unbalanced_open", "add the matching ']'"),
    ("x+1)", "unbalanced_close", "no matching opening bracket"),
    ("(x+1]", "mismatched_close", "does not match the '('"),
    ("|x", "unbalanced_open", "'|' is never closed"),
    ("2 3", "two_numbers", "Two numbers without an operator"),
    ("x^2 3", "missing_operator", "add an operator"),
    ("2x3", "digits_in_name", "x^3 for a power"),
    ("x +", "unexpected_end", "ends too early"),
    ("*x", "expected", "Expected a number"),
    ("x ** * 2", "expected", "Expected a number"),
    ("()", "empty_group", "Empty brackets"),
    ("sin()", "empty_group", "Empty brackets"),
    ("sin", "needs_parens", "sin needs an argument"),
    ("sin -x", "needs_parens", "sin needs an argument"),
    ("sin + x", "needs_parens", "sin needs an argument"),
    ("max x", "needs_parens", "max needs an argument: type max(...)"),
    ("sin^2 -x", "func_power_needs_parens", "sin^2(x) or sin(x)^2"),
    ("exp^2(x)", "exp_power", "exp(x)^2 for the square or exp(2x)"),
    ("exp^2 x", "exp_power", "ambiguous"),
    ("sin^-1(x)", "inverse_power", "asin(x) for the inverse function"),
    ("sin^x(x)", "func_power_exponent", "positive whole number"),
    ("max(x)", "arity", "max takes at least 2 arguments (got 1)"),
    ("sin(x, y)", "arity", "sin takes 1 argument (got 2)"),
    ("5!", "factorial", "Factorials"),
    ("x = 2", "equation", "without '='"),
    ("dy/dx = 2x", "cas_derivative", "dy is not allowed"),
    ("f'(x)", "unknown_name", "'f' is not a variable"),
    ("x'", "prime", "prime mark"),
    ("1,5", "decimal_comma", "type 1.5 for a decimal (with a point) or [1, 5] for a vector"),
    ("2x, 1,5", "decimal_comma", "'1,5' is ambiguous"),
    ("x^2,5", "decimal_comma", "ambiguous"),
    ("|x, y|", "bare_comma", "put it in brackets"),
    ("x > y", "bare_comparison", "write 1(x > y) or [x > y]"),
    ("x > y, y > x", "comparison_misplaced", "comparison cannot be used here"),
    ("3[x > y] > 1", "indicator_in_condition", "cannot be used inside a comparison"),
    ("x + x > y", "bare_comparison", "not a value"),
    ("2 x > 0", "bare_comparison", "not a value"),
    ("(x > y) > 0", "indicator_in_condition", "inside a comparison"),
    ("I(x)", "I_needs_condition", "put a condition inside, as I(x > y)"),
    ("I(x)", "I_needs_condition", "complex numbers cannot be used"),
    ("x i + 1", "unit_vector_form", "each term a multiple of one of them"),
    ("sin(i)", "unit_vector_form", "unit vectors"),
    ("x i j", "unit_vector_form", "unit vectors"),
    ("[x i, y]", "unit_vector_inside", "bracketed vector"),
    ("1(i > 0)", "unit_vector_inside", "inside a comparison"),
    ("J x", "unknown_name", "'J' is not a variable"),  # no "did you mean 'j'": j is only a unit vector
    ("[x, y] + 1", "vector_misplaced", "only be the whole answer"),
    ("2*(x, y)", "vector_misplaced", "only be the whole answer"),
    ("1 if x > y", "if_without_else", "needs an 'else'"),
    ("x if y else 0", "expected", "a condition"),
    ("Piecewise((1, x > y), 0)", "piecewise_arg", "(value, condition)"),
    ("Piecewise((x > y, 1))", "piecewise_arg", "(value, condition)"),
    ("True", "bare_comparison", "not a value"),
    ("else", "keyword_misplaced", "out of place"),
    ("$x$$", "dollar", "Remove the $"),
    ("x & y", "expected", "a condition"),
]


@pytest.mark.parametrize(("text", "code", "phrase"), STRUCTURE_CASES)
def test_structure_errors(text: str, code: str, phrase: str) -> None:
    assert_error(text, code, phrase)


VALUE_ERROR_CASES = [
    ("1/0", "division_by_zero", "divides by zero"),
    ("x/(y-y)", "division_by_zero", "divides by zero"),
    ("0^-1", "division_by_zero", "divides by zero"),
    ("log(0)", "undefined", "undefined (log(0))"),
    ("cot(0)", "undefined", "undefined"),
    ("sqrt(-1)", "not_real", "complex number"),
    ("(-8)^(1/3)", "not_real", "complex number"),
    ("ln(-1)", "not_real", "complex number"),
    ("[pi > 3]", "constant_condition", "must involve a variable"),
    ("1(sin(5) < 7)", "constant_condition", "must involve a variable"),
    ("Piecewise((1, 2 > 3))", "undefined", "no case of the Piecewise applies"),
    ("1(1(x > 0) > 0)", "indicator_in_condition", "cannot be used inside a comparison"),
]


@pytest.mark.parametrize(("text", "code", "phrase"), VALUE_ERROR_CASES)
def test_undefined_values(text: str, code: str, phrase: str) -> None:
    assert_error(text, code, phrase)


LIMIT_CASES = [
    ("9^9^9^9", "exponent_too_large", "too large"),
    ("x^(10^10)", "exponent_too_large", "at most 1000"),
    ("x^1001", "exponent_too_large", "at most 1000"),
    ("2^(2^(2^(2^(2^2))))", "exponent_too_large", "too large"),
    ("(10^100)^(10^100)", "exponent_too_large", "too large"),
    ("(10^99)^999", "number_too_large", "too large"),
    ("1" * 101, "too_many_digits", "too many digits (at most 100)"),
    ("0." + "1" * 100, "too_many_digits", "too many digits"),
    ("(" * 50 + "x" + ")" * 50, "too_deep", "nested too deeply"),
    ("-" * 50 + "x", "too_deep", "nested too deeply"),
    ("x^" * 50 + "x", "too_deep", "nested too deeply"),
    ("x+" * 999 + "x", "too_many_nodes", "too long or complicated"),
    ("max(" + "x," * 20 + "y)", "too_many_args", "at most 16"),
    ("x" * 2001, "too_long", "too long (2001 characters; at most 2000"),
    ("sin^2000(x)", "exponent_too_large", "too large"),
]


@pytest.mark.parametrize(("text", "code", "phrase"), LIMIT_CASES)
def test_limits(text: str, code: str, phrase: str) -> None:
    assert_error(text, code, phrase)


INPUT_CASES = [
    ("", "empty", "empty"),
    ("   \t ", "empty", "empty"),
    ("$ $", "empty", "empty"),
    ("x\x00", "nul", "NUL character"),
    ("x\x07", "control", "control character (U+0007)"),
    ("x\ud800", "surrogate", "surrogate"),
    ("x ∞", "bad_char", "'∞' cannot be used"),
    ("x → y", "bad_char", "cannot be used"),
]


@pytest.mark.parametrize(("text", "code", "phrase"), INPUT_CASES)
def test_bad_input(text: str, code: str, phrase: str) -> None:
    assert_error(text, code, phrase)


LATEX_ERROR_CASES = [
    (r"\int x\,dx", "cas_command", r"\int is not allowed"),
    (r"\sum_{i} x", "cas_command", r"\sum is not allowed"),
    (r"\frac{\partial}{\partial x} x^2", "derivative_notation", r"\partial"),
    (r"\frac{d}{dx} x^2", "derivative_notation", "d/dx"),
    (r"\begin{pmatrix} x \end{pmatrix}", "latex_unknown", r"\begin is not supported"),
    (r"\infty", "infinity", "infinity"),
    (r"x^{23}\cdot x^23", "latex_exponent_digits", "^{23}"),
    (r"\frac{x}", "latex_arg", r"\frac needs"),
    (r"\mathbb{1} x", "latex_arg", "condition"),
    (r"\operatorname x", "latex_arg", "a name in braces"),
]


@pytest.mark.parametrize(("text", "code", "phrase"), LATEX_ERROR_CASES)
def test_latex_errors(text: str, code: str, phrase: str) -> None:
    assert_error(text, code, phrase)


def test_key_errors_use_the_same_messages() -> None:
    with pytest.raises(AnswerSyntaxError, match="diff is not allowed"):
        parse_key("diff(x**2, x)")
    with pytest.raises(AnswerSyntaxError, match="__import__ is not allowed"):
        parse_key("__import__('os')")
    with pytest.raises(AnswerSyntaxError, match="not a function"):
        parse_key("f(x)")


# The @ marks where the caret must point (it is removed before parsing).
CARET_CASES = [
    "2x + @* 3",
    "x + @z",
    "2x@z",
    "@Sin(x)",
    "@(x + 1",
    "x + 1@)",
    "x^2 @3",
    "sin(x) + @diff(x, x)",
    "x^2 + @In(x)",
    "x²·y + @z",  # Unicode before the error: the offset is in the original text
    "ｘ＋@ｚ",
    "x\u00a0+\u00a0@q",
    "1/@0",
    "x @= 1",
    r"\frac{1}{2} + @\int x",
    "x + x@.y",
    "(1, 2, @(3, 4",
]


@pytest.mark.parametrize("marked", CARET_CASES)
def test_caret_position(marked: str) -> None:
    expected = marked.index("@")
    text = marked.replace("@", "", 1)
    err = error_of(text)
    assert err.offset == expected, (text, err.offset, err.message)
    _line, caret = err.excerpt.split("\n")
    assert caret.index("^") == expected  # short inputs are shown whole, so the caret column is the offset


def test_excerpt_is_windowed_for_long_input() -> None:
    text = "x + " * 100 + "z"
    err = error_of(text)
    line, caret = err.excerpt.split("\n")
    assert len(line) <= 70
    assert line[caret.index("^")] == "z"


def test_error_is_picklable_for_worker_processes() -> None:
    import pickle

    err = error_of("diff(x, x)")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.message, copy.offset, copy.excerpt, copy.code) == (err.message, err.offset, err.excerpt, err.code)
