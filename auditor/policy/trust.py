"""Role trust policies: who may assume a role (spec §4).

Principal values are compared like resource ARNs (region ignored, wildcards allowed,
relative id case-sensitive for Allow and case-insensitive for Deny). Nodes: own
``user/…``, ``role/…``, ``group/…`` (root and ``*`` forms only), and the external
``account/<id>``, ``service/<name>``, ``federated/<provider ARN>`` and ``anyone``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache

from auditor.policy.decisions import Authorization, Decision, Evidence
from auditor.policy.model import RoleTrust, Statement
from auditor.policy.patterns import compile_wildcard, has_wildcard

ASSUME_ROLE = "sts:AssumeRole"
ANYONE = "anyone"
_DIGITS = re.compile(r"[0-9]+")


@lru_cache(maxsize=65536)
def _ram_value(value: str) -> tuple[str, str] | None:
    """(account pattern, relative pattern) of a RAM principal, or None when not an ARN."""
    if _DIGITS.fullmatch(value):
        return value, "root"
    parts = value.split(":", 4)
    if len(parts) != 5 or not compile_wildcard(parts[0]).fullmatch("acs"):
        return None
    if not compile_wildcard(parts[1]).fullmatch("ram"):
        return None
    return parts[3], parts[4]


def _service_name(value: str) -> str:
    """``<digits>@<name>`` names the service ``<name>``."""
    head, at, tail = value.partition("@")
    return tail if at and _DIGITS.fullmatch(head) else value


def names(principal: Mapping[str, tuple[str, ...]], node: str, account_id: str,
          *, deny: bool) -> bool:
    """Whether a Principal element names ``node``."""
    kind, _, rest = node.partition("/")
    for element, values in principal.items():
        for value in values:
            if element == "*" or value == "*":
                if kind in ("user", "role", "group", "account") or node == ANYONE:
                    return True
                continue
            if element == "RAM":
                if _ram_names(value, node, kind, rest, account_id, deny):
                    return True
            elif element == "Service" and kind == "service":
                if compile_wildcard(_service_name(value)).fullmatch(rest):
                    return True
            elif element == "Federated" and kind == "federated" and _arn_like(value, rest, deny):
                return True
    return False


def _arn_like(pattern: str, arn: str, deny: bool) -> bool:
    p, a = pattern.split(":", 4), arn.split(":", 4)
    if len(p) != 5 or len(a) != 5:
        return pattern == arn
    return all(
        compile_wildcard(ps, ignore_case=(i < 4 or deny)).fullmatch(av) is not None
        for i, (ps, av) in enumerate(zip(p, a, strict=True))
        if i != 2
    )


def _ram_names(value: str, node: str, kind: str, rest: str, account_id: str,
               deny: bool) -> bool:
    parsed = _ram_value(value)
    if parsed is None:
        return False
    account, relative = parsed
    is_root = compile_wildcard(relative).fullmatch("root") is not None
    own = compile_wildcard(account).fullmatch(account_id) is not None
    if node == ANYONE:
        return has_wildcard(account)
    if kind == "account":
        return compile_wildcard(account).fullmatch(rest) is not None and rest != account_id
    if kind == "group":
        return own and is_root
    if kind in ("user", "role") and own:
        return is_root or compile_wildcard(relative, ignore_case=deny).fullmatch(node) is not None
    return False


def applies(statement: Statement) -> bool:
    """A trust statement applies when its Action covers ``sts:AssumeRole``."""
    if statement.action is None and statement.not_action is None:
        return False
    return statement.applies_to(ASSUME_ROLE)


def _evidence(role: str, statement: Statement, note: str = "") -> Evidence:
    return Evidence(
        policy=f"role/{role}",
        policy_type="Trust",
        version="",
        held="trust",
        statement=statement.index,
        effect=statement.effect,
        condition_keys=statement.condition_keys,
        note=note,
    )


def trust_decision(trust: RoleTrust, node: str, account_id: str) -> Authorization:
    """Whether ``trust`` lets ``node`` assume the role, as a decision with its evidence
    (the identity grant of own principals is decided separately)."""
    resource = f"acs:ram::{account_id}:role/{trust.role}"
    if not trust.document.readable:
        return Authorization(ASSUME_ROLE, resource, Decision.UNKNOWN,
                             notes=(f"role/{trust.role}: {trust.document.error}",))
    allow: list[Evidence] = []
    cond: list[Evidence] = []
    hard_deny: list[Evidence] = []
    soft_deny: list[Evidence] = []
    for stmt in trust.document.statements:
        if not applies(stmt):
            continue
        if stmt.allows:
            if stmt.principal is not None and names(stmt.principal, node, account_id,
                                                     deny=False):
                (cond if stmt.conditioned else allow).append(_evidence(trust.role, stmt))
            elif (
                stmt.not_principal is not None
                and node.partition("/")[0] != "group"
                and not names(stmt.not_principal, node, account_id, deny=False)
            ):
                cond.append(_evidence(trust.role, stmt, "NotPrincipal"))
        elif stmt.not_principal is not None:
            soft_deny.append(_evidence(trust.role, stmt, "Deny with NotPrincipal"))
        elif stmt.principal is not None and names(stmt.principal, node, account_id, deny=True):
            (soft_deny if stmt.conditioned else hard_deny).append(_evidence(trust.role, stmt))
    if hard_deny:
        return Authorization(ASSUME_ROLE, resource, Decision.DENY, tuple(hard_deny))
    if allow and not soft_deny:
        return Authorization(ASSUME_ROLE, resource, Decision.ALLOW, tuple(allow))
    if allow or cond:
        return Authorization(ASSUME_ROLE, resource, Decision.CONDITIONAL,
                             tuple(allow + cond + soft_deny))
    return Authorization(ASSUME_ROLE, resource, Decision.IMPLICIT_DENY)


def external_nodes(trust: RoleTrust, account_id: str) -> Iterator[str]:
    """External nodes named by the applicable Allow statements of a trust policy."""
    for stmt in trust.document.statements:
        if not (stmt.allows and applies(stmt)):
            continue
        if stmt.not_principal is not None:
            yield ANYONE
        for element, values in (stmt.principal or {}).items():
            for value in values:
                if element == "*" or value == "*":
                    yield ANYONE
                elif element == "RAM":
                    parsed = _ram_value(value)
                    if parsed is None:
                        continue
                    account = parsed[0]
                    if has_wildcard(account):
                        yield ANYONE
                    elif account != account_id:
                        yield f"account/{account}"
                elif element == "Service":
                    yield f"service/{_service_name(value)}"
                elif element == "Federated":
                    yield f"federated/{value}"


def named_exactly(trust: RoleTrust, account_id: str) -> frozenset[str] | None:
    """Own ``user/…``/``role/…`` node ids (lower case) that the applicable statements name
    exactly, or None when some statement may name others (root, ``*``, wildcards,
    NotPrincipal, unreadable): a quick filter before :func:`trust_decision`."""
    if not trust.document.readable:
        return None
    found: set[str] = set()
    for stmt in trust.document.statements:
        if not applies(stmt):
            continue
        if stmt.not_principal is not None:
            return None
        for element, values in (stmt.principal or {}).items():
            for value in values:
                if element == "*" or value == "*":
                    return None
                if element != "RAM":
                    continue
                parsed = _ram_value(value)
                if parsed is None:
                    continue
                account, relative = parsed
                if has_wildcard(account) or has_wildcard(relative) or relative.lower() == "root":
                    return None
                if account == account_id:
                    found.add(relative.lower())
    return frozenset(found)


def alike_for_own(trust: RoleTrust, account_id: str) -> bool:
    """Whether :func:`trust_decision` is the same for every own user (and for every own
    role): no applicable statement names an own principal by name, only by the account
    root, ``*`` or not at all; then one answer per kind serves all."""
    if not trust.document.readable:
        return True
    for stmt in trust.document.statements:
        if not applies(stmt):
            continue
        for principal in (stmt.principal, stmt.not_principal):
            for element, values in (principal or {}).items():
                if element != "RAM":
                    continue
                for value in values:
                    if value == "*":
                        continue
                    parsed = _ram_value(value)
                    if parsed is None:
                        continue
                    account, relative = parsed
                    own = compile_wildcard(account).fullmatch(account_id) is not None
                    if own and compile_wildcard(relative).fullmatch("root") is None:
                        return False
    return True
