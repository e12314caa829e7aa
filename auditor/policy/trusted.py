"""Who a role's trust policy lets assume it, classified for ``role_trust_restricted`` and
``sso_enabled``: any principal, an account, a service, an identity provider, or a principal
this tool does not understand (which fails closed).

Works on the engine's parsed trust documents (:func:`~auditor.policy.model.policy_model`);
the graph's trust edges are in :mod:`auditor.policy.trust`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from auditor.policy.documents import statements
from auditor.policy.model import Document

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


def trusted_principals(document: Document) -> tuple[TrustedPrincipal, ...]:
    """Principals trusted by the Allow statements of a trust policy (raises
    :class:`~auditor.policy.model.MalformedDocument` when it cannot be read).

    Fails closed: a NotPrincipal, an empty Principal object, a kind other than the documented
    (case-sensitive) ``RAM``, ``Service`` and ``Federated``, or a value that is not of its
    kind's form, is an ``"other"`` principal.
    """
    found: list[TrustedPrincipal] = []
    for statement in statements(document):
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


def federated_providers(documents: Iterable[Document]) -> frozenset[str]:
    """Lower-cased provider ARNs federated by any of the trust documents; unreadable ones
    are skipped."""
    return frozenset(
        p.value.lower()
        for document in documents
        if document.readable
        for p in trusted_principals(document)
        if p.kind == "federated"
    )
