"""The LaTeX text escapes of printable ASCII: one table for the pdflatex escaper (quizgen.typeset.escape)
and the LuaLaTeX one (quizgen.typeset.unicodefonts), so a character prints the same with either engine."""

from __future__ import annotations

# Printable ASCII that must not reach TeX as itself. pylatex's table covers the classic specials; the
# rest stop ligatures (-- `` << ,,) and T1 quirks so "O'Brien" and "a--b" print exactly as typed.
ASCII_TEXT_ESCAPES = {
    "'": r"\textquotesingle{}",
    "`": r"\textasciigrave{}",
    '"': r"\textquotedbl{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "-": "-{}",
    ",": ",{}",
    "!": "!{}",
    "?": "?{}",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
