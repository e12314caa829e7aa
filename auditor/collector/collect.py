"""``collect_snapshot``: run the call plan for the requested sections."""

from __future__ import annotations

import logging
import re
import signal
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from alibabacloud_sts20150401 import models as sts

import auditor
from auditor.collector.account import (
    RootAnswers,
    read_alias,
    read_caller,
    read_password_policy,
    read_root,
    read_root_activity,
    read_root_answers,
    read_security_preference,
    read_sso,
)
from auditor.collector.api import ApiCaller, Redactor
from auditor.collector.context import RunContext, workers_for
from auditor.collector.convert import dig, to_str
from auditor.collector.credentials import ResolvedCredentials, resolve_credentials
from auditor.collector.directory import read_groups, read_policies, read_roles
from auditor.collector.errors import ApiError, CollectionAborted
from auditor.collector.report_fetch import (
    REPORT_USER_LIMIT,
    CredentialReport,
    fetch_credential_report,
)
from auditor.collector.settings import CollectorSettings
from auditor.collector.users import ListedUser, list_users, users_from_report, users_per_user
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, SnapshotMeta

log = logging.getLogger("ram_audit.collector")


def collect_snapshot(
    settings: CollectorSettings,
    sections: Collection[Section],
    *,
    on_progress: Callable[[str], None] | None = None,
    credentials: ResolvedCredentials | None = None,
    check_account: Callable[[str], None] | None = None,
) -> AccountSnapshot:
    """Collect ``sections`` (identity is always collected) into an :class:`AccountSnapshot`.

    ``check_account`` is called with the audited account id as soon as it is known: from
    ``settings.role_arn`` before any API call (credential resolution included), else right
    after STS GetCallerIdentity, before any other call. Whatever it raises stops the
    collection. Raises :class:`CollectionAborted` when the audit cannot run at all.
    """
    role_account = _account_of_role(settings.role_arn)
    if check_account is not None and role_account is not None:
        check_account(role_account)
    started = datetime.now(timezone.utc).replace(microsecond=0)
    wanted = frozenset(sections) | {Section.IDENTITY}
    creds = credentials or resolve_credentials(settings.profile)
    redact = Redactor(creds.secrets())
    extra_counts: dict[str, int] = {}
    if settings.role_arn:
        creds, extra_counts = _assume_role(settings, creds, redact, on_progress)
    api = ApiCaller(settings, creds, redact)
    workers = settings.max_workers or workers_for(settings.requests_per_second)
    ctx = RunContext(api, workers, on_progress)

    ctx.progress("identity")
    caller = read_caller(ctx)
    if check_account is not None:
        check_account(caller.account_id)

    # The alias and every section side by side: none waits for another's calls.
    tasks: dict[str, Callable[[], dict[str, object]]] = {
        "account_alias": lambda: {"account_alias": read_alias(ctx)},
    }
    if wanted & {Section.USERS, Section.ROOT, Section.ROOT_ACTIVITY}:
        tasks["users"] = lambda: _users_and_root(ctx, settings, wanted, started)
    readers: list[tuple[Section, str, Callable[[RunContext], object]]] = [
        (Section.PASSWORD_POLICY, "password_policy", read_password_policy),
        (Section.SECURITY_PREFERENCE, "security_preference", read_security_preference),
        (Section.GROUPS, "groups", lambda c: read_groups(c) or ()),
        (Section.POLICIES, "policies", lambda c: read_policies(c) or ()),
        (Section.ROLES, "roles", lambda c: read_roles(c) or ()),
        (Section.SSO, "sso", read_sso),
    ]
    for section, key, read in readers:
        if section in wanted:
            tasks[key] = _one_part(ctx, section, key, read)
    parts: dict[str, object] = {}
    for result in _run_side_by_side(api, tasks):
        parts.update(result)
    report_at = parts.pop("_report_generated_at", None)
    assert report_at is None or isinstance(report_at, datetime)

    calls = dict(extra_counts)
    for action, count in api.counts.items():
        calls[action] = calls.get(action, 0) + count
    ctx.progress(f"done: {sum(calls.values())} API calls, {len(ctx.issues)} issues")
    return AccountSnapshot(
        meta=SnapshotMeta(
            tool_version=auditor.__version__,
            collected_at=started,
            sections=tuple(s for s in Section if s in wanted),
            api_calls=dict(sorted(calls.items())),
            credential_report_generated_at=report_at,
        ),
        caller=caller,
        issues=tuple(sorted(ctx.issues, key=lambda i: _SECTION_ORDER[i.section])),
        **parts,
    )


