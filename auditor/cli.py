"""The ``ram-audit`` command line. Thin: parses flags, calls the pipeline, maps exit codes.

Exit codes (shared/spec/interface.md): 0 clean, 1 failures at/above --fail-on, 2 usage or
configuration error, 3 could not audit, 4 incomplete audit; 130 interrupted (SIGINT), 143
terminated (SIGTERM). User errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from auditor._gc import no_cyclic_gc
from auditor.errors import UsageError
from auditor.history.commands import history_command
from auditor.jobs import DEFAULT_KEEP_DAYS
from auditor.notify.policy import NOTIFY_ON
from auditor.org.commands import (
    ORG_ONLY_FLAGS,
    check_org_flags,
    merge_command,
    org_run_options,
    run_accounts,
)

if TYPE_CHECKING:  # loaded by the commands that use them: --help stays light
    from auditor.collector import CollectorSettings, Endpoint
    from auditor.collector.settings import Service
    from auditor.pipeline import Options, Plan
    from auditor.progress import Progress
    from auditor.report import AuditReport
    from auditor.sections import Section
    from auditor.snapshot import AccountSnapshot

#: --min-severity and --fail-on take the same severities, in any case: the values of
#: ``auditor.findings.Severity`` (a test keeps them equal), written out so that --help does
#: not load pydantic.
SEVERITY_CHOICES = ("critical", "high", "medium", "low", "info")
FAIL_ON_CHOICES = (*SEVERITY_CHOICES, "never")
#: shared/spec/interface.md; auditor.pipeline has them too, but importing it loads every
#: renderer (jinja2, prometheus-client, ...), which --help does not need.
EXIT_USAGE = 2
EXIT_CANNOT_AUDIT = 3
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM

EPILOG = """\b
Exit codes: 0 no unwaived failure at or above --fail-on; 1 such failures; 2 usage or
configuration error; 3 could not audit (credentials, endpoint); 4 audit incomplete
(UNKNOWN/ERROR results); 130 interrupted; 143 terminated.
\b
Environment: ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN (and the rest
of the Alibaba Cloud default credential chain); RAM_AUDIT_ENDPOINT_RAM/_IMS/_STS;
RAM_AUDIT_HISTORY; RAM_AUDIT_DINGTALK_SECRET, RAM_AUDIT_LARK_SECRET (notification signing);
NO_COLOR.
DEBUG=sdk is ignored: the SDK would print request headers, including the STS token.
"""


class _Terminated(BaseException):
    """Raised in the main thread on SIGTERM, so that clean-up runs as for Ctrl-C."""


def _die(message: str, code: int) -> NoReturn:
    """One line on stderr (multi-line library messages are folded), then exit ``code``."""
    click.echo(f"ram-audit: error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def _click_error(exc: click.ClickException) -> NoReturn:
    """click's own errors in ram-audit's style: one line, naming the command's --help.

    A usage error (unknown option or command, missing argument, bad choice or number) exits
    2; so does any other click error, whose default 1 would read as "failures found".
    """
    message = exc.format_message()
    if message[:1].isupper() and message[1:2].islower():  # "No such option" -> "no such..."
        message = message[0].lower() + message[1:]
    if isinstance(exc, click.UsageError):
        where = exc.ctx.command_path if exc.ctx is not None else "ram-audit"
        message = f"{message.rstrip('.')} (see '{where} --help')"
    _die(message, EXIT_USAGE if isinstance(exc, click.UsageError) or exc.exit_code == 1
         else exc.exit_code)


class _Cli(click.Group):
    """The command group: one error style for every command.

    click's usage errors and ram-audit's :class:`UsageError` become one line and exit 2;
    Ctrl-C and SIGTERM one line and exit 130 / 143. Help asked for by running a group
    without a command (click's ``NoArgsIsHelpError``) is still shown as help.
    """

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.ClickException as exc:  # e.g. ram-audit --bogus
            _click_error(exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.ClickException as exc:  # parsing a command's options, or raised in it
            _click_error(exc)
        except UsageError as exc:  # raised where no command turned it into a line itself
            _die(str(exc), EXIT_USAGE)
        except KeyboardInterrupt:
            _die("interrupted; no file was left half-written", EXIT_INTERRUPTED)
        except _Terminated:
            _die("terminated (SIGTERM); no file was left half-written", EXIT_TERMINATED)


class _OneLineFormatter(logging.Formatter):
    """``ram-audit: warning: message`` -- an exception is summarised, never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            message += f": {type(exc).__name__}: {exc}"
        return f"ram-audit: {record.levelname.lower()}: {' '.join(message.split())}"


def _configure_logging(quiet: bool) -> None:
    """ram-audit's own warnings (e.g. collection issues) as one line each on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLineFormatter())
    logger = logging.getLogger("ram_audit")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False


def _disable_sdk_debug() -> None:
    """Unset ``DEBUG=sdk``: with it the SDK prints every request's headers to stderr,
    including ``x-acs-security-token`` (the STS token) and the request signature."""
    if os.environ.get("DEBUG", "").strip().lower() == "sdk":
        del os.environ["DEBUG"]
        click.echo(
            "ram-audit: warning: ignoring DEBUG=sdk: the Alibaba Cloud SDK would print request "
            "headers, including the STS security token",
            err=True,
        )


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


class _Entry:
    """Set by :func:`main`: this process is the ram-audit command, not a test calling cli()."""

    console_script = False


def _loading() -> AbstractContextManager[None]:
    """No cyclic garbage collection while a command loads its modules (the pipeline, the
    checks, the SDK: some 1,200 modules whose objects live to the end, which each
    collection would scan again; about a tenth of the loading time; for ``evaluate``, the
    snapshot read too). From the console
    script they are then frozen out of later collections (else the first ones after would
    scan them all, during the collection)."""
    return no_cyclic_gc(keep_frozen=_Entry.console_script)


def _check_output_dir(path: Path) -> None:
    from auditor.render.atomic import check_writable_dir

    try:
        check_writable_dir(path, "--output-dir")
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)


def _output_dir_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--output-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("ram-audit-report"),
        show_default=True,
        help="Directory for the reports (created if needed; files are replaced atomically).",
    )


def _quiet_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--quiet", "-q", is_flag=True, help="Nothing on stderr but errors (and warnings about "
        "unsafe settings)."
    )


def _selection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--checks", multiple=True, help="Run only these check ids (comma-separated)."),
        click.option("--exclude-checks", multiple=True, help="Skip these check ids."),
        click.option("--tags", multiple=True, help="Run only checks with any of these tags."),
        click.option(
            "--enable",
            multiple=True,
            metavar="ID",
            help="Also run these off-by-default checks, besides the default ones "
            "(comma-separated; config: enable = [...]).",
        ),
        click.option(
            "--min-severity",
            type=click.Choice(SEVERITY_CHOICES, case_sensitive=False),
            help="Run only checks of at least this severity (any case).",
        ),
        click.option(
            "--framework",
            help="Run the checks of one framework (cis-alibaba-v1, cis-alibaba-v2, "
            "alibaba-ram-best-practices) with its parameter overrides.",
        ),
        click.option(
            "--config",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Configuration file (default: ./ram-audit.toml or [tool.ram-audit] in "
            "./pyproject.toml).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _report_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option(
            "--format",
            "formats",
            multiple=True,
            help="Report formats, comma-separated: html, json, csv, junit, markdown, "
            "openmetrics, ocsf (default: html,json).",
        ),
        _output_dir_option(),
        click.option(
            "--waivers",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Waivers file (YAML or TOML; default: 'waivers' in the config file).",
        ),
        click.option(
            "--baseline",
            type=click.Path(path_type=Path, dir_okay=False),
            help="The previous report.json, or 'history' (the last run in --history): mark "
            "findings new/unchanged, list resolved ones.",
        ),
        click.option(
            "--history",
            type=click.Path(path_type=Path, dir_okay=False),
            envvar="RAM_AUDIT_HISTORY",
            help="Record the run in this SQLite history (created if needed). Also "
            "RAM_AUDIT_HISTORY.",
        ),
        click.option(
            "--history-keep",
            type=click.IntRange(1),
            default=DEFAULT_KEEP_DAYS,
            show_default=True,
            metavar="DAYS",
            help="Prune runs older than this from the history.",
        ),
        click.option(
            "--notify",
            multiple=True,
            metavar="PLATFORM:URL",
            help="dingtalk:URL, lark:URL (feishu:), wecom:URL, slack:URL, webhook:URL; "
            "repeatable. Signing secrets: RAM_AUDIT_DINGTALK_SECRET, RAM_AUDIT_LARK_SECRET.",
        ),
        click.option(
            "--notify-on",
            type=click.Choice(NOTIFY_ON),
            default="new",
            show_default=True,
            help="new: new FAILs at/above --fail-on; fail: exit code 1; always.",
        ),
        click.option("--report-url", default="", help="Link to the report in notifications."),
        click.option(
            "--fail-on",
            type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False),
            help="Exit 1 on an unwaived failure of at least this severity (any case; "
            "default: high).",
        ),
        click.option(
            "--unknown-ok", is_flag=True, help="Exit 0 instead of 4 when some checks are UNKNOWN."
        ),
        _quiet_option(),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _collector_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--profile", help="aliyun CLI profile (~/.aliyun/config.json)."),
        click.option(
            "--endpoint",
            "endpoints",
            multiple=True,
            metavar="SERVICE=URL",
            help="ram=URL, ims=URL, sts=URL or resourcemanager=URL (https://host[:port]; "
            "http:// only when given explicitly). Also RAM_AUDIT_ENDPOINT_RAM/_IMS/_STS/"
            "_RESOURCEMANAGER.",
        ),
        click.option("--role-arn", help="Assume this RAM role (e.g. a cross-account audit role)."),
        click.option("--external-id", help="ExternalId for --role-arn."),
        click.option(
            "--api-rate",
            type=click.FloatRange(0, 100, min_open=True),
            default=100.0,
            show_default=True,
            help="Most requests per second per API, never exceeded in any second; the "
            "collector slows down when throttled (Alibaba Cloud allows 100 per API per "
            "account, shared by every caller).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _list_flag(kw: dict[str, Any], name: str) -> list[str]:
    """A comma-separated, repeatable flag; given but empty (``--checks ""``) is an error."""
    from auditor.pipeline import split_list

    values = kw.get(name) or ()
    items = split_list(values)
    if values and not items:
        flag = "--" + ("format" if name == "formats" else name.replace("_", "-"))
        _die(f"{flag}: empty value (leave the flag out for the default)", EXIT_USAGE)
    return items


def _baseline_is_history(kw: dict[str, Any]) -> bool:
    return str(kw.get("baseline") or "") == "history"


def _options(**kw: Any) -> Options:
    from auditor.findings import Severity
    from auditor.pipeline import Options, split_list

    return Options(
        checks=_list_flag(kw, "checks"),
        exclude_checks=split_list(kw.get("exclude_checks", ())),
        tags=_list_flag(kw, "tags"),
        enable=_list_flag(kw, "enable"),
        min_severity=Severity(kw["min_severity"]) if kw.get("min_severity") else None,
        framework=kw.get("framework"),
        config=kw.get("config"),
        waivers=kw.get("waivers"),
        baseline=None if _baseline_is_history(kw) else kw.get("baseline"),
        baseline_history=_baseline_is_history(kw),
        fail_on=kw.get("fail_on"),
        formats=_list_flag(kw, "formats") or ("html", "json"),
        output_dir=kw.get("output_dir") or Path("ram-audit-report"),
        unknown_ok=kw.get("unknown_ok", False),
        history=kw.get("history"),
        history_keep=kw.get("history_keep") or DEFAULT_KEEP_DAYS,
        notify=tuple(kw.get("notify") or ()),
        notify_on=kw.get("notify_on") or "new",
        report_url=kw.get("report_url") or "",
    )


def _prepare(options: Options) -> Plan:
    from auditor.pipeline import prepare

    try:
        return prepare(options)
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)


def _collector_settings(options: dict[str, Any]) -> CollectorSettings:
    """Collector settings from the collector flags and RAM_AUDIT_ENDPOINT_* variables."""
    from auditor.collector import CollectorSettings, parse_endpoint
    from auditor.collector.credentials import check_profile
    from auditor.collector.settings import SERVICES, check_role_arn

    given: dict[Service, Endpoint] = {}
    for service in SERVICES:
        env = os.environ.get(f"RAM_AUDIT_ENDPOINT_{service.upper()}")
        if env:
            try:
                given[service] = parse_endpoint(service, env)
            except ValueError as exc:
                _die(f"RAM_AUDIT_ENDPOINT_{service.upper()}: {exc}", EXIT_USAGE)
    for item in options["endpoints"]:
        name, sep, url = item.partition("=")
        if not sep:
            _die(f"--endpoint {item!r}: expected SERVICE=URL, e.g. ram=https://...", EXIT_USAGE)
        name = name.strip()
        try:
            endpoint = parse_endpoint(name, url)
        except ValueError as exc:
            _die(f"--endpoint: {exc}", EXIT_USAGE)
        if name in SERVICES:  # always true once parse_endpoint accepted it; narrows to Service
            given[name] = endpoint
    role_arn = options["role_arn"]
    if role_arn is not None:
        try:
            role_arn = check_role_arn(role_arn)
        except ValueError as exc:
            _die(f"--role-arn: {exc}", EXIT_USAGE)
    if options["profile"] is not None:
        try:
            check_profile(options["profile"])
        except UsageError as exc:
            _die(str(exc), EXIT_USAGE)
    defaults = CollectorSettings()
    return CollectorSettings(
        endpoints={**defaults.endpoints, **given},
        profile=options["profile"],
        role_arn=role_arn,
        external_id=options["external_id"],
        requests_per_second=options["api_rate"],
    )


def _collect(
    plan_sections: frozenset[Section],
    settings: CollectorSettings,
    progress: Progress,
    check_account: Callable[[str], None] | None = None,
) -> AccountSnapshot:
    from auditor.collector import CollectionAborted, collect_snapshot

    try:
        with progress.phase("Collecting account data"):
            return collect_snapshot(settings, plan_sections, on_progress=progress.update,
                                    check_account=check_account)
    except CollectionAborted as exc:
        _die(f"could not audit: {exc}", EXIT_CANNOT_AUDIT)
    except UsageError as exc:  # e.g. --baseline of another account, before collecting
        _die(str(exc), EXIT_USAGE)


def summary_line(report: AuditReport) -> str:
    """The result counts, adding up to the total, with the waived failures apart."""
    counts = report.summary.by_status
    fails = report.summary.unwaived_failures_by_severity
    waived = sum(r.waived for r in report.results)
    unwaived = ", ".join(f"{n} {s}" for s, n in fails.items() if n) or "none"
    label = report.account.alias or report.account.id
    return (
        f"Audited {label} ({report.account.id}): {len(report.results)} results: "
        f"{counts['PASS']} passed, {counts['FAIL']} failed ({waived} waived; unwaived: "
        f"{unwaived}), {counts['UNKNOWN'] + counts['ERROR']} unknown/error, "
        f"{counts['NOT_APPLICABLE']} not applicable."
    )


def _summary(
    report: AuditReport, paths: Sequence[Path], code: int, quiet: bool, reason: str
) -> None:
    if quiet:
        return
    click.echo(summary_line(report), err=True)
    if report.collection_issues and any(i.kind == "missing" for i in report.collection_issues):
        click.echo(
            "WARNING: the audit is incomplete: some data could not be collected "
            "(see 'Collection issues' in the report).",
            err=True,
        )
    if report.history is not None:
        h = report.history
        click.echo(
            f"History: run {h.run_id} recorded: {h.new} new, {h.reopened} reopened, "
            f"{len(h.resolved)} resolved, {len(h.unverified)} unverified.",
            err=True,
        )
    for path in paths:
        click.echo(f"Report: {path.resolve()}", err=True)
    click.echo(f"Exit code {code}: {reason}.", err=True)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``--version``, as click's version_option prints it; the version (importlib.metadata)
    is looked up only then."""
    if not value or ctx.resilient_parsing:
        return
    import auditor

    click.echo(f"ram-audit, version {auditor.__version__}")
    ctx.exit()


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version, help="Show the version and exit.")
def cli() -> None:
    """Audit an Alibaba Cloud account's RAM security posture."""


