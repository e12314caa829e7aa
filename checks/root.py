"""Checks on the Alibaba Cloud (root) account and on how the account is operated.

Ages are exact durations before the snapshot time (see :mod:`checks._time`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from auditor.check import Check, CheckMeta, CheckParams, Days, account, missing_sections_message
from auditor.findings import Finding, Severity
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, Role, RootAccount
from checks._time import days_ago, older_than

BEST_PRACTICES_URL = (
    "https://www.alibabacloud.com/help/en/ram/use-cases/ensure-security-of-alibaba-cloud-resources"
)
RAM_USERS_URL = "https://www.alibabacloud.com/help/en/ram/user-guide/overview-of-ram-users"


def root_fact(snapshot: AccountSnapshot, fact: str) -> Any:
    """A :class:`RootAccount` fact, None when no source stated it."""
    return None if snapshot.root is None else getattr(snapshot.root, fact)


def unknown_root_fact(snapshot: AccountSnapshot, fact: str, what: str) -> str:
    """Why ``fact`` is unknown: the failed reads of the sources that could state it."""
    sources = RootAccount.SOURCES[fact]
    reasons = [
        issue.describe()
        for issue in snapshot.missing_issues(Section.ROOT)
        if issue.action in sources
    ]
    if not reasons:
        reasons = ["the root account data was not collected"]
    return f"No source stated {what}: " + "; ".join(dict.fromkeys(reasons)) + "."


def source_note(snapshot: AccountSnapshot, action: str) -> str:
    """ " (from <source>)" for a root fact's source; "" when not recorded."""
    if action == "ims:GetCredentialReport":
        generated = snapshot.meta.credential_report_generated_at
        when = f", generated {generated:%Y-%m-%d %H:%M} UTC" if generated else ""
        return f" (from the credential report's <root> row{when})"
    names = {
        "ims:GetAccountSecurityPracticeReport": "the account security-practice report",
        "ims:GetAccountMFAInfo": "GetAccountMFAInfo",
    }
    return f" (from {names[action]})" if action in names else ""


