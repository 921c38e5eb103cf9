"""A large class typeset in parts and joined: the same pages, in the same order, as one run; a failing part
names its students; a join that fails falls back to one run and says so."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.errors import LatexError
from quizgen.render import documents, parts, write_documents
from quizgen.render.compile import CompileResult
from quizgen.render.parts import Part, joined_result, page_count, plan_parts, whole_line
from tests.builtonce import built_once

from .conftest import FIVE, five_students
from .pdftools import page_texts, squash
from .replay import recording, replaying

needs_tools = pytest.mark.skipif(
    shutil.which("pdflatex") is None or shutil.which("qpdf") is None, reason="pdflatex or qpdf not installed"
)


def test_parts_depend_on_the_class_size_only_and_are_even() -> None:
    assert plan_parts(500, 250) == [Part(1, 250), Part(251, 500)]
    assert plan_parts(501, 250) == [Part(1, 167), Part(168, 334), Part(335, 501)]
    assert plan_parts(250, 250) == [Part(1, 250)]
    assert plan_parts(5, 2) == [Part(1, 2), Part(3, 4), Part(5, 5)]
    assert plan_parts(0, 250) == []


def test_the_joined_marks_count_each_part_s_pages_from_the_start() -> None:
    log = "...\nOutput written on key.pdf ({} pages, 1234 bytes).\n"
    first = CompileResult(pdf=b"", log=log.format(6), marks={1: (1, 3), 2: (4, 5)})  # page 6: a blank page
    second = CompileResult(pdf=b"", log=log.format(1), marks={3: (1, 1)})
    joined = joined_result([first, second], b"%PDF")
    assert joined.marks == {1: (1, 3), 2: (4, 5), 3: (7, 7)}
    assert joined.pdf == b"%PDF"
    assert page_count("Output written on x.pdf (1 page, 99 bytes).") == 1
    assert page_count("no output") is None


def test_a_line_of_a_part_is_found_in_the_whole_source() -> None:
    head = "\\documentclass{article}\n\\begin{document}\n"
    student = "% qg:student={0}\n\nsheet {0}\n% qg:student={0} problem=1\n\nproblem\nmore\n% qg:student={0}\n\ntotal\n"
    whole = head + "".join(student.format(i) for i in (1, 2, 3)) + "\\end{document}\n"
    part = head + student.format(3) + "\\end{document}\n"
    assert whole_line(part, whole, 1) == 1  # the preamble is the same
    assert whole_line(part, whole, 9) == 29  # student 3's "more": 2 + 2 * 10 + 7
    assert whole_line(part, whole, 12) == 32  # student 3's "total", under its second plain marker
    assert whole.splitlines()[31] == "total"


@pytest.mark.parametrize("fillable", [False, True])
def test_the_whole_source_joined_from_the_parts_is_the_one_run_source(fillable: bool) -> None:
    """The .tex beside a parted PDF is cut from the parts' sources (each student rendered once), byte for
    byte the source one run would have: the preamble once, each part's students, the last part's ending
    (not the blank page a continued worksheets part ends with)."""
    manifest = five_students()
    sources = documents._Sources(manifest, None, fillable=fillable)
    sources.add_students(len(FIVE))
    plan = plan_parts(len(FIVE), 2)
    for name in ("worksheets", "key"):
        texts = [sources.part(name, part, last=part is plan[-1]) for part in plan]
        assert "\\qgnewsheet{1}\n" in texts[0] or name == "key"
        joined = sources.whole(name)
        assert joined == sources._render(name, sources.students)
        assert joined.count("\\begin{document}") == 1


def _parted(folder: Path, **options: bool) -> Path:
    """The five-student class written to folder, in parts of 2 students (3 parts)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(parts, "PART_STUDENTS", {"key": 2, "worksheets": 2})
        monkeypatch.setattr(documents, "PART_STUDENTS", {"key": 2, "worksheets": 2})
        write_documents(five_students(), folder, fmt="pdf", quiet=True, **options)
    return folder