@cli.command()
@_selection_options
@_report_options
@_collector_options
@org_run_options
def run(**kw: Any) -> None:
    """Collect, evaluate and report on a live account (with --accounts: on every member of
    an organisation)."""
    from auditor.progress import Progress

    _configure_logging(kw["quiet"])
    if kw.get("accounts") is not None or any(kw.get(f) for f in ORG_ONLY_FLAGS):
        _run_accounts(kw)
    with _loading():
        plan = _prepare(_options(**kw))
        _check_output_dir(plan.options.output_dir)
        progress = Progress(quiet=kw["quiet"])
        settings = _collector_settings(kw)
    snapshot = _collect(plan.sections, settings, progress, plan.check_account)
    _finish(plan, snapshot, progress)


def _run_accounts(kw: dict[str, Any]) -> NoReturn:
    """``run --accounts``: every member (of this shard), then the organisation report."""
    from auditor.collector import CollectionAborted
    from auditor.progress import Progress

    try:
        check_org_flags(kw)
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)
    plan = _prepare(_options(**{**kw, "baseline": None}))  # --baseline: an org directory
    _check_output_dir(plan.options.output_dir)
    settings = _collector_settings({**kw, "role_arn": None, "external_id": None})
    progress = Progress(quiet=kw["quiet"])
    try:
        code, lines = run_accounts(plan, kw, settings, progress.update)
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)
    except CollectionAborted as exc:
        _die(f"could not audit: {exc}", EXIT_CANNOT_AUDIT)
    for line in lines if not kw["quiet"] else ():
        click.echo(line, err=True)
    sys.exit(code)


