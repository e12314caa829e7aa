"""Organisation commands: ``run --accounts`` (its options and core) and ``merge``.

The flag plumbing shared with ``run`` (selection, reports, collector settings) stays in
``auditor.cli``; this module never imports it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from auditor.errors import UsageError

EXIT_USAGE = 2
EXIT_CANNOT_AUDIT = 3
FAIL_ON_CHOICES = ("critical", "high", "medium", "low", "info", "never")

log = logging.getLogger("ram_audit.org")


def org_run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``run``'s organisation flags (all inert without ``--accounts``)."""
    options = [
        click.option("--accounts", type=click.Path(path_type=Path, dir_okay=False),
                     help="Audit every member of this accounts file ('org accounts' writes "
                     "it); --baseline then names the previous organisation directory."),
        click.option("--role-name", help="With --accounts: the members' audit role name "
                     "(overrides the file's defaults.role_name)."),
        click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True,
                     help="With --accounts: members audited at the same time."),
        click.option("--shard", metavar="I/N", help="With --accounts: audit only the members "
                     "at positions = I (mod N) of the id-sorted list; auto/N reads I from "
                     "JOB_COMPLETION_INDEX."),
        click.option("--allow-admin-role", is_flag=True, help="With --accounts: allow "
                     "ResourceDirectoryAccountAccessRole (it has administrator rights)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


ORG_ONLY_FLAGS = ("role_name", "shard", "allow_admin_role")


def check_org_flags(kw: dict[str, Any]) -> None:
    """Organisation flags without ``--accounts``, or single-account flags with it."""
    if kw.get("accounts") is None:
        given = [f"--{f.replace('_', '-')}" for f in ORG_ONLY_FLAGS if kw.get(f)]
        if given:
            raise UsageError(f"{', '.join(given)}: only with --accounts FILE")
        return
    if kw.get("role_arn"):
        raise UsageError("--role-arn and --accounts: each member's role comes from the "
                         "accounts file (role_arn, or --role-name)")
    if kw.get("notify"):
        raise UsageError("--notify is not supported with --accounts (yet); --history records "
                         "every audited member")
    if kw.get("baseline") is not None and not Path(kw["baseline"]).is_dir():
        raise UsageError(f"--baseline {kw['baseline']}: with --accounts, the previous "
                         "organisation directory (holding accounts/<id>/report.json)")


def run_accounts(
    plan: Any, kw: dict[str, Any], settings: Any, emit: Callable[[str], None]
) -> tuple[int, list[str]]:
    """Audit the accounts file's members (this shard's); returns the exit code and the
    summary lines. Raises UsageError for bad input, CollectionAborted without credentials."""
    from auditor.collector.credentials import resolve_credentials
    from auditor.org.accounts import load_accounts
    from auditor.org.merge import build_org_report, org_exit_code, write_org_report
    from auditor.org.runner import OrgRun, refuse_admin_role, run_members
    from auditor.org.shard import WHOLE, parse_shard
    from auditor.pipeline import EXIT_FAILURES, EXIT_INCOMPLETE, EXIT_OK

    accounts = load_accounts(kw["accounts"])
    defaults = accounts.defaults
    if kw.get("role_name"):
        defaults = defaults.model_copy(update={"role_name": kw["role_name"]})
    if kw.get("external_id"):
        defaults = defaults.model_copy(update={"external_id": kw["external_id"]})
    accounts = accounts.model_copy(update={"defaults": defaults})
    refuse_admin_role(accounts, kw.get("allow_admin_role", False))
    shard = parse_shard(kw["shard"], os.environ) if kw.get("shard") else WHOLE
    baseline_dir = Path(kw["baseline"]) if kw.get("baseline") else None
    credentials = resolve_credentials(settings.profile)
    output_dir = plan.options.output_dir
    run = OrgRun(accounts=accounts, settings=settings, credentials=credentials,
                 output_dir=output_dir, shard=shard, workers=kw.get("workers") or 8,
                 baseline_dir=baseline_dir)
    manifest, outcomes = run_members(run, plan, emit)
    lines = [f"Shard {manifest.shard}: {len(manifest.audited)} of {len(manifest.accounts)} "
             f"member(s) audited, {len(manifest.not_audited)} not audited."]
    lines += [f"Not audited: {item.id}: {item.reason}" for item in manifest.not_audited]
    if plan.options.history is not None:
        lines.append(f"History: {len(manifest.audited)} member run(s) recorded in "
                     f"{plan.options.history} (not-audited members are not recorded).")
    if shard != WHOLE:
        lines.append(f"Manifest: {(output_dir / 'shard-manifest.json').resolve()} (combine the "
                     "shards with 'ram-audit merge')")
        if any(o.exit_code == EXIT_FAILURES for o in outcomes):
            return EXIT_FAILURES, lines
        undecided = manifest.not_audited or any(o.exit_code == EXIT_INCOMPLETE for o in outcomes)
        return (EXIT_INCOMPLETE if undecided else EXIT_OK), lines
    report = build_org_report([output_dir], output_dir, fail_on=plan.fail_on,
                              baseline_dir=baseline_dir)
    paths = write_org_report(report, output_dir)
    lines += [f"Report: {p.resolve()}" for p in paths]
    return org_exit_code(report, plan.fail_on, unknown_ok=plan.options.unknown_ok), lines


def _die(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"ram-audit: error: {' '.join(message.split())}", err=True)
    sys.exit(code)


@click.command("merge")
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--output-dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Organisation directory to write (org-report.json, org-report.html, "
              "accounts/<id>/).")
@click.option("--baseline", type=click.Path(path_type=Path, file_okay=False),
              help="The previous organisation directory: name newly failing and resolved "
              "accounts per check.")
@click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False),
              help="Exit 1 on an unwaived failure of at least this severity (default: the "
              "runs' --fail-on).")
@click.option("--unknown-ok", is_flag=True, help="Do not exit 4 for incomplete members "
              "(not-audited members still exit 4).")
@click.option("--quiet", "-q", is_flag=True, help="Nothing on stderr but errors.")
def merge_command(
    directories: Sequence[Path], output_dir: Path, baseline: Path | None, fail_on: str | None,
    unknown_ok: bool, quiet: bool,
) -> None:
    """Combine shard directories (or earlier runs) into the organisation report (offline)."""
    from auditor.org.merge import build_org_report, org_exit_code, write_org_report

    try:
        report = build_org_report(list(directories), output_dir,
                                  fail_on=fail_on.lower() if fail_on else None,  # type: ignore[arg-type]
                                  baseline_dir=baseline)
        paths = write_org_report(report, output_dir)
    except UsageError as exc:
        _die(str(exc))
    code = org_exit_code(report, report.fail_on, unknown_ok=unknown_ok)
    if not quiet:
        s = report.summary
        missing = s.accounts_total - len(report.accounts)
        click.echo(f"Organisation: {s.accounts_audited} audited, {s.accounts_not_audited} not "
                   f"audited, {s.accounts_incomplete} incomplete"
                   + (f", {missing} in no merged shard" if missing else "") + ".", err=True)
        for path in paths:
            click.echo(f"Report: {path.resolve()}", err=True)
        click.echo(f"Exit code {code}.", err=True)
    sys.exit(code)
