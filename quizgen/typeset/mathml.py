"""Presentation MathML from the LaTeX quizgen prints (sympy's printer, the families' prompts and steps).

HTML pages are typeset when they are written, so they need no network and no JavaScript. Only the LaTeX
subset quizgen itself produces is understood; anything else raises MathMLError and the caller shows the
plain-text form instead. The LaTeX comes from sympy and the families, never from a student: typed answers
reach a page only as escaped text, or as the LaTeX the safe parser printed for them.

Indicators are written as the PDFs write them, a bold 1 followed by the condition in parentheses.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from functools import lru_cache
from html import escape
from itertools import accumulate, repeat
from typing import TypeVar

from quizgen.typeset.escape import TEXT_COMMAND_CHARS
from quizgen.typeset.latexmath import indicator_notation

MAX_LATEX_CHARS = 20_000
"""Longer LaTeX is not typeset (the plain text is shown): bounds the work per formula."""


class MathMLError(ValueError):
    """LaTeX outside the subset quizgen prints."""


_TOKEN = re.compile(r"(\\[A-Za-z]+|\\.|[0-9]+(?:\.[0-9]+)?|\S)\s*", re.S)
"""One token (a command, an escaped character, a number or a character) and the spaces after it, which
only the source text of \\text{...} keeps. findall gives the tokens; the spans of group 1 their places."""
_NUMBER_SPLIT = re.compile(r"([0-9]+(?:\.[0-9]+)?)")
_NUM = "\ue000"
"""A number in a formula's shape, and in the MathML typeset from the shape (see _typeset). A formula with
this private-use character of its own is typeset as it is, and so is one with an escaped digit (\\1 is
one token, 1 alone is a number): _ESCAPED_NUM in its shape."""
_ESCAPED_NUM = "\\" + _NUM
_MAX_CACHED = 50_000
"""Entries of each of the typesetter's own caches (shapes, spans, characters): bounds their memory."""


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


_DIGITS = frozenset("0123456789")
_NUM_ATOM = f"<mn>{_NUM}</mn>"
_SCRIPTS = frozenset("^_'")
_NESTING = {"{": 1, "\\left": 1, "}": -1, "\\right": -1}
_CLOSE_BRACE = ("}",)
_CLOSE_BRACKET = ("]",)
_CLOSE_FENCE = ("\\right",)
_CELL_END = ("&", "\\\\", "\\end")
_SPECIAL_CHARS = frozenset("{&^_" + _NUM)
"""Characters that are not an atom by themselves (a group, errors, a number's slot)."""


def _char_atom(ch: str) -> str:
    """A character that is an atom by itself: a letter, a bracket, an operator."""
    if ch.isalpha():
        return f"<mi>{escape(ch)}</mi>"
    if ch == "~":
        return '<mspace width="0.25em"/>'
    if ch in "()[]|":
        return f'<mo stretchy="false" lspace="0em" rspace="0em">{escape(ch)}</mo>'
    if ch == "-":
        return "<mo>−</mo>"
    if ch == "'":
        return "<mo>′</mo>"
    return f"<mo>{escape(ch)}</mo>"


def _simple_atoms() -> dict[str, str]:
    """Tokens that stand for one fixed piece of MathML, whatever follows them: symbols, functions, spaces."""
    atoms: dict[str, str] = {}
    for word, ch in _IDENTIFIERS.items():
        variant = ' mathvariant="normal"' if word in ("partial", "nabla") or word[0].isupper() else ""
        atoms.setdefault("\\" + word, f"<mi{variant}>{ch}</mi>")
    for word, ch in _OPERATORS.items():
        atoms.setdefault("\\" + word, f"<mo>{escape(ch)}</mo>")
    for word, width in _SPACES.items():
        atoms.setdefault("\\" + word, f'<mspace width="{width}"/>')
    for word in _FUNCTIONS:  # thin space, as TeX's \\mathop
        atoms.setdefault("\\" + word, f'<mspace width="0.1667em"/><mi>{word}</mi><mo>&#x2061;</mo>')
    atoms["\\qgind"] = _BOLD_ONE
    for word in _IGNORED:
        atoms.pop("\\" + word, None)
    return atoms


_ATOMS = _simple_atoms()
"""Token -> its MathML, for the tokens that need no parsing; characters are added as they are met."""
_ATOM_WORDS = len(_ATOMS)

K = TypeVar("K")
V = TypeVar("V")


