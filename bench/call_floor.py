"""The benchmark's floor: the calls ram-audit's collector needs for a world, from the world alone.

The bench stands alone (it never imports ``tests/``), so it keeps its own floor;
``tests/oracles/call_budget.py`` is the same computation as the tests' oracle. One call per
page of each list, per group, per custom or attached system policy, per attached policy and
per role; with the credential report, ListAccessKeys only for the users that have keys.
Accounts above 3,500 users get no report.
"""

from __future__ import annotations

from math import ceil

from auditor.emulator.system_policies import SYSTEM_POLICIES
from auditor.emulator.world import World

#: Alibaba Cloud generates no credential report for accounts with more users.
REPORT_USER_LIMIT = 3500


def expected_calls(world: World, *, report: bool = True) -> dict[str, int]:
    """Exactly the calls a full collection of ``world`` makes when every call succeeds.

    ``report=False`` (or more than 3,500 users): the per-user path, without the report's
    own calls (a denied report still costs its attempts; callers add those).
    """
    users = world.users
    report = report and len(users) <= REPORT_USER_LIMIT
    refs = [r for u in users for r in u.policies]
    refs += [r for g in world.groups for r in g.policies]
    refs += [r for role in world.roles for r in role.policies]
    attached = {(r.name, r.type) for r in refs}
    attached_system = {name for name, kind in attached if kind == "System"}
    members: dict[str, int] = {g.name: 0 for g in world.groups}
    for user in users:
        for group in user.groups:
            members[group] += 1
    listed_policies = (
        len(world.policies) + len(SYSTEM_POLICIES)
        + len({p.name for p in world.system_policies} - set(SYSTEM_POLICIES))
    )
    calls = {
        "sts:GetCallerIdentity": 1,
        "ram:GetAccountAlias": 1,
        "ims:ListUsers": max(1, ceil(len(users) / 1000)),
        "ims:GetAccountSecurityPracticeReport": 1,
        "ims:GetAccountMFAInfo": 1,
        "ims:GetPasswordPolicy": 1,
        "ims:GetSecurityPreference": 1,
        "ims:GetUserSsoSettings": 1,
        "ims:ListSAMLProviders": max(1, ceil(len(world.saml_providers) / 100)),
        "ims:ListOIDCProviders": max(1, ceil(len(world.oidc_providers) / 100)),
        "ram:ListGroups": max(1, ceil(len(world.groups) / 100)),
        "ram:ListUsersForGroup": sum(max(1, ceil(n / 1000)) for n in members.values()),
        "ram:ListPolicies": max(1, ceil(listed_policies / 1000)),
        "ram:GetPolicy": len(world.policies) + len(attached_system),
        "ram:ListEntitiesForPolicy": len(attached),
        "ram:ListRoles": max(1, ceil(len(world.roles) / 1000)),
        "ram:GetRole": len(world.roles),
    }
    with_keys = [u for u in users if u.access_keys]
    calls["ims:ListAccessKeys"] = len(with_keys) if report else len(users)
    if report:
        calls["ims:GenerateCredentialReport"] = world.credential_report.polls_until_ready + 1
        calls["ims:GetCredentialReport"] = ceil((len(users) + 1) / 3501)
        # Keys of one user created in the same second cannot be told apart in the report:
        # their last use is read directly.
        calls["ims:GetAccessKeyLastUsed"] = sum(
            sum(1 for k in u.access_keys if [j.created for j in u.access_keys].count(k.created) > 1)
            for u in with_keys
        )
    else:
        calls["ims:GetLoginProfile"] = len(users)
        calls["ims:GetUserMFAInfo"] = len(users)
        calls["ims:GetAccessKeyLastUsed"] = sum(len(u.access_keys) for u in with_keys)
    return {k: v for k, v in sorted(calls.items()) if v}
