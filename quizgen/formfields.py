"""Names and hidden values of the form fields in fillable worksheets (`quizgen generate --fillable`).

The one place both sides agree on: the renderer names each answer box with these, and grading reads the
filled-in PDF back with them. Every name is plain ASCII ([A-Za-z0-9+-]), so it is safe in LaTeX and in a
PDF field name (no periods, which would make a field hierarchy), and never holds "--", which hyperref
turns into an en dash:

    qg-<id>-s<slot>          the answer to problem <slot>
    qg-<id>-s<slot>-<k>      component k (1-based) of a gradient answered one line per component
    qg-<id>-s<slot>-p<label> part <label> of a multi-part problem ("4a" is qg-<id>-s4-pa)
    qg-<id>-meta             hidden, read-only: "quizgen-worksheet;1;<id>;<variant code>;<set>"

<id> is the student id with every character outside [A-Za-z0-9] written as +XX per UTF-8 byte, so it
reads back exactly and holds no "-" (the separator); a part's <label> (a letter, or a node's name such as
h1) is written the same way. <set> names the generate run (the bank's sha256
prefix and the seed), so a worksheet from another manifest is told apart from a student's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quizgen.manifest import Manifest
from quizgen.problem import Problem, Sheet

MAGIC = "quizgen-worksheet"
VERSION = "1"
_SAFE = re.compile(r"[A-Za-z0-9]")
_ENCODED = re.compile(r"(?:[A-Za-z0-9]|\+[0-9A-F]{2})+")
_ANSWER = re.compile(
    r"^qg-(?P<id>(?:[A-Za-z0-9]|\+[0-9A-F]{2})+)-s(?P<slot>\d{1,6})"
    r"(?:-(?P<comp>\d{1,3})|-p(?P<part>(?:[A-Za-z0-9]|\+[0-9A-F]{2}){1,64}))?$"
)
_META = re.compile(r"^qg-(?P<id>(?:[A-Za-z0-9]|\+[0-9A-F]{2})+)-meta$")


def encode_id(student_id: str) -> str:
    """The student id in field-name characters: [A-Za-z0-9] kept, every other byte as +XX."""
    return "".join(ch if _SAFE.fullmatch(ch) else "".join(f"+{b:02X}" for b in ch.encode("utf-8")) for ch in student_id)


def decode_id(encoded: str) -> str | None:
    """encode_id reversed; None when the text is not an encoded id."""
    if not _ENCODED.fullmatch(encoded):
        return None
    out = bytearray()
    i = 0
    while i < len(encoded):
        if encoded[i] == "+":
            out.append(int(encoded[i + 1 : i + 3], 16))
            i += 3
        else:
            out += encoded[i].encode("ascii")
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def answer_field(student_id: str, slot: int, component: int | None = None) -> str:
    """The field for a problem's answer, or for component (1-based) of a gradient."""
    name = f"qg-{encode_id(student_id)}-s{slot}"
    return name if component is None else f"{name}-{component}"


def part_field(student_id: str, slot: int, label: str) -> str:
    """The field for part <label> of a multi-part problem (the manifest's parts[].label, kept exactly)."""
    return f"qg-{encode_id(student_id)}-s{slot}-p{encode_id(label)}"


def row_fields(student_id: str, problem: Problem) -> list[str]:
    """The fields of a problem answered one line per row: a part each, or a gradient's component each."""
    if problem.parts:
        return [part_field(student_id, problem.slot, p.label) for p in problem.parts]
    if problem.ask == "gradient":
        return [answer_field(student_id, problem.slot, k) for k in range(1, len(problem.wrt) + 1)]
    return []


def problem_fields(student_id: str, problem: Problem) -> list[str]:
    """Every answer field of one problem on a fillable worksheet, in the order they appear."""
    return row_fields(student_id, problem) or [answer_field(student_id, problem.slot)]


def meta_field(student_id: str) -> str:
    return f"qg-{encode_id(student_id)}-meta"


def set_id(manifest: Manifest) -> str:
    """The generate run a worksheet belongs to: bank sha256 prefix and seed."""
    return f"{manifest.bank_sha256[:16]}-{manifest.seed}"


def meta_value(sheet: Sheet, manifest_set: str) -> str:
    return ";".join((MAGIC, VERSION, encode_id(sheet.student_id), sheet.variant, manifest_set))


@dataclass(frozen=True)
class AnswerField:
    student_id: str
    slot: int
    component: int | None  # 1-based, for a gradient answered one line per component
    part: str | None = None  # the part's label, for a part of a multi-part problem


@dataclass(frozen=True)
class Meta:
    """What a worksheet's hidden field says: whose sheet, which variant, which generate run."""

    student_id: str
    variant: str
    set_id: str


def parse_answer_field(name: str) -> AnswerField | None:
    m = _ANSWER.match(name)
    if m is None:
        return None
    sid = decode_id(m["id"])
    if sid is None:
        return None
    part = decode_id(m["part"]) if m["part"] else None
    if m["part"] and part is None:
        return None
    return AnswerField(sid, int(m["slot"]), int(m["comp"]) if m["comp"] else None, part)


def parse_meta_field(name: str) -> str | None:
    """The student id a meta field's name is for, or None."""
    m = _META.match(name)
    return decode_id(m["id"]) if m else None


def parse_meta_value(value: str) -> Meta | None:
    parts = value.split(";")
    if len(parts) != 5 or parts[0] != MAGIC or parts[1] != VERSION:
        return None
    sid = decode_id(parts[2])
    if sid is None:
        return None
    return Meta(sid, parts[3], parts[4])
