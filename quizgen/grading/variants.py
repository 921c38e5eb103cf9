"""LMS variants: find which exported variant a student saw, and rebuild that Problem to grade against.

quizgen export writes each variant's id ("qg.<bank>.<seed>.s<slot>.v<variant>", see quizgen.variantids)
into the question text as a "Ref:" line, which Moodle's responses report and Canvas's student analysis
keep, and into each STACK question's note, which is what Moodle's report shows for STACK questions. The
variant is the v-th problem of generate_variants(bank, slot, ..., seed), so it is rebuilt from the
manifest's bank (the copy embedded in the manifest, checked against bank_sha256; see bank_source).

STACK questions exported before the note carried the reference are identified by the note itself: it is
the function and the key (quizgen.export.stack_xml.note_body), which is matched against the notes of the
bank's variants of that slot. A note that matches no variant, or two that grade differently, is reported.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from quizgen.errors import QuizgenError
from quizgen.grading.bank_source import BankSource, resolve
from quizgen.grading.model import VariantRef
from quizgen.manifest import Manifest
from quizgen.problem import Problem
from quizgen.variantids import VariantId, bank_slug, find_idnumber, parse_idnumber

if TYPE_CHECKING:
    from quizgen.bank import Bank

_TAG = re.compile(r"<[^>]*>")

NOTE_SEARCH = 100
"""Variants per slot whose notes are compared with an unreferenced STACK note (export's default is 20)."""


def find_ref(text: str) -> VariantRef | None:
    """The quizgen variant id inside a question text or column header, if any."""
    found = find_idnumber(text)
    vid = None if found is None else parse_idnumber(found)
    if found is None or vid is None:
        return None
    return VariantRef(found, vid.slot, vid.variant, vid.seed)


def note_ref(label: str, slot: int, note: str) -> VariantRef:
    """A reference still to be resolved: the variant of problem slot whose STACK question note is note."""
    return VariantRef(label, slot, 0, None, note=note)


def note_key(text: str) -> str:
    """A note as compared: tags dropped, entities decoded, spaces collapsed (Moodle shows it as text)."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _grading_key(problem: Problem) -> str:
    return json.dumps([problem.answer, problem.variables])


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
    _notes: dict[tuple[int, int | None], dict[str, list[int]]] = field(default_factory=dict)
    _identified: dict[tuple[int, str], VariantRef | str] = field(default_factory=dict)

    def _load_bank(self) -> Bank | str:
        if self.source is None:
            self.source = resolve(self.manifest, self.manifest_dir)
        return self.source.bank()

    def _variants(self, slot: int, seed: int | None, count: int) -> list[Problem] | str:
        # the generator (the families, sympy, the bank's schema) is imported here, on first use: a class
        # that names no LMS variant never needs it (0.2 s of CPU in every `quizgen grade`'s start-up)
        from quizgen.generate import generate_variants

        bank = self._load_bank()
        if isinstance(bank, str):
            return bank
        key = (slot, seed)
        have = self._cache.get(key, [])
        if len(have) < count:
            try:
                have = generate_variants(bank, slot, max(count, 20), seed=seed)
            except QuizgenError as exc:
                return f"cannot rebuild the variants of problem {slot} ({exc.message.splitlines()[0]})"
            self._cache[key] = have
        return have

    def problem(self, ref: VariantRef) -> Problem | str:
        """The Problem for ref, or a message saying why it cannot be rebuilt."""
        if ref.note is not None:
            found = self.identify(ref)
            if isinstance(found, str):
                return found
            ref = found
        have = self._variants(ref.slot, ref.seed, ref.variant)
        if isinstance(have, str):
            return have
        if ref.variant < 1 or ref.variant > len(have):
            return f"variant {ref.text} does not exist for this bank"
        return have[ref.variant - 1]

    def identify(self, ref: VariantRef) -> VariantRef | str:
        """The variant whose STACK question note is ref.note, or why none can be named.

        The export's seed is not in an old note, so the manifest's seed and the bank's own seed are tried.
        A class answers the same few questions: each (slot, note) is looked up once.
        """
        wanted = note_key(ref.note or "")
        key = (ref.slot, wanted)
        if key not in self._identified:
            self._identified[key] = self._identify(ref.slot, wanted)
        return self._identified[key]

    def _notes_of(self, slot: int, seed: int) -> dict[str, list[int]] | str:
        """note text -> the variant numbers (1-based) with that note, for the first NOTE_SEARCH variants."""
        if (slot, seed) not in self._notes:
            have = self._variants(slot, seed, NOTE_SEARCH)
            if isinstance(have, str):
                return have
            from quizgen.export.stack_xml import note_body  # on first use, as in _variants

            notes: dict[str, list[int]] = {}
            for i, p in enumerate(have, 1):
                notes.setdefault(note_key(note_body(p)), []).append(i)
            self._notes[(slot, seed)] = notes
        return self._notes[(slot, seed)]

    def _identify(self, slot: int, wanted: str) -> VariantRef | str:
        if not wanted:
            return (
                "no question note to tell which variant this STACK answer is for; download the Responses "
                "report with the question text shown"
            )
        bank = self._load_bank()
        if isinstance(bank, str):  # the bank could not be loaded: why, for the report
            return bank
        from quizgen.generate import effective_seed  # on first use, as in _variants

        seeds = list(dict.fromkeys([self.manifest.seed, effective_seed(bank, None)]))
        for seed in seeds:
            notes = self._notes_of(slot, seed)
            if isinstance(notes, str):
                return notes
            matches = notes.get(wanted, [])
            if not matches:
                continue
            have = self._cache[(slot, seed)]
            if len({_grading_key(have[i - 1]) for i in matches}) > 1:
                return (
                    f"its question note {_short(wanted)} fits variants {', '.join(map(str, matches))} of "
                    f"problem {slot}, which have different keys; cannot tell which one it was"
                )
            slug = bank_slug(Path(self.manifest.bank.path).stem)
            text = str(VariantId(slug, seed, slot, matches[0], stack=True))
            return VariantRef(text, slot, matches[0], seed)
        tried = " or ".join(str(s) for s in seeds)
        return (
            f"its question note {_short(wanted)} matches none of the first {NOTE_SEARCH} variants of "
            f"problem {slot} (seed {tried}); the quiz's questions are not this bank's export, or not "
            "in slot order"
        )


def _short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
