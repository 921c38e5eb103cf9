"""`quizgen check`: one answer against its key, or a JSONL batch (a stable contract for outside scripts)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from quizgen.errors import QuizgenError

VAR_HELP = "A variable of the problem, in order (repeat: --var x --var y). Default: the key's free symbols."
LATEX_HELP = "Read the answer as LaTeX (default: detected)."
JSON_HELP = "Print the verdict as one JSON object."
TIMEOUT_HELP = "Time limit per check in seconds."
BATCH_HELP = 'Check every line of a JSONL file ({"id", "expected", "answer", "variables"?}); - for stdin.'
OUT_HELP = "Where to write the JSONL verdicts (default and -: stdout); written atomically."
WORKERS_HELP = "Worker processes for big batches."


class CheckUsageError(QuizgenError):
    """quizgen check was called with a bad combination of arguments or an unreadable file."""


@click.command("check", context_settings={"ignore_unknown_options": True})
@click.argument("expected", required=False)
@click.argument("answer", required=False)
@click.option("--var", "variables", multiple=True, metavar="NAME", help=VAR_HELP)
@click.option("--latex/--no-latex", "latex", default=None, help=LATEX_HELP)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--timeout", type=click.FloatRange(min=0.01), default=2.0, show_default=True, help=TIMEOUT_HELP)
@click.option("--batch", "batch", metavar="FILE.jsonl", help=BATCH_HELP)
@click.option("--out", "out", metavar="FILE.jsonl", help=OUT_HELP)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help=WORKERS_HELP)
def check_command(
    expected: str | None,
    answer: str | None,
    variables: Sequence[str],
    latex: bool | None,
    as_json: bool,
    timeout: float,
    batch: str | None,
    out: str | None,
    workers: int,
) -> None:
    """Check an answer against the expected key: correct, incorrect or invalid, and how it was read.

    \b
    quizgen check "2*x + 3*y" "3y + 2x" --var x --var y
    quizgen check --batch answers.jsonl --out verdicts.jsonl
    """
    if batch is not None:
        if expected is not None or answer is not None:
            raise click.UsageError("give either EXPECTED ANSWER or --batch FILE, not both")
        _run_batch(batch, out, timeout, workers)
        return
    if out is not None:
        raise click.UsageError("--out is only for --batch")
    if expected is None or answer is None:
        raise click.UsageError("give EXPECTED and ANSWER (or --batch FILE)")
    twice = _repeated(variables)
    if twice:
        raise click.UsageError(f"--var {twice} is given twice; name each variable of the problem once")
    from quizgen.checker import check

    verdict = check(expected, answer, list(variables) or None, latex=latex, timeout=timeout)
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=True, sort_keys=True))
        return
    click.echo(verdict.verdict)
    if verdict.interpreted:
        click.echo(f"interpreted as: {verdict.interpreted}")
    if verdict.message:
        click.echo(f"message: {verdict.message}")
    if verdict.diagnosis == "syntax":
        excerpt = _excerpt(answer, variables or verdict_variables(expected), latex)
        if excerpt:
            click.echo(excerpt)
    if verdict.verdict == "incorrect" and verdict.score not in (0.0, 1.0):
        click.echo(f"score: {verdict.score:g}")


def _repeated(names: Sequence[str]) -> str:
    """The first name that appears twice, or ""."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return ""


def verdict_variables(expected: str) -> list[str]:
    """The variables check() used when none were given: the key's free symbols, sorted."""
    from quizgen.checker.core import BadKey, load_key

    try:
        return list(load_key(expected, None).variables)
    except BadKey:
        return []


def _excerpt(answer: str, variables: Sequence[str], latex: bool | None) -> str:
    """The parser's caret line under the offending spot (the verdict carries only the message)."""
    from quizgen.mathparse import AnswerSyntaxError, parse_answer

    try:
        parse_answer(answer, list(variables), latex=latex)
    except AnswerSyntaxError as exc:
        return exc.excerpt
    except Exception:  # noqa: BLE001 - the excerpt is a nicety; the verdict already said what is wrong
        return ""
    return ""


