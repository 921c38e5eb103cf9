"""`quizgen generate --format pdf|tex`: worksheets and keys for every student from one manifest.

Each document is one pdflatex run over all students, or for a large class a few runs over parts of it,
joined (quizgen.render.parts); the runs go side by side, one per core, then are split per student when
asked. generate stages the output folder, so a failed compile leaves
the previous set in place (quizgen.fileio.output_set).
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Generic, Literal, TypeVar

import click

from quizgen import formfields
from quizgen.errors import LatexError
from quizgen.fileio import atomic_write_bytes, atomic_write_text, file_stems
from quizgen.gcpause import settled_heap
from quizgen.generate import Drawing
from quizgen.manifest import Manifest
from quizgen.problem import Sheet
from quizgen.render import scripts
from quizgen.render.compile import (
    MARKER_PREFIX,
    CompileError,
    CompileResult,
    Feed,
    compile_tex,
    find_pdflatex,
    first_error,
)
from quizgen.render.context import (
    DocumentContext,
    Layouts,
    StudentContext,
    document_context,
    student_context,
    uses_cjk,
)
from quizgen.render.environment import build_environment, render_template
from quizgen.render.parts import PART_STUDENTS, JoinError, Part, join_pdfs, joined_result, plan_parts, qpdf, whole_line
from quizgen.render.split import split_pdf
from quizgen.typeset.escape import name_needs_fallback, plain_paragraphs, print_name, unprintable
from quizgen.typeset.unicodefonts import lualatex_ready

DOCUMENTS = (("worksheets", "worksheet.tex.j2"), ("key", "key.tex.j2"), ("marking-key", "marking-key.tex.j2"))
"""(output name, template) for each document generate writes."""
TEMPLATES = dict(DOCUMENTS)
PARTED = ("key", "worksheets")
"""The documents a large class typesets in parts, longest first (the marking key is one table)."""
TEMPLATE_FILES = (*TEMPLATES.values(), "preamble.tex.j2", "header.tex.j2", "problem.tex.j2", "solution.tex.j2")
"""The templates these documents use: a --template folder with any of them keeps each document one run."""

DOUBLE_SIDED = True
"""Worksheets start each student on an odd page, so a double-sided stack separates cleanly."""


def compile_timeout(students: int, graphs: int = 0) -> float:
    """Generous time for one run: 2 minutes plus half a second per student and 2 s per computational graph
    (a diagram costs pdflatex ~0.2 s of CPU, a student of the demo bank ~0.03 s)."""
    return 120.0 + 0.5 * students + 2.0 * graphs


TEX_WORDS_PER_STUDENT = 10_000
"""Main memory added to a run per student (compile_tex's memory): the marking key holds all its pages until
it ends, ~3,300 words a student of the demo bank; three times that keeps TeX's allocation fast, and
the memory TeX does not use is never touched."""


def compile_memory(students: int) -> int:
    """Words of main memory to add to TeX's own for a run over this many students (see compile_tex)."""
    return TEX_WORDS_PER_STUDENT * students


def printed_texts(manifest: Manifest, sheets: Sequence[Sheet] | None = None) -> list[str]:
    """The one-line texts of the documents that may need LuaLaTeX's fonts: course, title, and the names and
    ids of sheets (default: every student of the manifest). An id that would not print whole (wider than a
    name may be, or too many marks) is left to pdflatex's [U+XXXX] codes: the id must read exactly. Names are
    cut as they print when LuaLaTeX typesets them (escape.print_name)."""
    shown = manifest.students if sheets is None else sheets
    fonts = lualatex_ready()
    ids = [
        s.student_id
        for s in shown
        if not s.student_id.isascii() and not name_needs_fallback(s.student_id, unicode_fonts=fonts)
    ]
    names = (print_name(sheet.name, unicode_fonts=fonts) for sheet in shown)
    return [manifest.bank.course, manifest.bank.title, *names, *ids]


T = TypeVar("T")


@dataclass(frozen=True)
class WithNames(Generic[T]):
    """Documents rendered with the snippets they include, and names.pdf holding them (b"" when none)."""

    snippets: scripts.Snippets
    rendered: T
    names_pdf: bytes = b""


class NamesRun:
    """LuaLaTeX typesetting names.pdf in a thread while the documents are rendered: the sources do not
    depend on its output. A batch without texts that need it never starts LuaLaTeX."""

    def __init__(self, texts: Sequence[str], *, compile: bool, paragraphs: Sequence[str] = ()) -> None:
        self.snippets = scripts.plan(texts, paragraphs)
        self._pool: ThreadPoolExecutor | None = None
        self._job: Future[CompileResult] | None = None
        if compile and self.snippets:
            self._pool = ThreadPoolExecutor(max_workers=1)
            self._job = self._pool.submit(
                scripts.compile_snippets,
                scripts.snippet_source(self.snippets),
                timeout=compile_timeout(len(self.snippets.texts) + len(self.snippets.paragraphs)),
            )

    def finish(self, *, log_dir: Path | None, quiet: bool) -> tuple[scripts.Snippets, bytes]:
        """(the snippets the documents print, names.pdf). When LuaLaTeX failed: no snippets (the texts
        print as [U+XXXX]), its log kept as <log_dir>/names.log (None: the system's temporary folder) and
        the first error printed unless quiet."""
        if self._job is None or self._pool is None:
            return self.snippets, b""
        try:
            return self.snippets, self._job.result().pdf
        except CompileError as exc:
            log = _keep_names_log(exc.log, log_dir)
            if not quiet:
                count = len(self.snippets.texts) + len(self.snippets.paragraphs)
                click.echo(
                    f"Warning: LuaLaTeX could not typeset the {count} name(s) and text(s) in other "
                    f"scripts ({exc.message}; log in {log}), so they print as [U+XXXX] codes",
                    err=True,
                )
            return scripts.Snippets(()), b""
        finally:
            self._pool.shutdown()


def render_with_names(
    texts: Sequence[str],
    render: Callable[[scripts.Snippets], T],
    *,
    compile: bool,
    log_dir: Path | None,
    quiet: bool,
) -> WithNames[T]:
    """render(snippets) the documents, with LuaLaTeX typesetting names.pdf meanwhile when compile is set and
    some of texts need it (NamesRun). Used by grade --pdf, so it prints names as generate does.

    When LuaLaTeX fails, the documents are rendered again without snippets (the texts print as [U+XXXX]),
    its log is kept as <log_dir>/names.log (log_dir None: the system's temporary folder) and the first
    error is printed unless quiet.
    """
    run = NamesRun(texts, compile=compile)
    rendered = render(run.snippets)
    snippets, names_pdf = run.finish(log_dir=log_dir, quiet=quiet)
    if snippets is not run.snippets:
        rendered = render(snippets)
    return WithNames(snippets, rendered, names_pdf)


def _keep_names_log(log: str, folder: Path | None) -> Path:
    if folder is not None:
        path = folder / f"{scripts.JOBNAME}.log"
        atomic_write_text(path, log)
        return path
    fd, kept = tempfile.mkstemp(prefix="quizgen-names-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(log)
    return Path(kept)


class _Sources:
    """The documents' LaTeX, for the whole class or part by part. Each student's context is built once for
    the three documents, each distinct problem laid out once, and each student rendered once per document:
    the whole source of a document typeset in parts is joined from the parts' sources."""

    def __init__(
        self,
        manifest: Manifest,
        template_dir: Path | None,
        *,
        fillable: bool,
        drawing: Drawing | None = None,
        unicode_fonts: bool = False,
    ) -> None:
        self.manifest = manifest
        self.unicode_fonts = unicode_fonts  # the students' names are cut for LuaLaTeX's fonts (use_snippets)
        self.drawing = drawing  # draws the students as they are added (manifest is its manifest)
        self.template_dir = template_dir
        self.form_set = formfields.set_id(manifest)
        self.layouts: Layouts = {}
        self.students: list[StudentContext] = []
        self.fillable = fillable
        self.cjk = uses_cjk(manifest)
        self.docs: dict[str, DocumentContext] = {}
        self.env = build_environment(template_dir)
        self.parts: dict[str, list[tuple[Part, str]]] = {}  # the sources of the parts rendered so far
        self.shapes: dict[str, tuple[str, str, str] | None] = {}  # _shape's, by document

    def use_snippets(self, snippets: scripts.Snippets | None) -> None:
        """Print the texts of names.pdf from it (without: such texts print as [U+XXXX], and a long name is cut
        to fit its codes, as without LuaLaTeX: the students added for LuaLaTeX's fonts are built again)."""
        self.env = build_environment(
            self.template_dir,
            snippets.macros() if snippets else None,
            snippets.paragraph_macros() if snippets else None,
        )
        self.parts.clear()  # rendered without them
        self.shapes.clear()
        if self.unicode_fonts != bool(snippets):
            self.unicode_fonts = bool(snippets)
            added, self.students = len(self.students), []
            self.add_students(added)  # the sheets are drawn: only their contexts are built again

    def add_students(self, upto: int) -> None:
        """Build the contexts of the students up to number upto (1-based, inclusive)."""
        if self.drawing is not None:
            self.drawing.draw(upto)
        sheets = self.manifest.students
        for index in range(len(self.students) + 1, upto + 1):
            self.students.append(
                student_context(sheets[index - 1], index, self.form_set, self.layouts, unicode_fonts=self.unicode_fonts)
            )

    def whole(self, name: str) -> str:
        """The document for every student added so far (the .tex written beside the PDF): joined from its
        parts when it was typeset in parts of all these students, else rendered."""
        rendered = self.parts.get(name, [])
        if rendered and rendered[0][0].first == 1 and rendered[-1][0].last == len(self.students):
            joined = self._joined_source(name, [text for _, text in rendered])
            if joined is not None:
                return joined
        return self._render(name, self.students)

    def part(self, name: str, part: Part, *, last: bool) -> str:
        """The document for one part's students; when more follow (not last), it ends where the next
        student's sheet would start (on an odd page for double-sided worksheets)."""
        text = self._render(name, self.students[part.first - 1 : part.last], continued=not last)
        self.parts.setdefault(name, []).append((part, text))
        return text

    def piece(self, name: str, part: Part, *, last: bool) -> str | None:
        """What a streamed document's source continues with after the students before part: the preamble
        first, then the part's students, then the ending after the last part; joined, the pieces are
        the whole source (whole). None if the template does not have that shape (see _joined_source)."""
        body = self._body(name, self.part(name, part, last=last), last=last)
        shape = self._shape(name)
        if body is None or shape is None:
            return None
        head, _, end = shape
        return (head if part.first == 1 else "") + body + (end if last else "")

    def preamble(self, name: str) -> str:
        """The document's source up to its \\begin{document} line, rendered with the students added so far:
        what the marking key's run reads (loading its packages and fonts) while the class is drawn. Its
        column widths, after that line, need every student; the whole source must start with this."""
        text = self._render(name, self.students, provisional=True)  # self.doc(name) waits for the class
        return text[: text.find(BEGIN_DOCUMENT) + len(BEGIN_DOCUMENT)] if BEGIN_DOCUMENT in text else ""

    def settled(self, name: str) -> bool:
        """Whether the document's context, built when its first students were rendered, is the whole
        class's (it is, unless a computational graph appears only after them: the preamble then loads
        TikZ). If not, it is replaced and the document's sources rendered so far are dropped."""
        final = self._document_context(name)
        if self.docs.get(name, final) == final:
            return True
        self.docs[name] = final
        self.parts.pop(name, None)
        self.shapes.pop(name, None)
        return False

    def doc(self, name: str) -> DocumentContext:
        """What a document's template receives besides its students, built when first rendered: the
        marking key's column widths need every student's answers (their contexts' marking_widths), which
        the key's first part or stream need not wait for."""
        if name not in self.docs:
            self.docs[name] = self._document_context(name)
        return self.docs[name]

    def _document_context(self, name: str) -> DocumentContext:
        return document_context(
            self.manifest,
            name,
            cjk=self.cjk,
            double_sided=DOUBLE_SIDED and name == "worksheets",
            fillable=self.fillable and name == "worksheets",
            students=self.students if len(self.students) == len(self.manifest.students) else None,
        )

    def _render(
        self, name: str, students: list[StudentContext], *, continued: bool = False, provisional: bool = False
    ) -> str:
        doc = self._document_context(name) if provisional else self.doc(name)
        doc = replace(doc, continued=True) if continued else doc
        return render_template(self.env, TEMPLATES[name], {"doc": doc, "students": students})

    def _joined_source(self, name: str, texts: list[str]) -> str | None:
        """The whole document from its parts' sources: the preamble (everything before the first student's
        marker), each part's students, the last part's ending. The ending of a part that more follow is
        what the template prints without students (doc.continued), so each part's students are cut out
        exactly; None if a part does not have that shape (the caller renders the whole instead)."""
        shape = self._shape(name)
        if shape is None:
            return None
        bodies = []
        for i, text in enumerate(texts):
            body = self._body(name, text, last=i == len(texts) - 1)
            if body is None:
                return None
            bodies.append(body)
        head, _, end = shape
        return head + "".join(bodies) + end

    def _body(self, name: str, text: str, *, last: bool) -> str | None:
        """A part's students, cut out of its source: without the preamble and the part's ending (the
        document's, if last). None if the source does not have the template's shape."""
        shape = self._shape(name)
        if shape is None:
            return None
        head, more, end = shape
        ending = end if last else more
        if not (text.startswith(head) and text.endswith(ending)):
            return None
        return text[len(head) : len(text) - len(ending)]

    def _shape(self, name: str) -> tuple[str, str, str] | None:
        """(preamble, ending of a part that more students follow, ending of the document): what the
        template prints without students, cut at the first student's marker (None: it prints more)."""
        if name not in self.shapes:
            self.shapes[name] = self._cut(name)
        return self.shapes[name]

    def _cut(self, name: str) -> tuple[str, str, str] | None:
        texts = self.parts.get(name, [])
        first = texts[0][1].find(f"\n{MARKER_PREFIX}") if texts else -1
        if first < 0:
            return None
        head = texts[0][1][: first + 1]
        endings = [self._render(name, [], continued=True), self._render(name, [])]
        if not all(e.startswith(head) for e in endings):
            return None
        more, last = (e[len(head) :] for e in endings)
        return head, more, last


def render_sources(
    manifest: Manifest,
    template_dir: Path | None = None,
    *,
    fillable: bool = False,
    snippets: scripts.Snippets | None = None,
) -> dict[str, str]:
    """The LaTeX source of each document, keyed by output name ("worksheets", "key").

    fillable makes the worksheets' answer boxes PDF form fields (quizgen.formfields names them). snippets
    are the texts printed from names.pdf (quizgen.render.scripts); without them such texts print as [U+XXXX].
    """
    sources = _Sources(manifest, template_dir, fillable=fillable)
    sources.use_snippets(snippets)
    sources.add_students(len(manifest.students))
    return {name: sources.whole(name) for name, _ in DOCUMENTS}


STREAMED = ("key", "worksheets")
"""The documents typeset while a class is drawn (write_documents with a Drawing), longest first."""
STREAM_NICE = {"worksheets": 3}
"""How much the worksheets' run yields to the key's while both are streamed: the drawing feeds both, and
the key takes about twice the worksheets' CPU, so with equal shares the key was left to finish alone, 1-2 s
with the other core idle (500 students); at a lower priority the worksheets run on into that time
instead (compile.lower_priority). 3: both end together (5 left the worksheets last)."""
STREAM_STUDENTS = 20
"""Students drawn and rendered at a time while the worksheets and key are streamed to pdflatex (after the
first student, alone): pdflatex is never far behind, and few template calls (each renders the preamble
once more, ~1 ms)."""


AHEAD = "marking-key"
"""The document whose run starts on its preamble while the class is drawn (write_documents with a
Drawing): the rest of its source, whose column widths need every student, comes last."""
BEGIN_DOCUMENT = "\\begin{document}\n"


def _streams(template_dir: Path | None) -> bool:
    """Whether the worksheets and key can be streamed to pdflatex as the class is drawn: only with the
    built-in templates (cut at the students' markers, as parts are) and named pipes (compile.Feed)."""
    if template_dir is not None and any((Path(template_dir) / t).exists() for t in TEMPLATE_FILES):
        return False
    return Feed.available()


def compile_slots() -> int:
    """The cores this process may use. One more pdflatex than cores runs at a time: the runs start as the
    templates are rendered, so a run waiting for a free core would leave one idle at the end."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _split_in_parts(students: int, template_dir: Path | None) -> dict[str, list[Part]]:
    """The documents typeset in parts, each with its parts (the others: one run each). Only with the
    built-in templates: a custom one may put something once per document (a cover page) or count across
    students. Only with qpdf, which joins them."""
    parts = {name: plan_parts(students, PART_STUDENTS[name]) for name in PARTED}
    parts = {name: plan for name, plan in parts.items() if len(plan) > 1}
    if not parts or qpdf() is None:
        return {}
    if template_dir is not None and any((Path(template_dir) / t).exists() for t in TEMPLATE_FILES):
        return {}
    return parts


def write_documents(
    manifest: Manifest | Drawing,
    out_dir: Path,
    *,
    fmt: Literal["pdf", "tex"],
    template_dir: Path | None = None,
    split: bool = False,
    quiet: bool = False,
    fillable: bool = False,
    log_dir: Path | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[Path]:
    """Write DIR/worksheets.tex and key.tex and, for fmt "pdf", worksheets.pdf and key.pdf (and with split,
    students/<id>.pdf and keys/<id>.pdf). With fillable, the worksheets' answer boxes are form fields
    (in worksheets.pdf and in each split file). Returns the paths written.

    manifest may be a class still to be drawn (Drawing, from `generate --format pdf`): the worksheets and
    key are then each one pdflatex run that reads its source from a named pipe (compile.Feed) while the
    class is drawn and rendered STREAM_STUDENTS at a time, so typesetting overlaps generation; the
    marking key, whose columns fit every answer, comes last. The caller takes the manifest from
    Drawing.finish afterwards. Without named pipes, or with a custom template, the class is drawn first.
    A large class's worksheets and key from a finished manifest are typeset in parts (quizgen.render.parts),
    each part compiled as soon as its students are rendered while the next part is rendered, one pdflatex
    per core.

    With fmt "pdf", meanwhile (if given) is called once the class is drawn and every source is written,
    before waiting for pdflatex: generate writes manifest.json there while the last pages are typeset.
    It is not called when no run starts (fmt "tex", a template error, pdflatex missing).

    Raises:
        LatexError: a template is broken, pdflatex is missing (the .tex files are written first) or a
            document fails to compile (its log is kept as <log_dir or DIR>/<name>.log: generate stages DIR
            and keeps the log where the teacher looks).
    """
    if fmt not in ("pdf", "tex"):
        raise LatexError(f"unknown document format {fmt!r}; use pdf or tex")
    drawing: Drawing | None = None
    if isinstance(manifest, Drawing):
        drawing, manifest = manifest, manifest.manifest
    if not manifest.students:
        raise LatexError("the manifest has no students, so there is nothing to typeset; check the roster")
    out = Path(out_dir)
    log_out = Path(log_dir) if log_dir is not None else out
    compile = fmt == "pdf" and shutil.which("pdflatex") is not None
    # Names and ids are known before the class is drawn: LuaLaTeX sets those it must while it is.
    names = NamesRun(printed_texts(manifest), compile=compile, paragraphs=plain_paragraphs(manifest.bank.instructions))
    count = len(manifest.students)
    streamed = STREAMED if compile and drawing is not None and _streams(template_dir) else ()
    if drawing is not None and not streamed:
        drawing.finish()
    parts = _split_in_parts(count, template_dir) if compile and not streamed else {}
    # Students are added up to the end of each part; a part is compiled as soon as its students are in.
    ends = {part.last for plan in parts.values() for part in plan}
    if streamed:  # the first student alone: pdflatex reads the preamble while the next ones are drawn
        ends |= {1, *range(STREAM_STUDENTS, count, STREAM_STUDENTS)}
    steps = sorted(ends | {count})
    sources = _Sources(manifest, template_dir, fillable=fillable, drawing=drawing, unicode_fonts=bool(names.snippets))
    feeds: dict[str, Feed] = {}
    ahead: Feed | None = None  # the marking key's run, on its preamble until the class is drawn
    # The drawn sheets, contexts and sources are kept until the end: the cyclic collector re-walked that
    # growing heap, whole two or three times (~0.25 s each for 500 students). Each step's students are
    # drawn with what the steps before made left out of the collections (quizgen.gcpause).
    with _Typesetter(manifest, quiet=quiet, out=log_out) as typesetter, settled_heap():
        for previous, step in zip([0, *steps], steps):
            with settled_heap():
                sources.add_students(step)
            if step == steps[0]:  # the first students' contexts were built while LuaLaTeX ran
                snippets, names_pdf = names.finish(log_dir=log_out, quiet=quiet)
                sources.use_snippets(snippets)
                typesetter.files = {f"{scripts.JOBNAME}.pdf": names_pdf} if names_pdf else None
                feeds = {name: typesetter.stream(name) for name in streamed}
                preamble = sources.preamble(AHEAD) if streamed else ""
                if preamble:  # its packages and fonts load now, not after the rest (~0.15 s of CPU)
                    ahead = typesetter.stream(AHEAD)
                    ahead.write(preamble)
            for name, feed in feeds.items():
                if feed.closed:  # aborted: typeset whole at the end
                    continue
                piece = sources.piece(name, Part(previous + 1, step), last=step == count)
                if piece is None:  # cannot happen with the built-in templates: typeset it whole below
                    feed.abort()
                else:
                    feed.write(piece)
            for name, plan in parts.items():
                for part in plan:
                    if part.last == step:
                        typesetter.submit(name, sources.part(name, part, last=part is plan[-1]), part)
        whole: dict[str, str] = {}
        for name in (*PARTED, "marking-key"):  # the longest first
            stream = feeds.get(name)
            if stream is not None and not stream.closed and sources.settled(name):
                whole[name] = stream.text  # the pieces joined: sources.whole(name), without rendering it again
                typesetter.finish_stream(stream)
                continue
            if stream is not None:  # aborted, or its preamble changed with later students: typeset it whole
                stream.abort()
                typesetter.drop(name)
            whole[name] = sources.whole(name)
            if name == AHEAD and ahead is not None:
                if whole[name].startswith(ahead.text):  # always, with the built-in templates
                    ahead.write(whole[name][len(ahead.text) :])
                    typesetter.finish_stream(ahead)
                    continue
                ahead.abort()
                typesetter.drop(name)
            if compile and name not in parts:
                typesetter.submit(name, whole[name], None)
        texts = {name: whole[name] for name, _ in DOCUMENTS}
        if snippets:
            texts = {scripts.JOBNAME: scripts.snippet_source(snippets), **texts}
        written: list[Path] = []
        for name, text in texts.items():
            path = out / f"{name}.tex"
            atomic_write_text(path, text)
            written.append(path)
            # A PDF from an earlier run no longer matches the new manifest and sources.
            (out / f"{name}.pdf").unlink(missing_ok=True)
        texts.pop(scripts.JOBNAME, None)
        if fmt == "tex":
            warn_scripts(manifest.students, snippets, quiet=quiet)
            warn_bank_texts(manifest, snippets, quiet=quiet)
            return written
        find_pdflatex()
        if names_pdf:
            path = out / f"{scripts.JOBNAME}.pdf"
            atomic_write_bytes(path, names_pdf)
            written.append(path)
        if meanwhile is not None:
            meanwhile()
        results = typesetter.results(texts)
    if fillable:
        _check_fields(manifest, results["worksheets"].pdf)
    for name, result in results.items():
        path = out / f"{name}.pdf"
        atomic_write_bytes(path, result.pdf)
        written.append(path)
        (out / f"{name}.log").unlink(missing_ok=True)  # a log left by an earlier failed run
    _warn_missing_glyphs(results, quiet=quiet)
    warn_name_fallbacks(manifest.students, snippets, quiet=quiet)
    warn_scripts(manifest.students, snippets, quiet=quiet)
    warn_bank_texts(manifest, snippets, quiet=quiet)
    if split:
        written += _write_split(manifest, results, out)
    return written


def _describe(manifest: Manifest) -> Callable[[int, int | None], str]:
    def describe(student: int, problem: int | None) -> str:
        if not 1 <= student <= len(manifest.students):
            return f"student #{student}"
        sheet = manifest.students[student - 1]
        text = f"student {sheet.student_id!r}"
        if problem is not None and 1 <= problem <= len(sheet.problems):
            p = sheet.problems[problem - 1]
            text += f", problem {problem} (slot {p.slot}, {p.family})"
        return text

    return describe


@dataclass(frozen=True)
class _Run:
    name: str  # the document
    tex: str | Feed  # a Feed: streamed while the class is drawn
    part: Part | None  # None: the whole document in one run
    future: Future[CompileResult]


class _Typesetter:
    """The pdflatex runs of one batch, one per core at a time, as they are submitted, with one progress bar;
    results() waits for them, joins each document's parts and names the first failure."""

    def __init__(self, manifest: Manifest, *, quiet: bool, out: Path) -> None:
        self.manifest = manifest
        self.out = out
        self.files: dict[str, bytes] | None = None
        self.runs: list[_Run] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=compile_slots() + 1)
        show = not quiet and sys.stdout.isatty()
        self._quiet = quiet
        n = len(manifest.students)
        self._bar = click.progressbar(
            length=n * len(DOCUMENTS), label="Typesetting", file=None if show else io.StringIO()
        )

    def __enter__(self) -> _Typesetter:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for run in self.runs:
            if isinstance(run.tex, Feed):
                run.tex.abort()  # after an error (a slot that cannot be drawn): pdflatex stops now
            run.future.cancel()
        self._pool.shutdown(wait=True)
        self._bar.__exit__(None, None, None)

    def _tick(self, _: int) -> None:
        with self._lock:
            self._bar.update(1)

    def _timeout(self, part: Part | None) -> float:
        sheets = self.manifest.students if part is None else self.manifest.students[part.first - 1 : part.last]
        return compile_timeout(len(sheets), sum(1 for sheet in sheets for p in sheet.problems if p.graph is not None))

    def _memory(self, part: Part | None) -> int:
        return compile_memory(len(self.manifest.students) if part is None else part.size)

    def stream(self, name: str) -> Feed:
        """Start the document's one run on a source still to be written (Feed): the caller writes it as
        the students are drawn and rendered, and closes it with finish_stream."""
        feed = Feed()
        self.submit(name, feed, None, nice=STREAM_NICE.get(name, 0))
        return feed

    def drop(self, name: str) -> None:
        """Forget the document's runs so far (an aborted stream, typeset again whole)."""
        self.runs = [run for run in self.runs if run.name != name]

    def finish_stream(self, feed: Feed) -> None:
        """The source is complete: the run's time limit starts, for the whole class's students."""
        feed.close(timeout=self._timeout(None))

    def submit(self, name: str, tex: str | Feed, part: Part | None, *, nice: int = 0) -> None:
        future = self._pool.submit(
            compile_tex,
            tex,
            name,
            timeout=self._timeout(part),
            on_progress=self._tick,
            describe=_describe(self.manifest),
            files=self.files,
            memory=self._memory(part),
            nice=nice,
        )
        self.runs.append(_Run(name, tex, part, future))

    def results(self, whole: dict[str, str]) -> dict[str, CompileResult]:
        """Each document's result, in the order of whole (the documents' whole sources), parts joined.
        Documents are waited for in the order their runs started, so the key is joined while the others
        still compile.

        Raises LatexError for the first document that failed (in the order of whole), naming the error's line in
        the whole source and, for a part, its students; that run's log is kept as <out>/<name>.log."""
        results: dict[str, CompileResult] = {}
        failures: dict[str, str] = {}
        # In the order the runs were started, so a document's parts are joined while later ones compile.
        started = [run.name for run in self.runs]
        for name in sorted(whole, key=lambda n: started.index(n) if n in started else len(started)):
            runs = [run for run in self.runs if run.name == name]
            done: list[CompileResult] = []
            for run in runs:
                try:
                    done.append(run.future.result())
                except CompileError as exc:
                    atomic_write_text(self.out / f"{name}.log", exc.log)
                    failures[name] = f"{self._message(run, exc, whole[name])}; full log in {self.out / (name + '.log')}"
                    break
            if len(done) < len(runs):
                continue
            results[name] = done[0] if len(done) == 1 else self._join(name, done, whole[name])
        if failures:
            raise LatexError(next(failures[name] for name in whole if name in failures))
        return {name: results[name] for name in whole}

    def _message(self, run: _Run, exc: CompileError, whole: str) -> str:
        tex = run.tex
        if run.part is None or isinstance(tex, Feed):  # the whole document's source: its lines are the .tex's
            return exc.message
        message = exc.message
        if not exc.timed_out:
            message = first_error(
                exc.log, tex, run.name, _describe(self.manifest), lambda line: whole_line(tex, whole, line)
            )
        sheets = self.manifest.students
        return (
            f"{message} (in the part with students {sheets[run.part.first - 1].student_id!r} to "
            f"{sheets[run.part.last - 1].student_id!r}, numbers {run.part.first} to {run.part.last})"
        )

    def _join(self, name: str, done: list[CompileResult], whole: str) -> CompileResult:
        try:
            return joined_result(done, join_pdfs([result.pdf for result in done]))
        except JoinError as exc:
            # The parts are fine; only joining them failed: the document in one run, as without parts.
            if not self._quiet:
                click.echo(
                    f"Note: {name}.pdf was typeset in one run because its parts could not be joined ({exc})",
                    err=True,
                )
            return compile_tex(
                whole,
                name,
                timeout=self._timeout(None),
                describe=_describe(self.manifest),
                files=self.files,
                memory=self._memory(None),
            )


def _warn_missing_glyphs(results: dict[str, CompileResult], *, quiet: bool) -> None:
    """Tell the teacher when TeX dropped characters (tex_escape checks the CJK fonts, so this is rare)."""
    for name, result in results.items():
        count = sum(1 for line in result.log.splitlines() if line.startswith("Missing character: There is no "))
        if count and not quiet:
            click.echo(
                f"Warning: {name}.pdf: {count} character(s) have no glyph in the installed fonts and are "
                f"missing from the PDF (see 'Missing character' in a --format tex build's log)",
                err=True,
            )


def uncovered_names(sheets: Sequence[Sheet], *, unicode_fonts: bool) -> list[tuple[str, str]]:
    """(student id, name) of each name with characters no installed font has: they print as [U+XXXX]
    (unicode_fonts: as escape.print_name)."""
    return [
        (sheet.student_id, sheet.name)
        for sheet in sheets
        if unprintable(print_name(sheet.name, unicode_fonts=unicode_fonts))
    ]


def _shown(found: list[tuple[str, str]]) -> str:
    return ", ".join(f"{sid} ({name})" for sid, name in found[:5]) + (
        f" and {len(found) - 5} more" if len(found) > 5 else ""
    )


def _why_not_set() -> str:
    """Why a text only LuaLaTeX prints was not set by it."""
    return "LuaLaTeX failed (see above)" if lualatex_ready() else "LuaLaTeX with fontspec is not installed"


def warn_scripts(sheets: Sequence[Sheet], snippets: scripts.Snippets, *, quiet: bool) -> None:
    """Name each student whose name prints as [U+XXXX] codes, so the teacher can write it in by hand: names
    with characters no installed font has, and names only LuaLaTeX could print when it is not usable. Then
    the student ids that print as codes (an id is never shortened, so a long one stays in codes too)."""
    if quiet:
        return
    found = uncovered_names(sheets, unicode_fonts=bool(snippets))
    if found:
        click.echo(
            f"Warning: {len(found)} name(s) use characters no installed font covers and print as [U+XXXX] "
            f"codes on the PDFs (write them in by hand, or {scripts.INSTALL_HINT}): {_shown(found)}",
            err=True,
        )
    printed = set(snippets.texts)
    unset = [
        (sheet.student_id, sheet.name)
        for sheet in sheets
        if (shown := print_name(sheet.name, unicode_fonts=bool(snippets))) not in printed
        and scripts.needing_fonts([shown])
    ]
    if unset:
        click.echo(
            f"Warning: {len(unset)} name(s) are in scripts pdflatex's fonts lack (Arabic, Hebrew, Korean...) and "
            f"{_why_not_set()}, so they print as [U+XXXX] codes on the PDFs ({scripts.INSTALL_HINT}): {_shown(unset)}",
            err=True,
        )
    coded = [
        sheet.student_id
        for sheet in sheets
        if not sheet.student_id.isascii()
        and sheet.student_id not in printed
        and (scripts.needing_fonts([sheet.student_id]) or unprintable(sheet.student_id))
    ]
    if coded:
        why = (
            "LuaLaTeX with fontspec is not installed"
            if not lualatex_ready()
            else "no installed font has a character, LuaLaTeX failed, or the id is too long to print whole"
        )
        click.echo(
            f"Warning: {len(coded)} student id(s) print as [U+XXXX] codes on the PDFs ({why}): "
            + ", ".join(coded[:5])
            + (f" and {len(coded) - 5} more" if len(coded) > 5 else ""),
            err=True,
        )


def warn_bank_texts(manifest: Manifest, snippets: scripts.Snippets, *, quiet: bool) -> None:
    """Say which of the bank's texts (course, title, instruction paragraphs) print as [U+XXXX] codes: with
    characters no installed font has, or in a script only LuaLaTeX prints when it is not usable."""
    if quiet:
        return
    bank = manifest.bank
    texts = [("course", bank.course), ("title", bank.title)]
    texts += [(f"instructions (paragraph {n})", p) for n, p in enumerate(plain_paragraphs(bank.instructions), 1)]
    uncovered = [where for where, text in texts if unprintable(text)]
    if uncovered:
        click.echo(
            f"Warning: the bank's {', '.join(uncovered)} use(s) characters no installed font covers, printed as "
            f"[U+XXXX] codes on the PDFs (edit the bank, or {scripts.INSTALL_HINT})",
            err=True,
        )
    printed = {*snippets.texts, *snippets.paragraphs}
    unset = [where for where, text in texts if text not in printed and scripts.needing_fonts([text])]
    if unset:
        click.echo(
            f"Warning: the bank's {', '.join(unset)} are in scripts pdflatex's fonts lack and {_why_not_set()}, so "
            f"they print as [U+XXXX] codes on the PDFs ({scripts.INSTALL_HINT})",
            err=True,
        )


def warn_name_fallbacks(sheets: Sequence[Sheet], snippets: scripts.Snippets, *, quiet: bool) -> None:
    """Say which names print shortened or without some accents (escape.print_name and MAX_MARKS), with
    names.pdf's snippets or, when empty, without (a long name then prints shorter, as codes)."""
    fonts = bool(snippets)
    ids = [sheet.student_id for sheet in sheets if name_needs_fallback(sheet.name, unicode_fonts=fonts)]
    if ids and not quiet:
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        click.echo(
            f"Note: {len(ids)} name(s) are too long or carry too many accents to print as written and "
            f"appear shortened on the PDFs (the manifest keeps them whole): {shown}",
            err=True,
        )


def expected_fields(manifest: Manifest) -> list[str]:
    """Every form field a fillable worksheets.pdf must have: each student's hidden field and answer boxes
    (one per answer, gradient component or part: quizgen.formfields.problem_fields)."""
    names = []
    for sheet in manifest.students:
        names.append(formfields.meta_field(sheet.student_id))
        for p in sheet.problems:
            names += formfields.problem_fields(sheet.student_id, p)
    return names


def _check_fields(manifest: Manifest, pdf: bytes) -> None:
    """A fillable worksheet whose boxes are not all fields cannot be graded from the PDF: say so now.

    Only a custom --template that does not use \\qgfield / \\qgmetafield can cause this.
    """
    import io

    from pypdf import PdfReader

    have = set(PdfReader(io.BytesIO(pdf)).get_fields() or {})
    missing = [name for name in expected_fields(manifest) if name not in have]
    if missing:
        raise LatexError(
            f"--fillable: worksheets.pdf lacks {len(missing)} of its form fields (first: {missing[0]}); a custom "
            "--template must keep \\qgfield in problem.tex.j2 and \\qgmetafield in header.tex.j2 (see the README)"
        )


def _write_split(manifest: Manifest, results: dict[str, CompileResult], out: Path) -> list[Path]:
    # The same file names as grading's feedback pages, so students/<stem>.pdf and feedback/<stem>.html match.
    folders = {"worksheets": "students", "key": "keys"}
    names = file_stems([sheet.student_id for sheet in manifest.students])
    stems = [names[sheet.student_id] for sheet in manifest.students]
    written = []
    for name, result in results.items():
        if name not in folders:
            continue  # the marking key is one table for the class
        ranges = [result.marks.get(i, (0, 0)) for i in range(1, len(manifest.students) + 1)]
        if any(first < 1 for first, _ in ranges):
            raise LatexError(
                f"{name}.pdf: cannot split per student (the template does not call \\qgmark); "
                "keep \\qgmark{start}/\\qgmark{end} in custom templates or drop --split"
            )
        for stem, data in zip(stems, split_pdf(result.pdf, ranges)):
            path = out / folders[name] / f"{stem}.pdf"
            atomic_write_bytes(path, data)
            written.append(path)
    # Files of students no longer in the class (an earlier run into the same folder) would mislead.
    keep = set(written)
    for folder in folders.values():
        for old in sorted((out / folder).glob("*.pdf")):
            if old not in keep:
                old.unlink()
    return written
