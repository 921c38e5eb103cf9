"""Real compiles (CI installs TeX Live): a few small batches, each checked for pages and printed text."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.errors import LatexError
from quizgen.fileio import file_stems
from quizgen.formfields import encode_id
from quizgen.generate import Drawing, GenerationError
from quizgen.manifest import Manifest
from quizgen.render import documents, render_sources, write_documents
from quizgen.render.compile import Feed, compile_tex
from quizgen.render.documents import compile_memory, compile_timeout

from .conftest import EMOJI, FIVE, five_students, make_manifest, printed_as, scalar_problem
from .pdftools import page_texts, pages, pdf_text, squash
from .replay import replaying

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py)

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")


@needs_tex
def test_worksheets_and_key_are_written_with_their_sources(batch) -> None:
    _, out, written = batch
    for name in ("worksheets.tex", "key.tex", "worksheets.pdf", "key.pdf"):
        assert out / name in written
        assert (out / name).stat().st_size > 0
    assert not list(out.glob("*.log"))
    assert not list(out.glob(".*"))  # no temporary files left behind


@needs_tex
def test_each_student_starts_on_an_odd_page_of_the_worksheets(batch) -> None:
    manifest, out, _ = batch
    starts = [i + 1 for i, text in enumerate(page_texts(out / "worksheets.pdf")) if "StudentID" in text]
    assert len(starts) == len(manifest.students)
    assert all(p % 2 == 1 for p in starts)


@needs_tex
def test_every_student_name_id_variant_and_prompt_is_printed(batch) -> None:
    manifest, out, _ = batch
    text = unicodedata.normalize("NFC", pdf_text(out / "worksheets.pdf"))
    for sheet in manifest.students:
        # pdftotext gives straight quotes for \textquotesingle; the name must appear exactly as typed.
        assert printed_as(sheet.name) in text, sheet.name
        assert squash(sheet.student_id) in text
        assert sheet.variant in text
    # each prompt: its words and its function (math extracts without spaces or parentheses from \left)
    per_student = len(manifest.students)
    for piece in ("h(x)=32x2", "Finddhdx", "f(x,y)=x2y+max(x,y)", "Findthegradient∇f=", "f(x,y,z)=2x2y3z4+3x3y4z5"):
        assert text.count(piece) == per_student, piece
    for words in ("Problem3", "(2.5points)", "Total:12.5points", "Nocalculators."):
        assert text.count(words) == per_student, words


@needs_tex
def test_the_key_holds_every_answer(batch) -> None:
    manifest, out, _ = batch
    text = pdf_text(out / "key.pdf")
    assert text.count("960x9") >= len(manifest.students)  # the scalar answer 960 x^9
    assert text.count("2xy+1(x>y)") >= len(manifest.students)  # the gradient's first component, indicator form
    assert text.count("Solution.") == 3 * len(manifest.students)


@needs_tex
def test_hostile_source_text_is_printed_not_executed(batch) -> None:
    _, out, _ = batch
    text = pdf_text(out / "worksheets.pdf")
    assert squash(r"Jean \input{/etc/passwd}") in text
    assert "root:" not in text
    assert squash(r"\textbf{x} 100% $y$") in text


@needs_tex
def test_split_writes_one_file_per_student_with_their_pages(batch) -> None:
    manifest, out, _ = batch
    stems = file_stems([s.student_id for s in manifest.students])
    assert sorted(p.name for p in (out / "students").iterdir()) == sorted(f"{s}.pdf" for s in stems.values())
    assert not (out.parent / "etc").exists()
    total = 0
    for sheet in manifest.students:
        student_pdf = out / "students" / f"{stems[sheet.student_id]}.pdf"
        key_pdf = out / "keys" / f"{stems[sheet.student_id]}.pdf"
        assert sheet.variant in pdf_text(student_pdf)
        assert printed_as(sheet.name) in unicodedata.normalize("NFC", pdf_text(key_pdf))
        total += pages(student_pdf)
    # the split files hold every page except the blank ones that start students on odd pages
    assert total <= pages(out / "worksheets.pdf") and total >= len(manifest.students)


@needs_tex
def test_tex_format_writes_sources_only(tmp_path: Path) -> None:
    written = write_documents(make_manifest(["A"]), tmp_path, fmt="tex", quiet=True)
    assert sorted(p.name for p in written) == ["key.tex", "marking-key.tex", "worksheets.tex"]
    assert not list(tmp_path.glob("*.pdf"))


def test_sources_are_deterministic(tmp_path: Path) -> None:
    manifest = make_manifest(["Zoë", "Bo"])
    write_documents(manifest, tmp_path / "a", fmt="tex", quiet=True)
    write_documents(manifest, tmp_path / "b", fmt="tex", quiet=True)
    for name in ("worksheets.tex", "key.tex"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_without_pdflatex_the_message_says_how_to_install_and_tex_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    out = tmp_path / "out"
    with pytest.raises(LatexError, match=r"pdflatex is not installed.*bash \.ci/setup.*apt-get install"):
        write_documents(make_manifest(["A"]), out, fmt="pdf", quiet=True)
    assert (out / "worksheets.tex").is_file() and (out / "key.tex").is_file()
    assert not list(out.glob("*.pdf"))


@needs_tex
def test_a_latex_error_names_student_and_problem_and_keeps_the_log(
    batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module's batch with a problem template that breaks the second problem: the key and the marking key
    (which do not include problem.tex.j2) are the batch's runs, replayed (tests/render/replay.py)."""
    manifest, out, _ = batch
    replayed = replaying(monkeypatch, out.parent)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "problem.tex.j2").write_text(
        "\\BLOCK{ if problem.number == 2 }\\undefinedmacro\\BLOCK{ endif }Problem \\VAR{ problem.number }\n\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with pytest.raises(LatexError) as err:
        write_documents(manifest, out, fmt="pdf", template_dir=templates, quiet=True)
    message = err.value.message
    assert "worksheets.tex line" in message and "Undefined control sequence" in message
    assert "student 's001', problem 2 (slot 2, gradient)" in message
    assert message.endswith("worksheets.log")
    assert (out / "worksheets.log").is_file()
    assert not (out / "worksheets.pdf").exists()
    assert (out / "worksheets.tex").is_file()
    assert sorted(replayed) == ["key", "marking-key"]


class _Terminal:
    """Stands in for stdout on a terminal, collecting what the progress bar draws."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


@dataclasses.dataclass
class _Run:
    """One write_documents of the batch's class."""

    folder: Path
    terminal: str  # what was drawn on the terminal
    err: str  # what was written to stderr
    memory: dict[str, int]  # by document: the main memory its run was given


def _typeset_on_a_terminal(manifest: Manifest, folder: Path, *, quiet: bool) -> _Run:
    """write_documents (split too) with stdout a terminal, watching the memory each run is given."""
    terminal, err = _Terminal(), io.StringIO()
    memory: dict[str, int] = {}
    compile_tex = documents.compile_tex

    def spy(tex: str, jobname: str, **kwargs):  # type: ignore[no-untyped-def]
        memory[jobname] = kwargs["memory"]
        return compile_tex(tex, jobname, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdout", terminal)
        mp.setattr("sys.stderr", err)
        mp.setattr(documents, "compile_tex", spy)
        write_documents(manifest, folder, fmt="pdf", split=True, quiet=quiet)
    return _Run(folder, terminal.text, err.getvalue(), memory)


@pytest.fixture(scope="module")
def twice(batch, five_in_one_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[bool, _Run]:
    """The batch's class typeset twice, by quiet: on a terminal into a fresh folder, and with --quiet over the
    whole output of an earlier class (five_in_one_run's PDFs and split files). Shared by the progress bar, stale
    outputs, memory and missing-glyph tests. Both replay the batch's three runs (tests/render/replay.py): their
    tests are about what write_documents does around them (test_pdfs_are_reproducible compares real runs)."""
    manifest, out, _ = batch
    fresh = tmp_path_factory.mktemp("fresh")
    over = tmp_path_factory.mktemp("over-five")
    shutil.copytree(five_in_one_run, over, dirs_exist_ok=True)
    runs = {}
    for quiet, folder in ((False, fresh), (True, over)):
        with pytest.MonkeyPatch.context() as monkeypatch:
            replayed = replaying(monkeypatch, out.parent)
            runs[quiet] = _typeset_on_a_terminal(manifest, folder, quiet=quiet)
        assert sorted(replayed) == ["key", "marking-key", "worksheets"]
    return runs


@needs_tex
@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar_on_a_terminal_unless_quiet(twice: dict[bool, _Run], quiet: bool) -> None:
    assert ("Typesetting" in twice[quiet].terminal) is not quiet


@needs_tex
def test_a_rerun_replaces_stale_outputs(batch, twice: dict[bool, _Run], five_in_one_run: Path, tmp_path: Path) -> None:
    manifest = batch[0]
    stems = {f"{stem}.pdf" for stem in file_stems([sheet.student_id for sheet in manifest.students]).values()}
    assert {p.name for p in (five_in_one_run / "students").iterdir()} - stems  # the earlier class's own split files
    rerun = twice[True].folder  # five_in_one_run's output, typeset over by the batch's class
    for folder in ("students", "keys"):
        assert sorted(p.name for p in (rerun / folder).iterdir()) == sorted(stems)
    shutil.copytree(rerun, tmp_path, dirs_exist_ok=True)
    write_documents(make_manifest(["D"], [scalar_problem(1)], ids=["d"]), tmp_path, fmt="tex", quiet=True)
    assert not (tmp_path / "worksheets.pdf").exists()  # it was for the previous class


def test_fillable_sources_name_a_field_per_student_and_answer_box(tmp_path: Path) -> None:
    from quizgen.render import render_sources
    from quizgen.render.documents import expected_fields

    manifest = make_manifest(["Zoë", "Bo"], ids=["a/b é", "s2"])
    sources = render_sources(manifest, fillable=True)
    names = re.findall(r"\\(?:qgfield\{.*?\}|qgmetafield)\{(qg-[A-Za-z0-9+-]+)\}", sources["worksheets"])
    assert sorted(names) == sorted(expected_fields(manifest))
    assert len(set(names)) == len(names) == 2 * (1 + 1 + 2)  # meta, scalar, two gradient rows each
    assert "TextField" not in sources["key"] and "\\begin{Form}" in sources["worksheets"]
    plain = render_sources(manifest)  # without --fillable nothing changes: no hyperref, no fields
    assert "hyperref" not in plain["worksheets"] and "qgfield" not in plain["worksheets"]


@needs_tex
def test_a_template_without_fields_is_refused_with_fillable(
    batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module's batch, fillable, with a problem template without answer boxes: its worksheets are typeset
    and refused; the key and the marking key (which --fillable leaves as they are) are the batch's runs,
    replayed (tests/render/replay.py)."""
    manifest, out, _ = batch
    replayed = replaying(monkeypatch, out.parent)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "problem.tex.j2").write_text(
        "Problem \\VAR{ problem.number }: \\VAR{ problem.prompt }\\par\n", encoding="utf-8"
    )
    boxes = 4 * len(manifest.students)  # each student's scalar answer, two gradient components, long answer
    with pytest.raises(LatexError, match=f"lacks {boxes} of its form fields"):
        write_documents(manifest, tmp_path / "out", fmt="pdf", template_dir=mine, fillable=True, quiet=True)
    assert not (tmp_path / "out" / "worksheets.pdf").exists()
    assert sorted(replayed) == ["key", "marking-key"]


@needs_tex
def test_fillable_fields_survive_any_student_id(batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The module's batch, whose ids are hostile (TeX specials, a leading escape, CJK, a path), fillable and split:
    every field, in each student's file their own. Its key and marking key (which --fillable leaves as they are)
    are the batch's runs, replayed (tests/render/replay.py): only the fillable worksheets are typeset."""
    from quizgen.render.documents import expected_fields

    manifest, out, _ = batch
    replayed = replaying(monkeypatch, out.parent)
    write_documents(manifest, tmp_path, fmt="pdf", fillable=True, split=True, quiet=True)
    assert set(PdfReader(str(tmp_path / "worksheets.pdf")).get_fields()) == set(expected_fields(manifest))
    ids = [sheet.student_id for sheet in manifest.students]
    stems = file_stems(ids)
    for sid in ids:
        fields = PdfReader(str(tmp_path / "students" / f"{stems[sid]}.pdf")).get_fields()
        assert set(fields) == {n for n in expected_fields(manifest) if n.startswith(f"qg-{encode_id(sid)}-")}
    assert sorted(replayed) == ["key", "marking-key"]


@needs_tex
def test_every_page_says_page_x_of_y_counted_per_student(batch) -> None:
    manifest, out, _ = batch
    stems = file_stems([s.student_id for s in manifest.students])
    for folder in ("students", "keys"):
        for sheet in manifest.students:
            path = out / folder / f"{stems[sheet.student_id]}.pdf"
            texts = page_texts(path)
            n = pages(path)
            assert len(texts) == n, path.name
            for i, text in enumerate(texts, 1):
                assert f"Page{i}of{n}" in text, (path.name, i)
    # the whole batch: each student's count restarts, and the double-sided blank pages carry no number
    texts = page_texts(out / "worksheets.pdf")
    assert len(texts) == pages(out / "worksheets.pdf")
    numbers = [re.search(r"Page(\d+)of(\d+)", text) for text in texts]
    assert sum(1 for m in numbers if m and m.group(1) == "1") == len(manifest.students)
    assert all(m is not None or not text for m, text in zip(numbers, texts))


@needs_tex
def test_the_marking_key_is_one_table_of_every_students_answers(batch) -> None:
    manifest, out, written = batch
    assert out / "marking-key.pdf" in written and out / "marking-key.tex" in written
    text = pdf_text(out / "marking-key.pdf")
    assert text.count("960x9") == len(manifest.students)  # problem 1's key, once per student row
    assert text.count("2xy+1(x>y),") == len(manifest.students)  # a gradient's first component
    for sheet in manifest.students:
        assert squash(sheet.student_id) in text and sheet.variant in text
    # a few students fit on one page; it is not split per student
    assert pages(out / "marking-key.pdf") == 1
    assert not (out / "marking-key").exists()


@needs_tex
def test_a_name_no_font_covers_is_named_in_a_warning(batch, twice: dict[bool, _Run]) -> None:
    emoji = next(sheet.student_id for sheet in batch[0].students if sheet.name == EMOJI)
    err = twice[False].err
    assert "1 name(s) use characters no installed font covers" in err
    assert f"{emoji} ({EMOJI})" in err
    assert "[U+1F600]" in pdf_text(twice[False].folder / "worksheets.pdf")
    assert "covers" not in twice[True].err  # --quiet


@needs_tex
def test_the_marking_key_fits_a_class_of_40_on_three_pages(tmp_path: Path) -> None:
    """The demo bank for 40 students: about 18 rows a page (the worked key runs to five pages a student)."""
    from quizgen.bank import load_bank
    from quizgen.generate import generate
    from quizgen.roster import numbered_students

    bank = load_bank(Path(__file__).parents[2] / "banks" / "demo.yaml")
    manifest = generate(bank, numbered_students(40), seed=2026)
    # only the marking key is compiled, from the source write_documents compiles (the class's worksheets and
    # its 200-page worked key are most of a whole batch's compile)
    result = compile_tex(render_sources(manifest)["marking-key"], "marking-key", timeout=compile_timeout(40))
    (tmp_path / "marking-key.pdf").write_bytes(result.pdf)
    assert pages(tmp_path / "marking-key.pdf") <= 3
    text = pdf_text(tmp_path / "marking-key.pdf")
    for sheet in manifest.students:
        assert squash(sheet.student_id + "·" + sheet.variant) in text


@needs_tex
def test_the_demo_sheet_is_two_double_sided_sheets(tmp_path: Path) -> None:
    """The default room for working puts the demo bank's ten problems on 4 pages: no blank page is needed
    for double-sided printing, and each problem keeps its room and its box (docs/pdfs.md, room for working)."""
    from quizgen.bank import load_bank
    from quizgen.generate import generate
    from quizgen.roster import numbered_students

    bank = load_bank(Path(__file__).parents[2] / "banks" / "demo.yaml")
    manifest = generate(bank, numbered_students(3), seed=2026)
    # only the worksheets are compiled, from the source write_documents compiles (not its key and marking key)
    result = compile_tex(render_sources(manifest)["worksheets"], "worksheets", timeout=compile_timeout(3))
    (tmp_path / "worksheets.pdf").write_bytes(result.pdf)
    texts = page_texts(tmp_path / "worksheets.pdf")
    assert len(texts) == 12
    for first in (0, 4, 8):
        sheet = texts[first : first + 4]
        assert [f"Page{k}of4" in text for k, text in enumerate(sheet, 1)] == [True] * 4
        assert "".join(sheet).count("Working") == 10


@needs_tex
def test_each_run_gets_main_memory_for_its_students(batch, twice: dict[bool, _Run]) -> None:
    """The marking key holds every page until it ends: without memory for the class, TeX's allocator slows
    down as its memory fills, and the marking key of 1,000 students did not fit at all."""
    for run in twice.values():
        memory = compile_memory(len(batch[0].students))
        assert run.memory == {name: memory for name in ("worksheets", "key", "marking-key")}
    assert compile_memory(500) >= 3 * 3_300 * 500  # three times what the demo bank's marking key holds


@needs_tex
def test_fillable_backprop_worksheets_have_one_field_per_part(fillable_backprop: Path) -> None:
    """A multi-part problem is answered one part per field: `generate --fillable` of the backprop bank works
    (the run is shared with the grading tests: tests/conftest.py)."""
    from quizgen import manifest as manifest_mod
    from quizgen.formfields import part_field
    from quizgen.render.documents import expected_fields

    manifest = manifest_mod.read(fillable_backprop / "manifest.json")
    have = set(PdfReader(str(fillable_backprop / "worksheets.pdf")).get_fields())
    assert have == set(expected_fields(manifest))
    for sheet in manifest.students:
        for problem in sheet.problems:
            assert problem.parts
            assert {part_field(sheet.student_id, problem.slot, p.label) for p in problem.parts} <= have


def test_the_time_limit_grows_with_the_diagrams_of_a_run() -> None:
    """A computational graph costs pdflatex ~0.2 s (the demo bank's student ~0.03 s): 260 students of the
    backprop bank (3 graphs each, ~130 s of CPU for the worksheets) must not be stopped on a busy machine."""
    from quizgen.render.documents import compile_timeout

    assert compile_timeout(260) == 250.0
    assert compile_timeout(260, graphs=780) >= 10 * 130


class _Replay(Drawing):
    """A class "drawn" from a finished manifest's sheets, as generate.Drawing draws them: the sheets
    without problems at first, filled in as asked; fail_at: the student whose slot cannot be drawn."""

    def __init__(self, manifest: Manifest, *, fail_at: int = 0) -> None:
        self.full, self.fail_at, self.drawn = manifest, fail_at, 0
        blank = [dataclasses.replace(sheet, problems=[]) for sheet in manifest.students]
        self.manifest = dataclasses.replace(manifest, students=blank)

    def draw(self, upto: int) -> None:
        for index in range(self.drawn, min(upto, len(self.full.students))):
            if index + 1 == self.fail_at:
                raise GenerationError(f"slot 1 cannot be drawn for student {index + 1}")
            self.manifest.students[index] = self.full.students[index]
            self.drawn = index + 1

    def finish(self) -> Manifest:
        self.draw(len(self.full.students))
        return self.manifest


needs_fifo = pytest.mark.skipif(
    shutil.which("pdflatex") is None or not Feed.available(), reason="pdflatex or named pipes missing"
)


def _spy_on_runs(monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, list[bool]], dict[str, int]]:
    """Streams of 2 students at a time; records, by document, whether each run read a Feed, and the last
    run's nice."""
    monkeypatch.setattr(documents, "STREAM_STUDENTS", 2)
    fed: dict[str, list[bool]] = {}
    nice: dict[str, int] = {}
    compile_tex = documents.compile_tex

    def spy(tex, jobname: str, **kwargs):  # type: ignore[no-untyped-def]
        fed.setdefault(jobname, []).append(isinstance(tex, Feed))
        nice[jobname] = kwargs.get("nice", 0)
        return compile_tex(tex, jobname, **kwargs)

    monkeypatch.setattr(documents, "compile_tex", spy)
    return fed, nice


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[bool]]:
    """Streams of 2 students at a time; records, by document, whether each run read a Feed."""
    return _spy_on_runs(monkeypatch)[0]


@dataclasses.dataclass
class _Streamed:
    """The class typeset while it is drawn, as generate --format pdf does (split too)."""

    folder: Path
    written: list[Path]
    fed: dict[str, list[bool]]  # by document: whether each run read a Feed
    nice: dict[str, int]  # by document: its run's nice
    meanwhile: list[tuple[int, list[str]]]  # each call: the students drawn and the files in the folder by then


@pytest.fixture(scope="module")
def streamed_class(tmp_path_factory: pytest.TempPathFactory) -> _Streamed:
    """five_students() typeset while it is drawn, once for the module's tests of the stream and of meanwhile."""
    folder = tmp_path_factory.mktemp("streamed")
    replay = _Replay(five_students())
    seen: list[tuple[int, list[str]]] = []

    def meanwhile() -> None:
        seen.append((replay.drawn, sorted(p.name for p in folder.iterdir())))

    with pytest.MonkeyPatch.context() as monkeypatch:
        fed, nice = _spy_on_runs(monkeypatch)
        written = write_documents(replay, folder, fmt="pdf", quiet=True, split=True, meanwhile=meanwhile)
    return _Streamed(folder, written, fed, nice, seen)


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".tex", ".pdf")}


