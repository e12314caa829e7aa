"""The audit pipeline shared by ``run``, ``evaluate`` and ``demo``.

``prepare()`` validates every input (config, selection, waivers, baseline, formats) before
any API call, so a typo never costs a collection. ``finish()`` evaluates a snapshot, applies
waivers and the baseline, renders the reports and computes the exit code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from auditor._gc import no_cyclic_gc
from auditor.baseline import apply_baseline
from auditor.compliance import Framework, load_frameworks
from auditor.config import AuditConfig, FailOn, discover_config, load_config
from auditor.engine import Evaluation, evaluate, summarise
from auditor.errors import UsageError
from auditor.findings import Severity, Status
from auditor.jobs import DEFAULT_KEEP_DAYS, check_history, history_baseline, notify, record
from auditor.notify import Target, parse_target
from auditor.notify.policy import NotifyOn
from auditor.registry import CheckRegistry
from auditor.render import check_formats, load_report, render_report, stale_reports
from auditor.report import AuditReport, Result, WaiverProblem
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot

if TYPE_CHECKING:  # auditor.waivers is loaded only when there are waivers
    from auditor.waivers import Waiver

DEFAULT_FORMATS = ("html", "json")

log = logging.getLogger("ram_audit.pipeline")

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_CANNOT_AUDIT = 3
EXIT_INCOMPLETE = 4


@dataclass(frozen=True)
class Options:
    """Selection and output options as given on the command line (None = not given)."""

    checks: Sequence[str] = ()
    exclude_checks: Sequence[str] = ()
    tags: Sequence[str] = ()
    enable: Sequence[str] = ()
    min_severity: Severity | None = None
    framework: str | None = None
    config: Path | None = None
    waivers: Path | None = None
    baseline: Path | None = None
    fail_on: FailOn | None = None
    formats: Sequence[str] = DEFAULT_FORMATS
    output_dir: Path = Path("ram-audit-report")
    unknown_ok: bool = False
    history: Path | None = None
    history_keep: int = DEFAULT_KEEP_DAYS
    baseline_history: bool = False
    notify: Sequence[str] = ()
    notify_on: NotifyOn = "new"
    report_url: str = ""


@dataclass(frozen=True)
class Plan:
    """Validated inputs, ready to evaluate a snapshot."""

    options: Options
    config: AuditConfig
    evaluation: Evaluation
    waivers: tuple[Waiver, ...]
    baseline: AuditReport | None
    fail_on: FailOn
    notify_targets: tuple[Target, ...] = ()

    def check_account(self, account_id: str) -> None:
        """Refuse (:class:`UsageError`) a baseline of another account: every finding would
        look new and every old one resolved. The collector calls this as soon as it knows
        the audited account, before collecting anything."""
        if self.baseline is not None and self.baseline.account.id != account_id:
            raise UsageError(
                f"--baseline {self.options.baseline}: a report of account "
                f"{self.baseline.account.id}, not of the audited account {account_id}"
            )

    @property
    def sections(self) -> frozenset[Section]:
        """Sections to collect: what the selected checks need, plus the caller identity."""
        needed = {Section.IDENTITY}
        for loaded in self.evaluation.checks:
            needed |= loaded.check.meta.requires
        return frozenset(needed)


def split_list(values: Sequence[str]) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]`` (flags may repeat or use commas)."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _load_config(path: Path | None) -> AuditConfig:
    if path is not None:
        return load_config(path)
    return discover_config(Path.cwd()) or AuditConfig()


def _check_tags(registry: CheckRegistry, tags: Sequence[str]) -> None:
    """Name the ``--tags`` no check has (a typo would otherwise select nothing)."""
    known = {tag for loaded in registry.all() for tag in loaded.check.meta.tags}
    unknown = [tag for tag in tags if tag not in known]
    if unknown:
        raise UsageError(
            f"--tags: unknown tag(s) {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(sorted(known))})"
        )


def _check_ids(registry: CheckRegistry, options: Options, config: AuditConfig) -> list[str]:
    """Explicit ``--checks``/``checks``; else, with ``--enable``/``enable``, every check on
    by default plus those; else none (the registry's defaults)."""
    explicit = list(options.checks) or list(config.checks)
    enable = [*config.enable, *options.enable]
    for check_id in options.enable:
        if check_id not in registry:
            raise UsageError(f"--enable: unknown check id {check_id!r}")
    if explicit or not enable:
        return explicit
    defaults = [c.id for c in registry.all() if c.check.meta.enabled_by_default]
    return list(dict.fromkeys([*defaults, *enable]))


def prepare(options: Options, registry: CheckRegistry | None = None) -> Plan:
    """Validate everything the user gave us; raises :class:`UsageError` naming the culprit."""
    registry = registry or CheckRegistry.discover()
    config = _load_config(options.config)
    config.check_against(registry)
    frameworks: dict[str, Framework] = load_frameworks()
    if options.framework is not None and options.framework not in frameworks:
        raise UsageError(
            f"--framework: unknown framework {options.framework!r} "
            f"(known: {', '.join(sorted(frameworks))})"
        )
    check_formats(options.formats)
    _check_tags(registry, options.tags)
    selected = registry.select(
        ids=_check_ids(registry, options, config),
        exclude=[*config.exclude_checks, *options.exclude_checks],
        tags=options.tags,
        min_severity=options.min_severity,
        framework=options.framework,
    )
    if not selected:
        raise UsageError("the selection matches no check")
    waivers_path = options.waivers or config.waivers
    waivers: tuple[Waiver, ...] = ()
    if waivers_path:
        from auditor.waivers import check_known_checks, load_waivers

        waivers = tuple(load_waivers(waivers_path))
        check_known_checks(waivers_path, waivers, [c.id for c in registry.all()])
    baseline = load_report(options.baseline) if options.baseline else None
    if options.baseline_history and options.history is None:
        raise UsageError("--baseline history needs --history FILE (or RAM_AUDIT_HISTORY)")
    if options.history is not None:
        check_history(options.history)
    targets = tuple(parse_target(target) for target in options.notify)
    evaluation = Evaluation(
        checks=selected,
        frameworks=frameworks,
        framework=options.framework,
        params=config.params,
        severity=config.severity,
        all_checks=registry.all(),
    )
    return Plan(
        options=options,
        config=config,
        evaluation=evaluation,
        waivers=waivers,
        baseline=baseline,
        fail_on=options.fail_on or config.fail_on,
        notify_targets=targets,
    )


def build_report(plan: Plan, snapshot: AccountSnapshot) -> AuditReport:
    """Evaluate, then apply waivers (as of the collection date) and the baseline.

    A baseline of another account is a :class:`UsageError` (:meth:`Plan.check_account`).
    """
    plan.check_account(snapshot.account_id)
    report = evaluate(snapshot, plan.evaluation)
    results, problems = _waived(report.results, plan.waivers, snapshot)
    baseline = plan.baseline
    if plan.options.baseline_history and plan.options.history is not None:
        baseline = history_baseline(plan.options.history, snapshot.account_id)
    baseline_info = None
    if baseline is not None:
        results, baseline_info = apply_baseline(results, baseline)
    # The evaluation's summary stands unless a waiver applied: a baseline changes no
    # status, severity or waiver (one pass over tens of thousands of results saved).
    waived = any(r.waived for r in results)
    return report.model_copy(
        update={
            "results": results,
            "summary": summarise(results) if waived else report.summary,
            "waiver_problems": problems,
            "baseline": baseline_info,
        }
    )


def _waived(
    results: list[Result], waivers: Sequence[Waiver], snapshot: AccountSnapshot
) -> tuple[list[Result], list[WaiverProblem]]:
    """``apply_waivers`` as of the collection date; without waivers, as it would answer
    (the results, no problem) without loading auditor.waivers."""
    if not waivers:
        return list(results), []
    from auditor.waivers import apply_waivers

    return apply_waivers(results, list(waivers), snapshot.meta.collected_at.date())


_UNDECIDED = (Status.UNKNOWN, Status.ERROR)


def exit_code(report: AuditReport, fail_on: FailOn, *, unknown_ok: bool = False) -> int:
    """0 clean, 1 unwaived FAIL at/above ``fail_on``, 4 incomplete (UNKNOWN/ERROR)."""
    if fail_on != "never" and any(_failing(report, Severity(fail_on))):
        return EXIT_FAILURES
    undecided = _UNDECIDED  # a local: Status.X is an attribute lookup per result
    incomplete = any(r.status in undecided for r in report.results)
    if incomplete and not unknown_ok:
        return EXIT_INCOMPLETE
    return EXIT_OK


def _failing(report: AuditReport, threshold: Severity) -> Iterator[Result]:
    """The unwaived FAIL results at or above ``threshold``."""
    severe = tuple(s for s in Severity if s.at_least(threshold))  # no per-result .rank
    fail = Status.FAIL
    return (
        r for r in report.results
        if r.status is fail and not r.waived and r.severity in severe
    )


def exit_reason(report: AuditReport, fail_on: FailOn, code: int) -> str:
    """Why the run exits with ``code``, e.g. ``24 unwaived failures at or above high``."""
    undecided_statuses = _UNDECIDED
    undecided = sum(r.status in undecided_statuses for r in report.results)
    incomplete = f"{undecided} result(s) UNKNOWN/ERROR" if undecided else "no UNKNOWN/ERROR"
    if code == EXIT_FAILURES:
        failing = sum(1 for _ in _failing(report, Severity(fail_on)))
        also = f" (also incomplete: {incomplete}; 1 takes precedence over 4)" if undecided else ""
        return f"{failing} unwaived failure(s) at or above {fail_on}{also}"
    if code == EXIT_INCOMPLETE:
        return f"audit incomplete: {incomplete} (--unknown-ok exits 0)"
    below = "" if fail_on == "never" else f" at or above {fail_on}"
    return f"no unwaived failure{below}" + (f"; {incomplete} (--unknown-ok)" if undecided else "")


def warn_after_run(report: AuditReport, options: Options) -> None:
    """Expired and stale waivers, and report files of formats not written this run."""
    if report.waiver_problems:
        from auditor.waivers import describe_problem

        for problem in report.waiver_problems:
            log.warning(describe_problem(problem))
    stale = stale_reports(options.output_dir, options.formats)
    if stale:
        log.warning(
            f"{options.output_dir}: older report file(s) of formats not written this run: "
            f"{', '.join(p.name for p in stale)} (not current; delete them or add their "
            "--format)"
        )


def finish(plan: Plan, snapshot: AccountSnapshot) -> tuple[AuditReport, list[Path], int]:
    """Evaluate ``snapshot``, record it in the history, notify, write the reports and
    return them with the exit code (which notifications never change)."""
    options = plan.options
    with no_cyclic_gc():
        report = build_report(plan, snapshot)
    if options.history is not None:
        report = record(options.history, report, options.history_keep)
    code = exit_code(report, plan.fail_on, unknown_ok=options.unknown_ok)
    report = notify(report, plan.notify_targets, mode=options.notify_on, fail_on=plan.fail_on,
                    exit_code=code, report_url=options.report_url)
    with no_cyclic_gc():
        paths = render_report(report, options.formats, options.output_dir, fail_on=plan.fail_on)
    warn_after_run(report, plan.options)
    return report, paths, code

