"""Which bank rebuilds LMS variants: --bank, the manifest's embedded copy, or the file an older manifest names."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from quizgen import manifest as manifest_mod
from quizgen.bank import load_bank
from quizgen.errors import ManifestError, QuizgenError
from quizgen.generate import generate
from quizgen.grading.bank_source import resolve
from quizgen.manifest import Manifest
from quizgen.roster import Student

BANK = """\
title: "Variants"
course: ""
instructions: "Answer everything."
seed: 3
slots:
  - {family: sum_rule, difficulty: 1, variables: [x, y], points: 1, ask: partial}
"""


def setup(tmp_path: Path) -> tuple[Path, Manifest]:
    bank = tmp_path / "bank.yaml"
    bank.write_text(BANK, encoding="utf-8")
    manifest = generate(load_bank(bank), [Student("s1", "Ada", {})], seed=9)
    return bank, manifest


def test_the_manifest_embeds_the_exact_bank_text(tmp_path: Path) -> None:
    _, manifest = setup(tmp_path)
    assert manifest.bank.text == BANK and manifest.bank_sha256 == manifest_mod.embedded_bank_sha256(manifest)
    source = resolve(manifest, tmp_path)
    assert source.origin == "embedded in the manifest" and source.warnings == []
    assert not isinstance(source.bank(), str)


def test_a_bank_copy_that_does_not_match_bank_sha256_is_refused(tmp_path: Path) -> None:
    _, manifest = setup(tmp_path)
    forged = replace(manifest, bank=replace(manifest.bank, text=BANK.replace("points: 1", "points: 9")))
    manifest_mod.write(forged, tmp_path / "manifest.json")  # a consistent checksum, a forged bank copy
    with pytest.raises(ManifestError, match="bank copy in the manifest does not match bank_sha256"):
        manifest_mod.read(tmp_path / "manifest.json")


def test_a_wording_edit_warns_and_a_changed_slot_says_so(tmp_path: Path) -> None:
    bank, manifest = setup(tmp_path)
    bank.write_text(BANK.replace("Answer everything.", "Answer every question.") + "# a comment\n", encoding="utf-8")
    (warning,) = resolve(manifest, tmp_path).warnings
    assert "edited since this manifest was generated (wording only" in warning and "not affected" in warning
    bank.write_text(BANK.replace("points: 1", "points: 2"), encoding="utf-8")
    (warning,) = resolve(manifest, tmp_path).warnings
    assert "slots or seed differ" in warning and "manifest's keys" in warning
    assert resolve(manifest, tmp_path).origin == "embedded in the manifest"  # never the edited file


def test_an_older_manifest_takes_its_bank_from_the_bank_option_checked_against_its_sha(tmp_path: Path) -> None:
    bank, manifest = setup(tmp_path)
    old = replace(manifest, bank=replace(manifest.bank, text=""))
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    kept = moved / "original.yaml"
    kept.write_text(BANK, encoding="utf-8")
    bank.unlink()
    assert "--bank" in str(resolve(old, moved).bank())  # nothing to rebuild from, and the message says how
    source = resolve(old, moved, kept)
    assert source.origin.endswith("(--bank)") and not isinstance(source.bank(), str)
    kept.write_text(BANK + "# edited\n", encoding="utf-8")
    with pytest.raises(QuizgenError, match="not the bank this manifest was generated from"):
        resolve(old, moved, kept)


def test_an_older_manifest_next_to_a_changed_bank_warns_and_rebuilds_nothing(tmp_path: Path) -> None:
    bank, manifest = setup(tmp_path)
    old = replace(manifest, bank=replace(manifest.bank, text=""))
    assert resolve(old, tmp_path).warnings == [] and not isinstance(resolve(old, tmp_path).bank(), str)
    bank.write_text(BANK + "# edited\n", encoding="utf-8")
    source = resolve(old, tmp_path)
    assert "bank_sha256 differs" in source.warnings[0]
    assert "has changed since this manifest was generated" in str(source.bank())
