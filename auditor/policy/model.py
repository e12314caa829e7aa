"""The typed policy model: every policy and trust document of a snapshot, parsed once.

A document that cannot be read (a ``document`` collection gap, invalid JSON, or JSON that
is not a policy) is a :class:`Document` with ``error`` set to the reason and no statements:
decisions that depend on it are UNKNOWN, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from auditor.per_snapshot import per_snapshot
from auditor.policy.patterns import (
    ActionMatcher,
    ResourcePattern,
    compile_resources,
    compile_wildcard,
)
from auditor.snapshot import AccountSnapshot, Policy, Role

Effect = Literal["Allow", "Deny"]

#: Operators under which a value list restricts a key to the listed values (§2.1).
RESTRICTING_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike"})
SERVICE_KEY = "acs:service"
#: The system policy every account has, admin by name (checks.md) and in the graph.
ADMINISTRATOR_ACCESS = "AdministratorAccess"
TRUSTED_TYPES_KEY = "ram:trustedprincipaltypes"


class MalformedDocument(ValueError):
    """The JSON is not a policy document this model can read; the message says why."""


@dataclass(frozen=True)
class ConditionEntry:
    """One ``operator: {key: values}`` pair of a Condition block."""

    operator: str
    key: str
    values: tuple[str, ...]

    @property
    def restricting(self) -> bool:
        """``StringEquals``/``StringEqualsIgnoreCase``/``StringLike``, with or without a
        ``ForAllValues:``/``ForAnyValue:`` prefix."""
        base = self.operator.lower().removeprefix("forallvalues:").removeprefix("foranyvalue:")
        return base in RESTRICTING_OPERATORS

    def admits(self, value: str, ignore_case: bool = False) -> bool:
        """Whether one of the values matches ``value`` under this (restricting) operator."""
        op = self.operator.lower()
        if op.endswith("stringlike"):
            return any(
                compile_wildcard(v, ignore_case=ignore_case).fullmatch(value) for v in self.values
            )
        if ignore_case or op.endswith("ignorecase"):
            return value.lower() in {v.lower() for v in self.values}
        return value in self.values


@dataclass(frozen=True)
class Statement:
    """One statement, normalised; absent elements are ``None``."""

    index: int
    effect: Effect
    action: ActionMatcher | None = None
    not_action: ActionMatcher | None = None
    resource: tuple[ResourcePattern, ...] | None = None
    not_resource: tuple[ResourcePattern, ...] | None = None
    condition: tuple[ConditionEntry, ...] = ()
    principal: Mapping[str, tuple[str, ...]] | None = None
    not_principal: Mapping[str, tuple[str, ...]] | None = None

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def conditioned(self) -> bool:
        return bool(self.condition)

    @property
    def condition_keys(self) -> tuple[str, ...]:
        return tuple(sorted({c.key for c in self.condition}))

    def applies_to(self, action: str) -> bool:
        """``action`` is in Action, or outside NotAction."""
        if self.not_action is not None:
            return not self.not_action.match(action)
        return self.action is not None and self.action.match(action)

    def excludes(self, key: str, value: str, ignore_case: bool = False) -> bool:
        """A restricting condition on ``key`` (lower case) admits none of ``value``."""
        return any(
            c.key.lower() == key and c.restricting and not c.admits(value, ignore_case)
            for c in self.condition
        )

    @property
    def patterns(self) -> tuple[ResourcePattern, ...]:
        return self.resource if self.resource is not None else self.not_resource or ()

    @property
    def invalid_patterns(self) -> tuple[str, ...]:
        return tuple(p.text for p in self.patterns if not p.valid)


@dataclass(frozen=True)
class Document:
    """A parsed document: its statements, or why it cannot be read."""

    statements: tuple[Statement, ...] = ()
    error: str | None = None

    @property
    def readable(self) -> bool:
        return self.error is None


PolicyType = Literal["System", "Custom"]


@dataclass(frozen=True)
class ParsedPolicy:
    """A snapshot policy with its default-version document parsed."""

    name: str
    type: PolicyType
    version: str
    document: Document
    arn: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.name)


@dataclass(frozen=True)
class Holding:
    """A policy held by a principal, and how: ``direct``, ``group:<name>`` or ``role``."""

    policy: ParsedPolicy
    how: str


@dataclass(frozen=True)
class RoleTrust:
    """A role's trust policy, parsed (``document.error`` when unreadable)."""

    role: str
    document: Document
    service_linked: bool = False


