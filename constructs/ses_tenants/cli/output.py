"""How the commands talk: tables on stdout for people, JSON for programs, progress and
errors on stderr."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import click


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell; None shows as '-'."""
    cells = [[("-" if cell is None else str(cell)) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = [headers, *cells]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=False, default=str))


class Progress:
    """Progress lines on stderr, at most one a second (and the last), unless quiet."""

    def __init__(self, *, quiet: bool, interval_seconds: float = 1.0) -> None:
        self._quiet = quiet
        self._interval = interval_seconds
        self._last = 0.0

    def page(self, operation: str, items: int) -> None:
        self.note(f"{operation}: {items:,} read", force=False)

    def step(self, what: str, done: int, total: int) -> None:
        self.note(f"{what}: {done:,}/{total:,}", force=done == total)

    def note(self, message: str, *, force: bool = True) -> None:
        if self._quiet:
            return
        now = time.monotonic()
        if force or now - self._last >= self._interval:
            self._last = now
            click.echo(message, err=True)