_SECTION_ORDER = {section: n for n, section in enumerate(Section)}


def _one_part(
    ctx: RunContext, section: Section, key: str, read: Callable[[RunContext], object]
) -> Callable[[], dict[str, object]]:
    def run() -> dict[str, object]:
        ctx.progress(section.value.replace("_", " "))
        return {key: read(ctx)}

    return run


def _run_side_by_side(
    api: ApiCaller, tasks: dict[str, Callable[[], dict[str, object]]]
) -> list[dict[str, object]]:
    """Run independent sections concurrently (each API keeps its own pacing).

    The first failure (``CollectionAborted`` or a bug) makes every later call of the other
    sections fail fast, and is raised once they have stopped.
    """
    if len(tasks) <= 1:
        return [task() for task in tasks.values()]
    first: BaseException | None = None
    with ThreadPoolExecutor(len(tasks), thread_name_prefix="ram-audit-section") as pool:
        try:
            with _signals_held():  # every section started is then waited for
                futures = [pool.submit(_unless_aborted, api, task) for task in tasks.values()]
            for future in as_completed(futures):
                error = future.exception()
                if error is not None and first is None:
                    first = error
                    api.abort(f"collection stopped: {error}")
        except BaseException:  # e.g. KeyboardInterrupt while waiting
            api.abort("collection interrupted")
            raise
    if first is not None:
        raise first
    return [future.result() for future in futures]


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while section threads start; they are delivered right after.

    A signal raised in the middle of ``submit`` could leave a started thread untracked, to
    run (and print) after the error line. The threads inherit the mask, so that the
    signals always reach the main thread.
    """
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # not POSIX
        yield
        return
    previous = mask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def _unless_aborted(api: ApiCaller, task: Callable[[], dict[str, object]]) -> dict[str, object]:
    """A section started after the run was stopped (e.g. by a signal) neither calls nor prints."""
    if api.aborted is not None:
        raise CollectionAborted(api.aborted)
    return task()


def _users_and_root(
    ctx: RunContext, settings: CollectorSettings, wanted: frozenset[Section], started: datetime
) -> dict[str, object]:
    """Users, root and root activity: they share the user list and the credential report.

    The root APIs' own answers do not depend on the report: they are read meanwhile.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="ram-audit-root") as side:
        root_answers = side.submit(read_root_answers, ctx) if Section.ROOT in wanted else None
        return _users_and_root_parts(ctx, settings, wanted, started, root_answers)


def _users_and_root_parts(
    ctx: RunContext,
    settings: CollectorSettings,
    wanted: frozenset[Section],
    started: datetime,
    root_answers: Future[RootAnswers] | None,
) -> dict[str, object]:
    parts: dict[str, object] = {}
    listed: list[ListedUser] | None = None
    if Section.USERS in wanted:
        ctx.progress("users")
        try:
            listed = list_users(ctx)
        except ApiError as exc:
            ctx.record(Section.USERS, exc)

    report, report_error = _report(ctx, settings, wanted, listed)
    if report is not None:
        _note_report_age(ctx, report.generated_at, started)
        parts["_report_generated_at"] = report.generated_at

    if root_answers is not None:
        ctx.progress("root account")
        parts["root"] = read_root(
            ctx, report.root_row if report else None, report_error, root_answers.result()
        )
    if Section.ROOT_ACTIVITY in wanted:
        if report is None and report_error is not None:
            ctx.record(Section.ROOT_ACTIVITY, report_error)
        parts["root_activity"] = read_root_activity(ctx, report.root_row if report else None)
        if report is not None and report.root_row is None:
            ctx.record(
                Section.ROOT_ACTIVITY,
                ApiError("ims:GetCredentialReport", "IncompleteResponse", "no <root> row"),
            )
    if listed is not None:
        if report is not None:
            parts["users"] = tuple(users_from_report(ctx, listed, report))
        else:
            if report_error is not None:
                ctx.record(Section.USERS, report_error, kind="degraded")
            ctx.progress("users: credential report unavailable, reading per user")
            parts["users"] = tuple(users_per_user(ctx, listed))
    return parts


