"""Names in every script: real compiles with LuaLaTeX and the Noto fonts, read back with pdftotext."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.errors import LatexError
from quizgen.fileio import file_stems
from quizgen.render import documents, scripts, write_documents
from quizgen.render.compile import CompileError
from quizgen.typeset.unicodefonts import face_for, lualatex_ready

from .conftest import VIETNAMESE, make_manifest, scalar_problem
from .pdftools import compiled_batch, pdftotext, squash
from .replay import recording, replaying

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py)

NAMES = {
    "s1": "فاطمة الزهراء",
    "s2": "דוד לוי",
    "s3": "김민준",
    "s4": "Nguyễn Thị Hương ở ả",
    "s5": "देवनागरी नाम",
    "s6": "สมชาย",
    "s7": "ኤርምያስ",
    "s8": "ნინო",
}

_missing = [name for name in NAMES.values() if any(face_for(c) is None for c in name if not c.isspace())]
needs_lualatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None or not lualatex_ready() or bool(_missing),
    reason="LuaLaTeX (texlive-luatex) or the Noto fonts (fonts-noto-core, fonts-noto-cjk) are not installed: "
    + (", ".join(_missing) or "lualatex"),
)


def refuse_lualatex(monkeypatch: pytest.MonkeyPatch) -> None:
    """LuaLaTeX must not start: a test of a batch without names pdflatex cannot print."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("LuaLaTeX was started")

    monkeypatch.setattr(scripts, "compile_snippets", refuse)


def fail_lualatex(monkeypatch: pytest.MonkeyPatch) -> None:
    """LuaLaTeX fails as it does when a font cannot be loaded: the fallback's test."""

    def fail(*_: object, **__: object) -> None:
        raise CompileError("names.tex line 3: LaTeX error: Font not loadable", "the log")

    monkeypatch.setattr(scripts, "compile_snippets", fail)