def _remember(cache: dict[K, V], key: K, value: V) -> None:
    """Keep value, unless the cache is full: then it starts again (a class needs far fewer entries)."""
    if len(cache) >= _MAX_CACHED:
        cache.clear()
    cache[key] = value


_SPANS: dict[tuple[str, ...], str] = {}
"""A {group}'s or a \\left...\\right's tokens in a shape -> its MathML, numbers as _NUM. Steps and keys
repeat their sub-expressions: each is typeset once."""


class _Parser:
    """Recursive descent over a formula's tokens (token strings: "\\frac", "\\{", "12", "x").

    A parser of a shape (shape=True) reads the formula with every number replaced by _NUM, and writes each
    number as <mn>_NUM</mn>: the numbers are put back in order (_typeset), unless the MathML has them in
    another order than the source (reordered) or reads one as text (raw_numbers). Its groups and fences are
    looked up in _SPANS by their tokens, and stored there when their parse read exactly their tokens and
    nothing that the tokens do not show (loose).
    """

    __slots__ = ("depths", "i", "loose", "n", "raw_numbers", "reordered", "shape", "source", "spans", "toks")

    def __init__(self, source: str, toks: list[str], *, shape: bool = False) -> None:
        self.source = source  # the formula itself: \text and the like read their argument's characters
        self.toks = toks
        self.n = len(toks)
        self.i = 0
        self.shape = shape
        self.depths = _depths(toks) if shape else None
        self.spans: list[tuple[int, int]] | None = None
        self.loose = False  # what was typeset depends on more than its tokens (spaces in text, see below)
        self.raw_numbers = False  # a number was read as text
        self.reordered = False  # two numbers are written in the other order than they are read

    def take(self) -> str:
        if self.i >= self.n:
            raise MathMLError("unexpected end of formula")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> str:
        tok = self.take()
        if _text(tok) != text:
            raise MathMLError(f"expected {text!r}, found {_text(tok)!r}")
        return tok

    def row(self, stop: tuple[str, ...] = ()) -> list[str]:
        """Atoms up to (not including) a closing brace, \\right, \\end, & or \\\\ (whichever stop names)."""
        items: list[str] = []
        toks, n = self.toks, self.n
        while self.i < n:
            tok = toks[self.i]
            if tok in stop:
                break
            if tok == "}":
                raise MathMLError("unbalanced }")
            atom = _ATOMS.get(tok)
            if atom is None:
                atom = self.atom()
                if atom is None:
                    continue
            else:
                self.i += 1
            if self.i < n and toks[self.i] in _SCRIPTS:
                atom = self.scripts(atom)
            items.append(atom)
        return items

    def scripts(self, base: str) -> str:
        sub = sup = None
        toks, n = self.toks, self.n
        first = toks[self.i]
        while self.i < n and (tok := toks[self.i]) in ("^", "_"):
            self.i += 1
            arg = self.argument()
            if tok == "^":
                if sup is not None:
                    raise MathMLError("double superscript")
                sup = arg
            else:
                if sub is not None:
                    raise MathMLError("double subscript")
                sub = arg
        while self.i < n and toks[self.i] == "'":
            self.i += 1
            base = f"<mrow>{base}<mo>′</mo></mrow>"
        if sub is not None and sup is not None:
            if first == "^" and _NUM in sup and _NUM in sub:
                self.reordered = self.loose = True
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sup is not None:
            return f"<msup>{base}{sup}</msup>"
        if sub is not None:
            return f"<msub>{base}{sub}</msub>"
        return base

    def argument(self) -> str:
        """One argument: a {group} or a single token."""
        i, toks = self.i, self.toks
        if i < self.n and toks[i] == "{":
            if i + 2 < self.n and toks[i + 2] == "}" and toks[i + 1] != "}":  # {2}, {x}: most scripts
                tok = toks[i + 1]
                atom = _NUM_ATOM if tok == _NUM and self.shape else _ATOMS.get(tok)
                if atom is not None:  # what the group would give, without looking it up in _SPANS
                    self.i = i + 3
                    return atom
            return self.group()
        atom = self.atom()
        if atom is None:
            raise MathMLError("missing argument")
        return atom

    def group(self) -> str:
        start = self.i
        end = self._closing(start)
        if end is None:
            return self._group()
        return self._cached(start, end + 1, self._group)

    def _group(self) -> str:
        self.expect("{")
        items = self.row(_CLOSE_BRACE)
        self.expect("}")
        return _mrow(items)

    def _closing(self, start: int) -> int | None:
        """Where the bracket at start is closed, in a shape (see _depths)."""
        depths = self.depths
        if depths is None:
            return None
        try:
            return depths.index(depths[start] - 1, start + 1)
        except ValueError:
            return None

    def _cached(self, start: int, stop: int, parse: Callable[[], str]) -> str:
        """parse() from start, which should end at stop: from _SPANS when these tokens were typeset before."""
        key = tuple(self.toks[start:stop])
        hit = _SPANS.get(key)
        if hit is not None:
            self.i = stop
            return hit
        loose, self.loose = self.loose, False
        out = parse()
        if self.i == stop and not self.loose:
            _remember(_SPANS, key, out)
        self.loose = self.loose or loose
        return out

    def raw_group(self) -> str:
        """The source text of a {group}, for \\text and \\operatorname."""
        start = self.i
        self.expect("{")
        depth = 1
        toks = self.toks
        while self.i < self.n:
            tok = toks[self.i]
            self.i += 1
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
                if depth == 0:
                    return self._source(start, self.i - 1)
        raise MathMLError("unbalanced {")

    def _source(self, opening: int, closing: int) -> str:
        """The characters between two tokens, from the formula itself: numbers read as text (a shape does
        not have them) and spaces (which the tokens do not show) are kept."""
        if self.spans is None:
            self.spans = [m.span(1) for m in _TOKEN.finditer(self.source)]
        text = self.source[self.spans[opening][1] : self.spans[closing][0]]
        if self.shape:
            inner = self.toks[opening + 1 : closing]
            if _NUM in inner:
                self.raw_numbers = self.loose = True
            elif text != "".join(inner):
                self.loose = True
        return text

    def atom(self) -> str | None:
        tok = self.take()
        simple = _ATOMS.get(tok)
        if simple is not None:
            return simple
        first = tok[0]
        if tok == _NUM and self.shape:
            return _NUM_ATOM
        if first in _DIGITS:
            return f"<mn>{escape(tok)}</mn>"
        if first != "\\" or len(tok) == 1:
            return self.char(tok)
        if tok[1] in _LETTERS:
            return self.command(tok[1:])
        if tok == "\\\\":
            raise MathMLError("line break outside a matrix")
        raise MathMLError(f"unknown symbol {tok}")

    def char(self, ch: str) -> str | None:
        if ch == "{":
            self.i -= 1
            return self.group()
        if ch == "&":
            raise MathMLError("& outside a matrix")
        if ch in ("^", "_"):
            raise MathMLError(f"{ch} without a base")
        atom = _char_atom(ch)
        if ch not in _SPECIAL_CHARS and len(_ATOMS) < _ATOM_WORDS + _MAX_CACHED:
            _ATOMS[ch] = atom
        return atom

    def command(self, word: str) -> str | None:
        if word in _IGNORED:
            return None
        if word in ("frac", "dfrac", "tfrac"):
            num = self.argument()
            return f"<mfrac>{num}{self.argument()}</mfrac>"
        if word == "sqrt":
            if self.i < self.n and self.toks[self.i] == "[":
                self.i += 1
                index = _mrow(self.row(_CLOSE_BRACKET))
                self.expect("]")
                radicand = self.argument()
                if _NUM in index and _NUM in radicand:
                    self.reordered = self.loose = True
                return f"<mroot>{radicand}{index}</mroot>"
            return f"<msqrt>{self.argument()}</msqrt>"
        if word == "left":
            start = self.i - 1
            end = self._closing(start)
            if end is None:
                return self.fenced()
            return self._cached(start, end + 2, self.fenced)  # \left( ... \right)
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
        key = self.take()
        if key not in _FENCES:
            raise MathMLError(f"unknown fence {key!r}")
        return _FENCES[key]

    def fenced(self) -> str:
        opening = self.fence()
        items = self.row(_CLOSE_FENCE)
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
            cell = self.row(_CELL_END)
            rows[-1].append(_mrow(cell))
            tok = self.take()
            if tok == "&":
                continue
            if tok == "\\\\":
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

    def body(self) -> str:
        """The whole formula as one <mrow>."""
        body = _mrow(self.row())
        if self.i < self.n:
            raise MathMLError("unbalanced braces")
        return body if body.startswith("<mrow>") else "<mrow>" + body + "</mrow>"


