"""pdflatex and LuaLaTeX runs recorded by a shared fixture and replayed by the tests whose subject is what quizgen
does with a run's result (a part that fails, a join that fails, a stream dropped, a class typeset again over old
files): a run of a source the fixture compiled returns that run's result instead of running the engine again.

The engines give the same bytes for the same source, engine, files (names.pdf) and main memory: the
reproducibility tests of test_documents and test_scripts compare real runs, which nothing here replays
(test_parts' compares what quizgen makes of the same part runs: the parts' sources, their join and split). A run
of any other source is real, and so is every streamed run (a Feed is never replayed).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from quizgen.render import documents, scripts
from quizgen.render.compile import CompileResult, Feed

RUNS = "runs.pickle"
"""Beside a recorded fixture's output: the result of each of its finished runs, by run_key."""

_USERS = (documents, scripts)
"""The modules that call compile_tex: documents (pdflatex) and scripts (LuaLaTeX's names.pdf)."""


def run_key(tex: str, jobname: str, kwargs: Mapping[str, object]) -> str:
    """What a run's PDF and log depend on: its source, job name, engine, files (names.pdf) and main memory."""
    files = kwargs.get("files") or {}
    assert isinstance(files, dict)
    engine = kwargs.get("engine") or ()
    assert isinstance(engine, (list, tuple))
    digest = hashlib.sha256(f"{jobname}\0{' '.join(engine)}\0{kwargs.get('memory', 0)}\0{tex}".encode())
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + data)
    return digest.hexdigest()


@contextmanager
def recording(folder: Path) -> Iterator[None]:
    """Within: the result of every finished run of a whole source is kept, written to folder / RUNS at the end."""
    runs: dict[str, CompileResult] = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for module in _USERS:
            compile_tex = module.compile_tex

            def record(tex: str | Feed, jobname: str, _compile=compile_tex, **kwargs):  # type: ignore[no-untyped-def]
                result = _compile(tex, jobname, **kwargs)
                if not isinstance(tex, Feed):
                    runs[run_key(tex, jobname, kwargs)] = result
                return result

            monkeypatch.setattr(module, "compile_tex", record)
        yield
    (folder / RUNS).write_bytes(pickle.dumps(runs))


def replaying(monkeypatch: pytest.MonkeyPatch, *folders: Path) -> list[str]:
    """From now on, a run of a source recorded in one of folders returns that run's result; every other run is real.
    Returns the job names replayed, in order."""
    runs: dict[str, CompileResult] = {}
    for folder in folders:
        runs.update(pickle.loads((folder / RUNS).read_bytes()))
    replayed: list[str] = []
    for module in _USERS:
        compile_tex = module.compile_tex

        def compile_or_replay(tex: str | Feed, jobname: str, _compile=compile_tex, **kwargs):  # type: ignore[no-untyped-def]
            found = None if isinstance(tex, Feed) else runs.get(run_key(tex, jobname, kwargs))
            if found is None:
                return _compile(tex, jobname, **kwargs)
            replayed.append(jobname)
            return found

        monkeypatch.setattr(module, "compile_tex", compile_or_replay)
    return replayed
