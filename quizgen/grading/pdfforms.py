"""Answers from filled-in fillable worksheets (`quizgen generate --fillable`), read with pypdf.

A folder is read as a class's PDFs (every *.pdf under it, in name order); a single PDF works too, whether
it is one student's split file or the whole worksheets.pdf (each field names its student, see
quizgen.formfields). Each file is checked before its answers count: it must hold quizgen's hidden field
for every student it has answers of, made by this manifest's generate run, for a student in the manifest
with the same variant code. A file that fails a check is reported in one line and the rest are graded:

- unreadable_file: not a PDF, a damaged or password-protected PDF, or a PDF without quizgen's fields;
- wrong_sheet: a worksheet from another generate run or for a student or variant not in this manifest,
  or a file named for one student (students/<id>.pdf) holding another student's worksheet, or answers
  on another student's sheet (a class worksheets.pdf filled in on the wrong page).

Within a graded sheet, a part's field is read as that part ("4a"), so per-part grading and carried-forward
credit apply as for a CSV. An answer field the worksheet had but the file lacks (removed or renamed in a PDF
editor) is a `missing` issue naming it, and a filled field whose name is not quizgen's an `unknown_problem`
quoting it: neither is a silent zero.

For answers read from a PDF, Source.line is the page the field is on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quizgen import formfields
from quizgen.errors import AnswerFileError
from quizgen.fileio import file_stems
from quizgen.grading.model import Issue, IssueKind, RawAnswer, ReadResult, Source, StudentKey
from quizgen.manifest import Manifest
from quizgen.problem import Sheet

MAX_PDF_BYTES = 50_000_000
"""A filled-in worksheet is well under a megabyte; a larger file is not read (bounded time and memory)."""
MAX_FIELDS = 100_000
MAX_VALUE = 100_000
"""Characters per field value kept; the answer parser refuses far shorter input anyway."""

PDF_HEADER = b"%PDF-"


def looks_like_pdf(path: Path) -> bool:
    """Whether a file starts like a PDF (readers allow up to 1 KiB of junk before the header)."""
    try:
        with path.open("rb") as fh:
            return PDF_HEADER in fh.read(1024)
    except OSError:
        return False


@dataclass(frozen=True)
class _Field:
    name: str
    value: str
    page: int  # 1-based; 0 when the field is on no page


def read_pdf_answers(path: str | Path, manifest: Manifest) -> ReadResult:
    """Read one filled-in PDF, or every PDF in a folder (and its subfolders).

    Raises:
        AnswerFileError: a folder without any PDF in it.
    """
    p = Path(path)
    issues: list[Issue] = []
    answers: list[RawAnswer] = []
    checker = _Checker(manifest)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and not _hidden(f.relative_to(p)))
        pdfs = [f for f in files if f.suffix.lower() == ".pdf" or looks_like_pdf(f)]
        if not pdfs:
            raise AnswerFileError(
                f"{p}: no PDF files in this folder; pass the filled-in worksheets' folder, or CSV/JSON answer files"
            )
        for f in files:
            if f not in pdfs:
                issues.append(
                    Issue(
                        "unreadable_file",
                        str(f),
                        0,
                        "",
                        "",
                        "not a PDF, so not read; grade CSV or JSON answer files by naming them",
                    )
                )
    else:
        pdfs = [p]
    for f in pdfs:
        checker.read_file(f, answers, issues)
    return ReadResult(answers, issues, f"filled-in PDF worksheets ({len(pdfs)} file{'s' if len(pdfs) != 1 else ''})")


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _fields(path: Path) -> list[_Field]:
    """Every form field with its value and page; raises on a file pypdf cannot read."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(str(path), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise _Refused("the PDF is protected with a password; save an unprotected copy and grade again")
    pages: dict[str, int] = {}
    for number, page in enumerate(reader.pages, 1):
        annots = page.get("/Annots")
        for annot in (annots.get_object() if annots is not None else []) or []:
            obj = annot.get_object()
            name = obj.get("/T")
            if name is None and obj.get("/Parent") is not None:
                name = obj["/Parent"].get_object().get("/T")
            if name is not None:
                pages.setdefault(str(name), number)
    out: list[_Field] = []
    for name, field in (reader.get_fields() or {}).items():
        if len(out) >= MAX_FIELDS:
            raise _Refused(f"more than {MAX_FIELDS} form fields; not a quizgen worksheet")
        value = field.get("/V")
        text = "" if value is None else str(value)
        out.append(_Field(str(name), text[:MAX_VALUE], pages.get(str(name), 0)))
    return out


