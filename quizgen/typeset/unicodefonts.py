"""Names in every script: which installed OpenType font prints each character, for LuaLaTeX.

pdflatex's T1 and CJKutf8 fonts (quizgen.typeset.escape) have no Arabic, Hebrew, Hangul, Devanagari, Thai,
Ethiopic, Georgian, nor the Vietnamese hook above. Debian's Noto fonts (fonts-noto-core, fonts-noto-cjk) do.
This module reads, once per process, which code points each installed font has (fontconfig's fc-list, no
font file is opened) and lays a text out as runs: one font per run, right to left where the script is,
every TeX special escaped. quizgen.render.scripts typesets those runs with LuaLaTeX into small PDF
snippets that the pdflatex documents include.
"""

from __future__ import annotations

import bisect
import functools
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pylatex.utils import escape_latex

from quizgen.typeset.asciitex import ASCII_TEXT_ESCAPES as _ASCII

LATIN_MODERN = ("lmroman10-regular.otf", "lmroman10-bold.otf")
"""The documents' own typeface (lmodern) as OpenType, tried first, so Latin letters (Vietnamese ở, ả) look
like the rest of the page; kpsewhich finds them in TeX Live."""

_SKIP_FAMILY_WORDS = ("Emoji", "Mono", "Display", " UI", "Looped", "Unjoined", "Kufi", "Rashi", "Nastaliq")
"""Noto families not used for names: color emoji (no LuaTeX support), monospaced, display and UI cuts,
and calligraphic styles. The plain "Noto Sans <Script>" cut is what a name is printed in."""

OPENTYPE_SCRIPTS = {
    "ARABIC": "arab",
    "ARMENIAN": "armn",
    "BENGALI": "bng2",
    "CHEROKEE": "cher",
    "CJK": "hani",
    "DEVANAGARI": "dev2",
    "ETHIOPIC": "ethi",
    "GEORGIAN": "geor",
    "GREEK": "grek",
    "CYRILLIC": "cyrl",
    "GUJARATI": "gjr2",
    "GURMUKHI": "gur2",
    "HANGUL": "hang",
    "HEBREW": "hebr",
    "HIRAGANA": "kana",
    "KATAKANA": "kana",
    "KANNADA": "knd2",
    "KHMER": "khmr",
    "LAO": "lao ",
    "LATIN": "latn",
    "MALAYALAM": "mlm2",
    "MYANMAR": "mym2",
    "ORIYA": "ory2",
    "SINHALA": "sinh",
    "SYRIAC": "syrc",
    "TAMIL": "tml2",
    "TELUGU": "tel2",
    "THAANA": "thaa",
    "THAI": "thai",
    "TIBETAN": "tibt",
}
"""Unicode script (first word of a character's name) -> OpenType script tag, so HarfBuzz shapes the run
(Arabic joins its letters, Devanagari reorders its vowel signs). Other scripts are shaped as "DFLT"."""


_SAFE_PATH = re.compile(r"/[A-Za-z0-9/._+-]+")
"""Font paths quizgen writes into a LuaLaTeX source (Debian's are /usr/share/fonts/...)."""


@dataclass(frozen=True)
class FontFace:
    """One installed font: a family's regular cut (and bold cut, when installed) and what it covers."""

    family: str
    file: Path
    index: int  # face number inside a .ttc collection
    bold_file: Path | None
    bold_index: int
    starts: tuple[int, ...]  # covered code points: sorted, non-overlapping ranges start..end
    ends: tuple[int, ...]

    def covers(self, cp: int) -> bool:
        i = bisect.bisect_right(self.starts, cp) - 1
        return i >= 0 and cp <= self.ends[i]


@dataclass(frozen=True)
class Run:
    """Consecutive characters in one font and one direction; latex is escaped text (no font switch)."""

    face: FontFace | None  # None: characters no font has, printed as \\qgmissing{XXXX}
    script: str  # OpenType script tag ("arab") or "" for the default
    rtl: bool
    latex: str


@dataclass(frozen=True)
class Layout:
    """A text laid out for LuaLaTeX: its runs in logical order and its base direction."""

    runs: tuple[Run, ...]
    rtl: bool  # the text as a whole reads right to left (its first strong letter is Arabic, Hebrew...)
    missing: tuple[int, ...]  # code points no installed font has


