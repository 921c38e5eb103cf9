"""Moodle responses report and Canvas student analysis imports: column mapping, identity, STACK cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from gradetools import grade_with_checker, make_manifest

from quizgen.grading.collect import collect
from quizgen.grading.lms import canvas_column_slots, lms_cell_text, moodle_response_text
from quizgen.grading.readers import read_answers

SLOTS = [1, 2, 3]


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buf.getvalue()


MOODLE_HEADER = [
    "Surname",
    "First name",
    "ID number",
    "Email address",
    "State",
    "Started on",
    "Completed",
    "Time taken",
    "Grade/6.00",
    "Question 1",
    "Response 1",
    "Right answer 1",
    "Question 2",
    "Response 2",
    "Right answer 2",
    "Question 3",
    "Response 3",
    "Right answer 3",
]


def moodle_row(surname: str, idnumber: str, email: str, r1: str, r2: str, r3: str) -> list[str]:
    return [
        surname,
        "X",
        idnumber,
        email,
        "Finished",
        "1 May 2026  10:00 AM",
        "1 May 2026  10:20 AM",
        "20 mins",
        "3.00",
        "Find d/dx ...",
        r1,
        "...",
        "Find the gradient ...",
        r2,
        "...",
        "Find ...",
        r3,
        "1",
    ]


def test_moodle_responses_report_matches_students_by_idnumber_or_email(tmp_path: Path) -> None:
    rows = [
        MOODLE_HEADER,
        moodle_row("Lovelace", "", "ADA@uni.edu", "2*cos(2*x)", "[2y, 2x]", "1"),
        moodle_row("Borel", "s2", "", "-", "ans1: [3*y, 3*x] [score]", "0"),
        moodle_row("Nobody", "zz9", "zz@uni.edu", "1", "-", "-"),
        ["Overall average", "", "", "", "", "", "", "", "2.50"] + [""] * 9,
    ]
    path = tmp_path / "moodle.csv"
    path.write_text(csv_text(rows), encoding="utf-8", newline="")
    result = read_answers(path, SLOTS)
    assert result.shape == "Moodle responses"
    submissions, issues = collect(make_manifest(), [result])
    got = {(s.sheet.student_id, s.problem.slot): s.text for s in submissions}
    assert got[("s1", 1)] == "2*cos(2*x)"  # matched by email, case-insensitively
    assert got[("s1", 2)] == "[2y, 2x]"
    assert got[("s2", 1)] == ""  # "-" is Moodle's "no response"
    # A STACK answer is for an exported variant; with no Ref and no bank to match its note, it is reported.
    assert got[("s2", 2)] == ""
    (stack,) = [i for i in issues if i.kind == "unknown_problem"]
    assert (stack.line, stack.student_id, stack.problem) == (3, "s2", "Response 2")
    assert "'[3*y, 3*x]'" in stack.detail
    unknown = [i for i in issues if i.kind == "unknown_student"]
    assert [(i.line, i.student_id) for i in unknown] == [(4, "zz9")]
    # The other columns have no Ref and no marker: graded by position against the own sheet, and said so.
    guessed = [(i.line, i.problem) for i in issues if i.kind == "guessed_problem"]
    assert guessed == [(1, "Response 1"), (1, "Response 2"), (1, "Response 3")]
    assert {i.kind for i in issues} == {
        "unknown_student",
        "unknown_problem",
        "missing",
        "blank",
        "absent",
        "guessed_problem",
    }


def test_moodle_without_identity_columns_is_reported(tmp_path: Path) -> None:
    header = ["Surname", "First name", "State", "Response 1"]
    path = tmp_path / "m.csv"
    path.write_text(csv_text([header, ["A", "B", "Finished", "2x"]]), encoding="utf-8", newline="")
    result = read_answers(path, SLOTS)
    assert result.answers == []
    assert "show user identity fields" in result.issues[0].detail


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("-", ""),
        ("2x", "2x"),
        ("Seed: 1234; ans1: 3*x^2 [score]; prt1: # = 1 | prt1-1-T", "3*x^2"),
        ("ans1: 2*y [valid]; ans2: 2*x [valid]; prt1: # = 0", "[2*y, 2*x]"),
    ],
)
def test_moodle_response_cells(cell: str, text: str) -> None:
    assert moodle_response_text(cell) == text


CANVAS_HEADER = [
    "name",
    "id",
    "sis_id",
    "section",
    "section_id",
    "section_sis_id",
    "submitted",
    "attempt",
    "9001: Find d/dx of sin(2x).",
    "2.0",
    "9002: Find the gradient, a vector",
    "3.0",
    "9003: Find d/dx",
    "1.0",
    "n correct",
    "n incorrect",
    "score",
]


def test_canvas_student_analysis_maps_columns_by_position_and_students_by_sis_or_canvas_id(tmp_path: Path) -> None:
    rows = [
        CANVAS_HEADER,
        [
            "Lovelace, Ada",
            "101",
            "",
            "A",
            "1",
            "",
            "2026-05-01 10:00:00 UTC",
            "1",
            "cos(2x)*2",
            "0.0",
            "[2y,2x]",
            "0.0",
            "1",
            "0.0",
            "0",
            "0",
            "0",
        ],
        [
            "Borel, Emile",
            "",
            "SIS2",
            "A",
            "1",
            "",
            "2026-05-01",
            "1",
            "cos(3x)",
            "0.0",
            "",
            "0.0",
            "1",
            "0.0",
            "0",
            "0",
            "0",
        ],
    ]
    path = tmp_path / "canvas.csv"
    path.write_text(csv_text(rows), encoding="utf-8", newline="")
    result = read_answers(path, SLOTS)
    assert result.shape == "Canvas student analysis"
    submissions, issues = collect(make_manifest(), [result])
    got = {(s.sheet.student_id, s.problem.slot): s.text for s in submissions}
    assert got[("s1", 1)] == "cos(2x)*2" and got[("s1", 2)] == "[2y,2x]" and got[("s1", 3)] == "1"
    assert got[("s2", 1)] == "cos(3x)" and got[("s2", 2)] == ""
    assert [i.kind for i in issues if i.student_id == "s2"] == ["blank"]
    guessed = [i.problem for i in issues if i.kind == "guessed_problem"]
    assert guessed == ["9001: Find d/dx of sin(2x).", "9002: Find the gradient, a vector", "9003: Find d/dx"]


def test_canvas_question_groups_map_blocks_of_variant_columns() -> None:
    # Two variants per slot, in slot order: each block of two columns is one slot.
    assert canvas_column_slots(["a", "b", "c", "d", "e", "f"], SLOTS) == [1, 1, 2, 2, 3, 3]
    # A marker in the text wins over position.
    assert canvas_column_slots(["[slot 3] a", "[slot 1] b", "[slot 2] c"], SLOTS) == [3, 1, 2]
    assert canvas_column_slots(["a", "b", "c", "d"], SLOTS) == [1, 2, 3, None]


def test_canvas_unseen_variant_columns_do_not_count_as_duplicates(tmp_path: Path) -> None:
    header = CANVAS_HEADER[:8] + ["1: v1", "2.0", "2: v2", "2.0", "n correct", "n incorrect", "score"]
    rows = [header, ["Ada", "101", "SIS1", "A", "", "", "", "1", "", "0", "2cos(2x)", "2", "1", "0", "2"]]
    path = tmp_path / "c.csv"
    path.write_text(csv_text(rows), encoding="utf-8", newline="")
    submissions, issues = collect(make_manifest(), [read_answers(path, [1])])
    assert next(s.text for s in submissions if s.sheet.student_id == "s1") == "2cos(2x)"
    assert not [i for i in issues if i.kind == "duplicate"]


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("<p>\\(3 x^{2}\\)</p>", "3 x^{2}"),  # a Moodle multiple-choice option with MathJax delimiters
        ("$2x$", "2x"),
        ("\\[x y\\]", "x y"),
        ("<p>1(x &lt; y)</p>", "1(x < y)"),
        ("1(x<y)", "1(x<y)"),  # typed comparisons are not mistaken for HTML
        (" 2x ", " 2x "),
    ],
)
def test_lms_cells_lose_html_and_latex_delimiters(cell: str, text: str) -> None:
    assert lms_cell_text(cell) == text


# ---------------------------------------------------------------- a real Moodle 4.5 + STACK 4.11 attempt


def _shared_attempt() -> Path | None:
    """../shared/examples/moodle-stack-attempt beside the repository (a worktree may sit one level deeper)."""
    root = Path(__file__).resolve().parents[2]
    for base in (root, *root.parents):
        folder = base.parent / "shared" / "examples" / "moodle-stack-attempt"
        if (folder / "moodle-responses.csv").is_file():
            return folder
    return None


def test_regrading_a_real_moodle_stack_attempt_agrees_with_moodle_on_every_slot() -> None:
    """Moodle's own Responses CSV (old STACK notes without Ref, signum answers): same variant, same verdict."""
    import json

    from quizgen import manifest as manifest_mod
    from quizgen.bank import load_bank
    from quizgen.generate import generate_variants
    from quizgen.grading.variants import VariantBuilder

    folder = _shared_attempt()
    if folder is None:
        pytest.skip("../shared/examples/moodle-stack-attempt is not beside the repository")
    manifest = manifest_mod.read(folder / "manifest.json")
    expected = json.loads((folder / "moodle-grades.json").read_text(encoding="utf-8"))["slots"]
    read = read_answers(folder / "moodle-responses.csv", [p.slot for p in manifest.students[0].problems])
    from quizgen.grading.bank_source import resolve

    # this manifest predates embedded banks and names its bank by a path that is not beside it: --bank
    builder = VariantBuilder(manifest, folder, source=resolve(manifest, folder, folder / "demo.yaml"))
    subs, issues = collect(manifest, [read], variants=builder)
    assert issues == []
    bank = load_bank(folder / "demo.yaml")
    # The quiz held variant 1 of every slot (seed 11); each answer is graded against that variant.
    assert [s.problem for s in subs] == [generate_variants(bank, s.problem.slot, 1, seed=11)[0] for s in subs]
    (result,) = grade_with_checker(subs)
    got = {a.slot: (1 if a.outcome == "correct" else 0) for a in result.answers}
    assert got == {s["slot"]: s["moodle_fraction"] for s in expected}
    assert sum(got.values()) == 7


