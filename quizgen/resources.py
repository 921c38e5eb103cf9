"""Where the data shipped with quizgen lives: the built-in LaTeX templates and the shipped banks.

The repository keeps them at its top level (templates/, banks/), the one copy anyone edits. A wheel
carries them inside the package (quizgen/templates, quizgen/banks; see [tool.setuptools.package-dir] in
pyproject.toml), so an installed quizgen reads them with importlib.resources; a checkout or an editable
install has no such folders inside quizgen/ and reads the top-level ones next to the package.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

TEMPLATES = "templates"
BANKS = "banks"
BANK_SUFFIX = ".yaml"


def data_folder(name: str) -> tuple[Path | None, list[Path]]:
    """The folder holding shipped data `name`, or None, with every place looked in (for the error message).

    Inside the installed package first, so a stray top-level site-packages/templates of another
    distribution can never shadow ours; the checkout's top-level folder second.
    """
    packaged = files("quizgen") / name
    candidates = [Path(str(packaged)), Path(__file__).resolve().parent.parent / name]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate, candidates
    return None, candidates


def shipped_banks() -> dict[str, Path]:
    """The banks quizgen ships, by name (the file name without .yaml), sorted by name."""
    folder, _ = data_folder(BANKS)
    if folder is None:
        return {}
    return {path.stem: path for path in sorted(folder.glob(f"*{BANK_SUFFIX}")) if path.is_file()}


def resolve_bank(path: str | Path) -> Path:
    """The file to read for a --bank value: a path that exists wins, else a shipped bank's name, else the path.

    The caller reports a path that is neither (see missing_bank_hint); the name the user gave, not the
    resolved file, is what errors and the manifest show, so `--bank demo` gives the same bytes anywhere.
    """
    given = Path(path)
    if given.exists():
        return given
    return shipped_banks().get(str(path), given)


def missing_bank_hint() -> str:
    """What to do about a bank that is neither a file nor a shipped name: the shipped names to choose from."""
    names = ", ".join(shipped_banks())
    if not names:
        return "check the path (this installation ships no banks)"
    return f"check the path, or name a shipped bank: {names}"
