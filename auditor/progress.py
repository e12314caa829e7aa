"""Progress on stderr: a live status line on a terminal, plain log lines otherwise.

rich is imported only for a terminal (or a console given by the caller): plain lines to a
pipe or file need none of it, and loading it is a noticeable share of a short run.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status

#: Variables with which rich may treat a non-tty as a terminal (or the reverse): with any
#: of them set, rich decides.
_RICH_TERMINAL_ENV = ("FORCE_TERMINAL", "TTY_COMPATIBLE", "FORCE_COLOR", "TTY_INTERACTIVE")
#: The control characters rich strips from printed text (rich.control.STRIP_CONTROL_CODES).
_STRIP_CONTROL = str.maketrans(dict.fromkeys((7, 8, 11, 12, 13)))


def _plain_stderr() -> bool:
    """stderr is surely not a terminal for rich: not a tty, and nothing forces one."""
    if any(name in os.environ for name in _RICH_TERMINAL_ENV):
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return isatty is None or not isatty()
    except ValueError:  # closed
        return True


class Progress:
    """Shows what a long run is doing; silent with ``quiet``."""

    def __init__(self, *, quiet: bool = False, console: Console | None = None) -> None:
        self.quiet = quiet
        self._console = console
        self._status: Status | None = None
        self._started = time.monotonic()

    @property
    def console(self) -> Console:
        """The rich console on stderr (created on first use)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False, emoji=False)  # ":ram:"
        return self._console

    @property
    def interactive(self) -> bool:
        if self._console is None and _plain_stderr():
            return False
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
            return
        elapsed = time.monotonic() - self._started
        text = f"[{elapsed:7.1f}s] {line}"
        if self._console is None and _plain_stderr():
            # What rich prints to a non-terminal: the text without control characters,
            # tabs expanded, one line.
            sys.stderr.write(text.translate(_STRIP_CONTROL).expandtabs(8) + "\n")
            sys.stderr.flush()
            return
        # soft_wrap: one log line per update, never wrapped at the console width
        self.console.print(text, markup=False, soft_wrap=True)