@needs_fifo
def test_a_class_typeset_while_it_is_drawn_gives_the_bytes_of_a_drawn_class(
    streamed_class: _Streamed, five_in_one_run: Path
) -> None:
    """generate --format pdf streams the worksheets and key to pdflatex while the class is drawn, and the
    marking key's run reads its preamble meanwhile: the same sources and PDFs as typesetting the finished
    manifest (for any class up to PART_STUDENTS: one run). The worksheets' run yields to the key's, the
    longer one (documents.STREAM_NICE)."""
    assert streamed_class.fed == {"key": [True], "worksheets": [True], "marking-key": [True]}
    assert streamed_class.nice == {"key": 0, "worksheets": 3, "marking-key": 0}
    assert _outputs(streamed_class.folder) == _outputs(five_in_one_run)
    for folder in ("students", "keys"):
        assert _outputs(streamed_class.folder / folder) == _outputs(five_in_one_run / folder)


@needs_fifo
def test_pdfs_are_reproducible(streamed_class: _Streamed, five_in_one_run: Path) -> None:
    """Two runs of one class apart, in other folders at other times (the session's one run and this module's
    stream, each real): the same bytes, split files too."""
    for name in ("key.pdf", "worksheets.pdf", "marking-key.pdf"):
        assert (streamed_class.folder / name).read_bytes() == (five_in_one_run / name).read_bytes(), name
    for folder in ("students", "keys"):
        for path in sorted((five_in_one_run / folder).iterdir()):
            assert path.read_bytes() == (streamed_class.folder / folder / path.name).read_bytes(), path