def _finish(plan: Plan, snapshot: AccountSnapshot, progress: Progress) -> NoReturn:
    from auditor.pipeline import exit_reason, finish

    try:
        with progress.phase("Evaluating and writing the reports"):
            report, paths, code = finish(plan, snapshot)
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)
    _summary(report, paths, code, progress.quiet, exit_reason(report, plan.fail_on, code))
    sys.exit(code)


@cli.command()
@click.argument("snapshot_path", metavar="SNAPSHOT", type=click.Path(path_type=Path))
@_selection_options
@_report_options
def evaluate(snapshot_path: Path, **kw: Any) -> None:
    """Evaluate a saved snapshot offline (no API calls)."""
    _configure_logging(kw["quiet"])
    with _loading():  # the modules, and the snapshot: both live to the end
        from auditor.progress import Progress
        from auditor.snapshot_file import load_snapshot

        plan = _prepare(_options(**kw))
        _check_output_dir(plan.options.output_dir)
        try:
            snapshot = load_snapshot(snapshot_path)
        except UsageError as exc:
            _die(str(exc), EXIT_USAGE)
    _finish(plan, snapshot, Progress(quiet=kw["quiet"]))


@cli.command()
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Snapshot file to write (replaced atomically).")
@_selection_options
@_collector_options
@_quiet_option()
def collect(output: Path, **kw: Any) -> None:
    """Collect a snapshot only (API -> snapshot.json, for evaluate)."""
    from auditor.progress import Progress
    from auditor.render.atomic import check_writable_dir
    from auditor.snapshot_file import save_snapshot

    _configure_logging(kw["quiet"])
    with _loading():
        plan = _prepare(_options(**kw))
        try:
            check_writable_dir(output.parent, f"--output {output}: directory")
        except UsageError as exc:
            _die(str(exc), EXIT_USAGE)
        settings = _collector_settings(kw)
    snapshot = _collect(plan.sections, settings, Progress(quiet=kw["quiet"]))
    try:
        save_snapshot(snapshot, output)
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)
    if not kw["quiet"]:
        calls = sum(snapshot.meta.api_calls.values())
        click.echo(f"Snapshot written to {output} ({calls} API calls).", err=True)


