"""LaTeX escaping: the one place where text from a roster, a bank or a student becomes LaTeX.

Every character prints as written with pdflatex: TeX specials become their text commands, ligature
pairs (--, ``, ,,, <<) are broken, characters T1 fonts lack but the CJK fonts have (Chinese, Japanese,
Cyrillic, basic Greek) go into CJK environments, and anything no installed font can show is printed as
its code point, [U+1F600], instead of failing the whole batch or vanishing silently.
"""

from __future__ import annotations

import functools
import re
import shutil
import struct
import subprocess
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from pylatex.utils import escape_latex

from quizgen.typeset.asciitex import ASCII_TEXT_ESCAPES
from quizgen.typeset.unicodefonts import Layout, covered, layout

CJK_FONTS = {"gbsn": "gbsnu", "bsmi": "bsmiu", "min": "udmj", "gkai": "gkaiu", "bkai": "bkaiu"}
"""CJKutf8 font families, tried in this order, and the prefix of their Unicode subfont files (<prefix>XX.tfm
for code points XX00-XXFF): Arphic Sung (GB) and Ming (Big5) from Debian's latex-cjk-chinese-arphic-*,
Wadalab Mincho from latex-cjk-japanese-wadalab, then the Arphic Kai fonts. Runs with kana try Mincho first."""

# What pdflatex with T1 + utf8 inputenc + textcomp typesets (measured on TeX Live 2022): Latin-1,
# Latin Extended-A minus a few, the common Extended-B letters and the usual punctuation and currency.
_T1_MISSING = {0x126, 0x127, 0x138, 0x13F, 0x140, 0x149, 0x166, 0x167, 0x17F}
_T1_EXTRA = (
    set(range(0x1CD, 0x1D5))
    | {0x1E2, 0x1E3, 0x1E6, 0x1E7, 0x1E8, 0x1E9, 0x1EA, 0x1EB, 0x1F0, 0x1F4, 0x1F5}
    | set(range(0x218, 0x21C))
    | {0x232, 0x233, 0x237, 0x1E9E}
    | {
        0x2010,
        0x2011,
        0x2012,
        0x2013,
        0x2014,
        0x2015,
        0x2016,
        0x2018,
        0x2019,
        0x201A,
        0x201C,
        0x201D,
        0x201E,
        0x2020,
        0x2021,
        0x2022,
        0x2026,
        0x2030,
        0x2031,
        0x2039,
        0x203A,
        0x203B,
        0x203D,
        0x2044,
        0x204E,
        0x2052,
        0x20A1,
        0x20A4,
        0x20A6,
        0x20A9,
        0x20AB,
        0x20AC,
        0x20B1,
        0x2103,
        0x2116,
        0x2117,
        0x211E,
        0x2120,
        0x2122,
        0x2126,
        0x2127,
        0x212E,
        0x2190,
        0x2192,
    }
)

TEXT_COMMAND_CHARS = {
    **{command[1:-2]: ch for ch, command in ASCII_TEXT_ESCAPES.items() if command.startswith("\\")},
    "textbackslash": "\\",
}
"""The text-mode commands tex_escape writes for printable ASCII, and the character each prints: a reader
of escaped text (the MathML typesetter's \\text{...}) turns them back."""


def _is_cjk_script(cp: int) -> bool:
    """Characters to set with CJKutf8 (if its font has them): CJK, kana, Cyrillic, basic Greek."""
    return (
        0x3000 <= cp <= 0x9FFF  # CJK symbols, kana, CJK unified ideographs
        or 0xF900 <= cp <= 0xFAFF  # compatibility ideographs
        or 0xFF00 <= cp <= 0xFFEF  # full-width forms
        or (0x0391 <= cp <= 0x03C9 and cp not in (0x3A2, 0x3C2) and not 0x3AA <= cp <= 0x3B0)  # unaccented Greek
        or 0x0401 <= cp <= 0x0451  # basic Cyrillic
        or 0xAC00 <= cp <= 0xD7AF  # Hangul (only when a font for it is installed)
    )


