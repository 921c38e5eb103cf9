"""Presentation MathML from the LaTeX quizgen prints (sympy's printer, the families' prompts and steps).

HTML pages are typeset when they are written, so they need no network and no JavaScript. Only the LaTeX
subset quizgen itself produces is understood; anything else raises MathMLError and the caller shows the
plain-text form instead. The LaTeX comes from sympy and the families, never from a student: typed answers
reach a page only as escaped text, or as the LaTeX the safe parser printed for them.

Indicators are written as the PDFs write them, a bold 1 followed by the condition in parentheses.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from typing import NamedTuple

from quizgen.typeset.escape import TEXT_COMMAND_CHARS
from quizgen.typeset.latexmath import indicator_notation

MAX_LATEX_CHARS = 20_000
"""Longer LaTeX is not typeset (the plain text is shown): bounds the work per formula."""


class MathMLError(ValueError):
    """LaTeX outside the subset quizgen prints."""


_TOKEN = re.compile(
    r"\\(?P<word>[A-Za-z]+)\s*|\\(?P<sym>.)|(?P<num>[0-9]+(?:\.[0-9]+)?)|(?P<space>\s+)|(?P<char>.)", re.S
)
_SLOT0 = 0xE000
"""Numbers of a formula's shape are private-use characters U+E000, U+E001, ... (see _shape)."""
_MAX_SLOTS = 0x1900
_SHAPE_TOKEN = re.compile(
    r"\\(?P<word>[A-Za-z]+)\s*|\\(?P<sym>.)|(?P<num>[\ue000-\uf8ff])|(?P<space>\s+)|(?P<char>.)", re.S
)
_NUMBER_OR_ESCAPE = re.compile(r"\\([A-Za-z]+)|\\.|[0-9]+(?:\.[0-9]+)?|[\ue000-\uf8ff]", re.S)
_RAW_WORDS = frozenset({"text", "textrm", "mbox", "textit", "mathrm", "operatorname", "mathit", "mathbf"})
_RAW_WORDS |= {"boldsymbol", "bm", "mathbb", "begin", "end"}
"""Commands that read their argument's source text: a formula using one is typeset as it is."""

_IDENTIFIERS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ϵ",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "vartheta": "ϑ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "ϕ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "partial": "∂",
    "nabla": "∇",
    "infty": "∞",
    "ell": "ℓ",
}
_OPERATORS = {
    "cdot": "·",
    "times": "×",
    "div": "÷",
    "pm": "±",
    "mp": "∓",
    "Rightarrow": "⇒",
    "rightarrow": "→",
    "to": "→",
    "Leftarrow": "⇐",
    "leftarrow": "←",
    "Leftrightarrow": "⇔",
    "iff": "⇔",
    "implies": "⇒",
    "mapsto": "↦",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "lt": "<",
    "gt": ">",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "equiv": "≡",
    "in": "∈",
    "ldots": "…",
    "cdots": "⋯",
    "dots": "…",
    "prime": "′",
    "sum": "∑",
    "prod": "∏",
    "int": "∫",
    "circ": "∘",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "|": "‖",
    "langle": "⟨",
    "rangle": "⟩",
    "{": "{",
    "}": "}",
    "%": "%",
    "&": "&",
    "#": "#",
    "_": "_",
    "$": "$",
    "lbrace": "{",
    "rbrace": "}",
    "setminus": "∖",
    "wedge": "∧",
    "vee": "∨",
    "land": "∧",
    "lor": "∨",
    "neg": "¬",
    "lnot": "¬",
}
_FUNCTIONS = {
    "sin",
    "cos",
    "tan",
    "cot",
    "sec",
    "csc",
    "sinh",
    "cosh",
    "tanh",
    "coth",
    "arcsin",
    "arccos",
    "arctan",
    "log",
    "ln",
    "exp",
    "max",
    "min",
    "det",
    "sgn",
    "lim",
    "sup",
    "inf",
    "arg",
}
_SPACES = {
    ",": "0.1667em",
    ":": "0.2222em",
    ">": "0.2222em",
    ";": "0.2778em",
    " ": "0.25em",
    "quad": "1em",
    "qquad": "2em",
    "enspace": "0.5em",
    "thinspace": "0.1667em",
    "!": "0em",
}
_IGNORED = {
    "displaystyle",
    "textstyle",
    "limits",
    "nolimits",
    "left.",
    "right.",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
}
_FENCES = {
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    "|": "|",
    "\\{": "{",
    "\\}": "}",
    "\\|": "‖",
    "\\langle": "⟨",
    "\\rangle": "⟩",
    "\\lvert": "|",
    "\\rvert": "|",
    "\\vert": "|",
    ".": "",
}
_MATRICES = {
    "matrix": ("", ""),
    "pmatrix": ("(", ")"),
    "bmatrix": ("[", "]"),
    "vmatrix": ("|", "|"),
    "cases": ("{", ""),
    "array": ("", ""),
}
_BOLD_ONE = '<mn mathvariant="bold" class="ind">1</mn>'


