"""Account-level checks on the security settings of RAM users (IMS GetSecurityPreference)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.check import Check, CheckMeta, CheckParams, Days, SessionHours, account
from auditor.findings import Finding, Severity
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, SecurityPreference

DOC_URL = (
    "https://www.alibabacloud.com/help/en/ram/user-guide/manage-security-settings-of-ram-users"
)
CONSOLE_STEPS = "In the RAM console, choose Settings > Security Settings (RAM user security), {}."
REQUIRES = frozenset({Section.SECURITY_PREFERENCE})
TAGS = ("security-preference",)

#: Verdict of a security-preference rule: True = PASS, False = FAIL, None = UNKNOWN.
Verdict = tuple[bool | None, str]


class _SecurityPreferenceCheck(Check):
    """One account-level verdict on the security preference."""

    __abstract__ = True

    def verdict(self, preference: SecurityPreference, params: Any) -> Verdict:
        raise NotImplementedError

    def evaluate(self, snapshot: AccountSnapshot, params: Any) -> Iterator[Finding]:
        resource = account(snapshot)
        if snapshot.security_preference is None:
            yield self.unknown(resource, "The snapshot holds no security preference.")
            return
        outcome, message = self.verdict(snapshot.security_preference, params)
        if outcome is None:
            yield self.unknown(resource, message)
        elif outcome:
            yield self.passed(resource, message)
        else:
            yield self.failed(resource, message)


def _absent(field: str) -> Verdict:
    return None, f"GetSecurityPreference returned no {field} value."


class SecurityPreferenceMfaEnforced(_SecurityPreferenceCheck):
    meta = CheckMeta(
        id="security_preference_mfa_enforced",
        title="MFA is mandatory for all RAM user console logons",
        severity=Severity.HIGH,
        rationale=(
            "Enforcing MFA account-wide protects every console user, including users created "
            "later, instead of relying on each user to bind a device. Adaptive MFA only asks "
            "for a second factor on logons judged risky."
        ),
        remediation=CONSOLE_STEPS.format(
            "click Modify in the Logon Security section and set MFA for logon to "
            "'Required for all users'"
        ),
        remediation_cli="aliyun ims SetSecurityPreference --MFAOperationForLogin mandatory",
        doc_url=DOC_URL,
        tags=(*TAGS, "mfa"),
        requires=REQUIRES,
    )

    class Params(CheckParams):
        allow_adaptive: bool = False

    def verdict(self, preference: SecurityPreference, params: Params) -> Verdict:
        # MFAOperationForLogin replaces EnforceMFAForLogin: it wins when both are present.
        operation = preference.mfa_operation_for_login
        if operation == "mandatory" or (operation is None and preference.enforce_mfa_for_login):
            shown = operation or "EnforceMFAForLogin=true"
            return True, f"MFA is required for every console logon ({shown})."
        if operation == "adaptive":
            allowed = "allowed" if params.allow_adaptive else "not allowed"
            return params.allow_adaptive, (
                f"MFA is only required for risky logons (adaptive; allow_adaptive: {allowed})."
            )
        if operation is not None:
            return False, f"MFA for console logon is up to each user ({operation})."
        if preference.enforce_mfa_for_login is False:
            return False, "MFA is not enforced for console logon (EnforceMFAForLogin=false)."
        return _absent("MFAOperationForLogin or EnforceMFAForLogin")


class SecurityPreferenceMfaTicketNotSaved(_SecurityPreferenceCheck):
    meta = CheckMeta(
        id="security_preference_mfa_ticket_not_saved",
        title="Users cannot skip MFA for 7 days",
        severity=Severity.LOW,
        rationale=(
            "Remembering the MFA verification for 7 days means anyone using that browser "
            "(or a stolen session cookie) logs on with the password alone."
        ),
        remediation=CONSOLE_STEPS.format(
            "click Modify in the Logon Security section and turn off 'Save MFA logon "
            "status for 7 days'"
        ),
        remediation_cli="aliyun ims SetSecurityPreference --EnableSaveMFATicket false",
        doc_url=DOC_URL,
        tags=(*TAGS, "mfa"),
        requires=REQUIRES,
    )

    def verdict(self, preference: SecurityPreference, params: CheckParams) -> Verdict:
        if preference.enable_save_mfa_ticket is None:
            return _absent("EnableSaveMFATicket")
        if preference.enable_save_mfa_ticket:
            return False, "Users may save their MFA status and skip MFA for 7 days."
        return True, "Users must pass MFA at every logon (MFA status is not saved)."


class SecurityPreferenceLoginIpRestricted(_SecurityPreferenceCheck):
    meta = CheckMeta(
        id="security_preference_login_ip_restricted",
        title="Console logon is restricted to known networks",
        severity=Severity.MEDIUM,
        rationale=(
            "Limiting console logon (password and SSO) to corporate network ranges makes a "
            "stolen password or session useless from anywhere else."
        ),
        remediation=CONSOLE_STEPS.format(
            "click Modify in the Logon Security section and enter the allowed network "
            "masks (CIDR blocks) under Logon Address Mask"
        ),
        remediation_cli=(
            "aliyun ims SetSecurityPreference --LoginNetworkMasks '203.0.113.0/24;10.0.0.0/8'"
        ),
        doc_url=DOC_URL,
        tags=(*TAGS, "network"),
        requires=REQUIRES,
    )

    def verdict(self, preference: SecurityPreference, params: CheckParams) -> Verdict:
        masks = [m.strip() for m in preference.login_network_masks.split(";") if m.strip()]
        if masks:
            return True, f"Console logon is restricted to: {', '.join(masks)}."
        return False, "Console logon is allowed from any network (no logon network mask)."


class SecurityPreferenceSessionDuration(_SecurityPreferenceCheck):
    meta = CheckMeta(
        id="security_preference_session_duration",
        title="Console sessions of RAM users are short",
        severity=Severity.LOW,
        rationale=(
            "A long console session keeps a stolen or forgotten session usable for longer. "
            "The default of 6 hours covers a working session."
        ),
        remediation=CONSOLE_STEPS.format(
            "click Modify in the Logon Security section and set the logon session validity "
            "to 6 hours or less"
        ),
        remediation_cli="aliyun ims SetSecurityPreference --LoginSessionDuration 6",
        doc_url=DOC_URL,
        tags=(*TAGS, "session"),
        requires=REQUIRES,
    )

    class Params(CheckParams):
        max_hours: SessionHours = 6

    def verdict(self, preference: SecurityPreference, params: Params) -> Verdict:
        hours = preference.login_session_duration_hours
        if hours is None:
            return _absent("LoginSessionDuration")
        return hours <= params.max_hours, (
            f"Console sessions last {hours} hour(s) (limit {params.max_hours})."
        )


class SecurityPreferenceIdleAutoDisable(_SecurityPreferenceCheck):
    meta = CheckMeta(
        id="security_preference_idle_auto_disable",
        title="Idle RAM users and AccessKeys are disabled automatically",
        severity=Severity.MEDIUM,
        rationale=(
            "Letting RAM disable console logon of users and AccessKeys that have been idle "
            "for a while removes forgotten credentials without relying on periodic reviews."
        ),
        remediation=CONSOLE_STEPS.format(
            "set the maximum idle period of RAM users and of AccessKeys to 90 days"
        ),
        remediation_cli=(
            "aliyun ims SetSecurityPreference --MaxIdleDaysForUsers 90 "
            "--MaxIdleDaysForAccessKeys 90"
        ),
        doc_url=DOC_URL,
        tags=(*TAGS, "hygiene"),
        requires=REQUIRES,
    )

    class Params(CheckParams):
        max_idle_days: Days = 90

    def verdict(self, preference: SecurityPreference, params: Params) -> Verdict:
        limit = params.max_idle_days
        settings = {
            "users": preference.max_idle_days_for_users,
            "AccessKeys": preference.max_idle_days_for_access_keys,
        }
        shown = "; ".join(f"idle {kind}: {_idle_setting(days)}" for kind, days in settings.items())
        message = f"{shown} (required: at most {limit} days for both)."
        known = [days for days in settings.values() if days is not None]
        if any(not 0 < days <= limit for days in known):
            return False, message
        if len(known) < len(settings):
            return None, f"GetSecurityPreference returned no MaxIdleDays value: {message}"
        return True, message


def _idle_setting(days: int | None) -> str:
    if days is None:
        return "not reported"
    return "never disabled" if days == 0 else f"disabled after {days} days"


class SecurityPreferenceUsersCannotManageKeys(_SecurityPreferenceCheck):
    meta = CheckMeta(
        id="security_preference_users_cannot_manage_keys",
        title="RAM users cannot create or manage their own AccessKeys",
        severity=Severity.MEDIUM,
        rationale=(
            "If users may create their own AccessKeys, any console user (or anyone holding "
            "a console session) can mint a permanent credential outside of any review."
        ),
        remediation=CONSOLE_STEPS.format(
            "click Modify in the AccessKey section and disallow RAM users to manage their "
            "own AccessKeys"
        ),
        remediation_cli="aliyun ims SetSecurityPreference --AllowUserToManageAccessKeys false",
        doc_url=DOC_URL,
        tags=(*TAGS, "access-key"),
        requires=REQUIRES,
    )

    def verdict(self, preference: SecurityPreference, params: CheckParams) -> Verdict:
        allowed = preference.allow_user_to_manage_access_keys
        if allowed is None:
            return _absent("AllowUserToManageAccessKeys")
        if allowed:
            return False, "RAM users may create and manage their own AccessKeys."
        return True, "RAM users may not manage their own AccessKeys."
