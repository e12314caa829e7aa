"""Account-level checks on the password policy of RAM users (IMS GetPasswordPolicy)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from auditor.check import (
    Check,
    CheckDefinitionError,
    CheckMeta,
    CheckParams,
    Days,
    PositiveCount,
    account,
    param,
)
from auditor.findings import Finding, Severity
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, PasswordPolicy

DOC_URL = (
    "https://www.alibabacloud.com/help/en/ram/user-guide/configure-a-password-policy-for-ram-users"
)
CONSOLE_STEPS = (
    "In the RAM console, choose Settings, click Modify in the Password section (Password "
    "Strength), {change} and click OK. Existing passwords must comply at their next change. "
    "With the CLI, first read the current policy (aliyun ims GetPasswordPolicy) and pass its "
    "other settings too, so that none of them is reset."
)
REQUIRES = frozenset({Section.PASSWORD_POLICY})
TAGS = ("password-policy",)

#: Verdict of a password-policy rule: True = PASS, False = FAIL, None = NOT_APPLICABLE.
Verdict = tuple[bool | None, str]


class _PasswordPolicyCheck(Check):
    """One account-level verdict on the password policy.

    ``fields`` names the :class:`PasswordPolicy` fields the verdict reads; ``verdict`` gets
    their values in that order, never a None: an unreported field gives UNKNOWN instead.
    """

    __abstract__ = True
    fields: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = getattr(cls, "fields", ())
        unknown = set(fields) - PasswordPolicy.model_fields.keys()
        if not fields or unknown:
            raise CheckDefinitionError(f"{cls.__qualname__}: bad fields {sorted(unknown)}")

    def verdict(self, params: Any, *values: Any) -> Verdict:
        raise NotImplementedError

    def evaluate(self, snapshot: AccountSnapshot, params: Any) -> Iterator[Finding]:
        resource = account(snapshot)
        policy = snapshot.password_policy
        if policy is None:
            yield self.unknown(resource, "The snapshot holds no password policy.")
            return
        unreported = policy.unreported(self.fields)
        if unreported:
            yield self.unknown(
                resource,
                f"GetPasswordPolicy did not report {', '.join(unreported)}, "
                "so this setting cannot be judged.",
            )
            return
        values = (getattr(policy, name) for name in self.fields)
        outcome, message = self.verdict(params, *values)
        if outcome is None:
            yield self.not_applicable(resource, message)
        elif outcome:
            yield self.passed(resource, message)
        else:
            yield self.failed(resource, message)


def _required(flag: bool, what: str) -> Verdict:
    return flag, f"Passwords {'must' if flag else 'need not'} contain {what}."


class PasswordPolicyMinLength(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_min_length",
        title="Passwords meet the minimum length",
        severity=Severity.MEDIUM,
        rationale=(
            "Length is the strongest factor against guessing and cracking; short passwords "
            "fall to brute force and password spraying."
        ),
        remediation=CONSOLE_STEPS.format(change="set Minimum Length to 14 or more"),
        remediation_cli="aliyun ims SetPasswordPolicy --MinimumPasswordLength 14",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    class Params(CheckParams):
        min_length: PositiveCount = param(14, le=32)

    fields = ("minimum_length",)

    def verdict(self, params: Params, length: int) -> Verdict:
        return length >= params.min_length, (
            f"Minimum password length is {length} (required: at least {params.min_length})."
        )


class PasswordPolicyUppercase(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_uppercase",
        title="Passwords must contain an uppercase letter",
        severity=Severity.MEDIUM,
        rationale="Requiring several character classes enlarges the space an attacker must search.",
        remediation=CONSOLE_STEPS.format(change="select Uppercase Letters under Required"),
        remediation_cli="aliyun ims SetPasswordPolicy --RequireUppercaseCharacters true",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    fields = ("require_uppercase",)

    def verdict(self, params: CheckParams, required: bool) -> Verdict:
        return _required(required, "an uppercase letter")


class PasswordPolicyLowercase(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_lowercase",
        title="Passwords must contain a lowercase letter",
        severity=Severity.MEDIUM,
        rationale="Requiring several character classes enlarges the space an attacker must search.",
        remediation=CONSOLE_STEPS.format(change="select Lowercase Letters under Required"),
        remediation_cli="aliyun ims SetPasswordPolicy --RequireLowercaseCharacters true",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    fields = ("require_lowercase",)

    def verdict(self, params: CheckParams, required: bool) -> Verdict:
        return _required(required, "a lowercase letter")


class PasswordPolicyNumber(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_number",
        title="Passwords must contain a digit",
        severity=Severity.MEDIUM,
        rationale="Requiring several character classes enlarges the space an attacker must search.",
        remediation=CONSOLE_STEPS.format(change="select Digits under Required"),
        remediation_cli="aliyun ims SetPasswordPolicy --RequireNumbers true",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    fields = ("require_numbers",)

    def verdict(self, params: CheckParams, required: bool) -> Verdict:
        return _required(required, "a digit")


class PasswordPolicySymbol(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_symbol",
        title="Passwords must contain a symbol",
        severity=Severity.MEDIUM,
        rationale="Requiring several character classes enlarges the space an attacker must search.",
        remediation=CONSOLE_STEPS.format(change="select Special Characters under Required"),
        remediation_cli="aliyun ims SetPasswordPolicy --RequireSymbols true",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    fields = ("require_symbols",)

    def verdict(self, params: CheckParams, required: bool) -> Verdict:
        return _required(required, "a symbol")


class PasswordPolicyReusePrevention(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_reuse_prevention",
        title="Passwords cannot reuse recent passwords",
        severity=Severity.MEDIUM,
        rationale=(
            "Without a password history users cycle back to a previous, possibly leaked "
            "password as soon as they are asked to change it."
        ),
        remediation=CONSOLE_STEPS.format(change="set Password History Check Policy to 5 or more"),
        remediation_cli="aliyun ims SetPasswordPolicy --PasswordReusePrevention 5",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    class Params(CheckParams):
        min_history: PositiveCount = param(5, le=24)

    fields = ("reuse_prevention",)

    def verdict(self, params: Params, history: int) -> Verdict:
        shown = "0 (reuse prevention off)" if history == 0 else str(history)
        return history >= params.min_history, (
            f"Password history is {shown} (required: at least {params.min_history})."
        )


class PasswordPolicyMaxAge(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_max_age",
        title="Password validity period follows the chosen standard",
        severity=Severity.MEDIUM,
        rationale=(
            "Mode `rotation` (Alibaba Cloud recommendations, CIS v1): passwords expire within "
            "max_days, bounding how long a leaked password stays valid. Mode `cis_v2` (CIS "
            "v2, following current NIST guidance): forced frequent changes lead to weaker "
            "passwords, so passwords never expire or expire after 365 days or more."
        ),
        remediation=CONSOLE_STEPS.format(
            change="set Password Validity Period (mode rotation: 1 to 90 days; "
            "mode cis_v2: 0 = never expires, or 365 to 1095 days)"
        ),
        remediation_cli="aliyun ims SetPasswordPolicy --MaxPasswordAge 90",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    CIS_V2_MIN_DAYS = 365

    class Params(CheckParams):
        mode: Literal["rotation", "cis_v2"] = "rotation"
        max_days: Days = param(90, le=1095)

    fields = ("max_age_days",)

    def verdict(self, params: Params, age: int) -> Verdict:
        shown = "0 (passwords never expire)" if age == 0 else f"{age} days"
        if params.mode == "cis_v2":
            return age == 0 or age >= self.CIS_V2_MIN_DAYS, (
                f"Password validity period is {shown} (cis_v2: never expires or at least "
                f"{self.CIS_V2_MIN_DAYS} days)."
            )
        return 1 <= age <= params.max_days, (
            f"Password validity period is {shown} (rotation: 1 to {params.max_days} days)."
        )


class PasswordPolicyLockout(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_lockout",
        title="Logon is blocked after repeated failed attempts",
        severity=Severity.MEDIUM,
        rationale=(
            "Temporarily blocking logon after a few wrong passwords defeats online guessing; "
            "a higher limit or no limit lets attackers try many passwords per hour."
        ),
        remediation=CONSOLE_STEPS.format(
            change="set Password Retry Constraint to 1 to 5 attempts within an hour"
        ),
        remediation_cli="aliyun ims SetPasswordPolicy --MaxLoginAttemps 5",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    class Params(CheckParams):
        max_attempts: PositiveCount = param(5, le=32)

    fields = ("max_login_attempts",)

    def verdict(self, params: Params, attempts: int) -> Verdict:
        shown = "0 (lockout off)" if attempts == 0 else str(attempts)
        return 1 <= attempts <= params.max_attempts, (
            f"Logon is blocked after {shown} failed attempt(s) "
            f"(required: 1 to {params.max_attempts})."
        )


class PasswordPolicyHardExpiry(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_hard_expiry",
        title="Logon is blocked once a password has expired",
        severity=Severity.LOW,
        rationale=(
            "Without hard expiry a user with an expired password can still log on and just "
            "pick a new password, so an attacker holding the old one still gets in."
        ),
        remediation=CONSOLE_STEPS.format(
            change="under Password Expiration Policy select that logon is disabled after "
            "the password expires (until an administrator resets it)"
        ),
        remediation_cli="aliyun ims SetPasswordPolicy --HardExpire true",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    fields = ("max_age_days", "hard_expire")

    def verdict(self, params: CheckParams, max_age: int, hard_expire: bool) -> Verdict:
        if max_age == 0:
            return None, "Passwords never expire, so there is nothing to block after expiry."
        if hard_expire:
            return True, f"Passwords expire after {max_age} days; logon is blocked."
        return False, (
            f"Passwords expire after {max_age} days but users can still log on "
            "with an expired password."
        )


class PasswordPolicyDistinctChars(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_distinct_chars",
        title="Passwords contain enough distinct characters",
        severity=Severity.LOW,
        rationale=(
            "A minimum number of distinct characters rejects long but trivial passwords "
            "such as 'aaaaaaaaaaaaaa1A!'."
        ),
        remediation=CONSOLE_STEPS.format(
            change="set the minimum number of distinct characters to 4 or more"
        ),
        remediation_cli="aliyun ims SetPasswordPolicy --MinimumPasswordDifferentCharacter 4",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    class Params(CheckParams):
        min_distinct: PositiveCount = param(4, le=8)

    fields = ("minimum_distinct_characters",)

    def verdict(self, params: Params, distinct: int) -> Verdict:
        return distinct >= params.min_distinct, (
            f"Passwords need {distinct} distinct character(s) "
            f"(required: at least {params.min_distinct})."
        )


class PasswordPolicyExcludesUsername(_PasswordPolicyCheck):
    meta = CheckMeta(
        id="password_policy_excludes_username",
        title="Passwords may not contain the user name",
        severity=Severity.LOW,
        rationale="A password containing the user name is among the first an attacker tries.",
        remediation=CONSOLE_STEPS.format(
            change="select that the password may not contain the user name"
        ),
        remediation_cli="aliyun ims SetPasswordPolicy --PasswordNotContainUserName true",
        doc_url=DOC_URL,
        tags=TAGS,
        requires=REQUIRES,
    )

    fields = ("not_contain_user_name",)

    def verdict(self, params: CheckParams, excluded: bool) -> Verdict:
        if excluded:
            return True, "Passwords may not contain the user name."
        return False, "Passwords may contain the user name."
