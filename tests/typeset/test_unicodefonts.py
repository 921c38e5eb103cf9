"""Which installed font prints each character, and how a text is laid out in runs for LuaLaTeX."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.typeset import unicodefonts
from quizgen.typeset.escape import needs_unicode_fonts, tex_escape, unicode_layout, unprintable
from quizgen.typeset.unicodefonts import FontFace, _charset, face_for

ARABIC = "فاطمة"


def _face(family: str, ranges: str) -> FontFace:
    starts, ends = _charset(ranges)
    return FontFace(family, Path(f"/fonts/{family.replace(' ', '')}.ttf"), 0, None, 0, starts, ends)


@pytest.fixture
def fake_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three fonts as fontconfig would list them: Latin, Arabic (with space and digits), Hebrew."""
    faces = (
        _face("Latin Modern Roman", "20-7e a0-17f 1ea0-1ef9"),
        _face("Noto Sans Arabic", "20 30-39 600-6ff"),
        _face("Noto Sans Hebrew", "20 5d0-5ea"),
    )
    monkeypatch.setattr(unicodefonts, "installed_faces", lambda: faces)
    face_for.cache_clear()
    yield
    face_for.cache_clear()


def test_charset_ranges_are_read_and_looked_up() -> None:
    face = _face("X", "600-6ff 20 41-5a")
    assert face.starts == (0x20, 0x41, 0x600)
    assert face.covers(ord("A")) and face.covers(0x6FF) and face.covers(0x20)
    assert not face.covers(ord("a")) and not face.covers(0x700)


@pytest.mark.usefixtures("fake_fonts")
def test_each_character_goes_to_the_first_font_that_has_it() -> None:
    assert face_for("a").family == "Latin Modern Roman"  # type: ignore[union-attr]
    assert face_for("ف").family == "Noto Sans Arabic"  # type: ignore[union-attr]
    assert face_for("ở").family == "Latin Modern Roman"  # type: ignore[union-attr]
    assert face_for("\U0001f600") is None


@pytest.mark.usefixtures("fake_fonts")
def test_an_arabic_name_is_one_right_to_left_run_in_its_font() -> None:
    layout = unicode_layout("فاطمة الزهراء")
    assert layout.rtl
    assert len(layout.runs) == 1
    run = layout.runs[0]
    assert run.rtl and run.script == "arab" and run.face is not None and run.face.family == "Noto Sans Arabic"
    assert run.latex == "فاطمة الزهراء"  # the space stays inside the run


@pytest.mark.usefixtures("fake_fonts")
def test_mixed_directions_and_fonts_are_separate_runs() -> None:
    layout = unicode_layout("Ali فاطمة 12")
    assert not layout.rtl
    summary = [(r.face.family if r.face else None, r.rtl, r.latex) for r in layout.runs]
    assert summary[0] == ("Latin Modern Roman", False, "Ali ")
    assert summary[1] == ("Noto Sans Arabic", True, ARABIC)
    # the space between Arabic and the digits takes the base direction; digits read left to right
    assert all(not rtl for _, rtl, _ in summary[2:]) and "".join(t for *_, t in summary[2:]) == " 12"


@pytest.mark.usefixtures("fake_fonts")
def test_tex_specials_are_escaped_and_unknown_characters_are_code_points() -> None:
    layout = unicode_layout(ARABIC + " \\input{/etc/passwd} $x$ % # 😀")
    latex = "".join(r.latex for r in layout.runs)
    assert latex == ARABIC + r" \textbackslash{}input\{/etc/passwd\} \$x\$ \% \# \qgmissing{1F600}"
    assert layout.missing == (0x1F600,)


@pytest.mark.usefixtures("fake_fonts")
def test_printable_ascii_is_escaped_as_the_pdflatex_documents_escape_it() -> None:
    """One table for both engines: a name typeset with LuaLaTeX prints O'Brien, a--b, a,,b and ?` as the
    pdflatex documents print them (the quote as \\textquotesingle, ligatures broken)."""
    ascii_text = "".join(chr(c) for c in range(0x20, 0x7F))
    latex = "".join(r.latex for r in unicodefonts.layout(list(ascii_text)).runs)
    assert latex == tex_escape(ascii_text)
    assert ",{},{}" in tex_escape(",,") and r"\textquotesingle{}" in latex


@pytest.mark.usefixtures("fake_fonts")
def test_which_names_need_the_unicode_fonts() -> None:
    assert needs_unicode_fonts(ARABIC)
    assert needs_unicode_fonts("Nguyễn Thị Hương ở")  # pdflatex has ễ and ị but not the hook above
    assert not needs_unicode_fonts("Nguyễn Thị")
    assert not needs_unicode_fonts("Zoë O'Brien")
    assert not needs_unicode_fonts("\U0001f600")  # no font has it: nothing to gain
    assert unprintable("Zoë \U0001f600") == ["\U0001f600"] and unprintable(ARABIC) == []


@pytest.mark.skipif(not unicodefonts.installed_faces(), reason="fontconfig or the Noto fonts are not installed")
def test_debians_noto_fonts_cover_the_scripts_of_the_issue() -> None:
    wanted = {
        "ف": "Noto Sans Arabic",
        "ד": "Noto Sans Hebrew",
        "न": "Noto Sans Devanagari",
        "ส": "Noto Sans Thai",
        "ኤ": "Noto Sans Ethiopic",
        "ნ": "Noto Sans Georgian",
    }
    families = {f.family for f in unicodefonts.installed_faces()}
    for ch, family in wanted.items():
        if family not in families:
            pytest.skip(f"{family} is not installed (fonts-noto-core)")
        assert face_for(ch).family == family  # type: ignore[union-attr]
    if any("CJK KR" in f for f in families):
        assert face_for("김").family.endswith("CJK KR")  # type: ignore[union-attr]
