"""Read answers files of every supported shape into RawAnswers, reporting bad rows instead of stopping.

Shapes, detected from the content and header (never from the file name alone):
- long CSV: student_id, problem, answer (one row per answer);
- wide CSV: student_id, then one column per problem (q1, q2 ... or 1, 2 ...; a gradient as one vector
  cell or one column per component: q5.1/q5.2 or q5_x/q5_y);
- JSON (an array of records, or {"answers": [...]}) or JSONL (one record per line), records as in long CSV;
- a Moodle quiz "Responses" report and a Canvas quiz "Student Analysis" CSV (see quizgen.grading.lms);
- filled-in fillable PDF worksheets, one file or a folder of them (see quizgen.grading.pdfforms).

Only a file that cannot be read at all (missing, not text, no recognisable header) raises AnswerFileError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from quizgen.csvread import CsvProblem, csv_records, sniff_delimiter
from quizgen.errors import AnswerFileError
from quizgen.grading import lms, pdfforms
from quizgen.grading.labels import Label, parse_label
from quizgen.grading.model import Issue, RawAnswer, ReadResult, Source, StudentKey
from quizgen.jsonread import decode_error_reason, loads
from quizgen.manifest import Manifest

STUDENT_COLUMNS = ("student_id", "studentid", "student", "id", "sid", "student_number", "matriculation")
IDENTITY_COLUMNS = ("email", "email_address", "id_number", "idnumber", "username", "sis_id", "sis_user_id", "login_id")
"""Used when there is no student id column: the value is looked up in the roster's extra columns."""
PROBLEM_COLUMNS = ("problem", "slot", "question", "q", "problem_number")
ANSWER_COLUMNS = ("answer", "response", "value")
NAME_COLUMNS = ("name", "student_name", "full_name")
"""A name column is optional; it only helps suggest the right id for an unknown one."""


def norm_header(text: str) -> str:
    """Header cell in a canonical form: trimmed, lower case, runs of spaces and dashes as "_"."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def decode(path: Path) -> str:
    """The file's text: UTF-8 with or without BOM (UTF-16 with a BOM too), newlines left to the CSV reader."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AnswerFileError(f"{path}: no such answers file; check the path") from None
    except IsADirectoryError:
        raise AnswerFileError(f"{path}: is a folder, not an answers file; name the CSV or JSON files") from None
    except OSError as exc:
        raise AnswerFileError(f"{path}: cannot read answers file ({exc.strerror})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise AnswerFileError(f"{path}: not valid UTF-16 text; save it as CSV UTF-8") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AnswerFileError(
            f"{path}:{line}: not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8' and grade again"
        ) from None
    if "\x00" in text.split("\n", 1)[0]:  # a NUL further down costs its row only (reported by the reader)
        raise AnswerFileError(f"{path}: binary data (NUL bytes), not a CSV or JSON answers file")
    return text


def read_answers(path: str | Path, slots: Sequence[int], manifest: Manifest | None = None) -> ReadResult:
    """Read one answers file of any supported shape.

    Args:
        path: the file, or a folder of filled-in PDF worksheets.
        slots: the manifest's slot numbers in order, to map LMS "Response N" columns by position.
        manifest: needed for PDF worksheets, whose embedded student id and variant are checked against it.

    Raises:
        AnswerFileError: the file cannot be read at all.
    """
    p = Path(path)
    if manifest is not None and (p.is_dir() or pdfforms.looks_like_pdf(p)):
        return pdfforms.read_pdf_answers(p, manifest)
    text = decode(p)
    stripped = text.lstrip()
    if not stripped:
        raise AnswerFileError(f"{p}: the answers file is empty")
    if stripped[0] in "[{":
        return _read_json(p, text)
    return _read_csv(p, text, slots)


# ---------------------------------------------------------------- CSV


def _rows(path: Path, text: str, issues: list[Issue]) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on; a record that cannot be read becomes an issue."""
    problems: list[CsvProblem] = []
    for line, row in csv_records(text, problems, delimiter=sniff_delimiter(text)):
        _report(path, problems, issues)  # before the row, so issues stay in line order
        yield line, row
    _report(path, problems, issues)


def _report(path: Path, problems: list[CsvProblem], issues: list[Issue]) -> None:
    """Move the reader's problems into issues."""
    for p in problems:
        issues.append(Issue("unreadable_row", str(path), p.line, "", "", f"{p.message}: {p.text!r}"))
    problems.clear()


