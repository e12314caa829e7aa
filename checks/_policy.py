"""Pure analysis of RAM policy documents and role trust policies.

Follows the RAM policy language: ``Action``/``NotAction``/``Resource``/``NotResource`` and
principals may be a string or a list; element names are case-sensitive; action matching is
case-insensitive with ``*`` (any run) and ``?`` (one character), anchored, no character
classes. Only ``Allow`` statements grant anything; ``Deny`` statements are mostly ignored when
asking what a policy grants (a Deny never adds a grant, and a finding about a grant stays
true as a statement of intent even where a Deny narrows it). Two exceptions: a conditioned
Deny that covers a grant's actions puts a Condition on it
(:func:`unconditioned_non_read_grants`), and an unconditioned Deny on the whole of a grant's
resources takes escalation actions away (:func:`escalation_actions`).

Malformed documents (``Policy.document`` is ``None`` because the JSON was invalid, or the
JSON is not a policy) raise :class:`MalformedPolicyError` from :func:`parse_statements`;
checks report them as UNKNOWN for that resource, because nothing can be concluded.
:func:`is_admin_equivalent` returns False for them (only a provable grant counts), except
for the system policy ``AdministratorAccess``, which is admin by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from auditor.snapshot import Policy

ADMINISTRATOR_ACCESS = "AdministratorAccess"

#: Actions that let their holder raise its own privileges (besides ``ram:*``).
ESCALATION_ACTIONS: tuple[str, ...] = (
    "ram:CreatePolicyVersion",
    "ram:SetDefaultPolicyVersion",
    "ram:AttachPolicyToUser",
    "ram:AttachPolicyToGroup",
    "ram:AttachPolicyToRole",
    "ram:CreateAccessKey",
    "ram:CreateLoginProfile",
    "ram:UpdateLoginProfile",
    "ram:AddUserToGroup",
    "ram:UpdateRole",
)
#: ``ram:CreateRole`` escalates only together with ``sts:AssumeRole`` (create, then assume).
CREATE_ROLE = "ram:CreateRole"
ASSUME_ROLE = "sts:AssumeRole"

#: Action-name prefixes of read-only operations (lower case; names match case-insensitively).
READ_ONLY_PREFIXES: tuple[str, ...] = (
    "get", "list", "describe", "query", "check", "view", "batchget", "lookup", "search"
)
#: Whole actions that are reads although their names have no read prefix (lower case).
READ_ONLY_ACTIONS: frozenset[str] = frozenset({"ram:generatecredentialreport"})

#: RAM resource kinds whose broad grant enables escalation; the probe name can only be
#: matched by a wildcard.
_RAM_RESOURCE_PROBES: tuple[str, ...] = tuple(
    f"{kind}/\x7f\x7fany" for kind in ("user", "group", "role", "policy")
)


class MalformedPolicyError(ValueError):
    """The document is not a policy this analyser can read; the message says why."""


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    parts = ("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def wildcard_match(pattern: str, value: str) -> bool:
    """Anchored, case-insensitive match with ``*`` and ``?`` wildcards only."""
    return _compile(pattern).fullmatch(value) is not None


def _is_all_stars(pattern: str) -> bool:
    return bool(pattern) and set(pattern) == {"*"}


def matches_every_action(pattern: str) -> bool:
    """True for patterns matching every ``service:Action``: ``*``, ``*:*`` (and ``**``...)."""
    service, sep, name = pattern.partition(":")
    if not sep:
        return _is_all_stars(pattern)
    return _is_all_stars(service) and _is_all_stars(name)


def is_read_only_pattern(pattern: str) -> bool:
    """True when the pattern can only match read actions: its action name starts with a
    :data:`READ_ONLY_PREFIXES` prefix (Get, List, ..., Search), or it is exactly one of
    :data:`READ_ONLY_ACTIONS` (no wildcard: ``ram:Generate*`` also grants other actions)."""
    _, sep, name = pattern.partition(":")
    if not sep:
        return False
    return name.lower().startswith(READ_ONLY_PREFIXES) or pattern.lower() in READ_ONLY_ACTIONS


def _strings(value: Any, element: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MalformedPolicyError(f"{element} must be a string or a list of strings")


def _optional_strings(raw: Mapping[str, Any], element: str) -> tuple[str, ...] | None:
    return _strings(raw[element], element) if element in raw else None


def _principals(value: Any) -> dict[str, tuple[str, ...]]:
    # "*" as the whole Principal is not a form Alibaba Cloud documents; read it as "anyone".
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, dict):
        raise MalformedPolicyError("Principal must be '*' or an object")
    return {str(kind): _strings(ids, f"Principal.{kind}") for kind, ids in value.items()}


@dataclass(frozen=True)
class Statement:
    """One normalised statement; absent elements are ``None``."""

    effect: Literal["Allow", "Deny"]
    action: tuple[str, ...] | None = None
    not_action: tuple[str, ...] | None = None
    resource: tuple[str, ...] | None = None
    not_resource: tuple[str, ...] | None = None
    principal: dict[str, tuple[str, ...]] | None = None
    not_principal: Any = None
    condition: dict[str, Any] = field(default_factory=dict)

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def conditioned(self) -> bool:
        return bool(self.condition)

    def applies_to(self, action: str) -> bool:
        """Whether ``action`` is in this statement's Action (or outside its NotAction)."""
        if self.not_action is not None:
            return not any(wildcard_match(p, action) for p in self.not_action)
        return any(wildcard_match(p, action) for p in self.action or ())

    def grants(self, action: str) -> bool:
        """Whether this Allow statement grants ``action`` (on some resource)."""
        return self.allows and self.applies_to(action)

    def takes_away(self, action: str, grant: Statement) -> bool:
        """Whether this is an unconditioned Deny of ``action`` on every resource of
        ``grant``: Resource ``*``, or patterns covering each of the grant's ``Resource``
        patterns. A NotResource on either side is only covered by a Deny on ``*``."""
        if self.allows or self.conditioned or not self.applies_to(action):
            return False
        if self.on_every_resource():
            return True
        if self.not_resource is not None or grant.resource is None:
            return False
        return all(
            any(_pattern_covers(p, r) for p in self.resource or ()) for r in grant.resource
        )

    def grants_every_action(self) -> bool:
        """An Allow whose ``Action`` has a pattern matching every action (never NotAction)."""
        return self.allows and any(matches_every_action(p) for p in self.action or ())

    def on_every_resource(self) -> bool:
        """``Resource`` contains ``*`` (NotResource does not count)."""
        return any(_is_all_stars(r) for r in self.resource or ())

    def on_resources_broadly(self) -> bool:
        """``Resource: *``, or ``NotResource`` (applies to everything not listed)."""
        return self.on_every_resource() or self.not_resource is not None

    def on_ram_identities_broadly(self) -> bool:
        """On ``*``, or on RAM users/groups/roles/policies by wildcard, or via NotResource
        that leaves some of them out of its exclusions."""
        if self.not_resource is not None:
            return not all(
                any(_matches_ram_resource(p, probe) for p in self.not_resource)
                for probe in _RAM_RESOURCE_PROBES
            )
        return any(
            _matches_ram_resource(p, probe)
            for p in self.resource or ()
            for probe in _RAM_RESOURCE_PROBES
        )

    def non_read_grants(self) -> tuple[str, ...]:
        """The ``Action`` patterns (or ``NotAction:...``) that grant non-read actions."""
        if not self.allows:
            return ()
        if self.not_action is not None:
            return (f"NotAction {', '.join(self.not_action)}",)
        return tuple(p for p in self.action or () if not is_read_only_pattern(p))


