"""`pip install quizgen` from a built wheel works anywhere: built from the sources, installed with its
dependencies into a fresh venv outside the checkout, it generates a worksheet from a shipped bank by name.

Slow (a wheel build and a venv install, about a minute): it runs in CI with the rest of the suite; deselect
it while working with `-m "not wheel"`. pip reaches the package index (or its cache) for the build backend
and the dependencies, as a user's install does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "quizgen", "templates", "banks")
"""What a build needs: the checkout's sources without tests, caches or earlier build folders."""

pytestmark = pytest.mark.wheel


def _env() -> dict[str, str]:
    """The caller's environment without what would make the venv import the checkout instead of the wheel."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONNOUSERSITE="1")
    return env


def _run(args: list[str | Path], cwd: Path, timeout: int = 600) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def venv_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system site-packages) with the wheel built from a copy of the sources installed."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    _run([sys.executable, "-m", "venv", work / "venv"], cwd=work)
    python = work / "venv" / "bin" / "python"
    _run([python, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", work / "dist", source], cwd=work)
    wheels = list((work / "dist").glob("quizgen-*.whl"))
    assert len(wheels) == 1, wheels
    # --no-compile: byte-compiling sympy and matplotlib would double the install time and test nothing
    _run([python, "-m", "pip", "install", "--no-compile", wheels[0]], cwd=work)
    return work / "venv" / "bin"


def test_the_installed_wheel_reads_its_own_templates_and_banks(venv_bin: Path, tmp_path: Path) -> None:
    shown = _run(
        [
            venv_bin / "python",
            "-c",
            "import quizgen, quizgen.resources as r; print(quizgen.__file__); "
            "print(r.data_folder('templates')[0]); print(r.data_folder('banks')[0]); print(*r.shipped_banks())",
        ],
        cwd=tmp_path,
    ).splitlines()
    site = Path(shown[0]).parent
    assert site.is_relative_to(venv_bin.parent) and not site.is_relative_to(ROOT)
    assert shown[1:3] == [str(site / "templates"), str(site / "banks")]
    assert shown[3].split() == sorted(p.stem for p in (ROOT / "banks").glob("*.yaml"))


def test_generate_from_a_shipped_bank_outside_the_checkout(
    venv_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _run(
        [venv_bin / "quizgen", "generate", "--bank", "demo", "--count", "2", "--format", "tex", "--out", "out"],
        cwd=elsewhere,
    )
    out = elsewhere / "out"
    for name in ("worksheets.tex", "key.tex", "manifest.json"):
        assert (out / name).is_file(), name
    assert "\\begin{document}" in (out / "worksheets.tex").read_text(encoding="utf-8")
    # byte for byte what the checkout makes: the wheel carries the repository's code, bank and templates
    monkeypatch.chdir(tmp_path)
    here = CliRunner().invoke(
        cli, ["generate", "--bank", "demo", "--count", "2", "--format", "tex", "--quiet", "--out", "checkout"]
    )
    assert here.exit_code == 0, here.output
    for name in ("manifest.json", "worksheets.tex", "key.tex"):
        assert (out / name).read_bytes() == (tmp_path / "checkout" / name).read_bytes(), name
