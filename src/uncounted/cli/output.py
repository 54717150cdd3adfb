"""How commands speak: one JSON document on stdout with --json, readable text otherwise.

Progress and messages go to stderr, so stdout stays a clean document for scripts.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.status import Status
from rich.table import Table

from uncounted.store.lock import Waiting

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


def emit(document: Any, *, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
        sys.stdout.flush()
    else:
        render()


# Wide enough to measure any table's natural width: the real limit is the console's.
_UNLIMITED = 1 << 16


def print_table(table: Table, console: Console | None = None) -> None:
    """Print ``table`` without cutting a word (``stdout`` by default).

    Rich fits a table to the terminal (80 columns when output is piped) by shrinking columns and
    ending a cut word with "…": a record id cut so cannot be pasted into ``review --decide``.
    Here each column gets at least its longest word — its whole value in a ``no_wrap`` column,
    which is how identifiers are declared — so text wraps between words only, and the table
    goes wider than the terminal when even that does not fit.
    """
    console = console or stdout
    wide = console.options.update_width(_UNLIMITED)
    for column in table.columns:
        sizes = [Measurement.get(console, wide, cell) for cell in (column.header, *column.cells)]
        # rich adds the padding to min_width itself
        need = max(size.maximum if column.no_wrap else size.minimum for size in sizes)
        column.min_width = max(column.min_width or 0, need)
    required = Measurement.get(console, wide, table).minimum
    if required > console.width:
        table.width = required
    console.print(table, crop=False)


@contextmanager
def progress_reporter(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A callback ``(stage, done, total)`` that drives a rich progress bar on stderr."""
    if not enabled:
        yield lambda stage, done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    ) as progress:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=max(total, 1))
            progress.update(tasks[stage], completed=done, total=max(total, 1))

        yield update


@contextmanager
def stdout_to_stderr(enabled: bool = True) -> Iterator[None]:
    """While the work runs, send whatever libraries print on stdout (DuckDB's progress bar on
    long queries) to stderr, so that ``--json`` leaves exactly one document on stdout."""
    if not enabled:
        yield
        return
    try:
        fd = sys.stdout.fileno()
        target = sys.stderr.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        yield  # stdout is not a file (captured in tests): nothing below Python writes to it
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    os.dup2(target, fd)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)


class _WaitReport:
    """What a command says on stderr while it waits for a project another process holds: who
    holds it, once (again if the holder changes), then a progress line (a live line on a
    terminal, a line every ten seconds otherwise). Silent for the first second: the web server
    holds a project for milliseconds at a time."""

    GRACE = 1.0
    EVERY = 10.0

    def __init__(self) -> None:
        self._named: object = None
        self._status: Status | None = None
        self._last_line = 0.0

    def __call__(self, event: Waiting) -> None:
        if event.done:
            if self._status is not None:
                self._status.stop()
                self._status = None
            if self._named is not None:
                _say(f"waited {event.waited:.0f} s for {event.root}; going on")
            self._named = None
            self._last_line = 0.0
            return
        if event.waited < self.GRACE:
            return
        who = event.holder.describe() if event.holder else "another process"
        key = (event.holder.pid, event.holder.since) if event.holder else "unknown"
        if key != self._named:
            self._named = key
            _say(f"waiting for the project {event.root}: {who} holds it"
                 " (uncounted --wait SECONDS sets how long to wait)")
        line = f"waiting for the project: {event.waited:.0f} s"
        if stderr.is_terminal:
            if self._status is None:
                self._status = stderr.status(line)
                self._status.start()
            else:
                self._status.update(line)
        elif event.waited - self._last_line >= self.EVERY or self._last_line == 0.0:
            self._last_line = max(event.waited, 1e-9)
            _say(line)


def _say(text: str) -> None:
    stderr.print(text, markup=False, highlight=False)


report_wait = _WaitReport()
