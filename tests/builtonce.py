"""An expensive, read-only artefact (a generated and compiled class, say) built once per test run and shared by
every xdist worker: the first test to ask builds it under a file lock, the others wait for it and read it.

Tests only read what is built; a test that changes files copies them into its own tmp_path first.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder build(folder) filled, built by the first worker of this run that asks (a failed build is retried
    by the next one, so every test that needs it reports the failure)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's own folder, which holds every worker's basetemp
    folder = base / f"built-once-{name}"
    with (base / f"built-once-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".built").touch()
    return folder