def _stack_report(tmp_path: Path, question: str, response: str) -> Path:
    header = [
        "Surname",
        "First name",
        "Email address",
        "State",
        "Grade/1.00",
        "Question 1",
        "Response 1",
        "Right answer 1",
    ]
    row = ["A", "Ada", "ada@uni.edu", "Finished", "1.00", question, response, ""]
    path = tmp_path / "stack.csv"
    path.write_text(csv_text([header, row]), encoding="utf-8", newline="")
    return path


def _one_slot_bank(tmp_path: Path):
    from quizgen.bank import load_bank
    from quizgen.generate import generate
    from quizgen.roster import Student

    (tmp_path / "bank.yaml").write_text(
        'title: "T"\ncourse: ""\ninstructions: ""\nseed: 5\nslots:\n'
        "  - {family: sum_rule, difficulty: 1, variables: [x, y], points: 1, ask: partial}\n",
        encoding="utf-8",
    )
    bank = load_bank(tmp_path / "bank.yaml")
    return bank, generate(bank, [Student("s1", "Ada", {"email": "ada@uni.edu"})], seed=9)


def test_stack_answer_is_graded_against_the_variant_its_old_note_names(tmp_path: Path) -> None:
    from quizgen.export.stack_xml import note_body
    from quizgen.generate import generate_variants
    from quizgen.grading.variants import VariantBuilder

    bank, manifest = _one_slot_bank(tmp_path)
    variant = generate_variants(bank, 1, 4, seed=9)[3]  # exported with the manifest's seed, variant 4
    assert variant != manifest.students[0].problems[0]
    note = note_body(variant).replace("&gt;", ">")  # Moodle's report shows the note as text
    path = _stack_report(tmp_path, note, f"Seed: 1; ans1: {variant.answer} [score]; prt1: # = 1")
    subs, issues = collect(manifest, [read_answers(path, [1])], variants=VariantBuilder(manifest, tmp_path))
    assert issues == [] and subs[0].problem == variant


@pytest.mark.parametrize(
    ("question", "why"),
    [
        ("\\(x + y\\) : \\(1\\)", "matches none of the first"),  # a note no variant of this bank has
        ("", "no question note"),  # the report was downloaded without question text
    ],
)
def test_stack_answer_whose_variant_cannot_be_identified_is_reported_not_graded(
    tmp_path: Path, question: str, why: str
) -> None:
    from quizgen.grading.variants import VariantBuilder

    _, manifest = _one_slot_bank(tmp_path)
    path = _stack_report(tmp_path, question, "Seed: 1; ans1: 2*x [score]; prt1: # = 0")
    subs, issues = collect(manifest, [read_answers(path, [1])], variants=VariantBuilder(manifest, tmp_path))
    assert subs[0].text == ""  # never graded against the student's own sheet
    (issue,) = [i for i in issues if i.kind == "unknown_problem"]
    assert why in issue.detail and "'2*x'" in issue.detail and issue.line == 2
