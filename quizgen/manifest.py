"""manifest.json: the contract between generation and everything downstream (grading, PDFs, exports).

The file ends with a checksum over the rest of its bytes, so a manifest edited by hand is refused rather
than silently grading students against altered keys. No timestamps: the same inputs give the same bytes.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen import __version__
from quizgen.errors import ManifestError
from quizgen.fileio import atomic_write_bytes
from quizgen.gcpause import no_collections, rare_collections
from quizgen.problem import Problem, Sheet
from quizgen.resources import resolve_bank

CHECKSUM_KEY = "checksum"


@dataclass(frozen=True)
class BankInfo:
    """What downstream needs from the bank without re-reading it: headers, where it came from, its text.

    text is the bank file's exact text, so LMS variants can be rebuilt wherever the manifest goes; ""
    in manifests written before it was embedded.
    """

    title: str
    course: str
    instructions: str
    path: str
    text: str = ""


@dataclass(frozen=True)
class Manifest:
    quizgen_version: str
    bank: BankInfo
    bank_sha256: str
    seed: int
    students: list[Sheet]
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, *, students: bool = True) -> dict[str, Any]:
        """The manifest as JSON data; students=False leaves the students out (the writer adds them)."""
        out: dict[str, Any] = {
            "quizgen_version": self.quizgen_version,
            "bank": {
                "title": self.bank.title,
                "course": self.bank.course,
                "instructions": self.bank.instructions,
                "path": self.bank.path,
                "text": self.bank.text,
            },
            "bank_sha256": self.bank_sha256,
            "seed": self.seed,
            "stats": dict(self.stats),
        }
        if students:
            out["students"] = [s.to_dict() for s in self.students]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """The manifest from JSON data; a problem's dict that several sheets share (see _loads) gives them one
        Problem, built once."""
        built: dict[int, Problem] = {}  # by id: every dict stays alive in data meanwhile

        def problem(values: dict[str, Any]) -> Problem:
            made = built.get(id(values))
            if made is None:
                made = built[id(values)] = Problem.from_dict(values)
            return made

        return cls(
            quizgen_version=data["quizgen_version"],
            bank=BankInfo(**data["bank"]),
            bank_sha256=data["bank_sha256"],
            seed=data["seed"],
            stats=dict(data.get("stats", {})),
            students=[Sheet.from_dict(s, problem) for s in data["students"]],
        )


def embedded_bank_sha256(manifest: Manifest) -> str:
    """SHA-256 of the bank text the manifest carries (equals bank_sha256 for an intact manifest)."""
    return hashlib.sha256(manifest.bank.text.encode("utf-8")).hexdigest()


def _body(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


class _Encoded(str):
    """JSON text already written at its place in the manifest (a problem shared by several students)."""


_encode_string = json.encoder.encode_basestring  # ensure_ascii=False's string encoder (C when available)
_PROBLEM_INDENT = " " * 8
"""Indentation of a problem in the manifest: body > students > a sheet > problems > the problem."""


def _json_float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _json_key(key: object) -> str:
    if isinstance(key, str):
        return _encode_string(key)
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return _encode_string(int.__repr__(key))
    if isinstance(key, float):
        return _encode_string(_json_float(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _dump(value: object, indent: str, out: list[str]) -> None:
    """Append value as json.dumps(value, indent=2, ensure_ascii=False) writes it at this indentation, with
    the same rules in the same order; a flat recursion instead of json's nested generators (pure Python
    once indent is set), about twice as fast."""
    if type(value) is _Encoded:
        out.append(value)
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_json_float(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        out.append("[\n" + inner)
        for i, item in enumerate(value):
            if i:
                out.append(",\n" + inner)
            if type(item) is str:  # most leaves: written here rather than by one more call
                out.append(_encode_string(item))
            else:
                _dump(item, inner, out)
        out.append("\n" + indent + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        out.append("{\n" + inner)
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",\n" + inner)
            out.append(_json_key(key) + ": ")
            if type(item) is str:
                out.append(_encode_string(item))
            else:
                _dump(item, inner, out)
        out.append("\n" + indent + "}")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _manifest_body(manifest: Manifest) -> str:
    """_body(manifest.to_dict()), character for character, written faster: each distinct Problem object
    (generate shares one between the students who drew the same problem) is turned into a dict and
    encoded once."""
    encoded: dict[int, _Encoded] = {}
    students = []
    for sheet in manifest.students:
        problems: list[object] = []
        for problem in sheet.problems:
            text = encoded.get(id(problem))
            if text is None:
                out: list[str] = []
                _dump(problem.to_dict(), _PROBLEM_INDENT, out)
                text = encoded[id(problem)] = _Encoded("".join(out))
            problems.append(text)
        entry = {**sheet.to_dict(problems=False), "problems": problems}
        students.append(entry)
    data = {**manifest.to_dict(students=False), "students": students}
    out = []
    _dump(data, "", out)
    return "".join(out)


def _file_bytes(manifest: Manifest) -> bytes:
    """The manifest file's exact UTF-8 bytes: the body, then its checksum as the last key."""
    # encoding allocates dicts and lists per problem: at the default thresholds the cyclic collector would
    # re-walk every sympy object generation left in its caches dozens of times (a third of the time)
    with rare_collections():
        body = _manifest_body(manifest).encode("utf-8")
    checksum = hashlib.sha256(body).hexdigest()
    # Same text as dumping the dict with the checksum as its last key, without encoding it all twice; the
    # body is encoded once, for the checksum and the file (a class's manifest is tens of megabytes).
    assert body.endswith(b"\n}")
    return body[:-2] + f',\n  "{CHECKSUM_KEY}": "{checksum}"\n}}\n'.encode()