class _Tok(NamedTuple):
    kind: str  # word | sym | num | char (spaces are dropped: only \\text's source keeps them)
    text: str
    start: int
    end: int


def _tokens(latex: str, pattern: re.Pattern[str] = _TOKEN) -> list[_Tok]:
    return [
        _Tok(kind, m.group(kind), m.start(), m.end())
        for m in pattern.finditer(latex)
        if (kind := m.lastgroup or "char") != "space"
    ]


class _Parser:
    def __init__(self, latex: str, pattern: re.Pattern[str] = _TOKEN) -> None:
        self.source = latex
        self.toks = _tokens(latex, pattern)
        self.n = len(self.toks)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < self.n else None

    def take(self) -> _Tok:
        if self.i >= self.n:
            raise MathMLError("unexpected end of formula")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> _Tok:
        tok = self.take()
        if tok.text != text:
            raise MathMLError(f"expected {text!r}, found {tok.text!r}")
        return tok

    def row(self, stop: tuple[str, ...] = ()) -> list[str]:
        """Atoms up to (not including) a closing brace, \\right, \\end, & or \\\\ (whichever stop names)."""
        items: list[str] = []
        while (tok := self.peek()) is not None:
            if (tok.kind == "char" and tok.text in stop) or (tok.kind in ("word", "sym") and "\\" + tok.text in stop):
                break
            if tok.kind == "char" and tok.text == "}":
                raise MathMLError("unbalanced }")
            atom = self.atom()
            if atom is None:
                continue
            items.append(self.scripts(atom))
        return items

    def scripts(self, base: str) -> str:
        sub = sup = None
        while (tok := self.peek()) is not None and tok.kind == "char" and tok.text in "^_":
            self.take()
            arg = self.argument()
            if tok.text == "^":
                if sup is not None:
                    raise MathMLError("double superscript")
                sup = arg
            else:
                if sub is not None:
                    raise MathMLError("double subscript")
                sub = arg
        while (tok := self.peek()) is not None and tok.kind == "char" and tok.text == "'":
            self.take()
            base = f"<mrow>{base}<mo>′</mo></mrow>"
        if sub is not None and sup is not None:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sup is not None:
            return f"<msup>{base}{sup}</msup>"
        if sub is not None:
            return f"<msub>{base}{sub}</msub>"
        return base

    def argument(self) -> str:
        """One argument: a {group} or a single token."""
        tok = self.peek()
        if tok is not None and tok.kind == "char" and tok.text == "{":
            return self.group()
        atom = self.atom()
        if atom is None:
            raise MathMLError("missing argument")
        return atom

    def group(self) -> str:
        self.expect("{")
        items = self.row(("}",))
        self.expect("}")
        return _mrow(items)

    def raw_group(self) -> str:
        """The source text of a {group}, for \\text and \\operatorname."""
        opening = self.expect("{")
        depth = 1
        while self.i < self.n:
            tok = self.toks[self.i]
            self.i += 1
            if tok.kind == "char" and tok.text == "{":
                depth += 1
            elif tok.kind == "char" and tok.text == "}":
                depth -= 1
                if depth == 0:
                    return self.source[opening.end : tok.start]
        raise MathMLError("unbalanced {")

    def atom(self) -> str | None:
        tok = self.take()
        if tok.kind == "num":
            return f"<mn>{escape(tok.text)}</mn>"
        if tok.kind == "char":
            return self.char(tok.text)
        if tok.kind == "sym":
            if tok.text == "\\":
                raise MathMLError("line break outside a matrix")
            if tok.text in _SPACES:
                return f'<mspace width="{_SPACES[tok.text]}"/>'
            if tok.text in _OPERATORS:
                return f"<mo>{escape(_OPERATORS[tok.text])}</mo>"
            raise MathMLError(f"unknown symbol \\{tok.text}")
        return self.command(tok.text)

    def char(self, ch: str) -> str | None:
        if ch == "{":
            self.i -= 1
            return self.group()
        if ch.isalpha():
            return f"<mi>{escape(ch)}</mi>"
        if ch in "&":
            raise MathMLError("& outside a matrix")
        if ch in "^_":
            raise MathMLError(f"{ch} without a base")
        if ch == "~":
            return '<mspace width="0.25em"/>'
        if ch in "()[]|":
            return f'<mo stretchy="false" lspace="0em" rspace="0em">{escape(ch)}</mo>'
        if ch == "-":
            return "<mo>−</mo>"
        if ch == "'":
            return "<mo>′</mo>"
        return f"<mo>{escape(ch)}</mo>"

    def command(self, word: str) -> str | None:
        if word in _IGNORED:
            return None
        if word in _IDENTIFIERS:
            variant = ' mathvariant="normal"' if word in ("partial", "nabla") or word[0].isupper() else ""
            return f"<mi{variant}>{_IDENTIFIERS[word]}</mi>"
        if word in _OPERATORS:
            return f"<mo>{escape(_OPERATORS[word])}</mo>"
        if word in _SPACES:
            return f'<mspace width="{_SPACES[word]}"/>'
        if word in _FUNCTIONS:
            return f'<mspace width="0.1667em"/><mi>{word}</mi><mo>&#x2061;</mo>'  # thin space, as TeX's \\mathop
        if word in ("frac", "dfrac", "tfrac"):
            num = self.argument()
            return f"<mfrac>{num}{self.argument()}</mfrac>"
        if word == "sqrt":
            tok = self.peek()
            if tok is not None and tok.kind == "char" and tok.text == "[":
                self.take()
                index = _mrow(self.row(("]",)))
                self.expect("]")
                return f"<mroot>{self.argument()}{index}</mroot>"
            return f"<msqrt>{self.argument()}</msqrt>"
        if word == "left":
            return self.fenced()
        if word in ("text", "textrm", "mbox", "textit"):
            return text_mathml(self.raw_group())
        if word in ("mathrm", "operatorname", "mathit"):
            name = _plain_text(self.raw_group())
            variant = "" if word == "mathit" else ' mathvariant="normal"'
            fn = "<mo>&#x2061;</mo>" if word == "operatorname" else ""
            return f"<mi{variant}>{escape(name)}</mi>{fn}"
        if word in ("mathbf", "boldsymbol", "bm"):
            inner = _plain_text(self.raw_group())
            if inner == "1":
                return _BOLD_ONE
            return f'<mi mathvariant="bold" class="bold">{escape(inner)}</mi>'
        if word == "qgind":
            return _BOLD_ONE
        if word == "mathbb":
            inner = _plain_text(self.raw_group())
            if inner == "1":
                return _BOLD_ONE
            return f'<mi mathvariant="double-struck">{escape(inner)}</mi>'
        if word in ("hat", "bar", "tilde", "vec", "dot", "overline"):
            accent = {"hat": "^", "bar": "¯", "tilde": "~", "vec": "→", "dot": "˙", "overline": "¯"}[word]
            return f'<mover accent="true">{self.argument()}<mo>{accent}</mo></mover>'
        if word == "begin":
            return self.environment()
        raise MathMLError(f"unknown command \\{word}")

    def fence(self) -> str:
        tok = self.take()
        key = ("\\" + tok.text) if tok.kind in ("word", "sym") else tok.text
        if key not in _FENCES:
            raise MathMLError(f"unknown fence {key!r}")
        return _FENCES[key]

    def fenced(self) -> str:
        opening = self.fence()
        items = self.row(("\\right",))
        self.take()  # \right
        closing = self.fence()
        return f"<mrow>{_fence(opening)}{_mrow(items)}{_fence(closing)}</mrow>"

    def environment(self) -> str:
        name = _plain_text(self.raw_group())
        if name not in _MATRICES:
            raise MathMLError(f"unknown environment {name}")
        if name == "array":
            self.raw_group()  # column spec
        rows: list[list[str]] = [[]]
        while True:
            cell = self.row(("&", "\\\\", "\\end"))
            rows[-1].append(_mrow(cell))
            tok = self.take()
            if tok.kind == "char" and tok.text == "&":
                continue
            if tok.kind == "sym" and tok.text == "\\":
                rows.append([])
                continue
            end = _plain_text(self.raw_group())
            if end != name:
                raise MathMLError(f"\\begin{{{name}}} closed by \\end{{{end}}}")
            break
        if rows and rows[-1] == ["<mrow></mrow>"]:
            rows.pop()
        align = ' columnalign="left"' if name == "cases" else ""
        table = "".join("<mtr>" + "".join(f"<mtd>{c}</mtd>" for c in row) + "</mtr>" for row in rows)
        opening, closing = _MATRICES[name]
        return (
            f"<mrow>{_fence(opening, stretch=True)}<mtable{align}>{table}</mtable>"
            f"{_fence(closing, stretch=True)}</mrow>"
        )