def _strings(value: Any, element: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MalformedDocument(f"{element} must be a string or a list of strings")


def _principals(value: Any, element: str) -> Mapping[str, tuple[str, ...]]:
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, dict):
        raise MalformedDocument(f"{element} must be '*' or an object")
    return {str(k): _strings(v, f"{element}.{k}") for k, v in value.items()}


def _condition(raw: Any) -> tuple[ConditionEntry, ...]:
    if not isinstance(raw, dict):
        raise MalformedDocument("Condition must be an object")
    entries = []
    for operator, block in raw.items():
        if not isinstance(block, dict):
            raise MalformedDocument(f"Condition operator {operator} must map keys to values")
        for key, values in block.items():
            vals = values if isinstance(values, list) else [values]
            entries.append(ConditionEntry(str(operator), str(key), tuple(str(v) for v in vals)))
    return tuple(entries)


def _statement(index: int, raw: Any, *, trust: bool) -> Statement:
    if not isinstance(raw, dict):
        raise MalformedDocument(f"statement {index} is not an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise MalformedDocument(f"statement {index}: Effect must be 'Allow' or 'Deny'")
    if not trust and ("Action" in raw) == ("NotAction" in raw):
        raise MalformedDocument(f"statement {index} needs exactly one of Action and NotAction")
    if "Resource" in raw and "NotResource" in raw:
        raise MalformedDocument(f"statement {index} has both Resource and NotResource")

    def actions(element: str) -> ActionMatcher | None:
        return ActionMatcher(_strings(raw[element], element)) if element in raw else None

    def resources(element: str) -> tuple[ResourcePattern, ...] | None:
        return compile_resources(_strings(raw[element], element)) if element in raw else None

    return Statement(
        index=index,
        effect=effect,
        action=actions("Action"),
        not_action=actions("NotAction"),
        resource=resources("Resource"),
        not_resource=resources("NotResource"),
        condition=_condition(raw["Condition"]) if raw.get("Condition") else (),
        principal=_principals(raw["Principal"], "Principal") if "Principal" in raw else None,
        not_principal=(
            _principals(raw["NotPrincipal"], "NotPrincipal") if "NotPrincipal" in raw else None
        ),
    )


def parse_document(document: Any, *, trust: bool = False) -> Document:
    """Parse a JSON-decoded policy (``trust=True``: a trust policy, Action optional).

    ``None`` means the JSON could not be decoded. ``Statement`` may be one object or a list.
    """
    try:
        if document is None:
            raise MalformedDocument("the document is not valid JSON")
        if not isinstance(document, dict):
            raise MalformedDocument("the document is not a JSON object")
        raw = document.get("Statement")
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            raise MalformedDocument("the document has no Statement list")
        return Document(tuple(_statement(i, s, trust=trust) for i, s in enumerate(raw)))
    except MalformedDocument as exc:
        return Document(error=str(exc))


#: Nodes that hold the same policies the same way share one profile (see
#: :meth:`PolicyModel.profile`).
Profile = int | str


@dataclass
class PolicyModel:
    """Every policy and trust policy of one snapshot, parsed once, and who holds what.

    Nodes holding the same policies the same way (the members of one set of groups, users
    with the same direct attachments) share one holdings tuple and one :meth:`profile`:
    what depends on a node's holdings alone (its statements by action, whether it is a
    full administrator) is decided once per profile, not once per node."""

    account_id: str
    policies: dict[tuple[str, str], ParsedPolicy] = field(default_factory=dict)
    trusts: dict[str, RoleTrust] = field(default_factory=dict)
    holdings: dict[str, tuple[Holding, ...]] = field(default_factory=dict)
    profiles: dict[str, int] = field(default_factory=dict)
    _interned: dict[tuple[int, ...], tuple[tuple[Holding, ...], int]] = field(
        default_factory=dict, repr=False)
    _holding: dict[tuple[str, str, str], Holding] = field(default_factory=dict, repr=False)

    def held_by(self, node_id: str) -> tuple[Holding, ...]:
        """The policies a ``user/…``, ``role/…`` or ``group/…`` node holds (§1)."""
        return self.holdings.get(node_id, ())

    def profile(self, node_id: str) -> Profile:
        """A key equal for nodes whose holdings are equal (the node id itself for a node
        not given by :meth:`hold`)."""
        return self.profiles.get(node_id, node_id)

    def holding(self, policy: ParsedPolicy, how: str) -> Holding:
        """One :class:`Holding` per policy and way of holding it."""
        key = (*policy.key, how)
        found = self._holding.get(key)
        if found is None:
            found = self._holding[key] = Holding(policy, how)
        return found

    def hold(self, node_id: str, held: tuple[Holding, ...]) -> None:
        """Records what ``node_id`` holds (each given by :meth:`holding`, so one object
        per policy and way, kept alive here): equal holdings are one tuple, one profile."""
        key = tuple(map(id, held))
        found = self._interned.get(key)
        if found is None:
            found = self._interned[key] = (held, len(self._interned))
        self.holdings[node_id], self.profiles[node_id] = found


def policy_arn(account_id: str, policy_type: str, name: str) -> str:
    owner = "system" if policy_type == "System" else account_id
    return f"acs:ram:*:{owner}:policy/{name}"


def _parsed_policy(snapshot: AccountSnapshot, policy: Policy, gaps: bool) -> ParsedPolicy:
    issue = snapshot.gaps(policy).get("document") if gaps else None
    if issue is not None:
        document = Document(error=f"its document could not be read ({issue.describe()})")
    else:
        document = parse_document(policy.document)
    arn = policy_arn(snapshot.account_id, policy.type, policy.name)
    return ParsedPolicy(policy.name, policy.type, policy.default_version, document, arn)


def _role_trust(snapshot: AccountSnapshot, role: Role, gaps: bool) -> RoleTrust:
    issue = snapshot.gaps(role).get("details") if gaps else None
    if issue is not None:
        document = Document(error=f"its trust policy could not be read ({issue.describe()})")
    else:
        document = parse_document(role.trust_policy, trust=True)
    return RoleTrust(role.name, document, role.is_service_linked)


def build_model(snapshot: AccountSnapshot) -> PolicyModel:
    """Parse every document of ``snapshot`` once and index who holds which policy."""
    model = PolicyModel(snapshot.account_id)
    gaps = any(issue.resource is not None for issue in snapshot.issues)
    by_principal: dict[tuple[str, str], list[ParsedPolicy]] = {}
    for policy in snapshot.policies:
        parsed = _parsed_policy(snapshot, policy, gaps)
        model.policies[parsed.key] = parsed
        for principal in dict.fromkeys((a.principal_type, a.principal_name)
                                       for a in policy.attachments):
            by_principal.setdefault(principal, []).append(parsed)
    for group in snapshot.groups:
        held = by_principal.get(("group", group.name), [])
        model.hold(f"group/{group.name}",
                   tuple(model.holding(p, f"group:{group.name}") for p in held))
    for user in snapshot.users:
        if user.frozen:
            continue  # a frozen user has no permissions (§1)
        held_user = [model.holding(p, "direct")
                     for p in by_principal.get(("user", user.name), [])]
        for group in snapshot.groups_of(user.name):
            held_user += model.holdings.get(f"group/{group.name}", ())
        model.hold(f"user/{user.name}", tuple(held_user))
    for role in snapshot.roles:
        held_role = by_principal.get(("role", role.name), [])
        model.hold(f"role/{role.name}", tuple(model.holding(p, "role") for p in held_role))
        model.trusts[role.name] = _role_trust(snapshot, role, gaps)
    return model


#: The model of a snapshot, built once per snapshot object: the engine and the per-document
#: checks share it, so every document is parsed once per run.
policy_model = per_snapshot(build_model)
