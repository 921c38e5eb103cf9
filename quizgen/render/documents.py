"""`quizgen generate --format pdf|tex`: worksheets and keys for every student from one manifest.

Both documents are each one pdflatex run over all students (worksheets and key in parallel, one per
core), then split per student when asked. generate stages the output folder, so a failed compile leaves
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Literal, TypeVar

import click

from quizgen import formfields
from quizgen.errors import LatexError
from quizgen.fileio import atomic_write_bytes, atomic_write_text, file_stems
from quizgen.manifest import Manifest
from quizgen.problem import Sheet
from quizgen.render import scripts
from quizgen.render.compile import (
    CompileError,
    CompileResult,
    compile_tex,
    find_pdflatex,
)
from quizgen.render.context import Layouts, document_context, student_context, uses_cjk
from quizgen.render.environment import build_environment, render_template
from quizgen.render.split import split_pdf
from quizgen.typeset.escape import name_needs_fallback, print_name, unprintable
from quizgen.typeset.unicodefonts import lualatex_ready

DOCUMENTS = (("worksheets", "worksheet.tex.j2"), ("key", "key.tex.j2"), ("marking-key", "marking-key.tex.j2"))
"""(output name, template) for each document generate writes."""

DOUBLE_SIDED = True
"""Worksheets start each student on an odd page, so a double-sided stack separates cleanly."""


def compile_timeout(students: int) -> float:
    """Generous time for one document: 2 minutes plus half a second per student."""
    return 120.0 + 0.5 * students


def printed_texts(manifest: Manifest, sheets: Sequence[Sheet] | None = None) -> list[str]:
    """The one-line texts of the documents that may need LuaLaTeX's fonts: course, title, and the names and
    ids of sheets (default: every student of the manifest). An id that would not print whole (wider than a
    name may be, or too many marks) is left to pdflatex's [U+XXXX] codes: the id must read exactly."""
    shown = manifest.students if sheets is None else sheets
    ids = [s.student_id for s in shown if not s.student_id.isascii() and not name_needs_fallback(s.student_id)]
    return [manifest.bank.course, manifest.bank.title, *(print_name(sheet.name) for sheet in shown), *ids]


T = TypeVar("T")


@dataclass(frozen=True)
class WithNames(Generic[T]):
    """Documents rendered with the snippets they include, and names.pdf holding them (b"" when none)."""

    snippets: scripts.Snippets
    rendered: T
    names_pdf: bytes = b""


def render_with_names(
    texts: Sequence[str],
    render: Callable[[scripts.Snippets], T],
    *,
    compile: bool,
    log_dir: Path | None,
    quiet: bool,
) -> WithNames[T]:
    """render(snippets) the documents, with LuaLaTeX typesetting names.pdf meanwhile when compile is set and
    some of texts need it (a batch without such texts never starts LuaLaTeX). Used by generate and by
    grade --pdf, so both print names the same way.

    When LuaLaTeX fails, the documents are rendered again without snippets (the texts print as [U+XXXX]),
    its log is kept as <log_dir>/names.log (log_dir None: the system's temporary folder) and the first
    error is printed unless quiet.
    """
    snippets = scripts.plan(texts)
    if not (compile and snippets.texts):
        return WithNames(snippets, render(snippets))
    with ThreadPoolExecutor(max_workers=1) as pool:
        # LuaLaTeX typesets names.pdf while the sources are rendered: they do not depend on its output.
        job = pool.submit(
            scripts.compile_snippets, scripts.snippet_source(snippets), timeout=compile_timeout(len(snippets.texts))
        )
        rendered = render(snippets)
        try:
            return WithNames(snippets, rendered, job.result().pdf)
        except CompileError as exc:
            log = _keep_names_log(exc.log, log_dir)
            if not quiet:
                click.echo(
                    f"Warning: LuaLaTeX could not typeset the {len(snippets.texts)} name(s) in other scripts "
                    f"({exc.message}; log in {log}), so they print as [U+XXXX] codes",
                    err=True,
                )
    empty = scripts.Snippets(())
    return WithNames(empty, render(empty))


