"""Progress lines: without a terminal they are written without rich, exactly as rich would
print them; rich is loaded only when it has something to do."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from rich.console import Console

from auditor.progress import Progress

_ELAPSED = re.compile(r"^\[ *[0-9]+\.[0-9]s\] ")

SAMPLES = [
    "identity",
    "users: 2,601 listed",
    "tabs\tin\tthe 12345678\tline",
    "control x\x07y\x08z\rw\x0bq\x0cend",
    "[bold]not markup[/] :ram: ✓ ünïcode",
    "two\nlines",
    "esc \x1b[31mred",
]


@pytest.mark.parametrize("line", SAMPLES)
def test_plain_lines_are_what_rich_prints(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_TERMINAL", "TTY_COMPATIBLE", "FORCE_COLOR", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    Progress().update(line)
    printed = io.StringIO()
    Progress(console=Console(file=printed, highlight=False, emoji=False, width=30)).update(line)
    assert _ELAPSED.match(plain.getvalue())
    assert _ELAPSED.sub("", plain.getvalue()) == _ELAPSED.sub("", printed.getvalue())


def test_quiet_prints_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    progress = Progress(quiet=True)
    with progress.phase("Collecting"):
        progress.update("identity")
    assert out.getvalue() == ""


_PROBE = """
import sys
from auditor.progress import Progress
progress = Progress(quiet=sys.argv[1] == "quiet")
with progress.phase("Collecting account data"):
    progress.update("identity")
print(progress.interactive, "rich" in sys.modules)
"""


def _probe(mode: str, **env: str) -> tuple[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("FORCE_TERMINAL", "TTY_COMPATIBLE", "FORCE_COLOR", "TTY_INTERACTIVE")}
    proc = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True,
                          check=True, env={**clean, **env}, timeout=60)
    return proc.stdout.strip(), proc.stderr


def test_to_a_pipe_rich_is_not_loaded() -> None:
    out, err = _probe("plain")
    assert out == "False False"
    assert [_ELAPSED.sub("", line) for line in err.splitlines()] == [
        "Collecting account data", "identity"]


def test_quiet_loads_no_rich() -> None:
    assert _probe("quiet") == ("False False", "")


def test_a_forced_terminal_is_left_to_rich() -> None:
    """FORCE_COLOR makes rich treat the pipe as a terminal: the live status is used."""
    out, _ = _probe("plain", FORCE_COLOR="1")
    assert out == "True True"
