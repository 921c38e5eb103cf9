"""Atomic output: every file quizgen writes appears whole or not at all, and inputs are never touched."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any


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

    Each file is moved with os.replace, so a reader sees either the old or the new version of a file; a
    folder of files that final does not have yet (a first run's feedback pages) is moved whole, in one
    rename, so it appears complete. On failure the temporary folder is removed and final is left as it was.
    """
    target = Path(final)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".quizgen-", dir=target))
    tmp.chmod(0o777 & ~_umask())
    try:
        yield tmp
        _move_new_folders(tmp, target)
        _move_files(os.fspath(tmp), os.fspath(target))  # what is left: files, and folders final already has
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move_files(staged: str, target: str) -> None:
    """Move every file under staged to the same place under target with os.replace, in sorted path order,
    making a folder target lacks only for a file that goes into it. Plain strings and one listing per folder:
    2,000 feedback pages over a previous run's are 2,000 renames, and per-file Path objects, listings and
    mkdir calls cost more than the renames did."""
    with os.scandir(staged) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    made = False
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _move_files(entry.path, os.path.join(target, entry.name))
            continue
        if entry.is_dir():
            continue  # a link to a folder: not something written here
        if not made:
            os.makedirs(target, exist_ok=True)
            made = True
        os.replace(entry.path, os.path.join(target, entry.name))


def files_under(folder: str | os.PathLike[str]) -> list[Path]:
    """The regular files under folder (not inside linked folders), relative to it, in sorted order."""
    found: list[tuple[str, ...]] = []

    def walk(path: str, parts: tuple[str, ...]) -> None:
        with os.scandir(path) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, (*parts, entry.name))
                elif entry.is_file():
                    found.append((*parts, entry.name))

    walk(os.fspath(folder), ())
    return [Path(*parts) for parts in sorted(found)]  # in the order of sorted Paths (by their parts)


def _move_new_folders(staged: Path, target: Path) -> None:
    """Rename each folder of staged that target lacks into target, when it holds regular files only (and at
    least one): one rename instead of one per file (2,000 feedback pages), and no empty folder appears."""
    with os.scandir(staged) as listing:
        entries = list(listing)  # listed first: the loop renames entries away
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and not os.path.lexists(target / entry.name):
            with os.scandir(entry.path) as inside:
                files = [e.is_file(follow_symlinks=False) for e in inside]
            if files and all(files):
                os.replace(entry.path, target / entry.name)


@contextlib.contextmanager
def output_set(final: str | os.PathLike[str], owned: Sequence[str]) -> Iterator[Path]:
    """Yield an empty staging folder inside final; on success swap the whole staged set into final.

    owned are glob patterns (relative to final) of the files a previous run of the same command wrote:
    those the new set does not contain are removed, so the folder never holds a mixture of two runs
    (a new manifest beside old PDFs). Interrupt signals (Ctrl-C, SIGTERM, SIGHUP) are held while the
    set is swapped in and delivered afterwards, so an interrupted run leaves either the previous
    complete set or the new one. On failure or interruption before the swap, final is left as it was.
    """
    target = Path(final)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".quizgen-", dir=target))
    tmp.chmod(0o777 & ~_umask())
    try:
        with _termination_interrupts():
            yield tmp
        staged = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
        with _signals_held():
            new = set(staged)
            for pattern in owned:
                for old in sorted(target.glob(pattern)):
                    if old.is_file() and old.relative_to(target) not in new:
                        old.unlink()
                        if old.parent != target and not any(old.parent.iterdir()):
                            old.parent.rmdir()
            for rel in staged:
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / rel, target / rel)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


_HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Record interrupt signals instead of acting on them, then act on the first one at the end."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change handlers; its own signals arrive there anyway
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, _frame: received.append(number)) for sig in _HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            _deliver(received[0], previous[received[0]])


def _deliver(number: int, handler: Any) -> None:
    """Act on a held signal as its own handler would have. A Python handler is called directly, because
    raise_signal would leave it pending where the process has the signal blocked (as some test runners'
    workers do); only the default action needs the real signal."""
    if callable(handler):
        handler(number, None)
    elif handler == signal.SIG_DFL or handler is None:  # None: installed outside Python
        signal.raise_signal(number)


@contextlib.contextmanager
def _termination_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt like Ctrl-C, so the staging folder is cleaned up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(number: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(number).name)

    others = [sig for sig in _HELD if sig != getattr(signal, "SIGINT", None)]
    previous = {sig: signal.signal(sig, interrupt) for sig in others}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