def _short(text: str, limit: int = 60) -> str:
    """A cell quoted in a message, cut short (a hostile cell can be a megabyte)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _find(header: list[str], names: Sequence[str]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _read_csv(path: Path, text: str, slots: Sequence[int]) -> ReadResult:
    issues: list[Issue] = []
    rows = _rows(path, text, issues)
    header_line, header = 0, None
    for line, row in rows:
        if any(cell.strip() for cell in row):
            header_line, header = line, row
            break
    if header is None:
        raise AnswerFileError(f"{path}: no header row; the first line must name the columns")
    norm = [norm_header(h) for h in header]
    if lms.is_moodle_responses(norm):
        return lms.read_moodle(path, header, rows, slots, issues)
    if lms.is_canvas_analysis(norm):
        return lms.read_canvas(path, header, rows, slots, issues)
    sid = _find(norm, STUDENT_COLUMNS)
    kind = "student_id"
    if sid is None and (sid := _find(norm, IDENTITY_COLUMNS)) is not None:
        kind = norm[sid]
    prob = _find(norm, PROBLEM_COLUMNS)
    ans = _find(norm, ANSWER_COLUMNS)
    name_col = _find(norm, NAME_COLUMNS)
    if sid is not None and prob is not None and ans is not None:
        return _read_long(path, rows, (sid, kind), prob, ans, len(header), issues, name_col)
    question_cols = [(i, parse_label(h)) for i, h in enumerate(header) if i != sid]
    question_cols = [(i, lab) for i, lab in question_cols if lab is not None]
    if sid is not None and question_cols:
        return _read_wide(path, header, rows, (sid, kind), question_cols, issues, name_col)
    raise AnswerFileError(
        f"{path}:{header_line}: header not recognised ({', '.join(h.strip() for h in header[:6])}); expected "
        "student_id,problem,answer (long), student_id,q1,q2,... (wide), or a Moodle/Canvas responses export"
    )


def _label(labels: dict[str, Label | None], text: str) -> Label | None:
    """parse_label(text), remembered in labels: a file repeats its few problem labels on every row."""
    if text in labels:
        return labels[text]
    label = labels[text] = parse_label(text)
    return label


def _cell(row: list[str], i: int | None) -> str:
    return row[i].strip() if i is not None and i < len(row) else ""


def _read_long(
    path: Path,
    rows: Iterator[tuple[int, list[str]]],
    student_col: tuple[int, str],
    prob: int,
    ans: int,
    width: int,
    issues: list[Issue],
    name_col: int | None = None,
) -> ReadResult:
    sid, kind = student_col
    answers: list[RawAnswer] = []
    file = str(path)
    labels: dict[str, Label | None] = {}
    students: dict[tuple[str, str], StudentKey] = {}  # one per student and name: a student has a row per answer
    for line, row in rows:
        if not "".join(row).strip():  # every cell blank
            continue
        if len(row) > width and ans == width - 1:
            # An unquoted comma inside the answer (max(x, 0)): the answer is the last column, so rejoin it.
            row = row[:ans] + [",".join(row[ans:])]
        if len(row) <= max(sid, prob, ans):
            issues.append(
                Issue(
                    "unreadable_row",
                    str(path),
                    line,
                    row[sid].strip() if len(row) > sid else "",
                    "",
                    f"expected {width} columns, found {len(row)}",
                )
            )
            continue
        student = row[sid].strip()
        label_text = row[prob].strip()
        if not student:
            issues.append(Issue("unreadable_row", file, line, "", label_text, "no student id in this row"))
            continue
        label = _label(labels, label_text)
        if label is None:
            issues.append(
                Issue(
                    "unknown_problem",
                    file,
                    line,
                    student,
                    label_text,
                    f"'{_short(label_text)}' is not a problem number; the answer {_short(row[ans])!r} was not graded",
                )
            )
            continue
        name = _cell(row, name_col)
        who = students.get((student, name))
        if who is None:
            who = students[(student, name)] = StudentKey(((kind, student),), name)
        answers.append(RawAnswer(Source(file, line), who, label.slot, label.component, row[ans], label_text))
    return ReadResult(answers, issues, "long CSV")


def _read_wide(
    path: Path,
    header: list[str],
    rows: Iterator[tuple[int, list[str]]],
    student_col: tuple[int, str],
    question_cols: list[tuple[int, Any]],
    issues: list[Issue],
    name_col: int | None = None,
) -> ReadResult:
    sid, kind = student_col
    answers: list[RawAnswer] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        student = row[sid].strip() if len(row) > sid else ""
        if not student:
            issues.append(Issue("unreadable_row", str(path), line, "", "", "no student id in this row"))
            continue
        if len(row) < len(header):
            issues.append(
                Issue(
                    "unreadable_row",
                    str(path),
                    line,
                    student,
                    "",
                    f"only {len(row)} of {len(header)} columns; the missing ones count as blank",
                )
            )
        elif len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            issues.append(
                Issue(
                    "unreadable_row",
                    str(path),
                    line,
                    student,
                    "",
                    f"{len(row)} cells but {len(header)} columns; the cells past the last column were ignored"
                    " (quote answers that contain commas)",
                )
            )
        source = Source(str(path), line)
        for i, label in question_cols:
            cell = row[i] if i < len(row) else ""
            answers.append(
                RawAnswer(
                    source,
                    StudentKey(((kind, student),), _cell(row, name_col)),
                    label.slot,
                    label.component,
                    cell,
                    header[i].strip(),
                )
            )
    return ReadResult(answers, issues, "wide CSV")


# ---------------------------------------------------------------- JSON


def _records(path: Path, text: str, issues: list[Issue]) -> Iterator[tuple[int, Any]]:
    """(line, record) from a JSON array, an object with "answers", or JSON Lines.

    JSON is read strictly (quizgen.jsonread: no NaN, no 5,000-digit numbers, no nesting past the limit).
    When the file does not decode as a whole, each record is decoded on its own, so a bad record is one
    issue and the records after it are still read.
    """
    first = len(text) - len(text.lstrip())
    if text[first] == "{" and text[_value_end(text, first) :].strip():
        yield from _json_lines(path, text, issues)
        return
    whole: ValueError | None
    try:
        data = loads(text)
    except ValueError as exc:  # decode record by record: a bad one costs only itself
        data, whole = None, exc
    else:
        whole = None
    if text[first] == "[":
        yield from _array_records(path, text, first, issues, data if isinstance(data, list) else None)
        return
    if whole is None and not (isinstance(data, dict) and isinstance(data.get("answers"), list)):
        yield text.count("\n", 0, first) + 1, data
        return
    key = text.find('"answers"')
    bracket = text.find("[", key) if key >= 0 else -1
    items = data.get("answers") if isinstance(data, dict) else None
    if bracket < 0 and items is not None:  # "answers" spelled with escapes: no line numbers to find
        yield from ((text.count("\n", 0, first) + 1, item) for item in items)
        return
    if bracket < 0:
        assert whole is not None  # a clean decode without an answers list was yielded above
        issues.append(
            Issue(
                "unreadable_row",
                str(path),
                _json_error_line(text, whole, first),
                "",
                "",
                f"{decode_error_reason(whole)}; nothing in this file was read",
            )
        )
        return
    yield from _array_records(path, text, bracket, issues, items)


def _json_lines(path: Path, text: str, issues: list[Issue]) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(text.split("\n"), start=1):  # not splitlines: U+2028 may sit in a string
        if not raw.strip():
            continue
        try:
            yield number, loads(raw)
        except ValueError as exc:
            issues.append(Issue("unreadable_row", str(path), number, "", "", decode_error_reason(exc)))


def _array_records(
    path: Path, text: str, bracket: int, issues: list[Issue], decoded: list[Any] | None = None
) -> Iterator[tuple[int, Any]]:
    """The elements of the array opening at text[bracket], with the line each starts on.

    decoded: the elements when the whole file decoded cleanly (the usual case: one fast decode, the scan
    only finds the lines); otherwise each element is decoded on its own.
    """
    line, counted = 1, 0  # lines counted incrementally: big files stay linear
    pos = bracket + 1
    index = 0
    while True:
        match = _SEPARATORS.match(text, pos)
        pos = match.end() if match else pos
        if pos >= len(text) or text[pos] == "]":
            return
        line += text.count("\n", counted, pos)
        counted = pos
        end = _value_end(text, pos)
        if decoded is not None and index < len(decoded):
            yield line, decoded[index]
            index += 1
            pos = end
            continue
        try:
            yield line, loads(text[pos:end])
        except ValueError as exc:
            reason = decode_error_reason(exc)
            if isinstance(exc, json.JSONDecodeError):  # where in the file, not in the element
                at = pos + exc.pos
                column = at - text.rfind("\n", 0, at)
                reason = f"not valid JSON ({exc.msg} at line {line + text.count(chr(10), pos, at)} column {column})"
            tail = "; nothing from there on was read" if end >= len(text) else ""
            issues.append(Issue("unreadable_row", str(path), line, "", "", f"{reason}{tail}"))
            if tail:
                return
        pos = end


_SEPARATORS = re.compile(r"[\s,]*")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_SCALAR = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s,\]}]*')


def _value_end(text: str, pos: int) -> int:
    """Where the JSON value starting at text[pos] ends: brackets matched outside strings, in C-speed regex
    steps, without decoding (so a 100,000-deep value costs a scan, not a RecursionError). len(text) when
    it never closes."""
    if text[pos] not in "[{":
        match = _SCALAR.match(text, pos)
        return match.end() if match and match.end() > pos else pos + 1
    depth = 0
    for token in _TOKEN.finditer(text, pos):
        mark = token.group()
        if mark in "[{":
            depth += 1
        elif mark in "]}":
            depth -= 1
            if depth == 0:
                return token.end()
    return len(text)


def _json_error_line(text: str, exc: ValueError, first: int) -> int:
    return exc.lineno if isinstance(exc, json.JSONDecodeError) else text.count("\n", 0, first) + 1


def _kind(key: str) -> str:
    norm = norm_header(key)
    return "student_id" if norm in STUDENT_COLUMNS else norm


def _answer_text(value: Any) -> str | None:
    """A record's answer as text: strings as typed, numbers printed, a list as a vector; None if unusable."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return None


