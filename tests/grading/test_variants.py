"""LMS exports name the variant each student saw ("Ref: qg.<bank>.<seed>.s<slot>.v<n>"); grading rebuilds it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from quizgen import manifest as manifest_mod
from quizgen.bank import load_bank
from quizgen.generate import generate, generate_variants
from quizgen.grading.collect import collect
from quizgen.grading.readers import read_answers
from quizgen.grading.variants import VariantBuilder, find_ref
from quizgen.roster import Student
from quizgen.variantids import VariantId

pytestmark = pytest.mark.usefixtures("plots_drawn_once")  # its reports' plots: tests/conftest.py

BANK = """\
title: "Variants"
course: ""
instructions: ""
seed: 3
slots:
  - {family: sum_rule, difficulty: 1, variables: [x, y], points: 1, ask: partial}
  - {family: chain_single, difficulty: 1, variables: [x], points: 2}
"""


def test_find_ref_reads_padded_ids_inside_text() -> None:
    ref = find_ref("Find d/dx of 3x^2 ... Ref: qg.demo.42.s02.v007")
    assert ref is not None and (ref.slot, ref.variant, ref.seed) == (2, 7, 42)
    assert find_ref("Find d/dx") is None


def test_canvas_columns_with_refs_are_graded_against_the_variant_the_student_saw(tmp_path: Path) -> None:
    (tmp_path / "bank.yaml").write_text(BANK, encoding="utf-8")
    bank = load_bank(tmp_path / "bank.yaml")
    students = [Student("s1", "Ada", {"sis_user_id": "SIS1"}), Student("s2", "Bo", {"sis_user_id": "SIS2"})]
    manifest = generate(bank, students, seed=9)
    manifest_mod.write(manifest, tmp_path / "manifest.json")
    variants = generate_variants(bank, 2, 4, seed=77)
    ids = [str(VariantId("bank", 77, 2, v)) for v in (1, 2, 3, 4)]
    header = [
        "name",
        "id",
        "sis_id",
        "section",
        "section_id",
        "section_sis_id",
        "submitted",
        "attempt",
        "10: Find d/dx Ref: " + str(VariantId("bank", 77, 1, 1)),
        "1.0",
    ]
    for n, vid in enumerate(ids):
        header += [f"{20 + n}: Find d/dx ... Ref: {vid}", "2.0"]
    header += ["n correct", "n incorrect", "score"]
    row1 = [
        "Ada",
        "1",
        "SIS1",
        "",
        "",
        "",
        "",
        "1",
        "",
        "0",
        "",
        "0",
        "",
        "0",
        variants[2].answer,
        "2",
        "",
        "0",
        "1",
        "0",
        "2",
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, row1])
    (tmp_path / "canvas.csv").write_text(buf.getvalue(), encoding="utf-8")

    read = read_answers(tmp_path / "canvas.csv", [1, 2])
    subs, issues = collect(manifest, [read], variants=VariantBuilder(manifest, tmp_path))
    ada = {s.problem.slot: s for s in subs if s.sheet.student_id == "s1"}
    assert ada[2].text == variants[2].answer
    assert ada[2].problem == variants[2]  # the third variant, not Ada's own generated sheet
    assert ada[2].problem != manifest.students[0].problems[1]
    assert not [i for i in issues if i.kind in ("duplicate", "unknown_problem")]


def _moodle_file(tmp_path: Path, ref: str, answer: str) -> Path:
    header = ["Surname", "First name", "ID number", "Question 1", "Response 1", "Question 2", "Response 2"]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, ["A", "B", "s1", f"Ref: {ref}", answer, "q", "-"]])
    (tmp_path / "m.csv").write_text(buf.getvalue(), encoding="utf-8")
    return tmp_path / "m.csv"


def test_a_moved_manifest_rebuilds_variants_from_its_embedded_bank(tmp_path: Path) -> None:
    (tmp_path / "bank.yaml").write_text(BANK, encoding="utf-8")
    bank = load_bank(tmp_path / "bank.yaml")
    manifest_mod.write(generate(bank, [Student("s1", "Ada", {})], seed=9), tmp_path / "manifest.json")
    elsewhere = tmp_path / "other-machine"
    elsewhere.mkdir()
    (tmp_path / "manifest.json").rename(elsewhere / "manifest.json")
    (tmp_path / "bank.yaml").unlink()  # the bank is gone: the manifest carries its text
    manifest = manifest_mod.read(elsewhere / "manifest.json")
    assert manifest.bank.text == BANK
    variant = generate_variants(bank, 1, 2, seed=5)[1]
    subs, issues = collect(
        manifest,
        [read_answers(_moodle_file(elsewhere, "qg.bank.5.s01.v002", "2x"), [1, 2])],
        variants=VariantBuilder(manifest, elsewhere),
    )
    assert subs[0].problem == variant and subs[0].text == "2x"
    assert not [i for i in issues if i.kind == "unknown_problem"]


def test_an_old_manifest_without_its_bank_reports_the_answer_and_names_the_bank_option(tmp_path: Path) -> None:
    from dataclasses import replace

    (tmp_path / "bank.yaml").write_text(BANK, encoding="utf-8")
    manifest = generate(load_bank(tmp_path / "bank.yaml"), [Student("s1", "Ada", {})], seed=9)
    old = replace(manifest, bank=replace(manifest.bank, text=""))  # as written before banks were embedded
    (tmp_path / "bank.yaml").unlink()
    subs, issues = collect(
        old,
        [read_answers(_moodle_file(tmp_path, "qg.bank.5.s01.v002", "2x"), [1, 2])],
        variants=VariantBuilder(old, tmp_path),
    )
    bad = [i for i in issues if i.kind == "unknown_problem"]
    assert len(bad) == 1 and "--bank" in bad[0].detail and "'2x'" in bad[0].detail
    assert [s.text for s in subs] == ["", ""]  # never graded against the wrong key


def test_moodle_round_trip_through_quizgen_export(tmp_path: Path) -> None:
    """Export to Moodle XML, simulate the responses report Moodle gives back, grade each student's variant."""
    from click.testing import CliRunner
    from lxml import etree

    from quizgen.cli import cli

    (tmp_path / "bank.yaml").write_text(BANK, encoding="utf-8")
    bank = load_bank(tmp_path / "bank.yaml")
    students = [Student("s1", "Ada", {"email": "ada@uni.edu"}), Student("s2", "Bo", {"email": "bo@uni.edu"})]
    manifest = generate(bank, students, seed=9)
    manifest_mod.write(manifest, tmp_path / "manifest.json")
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "--bank",
            str(tmp_path / "bank.yaml"),
            "--format",
            "moodle",
            "--variants",
            "3",
            "--out",
            str(tmp_path / "quiz.xml"),
        ],
    )
    assert result.exit_code == 0, result.output
    texts = {}
    for q in etree.parse(str(tmp_path / "quiz.xml")).iter("question"):
        idnumber = q.findtext("idnumber")
        html_text = q.findtext("questiontext/text")
        if idnumber and html_text:  # Moodle's report shows the question text as plain text
            texts[idnumber] = " ".join(etree.HTML(html_text).itertext())
    ids = sorted(texts)
    slot1 = [i for i in ids if ".s01." in i]
    slot2 = [i for i in ids if ".s02." in i]
    keys1 = generate_variants(bank, 1, 3, seed=3)
    keys2 = generate_variants(bank, 2, 3, seed=3)

    header = [
        "Surname",
        "First name",
        "Email address",
        "State",
        "Grade/3.00",
        "Question 1",
        "Response 1",
        "Right answer 1",
        "Question 2",
        "Response 2",
        "Right answer 2",
    ]
    rows = [
        header,  # Ada saw variant 2 of slot 1 and variant 3 of slot 2; Bo saw variant 1 of both and erred once.
        [
            "A",
            "Ada",
            "ada@uni.edu",
            "Finished",
            "3.00",
            texts[slot1[1]],
            keys1[1].answer,
            "",
            texts[slot2[2]],
            keys2[2].answer,
            "",
        ],
        [
            "B",
            "Bo",
            "bo@uni.edu",
            "Finished",
            "1.00",
            texts[slot1[0]],
            keys1[0].answer,
            "",
            texts[slot2[0]],
            keys2[0].mistakes[0].answer,
            "",
        ],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    (tmp_path / "moodle.csv").write_text(buf.getvalue(), encoding="utf-8")

    from gradetools import FakeBackend

    from quizgen.grading.engine import grade

    read = read_answers(tmp_path / "moodle.csv", [1, 2])
    subs, issues = collect(manifest, [read], variants=VariantBuilder(manifest, tmp_path))
    assert [s.problem for s in subs] == [keys1[1], keys2[2], keys1[0], keys2[0]]
    results = grade(subs, FakeBackend())
    assert [(r.total, r.max_points) for r in results] == [(3.0, 3.0), (1.0, 3.0)]
    assert issues == []


def test_an_explicit_bank_rebuilds_variants_and_an_edited_one_only_warns(tmp_path: Path) -> None:
    """--bank supplies the bank when the manifest's relative path no longer finds it; an edited bank only warns,
    and the variants are rebuilt from the manifest's own copy."""
    from quizgen.grading.bank_source import resolve
    from quizgen.grading.model import VariantRef

    (tmp_path / "bank.yaml").write_text(BANK, encoding="utf-8")
    manifest = generate(load_bank(tmp_path / "bank.yaml"), [Student("s1", "Ada", {})], seed=9)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "copy.yaml").write_text(BANK, encoding="utf-8")
    (moved / "edited.yaml").write_text(BANK.replace("points: 2", "points: 3"), encoding="utf-8")
    (tmp_path / "bank.yaml").unlink()
    ref = VariantRef("qg.bank.9.s01.v002", 1, 2, 9)
    good = VariantBuilder(manifest, moved, source=resolve(manifest, moved, moved / "copy.yaml")).problem(ref)
    assert good == generate_variants(load_bank(moved / "copy.yaml"), 1, 2, seed=9)[1]
    edited = resolve(manifest, moved, moved / "edited.yaml")
    assert any("changed since this manifest was generated" in w for w in edited.warnings)
    assert VariantBuilder(manifest, moved, source=edited).problem(ref) == good


