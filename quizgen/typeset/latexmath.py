"""Laying out the manifest's LaTeX (sympy's printer, the families' prompts) so nothing runs off the page.

The *_latex fields are trusted to be math from sympy and the families, but they are still checked: a
field that could read or write files (\\input, \\write, \\openin, ...) or has unbalanced braces is refused
with the student and problem it came from, instead of reaching pdflatex.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from quizgen.errors import LatexError

_FORBIDDEN = re.compile(
    r"\\(input|include|includeonly|InputIfFileExists|openin|openout|read|readline|write|immediate|"
    r"catcode|def|edef|gdef|xdef|let|futurelet|csname|usepackage|RequirePackage|documentclass|special|"
    r"directlua|newcommand|renewcommand|providecommand|DeclareRobustCommand|newwrite|newread|endinput|"
    r"expandafter|lccode|uccode|scantokens|pdfprimitive|primitive|end\{document\}|shipout|outer|"
    r"everypar|everymath|everydisplay|output|jobname|makeatletter|ShellEscape|pdfshellescape)(?![A-Za-z])"
)

_ESCAPED = re.compile(r"\\.", re.S)
_NOT_BRACE = re.compile(r"[^{}]+")

_CACHE_SIZE = 1 << 15
"""Entries of each layout cache: a class repeats its formulas (a key is measured by several callers, and
the same steps and answers recur across variants); the functions are pure, so caching changes no output."""

MATH_LINE_CHARS = 62
"""Estimated visible characters of display math that fit on one line of the worksheet."""
INLINE_MAX_CHARS = 44
"""Inline math in a prompt longer than this is set as a display instead."""
INLINE_DEFINITION_CHARS = 30
"""A definition "f(x, y) = ..." longer than this is displayed (it is what the student reads most)."""


def check_latex(latex: str, where: str) -> str:
    """Refuse LaTeX that could touch files or break the document; return it unchanged otherwise.

    Raises:
        LatexError: naming where (student and problem) and the offending command.
    """
    problem = _latex_problem(latex)
    if problem:
        raise LatexError(f"{where}: {problem}; regenerate the manifest with quizgen generate")
    return latex


@lru_cache(maxsize=_CACHE_SIZE)
def _latex_problem(latex: str) -> str:
    """What is wrong with the LaTeX ("" when nothing): a class repeats its formulas, so each is checked once."""
    match = _FORBIDDEN.search(latex)
    if match:
        return f"LaTeX contains the command {match.group(0)!r}, which quizgen never prints"
    # One pass, linear in any text (a manifest's fields may be anything): removing innermost "{}" pairs
    # until none are left is as many passes as the braces are deep.
    depth = 0
    for ch in _NOT_BRACE.sub("", _ESCAPED.sub("", latex)):
        depth += 1 if ch == "{" else -1
        if depth < 0:
            break
    return "LaTeX has unbalanced braces" if depth != 0 else ""


_ZERO_WIDTH = re.compile(
    r"\\(left|right|big|Big|bigg|Bigg|mathrm|operatorname|text|mathbf|displaystyle|,|;|!|quad|qquad)(?![A-Za-z])"
)
_CONTROL_WORD = re.compile(r"\\[A-Za-z]+")
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")


_INVISIBLE = re.compile(r"[{}^_&]|\\\\|\s+")


def _fraction_width(m: re.Match[str]) -> str:
    return "x" * max(_plain_len(m.group(1)), _plain_len(m.group(2)))


@lru_cache(maxsize=_CACHE_SIZE)
def visible_width(latex: str) -> int:
    """A rough count of the characters math occupies on a line (fractions count their wider part)."""
    text = latex
    if "\\frac" in text:
        for _ in range(3):  # innermost fractions first
            text = _FRAC.sub(_fraction_width, text)
    return _plain_len(text)


def _plain_len(latex: str) -> int:
    text = _ZERO_WIDTH.sub("", latex)
    text = _CONTROL_WORD.sub("x", text)
    return len(_INVISIBLE.sub("", text))


_WORD = re.compile(r"\\([A-Za-z]+)")


def _top_level_positions(latex: str, chars: str) -> list[int]:
    """Indexes of chars at brace depth 0 and outside \\left...\\right and environments."""
    positions = []
    depth = 0
    i = 0
    n = len(latex)
    while i < n:
        ch = latex[i]
        if ch == "\\":
            word = _WORD.match(latex, i)
            if word:
                name = word.group(1)
                if name in ("left", "begin"):
                    depth += 1
                elif name in ("right", "end"):
                    depth -= 1
                i += len(word.group(0))
                # \left( and \right) consume their delimiter
                if name in ("left", "right") and i < n and latex[i] in "()[]|.":
                    i += 1
                continue
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and ch in chars:
            positions.append(i)
        i += 1
    return positions


def _split_at(latex: str, positions: list[int]) -> list[str]:
    parts = []
    start = 0
    for pos in positions:
        parts.append(latex[start:pos])
        start = pos
    parts.append(latex[start:])
    return [p for p in parts if p.strip()]


def _break_sum(latex: str, limit: int) -> list[str]:
    """Break a long sum into lines at top-level + and - (never a unary minus), each under limit if it can."""
    cuts = []
    for pos in _top_level_positions(latex, "+-"):
        before = latex[:pos].rstrip()
        if before and before[-1] not in "+-=({[,&" and not before.endswith(("\\left(", "\\cdot")):
            cuts.append(pos)
    terms = _split_at(latex, cuts)
    lines: list[str] = []
    current = ""
    for term in terms:
        if current and visible_width(current + term) > limit:
            lines.append(current)
            current = term
        else:
            current += term
    if current:
        lines.append(current)
    return lines


def sum_terms(latex: str) -> list[str]:
    """A sum's top-level terms, each after the first starting with its + or - (a product is one term)."""
    return [term.strip() for term in _break_sum(latex.strip(), 0)]