class RootAccessKeyAbsent(Check):
    meta = CheckMeta(
        id="root_access_key_absent",
        title="The root account has no AccessKey",
        severity=Severity.CRITICAL,
        rationale=(
            "An AccessKey of the Alibaba Cloud (root) account has unrestricted, permanent "
            "access to every resource and to billing; it cannot be limited by any policy. "
            "A leaked root AccessKey compromises the whole account."
        ),
        remediation=(
            "Log on to the Alibaba Cloud console as the root account, open AccessKey "
            "management (hover over the profile picture > AccessKey), make sure no "
            "application still uses the key, disable it, then delete it. Use RAM users or "
            "roles for programmatic access instead."
        ),
        remediation_cli="aliyun ram DeleteAccessKey --UserAccessKeyId <AccessKeyId>  # as root",
        doc_url=BEST_PRACTICES_URL,
        tags=("root", "access-key"),
        requires=frozenset({Section.ROOT}),
    )

    def evaluate(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterator[Finding]:
        resource = account(snapshot)
        count = root_fact(snapshot, "access_key_count")
        if count is None:
            yield self.unknown(
                resource,
                unknown_root_fact(
                    snapshot, "access_key_count", "whether the root account has AccessKeys"
                ),
            )
            return
        source = source_note(snapshot, snapshot.root.access_key_count_from if snapshot.root else "")
        if count:
            yield self.failed(
                resource,
                f"The root account has {count} AccessKey(s) (active or disabled){source}; "
                "it should have none.",
            )
        else:
            yield self.passed(
                resource, f"The root account has no AccessKey, active or disabled{source}."
            )

    def evaluate_incomplete(
        self, snapshot: AccountSnapshot, params: CheckParams, incomplete: Sequence[Section]
    ) -> Iterator[Finding]:
        """Another root fact missing does not hide this one."""
        return self.evaluate(snapshot, params)


class RootMfaEnabled(Check):
    meta = CheckMeta(
        id="root_mfa_enabled",
        title="An MFA device is bound to the root account",
        severity=Severity.CRITICAL,
        rationale=(
            "The root account can do everything in the account, including closing it. "
            "Without a second factor, a stolen or guessed password is enough to take it over."
        ),
        remediation=(
            "Log on to the Alibaba Cloud console as the root account, open Security "
            "Settings in the account center, and bind a virtual MFA device or a passkey / "
            "security key to the account."
        ),
        doc_url=BEST_PRACTICES_URL,
        tags=("root", "mfa"),
        requires=frozenset({Section.ROOT}),
    )

    def evaluate(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterator[Finding]:
        resource = account(snapshot)
        bound = root_fact(snapshot, "mfa_bound")
        if bound is None:
            yield self.unknown(
                resource,
                unknown_root_fact(
                    snapshot, "mfa_bound", "whether an MFA device is bound to the root account"
                ),
            )
            return
        source = source_note(snapshot, snapshot.root.mfa_bound_from if snapshot.root else "")
        if bound:
            yield self.passed(resource, f"An MFA device is bound to the root account{source}.")
        else:
            yield self.failed(resource, f"No MFA device is bound to the root account{source}.")

    def evaluate_incomplete(
        self, snapshot: AccountSnapshot, params: CheckParams, incomplete: Sequence[Section]
    ) -> Iterator[Finding]:
        """Another root fact missing does not hide this one."""
        return self.evaluate(snapshot, params)


class RootConsoleUnused(Check):
    meta = CheckMeta(
        id="root_console_unused",
        title="The root account is not used to log on to the console",
        severity=Severity.HIGH,
        rationale=(
            "Daily work done as the root account cannot be restricted by policies and cannot "
            "be attributed to a person in the audit trail. Administrators should use RAM "
            "users or roles and keep the root account for the few tasks that require it."
        ),
        remediation=(
            "Create RAM users (or set up SSO) for the people who administer the account, "
            "grant them the permissions they need through groups, and stop logging on as "
            "the root account. Store the root credentials and MFA device securely."
        ),
        doc_url=BEST_PRACTICES_URL,
        tags=("root", "console"),
        requires=frozenset({Section.ROOT_ACTIVITY}),
    )

    class Params(CheckParams):
        max_days: Days = 90

    def evaluate(self, snapshot: AccountSnapshot, params: Params) -> Iterator[Finding]:
        resource = account(snapshot)
        if snapshot.root_activity is None:
            yield self.unknown(resource, "The snapshot holds no root console activity.")
            return
        last_login = snapshot.root_activity.last_console_login_at
        if last_login is None:
            yield self.passed(resource, "The root account has never logged on to the console.")
            return
        days = days_ago(snapshot.now, last_login)
        if not older_than(snapshot.now, last_login, params.max_days):
            yield self.failed(
                resource,
                f"The root account logged on to the console {days} ago "
                f"({last_login:%Y-%m-%d}), within the last {params.max_days} days.",
            )
        else:
            yield self.passed(
                resource,
                f"The root account last logged on to the console {days} ago "
                f"({last_login:%Y-%m-%d}), more than {params.max_days} days ago.",
            )


class AuditCallerNotRoot(Check):
    meta = CheckMeta(
        id="audit_caller_not_root",
        title="The audit does not run with root-account credentials",
        severity=Severity.HIGH,
        rationale=(
            "This audit only needs read-only permissions. Running it with the root "
            "account's credentials means a root AccessKey exists and is in use by tooling, "
            "the most dangerous credential an account can have."
        ),
        remediation=(
            "Create a RAM user or role for the audit, attach the read-only policy printed "
            "by `ram-audit permissions` (or AliyunRAMReadOnlyAccess), run the audit with "
            "its credentials, then delete the root AccessKey."
        ),
        remediation_cli="ram-audit permissions",
        doc_url=RAM_USERS_URL,
        tags=("root", "access-key"),
        requires=frozenset({Section.IDENTITY}),
    )

    def evaluate(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterator[Finding]:
        caller = snapshot.caller
        if caller.identity_type == "Account":
            yield self.failed(
                account(snapshot),
                f"The audit ran with root-account credentials ({caller.arn}).",
            )
        else:
            yield self.passed(
                account(snapshot),
                f"The audit ran as a {caller.identity_type} ({caller.arn}), not as root.",
            )


class RamIdentitiesInUse(Check):
    meta = CheckMeta(
        id="ram_identities_in_use",
        title="RAM identities are used to operate the account",
        severity=Severity.MEDIUM,
        rationale=(
            "An account with no RAM user and no RAM role (besides service-linked roles) can "
            "only be operated with the root account, so nothing can be done with least "
            "privilege and no action can be attributed to a person."
        ),
        remediation=(
            "In the RAM console, create RAM users for people (Identities > Users > Create "
            "User) and RAM roles for applications and federation, put users in groups and "
            "grant permissions to the groups."
        ),
        remediation_cli="aliyun ram CreateUser --UserName <name>",
        doc_url=RAM_USERS_URL,
        tags=("root", "identity"),
        requires=frozenset({Section.USERS, Section.ROLES}),
    )

    def evaluate(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterator[Finding]:
        roles = _known_ordinary_roles(snapshot)
        unread = [r.name for r in snapshot.roles if "details" in snapshot.gaps(r)]
        if snapshot.users or roles:
            yield self.passed(
                account(snapshot),
                f"The account has {len(snapshot.users)} RAM user(s) and {len(roles)} "
                "RAM role(s) that are not service-linked.",
            )
        elif unread:
            yield self.unknown(
                account(snapshot),
                f"No RAM user, and whether role(s) {', '.join(unread)} are service-linked is "
                "unknown: "
                + "; ".join(
                    dict.fromkeys(
                        snapshot.gaps(r)["details"].describe()
                        for r in snapshot.roles
                        if r.name in unread
                    )
                ),
            )
        else:
            service_linked = len(snapshot.roles)
            yield self.failed(
                account(snapshot),
                "The account has no RAM user and no RAM role other than "
                f"{service_linked} service-linked role(s): only the root account operates it.",
            )

    def evaluate_incomplete(
        self, snapshot: AccountSnapshot, params: CheckParams, incomplete: Sequence[Section]
    ) -> Iterator[Finding]:
        """One RAM user, or one role known not to be service-linked, decides a PASS even
        when the other list could not be read."""
        if Section.USERS not in incomplete and snapshot.users:
            yield self.passed(
                account(snapshot), f"The account has {len(snapshot.users)} RAM user(s)."
            )
        elif Section.ROLES not in incomplete and _known_ordinary_roles(snapshot):
            roles = _known_ordinary_roles(snapshot)
            yield self.passed(
                account(snapshot),
                f"The account has {len(roles)} RAM role(s) that are not service-linked.",
            )
        else:
            yield self.unknown(account(snapshot), missing_sections_message(snapshot, incomplete))


def _known_ordinary_roles(snapshot: AccountSnapshot) -> list[Role]:
    """Roles known (GetRole read) not to be service-linked."""
    return [
        r for r in snapshot.roles if not r.is_service_linked and "details" not in snapshot.gaps(r)
    ]
