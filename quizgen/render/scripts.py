"""Names in every script: the few texts pdflatex cannot print are typeset once with LuaLaTeX.

A batch is typeset by pdflatex (fast, one run per document). A name in Arabic, Hebrew, Hangul, Devanagari,
Thai, Ethiopic, Georgian or with the Vietnamese hook above has no glyphs in pdflatex's fonts, so each such
text is typeset once with LuaLaTeX (fontspec, HarfBuzz, Debian's Noto fonts, right to left where its script
is) into names.pdf: two cropped pages per text, regular then bold. The pdflatex documents print the text
with \\qgname{N} (preamble.tex.j2), which includes page 2N-1 or 2N at the size of the surrounding font.

Every page has the same height and baseline, so the documents need nothing measured by LuaLaTeX: their
sources are rendered while LuaLaTeX runs. A batch without such names never starts LuaLaTeX.

A paragraph of the bank's instructions in such a script is typeset the same way, after the names: one page
a paragraph, broken into lines at the worksheet's text width (PARAGRAPH_WIDTH), which the worksheet
includes at the width of its line (\\qgpara in preamble.tex.j2).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from dataclasses import dataclass

from quizgen.render.compile import CompileResult, compile_tex
from quizgen.typeset.escape import needs_unicode_fonts, unicode_layout
from quizgen.typeset.unicodefonts import FontFace, Run, lualatex_ready

JOBNAME = "names"
"""names.tex (the LuaLaTeX source) and names.pdf (the snippets), next to the documents that include them."""

INSTALL_HINT = "install texlive-luatex, fonts-noto-core and fonts-noto-cjk (bash .ci/setup does)"


@dataclass(frozen=True)
class Snippets:
    """The texts printed from names.pdf, in page order: text i (0-based) is pages 2i+1 and 2i+2; then the
    paragraphs, one page each."""

    texts: tuple[str, ...]
    paragraphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.texts or self.paragraphs)

    def macros(self) -> dict[str, str]:
        """text -> the LaTeX that prints it in a pdflatex document."""
        return {text: rf"\qgname{{{i}}}" for i, text in enumerate(self.texts, 1)}

    def paragraph_macros(self) -> dict[str, str]:
        """paragraph (as plain_paragraphs gives it) -> the LaTeX that prints it as a block of its own."""
        first = 2 * len(self.texts) + 1
        return {text: rf"\qgpara{{{page}}}" for page, text in enumerate(self.paragraphs, first)}


def needing_fonts(texts: Iterable[str]) -> list[str]:
    """The distinct texts, in first-seen order, that pdflatex cannot print but an installed font can."""
    seen: dict[str, None] = {}
    for text in texts:
        if text and text not in seen and needs_unicode_fonts(text):
            seen[text] = None
    return list(seen)


def plan(texts: Iterable[str], paragraphs: Iterable[str] = ()) -> Snippets:
    """What goes into names.pdf: nothing when LuaLaTeX is missing (the texts then print as [U+XXXX])."""
    if not lualatex_ready():
        return Snippets(())
    return Snippets(tuple(needing_fonts(texts)), tuple(needing_fonts(paragraphs)))


def _macro_name(n: int) -> str:
    """a, b, ..., z, ba, bb, ...: font command names (TeX names hold letters only)."""
    letters = ""
    while True:
        n, r = divmod(n, 26)
        letters = chr(ord("a") + r) + letters
        if n == 0:
            return "qgf" + letters


class _Fonts:
    """The \\newfontface declarations a snippet document needs: one per face, weight and script."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, int, str], str] = {}
        self.declarations: list[str] = []

    def command(self, face: FontFace, script: str, bold: bool) -> str:
        file, index = (face.bold_file, face.bold_index) if bold and face.bold_file else (face.file, face.index)
        key = (str(file), index, script)
        if not script:  # digits and spaces: any script's declaration of the face prints them
            key = next((k for k in self.names if k[:2] == key[:2]), key)
        if key not in self.names:
            name = _macro_name(len(self.names))
            self.names[key] = name
            options = [f"Path={file.parent}/", "Renderer=HarfBuzz"]
            if index:
                options.append(f"FontIndex={index}")
            if script.strip():
                options.append(f"RawFeature={{script={script.strip()}}}")
            self.declarations.append(rf"\newfontface\{name}{{{file.name}}}[{','.join(options)}]")
        return "\\" + self.names[key]


