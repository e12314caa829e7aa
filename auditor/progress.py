"""Progress on stderr: a live status line on a terminal, plain log lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.status import Status


class Progress:
    """Shows what a long run is doing; silent with ``quiet``."""

    def __init__(self, *, quiet: bool = False, console: Console | None = None) -> None:
        self.quiet = quiet
        self.console = console or Console(stderr=True, highlight=False, emoji=False)  # ":ram:"
        self._status: Status | None = None
        self._started = time.monotonic()

    @property
    def interactive(self) -> bool:
        return self.console.is_terminal

    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        """A named phase; on a terminal its status line updates in place."""
        if self.quiet:
            yield
            return
        if not self.interactive:
            self.update(title)
            yield
            return
        with self.console.status(title) as status:
            self._status = status
            try:
                yield
            finally:
                self._status = None
        self.console.print(f"[green]✓[/] {title}")

    def update(self, line: str) -> None:
        """One progress line (never contains secrets: callers pass descriptions only)."""
        if self.quiet:
            return
        if self._status is not None:
            self._status.update(line)
        else:
            elapsed = time.monotonic() - self._started
            # soft_wrap: one log line per update, never wrapped at the console width
            self.console.print(f"[{elapsed:7.1f}s] {line}", markup=False, soft_wrap=True)
