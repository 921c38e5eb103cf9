from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from quizgen.errors import AnswerFileError
from quizgen.grading.readers import read_answers

SLOTS = [1, 2, 3]


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def cells(result):  # (line, student, slot, component, text)
    return [(a.source.line, a.student.label, a.slot, a.component, a.text) for a in result.answers]


def test_long_csv_with_bom_crlf_quoted_commas_and_multiline_cells(tmp_path: Path) -> None:
    text = '\ufeffstudent_id,problem,answer\r\ns1,1,"max(x, 0)"\r\ns1,q2,"[2y,\r\n 2x]"\r\ns2,3,1\r\n'
    result = read_answers(write(tmp_path, "a.csv", text), SLOTS)
    assert result.shape == "long CSV"
    assert cells(result) == [
        (2, "s1", 1, None, "max(x, 0)"),
        (3, "s1", 2, None, "[2y,\r\n 2x]"),
        (5, "s2", 3, None, "1"),
    ]
    assert result.issues == []


def test_long_csv_unquoted_comma_in_last_column_is_rejoined(tmp_path: Path) -> None:
    result = read_answers(write(tmp_path, "a.csv", "student_id,problem,answer\ns1,1,max(x, 0)\n"), SLOTS)
    assert cells(result) == [(2, "s1", 1, None, "max(x, 0)")]


def test_long_csv_bad_rows_are_reported_with_line_and_the_rest_is_read(tmp_path: Path) -> None:
    text = 'student_id,problem,answer\ns1,1,"2x\ns2\n,1,3x\ns3,banana,4x\ns4,2,"5x"y\ns5,1,6x\n'
    result = read_answers(write(tmp_path, "a.csv", text), SLOTS)
    assert cells(result) == [(7, "s5", 1, None, "6x")]
    found = [(i.kind, i.line) for i in result.issues]
    assert found == [
        ("unreadable_row", 2),  # unclosed quote: only this line is lost
        ("unreadable_row", 3),  # too few columns
        ("unreadable_row", 4),  # no student id
        ("unknown_problem", 5),  # problem "banana"
        ("unreadable_row", 6),  # junk after a closing quote
    ]
    assert "'s1,1,\"2x'" in result.issues[0].detail
    assert "4x" in result.issues[3].detail  # the answer is quoted in the report, not lost


def test_wide_csv_with_vector_cells_and_component_columns(tmp_path: Path) -> None:
    text = "Student ID,Name,q1,q2.1,q2.2,Q3_x\ns1,Ada,2x,2y,2x,1\n"
    result = read_answers(write(tmp_path, "w.csv", text), SLOTS)
    assert result.shape == "wide CSV"
    assert cells(result) == [
        (2, "s1", 1, None, "2x"),
        (2, "s1", 2, 0, "2y"),
        (2, "s1", 2, 1, "2x"),
        (2, "s1", 3, "x", "1"),
    ]


def test_wide_csv_semicolons_and_short_rows(tmp_path: Path) -> None:
    result = read_answers(write(tmp_path, "w.csv", "student_id;1;2\ns1;2x\n\ns2;a;b;c\n"), SLOTS)
    assert cells(result) == [
        (2, "s1", 1, None, "2x"),
        (2, "s1", 2, None, ""),
        (4, "s2", 1, None, "a"),
        (4, "s2", 2, None, "b"),
    ]
    assert [(i.kind, i.line) for i in result.issues] == [("unreadable_row", 2), ("unreadable_row", 4)]


def test_json_array_records_keep_their_line_numbers(tmp_path: Path) -> None:
    text = (
        '[\n  {"student_id": "s1", "problem": 1, "answer": "2x"},\n'
        '  {"student_id": "s2", "problem": "q2", "answer": ["2y", "2x"]},\n'
        '  {"student_id": "s3", "problem": 3, "answer": 1.5},\n  7,\n  {"student_id": "s4"}\n]'
    )
    result = read_answers(write(tmp_path, "a.json", text), SLOTS)
    assert cells(result) == [(2, "s1", 1, None, "2x"), (3, "s2", 2, None, "[2y, 2x]"), (4, "s3", 3, None, "1.5")]
    assert [(i.kind, i.line) for i in result.issues] == [("unreadable_row", 5), ("unreadable_row", 6)]


def test_json_object_with_answers_key(tmp_path: Path) -> None:
    text = '{"answers": [{"student_id": "s1", "slot": 2, "answer": null}]}'
    assert cells(read_answers(write(tmp_path, "a.json", text), SLOTS)) == [(1, "s1", 2, None, "")]


