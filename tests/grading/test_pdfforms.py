"""Fillable worksheets round trip: generate --fillable, fill the fields with pypdf, grade the folder of PDFs.

Runs pdflatex and the real checker (the class is small); skipped when pdflatex is not installed.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from quizgen import formfields
from quizgen import manifest as manifest_mod
from quizgen.cli import cli
from quizgen.manifest import Manifest
from quizgen.notation import student_notation
from quizgen.problem import Problem, Sheet
from quizgen.render.compile import compile_tex
from quizgen.render.documents import compile_timeout

pytestmark = [
    pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed"),
    pytest.mark.slow,  # started first under xdist (tests/conftest.py)
    pytest.mark.usefixtures("plots_drawn_once"),  # its reports' plots: tests/conftest.py
]

BANK = Path(__file__).resolve().parents[2] / "banks" / "demo.yaml"
ODD_ID = "é/b c"  # not a safe file name nor a safe field name (it starts with an escape): both must still work


def _generate(folder: Path, roster: list[tuple[str, str]], seed: int, fmt: str = "pdf") -> Manifest:
    """`quizgen generate --fillable --split --format fmt` of the demo bank into folder/gen."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["student_id,name"] + [f'"{sid}","{name}"' for sid, name in roster]
    (folder / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "generate",
            "--bank",
            str(BANK),
            "--roster",
            str(folder / "roster.csv"),
            "--seed",
            str(seed),
            "--fillable",
            "--split",
            "--quiet",
            "--format",
            fmt,
            "--out",
            str(folder / "gen"),
        ],
    )
    assert result.exit_code == 0, result.output
    return manifest_mod.read(folder / "gen" / "manifest.json")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    base = tmp_path_factory.mktemp("fillable")
    manifest = _generate(base, [("s1", "Ada Lovelace"), (ODD_ID, "Zoë"), ("s3", "Bo")], seed=5)
    return base / "gen", manifest


def key_texts(problem: Problem) -> list[str]:
    """The key as a student types it: one text per field (a gradient has one per component)."""
    if isinstance(problem.answer, list):
        return [student_notation(c) for c in problem.answer]
    return [student_notation(problem.answer)]


def field_names(sid: str, problem: Problem) -> list[str]:
    if isinstance(problem.answer, list):
        return [formfields.answer_field(sid, problem.slot, k) for k in range(1, len(problem.answer) + 1)]
    return [formfields.answer_field(sid, problem.slot)]


def fill(src: Path, dst: Path, values: dict[str, str]) -> None:
    """What a PDF reader does when a student types into the fields and saves."""
    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("wb") as fh:
        writer.write(fh)