#: ``acs:ram:<region>:<account-id>:role/<name>``: the account a role ARN belongs to.
_ROLE_ARN = re.compile(r"acs:ram:[^:]*:(?P<account>[0-9]+):role/.+", re.IGNORECASE)


def _account_of_role(role_arn: str | None) -> str | None:
    """The account id of a role ARN, or None when there is none or it is not of that form."""
    match = _ROLE_ARN.fullmatch(role_arn) if role_arn else None
    return match["account"] if match else None


#: A credential report older than this is called out: changes since are not in it.
STALE_REPORT_AGE = timedelta(hours=1)


def _note_report_age(ctx: RunContext, generated_at: datetime | None, now: datetime) -> None:
    """Record a degraded issue when the credential report predates the audit noticeably.

    Alibaba Cloud regenerates the report at most every 4 hours, so a recent report
    generated by someone else is reused: AccessKeys created, and logons made, since then
    are not in it.
    """
    if generated_at is None or now - generated_at <= STALE_REPORT_AGE:
        return
    hours = (now - generated_at).total_seconds() / 3600
    ctx.record(
        Section.USERS,
        ApiError(
            "ims:GetCredentialReport",
            "StaleCredentialReport",
            f"the credential report was generated {hours:.1f} h before this audit "
            f"({generated_at:%Y-%m-%d %H:%M} UTC); AccessKeys created and logons made "
            "since then are not reflected (Alibaba Cloud regenerates it at most every 4 h)",
        ),
        kind="degraded",
    )


def _report(
    ctx: RunContext,
    settings: CollectorSettings,
    wanted: frozenset[Section],
    listed: list[ListedUser] | None,
) -> tuple[CredentialReport | None, ApiError | None]:
    """The credential report, or why it is unavailable (None, None when not needed)."""
    needed = bool(wanted & {Section.ROOT, Section.ROOT_ACTIVITY}) or listed is not None
    if not needed:
        return None, None
    if listed is not None and len(listed) > REPORT_USER_LIMIT:
        return None, ApiError(
            "ims:GetCredentialReport",
            "CredentialReportUnavailable",
            f"no credential report for accounts with more than {REPORT_USER_LIMIT} users",
        )
    try:
        return fetch_credential_report(ctx, settings), None
    except ApiError as exc:
        ctx.progress(f"credential report unavailable: {exc.code}")
        return None, exc


def _assume_role(
    settings: CollectorSettings,
    source: ResolvedCredentials,
    redact: Redactor,
    on_progress: Callable[[str], None] | None,
) -> tuple[ResolvedCredentials, dict[str, int]]:
    """STS AssumeRole (through the configured STS endpoint) into the audited account."""
    if on_progress:
        on_progress(f"assuming role {settings.role_arn}")
    api = ApiCaller(settings, source, redact)
    request = sts.AssumeRoleRequest(
        role_arn=settings.role_arn,
        role_session_name=settings.role_session_name,
        duration_seconds=3600,
        external_id=settings.external_id or None,
    )
    try:
        body = api.call("sts:AssumeRole", request)
    except ApiError as exc:
        raise CollectionAborted(
            f"cannot assume role {settings.role_arn}: {exc.code}: {exc.message}"
        ) from None
    creds = dig(body, "credentials")
    key_id, secret = to_str(dig(creds, "access_key_id")), to_str(dig(creds, "access_key_secret"))
    token = to_str(dig(creds, "security_token")) or None
    if not (key_id and secret):
        raise CollectionAborted(f"cannot assume role {settings.role_arn}: no credentials returned")
    redact.add(secret, token)
    return ResolvedCredentials(key_id, secret, token, source="assumed role"), dict(api.counts)
