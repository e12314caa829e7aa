"""``ram-audit history`` (runs and their counts) and ``ram-audit history findings`` (finding
lifecycle and age). Read-only: a missing history file is an error, never created here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:  # imported where used: ``ram-audit --help`` loads this module
    from auditor.history.lifecycle import FindingRow
    from auditor.history.store import History, RunRow

_SEVERITIES = ("critical", "high", "medium", "low")
EXIT_USAGE = 2


def _die(message: str) -> NoReturn:
    click.echo(f"ram-audit: error: {' '.join(message.split())}", err=True)
    sys.exit(EXIT_USAGE)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--history", "history_path", type=click.Path(path_type=Path,
                     dir_okay=False), envvar="RAM_AUDIT_HISTORY",
                     help="History database (also RAM_AUDIT_HISTORY)."),
        click.option("--account", help="Only this account id."),
        click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
                     help="Default: table."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _open(path: Path | None) -> History:
    from auditor.history.store import HistoryError, open_history

    if path is None:
        _die("no history: give --history FILE or set RAM_AUDIT_HISTORY")
    if not path.is_file():
        _die(f"--history {path}: no such history file")
    try:
        return open_history(path)
    except HistoryError as exc:
        _die(str(exc))


def _print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Plain aligned columns (thousands of rows print at once, unlike a rich table)."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    click.echo("\n".join(lines))


def _fails(counts: dict[str, int]) -> str:
    return "/".join(str(counts.get(s, 0)) for s in _SEVERITIES)


def _print_runs(runs: Sequence[RunRow], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([asdict(run) for run in runs], indent=2))
        return
    rows = [
        (str(run.id), run.collected_at[:16].replace("T", " "),
         run.account_alias or run.account_id, "yes" if run.complete else "no",
         str(run.by_status.get("PASS", 0)), str(run.by_status.get("FAIL", 0)),
         _fails(run.unwaived_failures_by_severity),
         str(run.by_status.get("UNKNOWN", 0) + run.by_status.get("ERROR", 0)))
        for run in runs
    ]
    _print_table(f"ram-audit history ({len(runs)} runs)",
                 ("run", "collected (UTC)", "account", "complete", "PASS", "FAIL",
                  "unwaived c/h/m/l", "unknown"), rows)


@click.group("history", invoke_without_command=True)
@_common
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), metavar="DATE",
              help="Only runs collected on or after this date (UTC).")
@click.pass_context
def history_command(
    ctx: click.Context, history_path: Path | None, account: str | None, fmt: str | None,
    since: datetime | None,
) -> None:
    """Recorded runs with their counts (the trend); see also 'history findings'."""
    ctx.obj = {"history_path": history_path, "account": account, "fmt": fmt}
    if ctx.invoked_subcommand is not None:
        return
    with _open(history_path) as history:
        runs = history.runs(account, since=since.replace(tzinfo=timezone.utc) if since else None)
    _print_runs(runs, fmt or "table")


def _age(row: FindingRow, latest: dict[str, str]) -> int | None:
    """Days open: to its resolution, or to the account's latest run while open."""
    from auditor.history.lifecycle import parse_time

    opened = row.opened_at
    if opened is None:
        return None
    end = row.resolved_at if row.state == "resolved" else latest.get(row.account_id)
    if end is None:
        return None
    return max(0, (parse_time(end) - parse_time(opened)).days)


def _state(row: FindingRow) -> str:
    marks = [m for m, on in (("unverified", row.unverified), ("waived", row.waived),
                             (f"reopened x{row.reopened_count}", row.reopened_count)) if on]
    return ", ".join([row.state or "-", *marks])


@history_command.command("findings")
@_common
@click.option("--open", "open_only", is_flag=True, help="Only findings still open.")
@click.option("--older-than", type=click.IntRange(0), metavar="DAYS",
              help="Only findings open for DAYS days or more.")
@click.option("--check", "check_id", help="Only this check id.")
@click.pass_context
def findings_command(
    ctx: click.Context, history_path: Path | None, account: str | None, fmt: str | None,
    open_only: bool, older_than: int | None, check_id: str | None,
) -> None:
    """Findings with their lifecycle: first seen, age, resolved, reopened, unverified."""
    parent = ctx.obj or {}
    history_path = history_path or parent.get("history_path")
    account = account or parent.get("account")
    fmt = fmt or parent.get("fmt") or "table"
    with _open(history_path) as history:
        rows = [r for r in history.findings(account, open_only=open_only, check_id=check_id)
                if r.state is not None]
        latest = {run.account_id: run.collected_at
                  for run in history.runs(account)}  # oldest first: the last one wins
    aged = [(row, _age(row, latest)) for row in rows]
    if older_than is not None:
        aged = [(row, age) for row, age in aged if age is not None and age >= older_than]
    if fmt == "json":
        click.echo(json.dumps([{**asdict(row), "age_days": age} for row, age in aged], indent=2))
        return
    table = [
        (row.check_id, row.severity, f"{row.resource_type} {row.resource_name or row.resource_id}",
         _state(row), (row.first_seen_at or "")[:10], "" if age is None else str(age))
        for row, age in aged
    ]
    _print_table(f"ram-audit findings ({len(aged)})",
                 ("check", "severity", "resource", "state", "first seen", "age (days)"), table)
