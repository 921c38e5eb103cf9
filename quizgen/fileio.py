"""Atomic output: every file quizgen writes appears whole or not at all, and inputs are never touched."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write data to a temporary file beside path, then rename it over path.

    The file gets the usual permissions (0666 less the umask), not mkstemp's private 0600.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text atomically, with '\\n' line endings on every platform."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def staging_dir(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary folder beside final; on success move its files into final.

    Each file is moved with os.replace, so a reader sees either the old or the new version of a file;
    on failure the temporary folder is removed and final is left as it was.
    """
    target = Path(final)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".quizgen-", dir=target))
    tmp.chmod(0o777 & ~_umask())
    try:
        yield tmp
        for src in sorted(tmp.rglob("*")):
            if src.is_dir():
                continue
            dest = target / src.relative_to(tmp)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}


def safe_stem(student_id: str) -> str:
    """A file name stem for a student id, safe on every file system.

    Plain ids (letters, digits, . _ -) are kept; anything else is replaced and a short hash of the exact
    id is appended, so "a/b" and "a_b" never collide.
    """
    cleaned = _UNSAFE.sub("_", student_id).strip("._")[:60]
    if cleaned and cleaned == student_id and cleaned.lower() not in _RESERVED:
        return cleaned
    return f"{cleaned or 'student'}-{_digest(student_id)}"


def _digest(student_id: str) -> str:
    return hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:10]


def file_stems(student_ids: Sequence[str]) -> dict[str, str]:
    """safe_stem for each id, with a hash added where two stems differ only in case (Windows, macOS)."""
    stems = {sid: safe_stem(sid) for sid in student_ids}
    groups: dict[str, list[str]] = {}
    for sid, stem in stems.items():
        groups.setdefault(stem.lower(), []).append(sid)
    for members in groups.values():
        if len(members) > 1:
            for sid in members:
                if not stems[sid].endswith(_digest(sid)):
                    stems[sid] = f"{stems[sid]}-{_digest(sid)}"
    return stems


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether a and b name the same file (through symlinks, .., or hard links), so one must not overwrite
    the other. A path that does not exist yet is compared by where it would be."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return pa.resolve() == pb.resolve()


def names_folder(out: str | os.PathLike[str]) -> bool:
    """Whether --out means a folder: it is one, or it is written with a trailing slash ("exports/")."""
    text = os.fspath(out)
    return text.endswith("/") or text.endswith(os.sep) or Path(text).is_dir()
