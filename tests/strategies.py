"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

_FIRST = 0xE000  # the Private Use Area: one code point stands for each piece


def sequences(pieces: Sequence[str], max_size: int) -> st.SearchStrategy[list[str]]:
    """Lists of up to max_size items of pieces: every list `st.lists(st.sampled_from(pieces), max_size=max_size)`
    can draw, at about half its CPU. Hypothesis draws a list item by item but a text in one step, so this draws a
    text over one code point per piece and maps it back (it shrinks alike: shorter, and towards the first pieces)."""
    assert 0 < len(pieces) <= 6400  # the Private Use Area's size
    alphabet = "".join(chr(_FIRST + i) for i in range(len(pieces)))
    return st.text(alphabet=alphabet, max_size=max_size).map(lambda text: [pieces[ord(c) - _FIRST] for c in text])
