"""Where every random choice comes from: sha256-seeded random.Random streams, and per-student variant codes.

The chain is

    variant = code(sha256("quizgen-variant", seed, student_id))        8 characters, unambiguous alphabet
    rng(slot) = random.Random(sha256("quizgen-slot", seed, variant, slot))

so a sheet depends only on (bank, seed, student id, slot number), and the variant code alone (with the bank
and seed) rebuilds the sheet: `quizgen generate --bank B --seed S --variant CODE`. sha256 and
random.Random(int) are the same on every machine and Python version >= 3.2, unlike hash().
"""

from __future__ import annotations

import hashlib
import random

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""32 symbols without 0/O and 1/I, so a code read aloud or copied by hand survives."""
CODE_LENGTH = 8


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()


def variant_code(seed: int, student_id: str) -> str:
    """The student's variant code (40 bits: collisions are negligible for any class)."""
    value = int.from_bytes(_digest("quizgen-variant", seed, student_id)[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        chars.append(ALPHABET[value % 32])
        value //= 32
    return "".join(chars)


def normalize_variant(code: str) -> str | None:
    """The canonical form of a typed code (case-insensitive, spaces/dashes ignored), or None if invalid."""
    cleaned = code.strip().upper().replace("-", "").replace(" ", "")
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def slot_rng(seed: int, variant: str, slot: int) -> random.Random:
    """The random stream for one slot of one sheet (redraws continue the same stream)."""
    return random.Random(int.from_bytes(_digest("quizgen-slot", seed, variant, slot), "big"))


def variants_rng(seed: int, slot: int) -> random.Random:
    """The stream for generate_variants (LMS export): one per (seed, slot), independent of any student."""
    return random.Random(int.from_bytes(_digest("quizgen-variants", seed, slot), "big"))