def _fence(char: str, *, stretch: bool = False) -> str:
    """A bracket of \\left...\\right, without space inside it. Only a matrix's or a cases' bracket stretches:
    without a math font (most Linux desktops) Chromium pads a stretchy bracket and hardly enlarges it."""
    if not char:
        return ""
    stretchy = "" if stretch else ' stretchy="false"'
    return f'<mo fence="true"{stretchy} lspace="0em" rspace="0em">{escape(char)}</mo>'


def _mrow(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "<mrow>" + "".join(items) + "</mrow>"


_TEXT_ESCAPES = re.compile(r"\\([,;:! ]|[%&#_{}$])|\{\}|[{}]")
_MATH_IN_TEXT = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.S)


_TEXT_COMMAND = re.compile(
    r"\\(" + "|".join(sorted(TEXT_COMMAND_CHARS, key=len, reverse=True)) + r")(?:\{\}|(?![A-Za-z]))"
)


def _plain_text(latex_text: str) -> str:
    """The words of a \\text{...} argument: "Sum rule,{} term by term" -> "Sum rule, term by term", and
    "ReLU\\textquotesingle{}s" (tex_escape's apostrophe) -> "ReLU's"."""
    out = []
    pos = 0
    for m in _TEXT_COMMAND.finditer(latex_text):
        out.append(_plain_words(latex_text[pos : m.start()]))
        out.append(TEXT_COMMAND_CHARS[m.group(1)])
        pos = m.end()
    out.append(_plain_words(latex_text[pos:]))
    return "".join(out)


