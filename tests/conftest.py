"""Suite-wide settings: under CI (CI=true) hypothesis draws the same examples every run, so a red build always
reproduces; locally it keeps exploring new examples."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from tests.builtonce import built_once

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long poles first: the wheel test (build, venv, install, generate, mostly in subprocesses) starts at once
    on one xdist worker and overlaps the rest of the suite, then the modules marked slow (real compiles, Maxima,
    bank-wide draws), so the run ends on small tests and no core waits idle for one long test at the end
    (worksteal moves only tests still queued). The sort is stable: a module's tests stay together."""
    items.sort(key=lambda item: (item.get_closest_marker("wheel") is None, item.get_closest_marker("slow") is None))


@pytest.fixture(scope="session")
def fillable_backprop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`quizgen generate --fillable --split` (PDF) of the shipped backprop bank for ada and bo, seed 3: the
    folder written. Built once per run for every worker (tests.builtonce); the form-field tests of render and
    grading read it and write elsewhere."""
    from click.testing import CliRunner

    from quizgen.cli import cli

    def build(folder: Path) -> None:
        (folder / "roster.csv").write_text("student_id,name\nada,Ada\nbo,Bo\n", encoding="utf-8")
        args = ["generate", "--bank", "backprop", "--roster", str(folder / "roster.csv"), "--seed", "3"]
        result = CliRunner().invoke(cli, [*args, "--fillable", "--split", "--quiet", "--out", str(folder / "gen")])
        assert result.exit_code == 0, result.output

    return built_once(tmp_path_factory, "fillable-backprop", build) / "gen"


_DRAWN: dict[tuple[str, str], bytes] = {}
"""The report plots drawn in this process (an xdist worker) for the modules that ask for plots_drawn_once, by
function and data."""


@pytest.fixture(scope="module")
def plots_drawn_once() -> Iterator[None]:
    """The report's plots drawn once per distinct data in this worker, for the modules that ask (`pytestmark =
    pytest.mark.usefixtures("plots_drawn_once")`): a grading run draws two PNGs (most of a small class's run's
    CPU), and tests that grade the same answers again and again, with different options or in another module
    (the same hand-made class, the same totals), would draw the same ones each time. plots.py draws the same
    bytes for the same data (tests/grading/test_report.py checks it, drawing for real: it does not ask), so
    every page is written with the bytes it would have had; new data is drawn for real. Only the modules that
    ask see the memo: it is in place while they run."""
    from quizgen.grading import plots

    def drawn_once(draw: Callable[..., bytes]) -> Callable[..., bytes]:
        def draw_or_reuse(*args: object) -> bytes:
            key = (draw.__name__, repr(args))  # lists of floats and labels: repr is exact
            if key not in _DRAWN:
                _DRAWN[key] = draw(*args)
            return _DRAWN[key]

        return draw_or_reuse

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plots, "score_histogram", drawn_once(plots.score_histogram))
        patch.setattr(plots, "success_bars", drawn_once(plots.success_bars))
        yield


@pytest.fixture(scope="module")
def heap_settled() -> Iterator[None]:
    """The module run inside quizgen.gcpause.settled_heap(), for a module that asks (`pytestmark =
    pytest.mark.usefixtures("heap_settled")`, or a folder's conftest): what the process holds when the module
    starts (sympy, the suite's modules, the caches earlier modules filled) is left out of the cyclic
    collections until the module ends, and young collections are rarer. Under xdist a worker runs half the
    suite, and each full collection re-walked its whole heap (0.2-0.45 s each in the family tests); objects are
    freed as before, and cycles are still collected. Not for a module that freezes or thaws the heap itself
    (tests/test_gcpause.py)."""
    from quizgen.gcpause import settled_heap

    with settled_heap():
        yield


@dataclass(frozen=True)
class FreshRun:
    """`python -m quizgen generate` in a fresh interpreter: what it wrote and printed."""

    args: tuple[str, ...]  # the generate command line, less the --out folder
    out: Path  # the folder it wrote
    at_exit: str  # what the interpreter printed as it exited: "frozen" when the heap was frozen by then


_FRESH_CODE = (
    "import atexit, gc, runpy\n"
    "atexit.register(lambda: print('frozen' if gc.get_freeze_count() else 'not frozen'))\n"
    "runpy.run_module('quizgen', run_name='__main__', alter_sys=True)\n"
)
"""`python -m quizgen` (quizgen/__main__.py), with a look at the heap after everything else at exit has run
(atexit runs the last registered first)."""


@pytest.fixture(scope="session")
def generated_in_a_fresh_interpreter(tmp_path_factory: pytest.TempPathFactory) -> FreshRun:
    """The demo bank for 2 students, seed 9, json, run as `python -m quizgen` in a fresh interpreter whose hash
    seed differs from this process's (this one's is random or the environment's). One run (a second of CPU to
    start: sympy's import) for test_generate's bytes-across-processes test and commands/test_generate's
    heap-at-exit test. Built once per run for every worker (tests.builtonce)."""
    root = Path(__file__).resolve().parent.parent
    args = ("generate", "--bank", str(root / "banks" / "demo.yaml"), "--count", "2", "--seed", "9")
    args += ("--format", "json", "--quiet")

    def build(folder: Path) -> None:
        hash_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        command = [sys.executable, "-c", _FRESH_CODE, *args, "--out", str(folder / "out")]
        done = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, check=True)
        (folder / "at-exit.txt").write_text(done.stdout, encoding="utf-8")

    folder = built_once(tmp_path_factory, "generated-in-a-fresh-interpreter", build)
    return FreshRun(args, folder / "out", (folder / "at-exit.txt").read_text(encoding="utf-8").strip())