@needs_fifo
def test_a_latex_error_in_a_streamed_document_names_its_student_problem_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streamed: dict[str, list[bool]]
) -> None:
    piece = documents._Sources.piece

    def broken(self, name, part, *, last):  # type: ignore[no-untyped-def]
        text = piece(self, name, part, last=last)  # a macro pdflatex does not know, in student 4's problem 1
        return (
            text
            if name != "key"
            else text.replace("% qg:student=4 problem=1\n", "% qg:student=4 problem=1\n\\undefinedmacro\n")
        )

    monkeypatch.setattr(documents._Sources, "piece", broken)
    out = tmp_path / "out"
    with pytest.raises(LatexError) as err:
        write_documents(_Replay(five_students()), out, fmt="pdf")
    lines = (out / "key.tex").read_text(encoding="utf-8").splitlines()
    line = lines.index("% qg:student=4 problem=1") + 2
    assert lines[line - 1] == "\\undefinedmacro"
    assert err.value.message.startswith(f"key.tex line {line} (student 's004', problem 1 (slot 1, chain_single)): ")
    assert "Undefined control sequence" in err.value.message and err.value.message.endswith("key.log")
    assert "undefinedmacro" in (out / "key.log").read_text(encoding="utf-8")
    assert not (out / "key.pdf").exists()