@cli.command()
@click.argument("report_path", metavar="REPORT_JSON", type=click.Path(path_type=Path))
@click.option("--format", "formats", multiple=True,
              help="Formats to render, comma-separated: html, json, csv, junit, markdown, "
              "openmetrics, ocsf (default: html).")
@_output_dir_option()
@click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False),
              default="high", show_default=True,
              help="JUnit: FAILs of at least this severity are failures, the others skipped.")
@_quiet_option()
def render(
    report_path: Path, formats: Sequence[str], output_dir: Path, fail_on: str, quiet: bool
) -> None:
    """Re-render a saved report.json (no API calls)."""
    from auditor.render import check_formats, load_report, render_report
    from auditor.render.atomic import check_writable_dir

    chosen = _list_flag({"formats": formats}, "formats") or ["html"]
    try:
        check_formats(chosen)
        check_writable_dir(output_dir, "--output-dir")
        report = load_report(report_path)
        paths = render_report(report, chosen, output_dir, fail_on=fail_on.lower())
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)
    for path in paths if not quiet else ():
        click.echo(f"Report: {path.resolve()}", err=True)


@cli.command("list-checks")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "md"]), default="table",
              show_default=True, help="table: a terminal table; json: one object per check "
              "(id, title, severity, parameters, ...); md: a Markdown catalogue.")