def _run(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        return ""
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout if out.returncode == 0 else ""


def _charset(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """fontconfig's charset ("20-7e a0 3a3-3a9") as sorted range starts and ends."""
    starts: list[int] = []
    ends: list[int] = []
    for item in text.split():
        first, _, last = item.partition("-")
        try:
            lo, hi = int(first, 16), int(last or first, 16)
        except ValueError:
            continue
        starts.append(lo)
        ends.append(hi)
    order = sorted(range(len(starts)), key=starts.__getitem__)
    return tuple(starts[i] for i in order), tuple(ends[i] for i in order)


def _family_rank(family: str) -> tuple[int, str]:
    """Latin Modern, then Noto Sans, Noto Sans <Script>, Noto Serif..., then the other Noto families."""
    if family == "Latin Modern Roman":
        return (0, family)
    if family == "Noto Sans":
        return (1, family)
    if family.startswith("Noto Sans "):
        return (2, family)
    if family.startswith("Noto Serif"):
        return (3, family)
    return (4, family)


@functools.cache
def installed_faces() -> tuple[FontFace, ...]:
    """Latin Modern and every usable Noto family installed, best first (empty without fontconfig)."""
    regular: dict[str, tuple[Path, int, str]] = {}
    bold: dict[str, tuple[Path, int]] = {}
    listing = _run(["fc-list", "--format", "%{file}|%{index}|%{family[0]}|%{style[0]}|%{charset}\n"])
    for line in sorted(listing.splitlines()):
        parts = line.split("|")
        if len(parts) != 5 or not parts[1].isdigit():
            continue
        path, number, family, style, charset = parts
        if not family.startswith("Noto ") or any(word in family for word in _SKIP_FAMILY_WORDS):
            continue
        if style == "Regular":
            regular.setdefault(family, (Path(path), int(number), charset))
        elif style == "Bold":
            bold.setdefault(family, (Path(path), int(number)))
    lm = [_kpsewhich(name) for name in LATIN_MODERN]
    if lm[0]:
        lm_charset = _run(["fc-query", "--format", "%{charset}", lm[0]])
        if lm_charset:
            regular["Latin Modern Roman"] = (Path(lm[0]), 0, lm_charset)
            if lm[1]:
                bold["Latin Modern Roman"] = (Path(lm[1]), 0)
    faces = []
    for family in sorted(regular, key=_family_rank):
        file, index, charset = regular[family]
        if not _SAFE_PATH.fullmatch(str(file)):
            continue  # the path goes into the LuaLaTeX source: TeX specials in it are not worth the risk
        bold_file, bold_index = bold.get(family, (None, 0))
        if bold_file is not None and not _SAFE_PATH.fullmatch(str(bold_file)):
            bold_file = None
        starts, ends = _charset(charset)
        faces.append(FontFace(family, file, index, bold_file, bold_index, starts, ends))
    return tuple(faces)


def _kpsewhich(name: str) -> str:
    return _run(["kpsewhich", name]).strip()


@functools.cache
def lualatex_ready() -> bool:
    """Whether LuaLaTeX with fontspec is installed (Debian: texlive-luatex)."""
    return (
        shutil.which("lualatex") is not None and bool(_kpsewhich("fontspec.sty")) and bool(_kpsewhich("luaotfload.sty"))
    )


def script_of(ch: str) -> str:
    """The Unicode script of a letter, as the first word of its name ("ARABIC"), "" for other characters."""
    if not unicodedata.category(ch).startswith(("L", "M", "N")):
        return ""
    name = unicodedata.name(ch, "")
    word = name.split(" ", 1)[0] if name else ""
    return word if word in OPENTYPE_SCRIPTS or word.isalpha() else ""


def _preferred(faces: tuple[FontFace, ...], script: str) -> list[FontFace]:
    """Faces in the order to try for a script: Hangul tries the Korean CJK cut first, kana the Japanese."""
    wanted = {"HANGUL": " KR", "HIRAGANA": " JP", "KATAKANA": " JP"}.get(script)
    if wanted is None:
        return list(faces)
    return sorted(faces, key=lambda f: not f.family.endswith(wanted))


@functools.lru_cache(maxsize=4096)
def face_for(cluster: str) -> FontFace | None:
    """The first installed face that has every code point of a character with its marks."""
    faces = _preferred(installed_faces(), script_of(cluster[0]))
    for face in faces:
        if all(face.covers(ord(c)) for c in cluster):
            return face
    return None


def covered(cluster: str) -> bool:
    """Whether an installed font has this character with its marks (LuaLaTeX can then print it)."""
    return face_for(cluster) is not None


def _escape(cluster: str) -> str:
    """One character as LuaLaTeX text: TeX specials as their text commands, everything else as itself."""
    if cluster in _ASCII:
        return _ASCII[cluster]
    if len(cluster) == 1 and ord(cluster) < 0x80:
        return str(escape_latex(cluster))
    if cluster == "\u00a0":
        return r"\nobreakspace{}"
    return cluster


def _direction(ch: str) -> str:
    """'R' for right-to-left letters, 'L' for left-to-right ones and digits, '' for spaces and punctuation."""
    kind = unicodedata.bidirectional(ch)
    if kind in ("R", "AL"):
        return "R"
    if kind in ("L", "EN", "AN"):
        return "L"
    return ""


def layout(clusters: list[str]) -> Layout:
    """Runs of one font and one direction, in logical order (quizgen.render.scripts orders them on the page).

    Spaces and punctuation take the direction of the letters on both sides when those agree, else the
    text's base direction (a simplified Unicode bidi algorithm, enough for a name on one line).
    """
    strong = [_direction(c[0]) for c in clusters]
    base = next((d for d in strong if d), "L")
    resolved = []
    for i, d in enumerate(strong):
        if d:
            resolved.append(d)
            continue
        before = next((x for x in reversed(strong[:i]) if x), base)
        after = next((x for x in strong[i + 1 :] if x), base)
        resolved.append(before if before == after else base)
    runs: list[Run] = []
    missing: list[int] = []
    previous: FontFace | None = None
    for cluster, direction in zip(clusters, resolved):
        face = face_for(cluster) if not (cluster == " " and runs and runs[-1].face is not None) else previous
        if face is None and cluster.isspace():
            face = previous
        script = OPENTYPE_SCRIPTS.get(script_of(cluster[0]), "")
        rtl = direction == "R"
        if face is None:
            missing.extend(ord(c) for c in cluster)
            text = "".join(r"\qgmissing{" + f"{ord(c):04X}" + "}" for c in cluster)
        else:
            text = _escape(cluster)
        last = runs[-1] if runs else None
        if last is not None and last.face == face and last.rtl == rtl and (not script or script == last.script):
            runs[-1] = Run(face, last.script, rtl, last.latex + text)
        elif last is not None and last.face == face and last.rtl == rtl and not last.script:
            runs[-1] = Run(face, script, rtl, last.latex + text)
        else:
            runs.append(Run(face, script, rtl, text))
        previous = face
    return Layout(runs=tuple(runs), rtl=base == "R", missing=tuple(missing))