_FACTOR_SCAN = re.compile(r"\\([A-Za-z]+)|\\.|[{}]")


def product_factors(term: str) -> list[str]:
    """A product's top-level factors, each but the last ending in its \\cdot (a factor may wrap after it)."""
    factors: list[str] = []
    depth = start = 0
    for m in _FACTOR_SCAN.finditer(term):
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        else:
            name = m.group(1) or ""
            depth += name in ("left", "begin")
            depth -= name in ("right", "end")
            if name == "cdot" and depth == 0:
                factors.append(term[start : m.end()].strip())
                start = m.end()
    factors.append(term[start:].strip())
    return [f for f in factors if f]


@lru_cache(maxsize=_CACHE_SIZE)
def display_math(latex: str, *, limit: int = MATH_LINE_CHARS) -> str:
    """Math for \\qgdisplay: as is when short, else an aligned block broken at = and then at + / -.

    The template's \\qgdisplay still scales a block down if TeX finds it wider than the line, so this
    only has to make the common long cases readable instead of tiny.
    """
    latex = latex.strip()
    if visible_width(latex) <= limit:
        return latex
    eq = _top_level_positions(latex, "=")
    pieces = [latex] if not eq else [latex[: eq[0]]] + [latex[p + 1 : q] for p, q in zip(eq, eq[1:] + [len(latex)])]
    rows: list[str] = []
    lhs = pieces[0] if eq else ""
    rhs_list = pieces[1:] if eq else pieces
    for k, rhs in enumerate(rhs_list):
        lines = _break_sum(rhs.strip(), limit - (visible_width(lhs) if eq else 0))
        for j, line in enumerate(lines):
            if j == 0:
                prefix = (lhs.strip() + " &= ") if (eq and k == 0) else ("&= " if eq else "& ")
            else:
                prefix = "&\\quad "
            rows.append(prefix + line.strip())
    return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"


_CASES = re.compile(
    r"\\begin\{cases\}\s*(?P<value>[^&]*?)\s*&\s*\\text\{for\}(?:\\:)?\s*(?P<cond>[^&]*?)"
    r"\s*\\\\\s*0\s*&\s*\\text\{otherwise\}\s*\\end\{cases\}"
)
_WRAPPED_INDICATOR = re.compile(r"\\left\((?P<inner>(?:-?\s*[0-9]*\s*)?\\qgind\\left\([^()]*\\right\))\\right\)")


def indicator_notation(latex: str) -> str:
    r"""sympy's cases for Piecewise((v, cond), (0, True)) as the material writes it: v \cdot 1(cond).

    \qgind is the template's indicator symbol (a bold 1); redundant parentheses around it are dropped.
    """
    if "\\begin{cases}" not in latex and "\\qgind" not in latex:
        return latex  # what both patterns need: most formulas have neither (and need no cache entry)
    return _indicator_notation(latex)


@lru_cache(maxsize=_CACHE_SIZE)
def _indicator_notation(latex: str) -> str:
    def repl(m: re.Match[str]) -> str:
        value = m.group("value").strip()
        ind = r"\qgind\left(" + m.group("cond").strip() + r"\right)"
        if value in ("1", ""):
            return ind
        if value == "-1":
            return "-" + ind
        if [p for p in _top_level_positions(value, "+-") if value[:p].strip()]:
            value = r"\left(" + value + r"\right)"
        return value + r" \cdot " + ind

    out = _CASES.sub(repl, latex)
    return _WRAPPED_INDICATOR.sub(lambda m: m.group("inner"), out)


@dataclass(frozen=True)
class Segment:
    """A piece of a prompt: text (already LaTeX, from the family) or math; display=True sets it apart."""

    kind: str  # "text" | "math"
    latex: str
    display: bool = False


