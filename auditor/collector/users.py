"""RAM users with their credentials: from the credential report, or per-user as fallback."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alibabacloud_ims20190815 import models as ims

from auditor.collector.context import RunContext
from auditor.collector.convert import dig, items, to_bool, to_datetime, to_str
from auditor.collector.credential_report import ReportRow
from auditor.collector.errors import ApiError
from auditor.collector.pools import ActionPools
from auditor.collector.report_fetch import CredentialReport
from auditor.sections import Section
from auditor.snapshot import AccessKey, ResourceRef, User, UserStatus


@dataclass(frozen=True)
class ListedUser:
    """A user as IMS ListUsers returns it."""

    id: str
    name: str
    principal_name: str
    display_name: str
    comments: str
    created_at: datetime
    last_login_at: datetime | None
    status: UserStatus = "active"


#: Every user: IMS ListUsers lists only ``active`` users unless asked for both states.
ALL_STATUSES = "active,freeze"


def list_users(ctx: RunContext) -> list[ListedUser]:
    """IMS ListUsers of active and frozen users at the maximum page size (includes
    LastLoginDate)."""
    raw = ctx.paginate(
        "ims:ListUsers",
        lambda marker: ims.ListUsersRequest(marker=marker, max_items=1000, status=ALL_STATUSES),
        lambda body: items(dig(body, "users"), "user"),
    )
    users = []
    for u in raw:
        principal = to_str(u.user_principal_name)
        created = to_datetime(u.create_date)
        if created is None or not principal:
            ctx.record(Section.USERS, _incomplete("ims:ListUsers", f"user {principal!r}"))
            continue
        status = to_str(u.status).strip().lower()
        if status not in ("active", "freeze", ""):
            # Status changes no verdict (frozen users are evaluated like any other).
            ctx.record(
                Section.USERS,
                ApiError(
                    "ims:ListUsers",
                    "UnknownUserStatus",
                    f"user {principal!r}: Status {to_str(u.status)!r} read as active",
                ),
                kind="degraded",
            )
        users.append(
            ListedUser(
                id=to_str(u.user_id),
                name=principal.partition("@")[0],
                principal_name=principal,
                display_name=to_str(u.display_name),
                comments=to_str(u.comments),
                created_at=created,
                last_login_at=to_datetime(u.last_login_date),
                status="freeze" if status == "freeze" else "active",
            )
        )
    ctx.progress(f"users: {len(users)} listed")
    return users


def users_from_report(
    ctx: RunContext, listed: list[ListedUser], report: CredentialReport
) -> list[User]:
    """Credential facts from the report; ListAccessKeys only for users with keys.

    Users missing from the report (created after it was generated) or whose row leaves a
    fact unknown are read per user.
    """
    rows = report.user_rows()
    in_report = [u for u in listed if _row(rows, u) is not None]
    missing = [u for u in listed if _row(rows, u) is None]
    with_keys = [u for u in in_report if _row(rows, u).keys]  # type: ignore[union-attr]
    keys_by_user: dict[str, list[Any] | ApiError | None] = dict(
        zip(
            [u.principal_name for u in with_keys],
            ctx.fan_out("access keys", lambda u: _keys_or_error(ctx, u), with_keys),
            strict=True,
        )
    )
    fallback = {
        u.principal_name: user
        for u, user in zip(missing, _per_user(ctx, missing), strict=True)
    }
    result: list[User] = []
    for listed_user in listed:
        if listed_user.principal_name in fallback:
            fallback_user = fallback[listed_user.principal_name]
            if fallback_user is not None:
                result.append(fallback_user)
            continue
        row = _row(rows, listed_user)
        assert row is not None
        raw_keys = keys_by_user.get(listed_user.principal_name, [])
        if raw_keys is None:  # deleted meanwhile
            continue
        keys: tuple[AccessKey, ...] = ()
        if isinstance(raw_keys, ApiError):
            _record_gap(ctx, listed_user, raw_keys, "access_keys")
        else:
            try:
                keys = _keys_from_report(ctx, listed_user, raw_keys, row)
            except ApiError as exc:
                if exc.absent:  # the user was deleted meanwhile
                    continue
                _record_gap(ctx, listed_user, exc, "access_keys")
        result.append(
            _user(
                listed_user,
                last_login=listed_user.last_login_at or row.last_logon,
                has_profile=bool(row.password_exist),
                console=bool(row.console),
                mfa=bool(row.mfa_active),
                keys=keys,
            )
        )
    return result


def users_per_user(ctx: RunContext, listed: list[ListedUser]) -> list[User]:
    """Fallback without the credential report: four kinds of calls per user."""
    return [u for u in _per_user(ctx, listed) if u is not None]


def _per_user(ctx: RunContext, listed: list[ListedUser]) -> list[User | None]:
    """Per-user reads fanned out per call, so that each API proceeds at its own rate.

    GetLoginProfile, GetUserMFAInfo and ListAccessKeys of every user are queued at once on
    their own pools; GetAccessKeyLastUsed is queued as each key list arrives.
    """
    if not listed:
        return []
    ctx.progress(f"per-user details: {len(listed):,} users")
    counter = ctx.counter("per-user details", len(listed))
    results: list[User | None] = []
    with ctx.action_pools() as pools:
        pending = [
            (
                user,
                pools.submit("ims:GetLoginProfile", _login_profile, ctx, user),
                pools.submit("ims:GetUserMFAInfo", _mfa_bound, ctx, user),
                pools.submit("ims:ListAccessKeys", _keys_and_last_use, ctx, pools, user),
            )
            for user in listed
        ]
        for user, profile, mfa, keys in pending:
            results.append(_assemble(ctx, user, profile, mfa, keys))
            counter.advance()
    return results


def _login_profile(ctx: RunContext, user: ListedUser) -> Any:
    """The login profile, or None when the user has none."""
    return _absent_as_none(
        lambda: dig(
            ctx.call(
                "ims:GetLoginProfile",
                ims.GetLoginProfileRequest(user_principal_name=user.principal_name),
            ),
            "login_profile",
        )
    )


def _mfa_bound(ctx: RunContext, user: ListedUser) -> bool:
    body = _absent_as_none(
        lambda: ctx.call(
            "ims:GetUserMFAInfo",
            ims.GetUserMFAInfoRequest(user_principal_name=user.principal_name),
        )
    )
    return bool(to_bool(dig(body, "is_mfaenable"))) or bool(
        dig(body, "mfadevice", "serial_number")
    )


_KeyWithLastUse = tuple[Any, datetime, "Future[datetime | None]"]


def _keys_and_last_use(
    ctx: RunContext, pools: ActionPools, user: ListedUser
) -> list[_KeyWithLastUse]:
    """ListAccessKeys, then GetAccessKeyLastUsed queued per key (not awaited here)."""
    found = []
    for raw in _list_keys(ctx, user):
        created = to_datetime(raw.create_date)
        if created is None:
            raise _incomplete("ims:ListAccessKeys", f"key of {user.name}")
        key_id = to_str(raw.access_key_id)
        found.append(
            (raw, created, pools.submit("ims:GetAccessKeyLastUsed", _last_used, ctx, user, key_id))
        )
    return found


def _assemble(
    ctx: RunContext,
    user: ListedUser,
    profile_read: Future[Any],
    mfa_read: Future[bool],
    keys_read: Future[list[_KeyWithLastUse]],
) -> User | None:
    """One user from its finished reads. A failed read leaves that fact unknown (an issue
    naming the user), the others stand; a user deleted meanwhile is dropped."""
    profile: Any = None
    mfa = False
    keys: list[AccessKey] = []
    try:
        profile = profile_read.result()
    except ApiError as exc:
        _record_gap(ctx, user, exc, "login_profile")
    try:
        mfa = mfa_read.result()
    except ApiError as exc:
        if exc.absent:  # the user was deleted meanwhile
            return None
        _record_gap(ctx, user, exc, "mfa")
    try:
        for raw, created, last_used in keys_read.result():
            try:
                keys.append(_key(user, raw, created, last_used.result()))
            except ApiError as exc:
                if exc.action != "ims:GetAccessKeyLastUsed" or not exc.absent:
                    raise  # an absent key was deleted meanwhile: skip it, keep the user
    except ApiError as exc:
        if exc.absent:  # the user was deleted meanwhile
            return None
        _record_gap(ctx, user, exc, "access_keys")
        keys = []
    status = to_str(dig(profile, "status")).lower()
    return _user(
        user,
        last_login=user.last_login_at or to_datetime(dig(profile, "last_login_time")),
        has_profile=profile is not None,
        console=profile is not None and status in ("active", ""),
        mfa=mfa,
        keys=tuple(keys),
    )


def _row(rows: dict[str, ReportRow], user: ListedUser) -> ReportRow | None:
    """The user's report row when it states every fact the collector needs."""
    row = rows.get(user.principal_name) or rows.get(user.name)
    return row if row is not None and row.complete else None