def _read_json(path: Path, text: str) -> ReadResult:
    issues: list[Issue] = []
    answers: list[RawAnswer] = []
    labels: dict[str, Label | None] = {}
    for line, record in _records(path, text, issues):
        if not isinstance(record, dict):
            issues.append(Issue("unreadable_row", str(path), line, "", "", "a record must be a JSON object"))
            continue
        keys = {norm_header(str(k)): k for k in record}
        sid_key = next((keys[k] for k in STUDENT_COLUMNS + IDENTITY_COLUMNS if k in keys), None)
        prob_key = next((keys[k] for k in PROBLEM_COLUMNS if k in keys), None)
        ans_key = next((keys[k] for k in ANSWER_COLUMNS if k in keys), None)
        student = str(record[sid_key]).strip() if sid_key is not None and record[sid_key] is not None else ""
        if sid_key is None or not student or prob_key is None or ans_key is None:
            issues.append(
                Issue("unreadable_row", str(path), line, student, "", "a record needs student_id, problem and answer")
            )
            continue
        label_text = str(record[prob_key]).strip()
        label = _label(labels, label_text)
        text_value = _answer_text(record[ans_key])
        if label is None:
            issues.append(
                Issue(
                    "unknown_problem",
                    str(path),
                    line,
                    student,
                    label_text,
                    f"'{_short(label_text)}' is not a problem number; the answer was not graded",
                )
            )
            continue
        if text_value is None:
            issues.append(
                Issue(
                    "unreadable_row",
                    str(path),
                    line,
                    student,
                    label_text,
                    "the answer must be a string, a number or a list of them",
                )
            )
            continue
        if "\x00" in text_value or "\x00" in student:  # as in CSV: binary data costs its record
            issues.append(
                Issue(
                    "unreadable_row",
                    str(path),
                    line,
                    student.replace("\x00", "\\0"),
                    label_text,
                    "binary data (a NUL byte); retype or remove this record",
                )
            )
            continue
        answers.append(
            RawAnswer(
                Source(str(path), line),
                StudentKey(((_kind(sid_key), student),)),
                label.slot,
                label.component,
                text_value,
                label_text,
            )
        )
    return ReadResult(answers, issues, "JSON")
