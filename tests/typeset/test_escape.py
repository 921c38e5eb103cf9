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
    assert tex_escape("x\U0001f600") == r"x\qgmissing{1F600}"
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


def test_a_long_run_of_combining_marks_keeps_four_and_counts_the_rest() -> None:
    # 200 acute accents nested as TeX accents exceed TeX's 255 grouping levels and stopped the whole PDF
    out = tex_escape("a" + "\u0301" * 200 + "b")  # NFC makes the first one á
    assert out == r"\'{\'{\'{\'{\'{a}}}}}{[}+195 marks{]}b"
    assert tex_escape("\u0336" * 10) == r"\qgmissing{0336}" * 4 + "{[}+6 marks{]}"
    assert tex_escape("Nguyễn") == r"Nguy\~{\^{e}}n"  # real names keep every accent


def test_print_name_shortens_what_would_print_too_wide() -> None:
    from quizgen.typeset.escape import MAX_NAME, name_needs_fallback, print_name

    for fonts in (False, True):  # pdflatex prints these itself, or no font has them: LuaLaTeX changes nothing
        assert print_name("Ada Lovelace", unicode_fonts=fonts) == "Ada Lovelace"
        assert not name_needs_fallback("Ada Lovelace", unicode_fonts=fonts)
        long = print_name("x" * 5000, unicode_fonts=fonts)
        assert long == "x" * (MAX_NAME - 1) + "\u2026" and name_needs_fallback("x" * 5000, unicode_fonts=fonts)
        emoji = print_name("\U0001f600" * 50, unicode_fonts=fonts)  # each prints as [U+1F600], 9 characters wide
        assert emoji == "\U0001f600" * 6 + "\u2026"
        marks = "a" + "\u0301" * 200
        assert name_needs_fallback(marks, unicode_fonts=fonts) and print_name(marks, unicode_fonts=fonts) == marks
        assert not name_needs_fallback("Nguyễn Thị Minh Khai", unicode_fonts=fonts)


def test_a_name_in_another_script_is_cut_as_it_prints_with_lualatex_or_as_codes() -> None:
    """With LuaLaTeX's fonts an Arabic letter prints as itself, 1 character wide; without them (LuaLaTeX
    missing or failed) as [U+0641], 8 wide: the name is cut to fit what is printed, never 500 characters of
    codes in a header."""
    from quizgen.typeset.escape import MAX_NAME, print_name
    from quizgen.typeset.unicodefonts import covered

    name = "فاطمة الزهراء " * 5  # 70 characters
    as_codes = print_name(name, unicode_fonts=False)
    assert as_codes == "فاطمة ال\u2026"  # 7 letters of 8, a space and "…": 58; one more letter would be 66
    assert print_name(name, unicode_fonts=True) == (name[: MAX_NAME - 1] + "\u2026" if covered("ف") else as_codes)


def test_a_name_exactly_as_wide_as_the_limit_prints_whole() -> None:
    from quizgen.typeset.escape import MAX_NAME, print_name

    assert print_name("y" * MAX_NAME, unicode_fonts=False) == "y" * MAX_NAME
    assert print_name("y" * (MAX_NAME + 1), unicode_fonts=False) == "y" * (MAX_NAME - 1) + "\u2026"
