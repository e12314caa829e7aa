"""``run --accounts``: every member through the single-account pipeline, side by side.

Per member: STS AssumeRole into its audit role (through ``collect_snapshot`` with
``role_arn``/``external_id``), then exactly ``collect_snapshot`` + ``finish`` into
``DIR/accounts/<id>/``. Each member has its own API gate, so its own per-API rate limits
(Alibaba Cloud's quotas are per account). A member that fails for any reason is recorded
``not_audited`` with the reason; no other member is stopped or changed by it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from auditor.collector import CollectionAborted, CollectorSettings, collect_snapshot
from auditor.collector.api import Redactor
from auditor.collector.credentials import ResolvedCredentials
from auditor.collector.rate import AdaptiveLimiter
from auditor.errors import UsageError
from auditor.org.accounts import ADMIN_ROLE, AccountEntry, AccountsFile
from auditor.org.manifest import Manifest, NotAudited, write_manifest
from auditor.org.report import Organization, OrgCaller
from auditor.org.shard import Shard
from auditor.pipeline import Plan, finish
from auditor.render import load_report

log = logging.getLogger("ram_audit.org")

#: Checks told the organisation's accounts through their ``organisation_accounts``
#: parameter: trusted, and an account outside them is named as such.
ORG_AWARE_CHECKS = ("role_trust_restricted", "external_principal_no_admin_path")
ACCOUNTS_DIR = "accounts"


@dataclass(frozen=True)
class MemberOutcome:
    id: str
    reason: str | None = None  # None: audited
    exit_code: int = 0


def refuse_admin_role(accounts: AccountsFile, allow_admin_role: bool) -> None:
    """Refuse (:class:`UsageError`) the administrator role unless explicitly allowed."""
    if allow_admin_role:
        return
    for entry in accounts.accounts:
        if accounts.role_arn(entry).endswith(f":role/{ADMIN_ROLE}"):
            raise UsageError(
                f"account {entry.id}: {ADMIN_ROLE} has administrator rights; audit through a "
                "read-only role (see 'ram-audit permissions --audit-role') or pass "
                "--allow-admin-role"
            )


def _with_organisation(plan: Plan, accounts: Sequence[str]) -> Plan:
    """The plan with the organisation's accounts given to each org-aware check (the checks
    themselves are unchanged)."""
    params = {k: dict(v) for k, v in plan.evaluation.params.items()}
    for loaded in plan.evaluation.checks:
        if loaded.id not in ORG_AWARE_CHECKS:
            continue
        current = plan.evaluation.params_for(loaded)
        base = tuple(getattr(current, "organisation_accounts", ()))
        params.setdefault(loaded.id, {})["organisation_accounts"] = tuple(
            sorted(set(base) | set(accounts)))
    return dataclasses.replace(
        plan, evaluation=dataclasses.replace(plan.evaluation, params=params))


def member_plan(
    plan: Plan, account_id: str, output_dir: Path, baseline_dir: Path | None
) -> Plan:
    """The organisation plan narrowed to one member: its directory, waivers and baseline
    (its run goes into the organisation's ``--history``, if any, as its own run)."""
    baseline_path = baseline_dir / ACCOUNTS_DIR / account_id / "report.json" if baseline_dir \
        else None
    if baseline_path is not None and not baseline_path.is_file():
        baseline_path = None
    options = dataclasses.replace(
        plan.options, output_dir=output_dir, baseline=baseline_path, notify=(),
        baseline_history=False,
    )
    return dataclasses.replace(
        plan,
        options=options,
        waivers=tuple(w for w in plan.waivers if w.applies_to(account_id)),
        baseline=load_report(baseline_path) if baseline_path is not None else None,
    )


class _Tracker:
    """Members done/total and the ones in flight, as progress lines."""

    def __init__(self, total: int, emit: Callable[[str], None]) -> None:
        self._total = total
        self._emit = emit
        self._done = 0
        self._current: dict[str, str] = {}
        self._lock = threading.Lock()

    def start(self, entry: AccountEntry) -> None:
        with self._lock:
            self._current[entry.id] = entry.name or entry.id
            self._line(f"started {entry.id}")

    def finish(self, outcome: MemberOutcome) -> None:
        with self._lock:
            self._current.pop(outcome.id, None)
            self._done += 1
            what = "audited" if outcome.reason is None else f"NOT audited ({outcome.reason})"
            self._line(f"{outcome.id} {what}")

    def _line(self, event: str) -> None:
        current = ", ".join(f"{i} ({n})" for i, n in sorted(self._current.items())[:8])
        more = len(self._current) - 8
        current += f" and {more} more" if more > 0 else ""
        self._emit(f"members {self._done}/{self._total} done; {event}; "
                   f"in progress: {current or 'none'}")


@dataclass(frozen=True)
class OrgRun:
    """Everything one organisation run (or shard) needs besides the plan."""

    accounts: AccountsFile
    settings: CollectorSettings
    credentials: ResolvedCredentials
    output_dir: Path
    shard: Shard
    workers: int = 8
    baseline_dir: Path | None = None


def _audit_member(
    run: OrgRun, plan: Plan, entry: AccountEntry, redact: Redactor, sts_pace: AdaptiveLimiter
) -> MemberOutcome:
    if not entry.audited:
        return MemberOutcome(entry.id, f"status {entry.status}")
    settings = dataclasses.replace(
        run.settings, role_arn=run.accounts.role_arn(entry),
        external_id=run.accounts.external_id(entry))
    directory = run.output_dir / ACCOUNTS_DIR / entry.id
    try:
        mine = member_plan(plan, entry.id, directory, run.baseline_dir)
        sts_pace.acquire()  # each member starts with an AssumeRole in the caller's account
        snapshot = collect_snapshot(settings, mine.sections, credentials=run.credentials,
                                    check_account=mine.check_account)
        if snapshot.account_id != entry.id:
            raise UsageError(f"the role {settings.role_arn} answered as account "
                             f"{snapshot.account_id}")
        _, _, code = finish(mine, snapshot)
    except (CollectionAborted, UsageError) as exc:
        return MemberOutcome(entry.id, redact(" ".join(str(exc).split())))
    except Exception as exc:  # a bug must not stop the other members either
        log.debug("member %s failed", entry.id, exc_info=True)
        return MemberOutcome(entry.id, redact(f"error: {type(exc).__name__}: {exc}"))
    return MemberOutcome(entry.id, None, code)


def run_members(
    run: OrgRun, plan: Plan, emit: Callable[[str], None]
) -> tuple[Manifest, list[MemberOutcome]]:
    """Audit this shard's members concurrently; write and return the shard manifest."""
    ordered = run.accounts.sorted_accounts()
    mine = run.shard.select(ordered)
    trusted = run.accounts.trusted_ids()
    plan = _with_organisation(plan, trusted)
    redact = Redactor(run.credentials.secrets())
    tracker = _Tracker(len(mine), emit)
    # The caller's own STS quota is shared by all members: their AssumeRole calls are paced
    # together (each member's later calls use that member's own per-API limits).
    sts_pace = AdaptiveLimiter(run.settings.requests_per_second, sleep=run.settings.sleep)
    outcomes: list[MemberOutcome] = []

    def one(entry: AccountEntry) -> MemberOutcome:
        tracker.start(entry)
        outcome = _audit_member(run, plan, entry, redact, sts_pace)
        tracker.finish(outcome)
        return outcome

    with ThreadPoolExecutor(max(1, run.workers), thread_name_prefix="ram-audit-member") as pool:
        futures = [pool.submit(one, entry) for entry in mine]
        outcomes = [future.result() for future in as_completed(futures)]
    outcomes.sort(key=lambda o: o.id)
    accounts = run.accounts
    manifest = Manifest(
        shard=str(run.shard),
        total_accounts=len(ordered),
        generated_at=datetime.now(timezone.utc).replace(microsecond=0),
        organization=Organization(
            resource_directory_id=accounts.resource_directory_id,
            management_account_id=accounts.management_account_id,
            caller=OrgCaller(account_id=accounts.caller_account_id),
        ),
        fail_on=plan.fail_on,
        names={e.id: e.name for e in mine if e.name},
        accounts=[e.id for e in mine],
        audited=[o.id for o in outcomes if o.reason is None],
        not_audited=[NotAudited(id=o.id, reason=o.reason) for o in outcomes
                     if o.reason is not None],
    )
    write_manifest(run.output_dir, manifest)
    return manifest, outcomes
