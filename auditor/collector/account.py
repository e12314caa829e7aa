"""Account-wide reads: caller identity, alias, root facts, password policy, preferences, SSO."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from alibabacloud_ims20190815 import models as ims

from auditor.collector.context import RunContext
from auditor.collector.convert import dig, items, to_bool, to_int, to_str
from auditor.collector.credential_report import ReportRow
from auditor.collector.errors import ApiError, CollectionAborted
from auditor.sections import Section
from auditor.snapshot import (
    CallerIdentity,
    IdentityProvider,
    PasswordPolicy,
    RootAccount,
    RootActivity,
    SecurityPreference,
    SsoSettings,
)


def read_caller(ctx: RunContext) -> CallerIdentity:
    """STS GetCallerIdentity; any failure aborts the audit."""
    try:
        body = ctx.call("sts:GetCallerIdentity")
    except ApiError as exc:
        raise CollectionAborted(f"caller identity unknown: {exc.code}: {exc.message}") from None
    account_id = to_str(dig(body, "account_id"))
    if not account_id:
        raise CollectionAborted("caller identity unknown: GetCallerIdentity returned no AccountId")
    return CallerIdentity(
        account_id=account_id,
        arn=to_str(dig(body, "arn")),
        identity_type=to_str(dig(body, "identity_type")) or "Unknown",
        principal_id=to_str(dig(body, "principal_id")),
    )


def read_alias(ctx: RunContext) -> str:
    """RAM GetAccountAlias; a failure is informational only."""
    try:
        return to_str(dig(ctx.call("ram:GetAccountAlias"), "account_alias"))
    except ApiError as exc:
        ctx.record(Section.IDENTITY, exc, kind="degraded")
        return ""


_PRACTICE = "ims:GetAccountSecurityPracticeReport"
_MFA_INFO = "ims:GetAccountMFAInfo"
_REPORT = "ims:GetCredentialReport"

#: One source's answer for one fact: (action, value or None, the read's error if it failed).
_Answer = tuple[str, Any, "ApiError | None"]


@dataclass(frozen=True)
class RootAnswers:
    """The answers (or errors) of the two root APIs, read before the credential report is
    ready: they do not depend on it."""

    practice_body: Any
    practice_error: ApiError | None
    mfa_body: Any
    mfa_error: ApiError | None


def read_root_answers(ctx: RunContext) -> RootAnswers:
    """GetAccountSecurityPracticeReport and GetAccountMFAInfo; failures are kept, not raised
    (:func:`read_root` records them once it knows what the report made up for)."""
    practice_body, practice_error = _call(ctx, _PRACTICE)
    mfa_body, mfa_error = _call(ctx, _MFA_INFO)
    return RootAnswers(practice_body, practice_error, mfa_body, mfa_error)


def read_root(
    ctx: RunContext,
    root_row: ReportRow | None,
    report_error: ApiError | None = None,
    read: RootAnswers | None = None,
) -> RootAccount | None:
    """Each root fact from the first source that states it (see ``RootAccount.SOURCES``).

    The AccessKey count comes from the security-practice report or the ``<root>`` row
    (its ``access_key_N_exist`` columns: active and disabled keys); MFA from
    GetAccountMFAInfo, the security-practice report or the row's ``mfa_active``. A fact no
    source stated is None, with a ``missing`` issue per source saying why; a failed read
    that another source made up for is a ``degraded`` note. None when no fact is known.
    ``read``: the two APIs' answers if already read (else they are read here).
    """
    if read is None:
        read = read_root_answers(ctx)
    practice_error, mfa_error, mfa_body = read.practice_error, read.mfa_error, read.mfa_body
    practice = dig(
        read.practice_body,
        "account_security_practice_info",
        "account_security_practice_user_info",
    )
    row_error = None
    if root_row is None:
        row_error = report_error or ApiError(
            _REPORT, "IncompleteResponse", "no <root> row in the credential report"
        )
    row_keys = None if root_row is None or root_row.keys is None else len(root_row.keys)
    count = to_int(dig(practice, "root_with_access_key"))
    facts: dict[str, list[_Answer]] = {
        "AccessKey count": [
            (_PRACTICE, count if count is None or count >= 0 else None, practice_error),
            (_REPORT, row_keys, row_error),
        ],
        "MFA state": [
            (_MFA_INFO, to_bool(dig(mfa_body, "is_mfaenable")), mfa_error),
            (_PRACTICE, to_bool(dig(practice, "bind_mfa")), practice_error),
            (_REPORT, None if root_row is None else root_row.mfa_active, row_error),
        ],
    }
    known: dict[str, tuple[Any, str]] = {}
    unknown: dict[str, tuple[ApiError | None, list[str]]] = {}  # action -> (error, facts)
    for fact, answers in facts.items():
        found = next(((value, action) for action, value, _ in answers if value is not None), None)
        if found is not None:
            known[fact] = found
            continue
        for action, _, error in answers:
            unknown.setdefault(action, (error, []))[1].append(fact)
    for action, (error, missing_facts) in unknown.items():
        if error is None:
            where = "row" if action == _REPORT else "response"
            what = " or ".join(missing_facts)
            error = ApiError(action, "IncompleteResponse", f"no root {what} in the {where}")
        ctx.record(Section.ROOT, error)
    for error in (practice_error, mfa_error):
        if error is not None and error.action not in unknown:
            ctx.record(Section.ROOT, error, kind="degraded")
    if not known:
        return None
    key_count, keys_from = known.get("AccessKey count", (None, ""))
    mfa_bound, mfa_from = known.get("MFA state", (None, ""))
    return RootAccount(
        access_key_count=key_count,
        mfa_bound=mfa_bound,
        access_key_count_from=keys_from,
        mfa_bound_from=mfa_from,
    )


def _call(ctx: RunContext, action: str) -> tuple[Any, ApiError | None]:
    try:
        return ctx.call(action), None
    except ApiError as exc:
        return None, exc


def read_root_activity(ctx: RunContext, root_row: ReportRow | None) -> RootActivity | None:
    """The ``<root>`` row's last logon; an unreadable one is an issue, never "never"."""
    if root_row is None:
        return None
    if not root_row.last_logon_known:
        ctx.record(
            Section.ROOT_ACTIVITY,
            ApiError(
                "ims:GetCredentialReport",
                "IncompleteResponse",
                "the <root> row has no readable user_last_logon",
            ),
        )
        return None
    return RootActivity(last_console_login_at=root_row.last_logon)


