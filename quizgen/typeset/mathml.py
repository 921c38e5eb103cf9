"""Presentation MathML from the LaTeX quizgen prints (sympy's printer, the families' prompts and steps).

HTML pages are typeset when they are written, so they need no network and no JavaScript. Only the LaTeX
subset quizgen itself produces is understood; anything else raises MathMLError and the caller shows the
plain-text form instead. The LaTeX comes from sympy and the families, never from a student: typed answers
reach a page only as escaped text, or as the LaTeX the safe parser printed for them.

Indicators are written as the PDFs write them, a bold 1 followed by the condition in parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from quizgen.typeset.latexmath import indicator_notation

MAX_LATEX_CHARS = 20_000
"""Longer LaTeX is not typeset (the plain text is shown): bounds the work per formula."""


class MathMLError(ValueError):
    """LaTeX outside the subset quizgen prints."""


_TOKEN = re.compile(
    r"\\(?P<word>[A-Za-z]+)\s*|\\(?P<sym>.)|(?P<num>[0-9]+(?:\.[0-9]+)?)|(?P<space>\s+)|(?P<char>.)", re.S
)

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


@dataclass
class _Tok:
    kind: str  # word | sym | num | char | space
    text: str
    start: int
    end: int


def _tokens(latex: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(latex):
        kind = m.lastgroup or "char"
        out.append(_Tok(kind, m.group(kind), m.start(), m.end()))
    return out


class _Parser:
    def __init__(self, latex: str) -> None:
        self.source = latex
        self.toks = _tokens(latex)
        self.i = 0

    def peek(self) -> _Tok | None:
        while self.i < len(self.toks) and self.toks[self.i].kind == "space":
            self.i += 1
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise MathMLError("unexpected end of formula")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise MathMLError(f"expected {text!r}, found {tok.text!r}")

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
        self.expect("{")
        start = self.i
        depth = 1
        while self.i < len(self.toks):
            tok = self.toks[self.i]
            self.i += 1
            if tok.kind == "char" and tok.text == "{":
                depth += 1
            elif tok.kind == "char" and tok.text == "}":
                depth -= 1
                if depth == 0:
                    return self.source[self.toks[start].start : tok.start] if self.i - 1 > start else ""
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


def _plain_text(latex_text: str) -> str:
    """The words of a \\text{...} argument: "Sum rule,{} term by term" -> "Sum rule, term by term"."""
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


@lru_cache(maxsize=16384)  # a class repeats its variants' prompts and steps: typeset each once
def mathml(latex: str, plain: str, *, display: bool = False) -> str:
    """A <math> element for latex, with plain as its text annotation (for copying and screen readers).

    Raises:
        MathMLError: latex is outside the subset quizgen prints, or too long.
    """
    if len(latex) > MAX_LATEX_CHARS:
        raise MathMLError("formula too long to typeset")
    parser = _Parser(indicator_notation(latex))
    body = _mrow(parser.row())
    if parser.peek() is not None:
        raise MathMLError("unbalanced braces")
    mode = "block" if display else "inline"
    return (
        f'<math display="{mode}"><semantics>{body if body.startswith("<mrow>") else "<mrow>" + body + "</mrow>"}'
        f'<annotation encoding="text/plain">{escape(plain)}</annotation></semantics></math>'
    )


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


@lru_cache(maxsize=16384)  # a class repeats its variants' prompts and steps: typeset each once
def _latex_plain(latex: str) -> str:
    """A readable plain form of short math inside prose, for its annotation."""
    text = re.sub(r"\\(left|right)(?![A-Za-z])", "", latex)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", text)
    for word, sym in {**_IDENTIFIERS, **_OPERATORS}.items():
        text = re.sub(r"\\" + re.escape(word) + r"(?![A-Za-z])\s*", sym, text)
    text = re.sub(r"\\[A-Za-z]+\s*", "", text)
    text = re.sub(r"\^\{([^{}]*)\}", r"^\1", text)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()
