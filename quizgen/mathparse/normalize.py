"""Unicode clean-up of pasted answers, keeping for each output character the index of its source character.

Students paste × · − ÷ ² ³ √ π, Greek letters (θ is the variable theta), full-width digits and
non-breaking spaces; the tokenizer only knows ASCII
plus a few signs (√ ⟨ ⟩), so each character is mapped here (explicit table first, then NFKC). The offset
map lets errors point at the character the student actually typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from quizgen.mathparse.messages import Fail

_REPLACE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "×": "*",
        "·": "*",
        "⋅": "*",
        "∙": "*",
        "∗": "*",
        "•": "*",
        "✕": "*",
        "−": "-",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "﹣": "-",
        "－": "-",
        "÷": "/",
        "∕": "/",
        "⁄": "/",
        "π": "pi",
        "ϖ": "pi",
        "σ": "sigma",
        "α": "alpha",
        "β": "beta",
        "γ": "gamma",
        "δ": "delta",
        "ε": "epsilon",
        "ζ": "zeta",
        "η": "eta",
        "θ": "theta",
        "ι": "iota",
        "κ": "kappa",
        "λ": "lambda",
        "μ": "mu",
        "ν": "nu",
        "ξ": "xi",
        "ρ": "rho",
        "τ": "tau",
        "υ": "upsilon",
        "φ": "phi",
        "χ": "chi",
        "ψ": "psi",
        "ω": "omega",
        "≤": "<=",
        "≥": ">=",
        "⩽": "<=",
        "⩾": ">=",
        "≦": "<=",
        "≧": ">=",
        "≠": "!=",
        "⟨": "⟨",
        "〈": "⟨",
        "\u2329": "⟨",
        "⟩": "⟩",
        "〉": "⟩",
        "\u232a": "⟩",
        "√": "√",
        "∣": "|",
        "｜": "|",
        "î": "i",
        "ĵ": "j",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "′": "'",
        "″": "'",
    }
)
_SUPERSCRIPT: Final[Mapping[str, str]] = MappingProxyType(
    {
        "⁰": "0",
        "¹": "1",
        "²": "2",
        "³": "3",
        "⁴": "4",
        "⁵": "5",
        "⁶": "6",
        "⁷": "7",
        "⁸": "8",
        "⁹": "9",
        "⁻": "-",
        "⁺": "+",
    }
)
_DROP: Final[frozenset[str]] = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_ASCII_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""The ASCII control characters refused (all below the space except tab, line feed and carriage return; DEL)."""


def normalize(text: str) -> tuple[str, list[int] | None]:
    """ASCII-ish text for the tokenizer, and the offset map (None when the text is unchanged).

    The map has one entry per output character plus one for the end, each the index into text.

    Raises:
        Fail: NUL, lone surrogates and other control characters, with their position.
    """
    if text.isascii():
        bad = _ASCII_CONTROL.search(text)
        if bad is not None:
            c = bad.group()
            raise Fail("nul" if c == "\0" else "control", bad.start(), char=f"U+{ord(c):04X}")
        return text, None
    out: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _SUPERSCRIPT:
            j = i
            while j < n and text[j] in _SUPERSCRIPT:
                j += 1
            digits = "".join(_SUPERSCRIPT[ch] for ch in text[i:j])
            piece = "^" + digits if j - i == 1 else "^(" + digits + ")"
            out.append(piece)
            offsets.extend([i] * len(piece))
            i = j
            continue
        if c == "\u0302" and out and out[-1] in ("i", "j", "k"):  # k̂ typed with a combining hat: unit vector k
            piece = ""
        else:
            piece = _map_char(c, i)
        out.append(piece)
        offsets.extend([i] * len(piece))
        i += 1
    offsets.append(n)
    return "".join(out), offsets


def _map_char(c: str, i: int) -> str:
    if "\ud800" <= c <= "\udfff":
        raise Fail("surrogate", i)
    if c in _REPLACE:
        return _REPLACE[c]
    if c in _DROP:
        return ""
    category = unicodedata.category(c)
    if category == "Zs" or c in "\t\n\r\u2028\u2029\x85":
        return " "
    if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
        raise Fail("nul" if c == "\0" else "control", i, char=f"U+{ord(c):04X}")
    if c.isascii():
        return c
    mapped = unicodedata.normalize("NFKC", c)
    if mapped.isascii() and mapped.isprintable():
        return mapped
    if mapped in _REPLACE:
        return _REPLACE[mapped]
    return c  # the tokenizer reports it as a character that cannot be used


def original_offset(offsets: list[int] | None, pos: int, original_length: int) -> int:
    """Map a position in the normalized text back to the original (-1 stays -1)."""
    if pos < 0:
        return -1
    if offsets is None:
        return min(pos, original_length)
    if pos >= len(offsets):
        return original_length
    return offsets[pos]