def list_checks(fmt: str) -> None:
    """List every check (built-in and from installed packs)."""
    from auditor.catalogue import catalogue_json, catalogue_markdown, catalogue_table
    from auditor.registry import CheckRegistry

    try:
        registry = CheckRegistry.discover()
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)
    if fmt == "json":
        click.echo(json.dumps(catalogue_json(registry), indent=2))
    elif fmt == "md":
        click.echo(catalogue_markdown(registry), nl=False)
    else:
        catalogue_table(registry)


@cli.command()
@_selection_options
@click.option("--audit-role", is_flag=True, help="Organisations: print the members' audit "
              "role (name, policy, trust policy) instead of the bare policy.")
@click.option("--auditing-account", default="<AUDITING-ACCOUNT-ID>", metavar="ID",
              help="With --audit-role: the account the audit runs from (trusted).")
@click.option("--role-name", default="ram-audit-reader", show_default=True,
              help="With --audit-role: the role's name.")
@click.option("--external-id", help="With --audit-role: require this sts:ExternalId.")
def permissions(
    audit_role: bool, auditing_account: str, role_name: str, external_id: str | None, **kw: Any
) -> None:
    """Print the least-privilege read-only policy for the auditor (with --audit-role: the
    member audit role of an organisation, with its trust policy)."""
    from auditor.permissions import audit_role_trust_policy, least_privilege_policy

    plan = _prepare(_options(**kw))
    policy = least_privilege_policy(plan.sections)
    if audit_role:
        policy = {"role_name": role_name, "policy": policy,
                  "trust_policy": audit_role_trust_policy(auditing_account, external_id)}
    click.echo(json.dumps(policy, indent=2))