def dumps(manifest: Manifest) -> str:
    """The manifest's exact text: the body, then its checksum as the last key."""
    return _file_bytes(manifest).decode("utf-8")


def write(manifest: Manifest, path: str | Path) -> None:
    atomic_write_bytes(path, _file_bytes(manifest))


def _checksum_matches_fast(raw: bytes, claimed: object) -> bool:
    """The checksum of a file exactly as dumps() wrote it, without re-serializing (seconds for big classes).

    dumps() writes the body with the checksum appended as the last key, so the body it hashed is the
    file's bytes up to that key, closed with "\\n}". Anything else falls back to the full re-serialization.
    """
    if not isinstance(claimed, str):
        return False
    tail = f',\n  "{CHECKSUM_KEY}": "{claimed}"\n}}\n'.encode()
    if not raw.endswith(tail):
        return False
    body = hashlib.sha256(memoryview(raw)[: -len(tail)])  # no copy of a file of tens of megabytes
    body.update(b"\n}")
    return body.hexdigest() == claimed


_SHEET_PROBLEMS = b'\n      "problems": [\n'
"""How dumps() opens a sheet's list of problems: the sheet's keys 6 spaces in, each problem 8 spaces in."""
_PROBLEM_OPEN = b"        {"
_PROBLEM_CLOSE = b"\n        }"
_PROBLEMS_CLOSE = b"\n      ]"


Heard = Callable[[list[dict[str, Any]]], None]
"""Told distinct problems (JSON data) as they are parsed: see read()'s on_problems."""
HAND_OUT = 2048
"""Distinct problems handed to on_problems at a time while the rest are parsed."""


UTF8_CHUNK = 1 << 20


