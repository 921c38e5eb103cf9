"""LMS response exports: a Moodle quiz "Responses" report and a Canvas quiz "Student Analysis" CSV.

Moodle (Quiz > Results > Responses > Download, CSV): one row per attempt with the user's name, the identity
fields the site shows (ID number, Email address, Username, ...), State, Started on, Completed, Time taken,
Grade/N, then "Question N" (what the student saw), "Response N" and "Right answer N" per quiz slot. A
response of "-" means no response. STACK responses look like "Seed: 3; ans1: 3*x^2 [score]; prt1: ...".
Students are matched to the manifest by those identity fields against the roster's extra columns.

Canvas (Quiz > Quiz Statistics > Student Analysis): name, id, sis_id, section, section_id, section_sis_id,
submitted, attempt, then per question a "<question id>: <question text>" column followed by its points
column, then "n correct", "n incorrect", "score". With question groups every variant has its own column and
a student's other variants are empty.

Question columns map to slots by a quizgen marker in the question text ("quizgen-s3", "[slot 3]",
"Problem 3:"), else by position: the k-th question is the k-th slot (Canvas: k-th block of equal size when
each slot has several variant columns). A Moodle STACK answer without a Ref is always for an exported
variant, so it carries its question note to identify the variant by (quizgen.grading.variants).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from quizgen.grading.labels import slot_from_text
from quizgen.grading.model import Issue, RawAnswer, ReadResult, Source, StudentKey, VariantRef
from quizgen.grading.variants import find_ref, note_ref

_MOODLE_RESPONSE = re.compile(r"^response_(\d+)$")
_MOODLE_QUESTION = re.compile(r"^question_(\d+)$")
_CANVAS_QUESTION = re.compile(r"^\s*(\d+)\s*:\s*(.*)$", re.DOTALL)

# Moodle identity column -> the name used in messages; values are looked up in the roster either way.
MOODLE_IDENTITY = (("id_number", "idnumber"), ("email_address", "email"), ("username", "username"))
CANVAS_IDENTITY = (("sis_id", "sis_id"), ("id", "canvas_id"), ("sis_login_id", "sis_login_id"))


def is_moodle_responses(norm_header: Sequence[str]) -> bool:
    return any(_MOODLE_RESPONSE.match(h) for h in norm_header) and (
        "surname" in norm_header or "first_name" in norm_header or "email_address" in norm_header
    )


def is_canvas_analysis(norm_header: Sequence[str]) -> bool:
    return "name" in norm_header and "sis_id" in norm_header and any(_CANVAS_QUESTION.match(h) for h in norm_header)


def _norm(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


_STACK_INPUT = re.compile(r"(?:^|;\s*)ans\d+\s*:\s*(.*?)\s*(?:\[(?:score|valid|invalid|blank)\])?\s*(?=;|$)")


_TAG = re.compile(r"</?(?:p|span|div|br|b|i|em|strong|code)\b[^>]*>", re.IGNORECASE)
_DELIMITED = re.compile(r"^(?:\\\((?P<a>.*)\\\)|\\\[(?P<b>.*)\\\]|\$\$(?P<c>.*)\$\$|\$(?P<d>.*)\$)$", re.DOTALL)


def lms_cell_text(cell: str) -> str:
    """An LMS cell as the answer to check: HTML wrappers and LaTeX delimiters (\\( \\), $ $) removed.

    A multiple-choice response is the chosen option's text, e.g. "<p>\\(3 x^{2}\\)</p>"; the checker
    reads the LaTeX inside. Text without those wrappers is returned unchanged.
    """
    value = cell.strip()
    if _TAG.search(value):
        value = html.unescape(_TAG.sub(" ", value)).strip()
    m = _DELIMITED.match(value)
    if m:
        value = next(g for g in m.groups() if g is not None).strip()
    return value if value != cell.strip() else cell


_STACK_PIECE = re.compile(
    r"(?:^|;\s*)ans(?P<n>\d+)\s*:\s*(?P<text>.*?)\s*(?:\[(?:score|valid|invalid|blank)\])?\s*(?=;|$)"
)
_CLOZE_PIECE = re.compile(r"^\s*[^\W\d_]+\s+(?P<n>\d+)\s*:\s?(?P<text>.*)$", re.DOTALL)
_CLOZE_SPLIT = re.compile(r";\s*(?=[^\W\d_]+\s+\d+\s*:)")


def stack_pieces(cell: str) -> tuple[tuple[int, str], ...]:
    """The inputs of a STACK response summary by number: "Seed: 1; ans1: 3 [score]; ans3: 1/2 [valid]; ..."
    gives ((1, "3"), (3, "1/2")). STACK leaves blank inputs out of the summary."""
    return tuple((int(m["n"]), m["text"]) for m in _STACK_PIECE.finditer(cell.strip()))


def cloze_pieces(cell: str) -> tuple[tuple[int, str], ...] | None:
    """The blanks of a Moodle cloze (embedded answers) response, "part 1: 3; part 2: ; part 3: -1/2" (the
    word is translated with the site's language), by number; None when the cell is not in that form."""
    chunks = _CLOZE_SPLIT.split(cell.strip())
    found = [_CLOZE_PIECE.match(chunk) for chunk in chunks]
    if not chunks or not all(found):
        return None
    return tuple((int(m["n"]), m["text"].strip()) for m in found if m)


def canvas_blank_pieces(cell: str) -> tuple[tuple[int, str], ...]:
    """A Canvas fill-in-multiple-blanks answer in the student analysis: the blanks' answers in order, joined
    by commas (a comma inside an answer written as "\\,")."""
    values, current, i = [], "", 0
    text = cell.strip()
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] == ",":
            current += ","
            i += 2
            continue
        if text[i] == ",":
            values.append(current.strip())
            current = ""
        else:
            current += text[i]
        i += 1
    values.append(current.strip())
    return tuple(enumerate(values, 1))


