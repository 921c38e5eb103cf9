"""LMS variants: find which exported variant a student saw, and rebuild that Problem to grade against.

quizgen export writes each variant's id ("qg.<bank>.<seed>.s<slot>.v<variant>", see quizgen.export.ids)
into the question text as a "Ref:" line, which Moodle's responses report and Canvas's student analysis
keep. The variant is the v-th problem of generate_variants(bank, slot, ..., seed), so it is rebuilt from the
manifest's bank (the copy embedded in the manifest, checked against bank_sha256; see bank_source).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from quizgen.bank import Bank
from quizgen.errors import QuizgenError
from quizgen.grading.bank_source import BankSource, resolve
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
    """Rebuilds exported variants from the manifest's bank, once per (slot, seed).

    The bank is the one quizgen.grading.bank_source picks: --bank, the manifest's embedded copy, or (older
    manifests) the file it names, looked for beside the manifest (manifest_dir) and in the current folder.
    """

    manifest: Manifest
    manifest_dir: Path
    source: BankSource | None = None
    _cache: dict[tuple[int, int | None], list[Problem]] = field(default_factory=dict)

    def _load_bank(self) -> Bank | str:
        if self.source is None:
            self.source = resolve(self.manifest, self.manifest_dir)
        return self.source.bank()

    def problem(self, ref: VariantRef) -> Problem | str:
        """The Problem for ref, or a message saying why it cannot be rebuilt."""
        bank = self._load_bank()
        if isinstance(bank, str):
            return bank
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