class _Refused(Exception):
    """A PDF that opens but cannot be used, with the reason to report."""


class _Checker:
    """Checks each file against the manifest and turns its filled fields into RawAnswers."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.set_id = formfields.set_id(manifest)
        self.sheets = {s.student_id: s for s in manifest.students}
        stems = file_stems([s.student_id for s in manifest.students])
        self.owner_by_stem = {stem: sid for sid, stem in stems.items()}

    def _run(self, set_id: str) -> str:
        """A generate run in words: "seed 6" (same bank) or "another bank, seed 6"."""
        bank, _, seed = set_id.rpartition("-")
        same = bank == self.set_id.rpartition("-")[0]
        return f"seed {seed}" if same else f"bank sha256 {bank}..., seed {seed}"

    def read_file(self, path: Path, answers: list[RawAnswer], issues: list[Issue]) -> None:
        file = str(path)

        def report(kind: IssueKind, detail: str, student: str = "", line: int = 0, problem: str = "") -> None:
            issues.append(Issue(kind, file, line, student, problem, detail))

        try:
            size = path.stat().st_size
        except OSError as exc:
            report("unreadable_file", f"cannot read the file ({exc.strerror})")
            return
        if size > MAX_PDF_BYTES:
            report("unreadable_file", f"{size // 1_000_000} MB is far larger than a worksheet; not read")
            return
        try:
            fields = _fields(path)
        except _Refused as exc:
            report("unreadable_file", str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files; each is one line
            report("unreadable_file", f"not a PDF that can be read ({type(exc).__name__}: {str(exc)[:120]})")
            return

        metas: dict[str, formfields.Meta] = {}
        filled: dict[str, list[tuple[formfields.AnswerField, _Field]]] = {}
        stray: list[_Field] = []  # filled fields whose names are not quizgen's (renamed in a PDF editor)
        for f in fields:
            owner = formfields.parse_meta_field(f.name)
            if owner is not None:
                meta = formfields.parse_meta_value(f.value)
                if meta is None or meta.student_id != owner:
                    report(
                        "unreadable_file",
                        f"quizgen's hidden field {f.name} was altered; the file cannot be "
                        "trusted, so none of it was graded",
                    )
                    return
                metas[owner] = meta
                continue
            parsed = formfields.parse_answer_field(f.name)
            if parsed is not None:
                filled.setdefault(parsed.student_id, []).append((parsed, f))
            elif f.value.strip():
                stray.append(f)
        if not metas:
            why = (
                "its answer fields lack the hidden field naming the student and variant"
                if filled
                else ("it has no quizgen form fields")
            )
            report(
                "unreadable_file",
                f"not a fillable quizgen worksheet ({why}); make worksheets with "
                "`quizgen generate --fillable`, or type the answers into answers-template.csv",
            )
            return

        for f in stray:
            report(
                "unknown_problem",
                f"the form field {f.name[:80]!r} is not one of quizgen's (renamed?), so its answer "
                f"{f.value[:80]!r} was not graded; type it into answers-template.csv",
                next(iter(metas)) if len(metas) == 1 else "",  # whose it is, when the file holds one sheet
                line=f.page,
            )

        other_runs = sorted({m.set_id for m in metas.values() if m.set_id != self.set_id})
        if other_runs:
            report(
                "wrong_sheet",
                f"a worksheet from another `quizgen generate` run ({self._run(other_runs[0])}, "
                f"not {self._run(self.set_id)} as in this manifest); grade it with the manifest.json made "
                "with it",
            )
            return

        owner = self.owner_by_stem.get(path.stem) or (path.stem if path.stem in self.sheets else None)
        if owner is not None and owner not in metas:
            whose = ", ".join(repr(s) for s in sorted(metas))
            report(
                "wrong_sheet",
                f"the file is named for {owner!r} but holds the worksheet of {whose}: filled "
                f"in for another student, so not graded; ask {owner!r} for their own worksheet",
                owner,
            )
            return

        valid: set[str] = set()
        for sid, meta in sorted(metas.items()):
            sheet = self.sheets.get(sid)
            if sheet is None:
                report("wrong_sheet", f"the worksheet of {sid!r}, who is not in this manifest; not graded", sid)
            elif sheet.variant != meta.variant:
                report(
                    "wrong_sheet",
                    f"the worksheet of {sid!r} with variant {meta.variant}, but this manifest "
                    f"gives {sid!r} variant {sheet.variant}; grade it with the manifest it came from",
                    sid,
                )
            else:
                valid.add(sid)

        for sid, items in filled.items():
            if sid not in metas:
                values = "; ".join(f"{f.name}={f.value!r}" for _, f in items if f.value.strip())[:200]
                if values:
                    report(
                        "wrong_sheet",
                        f"answer fields for {sid!r}, but the file holds no worksheet of "
                        f"{sid!r}: filled in for another student, so not graded ({values})",
                        sid,
                    )
                continue
            if sid not in valid:
                continue  # reported above
            if owner is not None and sid != owner:
                if any(f.value.strip() for _, f in items):
                    report(
                        "wrong_sheet",
                        f"the file is named for {owner!r} but has answers in the worksheet of "
                        f"{sid!r}: filled in for another student, so those were not graded",
                        sid,
                    )
                continue
            if len(metas) > 1 and not any(f.value.strip() for _, f in items):
                continue  # a sheet in a class file that nobody filled in (a student's own empty file counts)
            self._report_missing(self.sheets[sid], {f.name for _, f in items}, report)
            key = StudentKey((("student_id", sid),))
            for parsed, f in sorted(items, key=lambda item: self._order(sid, item[0])):
                component, label = _address(parsed)
                answers.append(RawAnswer(Source(file, f.page), key, parsed.slot, component, f.value, label))

    def _order(self, sid: str, field: formfields.AnswerField) -> tuple[int, int, int, str]:
        """Fields in sheet order: by slot, then component, then the part's place in the problem."""
        labels = next((p.parts for p in self.sheets[sid].problems if p.slot == field.slot), [])
        place = next((i for i, part in enumerate(labels) if part.label == field.part), len(labels))
        return (field.slot, field.component or 0, place, field.part or "")

    def _report_missing(self, sheet: Sheet, names: set[str], report: Callable[..., None]) -> None:
        """An answer field the worksheet had but the file lacks (removed or renamed by a PDF editor) is named,
        not a silent zero: the answer it held is not in the file."""
        for problem in sheet.problems:
            fields = formfields.problem_fields(sheet.student_id, problem)
            lost = [name for name in fields if name not in names]
            if not lost:
                continue
            parsed = [formfields.parse_answer_field(name) for name in lost]
            what = ", ".join(_address(a)[1] for a in parsed if a is not None)
            report(
                "missing",
                f"the file lacks the answer field{'s' if len(lost) > 1 else ''} {', '.join(lost[:6])}"
                f"{' ...' if len(lost) > 6 else ''} (removed or renamed in a PDF editor), so {what} could not "
                "be read and scores 0; check the file, or type the answer into answers-template.csv",
                sheet.student_id,
                problem=str(problem.slot),
            )


def _address(field: formfields.AnswerField) -> tuple[int | str | None, str]:
    """The RawAnswer component and problem label of an answer field: "4", "4.2" (a gradient's second
    component, 0-based index 1) or "4a" (a part, by its label, as an answers file writes it)."""
    if field.part is not None:
        return field.part, f"{field.slot}{field.part}"
    if field.component is not None:
        return field.component - 1, f"{field.slot}.{field.component}"
    return None, str(field.slot)
