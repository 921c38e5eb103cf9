"""Expressions as students write them and the course prints them, from sympy's str() form.

Manifests store keys as sympy's str() (Max, log, Piecewise((1, x > y), (0, True))); people read and type
max, ln and 1(x > y). Prompts, worked steps, feedback pages and reports show this notation, and it reads
back through quizgen.mathparse as the same function.
"""

from __future__ import annotations

import re

_SYMPY_NAMES = re.compile(r"\b(Max|Min|Abs|log)\(")
_STUDENT_NAMES = {"Max": "max", "Min": "min", "Abs": "abs", "log": "ln"}
_ZERO_OTHERWISE = ", (0, True))"


def student_notation(text: str) -> str:
    """Rewrite sympy's str() output as students write it: 3*Piecewise((2*x, x > 0), (0, True))**2 becomes
    3*(2*x*1(x > 0))^2. Only indicators (a value, else 0) are rewritten; other Piecewise stay as printed."""
    return _SYMPY_NAMES.sub(lambda m: _STUDENT_NAMES[m.group(1)] + "(", _indicators(text)).replace("**", "^")


def _closing(text: str, start: int) -> int:
    """Index of the bracket closing the one at start."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return len(text)


def _top_level(text: str, marks: tuple[str, ...]) -> int:
    """Index of the first of marks outside brackets, or -1."""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if depth == 0 and any(text.startswith(m, i) for m in marks):
            return i
    return -1


def _indicators(text: str) -> str:
    out: list[str] = []
    i = 0
    while (j := text.find("Piecewise((", i)) >= 0:
        pair = j + len("Piecewise(")
        pair_end = _closing(text, pair)
        end = pair_end + 1 + len(_ZERO_OTHERWISE)
        comma = _top_level(text[pair + 1 : pair_end], (", ",))
        if not text.startswith(_ZERO_OTHERWISE, pair_end + 1) or comma < 0:
            out.append(text[i:pair])
            i = pair
            continue
        value = _indicators(text[pair + 1 : pair + 1 + comma])
        cond = _indicators(text[pair + 1 + comma + 2 : pair_end])
        if value == "1":
            shown = f"1({cond})"
        else:
            if _top_level(value, (" + ", " - ")) >= 0:
                value = f"({value})"
            shown = f"{value}*1({cond})"
            if text[j - 1 : j] == "/" or text.startswith("**", end):
                shown = f"({shown})"
        out.append(text[i:j] + shown)
        i = end
    out.append(text[i:])
    return "".join(out)


def key_text(answer: str | list[str]) -> str:
    """A manifest key (one string, or a gradient's list) in student notation: [2*x, 3*y^2]."""
    if isinstance(answer, str):
        return student_notation(answer)
    return "[" + ", ".join(student_notation(a) for a in answer) + "]"
