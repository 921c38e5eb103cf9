"""Stable identifiers for exported variants, so LMS responses can be mapped back to a slot and variant.

The one definition of the id format: quizgen.export writes it, quizgen.grading reads it back.

Every exported question carries the same id in every format: Moodle's <idnumber>, the QTI item ident, a
GIFT `// [id:...]` comment, and a small "Ref:" line at the end of the question text (which survives in
response and analysis exports that drop the id). The scheme is

    qg.<bank>.<seed>.s<slot>.v<variant>[.stack]

bank is the bank file's stem reduced to [A-Za-z0-9_-] (at most 40 characters); seed is the generation seed (or "bank" when the
bank's own seed was used); slot is the bank slot number; variant is the 1-based variant number (the i-th
problem returned by generate_variants(bank, slot, N, seed=seed)); ".stack" marks the STACK version of a
question in the moodle-stack file. Zero padding never matters: parse_idnumber reads the numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ID = r"qg\.(?P<bank>[A-Za-z0-9_-]+)\.(?P<seed>-?\d+|bank)\.s(?P<slot>\d+)\.v(?P<variant>\d+)(?:\.(?P<flavour>stack))?"
_ID_RE = re.compile(f"^{_ID}$")
_ID_IN_TEXT = re.compile(rf"\b{_ID}\b")


@dataclass(frozen=True)
class VariantId:
    """What an idnumber encodes."""

    bank: str
    seed: int | None
    slot: int
    variant: int
    stack: bool = False

    def __str__(self) -> str:
        seed = "bank" if self.seed is None else str(self.seed)
        text = f"qg.{self.bank}.{seed}.s{self.slot:02d}.v{self.variant:03d}"
        return text + ".stack" if self.stack else text


MAX_BANK_CHARS = 40
"""Moodle keeps idnumbers up to 100 characters; the bank part is cut to leave room for the rest."""


def bank_slug(name: str) -> str:
    """The bank part of an id: the file stem with anything outside [A-Za-z0-9_-] replaced by '_'."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:MAX_BANK_CHARS].strip("_")
    return slug or "bank"


def parse_idnumber(text: str) -> VariantId | None:
    """Read an idnumber (or a "Ref: ..." line's id) back; None when it is not a quizgen id."""
    match = _ID_RE.match(text.strip())
    if match is None:
        return None
    seed = match["seed"]
    return VariantId(
        bank=match["bank"],
        seed=None if seed == "bank" else int(seed),
        slot=int(match["slot"]),
        variant=int(match["variant"]),
        stack=match["flavour"] == "stack",
    )


def find_idnumber(text: str) -> str | None:
    """The first quizgen id inside a longer text (a question text, a "Ref:" line, a column header)."""
    match = _ID_IN_TEXT.search(text)
    return match.group(0) if match else None