def _plain_words(latex_text: str) -> str:
    if re.search(r"\\[A-Za-z]", latex_text):
        raise MathMLError(f"command inside text: {latex_text[:40]!r}")

    def repl(m: re.Match[str]) -> str:
        ch = m.group(1)
        if ch is None:
            return ""
        return " " if ch in ",;:! " else ch

    return _TEXT_ESCAPES.sub(repl, latex_text)


def text_mathml(latex_text: str) -> str:
    """\\text{...} inside math: <mtext>, with $...$ inside it typeset as math."""
    out = []
    pos = 0
    for m in _MATH_IN_TEXT.finditer(latex_text):
        if m.start() > pos:
            out.append(f"<mtext>{escape(_plain_text(latex_text[pos : m.start()]))}</mtext>")
        out.append(_mrow(_Parser(m.group(1)).row()))
        pos = m.end()
    if pos < len(latex_text) or not out:
        out.append(f"<mtext>{escape(_plain_text(latex_text[pos:]))}</mtext>")
    return _mrow(out)


@lru_cache(maxsize=32768)  # a class repeats its variants' prompts and steps: typeset each once
def mathml(latex: str, plain: str, *, display: bool = False) -> str:
    """A <math> element for latex, with plain as its text annotation (for copying and screen readers).

    Raises:
        MathMLError: latex is outside the subset quizgen prints, or too long.
    """
    if len(latex) > MAX_LATEX_CHARS:
        raise MathMLError("formula too long to typeset")
    source = indicator_notation(latex)
    shape = _shape(source)
    pieces = None if shape is None else _shape_body(shape[0])
    if shape is None or pieces is None:
        body = _body(_Parser(source))
    else:
        numbers = shape[1]
        body = "".join([numbers[ord(p) - _SLOT0] if i % 2 else p for i, p in enumerate(pieces)])
    mode = "block" if display else "inline"
    return f'<math display="{mode}"><semantics>{body}<annotation encoding="text/plain">{escape(plain)}</annotation></semantics></math>'