@cli.command()
@click.option("--world", type=click.Path(path_type=Path, dir_okay=False),
              help="World file (YAML or JSON) describing the account to serve.")
@click.option("--org", "org_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Organisation file: a Resource Directory's management account and members "
              "(docs/organizations.md); instead of --world.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="0 picks a free port.")
@click.option("--latency-ms", type=click.IntRange(0), default=0, show_default=True,
              metavar="MS", help="Delay every answer by this many milliseconds.")
@click.option("--throttle-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              metavar="FRACTION", help="Share of read calls (0 to 1) answered with "
              "Throttling.User, drawn per call from --seed; STS calls are never throttled.")
@click.option("--retry-after-ms", type=click.IntRange(1), default=None, metavar="MS",
              help="With --throttle-rate: send this x-acs-retry-after header (milliseconds) "
              "with each throttled answer.")
@click.option("--server-error-rate", type=click.FloatRange(0, 1), default=0.0,
              show_default=True, metavar="FRACTION", help="Share of read calls (0 to 1) "
              "answered with HTTP 500 InternalError or 503 ServiceUnavailable; never STS.")
@click.option("--qps-per-api", "--qps-limit", "qps_limit", type=click.FloatRange(0, min_open=True),
              default=None,
              metavar="RATE", help="Requests per second allowed per API action, STS "
              "included; calls beyond it get Throttling.Api.")
@click.option("--deny", multiple=True, metavar="ACTION[:NAME]",
              help="Answer with NoPermission (comma-separated, repeatable): ACTION alone "
              "(e.g. ListUsers, GetCallerIdentity) denies every call of that API action; "
              "ACTION:NAME (e.g. GetUser:alice, ListPoliciesForRole:Admin) only calls about "
              "the user, group, policy or role of that name, as a resource-scoped Deny would.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the random faults: the same seed faults the same calls.")
def emulator(
    world: Path | None, org_file: Path | None, port: int, deny: Sequence[str],
    qps_limit: float | None, **faults: Any
) -> None:
    """Serve a world file as a local RAM/IMS/STS API (demos, tests)."""
    from auditor.emulator import Faults, WorldError, serve
    from auditor.emulator.org import OrgError
    from auditor.emulator.org_server import serve_org
    from auditor.pipeline import split_list

    if (world is None) == (org_file is None):
        _die("emulator: give exactly one of --world FILE or --org FILE", EXIT_USAGE)
    limits = {"*": qps_limit} if qps_limit else {}
    chosen = Faults(deny=frozenset(split_list(deny)), qps_limit=limits, **faults)
    try:
        if org_file is not None:  # per-API limits apply per account, as on Alibaba Cloud
            serve_org(str(org_file), port, chosen)
        else:
            serve(str(world), port, chosen)
    except (WorldError, OrgError) as exc:
        _die(str(exc), EXIT_USAGE)


@cli.command()
@_output_dir_option()
@_quiet_option()
@click.option("--history", type=click.Path(path_type=Path, dir_okay=False),
              envvar="RAM_AUDIT_HISTORY", help="Record the run in this SQLite history.")
@click.option("--org", "as_org", is_flag=True,
              help="Audit a bundled sample organisation (four members) instead.")
def demo(output_dir: Path, quiet: bool, history: Path | None, as_org: bool) -> None:
    """Audit a bundled sample account (no credentials needed)."""
    from auditor.demo import run_demo
    from auditor.pipeline import Options
    from auditor.progress import Progress

    _configure_logging(quiet)
    if as_org:
        _demo_org(output_dir, quiet, history)
    plan = _prepare(Options(output_dir=output_dir, unknown_ok=True, history=history))
    _check_output_dir(output_dir)
    try:
        report, paths = run_demo(plan, Progress(quiet=quiet))
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)
    _summary(report, paths, 0, quiet, "a demo always exits 0")
    if not quiet:
        click.echo("This was a demo on a sample account served by the local emulator.", err=True)