def hide_lualatex(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without LuaLaTeX and fontspec."""
    for module in (scripts, documents):
        monkeypatch.setattr(module, "lualatex_ready", lambda: False)


def assert_told_without_lualatex(err: str) -> None:
    """Without LuaLaTeX, the warning names student s2 (NAMES["s1"], Arabic) and says what to install."""
    if face_for("ف") is None:
        assert "no installed font covers" in err and "s2 (فاطمة الزهراء)" in err
    else:
        assert "LuaLaTeX with fontspec is not installed" in err and "texlive-luatex" in err
        assert "s2 (فاطمة الزهراء)" in err and "s1 (" not in err


def text_of(path: Path, *args: str) -> str:
    """pdftotext's text without the bidi marks it wraps right-to-left runs in."""
    return re.sub("[\u202a-\u202e]", "", pdftotext(path, *args))


HOSTILE = "\\input{/etc/passwd} $x$ %#&_ فاطمة \\directlua{os.exit(1)}"
"""A name in another script that tries to read a file and run Lua."""

INSTRUCTIONS = (
    "أجب عن كل سؤال واكتب خطوات الحل كاملة قبل الإجابة النهائية. عامل المتغيرات التي لا تشتق بالنسبة إليها "
    "كثوابت، واكتب القوى بالرمز ^ والضرب بالرمز * أو بوضع العاملين متجاورين.\n\n"
    "सभी प्रश्नों के उत्तर दें।\n\nShow your work."
)
"""Instructions in two scripts pdflatex lacks (a right-to-left paragraph long enough to wrap) and English."""

IDS = {"فاطمة-٢٠٢٦": "Fatima", "학번-7": "Minjun", "plain-1": "Grace Hopper"}
"""Student ids in other scripts, with names pdflatex prints itself (and one plain id)."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    """One batch compiled once for the module's tests (LuaLaTeX loads each script's font once): a name in each
    script, an ordinary name, a hostile name, and ids in other scripts."""
    ids = [*NAMES, "s9", "s10", *IDS]
    names = [*NAMES.values(), "Ada Lovelace", HOSTILE, *IDS.values()]
    manifest = make_manifest(names, [scalar_problem(1)], ids=ids)
    manifest = dataclasses.replace(manifest, bank=dataclasses.replace(manifest.bank, instructions=INSTRUCTIONS))
    return compiled_batch(tmp_path_factory, "scripts", manifest)


@needs_lualatex
def test_every_name_prints_in_its_own_script_in_every_document(world) -> None:
    _, out, _ = world
    for document in ("worksheets", "key", "marking-key"):
        text = text_of(out / f"{document}.pdf")
        assert "[U+" not in text, document
        for name in NAMES.values():
            assert squash(name) in squash(text), (document, name)


@needs_lualatex
def test_each_sheet_shows_its_students_name_in_header_and_footers(world) -> None:
    _, out, _ = world
    for sid, name in NAMES.items():
        sheet = out / "keys" / f"{sid}.pdf"
        pages = len(PdfReader(str(sheet)).pages)
        for page in range(1, pages + 1):
            text = text_of(sheet, "-f", str(page), "-l", str(page))
            # the header (first page, bold) and every footer; extraction may space Devanagari's vowel signs
            assert squash(text).count(squash(name)) >= (2 if page == 1 else 1), (sid, page)


def first_page_words(pdf: Path) -> list[tuple[float, float, float, str]]:
    """(xMin, yMin, xMax, word) of each word pdftotext finds on the first page."""
    result = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, check=True
    )
    boxes = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]*)</word>', result.stdout.decode("utf-8")
    )
    return [(float(x), float(y), float(x_max), w) for x, y, x_max, w in boxes]


@needs_lualatex
def test_hebrew_reads_right_to_left_on_the_page(world) -> None:
    _, out, _ = world
    boxes = first_page_words(out / "students" / "s2.pdf")
    name_y = next(y for _, y, _, w in boxes if w == "Name:")
    # poppler gives one box per Hebrew glyph; read the name line's glyphs from right to left
    glyphs = [(x, w) for x, y, _, w in boxes if abs(y - name_y) < 4 and "\u05d0" <= w[0] <= "\u05ea"]
    assert "".join(w for _, w in sorted(glyphs, reverse=True)) == NAMES["s2"].replace(" ", "")


@needs_lualatex
def test_names_pdf_holds_a_regular_and_a_bold_page_per_name(world) -> None:
    _, out, written = world
    assert out / "names.pdf" in written and out / "names.tex" in written
    # each name in another script, the hostile name, and the two ids in other scripts; then the Arabic and the
    # Hindi paragraphs of the instructions, one page each
    assert len(PdfReader(str(out / "names.pdf")).pages) == 2 * (len(NAMES) + 1 + 2) + 2
    names_tex = (out / "names.tex").read_text(encoding="utf-8")
    for plain in ("Ada", "Fatima", "Grace"):  # pdflatex prints these itself
        assert plain not in names_tex, plain
    assert r"\qgname{1}" in (out / "worksheets.tex").read_text(encoding="utf-8")


@needs_lualatex
def test_instructions_in_other_scripts_print_in_their_own_script_as_paragraphs(world) -> None:
    manifest, out, _ = world
    text = squash(text_of(out / "students" / "s9.pdf", "-f", "1", "-l", "1"))
    assert "[U+" not in text
    for word in ("سؤال", "كثوابت", "प्रश्नों", "Showyourwork."):
        assert squash(word) in text, word
    source = (out / "worksheets.tex").read_text(encoding="utf-8")
    assert source.count(r"\qgpara{") == 2 * len(manifest.students)  # the two paragraphs on every sheet
    assert "Show your work." in source  # pdflatex prints the English paragraph itself


@needs_lualatex
def test_a_right_to_left_paragraph_wraps_and_keeps_to_the_right_margin(world) -> None:
    _, out, _ = world
    boxes = first_page_words(out / "students" / "s9.pdf")
    arabic = [(y, x_max) for _, y, x_max, w in boxes if "\u0600" <= w[:1] <= "\u06ff"]
    lines = sorted({round(y) for y, _ in arabic})
    assert len(lines) >= 2, "the paragraph wraps at the text width"
    right_margin = 595.28 - 2 * 72 / 2.54  # A4 less the 2 cm margin, in points
    for line in lines:  # each line, the last one too, starts at the right margin
        assert max(x for y, x in arabic if round(y) == line) == pytest.approx(right_margin, abs=3), line


@needs_lualatex
def test_a_hostile_name_in_another_script_is_printed_not_run(world) -> None:
    _, out, _ = world
    assert "\\directlua{os.exit" not in (out / "names.tex").read_text(encoding="utf-8")
    text = text_of(out / "students" / "s10.pdf")
    # pdftotext orders text around a right-to-left word unreliably: each left-to-right piece is checked
    assert "\\input{/etc/passwd} $x$ %#&_" in text and "directlua{os.exit(1)}" in text and "فاطمة" in text
    assert "root:" not in text


@needs_lualatex
def test_the_pdfs_are_reproducible(world, tmp_path: Path) -> None:
    """The module's batch compiled again, apart: the same bytes (LuaLaTeX's names.pdf included)."""
    manifest, out, _ = world
    write_documents(manifest, tmp_path, fmt="pdf", quiet=True)
    for name in ("names.pdf", "worksheets.pdf", "key.pdf", "marking-key.pdf"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_a_batch_without_such_names_never_starts_lualatex(
    batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """test_documents' batch: names and ids pdflatex prints itself (Latin accents, Vietnamese, CJK, TeX specials)
    and an emoji no font has, typeset again. Its pdflatex runs are the batch's, replayed (tests/render/replay.py):
    what is started is the subject, and the batch was typeset by pdflatex alone."""
    manifest, out, _ = batch
    assert {VIETNAMESE, "Zoë O'Brien & Co_1 #2"} <= {sheet.name for sheet in manifest.students}
    refuse_lualatex(monkeypatch)
    replayed = replaying(monkeypatch, out.parent)
    written = write_documents(manifest, tmp_path, fmt="pdf", quiet=True)
    assert not any(p.name.startswith("names.") for p in written)
    assert not (tmp_path / "names.pdf").exists()
    assert sorted(replayed) == ["key", "marking-key", "worksheets"]


LONG_ARABIC = " ".join(["فاطمة الزهراء"] * 5)
"""69 characters: LuaLaTeX prints 59 of them and "…"; as [U+XXXX] codes (8 characters each) only 7 letters fit,
"[U+0641][U+0627][U+0637][U+0645][U+0629] [U+0627][U+0644]…", and "ز" (U+0632), the 8th, is left out."""

FALLBACK = {"s1": "Ada Lovelace", "s2": NAMES["s1"], "s3": NAMES["s2"], "s4": LONG_ARABIC}
"""The class the fallback tests typeset (id -> name): an ordinary name, Arabic, Hebrew and a long Arabic name, with
the INSTRUCTIONS in two scripts pdflatex lacks."""


@dataclasses.dataclass
class _Typeset:
    """One write_documents (PDF) of the FALLBACK class."""

    folder: Path
    err: str  # what was written to stderr
    replayed: list[str]  # the runs replayed (tests/render/replay.py)


@pytest.fixture(scope="module")
def fallbacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, _Typeset]:
    """The FALLBACK class typeset with LuaLaTeX failing ("failed", its names.log kept beside the folder), then as
    on a machine without LuaLaTeX ("without"). The sources are the same bytes either way (the texts print as
    [U+XXXX] codes), so the second typesetting replays the first's pdflatex runs (tests/render/replay.py): its
    subject is what write_documents says and writes without LuaLaTeX, and a source gives the same PDF."""
    manifest = make_manifest(list(FALLBACK.values()), [scalar_problem(1)], ids=list(FALLBACK))
    manifest = dataclasses.replace(manifest, bank=dataclasses.replace(manifest.bank, instructions=INSTRUCTIONS))
    base = tmp_path_factory.mktemp("fallbacks")
    typeset: dict[str, _Typeset] = {}
    for case in ("failed", "without"):
        err = io.StringIO()
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setattr("sys.stderr", err)
            if case == "failed":
                fail_lualatex(monkeypatch)
                replayed: list[str] = []
                with recording(base):  # split: the long name's test reads its key
                    write_documents(manifest, base / case, fmt="pdf", split=True, quiet=False, log_dir=base)
            else:
                hide_lualatex(monkeypatch)
                replayed = replaying(monkeypatch, base)
                write_documents(manifest, base / case, fmt="pdf", quiet=False)
        typeset[case] = _Typeset(base / case, err.getvalue(), replayed)
    return typeset


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_without_lualatex_the_names_print_as_code_points_and_the_teacher_is_told(
    fallbacks: dict[str, _Typeset],
) -> None:
    without = fallbacks["without"]
    assert_told_without_lualatex(without.err)
    if face_for("ف") is not None:
        assert "the bank's instructions (paragraph 1), instructions (paragraph 2) are in scripts" in without.err
    assert "[U+0641]" in text_of(without.folder / "worksheets.pdf")
    assert not (without.folder / "names.pdf").exists()
    assert sorted(without.replayed) == ["key", "marking-key", "worksheets"]  # the sources with LuaLaTeX failing


@needs_lualatex
def test_a_lualatex_failure_falls_back_with_a_warning(fallbacks: dict[str, _Typeset]) -> None:
    failed = fallbacks["failed"]
    # three names and the instructions' two paragraphs
    assert "LuaLaTeX could not typeset the 5 name(s)" in failed.err and "Font not loadable" in failed.err
    assert "s3 (דוד לוי)" in failed.err
    assert (failed.folder.parent / "names.log").read_text(encoding="utf-8") == "the log"
    assert "[U+05D3]" in text_of(failed.folder / "worksheets.pdf")
    assert not (failed.folder / "names.tex").exists()


@needs_lualatex
def test_after_a_lualatex_failure_a_long_name_is_cut_as_without_lualatex(fallbacks: dict[str, _Typeset]) -> None:
    """When LuaLaTeX fails, the name cut for its fonts would print as ~470 characters of codes running off
    the header and footer: it is cut to fit its codes instead, the same documents as without LuaLaTeX."""
    failed = fallbacks["failed"]
    assert "appear shortened on the PDFs" in failed.err and "s4" in failed.err.split("appear shortened", 1)[1]
    for name in ("worksheets", "key", "marking-key"):
        without = (fallbacks["without"].folder / f"{name}.tex").read_text(encoding="utf-8")
        assert (failed.folder / f"{name}.tex").read_text(encoding="utf-8") == without, name
    # s4's key (one page: no instructions there, which hold a "ز" of their own)
    text = squash(text_of(failed.folder / "keys" / "s4.pdf"))
    assert text.count("[U+0641][U+0627][U+0637][U+0645][U+0629][U+0627][U+0644]...") == 2  # header and footer
    assert "[U+0632]" not in text


def test_tex_format_writes_the_lualatex_source_beside_the_documents(tmp_path: Path) -> None:
    manifest = make_manifest([NAMES["s3"]], [scalar_problem(1)])
    written = write_documents(manifest, tmp_path, fmt="tex", quiet=True)
    if not lualatex_ready() or face_for("김") is None:
        assert not (tmp_path / "names.tex").exists()
        return
    assert tmp_path / "names.tex" in written and not (tmp_path / "names.pdf").exists()
    assert "김민준" in (tmp_path / "names.tex").read_text(encoding="utf-8")


@needs_lualatex
def test_a_custom_preamble_without_qgname_fails_with_a_clear_error(
    world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module's batch with a preamble that lacks \\qgname: its names.pdf is the module's run, replayed
    (tests/render/replay.py; the same names.tex), and pdflatex fails at the first name it prints."""
    manifest, out, _ = world
    replayed = replaying(monkeypatch, out.parent)
    mine = tmp_path / "mine"
    mine.mkdir()
    builtin = Path(__file__).parents[2] / "templates" / "preamble.tex.j2"
    text = builtin.read_text(encoding="utf-8")
    (mine / "preamble.tex.j2").write_text(text.replace(r"\newcommand{\qgname}", r"\newcommand{\qgnameX}"), "utf-8")
    with pytest.raises(LatexError, match=r"student 's1'.*Undefined control sequence"):
        write_documents(manifest, tmp_path / "o", fmt="pdf", template_dir=mine, quiet=True)
    assert replayed == ["names"]