def _keys_or_error(ctx: RunContext, user: ListedUser) -> list[Any] | ApiError | None:
    """ListAccessKeys: the keys, None when the user is gone, or the error when it failed."""
    try:
        return _list_keys(ctx, user)
    except ApiError as exc:
        return None if exc.absent else exc


def _record_gap(ctx: RunContext, user: ListedUser, error: ApiError, fact: str) -> None:
    """``fact`` of ``user`` could not be read: only that user's results depending on it
    will be UNKNOWN."""
    ctx.record(
        Section.USERS, error, resource=ResourceRef(type="user", name=user.name), facts=(fact,)
    )


def _list_keys(ctx: RunContext, user: ListedUser) -> list[Any]:
    body = ctx.call(
        "ims:ListAccessKeys", ims.ListAccessKeysRequest(user_principal_name=user.principal_name)
    )
    return items(dig(body, "access_keys"), "access_key")


def _last_used(ctx: RunContext, user: ListedUser, key_id: str) -> datetime | None:
    body = ctx.call(
        "ims:GetAccessKeyLastUsed",
        ims.GetAccessKeyLastUsedRequest(
            user_access_key_id=key_id, user_principal_name=user.principal_name
        ),
    )
    return to_datetime(dig(body, "access_key_last_used", "last_used_date"))