def _demo_org(output_dir: Path, quiet: bool, history: Path | None) -> NoReturn:
    """``demo --org``: the organisation pipeline on the bundled sample directory."""
    from auditor.org.demo import run_demo_org
    from auditor.pipeline import Options
    from auditor.progress import Progress

    if history is not None:
        _die("demo --org: --history is not supported for organisations", EXIT_USAGE)
    plan = _prepare(Options(output_dir=output_dir, unknown_ok=True))
    _check_output_dir(output_dir)
    report, paths, _ = run_demo_org(plan, Progress(quiet=quiet).update)
    if not quiet:
        s = report.summary
        click.echo(f"Organisation {report.organization.resource_directory_id}: "
                   f"{s.accounts_audited} audited, {s.accounts_not_audited} not audited.", err=True)
        for path in paths:
            click.echo(f"Report: {path.resolve()}", err=True)
        click.echo("This was a demo on a sample organisation served by the local emulator "
                   "(a demo always exits 0).", err=True)
    sys.exit(0)


@cli.group()
def org() -> None:
    """Resource Directory organisations (see also run --accounts and merge)."""


@org.command("accounts")
@click.option("--folder", help="Only this folder and its sub-folders (e.g. fd-xxxx).")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE",
              help="Only members with this tag (KEY alone: any value); repeatable.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Accounts file to write (.json: JSON, else YAML); default: stdout.")
@click.option("--role-name", default="ram-audit-reader", show_default=True,
              help="defaults.role_name: the audit role in each member.")
@click.option("--external-id", help="defaults.external_id for AssumeRole into members.")
@click.option("--profile", help="aliyun CLI profile (~/.aliyun/config.json).")
@click.option("--endpoint", "endpoints", multiple=True, metavar="SERVICE=URL",
              help="resourcemanager=URL, sts=URL (also RAM_AUDIT_ENDPOINT_*).")
@click.option("--api-rate", type=click.FloatRange(0, 100, min_open=True), default=100.0,
              show_default=True, help="Most requests per second per API.")
@_quiet_option()
def org_accounts(
    folder: str | None, tags: Sequence[str], output: Path | None, role_name: str,
    external_id: str | None, quiet: bool, **kw: Any
) -> None:
    """List the Resource Directory's members into an accounts file (management account or
    delegated administrator credentials)."""
    from auditor.collector import CollectionAborted
    from auditor.org.accounts import Defaults, dump_accounts
    from auditor.org.discover import discover, parse_tags
    from auditor.render.atomic import check_writable_dir

    _configure_logging(quiet)
    try:
        defaults = Defaults(role_name=role_name, external_id=external_id)
        wanted = parse_tags(tags)
        if output is not None:
            check_writable_dir(output.parent, f"--output {output}: directory")
    except (UsageError, ValueError) as exc:
        _die(str(exc), EXIT_USAGE)
    settings = _collector_settings({**kw, "role_arn": None, "external_id": None})
    try:
        accounts = discover(settings, defaults, folder=folder, tags=wanted)
    except CollectionAborted as exc:
        _die(f"could not list the organisation: {exc}", EXIT_CANNOT_AUDIT)
    text = dump_accounts(accounts, output)
    if output is None:
        click.echo(text, nl=False)
    if not quiet:
        audited = sum(entry.audited for entry in accounts.accounts)
        where = f" to {output}" if output is not None else ""
        click.echo(f"Listed {len(accounts.accounts)} account(s) ({audited} to audit){where}.",
                   err=True)


# --- policy engine: query and graph (policy-analysis.md §6) ---------------------------------


def _snapshot_source(func: Callable[..., Any]) -> Callable[..., Any]:
    """--snapshot FILE (offline), else the collector flags (collect like ``run``)."""
    func = _quiet_option()(_collector_options(func))
    return click.option("--snapshot", "snapshot_path", type=click.Path(path_type=Path),
                        help="Answer from this snapshot (ram-audit collect) instead of "
                        "collecting.")(func)


