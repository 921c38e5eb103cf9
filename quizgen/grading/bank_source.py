"""Which bank rebuilds LMS variants when grading, and what to tell the teacher about the bank on disk.

Grading needs the bank only to rebuild the exported variant an LMS answer names (the keys of every
student's own sheet are in the manifest). The bank comes from, in order: `--bank PATH` (checked against
the manifest's bank_sha256), the copy embedded in the manifest, or, for a manifest written before banks
were embedded, the file the manifest names. A bank file edited since generation never blocks grading: the
teacher gets a warning saying whether only its wording changed or its problems did.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from quizgen.errors import QuizgenError
from quizgen.manifest import Manifest

if TYPE_CHECKING:
    from quizgen.bank import Bank


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bank_from_text(text: str, shown: str) -> Bank:
    """Load a bank from its text with the one bank loader (same checks and limits as a file), named shown."""
    from quizgen.bank import load_bank  # on first use: grading a class without LMS variants loads no bank

    with tempfile.TemporaryDirectory(prefix="quizgen-bank-") as tmp:
        path = Path(tmp) / (Path(shown).name or "bank.yaml")
        path.write_bytes(text.encode("utf-8"))
        bank = load_bank(path)
    return replace(bank, path=shown)


def same_problems(a: Bank, b: Bank) -> bool:
    """True when two banks draw the same problems: same seed and slots (title, course, instructions aside)."""
    return a.seed == b.seed and a.slots == b.slots


@dataclass
class BankSource:
    """The bank to rebuild LMS variants from (loaded on first use), and warnings about the bank on disk."""

    shown: str
    text: str | None = None  # the bank's text when known to match bank_sha256
    origin: str = ""
    missing: str = ""  # why there is no bank, when text is None
    warnings: list[str] = field(default_factory=list)
    _bank: Bank | None = None
    _error: str | None = None

    def bank(self) -> Bank | str:
        """The bank, or a one-line reason it cannot be had."""
        if self._bank is not None:
            return self._bank
        if self._error is not None:
            return self._error
        if self.text is None:
            self._error = self.missing
            return self._error
        try:
            self._bank = bank_from_text(self.text, self.shown)
        except QuizgenError as exc:
            why = exc.message.splitlines()[0]
            self._error = f"cannot rebuild LMS variants: bank {self.origin} does not load ({why})"
            return self._error
        return self._bank


def _disk_bank(manifest: Manifest, manifest_dir: Path) -> Path | None:
    """The bank file the manifest names, beside the manifest or from the current folder, if it exists."""
    named = Path(manifest.bank.path)
    for candidate in [named] if named.is_absolute() else [manifest_dir / named, named]:
        if candidate.is_file():
            return candidate
    return None


def _changed_warning(manifest: Manifest, disk: Path, disk_bytes: bytes) -> str:
    """Say how the bank file differs from the copy the manifest was generated from."""
    shown = manifest.bank.path
    try:
        now = bank_from_text(disk_bytes.decode("utf-8"), shown)
        then = bank_from_text(manifest.bank.text, shown)
    except (QuizgenError, UnicodeDecodeError):
        return (
            f"bank {shown} ({disk}) has changed since this manifest was generated and no longer loads; "
            "grading uses the manifest's keys and its own copy of the bank"
        )
    if same_problems(now, then):
        return (
            f"bank {shown} was edited since this manifest was generated (wording only: title, course, "
            "instructions or comments); grades are not affected"
        )
    return (
        f"bank {shown} was changed since this manifest was generated (its slots or seed differ); grading uses "
        "the problems the students were given (the manifest's keys and its own copy of the bank); "
        "regenerate if the change should apply"
    )


def resolve(manifest: Manifest, manifest_dir: Path, bank_option: str | Path | None = None) -> BankSource:
    """Choose the bank for this manifest; raises QuizgenError only for a --bank that is not the manifest's bank.

    Args:
        manifest: the manifest being graded.
        manifest_dir: its folder (a relative bank path is looked for there first, then in the current folder).
        bank_option: the path given to `quizgen grade --bank`, if any.
    """
    shown = manifest.bank.path
    source = BankSource(shown)
    if bank_option is not None:
        path = Path(bank_option)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise QuizgenError(f"{path}: cannot read the bank given with --bank ({exc.strerror or exc})") from None
        if _sha(data) == manifest.bank_sha256:
            source.text, source.origin = data.decode("utf-8"), f"{path} (--bank)"
            return source
        if not manifest.bank.text:
            raise QuizgenError(
                f"{path}: not the bank this manifest was generated from (its sha256 differs from the manifest's "
                "bank_sha256); give the original bank file with --bank"
            )
        source.warnings.append(_changed_warning(manifest, path, data))
    if manifest.bank.text:
        source.text, source.origin = manifest.bank.text, "embedded in the manifest"
        disk = _disk_bank(manifest, manifest_dir) if bank_option is None else None
        if disk is not None:
            data = disk.read_bytes()
            if _sha(data) != manifest.bank_sha256:
                source.warnings.append(_changed_warning(manifest, disk, data))
        return source
    disk = _disk_bank(manifest, manifest_dir)
    if disk is None:
        source.missing = (
            f"cannot rebuild LMS variants: bank {shown} is not found and this manifest has no copy of it (made "
            "before quizgen embedded banks); pass the original bank with --bank PATH"
        )
        return source
    data = disk.read_bytes()
    if _sha(data) != manifest.bank_sha256:
        source.missing = (
            f"cannot rebuild LMS variants: bank {shown} has changed since this manifest was generated; "
            "pass the original bank with --bank PATH"
        )
        source.warnings.append(
            f"bank {shown} ({disk}) has changed since this manifest was generated (bank_sha256 differs); grading "
            "uses the manifest's keys, but LMS variants cannot be rebuilt from it (pass the original with --bank)"
        )
        return source
    source.text, source.origin = data.decode("utf-8"), str(disk)
    return source