def _parted_and_recorded(folder: Path, whole: Path) -> None:
    """_parted (split too) into folder, each run's result recorded beside it (tests/render/replay.py). Its marking
    key (not typeset in parts) is the one run's, replayed: the same source."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        replaying(monkeypatch, whole)
        with recording(folder):
            _parted(folder, split=True)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, five_in_one_run: Path) -> tuple[Path, Path]:
    """The class in parts and in one run, split too: (parted, whole), each built once per run for every xdist
    worker (tests.builtonce; the one run is the stream tests' too), their runs recorded (tests/render/replay.py).
    Tests only read them; the reproducibility and fallback tests compare against them, and the failing-part and
    fallback tests replay their runs."""
    parted = built_once(tmp_path_factory, "parts-parted", lambda folder: _parted_and_recorded(folder, five_in_one_run))
    return parted, five_in_one_run


@needs_tools
def test_parts_joined_give_the_pages_of_one_run(both: tuple[Path, Path]) -> None:
    parted, whole = both
    for name in ("worksheets", "key", "marking-key"):
        assert page_texts(parted / f"{name}.pdf") == page_texts(whole / f"{name}.pdf"), name
        assert (parted / f"{name}.tex").read_text() == (whole / f"{name}.tex").read_text()


@needs_tools
def test_each_student_s_pages_are_in_order_and_start_on_an_odd_page(both: tuple[Path, Path]) -> None:
    parted, _ = both
    texts = page_texts(parted / "worksheets.pdf")
    starts = [i + 1 for i, text in enumerate(texts) if "StudentID" in text]
    assert len(starts) == len(FIVE)
    assert all(page % 2 == 1 for page in starts)  # also the first sheet of parts 2 and 3
    for start, end, name in zip(starts, [*starts[1:], len(texts) + 1], FIVE):
        sheet = [text for text in texts[start - 1 : end - 1] if text]  # without the blank page after it
        assert squash(name) in sheet[0]
        assert [f"Page{k}of{len(sheet)}" in text for k, text in enumerate(sheet, 1)] == [True] * len(sheet)


@needs_tools
def test_split_files_hold_each_student_s_pages_from_the_joined_pdf(both: tuple[Path, Path]) -> None:
    parted, whole = both
    for folder in ("students", "keys"):
        files = sorted((parted / folder).glob("*.pdf"))
        assert len(files) == len(FIVE)
        for path in files:
            assert page_texts(path) == page_texts(whole / folder / path.name), path


@dataclasses.dataclass(frozen=True)
class _Fillable:
    """The fillable copy: its folder and the runs it replayed."""

    folder: Path
    replayed: list[str]


@pytest.fixture(scope="module")
def fillable(tmp_path_factory: pytest.TempPathFactory, both: tuple[Path, Path]) -> _Fillable:
    """The class in parts again, apart from both, with fillable worksheets and split: the fillable test reads its
    worksheets (typeset here). Its key (which --fillable leaves as it is) and marking key are both's sources, so
    their runs are both's, replayed (tests/render/replay.py): its key, rendered, joined and split again, is the
    reproducibility test's second copy."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        replayed = replaying(monkeypatch, *both)
        folder = _parted(tmp_path_factory.mktemp("fillable"), fillable=True, split=True)
    return _Fillable(folder, replayed)


@needs_tools
def test_parted_pdfs_are_reproducible(both: tuple[Path, Path], fillable: _Fillable) -> None:
    """The parted class typeset again, apart: the same key bytes as the module's copy, its split files too (the
    key's three parts joined as the worksheets' are). The part runs are the module's copy's, replayed (fillable),
    so this is about what quizgen does with them: the parts' sources (a run is replayed only for the same
    source), qpdf's join (its document ID derived from the content) and the split. Two real pdflatex runs of
    one source are compared by test_documents.py::test_pdfs_are_reproducible, the marking key's among them."""
    first, _ = both
    assert sorted(fillable.replayed) == ["key"] * 3 + ["marking-key"]
    assert (first / "key.pdf").read_bytes() == (fillable.folder / "key.pdf").read_bytes()
    for path in sorted((first / "keys").glob("*.pdf")):
        assert path.read_bytes() == (fillable.folder / "keys" / path.name).read_bytes(), path.name


@needs_tools
def test_fillable_parts_keep_every_field_and_the_keywords(fillable: _Fillable) -> None:
    reader = PdfReader(str(fillable.folder / "worksheets.pdf"))  # write_documents checked the fields against the class
    fields = reader.get_fields() or {}
    assert {f"qg-s00{i}-meta" for i in range(1, 6)} <= set(fields)
    assert reader.metadata is not None and reader.metadata.get("/Keywords") == "quizgen-worksheet fillable"


@needs_tools
def test_a_failing_part_names_its_students_and_the_line_of_the_whole_source(
    both: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the key's other parts, the marking key and the worksheets (in one run) are both's runs, replayed: only the
    # failing part is typeset here
    replayed = replaying(monkeypatch, *both)
    compile_tex = documents.compile_tex

    def broken(tex: str, jobname: str, **kwargs):  # type: ignore[no-untyped-def]
        if jobname == "key":  # a macro pdflatex does not know, in student 4's first problem
            tex = tex.replace("% qg:student=4 problem=1\n", "% qg:student=4 problem=1\n\\undefinedmacro\n")
        return compile_tex(tex, jobname, **kwargs)

    monkeypatch.setattr(documents, "compile_tex", broken)
    # the key in three parts (the failing one in the middle), the worksheets whole: they are not what fails
    monkeypatch.setattr(parts, "PART_STUDENTS", {"key": 2, "worksheets": 500})
    monkeypatch.setattr(documents, "PART_STUDENTS", {"key": 2, "worksheets": 500})
    out = tmp_path / "out"
    with pytest.raises(LatexError) as err:
        write_documents(five_students(), out, fmt="pdf", quiet=True)
    message = err.value.message
    lines = (out / "key.tex").read_text().splitlines()
    marker = lines.index("% qg:student=4 problem=1") + 1
    assert f"key.tex line {marker + 1} (student 's004', problem 1 (slot 1, chain_single))" in message
    assert "Undefined control sequence" in message
    assert "in the part with students 's003' to 's004', numbers 3 to 4" in message
    assert message.endswith("key.log")
    assert "undefinedmacro" in (out / "key.log").read_text()
    assert not (out / "key.pdf").exists()
    assert sorted(replayed) == ["key", "key", "marking-key", "worksheets"]


@needs_tools
def test_when_the_parts_cannot_be_joined_the_document_is_one_run_and_it_is_said(
    both: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(pdfs, **kwargs):  # type: ignore[no-untyped-def]
        raise parts.JoinError("qpdf: damaged file")

    monkeypatch.setattr(documents, "join_pdfs", refuse)
    # the parts are both's (three each) and the fallbacks the one run's: every run is replayed, for the subject is
    # what write_documents does when a join fails
    replayed = replaying(monkeypatch, *both)
    monkeypatch.setattr(parts, "PART_STUDENTS", {"key": 2, "worksheets": 2})
    monkeypatch.setattr(documents, "PART_STUDENTS", {"key": 2, "worksheets": 2})
    out = tmp_path / "out"
    write_documents(five_students(), out, fmt="pdf", split=True)
    err = capsys.readouterr().err
    assert "Note: key.pdf was typeset in one run because its parts could not be joined (qpdf: damaged file)" in err
    assert "Note: worksheets.pdf was typeset in one run" in err
    assert sorted(replayed) == ["key"] * 4 + ["marking-key"] + ["worksheets"] * 4
    _, whole = both  # the class typeset in one run: what the fallbacks wrote
    for name in ("worksheets", "key"):
        assert page_texts(out / f"{name}.pdf") == page_texts(whole / f"{name}.pdf")