def grade(manifest_dir: Path, answers: Path, out: Path) -> tuple[dict[str, float | None], list[dict[str, str]]]:
    """Totals by student (None: absent, no answer read at all) and the problems report."""
    result = CliRunner().invoke(
        cli,
        [
            "grade",
            "--manifest",
            str(manifest_dir / "manifest.json"),
            str(answers),
            "--out",
            str(out),
            "--quiet",
            "--workers",
            "1",
            "--timeout",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    grades = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8-sig"))))
    problems = list(csv.DictReader(io.StringIO((out / "problems.csv").read_text(encoding="utf-8-sig"))))
    return {row["student_id"]: float(row["total"]) if row["total"] else None for row in grades}, problems


def test_fields_are_named_by_student_and_slot_and_carry_student_and_variant(made: tuple[Path, Manifest]) -> None:
    gen, manifest = made
    combined = PdfReader(gen / "worksheets.pdf").get_fields()
    one = PdfReader(gen / "students" / "s1.pdf").get_fields()
    for sheet in manifest.students:
        meta = formfields.parse_meta_value(combined[formfields.meta_field(sheet.student_id)]["/V"])
        assert meta == formfields.Meta(sheet.student_id, sheet.variant, formfields.set_id(manifest))
        for problem in sheet.problems:
            assert all(name in combined for name in field_names(sheet.student_id, problem))
    # The split file keeps its own student's fields (and only those), so it is fillable on its own.
    assert set(one) == {formfields.meta_field("s1")} | {
        n for p in manifest.students[0].problems for n in field_names("s1", p)
    }


def test_filled_pdfs_grade_to_the_right_totals(made: tuple[Path, Manifest], tmp_path: Path) -> None:
    gen, manifest = made
    s1, odd, s3 = manifest.students
    stems = {p.stem: p for p in (gen / "students").glob("*.pdf")}
    folder = tmp_path / "returned"
    # Ada: every key. Zoë: the first five right, the rest wrong.
    fill(
        gen / "students" / "s1.pdf",
        folder / "s1.pdf",
        {n: t for p in s1.problems for n, t in zip(field_names("s1", p), key_texts(p), strict=True)},
    )
    zoe: dict[str, str] = {}
    for p in odd.problems:
        wrong = ["12345"] * len(key_texts(p))
        zoe.update(zip(field_names(ODD_ID, p), key_texts(p) if p.slot <= 5 else wrong, strict=True))
    odd_file = next(path for stem, path in stems.items() if stem not in ("s1", "s3"))
    fill(odd_file, folder / "sub" / "zoe.pdf", zoe)
    # Bo's answers typed into the class's combined worksheets.pdf: slot 1 right, two of the gradient's
    # three components right and one blank, the rest blank.
    grad = next(p for p in s3.problems if isinstance(p.answer, list))
    bo = {field_names("s3", s3.problems[0])[0]: key_texts(s3.problems[0])[0]}
    bo.update(zip(field_names("s3", grad)[:2], key_texts(grad)[:2], strict=True))
    fill(gen / "worksheets.pdf", folder / "class.pdf", bo)

    totals, problems = grade(gen, folder, tmp_path / "grades")
    assert totals["s1"] == sum(p.points for p in s1.problems)
    assert totals[ODD_ID] == sum(p.points for p in odd.problems if p.slot <= 5)
    assert totals["s3"] == pytest.approx(s3.problems[0].points + grad.points * 2 / 3, abs=0.01)
    assert not [p for p in problems if p["kind"] in ("unreadable_file", "wrong_sheet", "unknown_student")]


def test_bad_pdfs_get_one_line_each_and_the_rest_are_graded(made: tuple[Path, Manifest], tmp_path: Path) -> None:
    gen, manifest = made
    s1, _, s3 = manifest.students
    folder = tmp_path / "returned"
    folder.mkdir()
    fill(
        gen / "students" / "s1.pdf",
        folder / "ada.pdf",
        {n: t for p in s1.problems for n, t in zip(field_names("s1", p), key_texts(p), strict=True)},
    )
    shutil.copy(gen / "key.pdf", folder / "key.pdf")  # a PDF, not a worksheet
    odd_file = next(f for f in (gen / "students").glob("*.pdf") if f.stem not in ("s1", "s3"))
    shutil.copy(odd_file, folder / "zoe-sent-it-empty.pdf")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    (folder / "readme.txt").write_text("scanned on Monday", encoding="utf-8")
    # A file named for Bo (s3.pdf, the --split name) that holds Ada's worksheet.
    fill(gen / "students" / "s1.pdf", folder / "s3.pdf", {field_names("s1", s1.problems[0])[0]: "1"})
    # Ada again, as the class file with her answer typed on Bo's page: the page is not hers.
    fill(gen / "worksheets.pdf", folder / "s1.pdf", {field_names("s3", s3.problems[0])[0]: "1"})
    # A worksheet of another generate run (another seed: other variants) for the same student id.
    # Only its worksheets are typeset, from the source generate writes (the key and marking key are not read): for
    # a class of one the class PDF is Bo's whole worksheet, as students/s3.pdf would be.
    other = _generate(tmp_path / "other", [("s3", "Bo")], seed=6, fmt="tex")
    source = (tmp_path / "other" / "gen" / "worksheets.tex").read_text(encoding="utf-8")
    (tmp_path / "bo-old-class.pdf").write_bytes(compile_tex(source, "worksheets", timeout=compile_timeout(1)).pdf)
    fill(
        tmp_path / "bo-old-class.pdf",
        folder / "bo-old.pdf",
        {field_names("s3", other.students[0].problems[0])[0]: key_texts(other.students[0].problems[0])[0]},
    )

    totals, problems = grade(gen, folder, tmp_path / "grades")
    assert totals["s1"] == sum(p.points for p in s1.problems)
    assert totals["s3"] is None  # every file for Bo was refused: absent, not a silent 0
    by_file = {Path(p["file"]).name: p for p in problems if p["kind"] in ("unreadable_file", "wrong_sheet")}
    assert set(by_file) == {"key.pdf", "broken.pdf", "readme.txt", "s3.pdf", "bo-old.pdf", "s1.pdf"}
    expected = {
        "key.pdf": ("unreadable_file", "not a fillable quizgen worksheet (it has no quizgen form fields)"),
        "broken.pdf": ("unreadable_file", "not a PDF that can be read"),
        "readme.txt": ("unreadable_file", "not a PDF, so not read"),
        "s3.pdf": ("wrong_sheet", "named for 's3' but holds the worksheet of 's1': filled in for another student"),
        "bo-old.pdf": ("wrong_sheet", "another `quizgen generate` run (seed 6, not seed 5 as in this manifest)"),
        "s1.pdf": ("wrong_sheet", "named for 's1' but has answers in the worksheet of 's3': filled in for another"),
    }
    for name, (kind, words) in expected.items():
        assert by_file[name]["kind"] == kind and words in by_file[name]["detail"], by_file[name]
    assert all("\n" not in p["detail"] for p in problems)
    # Zoë sent her worksheet back empty: blank answers, not absent.
    assert {p["kind"] for p in problems if p["student_id"] == ODD_ID} == {"blank"}
    assert s3.variant != other.students[0].variant


def _rename_field(src: Path, dst: Path, old: str, new: str, value: str) -> None:
    """What a PDF editor that renames a field does: the box keeps its place under another name."""
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            if obj.get("/T") == old:
                obj[NameObject("/T")] = TextStringObject(new)
                obj[NameObject("/V")] = TextStringObject(value)
    with dst.open("wb") as fh:
        writer.write(fh)


def _carry(problem: Problem) -> tuple[str, str, str, str]:
    """A part whose rule uses one earlier part: (that part, a wrong nonzero value for it, the part, the value
    it takes by its rule from that wrong value). Sympy on the test's own manifest, not on student text."""
    import sympy

    answers = {p.label: sympy.sympify(p.answer) for p in problem.parts}
    for part in problem.parts:
        if not part.rule:
            continue
        rule = sympy.sympify(part.rule, locals={lab: sympy.Symbol(lab) for lab in answers})
        used = [str(s) for s in rule.free_symbols]
        if len(used) != 1 or answers[used[0]] == 0:
            continue
        wrong = answers[used[0]] + 1
        if wrong == 0:
            continue
        carried = sympy.nsimplify(rule.subs(sympy.Symbol(used[0]), wrong))
        if carried != 0 and carried != answers[part.label]:
            return used[0], str(wrong), part.label, str(carried)
    raise AssertionError("no part of this problem carries from a single earlier part")


def test_backprop_worksheets_round_trip_part_by_part_with_carried_forward_credit(
    fillable_backprop: Path, tmp_path: Path
) -> None:
    """Fillable multi-part worksheets: one field per part, read back as 1a, 1b ..., graded per part with
    carried-forward credit as from a CSV; a renamed part field is reported, never a silent zero."""
    gen = fillable_backprop  # generate --bank backprop --fillable --split for ada and bo (tests/conftest.py)
    manifest = manifest_mod.read(gen / "manifest.json")
    ada, bo = manifest.students

    def keys(sheet: Sheet) -> dict[str, str]:
        return {
            formfields.part_field(sheet.student_id, p.slot, part.label): student_notation(part.answer)
            for p in sheet.problems
            for part in p.parts
        }

    folder = tmp_path / "returned"
    fill(gen / "students" / "ada.pdf", folder / "ada.pdf", keys(ada))
    # Bo: every key, but a wrong value carried forward in problem 1, and problem 2's second part typed into a
    # field a PDF editor renamed.
    first = bo.problems[0]
    upstream, wrong, downstream, carried = _carry(first)
    lost = bo.problems[1].parts[1]
    lost_field = formfields.part_field("bo", bo.problems[1].slot, lost.label)
    fill(
        gen / "students" / "bo.pdf",
        tmp_path / "bo-filled.pdf",
        {
            **keys(bo),
            formfields.part_field("bo", first.slot, upstream): wrong,
            formfields.part_field("bo", first.slot, downstream): carried,
        },
    )
    _rename_field(tmp_path / "bo-filled.pdf", folder / "bo.pdf", lost_field, "answer b", "7")

    totals, problems = grade(gen, folder, tmp_path / "grades")
    full = {s.student_id: sum(p.points for p in s.problems) for s in manifest.students}
    points = {part.label: part.points for part in first.parts}
    assert totals["ada"] == pytest.approx(full["ada"])
    # the carried part earns its points; the renamed field's part earns none
    assert totals["bo"] == pytest.approx(full["bo"] - points[upstream] - lost.points)

    rows = list(csv.DictReader(io.StringIO((tmp_path / "grades" / "responses.csv").read_text("utf-8-sig"))))
    bo_rows = {r["problem"]: r for r in rows if r["student_id"] == "bo"}
    assert bo_rows[f"{first.slot}{upstream}"]["verdict"] == "incorrect"
    assert bo_rows[f"{first.slot}{downstream}"]["verdict"] == "carried forward"
    assert float(bo_rows[f"{first.slot}{downstream}"]["points"]) == points[downstream]
    assert all(r["verdict"] == "correct" for r in rows if r["student_id"] == "ada" and r["problem"][-1].isalpha())

    named = [p for p in problems if p["student_id"] == "bo"]
    missing = [p for p in named if p["kind"] == "missing"]
    assert len(missing) == 1 and lost_field in missing[0]["detail"]
    assert f"{bo.problems[1].slot}{lost.label}" in missing[0]["detail"]
    stray = [p for p in named if p["kind"] == "unknown_problem"]
    assert len(stray) == 1 and "'answer b'" in stray[0]["detail"] and "'7'" in stray[0]["detail"]