@needs_lualatex
def test_student_ids_in_other_scripts_print_in_header_and_footers(world) -> None:
    manifest, out, _ = world
    stems = file_stems([sheet.student_id for sheet in manifest.students])
    for sid, pieces in {"فاطمة-٢٠٢٦": ("فاطمة", "٢٠٢٦"), "학번-7": ("학번-7",), "plain-1": ("plain-1",)}.items():
        text = text_of(out / "keys" / f"{stems[sid]}.pdf")
        assert "[U+" not in text, sid
        # one key page per student here: the id in the header (bold) and the footer; pdftotext orders the
        # pieces around a right-to-left word unreliably, so each piece is counted
        for piece in pieces:
            assert squash(text).count(piece) >= 2, (sid, piece)
    assert "학번-7" in text_of(out / "marking-key.pdf")


def test_ids_that_print_as_codes_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hide_lualatex(monkeypatch)
    manifest = make_manifest(list(IDS.values()), [scalar_problem(1)], ids=list(IDS))
    write_documents(manifest, tmp_path, fmt="tex", quiet=False)
    err = " ".join(capsys.readouterr().err.split())
    assert "2 student id(s) print as [U+XXXX] codes on the PDFs (LuaLaTeX with fontspec is not installed)" in err
    assert "فاطمة-٢٠٢٦, 학번-7" in err and "plain-1" not in err
    assert r"\qgmissing{D559}" in (tmp_path / "worksheets.tex").read_text(encoding="utf-8")


def test_an_id_too_long_to_print_whole_is_not_typeset_by_lualatex() -> None:
    long_id = "학" * 70
    manifest = make_manifest(["Ada"], [scalar_problem(1)], ids=[long_id])
    assert long_id not in documents.printed_texts(manifest)
    assert "학번-7" in documents.printed_texts(make_manifest(["Ada"], [scalar_problem(1)], ids=["학번-7"]))