def _pattern_covers(pattern: str, other: str) -> bool:
    """Whether ``pattern`` matches everything ``other`` can match. Sound without ``?`` in
    ``pattern``: each of its literal characters then meets a literal of ``other``, so
    ``other``'s wildcards fall inside ``pattern``'s ``*`` runs."""
    return "?" not in pattern and wildcard_match(pattern, other)


def _matches_ram_resource(pattern: str, probe: str) -> bool:
    parts = pattern.split(":", 4)
    if len(parts) != 5:
        return _is_all_stars(pattern)
    prefix, service, _region, _account, relative = parts
    return (
        wildcard_match(prefix, "acs")
        and wildcard_match(service, "ram")
        and wildcard_match(relative, probe)
    )


def _statement(raw: Any, *, needs_action: bool) -> Statement:
    if not isinstance(raw, dict):
        raise MalformedPolicyError("a statement is not an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicyError(f"Effect must be 'Allow' or 'Deny', not {effect!r}")
    if needs_action and ("Action" in raw) == ("NotAction" in raw):
        raise MalformedPolicyError("a statement needs exactly one of Action and NotAction")
    condition = raw.get("Condition", {})
    if not isinstance(condition, dict):
        raise MalformedPolicyError("Condition must be an object")
    return Statement(
        effect=effect,
        action=_optional_strings(raw, "Action"),
        not_action=_optional_strings(raw, "NotAction"),
        resource=_optional_strings(raw, "Resource"),
        not_resource=_optional_strings(raw, "NotResource"),
        principal=_principals(raw["Principal"]) if "Principal" in raw else None,
        not_principal=raw.get("NotPrincipal"),
        condition=condition,
    )


def parse_statements(document: Any, *, needs_action: bool = True) -> tuple[Statement, ...]:
    """Normalise a parsed policy document; raise :class:`MalformedPolicyError` if unreadable.

    ``None`` (the JSON could not be parsed) is malformed. ``Statement`` may be one object or
    a list of objects.
    """
    if document is None:
        raise MalformedPolicyError("the document is not valid JSON")
    if not isinstance(document, dict):
        raise MalformedPolicyError("the document is not a JSON object")
    raw = document.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise MalformedPolicyError("the document has no Statement list")
    return tuple(_statement(s, needs_action=needs_action) for s in raw)


def _allow_statements(policy: Policy) -> tuple[Statement, ...]:
    return tuple(s for s in parse_statements(policy.document) if s.allows)


def is_admin_equivalent(policy: Policy) -> bool:
    """The spec's "admin-equivalent": an Allow of ``*``/``*:*`` on Resource ``*``, or the
    system policy AdministratorAccess. Malformed documents are not (nothing is provable)."""
    if policy.type == "System" and policy.name == ADMINISTRATOR_ACCESS:
        return True
    try:
        statements = _allow_statements(policy)
    except MalformedPolicyError:
        return False
    return any(s.grants_every_action() and s.on_every_resource() for s in statements)


def _grants_all_ram_actions(statement: Statement) -> bool:
    if statement.not_action is not None:
        return not any(
            wildcard_match(p.partition(":")[0], "ram") for p in statement.not_action
        )
    return any(
        wildcard_match(p.partition(":")[0], "ram") and _is_all_stars(p.partition(":")[2] or "*")
        for p in statement.action or ()
    )


def escalation_actions(policy: Policy) -> tuple[str, ...]:
    """Privilege-escalation actions the policy allows on RAM identities broadly.

    An action an unconditioned Deny takes away from a statement (:meth:`Statement.takes_away`)
    is not granted by it. Returns just ``("ram:*",)`` when every RAM action is granted and no
    escalation action is denied; when some are, one item ``"ram:* except denied actions
    (still ...)"`` naming those still granted. Raises :class:`MalformedPolicyError` for an
    unreadable document.
    """
    statements = parse_statements(policy.document)
    denies = [s for s in statements if not s.allows]

    def granted(action: str, by: Statement) -> bool:
        return by.grants(action) and not any(d.takes_away(action, by) for d in denies)

    candidates = list(ESCALATION_ACTIONS)
    if any(granted(ASSUME_ROLE, s) for s in statements):
        candidates.append(CREATE_ROLE)
    broad = [s for s in statements if s.allows and s.on_ram_identities_broadly()]
    all_ram = [s for s in broad if _grants_all_ram_actions(s)]
    if any(all(granted(a, s) for a in candidates) for s in all_ram):
        return ("ram:*",)
    found = tuple(a for a in candidates if any(granted(a, s) for s in broad))
    if found and any(granted(a, s) for a in found for s in all_ram):
        return (f"ram:* except denied actions (still {', '.join(found)})",)
    return found


def uses_not_elements(policy: Policy) -> tuple[str, ...]:
    """Which of NotAction/NotResource appear in Allow statements (raises if malformed)."""
    statements = _allow_statements(policy)
    found = []
    if any(s.not_action is not None for s in statements):
        found.append("NotAction")
    if any(s.not_resource is not None for s in statements):
        found.append("NotResource")
    return tuple(found)


def _covers_service(deny_pattern: str, grant: str) -> bool:
    """Whether a Deny ``Action`` pattern covers every action of an Allow pattern: it matches
    every action, or it is ``<service>:*`` for the grant's (wildcard-free) service."""
    if matches_every_action(deny_pattern):
        return True
    if grant.startswith("NotAction "):
        return False
    deny_service, sep, deny_name = deny_pattern.partition(":")
    service, grant_sep, _ = grant.partition(":")
    return (
        bool(sep and grant_sep)
        and _is_all_stars(deny_name)
        and not any(c in service for c in "*?")
        and wildcard_match(deny_service, service)
    )


def unconditioned_non_read_grants(policy: Policy) -> tuple[str, ...]:
    """Non-read grants of Allow statements on Resource ``*`` (or NotResource) that carry no
    Condition (raises if malformed).

    A grant also counts as conditioned when a conditioned Deny statement on Resource ``*``
    covers all its actions (e.g. Deny ``*`` unless ``acs:SourceIp`` is a corporate range),
    the usual way to put one Condition on a whole policy. ``NotAction`` grants are covered
    only by a Deny of every action.
    """
    statements = parse_statements(policy.document)
    guards = [
        pattern
        for s in statements
        if not s.allows and s.conditioned and s.not_action is None and s.on_every_resource()
        for pattern in s.action or ()
    ]
    return tuple(
        grant
        for s in statements
        if s.allows and s.on_resources_broadly() and not s.conditioned
        for grant in s.non_read_grants()
        if not any(_covers_service(g, grant) for g in guards)
    )


# --- trust policies -------------------------------------------------------------------

#: ``"other"``: a principal this tool does not understand (kind, value or NotPrincipal);
#: ``role_trust_restricted`` fails it.
PrincipalKind = Literal["any", "account", "service", "federated", "other"]

#: ``acs:ram:<region>:<account>:<relative>``; the region segment is ignored (the documented
#: form leaves it empty, ``acs:ram:*:<id>:root`` is common and means the same).
_RAM_ARN = re.compile(r"acs:ram:[^:]*:(?P<account>[^:]*):(?P<relative>.+)", re.IGNORECASE)
_RAM_IDENTITY = re.compile(r"root|\*+|(?:user|role)/.+", re.IGNORECASE)
_ACCOUNT_ID = re.compile(r"[0-9]+")
_FEDERATED = re.compile(r"acs:ram::[^:]*:(?:saml|oidc)-provider/.+", re.IGNORECASE)
#: ``[<digits>@]<name>.aliyuncs.com``: ``ecs.aliyuncs.com``, ``logdelivery.alb.aliyuncs.com``,
#: and the documented ``<account-id>@fc.aliyuncs.com``.
_SERVICE = re.compile(
    r"(?:[0-9]+@)?(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)+aliyuncs\.com", re.IGNORECASE
)

_RAM_FORM = "neither an account id nor acs:ram::<account-id>:root, user/<name> or role/<name>"


@dataclass(frozen=True)
class TrustedPrincipal:
    """One principal an Allow statement of a trust policy lets assume the role."""

    kind: PrincipalKind
    value: str
    account_id: str = ""  # the RAM principal's account (for kind "account")
    conditioned: bool = False
    reason: str = ""  # for kind "other": why it is not understood

    def is_foreign(self, own_account_id: str) -> bool:
        return self.kind == "account" and self.account_id != own_account_id


def _ram_principal(value: str, conditioned: bool) -> TrustedPrincipal:
    """An account id or a RAM ARN of root, a user, a role or ``*`` in an account.

    The account segment decides: digits name an account; wildcards only (``*``, ``??``)
    pin no account, so any principal; anything else (``<account-id>``, ``xxxx``, and digits
    mixed with wildcards such as ``123456789012****``, which is how ids are masked in docs
    and screenshots) is not understood rather than guessed to be a wildcard.
    """
    if _ACCOUNT_ID.fullmatch(value):
        return TrustedPrincipal("account", value, account_id=value, conditioned=conditioned)
    match = _RAM_ARN.fullmatch(value)
    if match is None or not _RAM_IDENTITY.fullmatch(match["relative"]):
        return TrustedPrincipal("other", f"RAM: {value}", conditioned=conditioned,
                                reason=_RAM_FORM)
    account_id = match["account"]
    if _ACCOUNT_ID.fullmatch(account_id):
        return TrustedPrincipal("account", value, account_id=account_id, conditioned=conditioned)
    if account_id and set(account_id) <= {"*", "?"}:
        return TrustedPrincipal("any", value, conditioned=conditioned)
    return TrustedPrincipal(
        "other",
        f"RAM: {value}",
        conditioned=conditioned,
        reason=f"account id {account_id!r} is not a number (a placeholder or masked id?)",
    )


def trusted_principals(document: Any) -> tuple[TrustedPrincipal, ...]:
    """Principals trusted by the Allow statements of a trust policy (raises if malformed).

    Fails closed: a NotPrincipal, an empty Principal object, a kind other than the documented
    (case-sensitive) ``RAM``, ``Service`` and ``Federated``, or a value that is not of its
    kind's form, is an ``"other"`` principal.
    """
    found: list[TrustedPrincipal] = []
    for statement in parse_statements(document, needs_action=False):
        if not statement.allows:
            continue
        conditioned = statement.conditioned
        if statement.not_principal is not None:
            value = f"NotPrincipal {json.dumps(statement.not_principal, default=str)}"
            found.append(TrustedPrincipal("other", value, conditioned=conditioned))
        if statement.principal == {}:
            found.append(TrustedPrincipal("other", "empty Principal {}", conditioned=conditioned))
        for kind, values in (statement.principal or {}).items():
            found.extend(_principal(kind, v, conditioned) for v in values)
    return tuple(found)


def _principal(kind: str, value: str, conditioned: bool) -> TrustedPrincipal:
    if kind == "*" or value == "*":
        return TrustedPrincipal("any", value, conditioned=conditioned)
    if kind == "RAM":
        return _ram_principal(value, conditioned)
    if kind == "Service":
        if _SERVICE.fullmatch(value):
            return TrustedPrincipal("service", value, conditioned=conditioned)
        reason = "not of the form [<account-id>@]<name>.aliyuncs.com"
    elif kind == "Federated":
        if _FEDERATED.fullmatch(value):
            return TrustedPrincipal("federated", value, conditioned=conditioned)
        reason = "not a SAML or OIDC provider ARN"
    else:
        reason = "not a documented principal type (RAM, Service, Federated)"
    return TrustedPrincipal("other", f"{kind}: {value}", conditioned=conditioned, reason=reason)


def federated_providers(documents: Iterable[Any]) -> frozenset[str]:
    """Lower-cased provider ARNs federated by any of the (trust) documents; malformed skipped."""
    arns: set[str] = set()
    for document in documents:
        try:
            principals = trusted_principals(document)
        except MalformedPolicyError:
            continue
        arns.update(p.value.lower() for p in principals if p.kind == "federated")
    return frozenset(arns)
