"""Checks on the AccessKeys of RAM users (root keys: see ``root_access_key_absent``).

Ages are exact durations before the snapshot time (see :mod:`checks._time`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from auditor.check import (
    CheckMeta,
    CheckParams,
    Days,
    GraceDays,
    PerResourceCheck,
    PrincipalName,
    of_access_key,
    of_user,
)
from auditor.findings import Finding, Severity
from auditor.per_snapshot import per_snapshot
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, User
from checks._time import days_ago, older_than

ROTATE_URL = "https://www.alibabacloud.com/help/doc-detail/152682.htm"
DISABLE_URL = (
    "https://www.alibabacloud.com/help/en/ram/user-guide/disable-an-accesskey-pair-of-a-ram-user"
)
STS_URL = "https://www.alibabacloud.com/help/en/ram/user-guide/what-is-sts"


class _KeysCheck(PerResourceCheck[User]):
    """Judges the AccessKeys of each user; a user whose keys could not be read is UNKNOWN."""

    __abstract__ = True
    reads = frozenset({"access_keys"})
    none_message = "No RAM user has an active AccessKey."

    def items(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterable[User]:
        # Without gaps a user without keys yields nothing here: not asked (half the users).
        return snapshot.users if snapshot.has_gaps() else _users_with_keys(snapshot)


@per_snapshot
def _users_with_keys(snapshot: AccountSnapshot) -> tuple[User, ...]:
    """The users with an AccessKey (active or not), in snapshot order."""
    return tuple([u for u in snapshot.users if u.access_keys])


class AccessKeyRotated(_KeysCheck):
    meta = CheckMeta(
        id="access_key_rotated",
        title="Active AccessKeys are rotated regularly",
        severity=Severity.MEDIUM,
        rationale=(
            "The longer an AccessKey lives, the more places it has been copied to and the "
            "longer a leaked copy stays useful. Regular rotation bounds that exposure."
        ),
        remediation=(
            "Create a second AccessKey for the user, switch every application to it, check "
            "in the RAM console (Identities > Users > user > AccessKey, Last Used) that the "
            "old key is no longer used, disable it, then delete it."
        ),
        remediation_cli=(
            "aliyun ram CreateAccessKey --UserName <user>  # then, once unused: "
            "aliyun ram DeleteAccessKey --UserName <user> --UserAccessKeyId <old key>"
        ),
        doc_url=ROTATE_URL,
        tags=("access-key", "rotation"),
        requires=frozenset({Section.USERS}),
    )

    class Params(CheckParams):
        max_age_days: Days = 90

    def judge(self, snapshot: AccountSnapshot, user: User, params: Params) -> Iterable[Finding]:
        keys = user.active_access_keys
        if not keys:
            return ()
        now, limit = snapshot.now, params.max_age_days
        out = []
        for key in keys:
            message = f"Created {days_ago(now, key.created_at)} ago (limit {limit} days)."
            if older_than(now, key.created_at, limit):
                out.append(self.failed(of_access_key(key, user), message))
            else:
                out.append(self.passed(of_access_key(key, user), message))
        return out


class AccessKeyUsedRecently(_KeysCheck):
    meta = CheckMeta(
        id="access_key_used_recently",
        title="Active AccessKeys are in use",
        severity=Severity.MEDIUM,
        rationale=(
            "An active AccessKey that nobody uses only adds risk: it can leak from old "
            "configuration, scripts or backups, and its misuse would stand out to no one."
        ),
        remediation=(
            "In the RAM console, open Identities > Users > user > AccessKey and check Last "
            "Used. If no application needs the key, disable it, wait to confirm nothing "
            "breaks, then delete it."
        ),
        remediation_cli=(
            "aliyun ram UpdateAccessKey --UserName <user> --UserAccessKeyId <key> --Status Inactive"
        ),
        doc_url=DISABLE_URL,
        tags=("access-key", "hygiene"),
        requires=frozenset({Section.USERS}),
    )

    class Params(CheckParams):
        max_unused_days: Days = 90
        grace_days: GraceDays = 7

    def judge(self, snapshot: AccountSnapshot, user: User, params: Params) -> Iterable[Finding]:
        keys = user.active_access_keys
        if not keys:
            return ()
        now = snapshot.now
        out = []
        for key in keys:
            resource = of_access_key(key, user)
            if key.last_used_at is not None:
                message = (
                    f"Last used {days_ago(now, key.last_used_at)} ago "
                    f"(limit {params.max_unused_days} days)."
                )
                if older_than(now, key.last_used_at, params.max_unused_days):
                    out.append(self.failed(resource, message))
                else:
                    out.append(self.passed(resource, message))
                continue
            message = (
                f"Never used; created {days_ago(now, key.created_at)} ago "
                f"(grace period {params.grace_days} days)."
            )
            if older_than(now, key.created_at, params.grace_days):
                out.append(self.failed(resource, message))
            else:
                out.append(self.passed(resource, message))
        return out


class AccessKeySingleActive(_KeysCheck):
    meta = CheckMeta(
        id="access_key_single_active",
        title="RAM users have at most one active AccessKey",
        severity=Severity.LOW,
        rationale=(
            "A second active AccessKey is only needed briefly during a rotation. Two "
            "long-lived active keys double the credentials to protect and usually mean a "
            "rotation was never finished."
        ),
        remediation=(
            "In the RAM console, open Identities > Users > user > AccessKey, find the key "
            "that is no longer used (Last Used), disable it, then delete it."
        ),
        remediation_cli=(
            "aliyun ram UpdateAccessKey --UserName <user> --UserAccessKeyId <key> --Status Inactive"
        ),
        doc_url=ROTATE_URL,
        tags=("access-key", "hygiene"),
        requires=frozenset({Section.USERS}),
    )

    none_message = "No RAM user has an AccessKey."

    def judge(
        self, snapshot: AccountSnapshot, user: User, params: CheckParams
    ) -> Iterable[Finding]:
        if not user.access_keys:
            return ()
        active = [k.id for k in user.active_access_keys]
        if len(active) > 1:
            return (self.failed(
                of_user(user), f"{len(active)} active AccessKeys: {', '.join(active)}."
            ),)
        return (self.passed(of_user(user), _active_of(len(active), len(user.access_keys))),)


@lru_cache(maxsize=64)
def _active_of(active: int, total: int) -> str:
    """One message per (active, total), shared by the users with those counts."""
    return f"{active} active AccessKey(s) out of {total}."


class AccessKeyDisabledRemoved(_KeysCheck):
    meta = CheckMeta(
        id="access_key_disabled_removed",
        title="Disabled AccessKeys are deleted",
        severity=Severity.LOW,
        rationale=(
            "A disabled AccessKey can be re-enabled by anyone allowed to manage keys, "
            "reviving an old, possibly leaked credential. Once a key is confirmed unused it "
            "should be deleted."
        ),
        remediation=(
            "In the RAM console, open Identities > Users > user > AccessKey and delete the "
            "disabled key once you are sure no application needs it."
        ),
        remediation_cli="aliyun ram DeleteAccessKey --UserName <user> --UserAccessKeyId <key>",
        doc_url=ROTATE_URL,
        tags=("access-key", "hygiene"),
        requires=frozenset({Section.USERS}),
    )

    none_message = "No RAM user has a disabled AccessKey."

    def judge(
        self, snapshot: AccountSnapshot, user: User, params: CheckParams
    ) -> Iterable[Finding]:
        disabled = [k for k in user.access_keys if not k.active] if user.access_keys else ()
        if not disabled:  # no generator per user: most have no disabled key
            return ()
        now = snapshot.now
        return [
            self.failed(
                of_access_key(key, user),
                f"Disabled AccessKey (created {days_ago(now, key.created_at)} ago) kept instead "
                "of deleted.",
            )
            for key in disabled
        ]


class AccessKeyPreferSts(_KeysCheck):
    meta = CheckMeta(
        id="access_key_prefer_sts",
        title="Long-lived AccessKeys are replaced by roles and STS",
        severity=Severity.LOW,
        rationale=(
            "Temporary STS credentials obtained by assuming a RAM role expire on their own; "
            "a permanent AccessKey stays valid until someone deletes it. Only allow-listed "
            "machine users should keep permanent keys."
        ),
        remediation=(
            "Give the workload a RAM role instead (an ECS instance RAM role, an OIDC role "
            "for CI, or AssumeRole from a trusted identity), switch it to STS credentials, "
            "then disable and delete the AccessKey. Allow-list users that must keep a key."
        ),
        remediation_cli="aliyun sts AssumeRole --RoleArn <role arn> --RoleSessionName <name>",
        doc_url=STS_URL,
        tags=("access-key", "sts"),
        requires=frozenset({Section.USERS}),
        enabled_by_default=False,
    )

    class Params(CheckParams):
        allowed_users: tuple[PrincipalName, ...] = ()

    def judge(self, snapshot: AccountSnapshot, user: User, params: Params) -> Iterator[Finding]:
        for key in user.active_access_keys:
            if user.name in params.allowed_users:
                yield self.passed(
                    of_access_key(key, user), f"User {user.name} is allowed a long-lived key."
                )
            else:
                yield self.failed(
                    of_access_key(key, user),
                    f"Long-lived active AccessKey; user {user.name} is not in allowed_users.",
                )