def _keys_from_report(
    ctx: RunContext, user: ListedUser, raw_keys: list[Any], row: ReportRow
) -> tuple[AccessKey, ...]:
    """Keys named by ListAccessKeys, last use from the report slot with the same creation
    time. A key without exactly one such slot (created after the report, or sharing its
    creation time with another key) has its last use read directly."""
    keys = []
    slots = list(row.keys or ())
    for raw in raw_keys:
        created = to_datetime(raw.create_date)
        if created is None:
            raise _incomplete("ims:ListAccessKeys", f"key of {user.name}")
        same_time = [k for k in slots if k.last_rotated == created]
        created_together = sum(to_datetime(r.create_date) == created for r in raw_keys)
        if len(same_time) == 1 and created_together == 1 and same_time[0].last_used_known:
            last_used = same_time[0].last_used
        else:
            try:
                last_used = _last_used(ctx, user, to_str(raw.access_key_id))
            except ApiError as exc:
                if exc.absent:  # the key was deleted meanwhile
                    continue
                raise
        keys.append(_key(user, raw, created, last_used))
    return tuple(keys)


def _key(user: ListedUser, raw: Any, created: datetime, last_used: datetime | None) -> AccessKey:
    status = to_str(raw.status).strip().lower()
    if status not in ("active", "inactive") or not raw.access_key_id:
        raise ApiError(
            "ims:ListAccessKeys",
            "IncompleteResponse",
            f"key of {user.name}: no id or an unknown Status {to_str(raw.status)!r}",
        )
    return AccessKey(
        id=to_str(raw.access_key_id),
        status="Active" if status == "active" else "Inactive",
        created_at=created,
        last_used_at=last_used,
    )


def _absent_as_none(read: Any) -> Any:
    try:
        return read()
    except ApiError as exc:
        if exc.absent:
            return None
        raise


def _user(
    listed: ListedUser,
    *,
    last_login: datetime | None,
    has_profile: bool,
    console: bool,
    mfa: bool,
    keys: tuple[AccessKey, ...],
) -> User:
    return User(
        id=listed.id,
        name=listed.name,
        status=listed.status,
        principal_name=listed.principal_name,
        display_name=listed.display_name,
        comments=listed.comments,
        created_at=listed.created_at,
        last_console_login_at=last_login,
        has_login_profile=has_profile,
        console_access=console,
        mfa_bound=mfa,
        access_keys=keys,
    )


def _incomplete(action: str, what: str) -> ApiError:
    return ApiError(action, "IncompleteResponse", f"{what}: no creation time in the response")