def test_jsonl_bad_line_is_reported_and_others_read(tmp_path: Path) -> None:
    text = '{"student_id": "s1", "problem": 1, "answer": "2x"}\n{oops\n\n{"student_id": "s2", "problem": 1, "answer": "3x"}\n'
    result = read_answers(write(tmp_path, "a.jsonl", text), SLOTS)
    assert cells(result) == [(1, "s1", 1, None, "2x"), (4, "s2", 1, None, "3x")]
    assert [(i.kind, i.line) for i in result.issues] == [("unreadable_row", 2)]


def test_broken_json_array_element_costs_only_itself(tmp_path: Path) -> None:
    text = (
        '[{"student_id": "s1", "problem": 1, "answer": "2x"},\n {"student_id": "s2",,},\n'
        ' {"student_id": "s3", "problem": 1, "answer": "3x"}]'
    )
    result = read_answers(write(tmp_path, "a.json", text), SLOTS)
    assert cells(result) == [(1, "s1", 1, None, "2x"), (3, "s3", 1, None, "3x")]
    assert [(i.line, i.detail) for i in result.issues] == [
        (2, "not valid JSON (Expecting property name enclosed in double quotes at line 2 column 22)")
    ]


def test_json_array_that_never_closes_keeps_records_before_the_error(tmp_path: Path) -> None:
    text = '[{"student_id": "s1", "problem": 1, "answer": "2x"},\n {"student_id": "s2", "answer": [1, 2}\n'
    result = read_answers(write(tmp_path, "a.json", text), SLOTS)
    assert cells(result) == [(1, "s1", 1, None, "2x")]
    assert result.issues[0].line == 2 and "nothing from there on was read" in result.issues[0].detail


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"", "empty"),
        (b"student_id,problem,answer\ns1,1,caf\xe9\n", "not UTF-8"),
        (b"\x00\x01\x02binary", "binary"),
        (b"foo,bar\n1,2\n", "header not recognised"),
    ],
)
def test_unreadable_files_raise_one_line_errors(tmp_path: Path, content: bytes, phrase: str) -> None:
    with pytest.raises(AnswerFileError) as info:
        read_answers(write(tmp_path, "bad.csv", content), SLOTS)
    message = info.value.format_message()
    assert phrase in message and "\n" not in message and "bad.csv" in message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(AnswerFileError, match="no such answers file"):
        read_answers(tmp_path / "nope.csv", SLOTS)
    with pytest.raises(AnswerFileError, match="is a folder"):
        read_answers(tmp_path, SLOTS)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", "student_id,q1\ns1,é\n".encode("utf-16"))
    assert cells(read_answers(path, SLOTS)) == [(2, "s1", 1, None, "é")]


answer_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(st.integers(1, 3), answer_text), min_size=1, max_size=8),
    bom=st.booleans(),
    crlf=st.booleans(),
)
# Line breaks the draws rarely combine: Unicode's own separators before a multi-line quoted cell, so that a
# reader counting lines with str.splitlines (which also breaks at U+2028, U+0085...) checks the wrong lines
# for a swallowed record and refuses the cell, and a multi-line cell whose second line reads as a record.
@example(rows=[(1, "x\u2028y\x85z"), (2, "plain"), (3, "p\nq")], bom=False, crlf=False)
@example(rows=[(1, "a\u2029b\x0bc\x0cd\x1ce"), (2, "1\n2,3"), (1, "first\nsecond")], bom=True, crlf=True)
def test_any_answer_written_as_csv_is_read_back_exactly(tmp_path: Path, rows, bom: bool, crlf: bool) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["student_id", "problem", "answer"])
    for n, (slot, text) in enumerate(rows):
        writer.writerow([f"s{n}", slot, text])
    path = write(tmp_path, "h.csv", ("\ufeff" if bom else "") + buf.getvalue())
    result = read_answers(path, SLOTS)
    # Rows whose cells are all blank are skipped (an empty spreadsheet line); every other answer survives.
    assert [(a.student.label, a.slot, a.text) for a in result.answers] == [
        (f"s{n}", slot, text) for n, (slot, text) in enumerate(rows)
    ]
    assert result.issues == []


def test_without_a_student_id_column_an_email_column_identifies_students(tmp_path: Path) -> None:
    result = read_answers(write(tmp_path, "w.csv", "Email,q1\nada@uni.edu,2x\n"), SLOTS)
    assert [a.student.values for a in result.answers] == [(("email", "ada@uni.edu"),)]