def part_of_ref(text: str, ref: VariantRef | None) -> str | None:
    """The part label after a variant id in a question text ("Ref: qg.b.1.s04.v002.c" -> "c"): the export of
    a format that asks each part as its own question (GIFT) names the part there."""
    if ref is None:
        return None
    m = re.search(re.escape(ref.text) + r"\.([A-Za-z][A-Za-z0-9_]*)\b", text)
    return m.group(1) if m and m.group(1) != "stack" else None


def is_stack_summary(cell: str) -> bool:
    """Whether a Moodle response cell is a STACK response summary ("Seed: 1; ans1: ... [score]; ...")."""
    return bool(re.search(r"(?:^|;\s*)ans\d+\s*:", cell.strip()))


def moodle_response_text(cell: str) -> str:
    """The answer typed, from a Moodle response cell: "-" is no response; STACK summaries are unpacked."""
    value = cell.strip()
    if value == "-":
        return ""
    if re.match(r"^Seed:\s*\d+\s*(?:;|$)", value) and not is_stack_summary(value):
        return ""  # a STACK attempt with every input blank: only the seed and the trees' "!" notes
    if is_stack_summary(value):
        parts = [m.group(1) for m in _STACK_INPUT.finditer(value)]
        if len(parts) == 1:
            return parts[0]
        if parts:
            return "[" + ", ".join(parts) + "]"
    return lms_cell_text(cell)


def read_moodle(
    path: Path,
    header: list[str],
    rows: Iterator[tuple[int, list[str]]],
    slots: Sequence[int],
    issues: list[Issue],
) -> ReadResult:
    norm = [_norm(h) for h in header]
    identity = [(norm.index(col), kind) for col, kind in MOODLE_IDENTITY if col in norm]
    name_cols = [norm.index(c) for c in ("first_name", "surname") if c in norm]
    responses = [(i, int(m.group(1))) for i, h in enumerate(norm) if (m := _MOODLE_RESPONSE.match(h))]
    questions = {int(m.group(1)): i for i, h in enumerate(norm) if (m := _MOODLE_QUESTION.match(h))}
    answers: list[RawAnswer] = []
    guessed: dict[int, tuple[str, int]] = {}  # question number -> (label, slot) mapped by position alone
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        name = " ".join(cells[i].strip() for i in name_cols).strip()
        if name.lower() == "overall average" or not identity:
            if not identity:
                issues.append(
                    Issue(
                        "unreadable_row",
                        str(path),
                        line,
                        name,
                        "",
                        "no identity column (ID number, Email address or Username); in the Moodle quiz "
                        "settings show user identity fields, then download again",
                    )
                )
                break
            continue
        key = StudentKey(tuple((kind, cells[i].strip()) for i, kind in identity), name)
        if not key.label:
            issues.append(Issue("unreadable_row", str(path), line, name, "", "no ID number, email or username"))
            continue
        for col, number in responses:
            question = cells[questions[number]] if number in questions else ""
            ref = find_ref(question)
            slot = ref.slot if ref else _moodle_slot(number, cells, questions, slots)
            label = header[col].strip()
            if slot is None:
                issues.append(
                    Issue(
                        "unmatched_column",
                        str(path),
                        line,
                        key.label,
                        label,
                        f"the quiz has more questions than the manifest's {len(slots)} problems",
                    )
                )
                continue
            if ref is None and is_stack_summary(cells[col]):
                # A STACK question is always an exported variant, never the student's own sheet: its
                # "Question N" cell is the question note, which identifies the variant (or it is reported).
                ref = note_ref(label, slot, question)
            text = moodle_response_text(cells[col])
            if ref is None and text.strip() and slot_from_text(question) is None:
                guessed.setdefault(number, (label, slot))
            cell = cells[col].strip()
            pieces = stack_pieces(cell) if is_stack_summary(cell) else cloze_pieces(cell)
            answers.append(
                RawAnswer(
                    Source(str(path), line), key, slot, part_of_ref(question, ref), text, label, ref, pieces=pieces
                )
            )
    issues.extend(_guessed_issue(path, label, slot) for _, (label, slot) in sorted(guessed.items()))
    return ReadResult(answers, issues, "Moodle responses")


