"""`pip install quizgen` from a built wheel works anywhere: built from the sources, installed into a fresh venv
outside the checkout next to exactly the distributions its metadata requires, it generates a worksheet from a
shipped bank by name.

The dependencies are not downloaded and installed again (that took most of a minute and tested pip): the venv
gets the transitive closure of the wheel's own Requires-Dist, linked from the environment running the tests,
and nothing else. So an import of an undeclared distribution still fails here, as it would for a user, while
quizgen itself, its templates and its banks come only from the wheel. Deselect with `-m "not wheel"`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from quizgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "quizgen", "templates", "banks")
"""What a build needs: the checkout's sources without tests, caches or earlier build folders."""

pytestmark = pytest.mark.wheel

_BUILD = "import importlib, sys; importlib.import_module(sys.argv[1]).build_wheel(sys.argv[2])"
"""A PEP 517 backend's build_wheel (argv: the backend's module, the folder for the wheel), as a frontend calls it."""


def _env() -> dict[str, str]:
    """The caller's environment without what would make the venv import the checkout instead of the wheel."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONNOUSERSITE="1")
    return env


def _run(args: list[str | Path], cwd: Path, timeout: int = 600) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _requires(wheel: Path) -> list[str]:
    """The Requires-Dist lines of the wheel's METADATA: what pip would resolve for a user."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode("utf-8")).get_all("Requires-Dist") or []


def _closure(requirements: list[str]) -> list[metadata.Distribution]:
    """The installed distributions these requirements pull in, transitively (markers evaluated here)."""
    found: dict[str, metadata.Distribution] = {}
    todo = [(line, "") for line in requirements]
    while todo:
        line, extra = todo.pop()
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"the wheel requires {line!r}, which the test environment lacks: pip install it")
        assert dist.version in requirement.specifier, (line, dist.version)
        found[name] = dist
        todo += [(r, e) for r in dist.requires or [] for e in ("", *requirement.extras)]
    return list(found.values())


def _link_distributions(dists: list[metadata.Distribution], site: Path) -> None:
    """Each distribution's top-level files and folders (from its RECORD), linked into the venv's site-packages,
    as if pip had installed it there."""
    for dist in dists:
        root = Path(str(dist.locate_file("")))
        tops = {Path(str(f)).parts[0] for f in dist.files or []} - {"..", "__pycache__"}
        for top in tops:
            if (root / top).exists() and not (site / top).exists():
                (site / top).symlink_to(root / top)


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
    # the backend [build-system] names (setuptools>=77), from the test environment (the test extra declares it):
    # an isolated build would fetch it from the index on every run. Its PEP 517 build_wheel hook is called in a
    # fresh interpreter in the source folder, as `pip wheel --no-build-isolation` calls it (without pip's own
    # start and resolver around it: half of the build's CPU)
    backend = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["build-backend"]
    _run([sys.executable, "-c", _BUILD, backend, work / "dist"], cwd=source)
    wheels = list((work / "dist").glob("quizgen-*.whl"))
    assert len(wheels) == 1, wheels
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    assert site.is_dir(), site
    _link_distributions(_closure(_requires(wheels[0])), site)
    # pip installs into the venv from outside it; --no-compile: byte-compiling tests nothing
    pip = [sys.executable, "-m", "pip"]
    _run(
        [*pip, "--python", venv / "bin" / "python", "install", "--no-deps", "--no-index", "--no-compile", wheels[0]],
        cwd=work,
    )
    return venv / "bin"


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