def _kpsewhich(name: str) -> str:
    if shutil.which("kpsewhich") is None:
        return ""
    try:
        out = subprocess.run(["kpsewhich", name], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


@functools.cache
def _font_dir(font: str) -> Path | None:
    """Where the font's Unicode subfonts are installed, if it is."""
    found = _kpsewhich(f"{CJK_FONTS[font]}4e.tfm")
    return Path(found).parent if found else None


@functools.cache
def _subfont_glyphs(font: str, high_byte: int) -> frozenset[int]:
    """The low bytes of the code points high_byte*256+i the subfont has a glyph for.

    Read from the TFM file: a character exists when its char_info width index is not 0. A subfont that
    is missing altogether is a fatal pdflatex error (Hangul with only Chinese fonts), a missing glyph a
    silent gap, so both are avoided by asking here first.
    """
    folder = _font_dir(font)
    path = folder / f"{CJK_FONTS[font]}{high_byte:02x}.tfm" if folder else None
    if path is None or not path.is_file():
        return frozenset()
    data = path.read_bytes()
    if len(data) < 24:
        return frozenset()
    lh, bc, ec = struct.unpack(">HHH", data[2:8])
    base = (6 + lh) * 4
    present = set()
    for code in range(bc, ec + 1):
        offset = base + (code - bc) * 4
        if offset < len(data) and data[offset] != 0:
            present.add(code)
    return frozenset(present)


def cjk_font_for_in(cp: int, font: str) -> bool:
    """Whether font has a glyph for code point cp."""
    return (cp & 0xFF) in _subfont_glyphs(font, cp >> 8)


def cjk_font_for(cp: int) -> str | None:
    """The first CJK font that has a glyph for code point cp, or None."""
    if not cjk_package_available():
        return None
    for font in CJK_FONTS:
        if cjk_font_for_in(cp, font):
            return font
    return None


@functools.cache
def cjk_package_available() -> bool:
    """Whether CJKutf8.sty is installed (Debian: latex-cjk-common)."""
    return bool(_kpsewhich("CJKutf8.sty"))


# Combining marks LaTeX can put on a T1 letter, so Vietnamese (Nguyễn, ạ) and other stacked accents
# print: the letter is decomposed (NFD) and each mark becomes an accent command, innermost first.
_ACCENTS = {
    "\u0300": "\\`",
    "\u0301": "\\'",
    "\u0302": "\\^",
    "\u0303": "\\~",
    "\u0304": "\\=",
    "\u0306": "\\u",
    "\u0307": "\\.",
    "\u0308": '\\"',
    "\u030a": "\\r",
    "\u030b": "\\H",
    "\u030c": "\\v",
    "\u0323": "\\d",
    "\u0327": "\\c",
    "\u0328": "\\k",
    "\u0331": "\\b",
}
_BELOW = {"\u0323", "\u0327", "\u0328", "\u0331"}


def _is_t1(ch: str) -> bool:
    cp = ord(ch)
    return 0x20 <= cp <= 0x7E or (0xA0 <= cp <= 0x17F and cp not in _T1_MISSING) or cp in _T1_EXTRA


def _accented(cluster: str) -> str | None:
    """A letter with combining marks as nested LaTeX accents, or None when T1 cannot show it."""
    decomposed = unicodedata.normalize("NFD", cluster)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not base.isalpha() or not _is_t1(base) or any(m not in _ACCENTS for m in marks):
        return None
    above = [m for m in marks if m not in _BELOW]
    # T1 has most letters with their first accent; stack the remaining marks on that.
    latex = {"i": "\\i{}", "j": "\\j{}"}.get(base, base) if above else base
    for mark in marks:
        latex = _ACCENTS[mark] + "{" + latex + "}"
    return latex


def _cluster_class(cluster: str) -> str:
    """'t' for T1 text (accented letters included), 'c' for a CJK run, 'u' for what no installed font shows."""
    if len(cluster) == 1 and _is_t1(cluster):
        return "t"
    if len(cluster) == 1 and _is_cjk_script(ord(cluster)) and cjk_font_for(ord(cluster)) is not None:
        return "c"
    if _accented(cluster) is not None:
        return "t"
    return "u"


def _clusters(text: str) -> list[str]:
    """Characters with their combining marks attached (a mark with no letter before it stands alone)."""
    out: list[str] = []
    for ch in text:
        if unicodedata.combining(ch) and out and not unicodedata.combining(out[-1][0]):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _escape_t1(clusters: list[str]) -> str:
    out = []
    for ch in clusters:
        if len(ch) > 1 or not _is_t1(ch):
            out.append(_accented(ch) or "")
        elif ch in ASCII_TEXT_ESCAPES:
            out.append(ASCII_TEXT_ESCAPES[ch])
        elif ch == "\u00a0":
            out.append(r"\nobreakspace{}")
        else:
            out.append(str(escape_latex(ch)))
    return "".join(out)


MAX_MARKS = 4
"""Combining marks kept on one letter (Vietnamese needs 2). More would nest TeX groups past its limit of
255 (a "Zalgo" name stopped the whole class's PDF); the rest print as a count, "[+196 marks]"."""


def _normalize(value: object) -> str:
    """NFC text with control characters as spaces, invisible format characters dropped, and runs of
    combining marks cut to MAX_MARKS with a visible count of the marks left out."""
    text = unicodedata.normalize("NFC", str(value))
    chars = []
    run = dropped = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if unicodedata.combining(ch) or cat in ("Mn", "Me"):
            run += 1
            if run > MAX_MARKS:
                dropped += 1
                continue
            chars.append(ch)
            continue
        if dropped:
            chars.append(f"[+{dropped} marks]")
        run = dropped = 0
        if cat == "Cc" or ch in "\u2028\u2029":
            chars.append(" ")
        elif cat in ("Cf", "Cs", "Co", "Cn"):
            continue
        else:
            chars.append(ch)
    if dropped:
        chars.append(f"[+{dropped} marks]")
    return "".join(chars)


MAX_NAME = 60
"""Printed width of a name on a sheet, in characters ([U+1F600] counts 9); a wider one would run off the
header and footer."""


def print_name(name: str, *, unicode_fonts: bool) -> str:
    """A roster name in the form the PDFs print: as written, or, when it prints wider than MAX_NAME
    characters, its start and "…" (the manifest, grades and feedback pages keep the full name).

    unicode_fonts: whether the documents print the characters only LuaLaTeX's OpenType fonts have (Arabic,
    Hangul...) from its names.pdf (quizgen.render.scripts). Without them, because LuaLaTeX is missing or
    failed, each such character prints as [U+XXXX] (8 or 9 characters wide), and the name is cut to fit that."""
    kept: list[str] = []
    used = 0
    cut = -1  # how many clusters fit before "…" once the name turns out too wide
    for cluster in _clusters(_normalize(name[: MAX_NAME * 20])):  # 20 code points a character is plenty
        width = 1 if _printable(cluster, unicode_fonts) else len(f"[U+{ord(cluster[0]):04X}]") * len(cluster)
        if cut < 0 and used + width > MAX_NAME - 1:
            cut = len(kept)
        used += width
        if used > MAX_NAME:
            return "".join(kept[:cut]) + "\u2026"
        kept.append(cluster)
    if len(name) <= MAX_NAME * 20:
        return name
    return "".join(kept if cut < 0 else kept[:cut]) + "\u2026"  # the rest was not even looked at


def _printable(cluster: str, unicode_fonts: bool) -> bool:
    """Whether a character prints as itself: with pdflatex's fonts, or with LuaLaTeX's (unicodefonts) when
    the documents print from them (print_name)."""
    return _cluster_class(cluster) != "u" or (unicode_fonts and covered(cluster))


def needs_unicode_fonts(text: str) -> bool:
    """Whether text has characters pdflatex's fonts lack but an installed OpenType font has (Arabic, Hangul,
    the Vietnamese hook above...): quizgen.render.scripts then typesets it with LuaLaTeX, when installed."""
    if r"\qgmissing{" not in tex_escape(text):
        return False
    return any(_cluster_class(c) == "u" and covered(c) for c in _clusters(_normalize(text)))


def unprintable(text: str) -> list[str]:
    """The characters of text that no installed font has (pdflatex's, or the OpenType fonts LuaLaTeX uses)."""
    if r"\qgmissing{" not in tex_escape(text):
        return []
    return [c for c in _clusters(_normalize(text)) if _cluster_class(c) == "u" and not covered(c)]


def unicode_layout(text: str) -> Layout:
    """text laid out in runs for LuaLaTeX's OpenType fonts (quizgen.typeset.unicodefonts.layout)."""
    return layout(_clusters(_normalize(text)))


def name_needs_fallback(name: str, *, unicode_fonts: bool) -> bool:
    """Whether a name prints differently from how it is written (shortened, or marks left out);
    unicode_fonts as for print_name."""
    run = longest = 0
    for ch in unicodedata.normalize("NFC", name):
        run = run + 1 if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me") else 0
        longest = max(longest, run)
    return longest > MAX_MARKS or print_name(name, unicode_fonts=unicode_fonts) != name


def _cjk_runs(chunk: str) -> str:
    """CJK environments for a run: one font for the whole run when one has every glyph (one typeface
    per name; Japanese Mincho first when the run has kana), else the first font that has each character."""
    fonts = list(CJK_FONTS)
    if any(0x3040 <= ord(ch) <= 0x30FF for ch in chunk):
        fonts.sort(key=lambda f: f != "min")
    for font in fonts:
        if all(ch == " " or cjk_font_for_in(ord(ch), font) for ch in chunk):
            return r"\begin{CJK}{UTF8}{" + font + "}" + chunk + r"\end{CJK}"
    pieces: list[tuple[str, str]] = []
    for ch in chunk:
        font = pieces[-1][0] if ch == " " and pieces else (cjk_font_for(ord(ch)) or fonts[0])
        if pieces and pieces[-1][0] == font:
            pieces[-1] = (font, pieces[-1][1] + ch)
        else:
            pieces.append((font, ch))
    return "".join(r"\begin{CJK}{UTF8}{" + font + "}" + text + r"\end{CJK}" for font, text in pieces)


_PLAIN = re.compile(r"[A-Za-z0-9 .:;()/+=*@]*")
"""Text that is LaTeX as it stands (no specials, no ligature pairs): the common case, returned as is."""


def tex_escape(value: object) -> str:
    """Text as LaTeX that prints exactly as written, on one line (newlines become spaces).

    Needs the preamble's \\qgmissing macro and, when the result contains a CJK environment, CJKutf8.
    """
    text = value if isinstance(value, str) else str(value)
    if _PLAIN.fullmatch(text):
        return text
    return _escape_cached(text)


@functools.lru_cache(maxsize=65536)
def _escape_cached(value: str) -> str:
    """tex_escape proper; names and titles repeat on every page of a batch, so results are cached."""
    text = _normalize(value)
    out: list[str] = []
    run: list[str] = []
    run_kind = ""

    def flush() -> None:
        if not run:
            return
        if run_kind == "t":
            out.append(_escape_t1(run))
        elif run_kind == "u":
            out.append("".join(r"\qgmissing{" + f"{ord(c):04X}" + "}" for c in "".join(run)))
        else:
            out.append(_cjk_runs("".join(run)))
        run.clear()

    for ch in _clusters(text):
        kind = _cluster_class(ch)
        # Spaces between two CJK runs stay inside the run so it is not split into many environments.
        if kind != run_kind and not (ch == " " and run_kind == "c"):
            flush()
            run_kind = kind
        run.append(ch)
    flush()
    return "".join(out)


def plain_paragraphs(value: object) -> list[str]:
    """Multi-line text (bank instructions) as paragraphs split at blank lines, each on one line."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return [p for p in paragraphs if p]


def tex_paragraphs(value: object) -> list[str]:
    """Multi-line text (bank instructions) as escaped paragraphs, split at blank lines."""
    return [tex_escape(p) for p in plain_paragraphs(value)]


def needs_cjk(texts: Iterable[str]) -> bool:
    """Whether any escaped text uses a CJK environment (the preamble then loads CJKutf8)."""
    return any(r"\begin{CJK}" in t for t in texts)
