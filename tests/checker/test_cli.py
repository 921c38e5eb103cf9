"""quizgen check through click's CliRunner: the stable contract outside scripts rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli


def run(args: list[str], stdin: str | bytes | None = None):
    return CliRunner().invoke(cli, ["check", *args], input=stdin)


def test_single_readable() -> None:
    r = run(["2*x + 3*y", "3y+2x", "--var", "x", "--var", "y"])
    assert r.exit_code == 0
    assert r.output.splitlines() == ["correct", "interpreted as: 3*y + 2*x"]


def test_single_incorrect_and_invalid_say_why() -> None:
    r = run(["960*x**9", "-960x^9"])
    assert r.exit_code == 0 and r.output.startswith("incorrect\n") and "message: " in r.output
    r = run(["2*x", "2x +* 3"])
    assert r.exit_code == 0 and r.output.startswith("invalid\n") and "message: " in r.output
    assert r.output.splitlines()[-2:] == ["2x +* 3", "    ^"]  # the parser's caret under the problem


def test_single_json() -> None:
    r = run(["960*x**9", "15(2x^2)^4*4x", "--json"])
    data = json.loads(r.output)
    assert data["verdict"] == "correct" and data["interpreted"] == "15*(2*x^2)^4*4*x"
    assert set(data) >= {"verdict", "interpreted", "interpreted_latex", "message", "score", "diagnosis"}


def test_single_latex_and_timeout_options() -> None:
    r = run(["2*x/(x**2 + 1)", "\\frac{2x}{x^2+1}", "--latex", "--timeout", "1", "--json"])
    assert json.loads(r.output)["verdict"] == "correct"


def test_usage_errors_exit_non_zero() -> None:
    assert run([]).exit_code == 2
    assert run(["2*x"]).exit_code == 2
    assert run(["2*x", "2x", "--batch", "f.jsonl"]).exit_code == 2
    assert run(["2*x", "2x", "--out", "f.jsonl"]).exit_code == 2


BATCH = [
    json.dumps({"id": "a", "expected": "2*x + 3*y", "answer": "3y + 2x", "variables": ["x", "y"]}),
    "this is not json",
    json.dumps({"id": 7, "expected": "2*x + 3*y", "answer": "2x - 3y"}),
    json.dumps({"id": "c", "answer": "x"}),
    json.dumps(["not", "an", "object"]),
    json.dumps({"id": "d", "expected": ["2*x", "3*y**2"], "answer": "[3y^2, 2x]", "variables": ["x", "y"]}),
    json.dumps({"id": "e", "expected": "2*x", "answer": "2x +* 1"}),
]


def _rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_batch_stdin_to_stdout_one_line_per_input_in_order() -> None:
    r = run(["--batch", "-"], stdin="\n".join(BATCH) + "\n")
    assert r.exit_code == 0, r.output
    rows = _rows(r.output)
    assert [row["id"] for row in rows] == ["a", None, 7, "c", None, "d", "e"]
    assert [row["verdict"] for row in rows] == [
        "correct",
        "invalid",
        "incorrect",
        "invalid",
        "invalid",
        "incorrect",
        "invalid",
    ]
    assert "line 2" in rows[1]["message"] and "expected" in rows[3]["message"]
    assert rows[5]["diagnosis"] == "swapped_components"
    for row in rows:
        assert {"id", "verdict", "interpreted", "message"} <= set(row)


def test_batch_file_to_file(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(("\n".join(BATCH[:3]) + "\n").encode() + b"\xff\xfe\n")
    out = tmp_path / "out.jsonl"
    r = run(["--batch", str(src), "--out", str(out)])
    assert r.exit_code == 0 and r.output == ""
    rows = _rows(out.read_text())
    assert len(rows) == 4 and rows[3]["verdict"] == "invalid" and "UTF-8" in rows[3]["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]  # atomic, no leftovers


def test_batch_missing_file_is_one_line_error(tmp_path: Path) -> None:
    r = run(["--batch", str(tmp_path / "nope.jsonl")])
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "nope.jsonl" in r.output and "Traceback" not in r.output


def test_batch_empty_input_gives_empty_output() -> None:
    r = run(["--batch", "-"], stdin="")
    assert r.exit_code == 0 and r.output == ""


HOSTILE = [
    '{"id": ' + "9" * 5000 + ', "expected": "x", "answer": "x"}',
    '{"id": NaN, "expected": "x", "answer": "x"}',
    '{"id": "inf", "expected": "x", "answer": "x", "latex": Infinity}',
    '{"id": 1e999, "expected": "x", "answer": "x"}',
    '{"id": ' + "[" * 100_000 + "]" * 100_000 + ', "expected": "x", "answer": "x"}',
    '{"id": {"a": [1, {"b": -Infinity}]}, "expected": "x", "answer": "x"}',
    json.dumps({"id": "dup", "expected": "2*x", "answer": "2x", "variables": ["x", "x"]}),
    json.dumps({"id": {"nested": ["ok", 1]}, "expected": "2*x", "answer": "2x"}),
    json.dumps({"id": "fine", "expected": "2*x", "answer": "2x"}),
]


def test_hostile_lines_get_their_own_malformed_verdict_and_the_rest_are_checked() -> None:
    r = run(["--batch", "-"], stdin="\n".join(HOSTILE) + "\n")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert len(lines) == len(HOSTILE)
    # strict JSON: Python's parser would accept NaN/Infinity tokens, so refuse them explicitly
    rows = [json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} in the output")) for line in lines]
    assert [row["diagnosis"] for row in rows[:7]] == ["malformed_line"] * 7
    assert [row["id"] for row in rows[:6]] == [None] * 6
    assert "line 1: unusable JSON: a number with 5000 digits" in rows[0]["message"]
    assert "NaN" in rows[1]["message"] and "Infinity" in rows[2]["message"] and "too large" in rows[3]["message"]
    assert "nested too deeply" in rows[4]["message"]
    assert (
        rows[6]["id"] == "dup"
        and rows[6]["message"] == "line 7: \"variables\" lists 'x' twice; name each variable once"
    )
    assert (rows[7]["id"], rows[7]["verdict"]) == ('{"nested": ["ok", 1]}', "correct")
    assert (rows[8]["id"], rows[8]["verdict"]) == ("fine", "correct")


def test_a_variable_given_twice_is_a_usage_error() -> None:
    r = run(["2*x", "2x", "--var", "x", "--var", "x"])
    assert r.exit_code == 2
    assert "Error: --var x is given twice; name each variable of the problem once" in r.output
    assert "IndexError" not in r.output


def test_batch_never_writes_over_its_input(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(BATCH[0] + "\n", encoding="utf-8")
    for out in (str(src), str(tmp_path / "." / "in.jsonl")):
        r = run(["--batch", str(src), "--out", out])
        assert r.exit_code == 1
        assert r.output == f"Error: --out {out} is the --batch input; write the verdicts to another file\n"
    assert src.read_text(encoding="utf-8") == BATCH[0] + "\n"


def test_out_naming_a_folder_is_refused_not_written_as_a_file(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(BATCH[0] + "\n", encoding="utf-8")
    r = run(["--batch", str(src), "--out", f"{tmp_path / 'verdicts'}/"])
    assert r.exit_code == 1 and "is a folder; give a file name" in r.output
    assert not (tmp_path / "verdicts").exists()


def test_batch_definitions_field() -> None:
    lines = [
        json.dumps(
            {
                "id": 1,
                "expected": "Piecewise((x1, b + w1*x1 > 0), (0, True))",
                "answer": "x1 (z > 0)",
                "variables": ["w1", "x1", "b"],
                "definitions": {"z": "b + w1*x1"},
            }
        ),
        json.dumps(
            {
                "id": 2,
                "expected": "Piecewise((x1, b + w1*x1 > 0), (0, True))",
                "answer": "x1 (z > 0)",
                "variables": ["w1", "x1", "b"],
            }
        ),
        json.dumps({"id": 3, "expected": "x", "answer": "z", "definitions": {"z": 1}}),
        json.dumps({"id": 4, "expected": "x", "answer": "z", "definitions": ["z", "x"]}),
    ]
    r = run(["--batch", "-"], stdin="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    rows = _rows(r.output)
    assert rows[0]["verdict"] == "correct" and "with z = b + w1*x1" in rows[0]["interpreted"]
    assert rows[1]["verdict"] == "invalid"  # z is only a name when the line defines it
    assert [row["diagnosis"] for row in rows[2:]] == ["malformed_line", "malformed_line"]
    assert all('"definitions"' in row["message"] for row in rows[2:])


def test_unsure_and_a_rounded_decimal_travel_through_the_batch_output() -> None:
    lines = [
        {"id": "bump", "expected": "exp(u)", "answer": "exp(u) + exp(-(10^6 u)^2)", "variables": ["u"]},
        {"id": "third", "expected": "x/3", "answer": "0.333x", "variables": ["x"]},
        {"id": "short", "expected": "x/3", "answer": "0.33x", "variables": ["x"]},
    ]
    r = run(["--batch", "-", "--timeout", "20"], "\n".join(json.dumps(x) for x in lines) + "\n")
    assert r.exit_code == 0
    out = {row["id"]: row for row in map(json.loads, r.output.splitlines())}
    assert out["bump"]["verdict"] == "unsure" and out["bump"]["score"] == 0.0 and "person" in out["bump"]["message"]
    assert out["third"]["verdict"] == "correct" and "0.333 read as 1/3" in out["third"]["message"]
    assert out["short"]["verdict"] == "incorrect" and "too few digits" in out["short"]["message"]