_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.S)


def _is_definition(math: str) -> bool:
    """ "f(x, y) = ..." (a function being defined) rather than "x = -1" (a point) or "\\nabla f = (...)"."""
    eq = _top_level_positions(math, "=")
    if not eq:
        return False
    lhs = math[: eq[0]].strip()
    return "(" in lhs and not lhs.startswith("\\nabla")


def prompt_segments(prompt_latex: str) -> list[Segment]:
    """Split a family's prompt ("Let $f(x,y) = ...$. Find $...$.") into text and math; long math is displayed.

    Punctuation right after a displayed formula moves into it, so no line starts with a lone period.
    """
    segments: list[Segment] = []
    pos = 0
    for m in _MATH.finditer(prompt_latex):
        if m.start() > pos:
            segments.append(Segment("text", prompt_latex[pos : m.start()]))
        math = m.group(1)
        # Short formulas stay in the sentence (a class set prints on fewer sheets); long ones, and
        # definitions too long to read inline, are displayed.
        width = visible_width(math)
        display = width > INLINE_MAX_CHARS or (_is_definition(math) and width > INLINE_DEFINITION_CHARS)
        segments.append(Segment("math", math, display=display))
        pos = m.end()
    if pos < len(prompt_latex):
        segments.append(Segment("text", prompt_latex[pos:]))
    out: list[Segment] = []
    for seg in segments:
        if seg.kind == "text" and out and out[-1].display and seg.latex[:1] in ".,;:":
            out[-1] = Segment("math", out[-1].latex + r"\," + seg.latex[0], display=True)
            rest = seg.latex[1:]
            if rest.strip():
                out.append(Segment("text", rest))
            continue
        out.append(seg)
    return out


@lru_cache(maxsize=_CACHE_SIZE)
def split_leading_text(step_latex: str) -> tuple[str, str]:
    r"""Split a step's LaTeX "\text{Hold y constant:} 3 x^{2}" into ("Hold y constant:", "3 x^{2}").

    Steps are set as a sentence followed by a displayed formula; a step without a leading \text is all math.
    """
    s = step_latex.lstrip()
    if not s.startswith("\\text{"):
        return "", step_latex.strip()
    # The brace closing \text{: braces after a backslash do not count. Found with str.find, brace by brace
    # (a regular expression's lookbehind at every character cost more than the rest of the page's step).
    depth, pos = 1, len("\\text{")
    while True:
        closing = s.find("}", pos)
        if closing < 0:
            return "", step_latex.strip()
        opening = s.find("{", pos, closing)
        brace = opening if opening >= 0 else closing
        pos = brace + 1
        if s[brace - 1] == "\\":
            continue
        depth += 1 if brace == opening else -1
        if depth == 0:
            return s[len("\\text{") : closing], s[pos:].strip()


_BRACED = r"(?:[^{}]|\{[^{}]*\})*"  # one level of nested braces: w_{1}
_PARTIAL = re.compile(r"\\frac\{(?:\\partial|d) " + _BRACED + r"\}\{(?:\\partial|d) " + _BRACED + r"\}")


def partial_labels(prompt_latex: str) -> list[str]:
    r"""The \frac{\partial f}{\partial x} (or, for one variable, \frac{d h}{d x}) fractions a prompt asks for, in
    order (labels for answer lines)."""
    return _PARTIAL.findall(prompt_latex)


def differentiated_name(label: str) -> str:
    r"""The function in a label: \frac{\partial L_{1}}{\partial w} -> L_{1} (f when it cannot tell)."""
    m = re.match(r"\\frac\{(?:\\partial|d) (" + _BRACED + r")\}", label)
    return m.group(1).strip() if m else "f"


def vector_components(latex: str) -> list[str] | None:
    r"""Components of a vector printed as \left( a, b \right), \left[ a, b \right] or a matrix, else None."""
    s = latex.strip()
    m = re.fullmatch(r"\\left[(\[](.*)\\right[)\]]", s, re.S)
    if m:
        inner = m.group(1)
        env = re.fullmatch(r"\s*\\begin\{(p|b)?matrix\}(.*)\\end\{(p|b)?matrix\}\s*", inner, re.S)
        if env:
            return [c.strip() for c in env.group(2).split("\\\\") if c.strip()]
        commas = _top_level_positions(inner, ",")
        if commas:
            bounds = [-1] + commas + [len(inner)]
            return [inner[a + 1 : b].strip() for a, b in itertools.pairwise(bounds)]
        return None
    env = re.fullmatch(r"\\begin\{(p|b)?matrix\}(.*)\\end\{(p|b)?matrix\}", s, re.S)
    if env:
        return [c.strip() for c in env.group(2).split("\\\\") if c.strip()]
    return None