def _read_lines(batch: str) -> list[bytes]:
    if batch == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    else:
        path = Path(batch)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise CheckUsageError(f"{batch}: no such file; give the path of a JSONL file of answers") from exc
        except IsADirectoryError as exc:
            raise CheckUsageError(f"{batch}: is a folder; give the path of a JSONL file of answers") from exc
        except OSError as exc:
            raise CheckUsageError(f"{batch}: cannot be read ({exc.strerror}); check its permissions") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1].strip() == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def parse_batch_line(raw: bytes, number: int) -> tuple[Any, Any]:
    """(id, CheckRequest) or (id, message) when the line cannot be used."""
    from quizgen.checker import CheckRequest
    from quizgen.jsonread import loads

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, f"line {number}: not UTF-8 text"
    try:
        record = loads(text)
    except json.JSONDecodeError:
        return None, f"line {number}: not a JSON object"
    except ValueError as exc:  # NaN, Infinity, a 5,000-digit number, nesting past the limit
        return None, f"line {number}: unusable JSON: {exc}"
    if not isinstance(record, dict):
        return None, f"line {number}: not a JSON object"
    rid = record.get("id")
    if isinstance(rid, (dict, list)):
        rid = json.dumps(rid, sort_keys=True)
    expected, answer, variables = record.get("expected"), record.get("answer"), record.get("variables")
    if not (
        isinstance(expected, str)
        or (isinstance(expected, list) and bool(expected) and all(isinstance(e, str) for e in expected))
    ):
        return rid, f'line {number}: "expected" must be a string or a list of strings'
    if not isinstance(answer, str):
        return rid, f'line {number}: "answer" must be a string'
    if variables is not None and not (isinstance(variables, list) and all(isinstance(v, str) for v in variables)):
        return rid, f'line {number}: "variables" must be a list of strings'
    if variables is not None and _repeated(variables):
        return rid, f'line {number}: "variables" lists {_repeated(variables)!r} twice; name each variable once'
    latex = record.get("latex")
    if latex is not None and not isinstance(latex, bool):
        return rid, f'line {number}: "latex" must be true or false'
    definitions = record.get("definitions")
    if definitions is not None and not (
        isinstance(definitions, dict) and all(isinstance(v, str) for v in definitions.values())
    ):
        return rid, f'line {number}: "definitions" must be an object of names to expression strings'
    return rid, CheckRequest(
        expected, answer, tuple(variables) if variables is not None else None, (), latex, definitions or None
    )


def _json_line(row: dict[str, Any]) -> str:
    """One output line, always standard JSON (no NaN or Infinity tokens, whatever a verdict holds)."""
    try:
        return json.dumps(row, ensure_ascii=True, allow_nan=False)
    except ValueError:
        fixed = {
            k: (v if not isinstance(v, float) or (v == v and abs(v) != float("inf")) else None) for k, v in row.items()
        }
        return json.dumps(fixed, ensure_ascii=True, allow_nan=False)


def _run_batch(batch: str, out: str | None, timeout: float, workers: int) -> None:
    from quizgen.checker import Checker, CheckRequest
    from quizgen.fileio import atomic_write_text, names_folder, same_file

    if out is not None and out != "-":
        if names_folder(out):
            raise CheckUsageError(f"--out {out} is a folder; give a file name such as {Path(out) / 'verdicts.jsonl'}")
        if batch != "-" and same_file(batch, out):
            raise CheckUsageError(f"--out {out} is the --batch input; write the verdicts to another file")
    lines = _read_lines(batch)
    parsed = [parse_batch_line(raw, n) for n, raw in enumerate(lines, start=1)]
    requests = [item for _, item in parsed if isinstance(item, CheckRequest)]
    with Checker(timeout=timeout, workers=workers) as checker:
        verdicts = iter(checker.check_many(requests))
    rows = []
    for rid, item in parsed:
        if isinstance(item, CheckRequest):
            v = next(verdicts)
            row = {"id": rid, **v.to_dict()}
        else:
            row = {
                "id": rid,
                "verdict": "invalid",
                "interpreted": "",
                "interpreted_latex": "",
                "message": item,
                "score": 0.0,
                "diagnosis": "malformed_line",
            }
        rows.append(_json_line(row))
    text = "".join(r + "\n" for r in rows)
    if out is None or out == "-":
        click.echo(text, nl=False)
    else:
        try:
            atomic_write_text(out, text)
        except OSError as exc:
            raise CheckUsageError(
                f"{out}: cannot be written ({exc.strerror}); check the folder exists and is writable"
            ) from exc