_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _text(tok: str) -> str:
    """A token as the error messages name it: a command without its backslash."""
    return tok[1:] if len(tok) > 1 and tok[0] == "\\" else tok


def _depths(toks: list[str]) -> list[int]:
    """After each token, how many { and \\left are open: a bracket opened at i (depth d after it) is closed
    by the first token after it with depth d - 1 (a guess the parse confirms before a span is kept)."""
    return list(accumulate(map(_NESTING.get, toks, repeat(0))))


def _template(out: str) -> str:
    """MathML with numbers as _NUM as a printf-style template of the numbers, in order (twice as fast to fill
    as a str.format one)."""
    return out.replace("%", "%%").replace(_NUM, "%s")


_PIECES: dict[str, tuple[str, ...]] = {}
"""A space-separated piece of a formula -> its tokens (see _tokens)."""


def _tokens(latex: str) -> list[str]:
    """_TOKEN.findall(latex), put together from the tokens of its space-separated pieces.

    No token holds a space unless it is an escaped one (a backslash, then a space), so where there is none
    the pieces' tokens, in order, are the formula's: the spaces between them are what the pattern skips.
    sympy's LaTeX is spaced, and a class's shapes are made of a few hundred distinct pieces ("+", "x^{",
    "\\frac{\\partial}{\\partial"): each is tokenized once, three times faster than the pattern over every shape.
    """
    if "\\ " in latex:
        return _TOKEN.findall(latex)
    toks: list[str] = []
    for piece in latex.split(" "):
        known = _PIECES.get(piece)
        if known is None:
            known = tuple(_TOKEN.findall(piece))
            _remember(_PIECES, piece, known)
        toks += known
    return toks


