"""Every option in ``--help`` is described: the tests walk whatever commands and subcommands
exist, so a new option without help text fails here."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.render import FORMATS

#: Commands that must exist (the walk finds the others too).
KNOWN = {"ram-audit", "ram-audit run", "ram-audit demo", "ram-audit collect",
         "ram-audit evaluate", "ram-audit render", "ram-audit list-checks",
         "ram-audit permissions", "ram-audit emulator", "ram-audit history",
         "ram-audit history findings"}
#: Commands whose --format takes report formats (checked against auditor.render.FORMATS).
REPORT_FORMATS = {"ram-audit run", "ram-audit evaluate", "ram-audit render"}


def commands(command: click.Command = cli, path: str = "ram-audit",
             ) -> Iterator[tuple[str, click.Command]]:
    """Every command under ``command`` (itself included) with its path, groups walked down."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, f"{path} {name}")


def options(command: click.Command, path: str) -> list[click.Option]:
    """Its options as --help lists them, --help itself included."""
    ctx = click.Context(command, info_name=path)
    return [p for p in command.get_params(ctx) if isinstance(p, click.Option)]


def undocumented(command: click.Command, path: str) -> list[str]:
    return [p.opts[0] for p in options(command, path) if not (p.help or "").strip()]


def test_every_option_of_every_command_has_help() -> None:
    walked = dict(commands())
    assert set(walked) >= KNOWN, sorted(KNOWN - set(walked))
    missing = {path: names for path, cmd in walked.items() if (names := undocumented(cmd, path))}
    assert not missing, f"options without help text: {missing}"
    silent = [path for path, cmd in walked.items() if not (cmd.help or cmd.short_help)]
    assert not silent, f"commands without a description: {silent}"


def test_the_walk_reaches_options_of_nested_subcommands() -> None:
    """The check above can fail: an undocumented option two groups down is found."""
    top, middle = click.Group("top", help="Top."), click.Group("middle", help="Middle.")
    top.add_command(middle)

    @middle.command("leaf")
    @click.option("--documented", help="Has help.")
    @click.option("--bare")
    def leaf(documented: str | None, bare: str | None) -> None:
        """Leaf."""

    walked = dict(commands(top, "top"))
    assert set(walked) == {"top", "top middle", "top middle leaf"}
    assert undocumented(walked["top middle leaf"], "top middle leaf") == ["--bare"]
    assert undocumented(walked["top"], "top") == []  # --help is described by click


def test_every_format_option_names_its_values() -> None:
    seen = 0
    for path, command in commands():
        for option in options(command, path):
            if "--format" not in option.opts:
                continue
            seen += 1
            text = option.help or ""
            if path in REPORT_FORMATS:
                assert all(re.search(rf"\b{name}\b", text) for name in FORMATS), (path, text)
            elif not isinstance(option.type, click.Choice):  # click lists a Choice's values
                assert re.search(r"\w+(, |\|)\w+", text), (path, text)
    assert seen >= 5


@pytest.mark.parametrize("path", [path for path, _ in commands()])
def test_help_of_every_command_lists_each_option(path: str) -> None:
    command = dict(commands())[path]
    done = CliRunner().invoke(cli, [*path.split()[1:], "--help"])
    assert done.exit_code == 0, done.output
    for option in options(command, path):
        assert option.opts[0] in done.output, (path, option.opts)


def _help(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "auditor", *args, "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return " ".join(re.sub(r"-\n\s*", "-", done.stdout).split())  # undo click's wrapping


def test_emulator_help_describes_each_fault_and_both_deny_forms() -> None:
    text = _help("emulator")
    for fragment in (
        "--latency-ms MS Delay every answer by this many milliseconds",
        "--throttle-rate FRACTION", "Throttling.User", "STS calls are never throttled",
        "--retry-after-ms MS", "x-acs-retry-after header",
        "--server-error-rate FRACTION", "HTTP 500 InternalError or 503 ServiceUnavailable",
        "--qps-per-api, --qps-limit RATE", "per API action", "Throttling.Api",
        "--deny ACTION[:NAME]", "ACTION alone", "denies every call of that API action",
        "ACTION:NAME (e.g. GetUser:alice", "the user, group, policy or role of that name",
        "--seed INTEGER", "same seed faults the same calls",
    ):
        assert fragment in text, fragment


def test_report_format_values_are_in_run_and_render_help() -> None:
    for command in ("run", "render"):
        text = _help(command)
        assert f"{', '.join(FORMATS)}" in text, command
