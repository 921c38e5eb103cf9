"""All wording of parse errors, and the caret excerpt, in one place.

Parser stages raise Fail(code, position, **data) with a position in the normalized text; the API maps the
position back to the student's original text and calls to_error, which builds the sentence from MESSAGES.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from quizgen.mathparse.errors import AnswerSyntaxError


class Fail(Exception):
    """Internal: a parse failure not yet worded (code, position in the normalized text, template data)."""

    def __init__(self, code: str, pos: int = -1, **data: object) -> None:
        super().__init__(code)
        self.code = code
        self.pos = pos
        self.data = data


_CAS_HINT = "type the derivative itself, not a command that computes it"
_CMD_HINT = "type the result as a formula, not a command"

MESSAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # input as a whole
        "empty": "The answer is empty: type an expression.",
        "too_long": "The answer is too long ({length} characters; at most {limit} are allowed).",
        "nul": "The answer contains a NUL character (an invisible control character): retype it.",
        "control": "The answer contains an invisible control character ({char}): retype it.",
        "surrogate": "The answer contains an invalid character (a broken Unicode surrogate): retype it.",
        "bad_char": "The character '{char}' cannot be used in an answer.",
        "quote": "Quotes ({char}) cannot be used in an answer: type the expression without them.",
        "prime": "The prime mark (') cannot be used: type the derivative itself, not f'(x).",
        "dollar": "Remove the $ signs: type the expression alone (LaTeX is accepted without them).",
        "too_deep": "The answer is nested too deeply (more than {limit} levels of parentheses, powers or signs).",
        "too_many_nodes": "The answer is too long or complicated (more than {limit} parts).",
        "too_many_digits": "The number {text} has too many digits (at most {limit}).",
        "exponent_too_large": "The exponent {text} is too large (at most {limit} in absolute value).",
        "number_too_large": "The answer computes a number that is too large; simplify it by hand.",
        "too_many_args": "{name} has too many arguments ({count}; at most {limit}).",
        # names
        "unknown_name": "'{name}' is not a variable of this problem (the variables are {variables}).",
        "unknown_name_in": "'{name}' in '{word}' is not a variable or function of this problem (the variables are {variables}).",
        "unknown_function": "'{name}' is not a function you can use; allowed functions are sin, cos, tan, exp, ln, log, sqrt, abs, max, min, sign (signum), Heaviside, relu, sigmoid and their relatives.",
        "digits_in_name": "'{word}' is not a name of this problem: write {left}^{digits} for a power or {left}*{digits} for a product.",
        "wrong_case": "'{name}' is not known; names are case-sensitive: did you mean '{suggestion}'?",
        "In_for_ln": "'In' is not a function: the natural logarithm is ln, with a lowercase L.",
        "cas_derivative": "{name} is not allowed: " + _CAS_HINT + ".",
        "cas_command": "{name} is not allowed: " + _CMD_HINT + ".",
        "python_name": "{name} is not allowed in an answer: type a mathematical expression.",
        "complex": "'{name}' (complex numbers) cannot be used: answers are real expressions.",
        "infinity": "'{name}' (infinity or undefined) cannot be used in an answer.",
        "keyword_misplaced": "'{name}' is out of place here.",
        # structure
        "unexpected_end": "The answer ends too early: something is missing after '{after}'.",
        "unexpected_token": "Unexpected '{tok}' here.",
        "expected": "Expected {what} here, found '{tok}'.",
        "unbalanced_open": "This '{tok}' is never closed: add the matching '{close}'.",
        "unbalanced_close": "This '{tok}' has no matching opening bracket.",
        "mismatched_close": "This '{tok}' does not match the '{open}' it closes: expected '{close}'.",
        "missing_operator": "A number cannot follow '{before}' directly: add an operator (*, +, ^ ...) before {tok}.",
        "two_numbers": "Two numbers without an operator between them ('{before} {tok}'): add *, + or another operator.",
        "needs_parens": "{name} needs an argument: type {name}(...).",
        "exp_power": "exp^2(x) is ambiguous: type exp(x)^2 for the square or exp(2x) for e^(2x).",
        "decimal_comma": "'{text}' is ambiguous: type {left}.{right} for a decimal (with a point) or [{left}, {right}] for a vector.",
        "unit_vector_form": "i, j and k are unit vectors here: write a vector as a i + b j + c k (each term a multiple of one of them) or as [a, b, c].",
        "unit_vector_inside": "i, j and k are unit vectors here: they cannot be used inside a comparison or a bracketed vector.",
        "I_needs_condition": "I(...) is the indicator: put a condition inside, as I(x > y) (complex numbers cannot be used).",
        "func_power_needs_parens": "Write the argument of {name}^{exp} in parentheses: {name}^{exp}(x) or {name}(x)^{exp}.",
        "inverse_power": "{name}^-1 is ambiguous: type a{name}(x) for the inverse function or 1/{name}(x) for the reciprocal.",
        "func_power_exponent": "Only a positive whole number can be written between a function name and its argument, as in sin^2(x).",
        "arity": "{name} takes {expected} (got {count}).",
        "factorial": "Factorials (!) are not allowed in answers.",
        "equation": "Type only the expression, without '=' (not 'dy/dx = ...').",
        "attribute": "'.' cannot be used like that: decimals are written 0.5, and attribute access is not allowed.",
        "indexing": "Indexing like {name}[...] is not allowed: to multiply by a bracket, write * before it.",
        "bare_comparison": "A comparison like {text} is not a value: for an indicator write 1({text}) or [{text}].",
        "comparison_misplaced": "A comparison cannot be used here: for an indicator write 1(...) or [...].",
        "constant_condition": "A condition must involve a variable of the problem ({text} ... is a constant).",
        "indicator_in_condition": "An indicator or Piecewise cannot be used inside a comparison ({text}).",
        "condition_needs_one": "For an indicator write 1({text}) (times a factor if needed, as 3*1({text})).",
        "vector_misplaced": "A vector (a, b, ...) can only be the whole answer, not part of an expression.",
        "bare_comma": "To give a vector put it in brackets, as [a, b]; decimals are written with a point (1.5).",
        "vector_item": "Each entry of a vector must be an expression.",
        "piecewise_arg": "Each piece of Piecewise must be (value, condition), as Piecewise((1, x > y), (0, True)).",
        "if_without_else": "'if' needs an 'else': type 1 if x > y else 0.",
        "division_by_zero": "The answer divides by zero.",
        "undefined": "The answer is undefined ({text}).",
        "not_real": "The answer contains a complex number ({text}); answers are real.",
        "empty_group": "Empty brackets '{tok}': put an expression inside.",
        "latex_unknown": "The LaTeX command {name} is not supported in answers.",
        "latex_arg": "{name} needs {what}.",
        "latex_exponent_digits": "In LaTeX, put a multi-digit exponent in braces: ^{{{digits}}}.",
        "derivative_notation": "Type the derivative itself, not the notation {text}.",
    }
)


def excerpt(text: str, offset: int, width: int = 60) -> str:
    """The part of text around offset on one line, and a caret line pointing at offset ("" if unknown)."""
    if offset < 0 or offset > len(text):
        return ""
    start = max(0, offset - width // 2)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    shown = "".join(c if c.isprintable() and c not in "\r\n\t" else " " for c in text[start:end])
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(text) else ""
    caret = " " * (len(prefix) + offset - start) + "^"
    return f"{prefix}{shown}{suffix}\n{caret}"


def to_error(fail: Fail, original: str, offset: int) -> AnswerSyntaxError:
    """Word a Fail for the student; offset is already mapped into original."""
    template = MESSAGES.get(fail.code, "The answer cannot be read.")
    data = {k: _clip(v) for k, v in fail.data.items()}
    try:
        message = template.format(**data)
    except (KeyError, IndexError):  # a missing field is a bug; still give the student a sentence
        message = template
    return AnswerSyntaxError(message, offset, excerpt(original, offset), fail.code)


def _clip(value: object, width: int = 40) -> str:
    """Data put into a message, shortened and made printable so a hostile name cannot flood it."""
    s = str(value)
    s = "".join(c if c.isprintable() else "?" for c in s)
    return s if len(s) <= width else s[: width - 3] + "..."