def _keep_names_log(log: str, folder: Path | None) -> Path:
    if folder is not None:
        path = folder / f"{scripts.JOBNAME}.log"
        atomic_write_text(path, log)
        return path
    fd, kept = tempfile.mkstemp(prefix="quizgen-names-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(log)
    return Path(kept)


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
    env = build_environment(template_dir, snippets.macros() if snippets else None)
    form_set = formfields.set_id(manifest)
    layouts: Layouts = {}  # each distinct problem is laid out once for all three documents
    students = [student_context(sheet, i, form_set, layouts) for i, sheet in enumerate(manifest.students, 1)]
    cjk = uses_cjk(manifest)
    sources = {}
    for name, template in DOCUMENTS:
        doc = document_context(
            manifest,
            name,
            cjk=cjk,
            double_sided=DOUBLE_SIDED and name == "worksheets",
            fillable=fillable and name == "worksheets",
        )
        sources[name] = render_template(env, template, {"doc": doc, "students": students})
    return sources


def write_documents(
    manifest: Manifest,
    out_dir: Path,
    *,
    fmt: Literal["pdf", "tex"],
    template_dir: Path | None = None,
    split: bool = False,
    quiet: bool = False,
    fillable: bool = False,
    log_dir: Path | None = None,
) -> list[Path]:
    """Write DIR/worksheets.tex and key.tex and, for fmt "pdf", worksheets.pdf and key.pdf (and with split,
    students/<id>.pdf and keys/<id>.pdf). With fillable, the worksheets' answer boxes are form fields
    (in worksheets.pdf and in each split file). Returns the paths written.

    Raises:
        LatexError: a template is broken, pdflatex is missing (the .tex files are written first) or a
            document fails to compile (its log is kept as <log_dir or DIR>/<name>.log: generate stages DIR
            and keeps the log where the teacher looks).
    """
    if fmt not in ("pdf", "tex"):
        raise LatexError(f"unknown document format {fmt!r}; use pdf or tex")
    if not manifest.students:
        raise LatexError("the manifest has no students, so there is nothing to typeset; check the roster")
    out = Path(out_dir)
    log_out = Path(log_dir) if log_dir is not None else out
    named = render_with_names(
        printed_texts(manifest),
        lambda snippets: render_sources(manifest, template_dir, fillable=fillable, snippets=snippets),
        compile=fmt == "pdf" and shutil.which("pdflatex") is not None,
        log_dir=log_out,
        quiet=quiet,
    )
    snippets, sources, names_pdf = named.snippets, named.rendered, named.names_pdf
    if snippets.texts:
        sources = {scripts.JOBNAME: scripts.snippet_source(snippets), **sources}
    written: list[Path] = []
    for name, text in sources.items():
        path = out / f"{name}.tex"
        atomic_write_text(path, text)
        written.append(path)
        # A PDF from an earlier run no longer matches the new manifest and sources.
        (out / f"{name}.pdf").unlink(missing_ok=True)
    sources.pop(scripts.JOBNAME, None)
    if fmt == "tex":
        warn_scripts(manifest.students, snippets, quiet=quiet)
        return written
    find_pdflatex()
    if names_pdf:
        path = out / f"{scripts.JOBNAME}.pdf"
        atomic_write_bytes(path, names_pdf)
        written.append(path)
    results = _compile_all(
        manifest, sources, quiet=quiet, out=log_out, files={f"{scripts.JOBNAME}.pdf": names_pdf} if names_pdf else None
    )
    if fillable:
        _check_fields(manifest, results["worksheets"].pdf)
    for name, result in results.items():
        path = out / f"{name}.pdf"
        atomic_write_bytes(path, result.pdf)
        written.append(path)
        (out / f"{name}.log").unlink(missing_ok=True)  # a log left by an earlier failed run
    _warn_missing_glyphs(results, quiet=quiet)
    warn_name_fallbacks(manifest.students, quiet=quiet)
    warn_scripts(manifest.students, snippets, quiet=quiet)
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


def _compile_all(
    manifest: Manifest, sources: dict[str, str], *, quiet: bool, out: Path, files: dict[str, bytes] | None = None
) -> dict[str, CompileResult]:
    """Compile every document at once (one pdflatex each, in parallel) with one progress bar."""
    n = len(manifest.students)
    show = not quiet and sys.stdout.isatty()
    lock = threading.Lock()
    with click.progressbar(length=n * len(sources), label="Typesetting", file=None if show else io.StringIO()) as bar:

        def tick(_: int) -> None:
            with lock:
                bar.update(1)

        def run(name: str) -> CompileResult:
            return compile_tex(
                sources[name],
                name,
                timeout=compile_timeout(n),
                on_progress=tick,
                describe=_describe(manifest),
                files=files,
            )

        with ThreadPoolExecutor(max_workers=len(sources)) as pool:
            futures = {name: pool.submit(run, name) for name in sources}
            results: dict[str, CompileResult] = {}
            failures: list[tuple[str, CompileError]] = []
            for name, future in futures.items():
                try:
                    results[name] = future.result()
                except CompileError as exc:
                    atomic_write_text(out / f"{name}.log", exc.log)
                    failures.append((name, exc))
    if failures:
        failed, error = failures[0]
        raise LatexError(f"{error.message}; full log in {out / (failed + '.log')}") from None
    return results


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


def uncovered_names(sheets: Sequence[Sheet]) -> list[tuple[str, str]]:
    """(student id, name) of each name with characters no installed font has: they print as [U+XXXX]."""
    return [(sheet.student_id, sheet.name) for sheet in sheets if unprintable(print_name(sheet.name))]


def _shown(found: list[tuple[str, str]]) -> str:
    return ", ".join(f"{sid} ({name})" for sid, name in found[:5]) + (
        f" and {len(found) - 5} more" if len(found) > 5 else ""
    )


def warn_scripts(sheets: Sequence[Sheet], snippets: scripts.Snippets, *, quiet: bool) -> None:
    """Name each student whose name prints as [U+XXXX] codes, so the teacher can write it in by hand: names
    with characters no installed font has, and names only LuaLaTeX could print when it is not usable. Then
    the student ids that print as codes (an id is never shortened, so a long one stays in codes too)."""
    if quiet:
        return
    found = uncovered_names(sheets)
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
        if (shown := print_name(sheet.name)) not in printed and scripts.needing_fonts([shown])
    ]
    if unset:
        why = "LuaLaTeX failed (see above)" if lualatex_ready() else "LuaLaTeX with fontspec is not installed"
        click.echo(
            f"Warning: {len(unset)} name(s) are in scripts pdflatex's fonts lack (Arabic, Hebrew, Korean...) and "
            f"{why}, so they print as [U+XXXX] codes on the PDFs ({scripts.INSTALL_HINT}): {_shown(unset)}",
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


def warn_name_fallbacks(sheets: Sequence[Sheet], *, quiet: bool) -> None:
    """Say which names print shortened or without some accents (escape.print_name and MAX_MARKS)."""
    ids = [sheet.student_id for sheet in sheets if name_needs_fallback(sheet.name)]
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