def _fetch_object(ctx: RunContext, section: Section, action: str, key: str) -> Any | None:
    """The ``key`` object of an account-wide API's answer, or None (recorded) on failure."""
    try:
        value = dig(ctx.call(action), key)
    except ApiError as exc:
        ctx.record(section, exc)
        return None
    if value is None:
        ctx.record(section, ApiError(action, "IncompleteResponse", f"no {key} returned"))
    return value


def read_password_policy(ctx: RunContext) -> PasswordPolicy | None:
    """The policy with None for each unreadable field, named in one ``degraded`` issue.

    A None is never read as 0/False (MaxPasswordAge 0 means "never expires", a CIS v2 pass).
    With no readable field at all the section is ``missing`` and the result None.
    """
    policy = _fetch_object(ctx, Section.PASSWORD_POLICY, "ims:GetPasswordPolicy", "password_policy")
    if policy is None:
        return None
    values = {
        "minimum_length": to_int(policy.minimum_password_length),
        "require_uppercase": to_bool(policy.require_uppercase_characters),
        "require_lowercase": to_bool(policy.require_lowercase_characters),
        "require_numbers": to_bool(policy.require_numbers),
        "require_symbols": to_bool(policy.require_symbols),
        "reuse_prevention": to_int(policy.password_reuse_prevention),
        "max_age_days": to_int(policy.max_password_age),
        "max_login_attempts": to_int(policy.max_login_attemps),
        "hard_expire": to_bool(policy.hard_expire),
        "minimum_distinct_characters": to_int(policy.minimum_password_different_character),
        "not_contain_user_name": to_bool(policy.password_not_contain_user_name),
    }
    read = PasswordPolicy(**values)
    unreported = read.unreported(values)
    if not unreported:
        return read
    kind: Literal["missing", "degraded"] = (
        "missing" if len(unreported) == len(values) else "degraded"
    )
    ctx.record(
        Section.PASSWORD_POLICY,
        ApiError(
            "ims:GetPasswordPolicy",
            "IncompleteResponse",
            f"no readable value for {', '.join(unreported)}",
        ),
        kind=kind,
    )
    return None if kind == "missing" else read


def read_security_preference(ctx: RunContext) -> SecurityPreference | None:
    pref = _fetch_object(
        ctx, Section.SECURITY_PREFERENCE, "ims:GetSecurityPreference", "security_preference"
    )
    if pref is None:
        return None
    login = dig(pref, "login_profile_preference")
    return SecurityPreference(
        mfa_operation_for_login=dig(login, "mfaoperation_for_login"),
        enable_save_mfa_ticket=to_bool(dig(login, "enable_save_mfaticket")),
        login_network_masks=to_str(dig(login, "login_network_masks")),
        login_session_duration_hours=to_int(dig(login, "login_session_duration")),
        max_idle_days_for_users=to_int(dig(pref, "max_idle_days", "max_idle_days_for_users")),
        max_idle_days_for_access_keys=to_int(
            dig(pref, "max_idle_days", "max_idle_days_for_access_keys")
        ),
        allow_user_to_manage_access_keys=to_bool(
            dig(pref, "access_key_preference", "allow_user_to_manage_access_keys")
        ),
        allow_user_to_change_password=to_bool(dig(login, "allow_user_to_change_password")),
        allow_user_to_manage_mfa_devices=to_bool(
            dig(pref, "mfapreference", "allow_user_to_manage_mfadevices")
        ),
    )


def read_sso(ctx: RunContext) -> SsoSettings | None:
    """User-based SSO settings plus the SAML and OIDC providers for role-based SSO."""
    try:
        settings = dig(ctx.call("ims:GetUserSsoSettings"), "user_sso_settings")
        saml = ctx.paginate(
            "ims:ListSAMLProviders",
            lambda marker: ims.ListSAMLProvidersRequest(marker=marker, max_items=100),
            lambda body: items(dig(body, "samlproviders"), "samlprovider"),
        )
        oidc = ctx.paginate(
            "ims:ListOIDCProviders",
            lambda marker: ims.ListOIDCProvidersRequest(marker=marker, max_items=100),
            lambda body: items(dig(body, "oidcproviders"), "oidcprovider"),
        )
    except ApiError as exc:
        ctx.record(Section.SSO, exc)
        return None
    providers = [
        IdentityProvider(
            kind="saml",
            name=to_str(p.samlprovider_name),
            arn=to_str(p.arn),
            description=to_str(p.description),
        )
        for p in saml
    ] + [
        IdentityProvider(
            kind="oidc",
            name=to_str(p.oidcprovider_name),
            arn=to_str(p.arn),
            description=to_str(p.description),
        )
        for p in oidc
    ]
    return SsoSettings(
        user_sso_enabled=bool(to_bool(dig(settings, "sso_enabled"))),
        authn_sign_algo=dig(settings, "authn_sign_algo") or None,
        providers=tuple(providers),
    )
