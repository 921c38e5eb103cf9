"""Tokenizer: normalized answer text (plain or LaTeX) to a list of tokens with positions.

Identifier runs are split here into the problem's names, longest declared name first (w1x1 -> w1, x1;
xcos -> x, cos), so the parser only ever sees known variables, functions, constants and keywords. An
identifier that cannot be split fails here with a targeted message (case, In for ln, CAS commands).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from quizgen.mathparse.messages import Fail
from quizgen.mathparse.names import CONDITION_FUNCTIONS, FORBIDDEN, FUNCTIONS, GREEK, KEYWORDS, NameTable


class Token:
    """kind: num, name, kw, op, frac, sqrt, ind, end. For names, meaning is ("var"|"func"|"const", payload)."""

    __slots__ = ("end", "kind", "meaning", "space_before", "start", "text")

    def __init__(
        self,
        kind: str,
        text: str,
        start: int,
        end: int,
        space_before: bool,
        meaning: tuple[str, object] | None = None,
    ) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.space_before = space_before
        self.meaning = meaning

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, {self.start})"


_NUM = r"\d+(?:\.\d+)?|\.\d+"
# Keys also read what sympy's str() prints for a whole-number Float: "281474976710656." (a trailing dot, not
# followed by a digit, a name or another dot, so "3.x" and "3..5" stay refused)
_NUM_SCI = r"\d+\.\d*[eE][+-]?\d+|\d+\.(?![A-Za-z0-9_.])|" + _NUM
_OPS = r"\*\*|<=|>=|==|!=|[-+*/^()\[\]{},|<>=!&_⟨⟩√'\"`.;:~@#$%?]"
_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_LATEX_NAME = r"[A-Za-z][A-Za-z0-9]*(?:_(?:\{\s*[A-Za-z0-9]+\s*\}|[A-Za-z0-9]))?"


def _token_pattern(num: str, name: str) -> re.Pattern[str]:
    """One token per match, as groups: the spaces before it, then a number, a name, an operator, a LaTeX
    command, or any other character (refused); at the end of the text, only the spaces before the end."""
    return re.compile(rf"(\s*)(?:({num})|({name})|({_OPS})|(\\(?:[A-Za-z]+|.|$))|((?s:.))|\Z)")


_PLAIN_RE = _token_pattern(_NUM, _NAME)
_KEY_RE = _token_pattern(_NUM_SCI, _NAME)
_LATEX_RE = _token_pattern(_NUM, _LATEX_NAME)
_BRACED_NAME = re.compile(r"\s*\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}")
_BRACED_ONE = re.compile(r"\s*(?:\{\s*1\s*\}|1)")
_LEFT_BAR = re.compile(r"\s*(?:\||\\[lv]vert(?![A-Za-z]))")
OPENING_BAR: Final = ("open", None)
"""meaning of a | that can only open an absolute value (\\left|, \\lvert)."""

_LATEX_SKIP: Final = frozenset(
    {
        ",",
        ";",
        ":",
        "!",
        " ",
        "quad",
        "qquad",
        "left",
        "right",
        "big",
        "Big",
        "bigg",
        "Bigg",
        "bigl",
        "bigr",
        "Bigl",
        "Bigr",
        "biggl",
        "biggr",
        "Biggl",
        "Biggr",
        "displaystyle",
        "textstyle",
        "middle",
    }
)
_LATEX_OPS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "cdot": "*",
        "times": "*",
        "ast": "*",
        "div": "/",
        "lt": "<",
        "gt": ">",
        "le": "<=",
        "leq": "<=",
        "leqslant": "<=",
        "ge": ">=",
        "geq": ">=",
        "geqslant": ">=",
        "neq": "!=",
        "ne": "!=",
        "langle": "⟨",
        "rangle": "⟩",
        "lvert": "|",
        "rvert": "|",
        "vert": "|",
        "mid": "|",
        "{": "{",
        "}": "}",
        "lbrace": "{",
        "rbrace": "}",
        "lbrack": "[",
        "rbrack": "]",
        "|": "|",
    }
)
_LATEX_FUNCS: Final = frozenset(
    {
        "sin",
        "cos",
        "tan",
        "sec",
        "csc",
        "cot",
        "arcsin",
        "arccos",
        "arctan",
        "sinh",
        "cosh",
        "tanh",
        "coth",
        "exp",
        "ln",
        "log",
        "max",
        "min",
        "sgn",
    }
)
_LATEX_WORD: Final = frozenset(
    {
        "operatorname",
        "mathrm",
        "text",
        "mathit",
        "textrm",
        "rm",
        "mathsf",
        "textit",
        "mathbf",
        "mathbb",
        "mathds",
        "mathbbm",
        "boldsymbol",
    }
)
_LATEX_FORBIDDEN: Final[Mapping[str, str]] = MappingProxyType(
    {
        "int": "cas_command",
        "iint": "cas_command",
        "oint": "cas_command",
        "sum": "cas_command",
        "prod": "cas_command",
        "lim": "cas_command",
        "nabla": "cas_derivative",
        "partial": "derivative_notation",
        "infty": "infinity",
    }
)


def tokenize(text: str, table: NameTable, *, latex: bool, key: bool, lo: int = 0, hi: int | None = None) -> list[Token]:
    """Tokens of text[lo:hi], ending with an "end" token.

    Raises:
        Fail: a character or LaTeX command that cannot be used, or a name that is not known.
    """
    hi = len(text) if hi is None else hi
    pattern = _LATEX_RE if latex else (_KEY_RE if key else _PLAIN_RE)
    tokens: list[Token] = []
    known = table.known
    pos = lo
    skipped = False  # a LaTeX spacing command (\, \left) before the next token counts as a space
    while True:
        # One regex pass over the text (findall), unless a LaTeX command may read past its own match
        # (\left|, \mathrm{relu}): then match by match, starting again after what the command read.
        pieces = (m.groups() for m in pattern.finditer(text, pos, hi)) if latex else pattern.findall(text, pos, hi)
        for spaces, num, name, op, cmd, other in pieces:
            start = pos + len(spaces)
            space = skipped or start > pos
            skipped = False
            if num:
                pos = start + len(num)
                tokens.append(Token("num", num, start, pos, space))
            elif name:
                pos = start + len(name)
                meaning = known.get(name)
                if meaning is not None and meaning[0] == "var":  # a whole variable: what _split_name gives it
                    tokens.append(Token("name", name, start, pos, space, meaning))
                else:
                    tokens.extend(_name_tokens(name, start, pos, text, hi, table, space, latex=latex, key=key))
            elif op:
                pos = start + len(op)
                if op in _REFUSED_OPS:
                    _check_op(op, start, text, pos, hi, latex)
                tokens.append(Token("op", op, start, pos, space))
            elif cmd:
                pos = start + len(cmd)
                after = _latex_command(cmd[1:], start, pos, text, hi, tokens, table, space, latex)
                if after < 0:  # skipped (spacing, \left)
                    after = -after
                    skipped = True
                if after != pos:
                    pos = after
                    break  # the command read past its match: tokenize again from there
            elif other:
                raise Fail("bad_char", start, char=other)
            else:
                tokens.append(Token("end", "", hi, hi, space))
                return tokens


def _name_tokens(
    word: str, start: int, end: int, text: str, hi: int, table: NameTable, space: bool, *, latex: bool, key: bool
) -> list[Token]:
    """The tokens of an identifier run that is not simply a variable."""
    if latex and "{" in word:
        word = re.sub(r"[{}\s]", "", word)
        meaning = table.known.get(word)
        if meaning is not None and meaning[0] == "var":
            return [Token("name", word, start, end, space, meaning)]
    if key and word in CONDITION_FUNCTIONS and word not in table.known:
        return [Token("name", word, start, end, space, ("func", CONDITION_FUNCTIONS[word]))]
    return _split_name(word, start, end, table, space, _next_char(text, end, hi))


def _next_char(text: str, end: int, hi: int) -> str:
    while end < hi and text[end] == " ":
        end += 1
    return text[end] if end < hi else ""


_REFUSED_OPS: Final = frozenset("\"`'!=.$_;:~@#%?")
"""The operator characters _check_op may refuse (every other operator passes it untouched)."""


def _check_op(op: str, start: int, text: str, end: int, hi: int, latex: bool) -> None:
    if op in '"`':
        raise Fail("quote", start, char=op)
    if op == "'":
        before = text[start - 1] if start > 0 else ""
        raise Fail("prime" if before.isalnum() or before == ")" else "quote", start, char=op)
    if op == "!":
        raise Fail("factorial", start)
    if op == "=":
        raise Fail("equation", start)
    if op == ".":
        raise Fail("attribute", start)
    if op == "$":
        raise Fail("dollar", start)
    if op == "_" and not latex:
        m = re.match(r"_+[A-Za-z0-9_]*", text[start:hi])
        word = m.group() if m else "_"
        raise Fail("python_name" if word.startswith("__") else "bad_char", start, name=word, char=op)
    if op in ";:~@#%?":
        raise Fail("bad_char", start, char=op)


def _latex_command(
    cmd: str, start: int, end: int, text: str, hi: int, tokens: list[Token], table: NameTable, space: bool, latex: bool
) -> int:
    """Append the tokens of one LaTeX command; returns the next position (negative: skipped, as space)."""
    if not latex:
        raise Fail("bad_char", start, char="\\")
    if cmd in _LATEX_SKIP:
        if cmd in ("left", "right", "middle") and end < hi and text[end] == ".":
            end += 1
        if cmd == "left":
            bar = _LEFT_BAR.match(text, end, hi)
            if bar:  # \left| always opens an absolute value, even inside another one
                tokens.append(Token("op", "|", start, bar.end(), space, OPENING_BAR))
                return bar.end()
        return -end
    if cmd == "lvert":
        tokens.append(Token("op", "|", start, end, space, OPENING_BAR))
        return end
    if cmd in _LATEX_OPS:
        tokens.append(Token("op", _LATEX_OPS[cmd], start, end, space))
        return end
    if cmd in ("frac", "dfrac", "tfrac", "cfrac"):
        tokens.append(Token("frac", cmd, start, end, space))
        return end
    if cmd == "sqrt":
        tokens.append(Token("sqrt", cmd, start, end, space))
        return end
    if cmd in _LATEX_FUNCS:
        name = "sign" if cmd == "sgn" else cmd
        tokens.append(Token("name", name, start, end, space, ("func", FUNCTIONS[name])))
        return end
    if cmd in ("mathbb", "mathbf", "mathds", "mathbbm", "boldsymbol"):
        m = _BRACED_ONE.match(text, end, hi)
        if m:
            tokens.append(Token("ind", cmd, start, m.end(), space))
            return m.end()
    if cmd in _LATEX_WORD:
        m = _BRACED_NAME.match(text, end, hi)
        if not m:
            raise Fail("latex_arg", start, name="\\" + cmd, what="a name in braces, as \\" + cmd + "{relu}")
        tokens.extend(_split_name(m.group(1), m.start(1), m.end(1), table, space, _next_char(text, m.end(), hi)))
        return m.end()
    if cmd in GREEK or cmd == "pi":
        tokens.extend(_split_name(cmd, start, end, table, space, _next_char(text, end, hi), whole=True))
        return end
    if cmd in _LATEX_FORBIDDEN:
        raise Fail(_LATEX_FORBIDDEN[cmd], start, name="\\" + cmd, text="\\" + cmd)
    raise Fail("latex_unknown", start, name="\\" + cmd)


def _split_name(
    word: str, start: int, end: int, table: NameTable, space: bool, next_char: str, whole: bool = False
) -> list[Token]:
    """Split an identifier run into known names (longest first, with backtracking) or fail helpfully.

    A function name counts only where a call follows ("sect" with variables s, e, c, t is s*e*c*t, not
    sec t); when no split satisfies that, the function reading is kept so the parser can say "sec needs
    parentheses".
    """
    known = table.known
    meaning = known.get(word)
    if word in KEYWORDS and (meaning is None or meaning[0] != "var"):
        return [Token("kw", word, start, end, space)]
    if table.auto or whole:
        if meaning is not None:
            return [Token("name", word, start, end, space, meaning)]
        _fail_whole(word, start, table, next_char)
        return [Token("name", word, start, end, space, ("var", word))]
    if word == "I" and meaning is None and next_char in ("(", "["):  # I(x > y): the indicator
        return [Token("ind", word, start, end, space)]
    call_follows = next_char in ("(", "^", "|", "{")
    if meaning is not None and (meaning[0] != "func" or call_follows):
        return [Token("name", word, start, end, space, meaning)]
    first = _segment(word, table, call_follows, strict=True) or _segment(word, table, call_follows, strict=False)
    if first is None:
        glued = _function_then_number(word, start, end, table, space, next_char)
        if glued:
            return glued
        _fail_split(word, start, table, next_char)
        raise AssertionError("unreachable")  # _fail_split always raises
    out: list[Token] = []
    i = 0
    while i < len(word):
        piece = word[i : i + first[i]]
        out.append(Token("name", piece, start + i, start + i + len(piece), space if i == 0 else False, known[piece]))
        i += first[i]
    return out


def _function_then_number(
    word: str, start: int, end: int, table: NameTable, space: bool, next_char: str
) -> list[Token]:
    """sin2x, ln2, xtan3u: a function name glued to a number is the number starting its argument
    (sin 2x); [] when word is not of that shape (x2 stays an error)."""
    m = re.match(r"[A-Za-z]+", word)
    head = m.group() if m else ""
    digits = re.match(r"[0-9]+", word[len(head) :])
    if not head or digits is None:
        return []
    first = _segment(head, table, True, strict=True)
    if first is None:
        return []
    out: list[Token] = []
    i = 0
    while i < len(head):
        piece = head[i : i + first[i]]
        out.append(
            Token("name", piece, start + i, start + i + len(piece), space if i == 0 else False, table.known[piece])
        )
        i += first[i]
    if out[-1].meaning is None or out[-1].meaning[0] != "func":
        return []
    at = start + len(head)
    out.append(Token("num", digits.group(), at, at + len(digits.group()), False))
    rest = word[len(head) + len(digits.group()) :]
    if rest:
        at += len(digits.group())
        out.extend(_split_name(rest, at, end, table, False, next_char))
    return out


def _segment(word: str, table: NameTable, call_follows: bool, *, strict: bool) -> list[int] | None:
    """Length of the first piece at each position of the preferred split of word, or None if none exists.

    Longest piece first, backtracking (dynamic programming from the end); strict allows a function name
    only as the last piece with a call after it.
    """
    known = table.known
    n = len(word)
    ok = [False] * (n + 1)
    first = [0] * (n + 1)
    ok[n] = True
    for i in range(n - 1, -1, -1):
        for length in range(min(table.max_len, n - i), 0, -1):
            if not ok[i + length]:
                continue
            meaning = known.get(word[i : i + length])
            if meaning is None:
                continue
            if strict and meaning[0] == "func" and not (i + length == n and call_follows):
                continue
            ok[i] = True
            first[i] = length
            break
    return first if ok[0] else None


def _fail_whole(word: str, start: int, table: NameTable, next_char: str) -> None:
    """Raise the targeted message for a whole word that is not allowed (auto mode: only forbidden names)."""
    if word in FORBIDDEN:
        raise Fail(FORBIDDEN[word], start, name=word)
    if word.startswith("_") or "__" in word:
        raise Fail("python_name", start, name=word)
    if table.auto:
        if next_char == "(":
            raise Fail("unknown_function", start, name=word)
        return
    _unknown(word, start, table, next_char, word)


def _fail_split(word: str, start: int, table: NameTable, next_char: str) -> None:
    known = table.known
    reach = {0}
    for i in range(len(word)):
        if i in reach:
            for length in range(1, min(table.max_len, len(word) - i) + 1):
                if word[i : i + length] in known:
                    reach.add(i + length)
    stuck = max(reach)
    if word in FORBIDDEN:
        raise Fail(FORBIDDEN[word], start, name=word)
    if word == "In":
        raise Fail("In_for_ln", start)
    rest = word[stuck:]
    if rest[:1].isdigit() or rest[:1] == "_":
        left = word[:stuck]
        digits = rest[: len(rest) - len(rest.lstrip("0123456789_"))]
        meaning = known.get(left)
        if meaning is not None and meaning[0] == "func":
            raise Fail("needs_parens", start, name=left)
        if rest[:1].isdigit() and left and not rest[len(digits) :]:
            raise Fail("digits_in_name", start, word=word, left=left, digits=digits)
    if word.lower() in table.lower:
        raise Fail("wrong_case", start, name=word, suggestion=table.lower[word.lower()])
    for length in range(len(rest), 0, -1):
        frag = rest[:length]
        if frag in FORBIDDEN and length > 1:
            raise Fail(FORBIDDEN[frag], start + stuck, name=frag)
        if frag == "In":
            raise Fail("In_for_ln", start + stuck)
    if stuck == 0 or rest.startswith("_"):  # x_1: the whole subscripted name is unknown
        _unknown(word, start, table, next_char, word)
    _unknown(rest, start + stuck, table, next_char, word)


def _unknown(name: str, start: int, table: NameTable, next_char: str, word: str) -> None:
    if name.lower() in table.lower:
        raise Fail("wrong_case", start, name=name, suggestion=table.lower[name.lower()])
    variables = ", ".join(table.variables) or "none"
    if name in ("d", "dd") or (name.startswith("d") and name[1:] in table.known and next_char == "/"):
        raise Fail("derivative_notation", start, text="d/d" + (table.variables[0] if table.variables else "x"))
    if name == word:
        if next_char == "(" and len(name) > 1:
            raise Fail("unknown_function", start, name=name)
        raise Fail("unknown_name", start, name=name, variables=variables)
    raise Fail("unknown_name_in", start, name=name, word=word, variables=variables)
