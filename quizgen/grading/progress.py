"""A progress bar for the checks (rich, on stderr), silent when disabled: --quiet or not a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn


class _Bar:
    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, total: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task("checking answers", total=total)

    def update(self, done: int) -> None:
        """Takes the number of checks done so far."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done)


@contextlib.contextmanager
def progress_bar(*, enabled: bool) -> Iterator[_Bar]:
    if not enabled:
        yield _Bar(None)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield _Bar(progress)