@needs_fifo
def test_a_slot_that_cannot_be_drawn_halfway_stops_the_typesetting(
    tmp_path: Path, streamed: dict[str, list[bool]]
) -> None:
    out = tmp_path / "out"
    with pytest.raises(GenerationError, match="student 4"):
        write_documents(_Replay(five_students(), fail_at=4), out, fmt="pdf", quiet=True)
    assert streamed == {"key": [True], "worksheets": [True], "marking-key": [True]}  # started, then stopped
    assert not list(out.glob("*.pdf")) and not list(out.glob("*.tex"))


@needs_fifo
def test_a_graph_after_the_first_students_typesets_the_document_again_whole(
    tmp_path: Path, fillable_backprop: Path, streamed: dict[str, list[bool]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preamble loads TikZ only when a problem draws a graph; a stream's preamble is written after the
    first student, so a graph in a later one means the document is typeset again, whole. One graph does it
    (each costs pdflatex ~0.2 s, run twice here): the second student has the backprop bank's first.

    The drawn class's files are its sources (render_sources: two students, one run each) and their PDFs: so the
    last run of each document must have compiled exactly that source, and its PDF be the one written (a source
    gives the same bytes whether fed or whole: test_compile), without typesetting the drawn class again."""
    from quizgen import manifest as manifest_mod

    graphs = manifest_mod.read(fillable_backprop / "manifest.json")
    first = make_manifest(["Ada"], [scalar_problem(1)]).students[0]
    second = dataclasses.replace(graphs.students[0], problems=graphs.students[0].problems[:1])
    assert second.problems[0].graph is not None
    manifest = dataclasses.replace(graphs, students=[first, second])
    compiled: dict[str, tuple[str, bytes]] = {}  # by document: the source and PDF of its last finished run
    spy = documents.compile_tex

    def record(tex, jobname: str, **kwargs):  # type: ignore[no-untyped-def]
        result = spy(tex, jobname, **kwargs)
        compiled[jobname] = (tex.text if isinstance(tex, Feed) else tex, result.pdf)
        return result

    monkeypatch.setattr(documents, "compile_tex", record)
    write_documents(_Replay(manifest), tmp_path / "streamed", fmt="pdf", quiet=True)
    assert streamed == {"key": [True, False], "worksheets": [True, False], "marking-key": [True]}
    drawn = {}
    for name, source in render_sources(manifest).items():
        drawn[f"{name}.tex"], drawn[f"{name}.pdf"] = source.encode("utf-8"), compiled[name][1]
        assert compiled[name][0] == source, name
    assert _outputs(tmp_path / "streamed") == drawn
    assert "{tikz}" in (tmp_path / "streamed" / "key.tex").read_text(encoding="utf-8")


@needs_fifo
def test_a_stream_that_cannot_go_on_typesets_its_document_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, five_in_one_run: Path
) -> None:
    """Two ways a stream is dropped and its document typeset whole once the class is drawn, the same bytes: a
    template whose parts cannot be cut at the students' markers (piece is None; here the key's), and a marking
    key whose whole source, rendered at the end, does not start with the preamble its run read while the class
    was drawn (that run is stopped). One class for both: each document's stream is dropped on its own. The whole
    runs are the session's one run's, replayed (tests/render/replay.py): the streams, and what is done when one
    cannot go on, are the subject; the sources are compared, and a source gives the same bytes fed or whole."""
    replayed = replaying(monkeypatch, five_in_one_run)
    streamed = _spy_on_runs(monkeypatch)[0]  # every run, replayed or not
    piece = documents._Sources.piece
    preamble = documents._Sources.preamble

    def uncut(self, name, part, *, last):  # type: ignore[no-untyped-def]
        return None if name == "key" and part.first > 1 else piece(self, name, part, last=last)

    def other(self, name):  # type: ignore[no-untyped-def]
        return "% an older preamble\n" + preamble(self, name)

    monkeypatch.setattr(documents._Sources, "piece", uncut)
    monkeypatch.setattr(documents._Sources, "preamble", other)
    write_documents(_Replay(five_students()), tmp_path, fmt="pdf", quiet=True)
    assert streamed == {"key": [True, False], "worksheets": [True], "marking-key": [True, False]}
    assert _outputs(tmp_path) == _outputs(five_in_one_run)
    assert sorted(replayed) == ["key", "marking-key"]


@needs_fifo
def test_meanwhile_runs_once_the_sources_are_written_and_before_the_pdfs(
    streamed_class: _Streamed, tmp_path: Path
) -> None:
    """generate writes manifest.json in write_documents' meanwhile, while the last pages are typeset: the
    class is drawn and every source written by then, no PDF yet. With --format tex nothing is typeset,
    so it is not called (generate writes the manifest itself)."""
    assert streamed_class.meanwhile == [(len(FIVE), ["key.tex", "marking-key.tex", "worksheets.tex"])]
    assert {p.name for p in streamed_class.written} >= {"worksheets.pdf", "key.pdf", "marking-key.pdf"}
    seen: list[int] = []
    write_documents(five_students(), tmp_path, fmt="tex", quiet=True, meanwhile=lambda: seen.append(0))
    assert seen == []