def test_an_oversized_cell_is_one_unreadable_row(tmp_path: Path) -> None:
    text = "student_id,problem,answer\ns1,1," + "x+" * 600_000 + "x\ns2,1,2x\n"
    result = read_answers(write(tmp_path, "big.csv", text), SLOTS)
    assert cells(result) == [(3, "s2", 1, None, "2x")]
    assert [(i.kind, i.line) for i in result.issues] == [("unreadable_row", 2)]
    assert len(result.issues[0].detail) < 400


def test_jsonl_strings_may_hold_unicode_line_separators(tmp_path: Path) -> None:
    text = '{"student_id": "s1", "problem": 1, "answer": "2x\u2028+1"}\r\n{"student_id": "s2", "problem": 1, "answer": "3"}\r\n'
    assert cells(read_answers(write(tmp_path, "a.jsonl", text), SLOTS)) == [
        (1, "s1", 1, None, "2x\u2028+1"),
        (2, "s2", 1, None, "3"),
    ]


def test_large_json_array_keeps_every_line_number(tmp_path: Path) -> None:
    records = ",\n".join(f'{{"student_id": "s{i}", "problem": 1, "answer": "{i}x"}}' for i in range(20000))
    result = read_answers(write(tmp_path, "big.json", "[\n" + records + "\n]"), SLOTS)
    assert len(result.answers) == 20000 and result.answers[-1].source.line == 20001


HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("name", "text", "bad_lines", "phrases"),
    [
        (
            "a.csv",
            f'student_id,problem,answer\ns1,1,2x\ns2,2,2\x00x\ns3,1,"4x\ns4,1,{HUGE}\ns5,1,5x\n',
            [3, 4],
            ["binary data (a NUL byte)", "never closed"],
        ),
        (
            "a.jsonl",
            '{"student_id": "s1", "problem": 1, "answer": "2x"}\n'
            '{"student_id": "s2", "problem": 2, "answer": "2\\u0000x"}\n'
            '{"student_id": "s3", "problem": ' + HUGE + ', "answer": "x"}\n'
            '{"student_id": "s3", "problem": 1, "answer": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
            '{"student_id": "s3", "problem": 1, "answer": NaN}\n'
            '{"student_id": "s4", "problem": 1, "answer": "' + HUGE + '"}\n'
            '{"student_id": "s5", "problem": 1, "answer": "5x"}\n',
            [2, 3, 4, 5],
            ["NUL byte", "5000 digits", "nested too deeply", "NaN"],
        ),
    ],
)
def test_one_hostile_row_is_reported_and_the_rest_are_read(tmp_path: Path, name, text, bad_lines, phrases) -> None:
    result = read_answers(write(tmp_path, name, text), SLOTS)
    assert [(a.student.label, a.text) for a in result.answers] == [("s1", "2x"), ("s4", HUGE), ("s5", "5x")]
    assert [i.line for i in result.issues] == bad_lines
    for issue, phrase in zip(result.issues, phrases, strict=True):
        assert phrase in issue.detail and len(issue.detail) < 400


def test_json_array_with_a_hostile_element_keeps_the_others(tmp_path: Path) -> None:
    text = (
        '[\n {"student_id": "s1", "problem": 1, "answer": "2x"},\n'
        ' {"student_id": "s2", "problem": 1, "answer": ' + "[" * 100_000 + "]" * 100_000 + "},\n"
        ' {"student_id": "s3", "problem": 1, "answer": Infinity},\n'
        ' {"student_id": "s4", "problem": 1, "answer": "4x"}\n]'
    )
    result = read_answers(write(tmp_path, "a.json", text), SLOTS)
    assert [(a.source.line, a.student.label) for a in result.answers] == [(2, "s1"), (5, "s4")]
    assert [(i.line, i.detail) for i in result.issues] == [
        (3, "a value nested too deeply"),
        (4, "Infinity is not a JSON value"),
    ]


def test_a_moodle_export_with_an_unclosed_quote_reports_that_line(tmp_path: Path) -> None:
    text = (
        "Surname,First name,Email address,State,Grade/10.00,Response 1\n"
        'Lovelace,Ada,ada@x,Finished,1.00,"2x\n'
        "Bronte,Emily,emily@x,Finished,1.00,3x\n"
    )
    result = read_answers(write(tmp_path, "m.csv", text), SLOTS)
    assert [a.text for a in result.answers] == ["3x"]
    assert [(i.kind, i.line) for i in result.issues][:1] == [("unreadable_row", 2)]
    assert "never closed" in result.issues[0].detail