def _body(parser: _Parser) -> str:
    body = _mrow(parser.row())
    if parser.peek() is not None:
        raise MathMLError("unbalanced braces")
    return body if body.startswith("<mrow>") else "<mrow>" + body + "</mrow>"


def _shape(latex: str) -> tuple[str, list[str]] | None:
    """The formula with its k-th number replaced by the character U+E000 + k, and those numbers.

    Variants of a problem differ mostly in their numbers, and a number only ever becomes <mn>number</mn>
    wherever it stands, so a class's formulas share a few shapes, each typeset once (_shape_body); the
    numbers are put back in the shape's MathML. None when the formula cannot be handled this way: it has a
    private-use character of its own, too many numbers, or a command that reads its argument as text."""
    numbers: list[str] = []
    usable = True

    def slot(m: re.Match[str]) -> str:
        nonlocal usable
        text = m.group(0)
        if text[0] == "\\":
            if m.group(1) in _RAW_WORDS:
                usable = False
            return text
        if text[0] >= "\ue000" or len(numbers) >= _MAX_SLOTS:
            usable = False
            return text
        numbers.append(text)
        return chr(_SLOT0 + len(numbers) - 1)

    shape = _NUMBER_OR_ESCAPE.sub(slot, latex)
    return (shape, numbers) if usable else None


_SLOT = re.compile("([\ue000-\uf8ff])")


@lru_cache(maxsize=32768)  # a class of 2,000 has about 12,000 shapes
def _shape_body(shape: str) -> tuple[str, ...] | None:
    """The MathML of a formula's shape (_shape), split around its numbers' slots (odd items are slots), or
    None when it is not understood: the formula itself is then typeset, so that its error names it."""
    try:
        body = _body(_Parser(shape, _SHAPE_TOKEN))
    except MathMLError:
        return None
    return tuple(_SLOT.split(body))


@lru_cache(maxsize=16384)  # a class repeats its variants' prompts and steps: typeset each once
def text_html(latex_text: str) -> str:
    """Family prose in LaTeX ("Let $f(x) = ...$. Find ...") as HTML: words escaped, $...$ typeset inline.

    Raises:
        MathMLError: the prose or its math is outside the subset quizgen prints.
    """
    out = []
    pos = 0
    for m in _MATH_IN_TEXT.finditer(latex_text):
        if m.start() > pos:
            out.append(escape(_plain_text(latex_text[pos : m.start()])))
        out.append(mathml(m.group(1), _latex_plain(m.group(1))))
        pos = m.end()
    if pos < len(latex_text):
        out.append(escape(_plain_text(latex_text[pos:])))
    return "".join(out)


_SYMBOLS = {**_IDENTIFIERS, **_OPERATORS}
_SYMBOL_WORD = re.compile(
    r"\\(" + "|".join(re.escape(w) for w in sorted(_SYMBOLS, key=len, reverse=True)) + r")(?![A-Za-z])\s*"
)


@lru_cache(maxsize=16384)  # a class repeats its variants' prompts and steps: typeset each once
def _latex_plain(latex: str) -> str:
    """A readable plain form of short math inside prose, for its annotation."""
    text = re.sub(r"\\(left|right)(?![A-Za-z])", "", latex)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", text)
    text = _SYMBOL_WORD.sub(lambda m: _SYMBOLS[m.group(1)], text)  # one pass: no symbol contains a backslash
    text = re.sub(r"\\[A-Za-z]+\s*", "", text)
    text = re.sub(r"\^\{([^{}]*)\}", r"^\1", text)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()
