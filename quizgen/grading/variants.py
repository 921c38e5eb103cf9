"""LMS variants: find which exported variant a student saw, and rebuild that Problem to grade against.

quizgen export writes each variant's id ("qg.<bank>.<seed>.s<slot>.v<variant>", see quizgen.export.ids)
into the question text as a "Ref:" line, which Moodle's responses report and Canvas's student analysis
keep. The variant is the v-th problem of generate_variants(bank, slot, ..., seed), so it is rebuilt from the
manifest's bank (which manifest.read has already checked against bank_sha256).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from quizgen.errors import QuizgenError
from quizgen.grading.model import VariantRef
from quizgen.manifest import Manifest
from quizgen.problem import Problem

_REF = re.compile(r"\bqg\.[A-Za-z0-9_-]+\.(?:-?\d+|bank)\.s\d+\.v\d+(?:\.stack)?\b")


def find_ref(text: str) -> VariantRef | None:
    """The quizgen variant id inside a question text or column header, if any."""
    m = _REF.search(text)
    if not m:
        return None
    from quizgen.export.ids import parse_idnumber

    vid = parse_idnumber(m.group(0))
    if vid is None:
        return None
    return VariantRef(m.group(0), vid.slot, vid.variant, vid.seed)


@dataclass
class VariantBuilder:
    """Rebuilds exported variants from the manifest's bank, once per (slot, seed)."""

    manifest: Manifest
    manifest_dir: Path
    _cache: dict[tuple[int, int | None], list[Problem]] = field(default_factory=dict)
    _bank: object | None = None
    _error: str | None = None

    def _load_bank(self) -> object | None:
        if self._bank is None and self._error is None:
            from quizgen.bank import load_bank

            path = Path(self.manifest.bank.path)
            if not path.is_absolute() and (self.manifest_dir / path).exists():
                path = self.manifest_dir / path
            try:
                self._bank = load_bank(path)
            except QuizgenError as exc:
                self._error = f"cannot rebuild LMS variants: bank {self.manifest.bank.path} is needed ({exc.message.splitlines()[0]})"
        return self._bank

    def problem(self, ref: VariantRef) -> Problem | str:
        """The Problem for ref, or a message saying why it cannot be rebuilt."""
        bank = self._load_bank()
        if bank is None:
            return self._error or "cannot rebuild LMS variants"
        from quizgen.generate import generate_variants

        key = (ref.slot, ref.seed)
        have = self._cache.get(key, [])
        if len(have) < ref.variant:
            try:
                have = generate_variants(bank, ref.slot, max(ref.variant, 20), seed=ref.seed)  # type: ignore[arg-type]
            except QuizgenError as exc:
                return f"cannot rebuild variant {ref.text} ({exc.message.splitlines()[0]})"
            self._cache[key] = have
        if ref.variant < 1 or ref.variant > len(have):
            return f"variant {ref.text} does not exist for this bank"
        return have[ref.variant - 1]
