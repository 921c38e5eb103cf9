"""Column and record labels: which problem (slot) and which gradient component a label names.

Accepted forms, case-insensitive, spaces allowed: "5", "q5", "Q 5", "problem 5", "slot5", "#5";
a gradient component adds ".2" or "[2]" (1-based position in the gradient) or "_y" / ".y" (the variable);
a part of a multi-part problem adds its label, "4a" or "4.a" (or its 1-based position, "4.1").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABEL = re.compile(
    r"""^\s*(?:q|question|problem|prob|p|slot|exercise|ex|\#)?\s*[#._]?\s*
        (?P<slot>\d{1,4})
        (?:(?P<letter>[A-Za-z])|\s*(?:[._:\-]|\[)\s*(?P<comp>[A-Za-z][A-Za-z0-9_]*|\d{1,2})\s*\]?)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Label:
    """A parsed label: the slot number and, for one gradient component, its 0-based index or variable."""

    slot: int
    component: int | str | None = None


def parse_label(text: str) -> Label | None:
    """The slot (and component) a header or problem cell names, or None when it names none."""
    m = _LABEL.match(text)
    if not m:
        return None
    comp = m.group("comp") or m.group("letter")
    component: int | str | None
    if comp is None:
        component = None
    elif comp.isdigit():
        if int(comp) < 1:
            return None
        component = int(comp) - 1
    else:
        component = comp
    return Label(int(m.group("slot")), component)


# Markers an exporter may put into a question's name, idnumber or text so an LMS export maps back to a slot:
# "quizgen-s3-v7", "[slot 3]", "Problem 3:" at the start of the text.
_MARKERS = (
    re.compile(r"quizgen[-_:]s(?:lot)?[-_]?(\d{1,4})\b", re.IGNORECASE),
    re.compile(r"\[\s*slot\s*(\d{1,4})\s*\]", re.IGNORECASE),
    re.compile(r"^\s*(?:problem|question|exercise|slot)\s*(\d{1,4})\s*[:.)]", re.IGNORECASE),
)


def slot_from_text(text: str) -> int | None:
    """The slot a question's text or name announces, if it carries a quizgen marker."""
    for pattern in _MARKERS:
        m = pattern.search(text)
        if m:
            return int(m.group(1))
    return None