def _check_utf8(raw: bytes) -> None:
    """raw.decode("utf-8")'s check, a megabyte at a time, keeping none of the text.

    Raises:
        UnicodeDecodeError: as raw.decode("utf-8") raises it (the position is in the whole file).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    try:
        for at in range(0, len(raw), UTF8_CHUNK):
            decoder.decode(view[at : at + UTF8_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raw.decode("utf-8")  # the same error, worded for the whole file
        raise


def _loads(raw: bytes, on_problems: Heard | None = None) -> Any:
    """json.loads of raw (UTF-8, checked by the caller), with the sheets' equal problems as one dict, parsed
    once; on_problems is told each distinct problem's dict as it is parsed, in runs of HAND_OUT (not at all
    when the text is not laid out as dumps() writes it; for part of them when that shows only after some
    were handed out).

    A class repeats its variants (2,000 students x 10 problems: 12,176 distinct) and dumps() writes a problem
    as a block of lines at a fixed indentation, so equal problems are equal texts. No JSON string holds a
    line break, so a block ends at the first line that closes an object at its indentation; the blocks are
    cut out, each distinct one parsed alone, and the rest of the file parsed with a placeholder where each
    block was. Nothing is taken on trust: if the file is not laid out as dumps() writes it, a block is not
    one whole JSON object, or a placeholder does not come back exactly as an element of a sheet's problems,
    in order, the whole text is parsed as it is. The cutting works on the bytes (the markers are ASCII, which
    no multi-byte UTF-8 character contains): a decoded copy of a class's file would take twice its size
    again, since one character beyond Latin-1 (the prompts' partial-derivative sign) makes every character
    of the string two bytes wide."""
    cut = _cut_problems(raw)
    if cut is not None:
        data = _fill_problems(*cut, on_problems)
        if data is not None:
            return data
    return json.loads(raw.decode("utf-8"))


def _cut_problems(text: bytes) -> tuple[bytes, list[bytes], str] | None:
    """The text with each problem block replaced by a placeholder string, the blocks in order, and the
    placeholders' prefix (random, so that no text in the file can pass for one); None for another layout."""
    tag = secrets.token_hex(16)
    mark = tag.encode()
    pieces: list[bytes] = []
    blocks: list[bytes] = []
    pos = 0
    while (at := text.find(_SHEET_PROBLEMS, pos)) >= 0:
        start = at + len(_SHEET_PROBLEMS)
        pieces.append(text[pos:start])
        while True:
            if not text.startswith(_PROBLEM_OPEN, start):
                return None
            end = text.find(_PROBLEM_CLOSE, start)
            if end < 0:
                return None
            end += len(_PROBLEM_CLOSE)
            pieces.append(b'"%s%d"' % (mark, len(blocks)))
            blocks.append(text[start + len(_PROBLEM_OPEN) - 1 : end])  # from its "{"
            if text.startswith(b",\n", end):
                pieces.append(b",\n")
                start = end + 2
            elif text.startswith(_PROBLEMS_CLOSE, end):
                pos = end
                break
            else:
                return None
    pieces.append(text[pos:])
    return b"".join(pieces), blocks, tag


def _fill_problems(skeleton: bytes, blocks: list[bytes], tag: str, on_problems: Heard | None = None) -> Any:
    """json.loads of the cut text with each placeholder replaced by its block's value (one dict for equal
    blocks), on_problems told the distinct values in runs as they are parsed; None if a block is not one
    JSON object or the placeholders are not all, in order, elements of the sheets' problems."""
    try:
        data = json.loads(skeleton)
    except (ValueError, RecursionError):
        return None
    students = data.get("students") if isinstance(data, dict) else None
    if not isinstance(students, list):
        return None
    parsed: dict[bytes, dict[str, Any]] = {}
    fresh: list[dict[str, Any]] = []  # parsed and not yet handed out
    found = 0
    for sheet in students:
        problems = sheet.get("problems") if isinstance(sheet, dict) else None
        if not isinstance(problems, list):
            continue
        for i, item in enumerate(problems):
            if not (type(item) is str and item.startswith(tag)):
                continue  # not cut out: parsed where it is
            if found == len(blocks) or item != f"{tag}{found}":
                return None
            block = blocks[found]
            value = parsed.get(block)
            if value is None:
                try:
                    value = parsed[block] = json.loads(block)  # starts with "{": a dict if it is one value
                except (ValueError, RecursionError):
                    return None
                if on_problems is not None:
                    fresh.append(value)
                    if len(fresh) == HAND_OUT:
                        on_problems(fresh)
                        fresh = []
            problems[i] = value
            found += 1
    if found != len(blocks):
        return None
    if fresh and on_problems is not None:
        on_problems(fresh)
    return data


def read(
    path: str | Path,
    *,
    verify_bank: bool = True,
    on_problems: Heard | None = None,
) -> Manifest:
    """Read and verify a manifest: checksum, quizgen version, and the bank's sha256 when the bank is present.

    on_problems, when given, hears the distinct problems as JSON data (dicts as in the file, each once, in
    runs of HAND_OUT) as they are parsed, before anything is verified or built: a head start for work that
    is a pure function of them and only saves time (the checker's workers reading the keys), since the
    manifest may still be refused. It must not raise. It may not hear every problem: none when the file is
    not laid out as dumps() writes it.

    Raises:
        ManifestError: with a one-line message naming the file and what to do.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ManifestError(f"{p}: no such manifest; run `quizgen generate ... --out DIR` first") from None
    except OSError as exc:
        raise ManifestError(f"{p}: cannot read manifest ({exc.strerror})") from None
    try:
        with no_collections():  # hundreds of thousands of dicts and lists, all kept
            _check_utf8(raw)
            data = _loads(raw, on_problems)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: also a 5,000-digit number
        reason = (
            "nested too deeply"
            if isinstance(exc, RecursionError)
            else str(exc)
            if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError))
            else "a number too long to read"
        )
        raise ManifestError(f"{p}: not a quizgen manifest (invalid JSON: {reason}); regenerate it") from None
    if not isinstance(data, dict) or CHECKSUM_KEY not in data:
        raise ManifestError(f"{p}: not a quizgen manifest (no checksum); regenerate it with quizgen generate")
    claimed = data.pop(CHECKSUM_KEY)
    if not _checksum_matches_fast(raw, claimed) and hashlib.sha256(_body(data).encode("utf-8")).hexdigest() != claimed:
        raise ManifestError(
            f"{p}: the manifest was edited after it was generated (checksum mismatch); "
            "regenerate it with quizgen generate instead of editing it"
        )
    version = data.get("quizgen_version")
    if version != __version__:
        raise ManifestError(
            f"{p}: made by quizgen {version}, but this is quizgen {__version__}; "
            f"regrade with quizgen {version} or regenerate the manifest"
        )
    try:
        with no_collections():  # a Problem, its Steps and Mistakes for every student: all kept
            manifest = Manifest.from_dict(data)
    except (KeyError, TypeError) as exc:
        raise ManifestError(f"{p}: manifest is missing a field ({exc}); regenerate it") from None
    if manifest.bank.text and embedded_bank_sha256(manifest) != manifest.bank_sha256:
        raise ManifestError(f"{p}: the bank copy in the manifest does not match bank_sha256; regenerate the manifest")
    if verify_bank:
        bank_path = Path(manifest.bank.path)
        if not bank_path.is_absolute():
            bank_path = (p.parent / bank_path) if (p.parent / bank_path).exists() else resolve_bank(bank_path)
        if bank_path.exists():
            actual = hashlib.sha256(bank_path.read_bytes()).hexdigest()
            if actual != manifest.bank_sha256:
                raise ManifestError(
                    f"{p}: bank {manifest.bank.path} has changed since this manifest was generated "
                    "(bank_sha256 mismatch); grade with the original bank or regenerate"
                )
    return manifest
