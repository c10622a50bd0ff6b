"""The progress bar of a pass over the DLQs (``onepoint dlq list``, ``show``, ``replay``): on standard error and
gone when the pass ends, so that what the command prints on standard output stays a plain list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from hub.workers.dlq import DeadLetter

__all__ = ["pass_progress"]


@contextmanager
def pass_progress(label: str, total: int) -> Iterator[Callable[[DeadLetter, bool], None]]:
    """A progress callback for `DeadLetterQueues` passes over ``total`` letters, shown as ``label`` while it runs."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True),
                        transient=True)
    with progress:
        task = progress.add_task(label, total=total)
        yield lambda _letter, _done: progress.advance(task)
