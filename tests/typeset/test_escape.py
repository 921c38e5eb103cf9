from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.typeset.escape import cjk_package_available, needs_cjk, tex_escape, tex_paragraphs

# What tex_escape may emit besides plain characters: its own commands and groups.
_ALLOWED = re.compile(
    r"\\(textbackslash|textquotesingle|textasciigrave|textquotedbl|textless|textgreater|textbar|"
    r"textasciicircum|textasciitilde|nobreakspace)\{\}|\\[&%$#_{}]|\{\}|\\(begin|end)\{CJK\}(\{UTF8\}\{[a-z]+\})?|"
    r"\\qgmissing\{[0-9A-F]+\}|\{[][]\}"
)


_ACCENT = re.compile(r"\\[`'^~=u.\"rHvdckb]\{([^{}]*)\}")


def _bare(latex: str) -> str:
    latex = latex.replace(r"\i{}", "i").replace(r"\j{}", "j")
    while _ACCENT.search(latex):
        latex = _ACCENT.sub(r"\1", latex)
    return _ALLOWED.sub("", latex)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Zoë O'Brien & Co_1 #2", r"Zoë O\textquotesingle{}Brien \& Co\_1 \#2"),
        (r"\textbf{x} 100% $y$", r"\textbackslash{}textbf\{x\} 100\% \$y\$"),
        (r"Jean \input{/etc/passwd}", r"Jean \textbackslash{}input\{/etc/passwd\}"),
        ("a--b ~^", r"a-{}-{}b \textasciitilde{}\textasciicircum{}"),
        ("line\nbreak\ttab", "line break tab"),
        ("Nguyễn Thị", r"Nguy\~{\^{e}}n Th\d{i}"),  # Vietnamese: stacked accents
        ("n\u0308", r"\"{n}"),  # a combining mark with no precomposed letter
    ],
)
def test_specials_print_as_written(raw: str, expected: str) -> None:
    assert tex_escape(raw) == expected


def test_unprintable_code_points_become_visible_placeholders() -> None:
    assert tex_escape("x\U0001F600") == r"x\qgmissing{1F600}"
    assert tex_escape("한") == r"\qgmissing{D55C}"  # no Korean font among the CJK fonts quizgen uses


@pytest.mark.skipif(not cjk_package_available(), reason="CJKutf8 (latex-cjk-common) not installed")
def test_cjk_names_use_one_cjk_environment() -> None:
    out = tex_escape("王小明 佐藤")
    assert out == r"\begin{CJK}{UTF8}{gbsn}王小明 佐藤\end{CJK}"
    assert needs_cjk([out])


def test_paragraphs_split_at_blank_lines() -> None:
    assert tex_paragraphs("Show work.\nUse 100%.\n\n\nNo calculators.") == ["Show work. Use 100\\%.", "No calculators."]


@settings(max_examples=250, deadline=None)
@given(st.text())
def test_nothing_special_survives_escaping(raw: str) -> None:
    bare = _bare(tex_escape(raw))
    assert not set(bare) & set("\\{}$&#%_~^\n")
