"""Judgements of one identity policy document at a time, on the engine's parsed model.

The per-document checks (``policy_no_full_admin``, ``policy_no_privilege_escalation``, ...)
judge what a policy *document* grants, whoever holds it: checks.md's definitions, not the
authorizer's decision for a principal. So only Allow statements grant anything, and a Deny
only counts where checks.md says so: an unconditioned Deny on the whole of a grant's
resources takes escalation actions away (:func:`escalation_actions`), and a conditioned
Deny covering a grant's actions puts a Condition on it (:func:`unconditioned_non_read_grants`).

Every function takes a :class:`~auditor.policy.model.Document` parsed once per snapshot
(:func:`~auditor.policy.model.policy_model`) and raises :class:`MalformedDocument` with the
document's ``error`` when it cannot be read: nothing can be concluded from it.
"""

from __future__ import annotations

from auditor.policy.model import (
    ADMINISTRATOR_ACCESS,
    Document,
    MalformedDocument,
    ParsedPolicy,
    Statement,
)
from auditor.policy.patterns import (
    ResourcePattern,
    all_stars,
    compile_wildcard,
    covers,
    matches_every_action,
)

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


def statements(document: Document) -> tuple[Statement, ...]:
    """The document's statements; :class:`MalformedDocument` when it cannot be read."""
    if document.error is not None:
        raise MalformedDocument(document.error)
    return document.statements


def is_read_only_pattern(pattern: str) -> bool:
    """True when the pattern can only match read actions: its action name starts with a
    :data:`READ_ONLY_PREFIXES` prefix (Get, List, ..., Search), or it is exactly one of
    :data:`READ_ONLY_ACTIONS` (no wildcard: ``ram:Generate*`` also grants other actions)."""
    _, sep, name = pattern.partition(":")
    if not sep:
        return False
    return name.lower().startswith(READ_ONLY_PREFIXES) or pattern.lower() in READ_ONLY_ACTIONS


def _grants(statement: Statement, action: str) -> bool:
    return statement.allows and statement.applies_to(action)


def _grants_every_action(statement: Statement) -> bool:
    """An Allow whose ``Action`` has a pattern matching every action (never NotAction)."""
    return statement.allows and statement.action is not None and statement.action.every_action


def _on_every_resource(statement: Statement) -> bool:
    """``Resource`` contains ``*`` (NotResource does not count)."""
    return any(all_stars(r.text) for r in statement.resource or ())


def _on_resources_broadly(statement: Statement) -> bool:
    """``Resource: *``, or ``NotResource`` (applies to everything not listed)."""
    return _on_every_resource(statement) or statement.not_resource is not None


def _matches_ram_resource(pattern: ResourcePattern, probe: str) -> bool:
    if not pattern.segments:
        return all_stars(pattern.text)
    prefix, service, _region, _account, relative = pattern.segments
    return all(
        compile_wildcard(p).fullmatch(v) is not None
        for p, v in ((prefix, "acs"), (service, "ram"), (relative, probe))
    )


def _on_ram_identities_broadly(statement: Statement) -> bool:
    """On ``*``, or on RAM users/groups/roles/policies by wildcard, or via NotResource that
    leaves some of them out of its exclusions."""
    if statement.not_resource is not None:
        return not all(
            any(_matches_ram_resource(p, probe) for p in statement.not_resource)
            for probe in _RAM_RESOURCE_PROBES
        )
    return any(
        _matches_ram_resource(p, probe)
        for p in statement.resource or ()
        for probe in _RAM_RESOURCE_PROBES
    )


def _takes_away(deny: Statement, action: str, grant: Statement) -> bool:
    """Whether ``deny`` is an unconditioned Deny of ``action`` on every resource of
    ``grant``: Resource ``*``, or patterns covering each of the grant's ``Resource``
    patterns. A NotResource on either side is only covered by a Deny on ``*``."""
    if deny.allows or deny.conditioned or not deny.applies_to(action):
        return False
    if _on_every_resource(deny):
        return True
    if deny.not_resource is not None or grant.resource is None:
        return False
    return all(
        any(covers(p.text, r.text) for p in deny.resource or ()) for r in grant.resource
    )


