from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.fileio import atomic_write_text, staging_dir


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second ünïcode")
    assert target.read_text(encoding="utf-8") == "second ünïcode"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_staging_dir_moves_files_on_success(tmp_path: Path) -> None:
    with staging_dir(tmp_path / "out") as tmp:
        (tmp / "a.csv").write_text("a")
        (tmp / "feedback").mkdir()
        (tmp / "feedback" / "s1.html").write_text("b")
    out = tmp_path / "out"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["a.csv", "feedback", "feedback/s1.html"]


def test_staging_dir_leaves_nothing_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.csv").write_text("old")
    with pytest.raises(RuntimeError), staging_dir(out) as tmp:
        (tmp / "new.csv").write_text("half")
        raise RuntimeError("midway")
    assert sorted(p.name for p in out.iterdir()) == ["old.csv"]


def test_written_files_are_readable_by_others_like_any_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "x")
    assert target.stat().st_mode & 0o777 == 0o666 & ~_current_umask()


def _current_umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