def _body(text: str, fonts: _Fonts, *, bold: bool) -> str:
    """One text as LuaLaTeX: each run in its font; runs against the base direction in a \\textdir group.
    A right-to-left text starts with \\textdir TRT (a paragraph also takes it as its direction)."""
    layout = unicode_layout(text)
    groups: list[tuple[bool, list[Run]]] = []
    for run in layout.runs:
        if groups and groups[-1][0] == run.rtl:
            groups[-1][1].append(run)
        else:
            groups.append((run.rtl, [run]))
    out = [r"\textdir TRT" if layout.rtl else r"\textdir TLT"]
    for rtl, runs in groups:
        inner = "".join(
            "{" + (fonts.command(r.face, r.script, bold) + "{}" if r.face else "") + r.latex + "}" for r in runs
        )
        out.append(inner if rtl == layout.rtl else "{" + (r"\textdir TRT" if rtl else r"\textdir TLT") + inner + "}")
    return "".join(out)


SNIPPET_HEIGHT = "12pt"
SNIPPET_DEPTH = "5pt"
"""Every snippet page reaches this far above and below its baseline (LuaLaTeX sets the text at 10pt, so
1.2em and 0.5em): room for stacked Vietnamese accents and Arabic descenders, and one baseline for all."""

PARAGRAPH_WIDTH = "170mm"
"""The worksheet's text width (A4 less the 2 cm margins of preamble.tex.j2): a paragraph set at 10pt on
12pt, as the worksheet's \\small, is included at scale 1 (scaled to the line in a template that differs)."""


def snippet_source(snippets: Snippets) -> str:
    """The LuaLaTeX document of names.pdf: per text a regular page and a bold page, cropped to its width."""
    fonts = _Fonts()
    pages = []
    for i, text in enumerate(snippets.texts, 1):
        pages.append(f"% text {i}: pages {2 * i - 1} and {2 * i}\n\\qgsnippet{{{_body(text, fonts, bold=False)}}}")
        pages.append(f"\\qgsnippet{{\\bfseries{_body(text, fonts, bold=True)}}}")
    for page, text in enumerate(snippets.paragraphs, 2 * len(snippets.texts) + 1):
        body = _body(text, fonts, bold=False)
        direction = r"\pardir TRT" if body.startswith(r"\textdir TRT") else r"\pardir TLT"
        pages.append(f"% paragraph: page {page}\n\\qgparagraph{{{direction}{body}}}")
    body = "\n".join([*fonts.declarations, r"\begin{document}", *pages, r"\end{document}", ""])
    # LuaTeX's document ID hashes the output path (a new temporary folder each time): fixed from the content
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32].upper()
    return "\n".join(
        [
            "% The names the pdflatex documents cannot print, typeset by quizgen with LuaLaTeX (quizgen.render.scripts).",
            r"\documentclass[10pt]{article}",
            r"\usepackage{fontspec}",
            rf"\pdfvariable trailerid {{[<{digest}> <{digest}>]}}",
            r"\pdfvariable horigin=0pt",
            r"\pdfvariable vorigin=0pt",
            r"\newcommand{\qgmissing}[1]{\texttt{[U+#1]}}",
            r"\newbox\qgsnipbox",
            r"\newcommand{\qgsnippet}[1]{\setbox\qgsnipbox\hbox{#1}%",
            r"  \ifdim\wd\qgsnipbox<1pt \wd\qgsnipbox=1pt \fi",
            rf"  \ht\qgsnipbox={SNIPPET_HEIGHT}\relax \dp\qgsnipbox={SNIPPET_DEPTH}\relax",
            rf"  \pagewidth=\wd\qgsnipbox \pageheight=\dimexpr{SNIPPET_HEIGHT}+{SNIPPET_DEPTH}\relax",
            r"  \shipout\box\qgsnipbox}",
            r"\newcommand{\qgparagraph}[1]{\setbox\qgsnipbox\vbox{\hsize=" + PARAGRAPH_WIDTH + r" \parindent=0pt",
            r"  #1\par}%",
            r"  \pagewidth=\wd\qgsnipbox \pageheight=\dimexpr\ht\qgsnipbox+\dp\qgsnipbox\relax",
            r"  \shipout\box\qgsnipbox}",
            body,
        ]
    )


def compile_snippets(source: str, *, timeout: float) -> CompileResult:
    """names.pdf from its source, with the same safety as pdflatex (no shell escape, paranoid file access,
    a time limit). LuaTeX's --safer is not used: it stops luaotfload from loading fonts, and no text in the
    source can reach Lua (every character is escaped).

    Raises:
        CompileError: LuaLaTeX failed; the caller prints the names as [U+XXXX] and says so.
    """
    exe = shutil.which("lualatex") or "lualatex"
    return compile_tex(source, JOBNAME, timeout=timeout, engine=[exe, "--nosocket"])