def test_quizgen_grade_regrades_lms_answers_from_a_moved_manifest_without_the_bank(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner
    from gradetools import FakeBackend

    from quizgen.cli import cli
    from quizgen.grading import engine

    class Fake(FakeBackend):
        def __init__(self, *, workers: int, timeout: float) -> None:
            super().__init__()

        def close(self) -> None:
            pass

    monkeypatch.setattr(engine, "CheckerBackend", Fake)
    (tmp_path / "bank.yaml").write_text(BANK, encoding="utf-8")
    bank = load_bank(tmp_path / "bank.yaml")
    manifest_mod.write(
        generate(bank, [Student("s1", "Ada", {"email": "ada@uni.edu"})], seed=9), tmp_path / "gen" / "manifest.json"
    )
    keys1, keys2 = generate_variants(bank, 1, 3, seed=3), generate_variants(bank, 2, 3, seed=3)
    header = ["Surname", "First name", "Email address", "Question 1", "Response 1", "Question 2", "Response 2"]
    row = [
        "L",
        "Ada",
        "ada@uni.edu",
        "Find it. Ref: qg.bank.3.s01.v003",
        keys1[2].answer,
        "Find it. Ref: qg.bank.3.s02.v001",
        keys2[0].answer,
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, row])
    other = tmp_path / "another-machine"
    other.mkdir()
    (other / "moodle.csv").write_text(buf.getvalue(), encoding="utf-8")
    (tmp_path / "gen" / "manifest.json").rename(other / "manifest.json")
    (tmp_path / "bank.yaml").unlink()
    result = CliRunner().invoke(cli, ["grade", "--manifest", str(other), str(other / "moodle.csv"), "--quiet"])
    assert result.exit_code == 0, result.output
    grades = list(csv.DictReader(io.StringIO((other / "grades" / "grades.csv").read_text(encoding="utf-8-sig"))))
    assert (grades[0]["total"], grades[0]["max"]) == ("3", "3")
    assert (other / "grades" / "problems.csv").read_text(encoding="utf-8-sig").count("\n") == 1  # header only


def test_grading_loads_the_generator_only_to_rebuild_a_variant() -> None:
    """The bank loader and the generator (ruamel.yaml, the families) are for LMS variants: grading modules load
    without them, so every `quizgen grade` of a class's own sheets starts without their import."""
    import subprocess
    import sys

    code = (
        "import sys; import quizgen.grading.run, quizgen.grading.engine, quizgen.grading.variants; "
        "print(sorted(m for m in ('quizgen.bank', 'quizgen.generate', 'ruamel.yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
