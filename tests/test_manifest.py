from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quizgen import __version__, manifest
from quizgen.errors import ManifestError
from quizgen.manifest import BankInfo, Manifest
from quizgen.problem import Mistake, Problem, Sheet, Step
from quizgen.resources import shipped_banks


def _manifest(bank_path: str = "banks/none.yaml", sha: str = "0" * 64) -> Manifest:
    problem = Problem(
        slot=1,
        family="sum_rule",
        difficulty=1,
        points=2.0,
        ask="partial",
        prompt_text="Find df/dx of f = x^2 + 3*x*y",
        prompt_latex=r"\frac{\partial f}{\partial x}",
        function="x**2 + 3*x*y",
        function_latex="x^{2} + 3 x y",
        variables=["x", "y"],
        wrt=["x"],
        point=None,
        answer="2*x + 3*y",
        answer_latex="2 x + 3 y",
        steps=[Step("Hold y constant.", "y = c")],
        mistakes=[Mistake("sign", "2*x - 3*y", "Check the sign.")],
    )
    sheet = Sheet("s1", "Zoë O'Brien", "ABCD2345", [problem], {"email": "z@example.org"})
    return Manifest(__version__, BankInfo("Quiz", "Course", "Do it.", bank_path), sha, 7, [sheet])


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    manifest.write(_manifest(), path)
    assert manifest.read(path) == _manifest()


def test_same_manifest_gives_same_bytes() -> None:
    assert manifest.dumps(_manifest()) == manifest.dumps(_manifest())


def test_hand_edited_manifest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(manifest.dumps(_manifest()).replace('"2*x + 3*y"', '"2*x"'), encoding="utf-8")
    with pytest.raises(ManifestError, match="edited after it was generated"):
        manifest.read(path)


def test_other_version_is_refused(tmp_path: Path) -> None:
    data = json.loads(manifest.dumps(_manifest()))
    data.pop("checksum")
    data["quizgen_version"] = "0.0.1"
    other = Manifest.from_dict(data)
    path = tmp_path / "manifest.json"
    path.write_text(manifest.dumps(other), encoding="utf-8")
    with pytest.raises(ManifestError, match=re.escape("made by quizgen 0.0.1")):
        manifest.read(path)


def test_changed_bank_is_refused(tmp_path: Path) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text("title: changed\n", encoding="utf-8")
    path = tmp_path / "manifest.json"
    manifest.write(_manifest(str(bank), "f" * 64), path)
    with pytest.raises(ManifestError, match="bank_sha256 mismatch"):
        manifest.read(path)


def test_a_shipped_bank_named_in_the_manifest_is_verified_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no file called "demo" here: the name means the shipped bank
    path = tmp_path / "manifest.json"
    manifest.write(_manifest("demo", "f" * 64), path)
    with pytest.raises(ManifestError, match="bank demo has changed since this manifest was generated"):
        manifest.read(path)
    manifest.write(_manifest("demo", hashlib.sha256(shipped_banks()["demo"].read_bytes()).hexdigest()), path)
    assert manifest.read(path).bank.path == "demo"


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b"\xff\xfe"])
def test_garbage_is_refused_with_one_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "manifest.json"
    path.write_bytes(content)
    with pytest.raises(ManifestError) as info:
        manifest.read(path)
    assert "\n" not in info.value.message and str(path) in info.value.message