def _plain_parser(latex: str) -> _Parser:
    return _Parser(latex, _tokens(latex))


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


def _math_in_text(text: str) -> Iterator[tuple[int, int]]:
    """Where each $...$ is in prose, as (start, end) of the $...$: a $ not after a backslash, then at least one
    character, up to the first $ not after one (what the pattern (?<!\\\\)\\$(.+?)(?<!\\\\)\\$ finds)."""
    pos = 0
    while (start := text.find("$", pos)) >= 0:
        if start and text[start - 1] == "\\":
            pos = start + 1
            continue
        end = start + 2
        while (end := text.find("$", end)) >= 0 and text[end - 1] == "\\":
            end += 1
        if end < 0:
            return  # no closing $: none after it either
        yield start, end + 1
        pos = end + 1


_COMMAND_IN_TEXT = re.compile(r"\\[A-Za-z]")


_TEXT_COMMAND = re.compile(
    r"\\(" + "|".join(sorted(TEXT_COMMAND_CHARS, key=len, reverse=True)) + r")(?:\{\}|(?![A-Za-z]))"
)


def _plain_text(latex_text: str) -> str:
    """The words of a \\text{...} argument: "Sum rule,{} term by term" -> "Sum rule, term by term", and
    "ReLU\\textquotesingle{}s" (tex_escape's apostrophe) -> "ReLU's"."""
    if "\\" not in latex_text and "{" not in latex_text and "}" not in latex_text:
        return latex_text  # most prose: nothing to read back
    out = []
    pos = 0
    for m in _TEXT_COMMAND.finditer(latex_text):
        out.append(_plain_words(latex_text[pos : m.start()]))
        out.append(TEXT_COMMAND_CHARS[m.group(1)])
        pos = m.end()
    out.append(_plain_words(latex_text[pos:]))
    return "".join(out)


def _plain_words(latex_text: str) -> str:
    if _COMMAND_IN_TEXT.search(latex_text):
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
    for start, end in _math_in_text(latex_text):
        if start > pos:
            out.append(f"<mtext>{escape(_plain_text(latex_text[pos:start]))}</mtext>")
        out.append(_mrow(_plain_parser(latex_text[start + 1 : end - 1]).row()))
        pos = end
    if pos < len(latex_text) or not out:
        out.append(f"<mtext>{escape(_plain_text(latex_text[pos:]))}</mtext>")
    return _mrow(out)


def math_element(latex: str, plain: str, *, display: bool = False) -> str:
    """A <math> element for latex, with plain as its text annotation (for copying and screen readers).

    Not cached: mathml is, and this is for a caller that keeps what the element is part of (a worked step's
    list item), so that a class's 30,000 steps are not kept twice.

    Raises:
        MathMLError: latex is outside the subset quizgen prints, or too long.
    """
    if len(latex) > MAX_LATEX_CHARS:
        raise MathMLError("formula too long to typeset")
    body = _typeset(indicator_notation(latex))
    mode = "block" if display else "inline"
    return f'<math display="{mode}"><semantics>{body}<annotation encoding="text/plain">{escape(plain)}</annotation></semantics></math>'


