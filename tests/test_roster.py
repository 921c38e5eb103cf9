"""Roster CSV: student_id required, name optional, other columns kept; errors name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.errors import RosterError
from quizgen.roster import Student, numbered_students, read_roster


def _write(tmp_path: Path, data: bytes | str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_reads_ids_names_and_extra_columns_with_bom_and_crlf(tmp_path):
    path = _write(
        tmp_path, '\ufeffstudent_id,name,email\r\ns1,Ada Lovelace,ada@example.org\r\n\r\ns2,"Brontë, Emily",\r\n'
    )
    assert read_roster(path) == [
        Student("s1", "Ada Lovelace", {"email": "ada@example.org"}),
        Student("s2", "Brontë, Emily", {"email": ""}),
    ]


def test_name_column_is_optional_and_column_order_free(tmp_path):
    path = _write(tmp_path, "section,student_id\nA,42\n")
    assert read_roster(path) == [Student("42", "", {"section": "A"})]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "{p}: the roster is empty; it needs a header row with a student_id column"),
        ("  \n\n", "{p}: the roster is empty; it needs a header row with a student_id column"),
        ("id,name\n1,A\n", "{p}:1: no student_id column in the header (id, name); add a student_id column"),
        ("student_id,name\n", "{p}: the roster has a header but no students; add one row per student"),
        ("student_id,name,student_id\n1,a,1\n", "{p}:1: column 'student_id' appears twice; rename one"),
        ("student_id,name\n1,A\n2,B\n1,C\n", "{p}:4: duplicate student_id '1' (first on line 2); ids must be unique"),
        ("student_id,name\n1,A\n ,B\n", "{p}:3: blank student_id; give every row an id"),
        ("student_id\n1,extra\n", "{p}:2: 2 cells but the header has 1; fix the row"),
        (b"student_id,name\n1,Jos\xe9\n", "{p}:2: undecodable bytes (not UTF-8); save the roster as UTF-8 CSV"),
    ],
)
def test_errors_name_the_line(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert info.value.message == message.format(p=path)


def test_every_bad_row_is_reported(tmp_path):
    path = _write(tmp_path, "student_id,name\n1,a\n1,b\n\n ,c\n2,d\n")
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert info.value.message.splitlines() == [
        f"{path}:3: duplicate student_id '1' (first on line 2); ids must be unique",
        f"{path}:5: blank student_id; give every row an id",
    ]


def test_line_numbers_count_quoted_newlines(tmp_path):
    path = _write(tmp_path, 'student_id,name\n1,"two\nlines"\n1,x\n')
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert info.value.message.startswith(f"{path}:4: duplicate student_id '1'")


def test_missing_file(tmp_path):
    with pytest.raises(RosterError) as info:
        read_roster(tmp_path / "none.csv")
    assert info.value.message == f"{tmp_path / 'none.csv'}: no such roster file; check the path"


def test_numbered_students_are_zero_padded():
    assert [s.student_id for s in numbered_students(3)] == ["001", "002", "003"]
    assert numbered_students(1200)[0].student_id == "0001"


@pytest.mark.parametrize(
    "data",
    [
        'student_id,name\ns1,Ada\ns2,"Bronte, Emily\ns3,Carl\ns4,Dora\n',
        'student_id,name\ns1,Ada\ns2,"Bronte, Emily\ns3,Carl\ns4,Dora"\ns5,Eve\n',
        'student_id,name,email\ns1,Ada,a@x\ns2,"Bronte, Emily,b@x\ns3,Carl,c@x\ns4,"Dora",d@x\n',
    ],
)
def test_an_unterminated_quote_is_reported_not_merged_into_one_student(tmp_path, data):
    path = _write(tmp_path, data)
    with pytest.raises(RosterError) as info:
        read_roster(path)
    lines = info.value.message.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:3: a quote opened on this line is never closed")
    assert lines[0].endswith('s2,"Bronte, Emily') or lines[0].endswith('s2,"Bronte, Emily,b@x')


def test_semicolon_rosters_from_european_excel(tmp_path):
    path = _write(tmp_path, "student_id;name\ns1;Lovelace, Ada\n")
    assert read_roster(path) == [Student("s1", "Lovelace, Ada", {})]


def test_an_id_too_long_to_print_is_reported_with_its_line(tmp_path):
    path = _write(tmp_path, "student_id,name\ns1,Ada\n" + "9" * 5000 + ",Bo\n")
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert info.value.message == (
        f"{path}:3: student_id is 5,000 characters long; ids have at most 200 (is a column misplaced?)"
    )


def test_quote_problems_and_row_problems_are_listed_in_line_order(tmp_path):
    path = _write(tmp_path, 'student_id,name\ns1,Ada\ns1,Bo\ns2,"Cy\ns3,Dee\n')
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert [line.split(": ")[0] for line in info.value.message.splitlines()] == [f"{path}:3", f"{path}:4"]