def _utf8_error(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return str(exc)
    raise AssertionError("valid UTF-8")


@pytest.mark.parametrize(
    "bad", [b"\xff", b"\xed\xa0\x80", b"\xe2\x88"]
)  # a stray byte, a surrogate, a cut-off character
def test_a_manifest_that_is_not_utf8_is_refused_where_it_breaks(tmp_path: Path, bad: bytes) -> None:
    """UTF-8 is checked a megabyte at a time, apart from the reading: a bad byte in a manifest laid out as
    written, past the first megabyte, or cut at its boundary, is refused and named at its place in the file."""
    path = tmp_path / "manifest.json"
    written = manifest.dumps(_manifest()).encode()
    files = [written.replace(b"Hold y constant.", b"Hold y " + bad + b"constant.")]
    files += [b'{"a": "' + b"x" * (at - 7) + bad + b'"}' for at in (manifest.UTF8_CHUNK + 5, manifest.UTF8_CHUNK - 1)]
    for raw in files:
        path.write_bytes(raw)
        with pytest.raises(ManifestError) as info:
            manifest.read(path)
        reason = _utf8_error(raw)
        assert info.value.message == f"{path}: not a quizgen manifest (invalid JSON: {reason}); regenerate it"
    assert f"position {manifest.UTF8_CHUNK + 5}" in _utf8_error(files[1])


def test_missing_manifest_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="quizgen generate"):
        manifest.read(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ('{"a": ' + "9" * 5000 + "}", "a number too long to read"),
    ],
)
def test_hostile_manifest_json_is_a_one_line_error(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as info:
        manifest.read(path)
    assert info.value.message == f"{path}: not a quizgen manifest (invalid JSON: {reason}); regenerate it"


def test_definitions_round_trip_and_older_manifests_have_none(tmp_path: Path) -> None:
    m = _manifest()
    problem = m.students[0].problems[0]
    named = Problem(**{**problem.__dict__, "definitions": {"z": "b + w1*x1", "a": "Max(0, b + w1*x1)"}})
    m2 = Manifest(m.quizgen_version, m.bank, m.bank_sha256, m.seed, [Sheet("s1", "Zoë", "ABCD2345", [named])])
    path = tmp_path / "manifest.json"
    manifest.write(m2, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["students"][0]["problems"][0]["definitions"] == {"z": "b + w1*x1", "a": "Max(0, b + w1*x1)"}
    assert manifest.read(path).students[0].problems[0].definitions == named.definitions
    old = problem.to_dict()
    del old["definitions"]  # a manifest written before the field existed
    assert Problem.from_dict(old).definitions == {}


def test_a_graph_round_trips_and_problems_without_one_carry_no_key(tmp_path: Path) -> None:
    from quizgen.problem import Graph, GraphNode

    m = _manifest()
    problem = m.students[0].problems[0]
    assert "graph" not in problem.to_dict()  # other families' manifests keep their bytes
    graph = Graph(
        nodes=[
            GraphNode("x1", "input", "x1", "x_{1}", "x_{1}", [], "-3", "-3", "", "b"),
            GraphNode("z", "relu", "ReLU", r"\mathrm{ReLU}", "z", ["x1"], "", "", "a", ""),
        ],
        output="z",
    )
    drawn = Problem(**{**problem.__dict__, "graph": graph})
    path = tmp_path / "manifest.json"
    manifest.write(
        Manifest(m.quizgen_version, m.bank, m.bank_sha256, m.seed, [Sheet("s1", "Zoë", "ABCD2345", [drawn])]), path
    )
    data = json.loads(path.read_text(encoding="utf-8"))["students"][0]["problems"][0]["graph"]
    assert data["output"] == "z" and data["nodes"][1] == {
        "name": "z",
        "op": "relu",
        "label": "ReLU",
        "label_latex": r"\mathrm{ReLU}",
        "name_latex": "z",
        "inputs": ["x1"],
        "value": "",
        "value_latex": "",
        "value_part": "a",
        "gradient_part": "",
    }
    assert manifest.read(path).students[0].problems[0].graph == graph
    assert Problem.from_dict(problem.to_dict()).graph is None  # an older manifest reads without one


# NaN and the infinities drawn as often as any other leaf: st.floats() alone gives them rarely inside nested
# values (with 300 examples a writer that printed -inf as "Infinity" passed 7 seeds of 21; see
# docs/benchmarks.md, branch suiteboot)
_SPECIAL_FLOATS = st.sampled_from([math.nan, math.inf, -math.inf])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _SPECIAL_FLOATS | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)  # 300 before NaN and the infinities were drawn on purpose
@given(_JSON)
def test_the_manifest_writer_is_json_dumps_character_for_character(value: object) -> None:
    """dumps() writes with its own encoder (faster than json's pure-Python indent path): any JSON value,
    including NaN, infinities, empty containers, escapes and non-ASCII text, must come out as json's."""
    out: list[str] = []
    manifest._dump(value, "", out)
    assert "".join(out) == json.dumps(value, indent=2, ensure_ascii=False)


def test_a_problem_shared_by_students_is_written_in_full_for_each() -> None:
    one = _manifest()
    shared = one.students[0].problems[0]
    sheets = [Sheet(f"s{i}", "", f"V{i}", [shared, dataclasses.replace(shared, slot=2)]) for i in range(3)]
    many = dataclasses.replace(one, students=sheets)
    text = manifest.dumps(many)
    body = json.dumps(many.to_dict(), indent=2, ensure_ascii=False)
    assert text.startswith(body[:-2]) and json.loads(text)["students"][2]["problems"][0] == shared.to_dict()


def test_students_with_the_same_problem_share_one_object_when_read(tmp_path: Path) -> None:
    one = _manifest()
    shared = one.students[0].problems[0]
    other = dataclasses.replace(shared, slot=2, answer="2*x")
    sheets = [Sheet(f"s{i}", "", f"V{i}", [shared, other if i % 2 else dataclasses.replace(other)]) for i in range(4)]
    path = tmp_path / "manifest.json"
    manifest.write(dataclasses.replace(one, students=sheets), path)
    read = manifest.read(path)
    assert read == dataclasses.replace(one, students=sheets)
    firsts = {id(s.problems[0]) for s in read.students}
    seconds = {id(s.problems[1]) for s in read.students}
    assert len(firsts) == 1 and len(seconds) == 1 and firsts != seconds


def _same(text: str) -> None:
    """The sharing reader gives json.loads's value (compared as text: NaN is not equal to itself)."""
    assert json.dumps(manifest._loads(text.encode())) == json.dumps(json.loads(text))


# Problems are mostly small objects, as a sheet's are: the blocks the reader cuts out, often equal or of
# equal length (a reader that confused two of them is then seen); anything else now and then.
_PROBLEM = st.dictionaries(st.sampled_from("abc"), st.integers(0, 2) | st.text(max_size=2), max_size=2) | _JSON
_SHEET = st.fixed_dictionaries({"student_id": st.text(max_size=4), "problems": st.lists(_PROBLEM, max_size=3)})
_READ_ARGS = (st.lists(_SHEET, max_size=4), _JSON, st.sampled_from([None, 4, 0]))


@settings(max_examples=200, deadline=None)
@given(*_READ_ARGS)
@example([{"student_id": "", "problems": [{"a": 0}, {"a": 1}]}], None, None)  # two blocks of one length
def test_reading_with_shared_problems_gives_what_json_gives(
    sheets: list[object], stats: object, indent: int | None
) -> None:
    """Any sheets' problems (objects or not, empty, nested, with line breaks in strings), anything in stats,
    in dumps()'s layout (the one the reader cuts) and in another one: the same value as json.loads."""
    data = {"stats": stats, "students": sheets + [{"problems": [{"a": [1, {"b": "x\ny"}]}] * 2}]}
    _same(json.dumps(data, indent=2, ensure_ascii=False))
    _same(json.dumps(data, indent=indent, ensure_ascii=False))


def test_text_that_only_looks_like_a_sheets_problems_is_read_as_json_reads_it() -> None:
    mimic = {"stats": {"x": {"problems": [{"a": 1}]}}, "students": [{"problems": [{"a": 1}, {"a": 2}]}]}
    _same(json.dumps(mimic, indent=2))  # a problems list in stats, at a sheet's indentation
    twice = (
        '{\n  "students": [\n    {\n      "problems": [\n        {\n          "a": 1\n        }\n      ],\n'
        '      "problems": [\n        {\n          "a": 2\n        }\n      ]\n    }\n  ]\n}'
    )
    _same(twice)  # a key given twice: json keeps the last
    unclosed = '{\n  "students": [\n    {\n      "problems": [\n        {"a": [{\n        }]}\n      ]\n    }\n  ]\n}'
    _same(unclosed)  # a block that ends at a brace closing something else


def test_the_distinct_problems_are_heard_as_soon_as_parsed_even_from_a_manifest_then_refused(tmp_path: Path) -> None:
    one = _manifest()
    shared = one.students[0].problems[0]
    other = dataclasses.replace(shared, slot=2, answer="2*x")
    sheets = [Sheet(f"s{i}", "", f"V{i}", [shared, other]) for i in range(3)]
    path = tmp_path / "manifest.json"
    manifest.write(dataclasses.replace(one, students=sheets), path)
    heard: list[list[dict[str, object]]] = []
    assert manifest.read(path, on_problems=heard.append).students == sheets
    assert heard == [[shared.to_dict(), other.to_dict()]]  # each once, in order of first appearance

    heard.clear()
    path.write_text(path.read_text(encoding="utf-8").replace('"2*x"', '"3*x"'), encoding="utf-8")
    with pytest.raises(ManifestError, match="edited after it was generated"):
        manifest.read(path, on_problems=heard.append)
    assert [p["answer"] for p in heard[0]] == ["2*x + 3*y", "3*x"]  # only a head start: the error is as before


def test_the_distinct_problems_are_handed_out_in_runs_while_the_rest_are_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = _manifest()
    shared = one.students[0].problems[0]
    variants = [dataclasses.replace(shared, slot=2, answer=f"{k}*x") for k in range(5)]
    sheets = [Sheet(f"s{i}", "", f"V{i}", [shared, variants[i % 5]]) for i in range(8)]
    path = tmp_path / "manifest.json"
    manifest.write(dataclasses.replace(one, students=sheets), path)
    monkeypatch.setattr(manifest, "HAND_OUT", 2)
    heard: list[list[dict[str, object]]] = []
    assert manifest.read(path, on_problems=heard.append).students == sheets
    assert [len(run) for run in heard] == [2, 2, 2]
    assert [p for run in heard for p in run] == [p.to_dict() for p in [shared, *variants]]


def test_a_manifest_in_another_layout_is_read_without_handing_out_its_problems(tmp_path: Path) -> None:
    data = _manifest().to_dict()
    data[manifest.CHECKSUM_KEY] = hashlib.sha256(manifest._body(data).encode("utf-8")).hexdigest()
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # valid, but on one line
    heard: list[object] = []
    assert manifest.read(path, on_problems=heard.append) == _manifest()
    assert heard == []