@lru_cache(maxsize=32768)  # a class repeats its variants' prompts and keys: typeset each once
def mathml(latex: str, plain: str, *, display: bool = False) -> str:
    """math_element, cached.

    Raises:
        MathMLError: latex is outside the subset quizgen prints, or too long.
    """
    return math_element(latex, plain, display=display)


_SHAPES: dict[str, str] = {}
"""A formula's shape -> its MathML as a template of its numbers (_template), or "": typeset it as it is."""


def _typeset(source: str) -> str:
    """The formula's MathML body, typeset by its shape where it can be.

    Variants of a problem differ mostly in their numbers, and a number only ever becomes <mn>number</mn>
    wherever it stands, so a class's formulas share a few shapes (the formula with each number replaced by
    _NUM), each typeset once; the numbers are put back in order (_template). Inside a shape, sub-
    expressions repeat too (_SPANS). A formula whose numbers are read as text (\\text{2 cases}) or written
    out of order (\\sqrt[3]{8}: the index comes last in MathML), and one that cannot be shaped
    (see _NUM), is typeset as it is. A shape that is refused is typeset again as the formula itself, so
    that the error names it."""
    if _NUM not in source:
        parts = _NUMBER_SPLIT.split(source)  # text, number, text, ..., text
        shape = _NUM.join(parts[::2])
        if _ESCAPED_NUM not in shape:
            template = _SHAPES.get(shape)
            if template is None:
                parser = _Parser(source, _tokens(shape), shape=True)
                try:
                    body = parser.body()
                except MathMLError:
                    return _plain_parser(source).body()  # raises, naming the formula's own tokens
                in_order = not (parser.raw_numbers or parser.reordered) and body.count(_NUM) == len(parts) // 2
                template = _template(body) if in_order else ""
                _remember(_SHAPES, shape, template)
            if template:
                return template % tuple(parts[1::2])
    return _plain_parser(source).body()


@lru_cache(maxsize=16384)  # a class repeats its variants' prompts and steps: typeset each once
def text_html(latex_text: str) -> str:
    """Family prose in LaTeX ("Let $f(x) = ...$. Find ...") as HTML: words escaped, $...$ typeset inline.

    Raises:
        MathMLError: the prose or its math is outside the subset quizgen prints.
    """
    if "$" not in latex_text:
        return escape(_plain_text(latex_text))
    out = []
    pos = 0
    for start, end in _math_in_text(latex_text):
        if start > pos:
            out.append(escape(_plain_text(latex_text[pos:start])))
        math = latex_text[start + 1 : end - 1]
        out.append(mathml(math, _latex_plain(math)))
        pos = end
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
    text = _LEFT_RIGHT.sub("", latex)
    text = _SIMPLE_FRAC.sub(r"\1/\2", text)
    text = _SYMBOL_WORD.sub(lambda m: _SYMBOLS[m.group(1)], text)  # one pass: no symbol contains a backslash
    text = _FUNCTION_WORD.sub(_function_word, text)  # \sin(2x) reads sin(2x), \cos x reads cos x
    text = _ANY_COMMAND.sub("", text)
    # x^{2} reads x^2 because every brace goes; runs of spaces become one space (str.split's whitespace is
    # the pattern \s's), none at either end.
    return " ".join(text.replace("{", "").replace("}", "").split())


_FUNCTION_WORD = re.compile(r"\\(" + "|".join(sorted(_FUNCTIONS, key=len, reverse=True)) + r")(?![A-Za-z])(\s*)")
_JOINS_A_WORD = frozenset(string.ascii_letters + string.digits + "}") | frozenset(map(chr, range(0x391, 0x3CA)))
"""What a function name must not run into: Latin letters, digits, a closing brace, and the Greek letters that
\\alpha and its kin become (\\sigma\\sin x reads σ sin x)."""


def _function_word(m: re.Match[str]) -> str:
    """A function's name, apart from a letter or digit before it (d/dx max) and from a bare argument after it
    if the source had a space there (cos x, but sin(2x))."""
    at = m.start()
    before = " " if at and m.string[at - 1] in _JOINS_A_WORD else ""
    return before + m.group(1) + (" " if m.group(2) else "")


_LEFT_RIGHT = re.compile(r"\\(left|right)(?![A-Za-z])")
_SIMPLE_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_ANY_COMMAND = re.compile(r"\\[A-Za-z]+\s*")
