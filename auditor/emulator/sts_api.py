"""STS 2015-04-01: GetCallerIdentity and AssumeRole (trust policy, ExternalId, duration)."""

from __future__ import annotations

import re
from typing import Any

from auditor.emulator.account import iso
from auditor.emulator.context import Call, Caller, Handler, registrar
from auditor.emulator.errors import invalid, no_permission, not_found

VERSION = "2015-04-01"
ACTIONS: dict[str, Handler] = {}
action = registrar(ACTIONS)
_SESSION_NAME = re.compile(r"^[\w.@-]{2,64}$")
_ROLE_ARN = re.compile(r"^acs:ram::(\d+):role/(.+)$", re.IGNORECASE)


def caller_arn(call: Call, caller: Caller) -> str:
    account = call.account
    if caller.session is not None:
        session = caller.session
        return account.arn("assumed-role", f"{session.role_name}/{session.session_name}")
    if caller.user is not None:
        return account.arn("user", caller.user.name)
    return f"acs:ram::{account.id}:root"


@action("GetCallerIdentity")
def get_caller_identity(call: Call) -> dict[str, Any]:
    caller, account = call.caller, call.account
    body = {"AccountId": account.id, "IdentityType": caller.identity_type,
            "Arn": caller_arn(call, caller)}
    if caller.session is not None:
        body.update(RoleId=caller.session.role_id, PrincipalId=caller.session.assumed_role_id)
    elif caller.user is not None:
        user_id = account.user_id(caller.user)
        body.update(UserId=user_id, PrincipalId=user_id)
    else:
        body.update(UserId=account.id, PrincipalId=account.id)
    return body


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _admits(call: Call, statement: dict[str, Any], external_id: str | None) -> bool:
    """Whether one trust-policy statement allows the caller to assume the role."""
    actions = _as_list(statement.get("Action"))
    if statement.get("Effect") != "Allow" or not {"sts:AssumeRole", "sts:*", "*"} & set(actions):
        return False
    principals = _as_list((statement.get("Principal") or {}).get("RAM"))
    me = caller_arn(call, call.caller)
    if call.caller.session is not None:
        me = call.account.arn("role", call.caller.session.role_name)
    accepted = {f"acs:ram::{call.account.id}:root", call.account.id, me, "*"}
    if not accepted & set(principals):
        return False
    for operator, conditions in (statement.get("Condition") or {}).items():
        for key, expected in conditions.items():
            if key.lower() != "sts:externalid":
                continue
            values = [str(v) for v in _as_list(expected)]
            if operator == "StringEquals" and external_id not in values:
                return False
    return True


@action("AssumeRole")
def assume_role(call: Call) -> dict[str, Any]:
    match = _ROLE_ARN.match(call.require("RoleArn"))
    if match is None:
        raise invalid("RoleArn", "expected acs:ram::<account-id>:role/<role-name>")
    target, sessions = call.account, call.sessions
    if match.group(1) != call.account.id:
        found = call.org.member(match.group(1)) if call.org is not None else None
        if found is None:  # another account, outside the emulated organisation
            raise not_found("Role", call.require("RoleArn"))
        target, sessions = found  # trust is judged as below: from the caller's account
    role = target.role(match.group(2))
    session_name = call.require("RoleSessionName")
    if not _SESSION_NAME.match(session_name):
        raise invalid("RoleSessionName", "2 to 64 characters of letters, digits, . @ - _")
    raw_duration = call.get("DurationSeconds") or "3600"
    if not raw_duration.isdigit() or not 900 <= int(raw_duration) <= role.max_session_duration:
        raise invalid("DurationSeconds",
                      f"{raw_duration} is not between 900 and {role.max_session_duration}")
    statements = _as_list(role.trust_policy.get("Statement"))
    if not any(_admits(call, s, call.get("ExternalId")) for s in statements):
        raise no_permission()
    session = sessions.issue(role.name, target.role_id(role), session_name,
                             int(raw_duration), call.wall_now)
    body: dict[str, Any] = {
        "Credentials": {"AccessKeyId": session.access_key_id,
                        "AccessKeySecret": session.secret,
                        "SecurityToken": session.token,
                        "Expiration": iso(session.expiration)},
        "AssumedRoleUser": {"Arn": target.arn("assumed-role", f"{role.name}/{session_name}"),
                            "AssumedRoleId": session.assumed_role_id},
    }
    if call.get("SourceIdentity"):
        body["SourceIdentity"] = call.get("SourceIdentity")
    return body
