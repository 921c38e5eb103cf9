"""The one CSV reader behind rosters, answer files and LMS exports: a bad record costs only itself."""

from __future__ import annotations

import pytest

from quizgen.csvread import CsvProblem, csv_records, sniff_delimiter


def read(text: str, delimiter: str = ",") -> tuple[list[tuple[int, list[str]]], list[CsvProblem]]:
    problems: list[CsvProblem] = []
    return list(csv_records(text, problems, delimiter=delimiter)), problems


def test_records_keep_their_first_line_and_quoted_line_breaks() -> None:
    rows, problems = read('id,name,address\n1,"Ada, L.","12 Road\r\nLondon"\n\n2,Bo,x\n')
    assert rows == [
        (1, ["id", "name", "address"]),
        (2, ["1", "Ada, L.", "12 Road\r\nLondon"]),
        (4, []),
        (5, ["2", "Bo", "x"]),
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("text", "kept", "line", "message"),
    [
        # the quote is still open at the end of the file: today's silent merge of every later student
        ('id,name\n1,Ada\n2,"Bronte, Emily\n3,Carl\n4,Dora\n', ["1", "3", "4"], 3, "never closed; close it"),
        # a later quote closes it: the cell would swallow whole rows of their own
        (
            'id,name\n1,Ada\n2,"Bronte\n3,Carl\n4,Dora"\n5,Eve\n',
            ["1", "3", "4", "5"],
            3,
            "never closed (the cell runs on to line 5)",
        ),
        # junk after a later quote
        ('id,name\n1,"Ada\n2,"Bo"\n3,Cy\n', ["2", "3"], 2, "never closed"),
        # junk after a closing quote on the same line
        ('id,name\n1,"Ada"x\n2,Bo\n', ["2"], 2, "not valid CSV"),
        ("id,name\n1,A\x00da\n2,Bo\n", ["2"], 2, "binary data (a NUL byte)"),
    ],
)
def test_a_bad_record_is_reported_with_its_line_and_the_rest_is_read(
    text: str, kept: list[str], line: int, message: str
) -> None:
    rows, problems = read(text)
    assert [row[0] for _, row in rows[1:]] == kept
    assert len(problems) == 1 and problems[0].line == line and message in problems[0].message


def test_an_oversized_cell_is_one_problem() -> None:
    rows, problems = read("id,answer\n1," + "x" * 1_100_000 + "\n2,y\n")
    assert [r for _, r in rows] == [["id", "answer"], ["2", "y"]]
    assert problems[0].line == 2 and "longer than 1,000,000 characters" in problems[0].message
    assert len(problems[0].text) < 210


def test_delimiter_is_sniffed_from_the_header() -> None:
    assert sniff_delimiter("id;name\n1;a,b\n") == ";"
    assert sniff_delimiter("id\tname\n") == "\t"
    assert sniff_delimiter("id,name;x\n") == ","
    assert sniff_delimiter("student_id\n1\n") == ","