def is_admin_equivalent(policy: ParsedPolicy) -> bool:
    """checks.md's "admin-equivalent": an Allow of ``*``/``*:*`` on Resource ``*``
    (Conditions do not matter), or the system policy AdministratorAccess, by name.
    An unreadable document is not (nothing is provable)."""
    if policy.type == "System" and policy.name == ADMINISTRATOR_ACCESS:
        return True
    return any(
        _grants_every_action(s) and _on_every_resource(s) for s in policy.document.statements
    )


def _grants_all_ram_actions(statement: Statement) -> bool:
    if statement.not_action is not None:
        return not any(
            compile_wildcard(p.partition(":")[0]).fullmatch("ram")
            for p in statement.not_action.patterns
        )
    return any(
        compile_wildcard(p.partition(":")[0]).fullmatch("ram")
        and all_stars(p.partition(":")[2] or "*")
        for p in (statement.action.patterns if statement.action else ())
    )


def escalation_actions(document: Document) -> tuple[str, ...]:
    """Privilege-escalation actions the document allows on RAM identities broadly.

    An action an unconditioned Deny takes away from a statement is not granted by it.
    Returns just ``("ram:*",)`` when every RAM action is granted and no escalation action
    is denied; when some are, one item ``"ram:* except denied actions (still ...)"`` naming
    those still granted.
    """
    found_statements = statements(document)
    denies = [s for s in found_statements if not s.allows]

    def granted(action: str, by: Statement) -> bool:
        return _grants(by, action) and not any(_takes_away(d, action, by) for d in denies)

    candidates = list(ESCALATION_ACTIONS)
    if any(granted(ASSUME_ROLE, s) for s in found_statements):
        candidates.append(CREATE_ROLE)
    broad = [s for s in found_statements if s.allows and _on_ram_identities_broadly(s)]
    all_ram = [s for s in broad if _grants_all_ram_actions(s)]
    if any(all(granted(a, s) for a in candidates) for s in all_ram):
        return ("ram:*",)
    found = tuple(a for a in candidates if any(granted(a, s) for s in broad))
    if found and any(granted(a, s) for a in found for s in all_ram):
        return (f"ram:* except denied actions (still {', '.join(found)})",)
    return found


def uses_not_elements(document: Document) -> tuple[str, ...]:
    """Which of NotAction/NotResource appear in Allow statements."""
    allows = [s for s in statements(document) if s.allows]
    found = []
    if any(s.not_action is not None for s in allows):
        found.append("NotAction")
    if any(s.not_resource is not None for s in allows):
        found.append("NotResource")
    return tuple(found)


def _non_read_grants(statement: Statement) -> tuple[str, ...]:
    """The ``Action`` patterns (or ``NotAction ...``) of an Allow that grant non-reads."""
    if not statement.allows:
        return ()
    if statement.not_action is not None:
        return (f"NotAction {', '.join(statement.not_action.patterns)}",)
    patterns = statement.action.patterns if statement.action else ()
    return tuple(p for p in patterns if not is_read_only_pattern(p))


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
        and all_stars(deny_name)
        and not any(c in service for c in "*?")
        and compile_wildcard(deny_service).fullmatch(service) is not None
    )


def unconditioned_non_read_grants(document: Document) -> tuple[str, ...]:
    """Non-read grants of Allow statements on Resource ``*`` (or NotResource) that carry no
    Condition.

    A grant also counts as conditioned when a conditioned Deny statement on Resource ``*``
    covers all its actions (e.g. Deny ``*`` unless ``acs:SourceIp`` is a corporate range),
    the usual way to put one Condition on a whole policy. ``NotAction`` grants are covered
    only by a Deny of every action.
    """
    found_statements = statements(document)
    guards = [
        pattern
        for s in found_statements
        if not s.allows and s.conditioned and s.action is not None and _on_every_resource(s)
        for pattern in s.action.patterns
    ]
    return tuple(
        grant
        for s in found_statements
        if s.allows and _on_resources_broadly(s) and not s.conditioned
        for grant in _non_read_grants(s)
        if not any(_covers_service(g, grant) for g in guards)
    )
