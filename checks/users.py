"""Per-user checks on RAM users: console and MFA, activity, groups and permissions.

Ages are exact durations before the snapshot time (see :mod:`checks._time`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from auditor.check import (
    CheckMeta,
    CheckParams,
    Days,
    PerResourceCheck,
    PrincipalName,
    missing_facts_message,
    of_user,
)
from auditor.findings import Finding, Severity
from auditor.per_snapshot import per_snapshot
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, CollectionIssue, Group, User
from checks._admin import AdminIndex, policy_label
from checks._time import cutoff, days_ago, older_than

BEST_PRACTICES_URL = (
    "https://www.alibabacloud.com/help/en/ram/use-cases/ensure-security-of-alibaba-cloud-resources"
)
LOGON_SETTINGS_URL = "https://www.alibabacloud.com/help/doc-detail/116399.htm"


class _UserCheck(PerResourceCheck[User]):
    """One verdict per RAM user (frozen ones included)."""

    __abstract__ = True
    none_message = "The account has no RAM user."

    def items(self, snapshot: AccountSnapshot, params: Any) -> Iterable[User]:
        return snapshot.users


def _console_users(snapshot: AccountSnapshot) -> Iterable[User]:
    """The users a console check judges: those with console access, or every user when
    some resource lacks a fact (``judge_incomplete`` may then decide the others)."""
    return snapshot.users if snapshot.has_gaps() else _with_console(snapshot)


@per_snapshot
def _with_console(snapshot: AccountSnapshot) -> tuple[User, ...]:
    return tuple([u for u in snapshot.users if u.console_access])


class UserConsoleMfaBound(_UserCheck):
    meta = CheckMeta(
        id="user_console_mfa_bound",
        title="RAM users with console access have an MFA device bound",
        severity=Severity.HIGH,
        rationale=(
            "A console password alone can be phished, guessed or reused from another "
            "breach. A bound MFA device stops a stolen password from being enough. "
            "Requiring MFA binding (MFABindRequired) is not the same as a bound device."
        ),
        remediation=(
            "In the RAM console, open Identities > Users, select the user, open the "
            "Authentication tab and bind a virtual MFA device or a passkey; or ask the user "
            "to bind one at the next logon. Enforce MFA for all console logons in the "
            "security settings."
        ),
        remediation_cli="aliyun ram UpdateLoginProfile --UserName <user> --MFABindRequired true",
        doc_url="https://www.alibabacloud.com/help/en/ram/user-guide/bind-an-mfa-device-to-a-ram-user",
        tags=("user", "mfa", "console"),
        requires=frozenset({Section.USERS}),
    )

    reads = frozenset({"login_profile", "mfa"})
    none_message = "No RAM user has console access."

    def items(self, snapshot: AccountSnapshot, params: Any) -> Iterable[User]:
        return _console_users(snapshot)  # the others yield nothing (unless data is missing)

    def judge(
        self, snapshot: AccountSnapshot, user: User, params: CheckParams
    ) -> Iterable[Finding]:
        if not user.console_access:
            return ()
        if user.mfa_bound:
            return (self.passed(of_user(user), "Console access with an MFA device bound."),)
        return (self.failed(of_user(user), "Console access but no MFA device bound."),)

    def judge_incomplete(
        self,
        snapshot: AccountSnapshot,
        user: User,
        params: CheckParams,
        missing: Mapping[str, CollectionIssue],
    ) -> Iterator[Finding]:
        if "login_profile" not in missing and not user.console_access:
            return  # known to have no console access: not evaluated
        yield self.unknown(of_user(user), missing_facts_message(user, missing))


class UserConsoleApiSeparated(_UserCheck):
    meta = CheckMeta(
        id="user_console_api_separated",
        title="RAM users have either console access or AccessKeys, not both",
        severity=Severity.MEDIUM,
        rationale=(
            "People log on to the console; programs use AccessKeys. A user with both mixes "
            "a human identity with an application credential, so a leaked key carries a "
            "person's permissions and key use cannot be told apart from the person's work."
        ),
        remediation=(
            "Decide whether the user is a person or a program. For a person, disable and "
            "delete its AccessKeys (Identities > Users > user > AccessKey). For a program, "
            "disable console logon (Authentication tab > Modify Logon Settings)."
        ),
        remediation_cli="aliyun ram DeleteLoginProfile --UserName <user>",
        doc_url=BEST_PRACTICES_URL,
        tags=("user", "console", "access-key"),
        requires=frozenset({Section.USERS}),
    )

    reads = frozenset({"login_profile", "access_keys"})

    def judge(
        self, snapshot: AccountSnapshot, user: User, params: CheckParams
    ) -> Iterable[Finding]:
        active = len(user.active_access_keys)
        if user.console_access and active:
            return (self.failed(of_user(user), _console_and_keys(active)),)
        if user.console_access:
            return (self.passed(of_user(user), "Console access only, no active AccessKey."),)
        return (self.passed(of_user(user), _keys_only(active)),)

    def judge_incomplete(
        self,
        snapshot: AccountSnapshot,
        user: User,
        params: CheckParams,
        missing: Mapping[str, CollectionIssue],
    ) -> Iterator[Finding]:
        # Either credential known to be absent decides the verdict.
        if "login_profile" not in missing and not user.console_access:
            yield self.passed(of_user(user), "No console access.")
        elif "access_keys" not in missing and not user.active_access_keys:
            yield self.passed(of_user(user), "No active AccessKey.")
        else:
            yield self.unknown(of_user(user), missing_facts_message(user, missing))


@lru_cache(maxsize=64)
def _console_and_keys(active: int) -> str:
    """One message per key count, shared by the users with that count."""
    return f"Console access and {active} active AccessKey(s)."


@lru_cache(maxsize=64)
def _keys_only(active: int) -> str:
    return f"No console access; {active} active AccessKey(s)."


class UserConsoleInactiveDisabled(_UserCheck):
    meta = CheckMeta(
        id="user_console_inactive_disabled",
        title="Console access of RAM users idle for too long is disabled",
        severity=Severity.MEDIUM,
        rationale=(
            "A console password nobody uses is an attack surface nobody watches: the owner "
            "has often left or moved on, and a compromise would go unnoticed."
        ),
        remediation=(
            "In the RAM console, open Identities > Users, select the user, open the "
            "Authentication tab, click Modify Logon Settings and disable console password "
            "logon (or delete the user if it is no longer needed). Consider letting RAM "
            "disable idle users automatically in the security settings."
        ),
        remediation_cli="aliyun ram DeleteLoginProfile --UserName <user>",
        doc_url=LOGON_SETTINGS_URL,
        tags=("user", "console", "hygiene"),
        requires=frozenset({Section.USERS}),
    )

    class Params(CheckParams):
        max_days: Days = 90

    reads = frozenset({"login_profile"})
    none_message = "No RAM user has console access."

    def items(self, snapshot: AccountSnapshot, params: Any) -> Iterable[User]:
        return _console_users(snapshot)  # the others yield nothing (unless data is missing)

    def judge(self, snapshot: AccountSnapshot, user: User, params: Params) -> Iterable[Finding]:
        if not user.console_access:
            return ()
        now, limit = snapshot.now, params.max_days
        resource = of_user(user)
        last_login = user.last_console_login_at
        if last_login is not None:
            message = f"Last console logon {days_ago(now, last_login)} ago (limit {limit} days)."
            if older_than(now, last_login, limit):
                return (self.failed(resource, message),)
            return (self.passed(resource, message),)
        message = (
            f"Never logged on to the console; created {days_ago(now, user.created_at)} ago "
            f"(limit {limit} days)."
        )
        if older_than(now, user.created_at, limit):
            return (self.failed(resource, message),)
        return (self.passed(resource, message),)


class UserUnused(_UserCheck):
    meta = CheckMeta(
        id="user_unused",
        title="RAM users that are no longer used are removed",
        severity=Severity.LOW,
        rationale=(
            "A user that neither logged on nor used or created an AccessKey for a long "
            "time is most likely no longer needed. Every such identity keeps permissions "
            "that an attacker could use without anyone noticing."
        ),
        remediation=(
            "Confirm with the owner that the user is no longer needed, then in the RAM "
            "console open Identities > Users and delete it (RAM first removes its "
            "AccessKeys, login profile, MFA device, group memberships and policies)."
        ),
        remediation_cli="aliyun ram DeleteUser --UserName <user>",
        doc_url=BEST_PRACTICES_URL,
        tags=("user", "hygiene"),
        requires=frozenset({Section.USERS}),
    )

    class Params(CheckParams):
        max_days: Days = 90

    reads = frozenset({"login_profile", "access_keys"})
    none_message = "No RAM user was created longer ago than the limit."

    def items(self, snapshot: AccountSnapshot, params: Params) -> Iterable[User]:
        cut = cutoff(snapshot.now, params.max_days)  # older_than, once for all users
        return [u for u in snapshot.users if u.created_at < cut]

    def judge(self, snapshot: AccountSnapshot, user: User, params: Params) -> Iterable[Finding]:
        limit = params.max_days
        if not (user.has_login_profile or user.console_access or user.access_keys):
            return (self.failed(
                of_user(user), "The user has no credentials: no login profile, no AccessKey."
            ),)
        activity = _recent_activity(user, snapshot, limit)
        if activity:
            return (self.passed(
                of_user(user), f"Active in the last {limit} days: {'; '.join(activity)}."
            ),)
        return (self.failed(of_user(user), _inactive_message(limit)),)

    def judge_incomplete(
        self,
        snapshot: AccountSnapshot,
        user: User,
        params: Params,
        missing: Mapping[str, CollectionIssue],
    ) -> Iterator[Finding]:
        # Recent activity among the facts at hand proves the user is used.
        activity = _recent_activity(
            user, snapshot, params.max_days, keys="access_keys" not in missing
        )
        if activity:
            yield self.passed(
                of_user(user),
                f"Active in the last {params.max_days} days: {'; '.join(activity)}.",
            )
        else:
            yield self.unknown(of_user(user), missing_facts_message(user, missing))


def _recent_activity(
    user: User, snapshot: AccountSnapshot, limit: int, *, keys: bool = True
) -> list[str]:
    """Console logons, AccessKey uses and creations at most ``limit`` days old."""
    now = snapshot.now
    cut = cutoff(now, limit)  # at most ``limit`` days old: not older_than, i.e. >= cut
    recent: list[str] = []
    when = user.last_console_login_at
    if when is not None and when >= cut:
        recent.append(f"console logon {days_ago(now, when)} ago")
    for key in user.access_keys if keys else ():  # labels only for recent events
        for what, when in (("used", key.last_used_at), ("created", key.created_at)):
            if when is not None and when >= cut:
                recent.append(f"AccessKey {key.id} {what} {days_ago(now, when)} ago")
    return recent


@lru_cache(maxsize=16)
def _inactive_message(limit: int) -> str:
    return f"No console logon, AccessKey use or AccessKey creation in the last {limit} days."


def _member_of(groups: tuple[Group, ...]) -> str:
    """"Member of group(s): a, b." (users in one group share the message)."""
    if len(groups) == 1:
        return _member_of_one(groups[0].name)
    return f"Member of group(s): {', '.join(sorted(g.name for g in groups))}."


@lru_cache(maxsize=1024)
def _member_of_one(name: str) -> str:
    return f"Member of group(s): {name}."


class UserInGroup(_UserCheck):
    meta = CheckMeta(
        id="user_in_group",
        title="Every RAM user belongs to a group",
        severity=Severity.LOW,
        rationale=(
            "Managing permissions per group (by job function) keeps them consistent and "
            "reviewable; a user outside every group usually has ad-hoc permissions."
        ),
        remediation=(
            "In the RAM console, open Identities > Groups, select the group matching the "
            "user's job function, click Add Group Members and add the user."
        ),
        remediation_cli="aliyun ram AddUserToGroup --UserName <user> --GroupName <group>",
        doc_url="https://www.alibabacloud.com/help/en/ram/user-guide/add-a-ram-user-to-a-ram-user-group",
        tags=("user", "group"),
        requires=frozenset({Section.USERS, Section.GROUPS}),
    )

    def judge(
        self, snapshot: AccountSnapshot, user: User, params: CheckParams
    ) -> Iterable[Finding]:
        groups = snapshot.groups_of(user.name)
        if groups:
            return (self.passed(of_user(user), _member_of(groups)),)
        return (self.failed(of_user(user), "The user belongs to no group."),)

    depends_on = ("group", "members")  # a group not listed may contain the user

    def decided_without(
        self, snapshot: AccountSnapshot, user: User, missing: Mapping[str, CollectionIssue]
    ) -> bool:
        return bool(snapshot.groups_of(user.name))  # one known group decides


class UserNoDirectPolicies(_UserCheck):
    meta = CheckMeta(
        id="user_no_direct_policies",
        title="No policy is attached directly to a RAM user",
        severity=Severity.MEDIUM,
        rationale=(
            "Policies attached to individual users are hard to review and tend to "
            "accumulate. Granting permissions to groups (and roles) keeps them tied to job "
            "functions and removes them when a user changes groups."
        ),
        remediation=(
            "Attach the needed policies to a group that matches the user's job function and "
            "add the user to it; then in the RAM console open Identities > Users > user > "
            "Permissions and revoke each directly attached policy."
        ),
        remediation_cli=(
            "aliyun ram DetachPolicyFromUser --PolicyType <System|Custom> "
            "--PolicyName <policy> --UserName <user>"
        ),
        doc_url="https://www.alibabacloud.com/help/en/ram/user-guide/grant-permissions-to-a-ram-user-group",
        tags=("user", "policy"),
        requires=frozenset({Section.USERS, Section.POLICIES}),
    )

    def judge(
        self, snapshot: AccountSnapshot, user: User, params: CheckParams
    ) -> Iterable[Finding]:
        attached = snapshot.attached_policies("user", user.name)
        if attached:
            direct = sorted([policy_label(p) for p in attached])
            return (self.failed(
                of_user(user),
                f"{len(direct)} policy(ies) attached directly: {', '.join(direct)}.",
            ),)
        return (self.passed(of_user(user), "No policy is attached directly to the user."),)

    depends_on = ("policy", "attachments")  # a policy not listed may be attached to it

    def decided_without(
        self, snapshot: AccountSnapshot, user: User, missing: Mapping[str, CollectionIssue]
    ) -> bool:
        return any(snapshot.policies_attached_to("user", user.name))  # one decides


class UserAdminAccessAllowlisted(_UserCheck):
    meta = CheckMeta(
        id="user_admin_access_allowlisted",
        title="Only allow-listed RAM users hold administrator access",
        severity=Severity.HIGH,
        rationale=(
            "A user holding an admin-equivalent policy (AdministratorAccess, or Allow * on *) "
            "can do anything in the account, including granting itself more. Such access "
            "should be limited to a few known break-glass or administrator identities."
        ),
        remediation=(
            "Replace the admin-equivalent policy with policies scoped to the user's tasks: "
            "in the RAM console revoke it from the user (Identities > Users > Permissions) "
            "or remove the user from the group that grants it. If the access is intended, "
            "add the user to `allowed_users` in the ram-audit configuration."
        ),
        remediation_cli=(
            "aliyun ram DetachPolicyFromUser --PolicyType System "
            "--PolicyName AdministratorAccess --UserName <user>"
        ),
        doc_url=BEST_PRACTICES_URL,
        tags=("user", "policy", "admin"),
        requires=frozenset({Section.USERS, Section.GROUPS, Section.POLICIES}),
    )

    class Params(CheckParams):
        allowed_users: tuple[PrincipalName, ...] = ()

    none_message = "No RAM user holds an admin-equivalent policy."

    def items(self, snapshot: AccountSnapshot, params: Params) -> Iterable[User]:
        """The users that may hold administrator access: every user when the data leaves
        doubts about anyone, else those reached by a policy that is not known to be
        harmless (attached to them or to one of their groups). A user reached by none
        holds nothing and yields no finding: not asking saves 9,000 of 10,000 lookups."""
        index = AdminIndex.of(snapshot)
        if index.unlisted_attachments or index.unlisted_groups:
            return snapshot.users
        names: set[str] = set()
        groups: set[str] = set()
        for policy in snapshot.policies:
            if index.verdict(policy) is not False:
                for attachment in policy.attachments:
                    if attachment.principal_type == "user":
                        names.add(attachment.principal_name)
                    elif attachment.principal_type == "group":
                        groups.add(attachment.principal_name)
        for group in snapshot.groups:
            if group.name in groups:
                names.update(group.members)
        return [u for u in snapshot.users if u.name in names]

    def judge(self, snapshot: AccountSnapshot, user: User, params: Params) -> Iterable[Finding]:
        holding = AdminIndex.of(snapshot).holding("user", user.name)
        if holding.grants:
            source = "; ".join(holding.grants)
            if user.name in params.allowed_users:
                return (self.passed(of_user(user), f"Allow-listed administrator ({source})."),)
            return (self.failed(
                of_user(user), f"Holds administrator access and is not allow-listed ({source})."
            ),)
        if holding.doubts and user.name not in params.allowed_users:
            return (self.unknown(
                of_user(user),
                f"Could not decide whether user {user.name} holds administrator access: "
                f"{'; '.join(holding.doubts)}.",
            ),)
        return ()