def _engine(kw: dict[str, Any]) -> Any:
    """The policy engine of --snapshot, or of a fresh collection of the identity sections."""
    from auditor.policy import PolicyEngine
    from auditor.progress import Progress
    from auditor.sections import Section
    from auditor.snapshot_file import load_snapshot

    _configure_logging(kw["quiet"])
    if kw["snapshot_path"] is not None:
        try:
            return PolicyEngine.from_snapshot(load_snapshot(kw["snapshot_path"]))
        except UsageError as exc:
            _die(str(exc), EXIT_USAGE)
    sections = frozenset({Section.USERS, Section.GROUPS, Section.POLICIES, Section.ROLES})
    snapshot = _collect(sections, _collector_settings(kw), Progress(quiet=kw["quiet"]))
    return PolicyEngine.from_snapshot(snapshot)


def _answer(kind: str, fmt: str, *args: Any, **kwargs: Any) -> None:
    from auditor.policy import query

    engine = _engine(kwargs.pop("kw"))
    try:
        answer = getattr(query, kind)(engine, *args, **kwargs)
    except UsageError as exc:
        _die(str(exc), EXIT_USAGE)
    text = getattr(query, f"{kind}_text")(answer) if fmt == "text" else json.dumps(answer,
                                                                                   indent=2)
    click.echo(text)


_QUERY_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                             default="text", show_default=True, help="Answer format.")


@cli.group()
def query() -> None:
    """Ask the policy engine: can a principal do X, who can, how can it become admin."""


@query.command("can")
@click.argument("principal")
@click.argument("action")
@click.argument("resource", default="*")
@_QUERY_FORMAT
@_snapshot_source
def query_can(principal: str, action: str, resource: str, fmt: str, **kw: Any) -> None:
    """Decision and evidence for PRINCIPAL (user/NAME, role/NAME) doing ACTION on RESOURCE
    (an ARN; default * = every resource). Exit 0 whatever the decision."""
    _answer("can", fmt, principal, action, resource, kw=kw)


@query.command("who-can")
@click.argument("action")
@click.argument("resource", default="*")
@click.option("--paths", is_flag=True,
              help="Also principals that can get it through an escalation path.")
@_QUERY_FORMAT
@_snapshot_source
def query_who_can(action: str, resource: str, paths: bool, fmt: str, **kw: Any) -> None:
    """Users and roles allowed (or conditionally allowed) ACTION on RESOURCE."""
    _answer("who_can", fmt, action, resource, paths=paths, kw=kw)


@query.command("paths")
@click.argument("principal")
@click.option("--to", "to", default="admin", show_default=True,
              help="admin, user/NAME or role/NAME.")
@_QUERY_FORMAT
@_snapshot_source
def query_paths(principal: str, to: str, fmt: str, **kw: Any) -> None:
    """Shortest escalation paths from PRINCIPAL, one per distinct first hop."""
    _answer("paths", fmt, principal, to=to, kw=kw)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "dot", "graphml", "opengraph"]),
              default="json", show_default=True,
              help="json, Graphviz dot, graphml, or BloodHound CE OpenGraph JSON.")
@click.option("--only-escalation", is_flag=True,
              help="Only the edges on some path to admin, and their nodes.")
@_snapshot_source
def graph(fmt: str, only_escalation: bool, **kw: Any) -> None:
    """Write the principal graph (users, roles, groups, external principals, admin) to
    stdout."""
    from auditor.policy.export import render

    click.echo(render(_engine(kw), fmt, only_escalation=only_escalation), nl=False)


cli.add_command(history_command)
cli.add_command(merge_command)


def main() -> None:
    """Console-script entry point."""
    _Entry.console_script = True
    _disable_sdk_debug()
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        cli(prog_name="ram-audit")
    except BrokenPipeError:  # e.g. `ram-audit list-checks | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as exc:  # stdout/stderr unwritable, e.g. a full disk
        if exc.errno not in (errno.ENOSPC, errno.EIO, errno.EDQUOT):
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        with contextlib.suppress(OSError):
            sys.stderr.write(f"ram-audit: error: cannot write output: {exc.strerror}\n")
        sys.exit(EXIT_USAGE)
    finally:  # the process ends: its last collections need not scan the report (0.4 s at 10k)
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
