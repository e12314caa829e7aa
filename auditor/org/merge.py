"""``ram-audit merge``: shard directories (or earlier runs) -> the organisation report.

Offline and idempotent: the result depends only on the manifests and member reports read,
never on the order of the directories or on how often it runs. A member listed in a
manifest without a report is ``not_audited`` ("no result"); a member audited in several
directories keeps its latest report.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import auditor
from auditor.config import FailOn
from auditor.errors import UsageError
from auditor.findings import Severity, Status
from auditor.org.manifest import Manifest, read_manifest
from auditor.org.report import (
    MemberSummary,
    OrgAccount,
    Organization,
    OrgBaseline,
    OrgCheck,
    OrgReport,
    OrgSummary,
)
from auditor.org.runner import ACCOUNTS_DIR
from auditor.pipeline import EXIT_FAILURES, EXIT_INCOMPLETE, EXIT_OK
from auditor.render import load_report
from auditor.render.atomic import write_atomic
from auditor.report import AuditReport, Tool

ORG_JSON = "org-report.json"
ORG_HTML = "org-report.html"
_UNDECIDED = (Status.UNKNOWN, Status.ERROR)


@dataclass(frozen=True)
class _Found:
    report: AuditReport
    directory: Path  # DIR/accounts/<id>


def _member_report(directory: Path, account_id: str) -> _Found | None:
    path = directory / ACCOUNTS_DIR / account_id / "report.json"
    if not path.is_file():
        return None
    report = load_report(path)
    if report.account.id != account_id:
        raise UsageError(f"merge: {path} is a report of account {report.account.id}, "
                         f"not {account_id}")
    return _Found(report, path.parent)


def _summary(report: AuditReport) -> MemberSummary:
    by_severity = {str(s): 0 for s in Severity}
    for r in report.results:
        if r.status is Status.FAIL and not r.waived:
            by_severity[str(r.severity)] += 1
    by_status = {str(s): 0 for s in Status}
    for r in report.results:
        by_status[str(r.status)] += 1
    return MemberSummary(by_status=by_status, by_severity=by_severity)


def _failing(report: AuditReport) -> dict[str, str]:
    """check id -> 'fail' (unwaived FAIL), 'waived' (only waived FAILs) or 'unknown'."""
    state: dict[str, str] = {}
    for r in report.results:
        if r.status is Status.FAIL and not r.waived:
            state[r.check_id] = "fail"
        elif r.status is Status.FAIL and state.get(r.check_id) != "fail":
            state[r.check_id] = "waived"
        elif r.status in _UNDECIDED and r.check_id not in state:
            state[r.check_id] = "unknown"
    return state


def _checks(reports: dict[str, AuditReport]) -> list[OrgCheck]:
    titles: dict[str, tuple[str, str]] = {}
    for report in reports.values():
        for info in report.checks:
            titles.setdefault(info.id, (info.title, str(info.severity)))
        for r in report.results:
            titles.setdefault(r.check_id, (r.title, str(r.severity)))
    states = {account: _failing(report) for account, report in reports.items()}
    rank = {str(s): s.rank for s in Severity}
    checks = []
    for check_id, (title, severity) in titles.items():
        def having(value: str, check_id: str = check_id) -> list[str]:
            return sorted(a for a, s in states.items() if s.get(check_id) == value)

        checks.append(OrgCheck(check_id=check_id, title=title, severity=severity,
                               failing_accounts=having("fail"), waived_accounts=having("waived"),
                               unknown_accounts=having("unknown")))
    checks.sort(key=lambda c: (-len(c.failing_accounts), -rank.get(c.severity, 0), c.check_id))
    return checks


def _baseline(
    previous: OrgReport | None, checks: list[OrgCheck]
) -> OrgBaseline | None:
    if previous is None:
        return None
    before = {c.check_id: set(c.failing_accounts) for c in previous.checks}
    now = {c.check_id: set(c.failing_accounts) for c in checks}
    new = {k: sorted(v - before.get(k, set())) for k, v in now.items() if v - before.get(k, set())}
    gone = {k: sorted(v - now.get(k, set())) for k, v in before.items() if v - now.get(k, set())}
    return OrgBaseline(previous_generated_at=previous.generated_at, new_failing_accounts=new,
                       resolved_accounts=gone)


def load_org_report(directory: Path) -> OrgReport:
    path = directory / ORG_JSON
    try:
        return OrgReport.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise UsageError(f"--baseline {directory}: no {ORG_JSON} there") from None
    except ValueError as exc:
        raise UsageError(f"--baseline {path}: not an org-1 report: "
                         f"{' '.join(str(exc).split()[:20])}") from None


def _copy_member(found: _Found, output_dir: Path, account_id: str) -> None:
    target = output_dir / ACCOUNTS_DIR / account_id
    if found.directory.resolve() != target.resolve():
        shutil.copytree(found.directory, target, dirs_exist_ok=True)


def build_org_report(
    directories: Sequence[Path],
    output_dir: Path,
    *,
    fail_on: FailOn | None = None,
    baseline_dir: Path | None = None,
) -> OrgReport:
    """Read every directory's manifest and member reports into one :class:`OrgReport`,
    copying member directories into ``output_dir`` when they live elsewhere."""
    manifests: list[tuple[Path, Manifest]] = [(d, read_manifest(d)) for d in directories]
    if not manifests:
        raise UsageError("merge: give at least one directory")
    names: dict[str, str] = {}
    reasons: dict[str, str] = {}
    found: dict[str, _Found] = {}
    for directory, manifest in manifests:
        names.update(manifest.names)
        for account_id in manifest.accounts:
            candidate = _member_report(directory, account_id)
            if candidate is None:
                continue
            best = found.get(account_id)
            if best is None or (candidate.report.collected_at, str(candidate.directory)) > (
                    best.report.collected_at, str(best.directory)):
                found[account_id] = candidate
        for item in manifest.not_audited:
            reasons.setdefault(item.id, item.reason)
    listed = sorted({a for _, m in manifests for a in m.accounts})
    accounts: list[OrgAccount] = []
    reports: dict[str, AuditReport] = {}
    for account_id in listed:
        hit = found.get(account_id)
        if hit is None:
            reason = reasons.get(account_id, "no result")
            accounts.append(OrgAccount(id=account_id, name=names.get(account_id, ""),
                                       status="not_audited", reason=reason))
            continue
        report = hit.report
        reports[account_id] = report
        _copy_member(hit, output_dir, account_id)
        new = None if report.baseline is None else sum(
            r.change == "new" and r.status is Status.FAIL and not r.waived
            for r in report.results)
        accounts.append(OrgAccount(
            id=account_id, name=names.get(account_id, "") or report.account.alias,
            status="audited", report=f"{ACCOUNTS_DIR}/{account_id}/report.json",
            collected_at=report.collected_at,
            incomplete=any(r.status in _UNDECIDED for r in report.results),
            summary=_summary(report), new_failures=new,
        ))
    checks = _checks(reports)
    audited = [a for a in accounts if a.status == "audited"]
    by_status = {str(s): sum(a.summary.by_status.get(str(s), 0) for a in audited if a.summary)
                 for s in Status}
    by_severity = {str(s): sum(a.summary.by_severity.get(str(s), 0) for a in audited
                               if a.summary) for s in Severity}
    organization = _organization([m for _, m in manifests])
    previous = load_org_report(baseline_dir) if baseline_dir is not None else None
    return OrgReport(
        tool=Tool(version=auditor.__version__),
        generated_at=max(m.generated_at for _, m in manifests),
        organization=organization,
        fail_on=fail_on or manifests[0][1].fail_on,
        shards=sorted({m.shard for _, m in manifests}),
        accounts=accounts,
        checks=checks,
        summary=OrgSummary(
            accounts_total=max(max(m.total_accounts for _, m in manifests), len(accounts)),
            accounts_audited=len(audited),
            accounts_not_audited=len(accounts) - len(audited),
            accounts_incomplete=sum(a.incomplete for a in audited),
            by_status=by_status, by_severity=by_severity,
        ),
        baseline=_baseline(previous, checks),
    )


def _organization(manifests: Sequence[Manifest]) -> Organization:
    """The first non-empty value of each field, in a stable order."""
    ordered = sorted(manifests, key=lambda m: m.shard)
    pick = next((m.organization for m in ordered if m.organization.resource_directory_id),
                ordered[0].organization)
    return pick


def missing_accounts(report: OrgReport) -> int:
    """Accounts of the accounts file covered by no merged manifest (a shard not merged)."""
    return report.summary.accounts_total - len(report.accounts)


def org_exit_code(report: OrgReport, fail_on: str, *, unknown_ok: bool = False) -> int:
    """1 for an unwaived FAIL at or above ``fail_on``; else 4 when a member is not audited,
    a shard is missing, or (unless ``unknown_ok``) a member is incomplete; else 0."""
    if fail_on != "never":
        threshold = Severity(fail_on)
        for account in report.accounts:
            if account.summary and any(
                n and Severity(s).at_least(threshold)
                for s, n in account.summary.by_severity.items()
            ):
                return EXIT_FAILURES
    if report.summary.accounts_not_audited or missing_accounts(report):
        return EXIT_INCOMPLETE
    if report.summary.accounts_incomplete and not unknown_ok:
        return EXIT_INCOMPLETE
    return EXIT_OK


def write_org_report(report: OrgReport, output_dir: Path) -> list[Path]:
    """``org-report.json`` and ``org-report.html`` in ``output_dir`` (atomically)."""
    from auditor.org.html import render_org_html

    output_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    return [
        write_atomic(output_dir / ORG_JSON, text.encode("utf-8")),
        write_atomic(output_dir / ORG_HTML, render_org_html(report)),
    ]