def _guessed_issue(path: Path, label: str, slot: int) -> Issue:
    """One line per LMS question column graded against the students' own sheets by its position alone."""
    return Issue(
        "guessed_problem",
        str(path),
        1,
        "",
        label,
        f"no quizgen Ref and no problem marker in this question: its answers were graded as problem {slot}, by "
        "position, against each student's own sheet; if the quiz held exported variants, download the report "
        'with the question text, or mark the questions "Problem N:"',
    )


def _moodle_slot(number: int, cells: list[str], questions: dict[int, int], slots: Sequence[int]) -> int | None:
    if number in questions:
        marked = slot_from_text(cells[questions[number]])
        if marked is not None:
            return marked
    return slots[number - 1] if 1 <= number <= len(slots) else None


def read_canvas(
    path: Path,
    header: list[str],
    rows: Iterator[tuple[int, list[str]]],
    slots: Sequence[int],
    issues: list[Issue],
) -> ReadResult:
    norm = [_norm(h) for h in header]
    identity = [(norm.index(col), kind) for col, kind in CANVAS_IDENTITY if col in norm]
    name_col = norm.index("name")
    qcols = [(i, m.group(2)) for i, h in enumerate(header) if (m := _CANVAS_QUESTION.match(h))]
    refs: list[VariantRef | None] = [find_ref(text) for _, text in qcols]
    mapping = canvas_column_slots([text for _, text in qcols], slots)
    mapping = [ref.slot if ref else slot for ref, slot in zip(refs, mapping, strict=True)]
    for (col, _), slot in zip(qcols, mapping, strict=True):
        if slot is None:
            issues.append(
                Issue(
                    "unmatched_column",
                    str(path),
                    1,
                    "",
                    header[col].strip()[:80],
                    "cannot tell which problem this question column is; its answers were not graded",
                )
            )
    answers: list[RawAnswer] = []
    guessed: dict[int, tuple[str, int]] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        key = StudentKey(tuple((kind, cells[i].strip()) for i, kind in identity), cells[name_col].strip())
        if not key.label:
            issues.append(Issue("unreadable_row", str(path), line, cells[name_col].strip(), "", "no id or sis_id"))
            continue
        for (col, text), slot, ref in zip(qcols, mapping, refs, strict=True):
            if slot is None:
                continue
            answer = lms_cell_text(cells[col])
            label = header[col].strip()[:80]
            if ref is None and answer.strip() and slot_from_text(text) is None:
                guessed.setdefault(col, (label, slot))
            pieces = canvas_blank_pieces(cells[col]) if cells[col].strip() else None
            answers.append(
                RawAnswer(Source(str(path), line), key, slot, part_of_ref(text, ref), answer, label, ref, pieces=pieces)
            )
    issues.extend(_guessed_issue(path, label, slot) for _, (label, slot) in sorted(guessed.items()))
    return ReadResult(answers, issues, "Canvas student analysis")


def canvas_column_slots(texts: Sequence[str], slots: Sequence[int]) -> list[int | None]:
    """The slot of each Canvas question column: by marker, else by position (blocks of variants)."""
    marked = [slot_from_text(t) for t in texts]
    if texts and all(m is not None for m in marked):
        return marked
    n = len(texts)
    if slots and n and n % len(slots) == 0:
        per = n // len(slots)
        return [marked[i] if marked[i] is not None else slots[i // per] for i in range(n)]
    return [marked[i] if marked[i] is not None else (slots[i] if i < len(slots) else None) for i in range(n)]
