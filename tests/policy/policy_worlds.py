"""Small worlds for the policy engine tests: policies, roles and groups in one line each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from auditor.policy import PolicyEngine
from auditor.snapshot import CollectionIssue, Group, Policy, PolicyAttachment, Role, User
from auditor.testing import ACCOUNT_ID, make_snapshot, make_user

ACCT = ACCOUNT_ID
OTHER = "9999999999999999"


def user_arn(name: str, region: str = "") -> str:
    return f"acs:ram:{region}:{ACCT}:user/{name}"


def role_arn(name: str, region: str = "") -> str:
    return f"acs:ram:{region}:{ACCT}:role/{name}"


def group_arn(name: str) -> str:
    return f"acs:ram:*:{ACCT}:group/{name}"


def policy_arn(name: str) -> str:
    return f"acs:ram:*:{ACCT}:policy/{name}"


ADMIN_POLICY = "acs:ram:*:system:policy/AdministratorAccess"


def stmt(effect: str, action: str | list[str] | None = None, resource: Any = "*",
         **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect}
    if action is not None:
        out["Action"] = action
    if resource is not None:
        out["Resource"] = resource
    out.update(extra)
    return out


def allow(action: str | list[str], resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return stmt("Allow", action, resource, **extra)


def deny(action: str | list[str], resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return stmt("Deny", action, resource, **extra)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def policy(name: str, *statements: dict[str, Any], to: Iterable[str] = (),
           type: str = "Custom", document: Any = "build") -> Policy:
    """A policy attached to node ids ``to`` (``user/a``, ``group/g``, ``role/r``)."""
    attachments = tuple(
        PolicyAttachment(principal_type=n.partition("/")[0], principal_name=n.partition("/")[2])
        for n in to
    )
    body = doc(*statements) if document == "build" else document
    return Policy(name=name, type=type, default_version="v1", document=body,
                  document_text="" if body is None else "{}", attachments=attachments)


ADMIN_DOC = (allow("*", "*"),)


def admin_policy(to: Iterable[str] = ()) -> Policy:
    return policy("AdministratorAccess", *ADMIN_DOC, to=to, type="System")


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return doc(*statements)


def trusts(principal: dict[str, Any] | str, effect: str = "Allow",
           **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": "sts:AssumeRole", "Principal": principal, **extra}


def role(name: str, *trust_statements: dict[str, Any], service_linked: bool = False,
         document: Any = "build") -> Role:
    body = trust(*trust_statements) if document == "build" else document
    return Role(id=f"3{abs(hash(name)) % 10**15:015d}", name=name, arn=role_arn(name),
                is_service_linked=service_linked, trust_policy=body,
                trust_policy_text="" if body is None else "{}")


def group(name: str, *members: str) -> Group:
    return Group(id=f"g-{name}", name=name, members=members)


def engine(*, users: Sequence[User | str] = (), roles: Sequence[Role] = (),
           groups: Sequence[Group] = (), policies: Sequence[Policy] = (),
           issues: Sequence[CollectionIssue] = ()) -> PolicyEngine:
    """A fresh engine (not the cache) of a snapshot with these parts."""
    made = tuple(make_user(u) if isinstance(u, str) else u for u in users)
    snap = make_snapshot(users=made, roles=tuple(roles), groups=tuple(groups),
                         policies=tuple(policies), issues=tuple(issues))
    return PolicyEngine(snap)


def edges(eng: PolicyEngine, primitive: str | None = None) -> set[tuple[str, str, str]]:
    """(source, primitive, target) of every edge (of ``primitive``), with its decision
    folded into the primitive as ``primitive:DECISION``."""
    return {
        (e.source, f"{e.primitive}:{e.decision}", e.target)
        for e in eng.graph().edges
        if primitive is None or e.primitive == primitive
    }
