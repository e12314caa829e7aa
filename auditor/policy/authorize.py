"""Authorizing one request of one principal against the policies it holds (spec §2–§2.3)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from auditor.policy.decisions import Authorization, Decision, Evidence, lowest
from auditor.policy.model import (
    SERVICE_KEY,
    TRUSTED_TYPES_KEY,
    Holding,
    PolicyModel,
    Profile,
    Statement,
)
from auditor.policy.patterns import (
    Arn,
    ResourcePattern,
    compile_wildcard,
    covers,
    has_wildcard,
    parse_arn,
)

_ANY = Arn("*")  # every resource: what a blind decision is decided on
#: A holding's (holding, statement, via ``ims:``) entries by indexed action, and the
#: indexed actions it allows (see :meth:`Authorizer._holding_index`).
_HeldIndex = tuple[dict[str, tuple[tuple[Holding, Statement, bool], ...]], frozenset[str]]
#: A name no real object has, used to instantiate probe patterns.
FRESH = "zq0probe"


@dataclass(frozen=True)
class Probe:
    """"Some ``kind`` P" whose name the attacker chooses (§2.2): ``role``, ``policy`` or
    ``instance`` of ``service`` in this account, named like nothing in the snapshot."""

    service: str
    kind: str
    name: str = ""  # one concrete new name, so that all of an edge's requests use the same P

    def __str__(self) -> str:
        return f"acs:{self.service}:*:<account>:{self.kind}/{self.name or f'<new {self.kind}>'}"

    def named(self, name: str) -> Probe:
        return Probe(self.service, self.kind, name)


ROLE_PROBE = Probe("ram", "role")
POLICY_PROBE = Probe("ram", "policy")
INSTANCE_PROBE = Probe("ecs", "instance")

Resource = Arn | Probe


@dataclass(frozen=True)
class Context:
    """What an edge needs besides the request: ``service`` for the ``acs:Service``
    exception, ``ram_trust`` for the ``ram:TrustedPrincipalTypes`` one (§2.1)."""

    service: str = ""
    ram_trust: bool = False


NO_CONTEXT = Context()


def normalise_action(action: str) -> str:
    """IMS operations are authorized under ``ram:`` (§2.3)."""
    service, sep, name = action.partition(":")
    return f"ram:{name}" if sep and service.lower() == "ims" else action


def evidence(holding: Holding, statement: Statement, note: str = "") -> Evidence:
    policy = holding.policy
    return Evidence(
        policy=policy.name,
        policy_type=policy.type,
        version=policy.version,
        held=holding.how,
        statement=statement.index,
        effect=statement.effect,
        condition_keys=statement.condition_keys,
        note=note,
    )


def _may_name_service(stmt: Statement, services: frozenset[str]) -> bool:
    """False when every Action pattern names a literal service outside ``services``."""
    if stmt.action is None:
        return True
    for pattern in stmt.action.patterns:
        service, sep, _ = pattern.partition(":")
        if not sep or has_wildcard(service) or service.lower() in services:
            return True
    return False


def _matches_everything(stmt: Statement) -> bool:
    """A Resource ``*``: the statement covers every request resource (ARN or probe)."""
    return stmt.resource is not None and any(p.text == "*" for p in stmt.resource)


@dataclass(frozen=True, eq=False)
class _Outcome:
    """One request's decision, evidence and notes; ``blind`` when every statement it
    weighed covers every resource (:func:`_matches_everything`): the outcome is then the
    same for every resource, so it is kept per (profile, action, context), one object for
    the profiles that decide alike (compared by identity: see :meth:`blind_outcome`)."""

    decision: Decision
    chosen: tuple[Evidence, ...]
    notes: tuple[str, ...]
    blind: bool


class Authorizer:
    """Decides requests for the principals of one :class:`PolicyModel`.

    ``taken`` maps a probe kind (``role``, ``policy``, ``instance``) to the names of
    existing objects of that kind.
    """

    def __init__(self, model: PolicyModel, taken: Mapping[str, frozenset[str]]) -> None:
        self.model = model
        self.taken = taken
        self._statements: dict[tuple[tuple[str, str], str], tuple[tuple[Statement, bool], ...]] = {}
        #: per profile (see :meth:`PolicyModel.profile`): nodes holding the same policies
        #: alike share their statements by action, allowed actions and blind decisions
        self._indexed: dict[Profile, dict[str, list[tuple[Holding, Statement, bool]]]] = {}
        self._by_policy: dict[tuple[str, str], dict[str, tuple[tuple[Statement, bool], ...]]] = {}
        self._by_holding: dict[tuple[str, str, str], _HeldIndex] = {}
        self.indexed_actions: frozenset[str] = frozenset()
        self._indexed_services: frozenset[str] = frozenset()
        self._allowed: dict[Profile, frozenset[str]] = {}
        self._blind: dict[tuple[Profile, str, str, bool], _Outcome] = {}
        self._seeing: set[tuple[Profile, str, str, bool]] = set()  # not blind
        self._blind_alike: dict[tuple[object, ...], _Outcome] = {}  # see _decided_blind

    def index(self, actions: Iterable[str]) -> None:
        """Precompute, per node on first use, the statements covering each of ``actions``
        (the graph's actions), so that :meth:`matching` is a lookup for them."""
        self.indexed_actions = frozenset(a.lower() for a in actions)
        self._indexed_services = frozenset(
            {a.partition(":")[0] for a in self.indexed_actions} | {"ims"})
        self._indexed.clear()
        self._by_policy.clear()
        self._by_holding.clear()
        self._allowed.clear()
        self._blind.clear()
        self._seeing.clear()
        self._blind_alike.clear()

    def _policy_index(self, holding: Holding) -> dict[str, tuple[tuple[Statement, bool], ...]]:
        found = self._by_policy.get(holding.policy.key)
        if found is None:
            services = self._indexed_services
            relevant = any(
                _may_name_service(stmt, services) for stmt in holding.policy.document.statements
            )
            found = {a: hits for a in sorted(self.indexed_actions)
                     if relevant and (hits := self.statements_for(holding, a))}
            self._by_policy[holding.policy.key] = found
        return found

    def _holding_index(self, holding: Holding) -> _HeldIndex:
        """One holding's (holding, statement, via ``ims:``) entries by indexed action, and
        the indexed actions it allows: built once per holding (many profiles share one),
        so that a profile's index only joins its holdings' entries."""
        key = (*holding.policy.key, holding.how)
        found = self._by_holding.get(key)
        if found is None:
            entries = {action: tuple((holding, s, v) for s, v in hits)
                       for action, hits in self._policy_index(holding).items()}
            allowed = frozenset(action for action, hits in entries.items()
                                if any(stmt.allows for _, stmt, _ in hits))
            found = self._by_holding[key] = (entries, allowed)
        return found

    def _node_index(self, node_id: str) -> dict[str, list[tuple[Holding, Statement, bool]]]:
        profile = self.model.profile(node_id)
        found = self._indexed.get(profile)
        if found is None:
            found = {}
            for holding in self.model.held_by(node_id):
                for action, entries in self._holding_index(holding)[0].items():
                    found.setdefault(action, []).extend(entries)
            self._indexed[profile] = found
        return found

    # --- statement selection ----------------------------------------------------------

    def statements_for(
        self, holding: Holding, action: str
    ) -> tuple[tuple[Statement, bool], ...]:
        """The statements of a held policy whose Action covers ``action``; the flag marks a
        Deny that covers it only through its ``ims:`` spelling (§2.3)."""
        key = (holding.policy.key, action.lower())
        found = self._statements.get(key)
        if found is None:
            service, _, name = action.partition(":")
            ims = f"ims:{name}" if service.lower() == "ram" else ""
            out: list[tuple[Statement, bool]] = []
            for stmt in holding.policy.document.statements:
                if stmt.applies_to(action):
                    out.append((stmt, False))
                elif ims and not stmt.allows and stmt.applies_to(ims):
                    out.append((stmt, True))
            found = tuple(out)
            self._statements[key] = found
        return found

    def allowed_actions(self, node_id: str) -> frozenset[str]:
        """The indexed actions (lower case) some Allow statement of ``node_id`` covers."""
        profile = self.model.profiles.get(node_id, node_id)  # (model.profile, inlined)
        found = self._allowed.get(profile)
        if found is None:
            found = self._allowed[profile] = frozenset().union(
                *(self._holding_index(h)[1] for h in self.model.held_by(node_id)))
        return found

    def matching(
        self, node_id: str, action: str
    ) -> Sequence[tuple[Holding, Statement, bool]]:
        """(holding, statement, via ``ims:``) for every held statement covering ``action``."""
        key = action.lower()
        if key in self.indexed_actions:
            return self._node_index(node_id).get(key, ())
        return [(holding, stmt, via_ims)
                for holding in self.model.held_by(node_id)
                for stmt, via_ims in self.statements_for(holding, action)]

    # --- resource matching ------------------------------------------------------------

    def _fresh(self, pattern: ResourcePattern, probe: Probe) -> bool:
        """An Allow pattern matches some new object of the probe's kind (§2.2)."""
        if pattern.text == "*":
            return True
        if not pattern.head_matches(probe.service, self.model.account_id):
            return False
        rel = pattern.segments[4]
        regex = compile_wildcard(rel, ignore_case=False)
        prefix = f"{probe.kind}/"
        if probe.name:
            return regex.fullmatch(prefix + probe.name) is not None
        return any(regex.fullmatch(prefix + name) for name in self._instances(rel, probe))

    def _instances(self, rel: str, probe: Probe) -> list[str]:
        """New names of the probe's kind that a relative-id pattern suggests."""
        prefix = f"{probe.kind}/"
        taken = self.taken.get(probe.kind, frozenset())
        found = []
        for candidate in (
            prefix + FRESH,
            rel.replace("*", FRESH).replace("?", "q"),
            rel.replace("*", "").replace("?", "q"),
        ):
            name = candidate.removeprefix(prefix)
            if candidate.startswith(prefix) and name and name not in taken:
                found.append(name)
        return found

    def probe_names(self, node_id: str, actions: Iterable[str], probe: Probe,
                    limit: int = 16) -> list[Probe]:
        """Concrete new-object probes worth trying for an edge needing ``actions``: the
        names the node's Allow patterns suggest (§2.2: one P for all of an edge's requests)."""
        names: dict[str, None] = {}
        for action in actions:
            for _, stmt, _ in self.matching(node_id, action):
                if not stmt.allows or stmt.resource is None:
                    continue
                for pattern in stmt.resource:
                    if pattern.valid and pattern.text != "*" and pattern.head_matches(
                            probe.service, self.model.account_id):
                        names.update(dict.fromkeys(self._instances(pattern.segments[4], probe)))
        names.setdefault(FRESH, None)
        return [probe.named(n) for n in list(names)[:limit]]

    def _covers_kind(self, pattern: ResourcePattern, probe: Probe) -> bool:
        """A Deny pattern matches every object of the probe's kind (§2.2)."""
        if pattern.text == "*":
            return True
        if not pattern.head_matches(probe.service, self.model.account_id):
            return False
        return covers(pattern.segments[4], f"{probe.kind}/*")

    def _pattern_matches(self, pattern: ResourcePattern, resource: Resource, deny: bool) -> bool:
        if not pattern.valid:
            return False
        if isinstance(resource, Probe):
            return self._covers_kind(pattern, resource) if deny else self._fresh(pattern, resource)
        if resource.is_any:
            return True if deny else pattern.every_arn
        return pattern.match(resource, deny=deny)

    def resource_matches(self, stmt: Statement, resource: Resource) -> bool:
        """Whether the statement's Resource (or NotResource) covers the request resource."""
        deny = not stmt.allows
        if stmt.resource is not None:
            return any(self._pattern_matches(p, resource, deny) for p in stmt.resource)
        if stmt.not_resource is None:
            return False
        valid = [p for p in stmt.not_resource if p.valid]
        if deny:
            # A Deny applies to whatever its NotResource leaves out; only ever CONDITIONAL.
            if isinstance(resource, Probe) or resource.is_any:
                return True
            return not any(p.match(resource, deny=True) for p in valid)
        if isinstance(resource, Probe):
            return not any(self._covers_kind(p, resource) for p in valid)
        if resource.is_any:
            return not valid
        return not any(p.match(resource, deny=False) for p in valid)

    # --- decisions --------------------------------------------------------------------

    def authorize(
        self,
        node_id: str,
        action: str,
        resource: str | Resource = "*",
        context: Context = NO_CONTEXT,
    ) -> Authorization:
        """The decision of §2 for ``node_id`` doing ``action`` on ``resource``.

        ``resource`` is an ARN, ``*`` (every resource) or a :class:`Probe`. A string that is
        not an ARN matches no pattern (the decision says so in its notes).
        """
        action = normalise_action(action)
        notes: list[str] = []
        if isinstance(resource, str):
            parsed = parse_arn(resource)
            if parsed is None:
                notes.append(f"{resource!r} is not an ARN: no Resource pattern matches it")
            target: Resource = parsed or Arn(resource, "", "", "", "\x00")
            shown = resource
        else:
            target, shown = resource, str(resource)
        key = (self.model.profile(node_id), action, context.service, context.ram_trust)
        outcome = self._blind.get(key)
        if outcome is None:
            outcome = self._decided_blind(node_id, action, target, context, key)
        return Authorization(action, shown, outcome.decision, outcome.chosen,
                             tuple(dict.fromkeys([*notes, *outcome.notes])))

    def resource_blind(self, node_id: str, action: str, context: Context = NO_CONTEXT
                       ) -> bool:
        """Whether :meth:`authorize` decides ``action`` alike for every resource (but the
        notes on a resource that is not an ARN): every statement it weighs covers every
        resource."""
        action = normalise_action(action)
        key = (self.model.profile(node_id), action, context.service, context.ram_trust)
        if key in self._blind:
            return True
        if key in self._seeing:
            return False
        return self._decided_blind(node_id, action, _ANY, context, key).blind

    def blind_outcome(self, node_id: str, action: str) -> Hashable | None:
        """When :meth:`resource_blind`: one object for every node whose requests of
        ``action`` decide alike (a key for what depends on that decision alone), else
        None."""
        if not self.resource_blind(node_id, action):
            return None
        return self._blind[(self.model.profile(node_id), normalise_action(action), "", False)]

    def _decided_blind(self, node_id: str, action: str, target: Resource, context: Context,
                       key: tuple[Profile, str, str, bool]) -> _Outcome:
        """:meth:`_decide` when ``key`` (the node's profile, action, context) has no blind
        outcome yet: a blind one is recorded for ``key``, and for every profile whose
        statements for ``action`` come from the same holdings (many profiles differ only
        in holdings that do not cover it), so it is decided once for all of them."""
        alike: tuple[object, ...] | None = None
        if key not in self._seeing:
            alike = self._alike_key(node_id, action, context)
            found = self._blind_alike.get(alike)
            if found is not None:
                self._blind[key] = found
                return found
        outcome = self._decide(node_id, action, target, context)
        if not outcome.blind:  # blindness does not depend on the resource
            self._seeing.add(key)
        else:
            self._blind[key] = outcome
            if alike is not None:
                self._blind_alike[alike] = outcome
        return outcome

    def _alike_key(self, node_id: str, action: str, context: Context) -> tuple[object, ...]:
        """All that :meth:`_decide` reads of the node: its holdings that cover ``action``
        (what :meth:`matching` gives, in order) and its unreadable ones, by identity."""
        held = self.model.held_by(node_id)
        lowered = action.lower()
        if lowered in self.indexed_actions:
            covering = [h for h in held if lowered in self._holding_index(h)[0]]
        else:
            covering = [h for h in held if self.statements_for(h, action)]
        unreadable = [h for h in held if not h.policy.document.readable]
        return (tuple((*h.policy.key, h.how) for h in covering),
                tuple((*h.policy.key, h.how) for h in unreadable),
                action, context.service, context.ram_trust)

    def _decide(self, node_id: str, action: str, target: Resource, context: Context
                ) -> _Outcome:
        """:meth:`authorize`'s decision, evidence and notes (but the resource's own)."""
        notes: list[str] = []
        blind = True
        hard_deny: list[Evidence] = []
        soft_deny: list[Evidence] = []
        allow: list[Evidence] = []
        cond_allow: list[Evidence] = []
        for holding, stmt, via_ims in self.matching(node_id, action):
            if context.service and stmt.excludes(SERVICE_KEY, context.service):
                continue
            if context.ram_trust and stmt.excludes(TRUSTED_TYPES_KEY, "RAM", ignore_case=True):
                continue
            if stmt.invalid_patterns:
                notes.append(
                    f"{holding.policy.name} statement {stmt.index}: "
                    f"{', '.join(stmt.invalid_patterns)} is not an ARN and matches nothing"
                )
            blind = blind and _matches_everything(stmt)
            if not self.resource_matches(stmt, target):
                continue
            if stmt.allows:
                (cond_allow if stmt.conditioned else allow).append(evidence(holding, stmt))
            elif via_ims:
                soft_deny.append(evidence(holding, stmt, "ims: Deny may cover the ram: action"))
            elif stmt.not_resource is not None:
                soft_deny.append(evidence(holding, stmt, "Deny with NotResource"))
            elif stmt.conditioned:
                soft_deny.append(evidence(holding, stmt))
            else:
                hard_deny.append(evidence(holding, stmt))
        unreadable = [
            f"{h.policy.name} ({h.policy.type}, {h.how}) cannot be read: {h.policy.document.error}"
            for h in self.model.held_by(node_id)
            if not h.policy.document.readable
        ]
        if hard_deny:
            decision, chosen = Decision.DENY, hard_deny
        elif allow and not soft_deny:
            decision, chosen = Decision.ALLOW, allow
        elif allow or cond_allow:
            decision, chosen = Decision.CONDITIONAL, allow + cond_allow + soft_deny
        elif unreadable:
            decision, chosen = Decision.UNKNOWN, []
            notes += unreadable
        else:
            decision, chosen = Decision.IMPLICIT_DENY, []
        return _Outcome(decision, tuple(chosen), tuple(notes), blind)

    def authorize_attach(
        self,
        node_id: str,
        action: str,
        target: str,
        policy: str | Probe,
        context: Context = NO_CONTEXT,
    ) -> Authorization:
        """``ram:AttachPolicyTo*`` against the target **and** the policy (§2.2): a grant on
        the target but not the policy is CONDITIONAL."""
        on_target = self.authorize(node_id, action, target, context)
        on_policy = self.authorize(node_id, action, policy, context)
        if on_target.decision.grants and on_policy.decision is Decision.IMPLICIT_DENY:
            decision = Decision.CONDITIONAL
            notes: tuple[str, ...] = ("the grant covers the target but not the policy",)
        else:
            decision = lowest((on_target.decision, on_policy.decision))
            notes = ()
        return Authorization(
            action,
            f"{target} + {policy}",
            decision,
            on_target.evidence + on_policy.evidence,
            tuple(dict.fromkeys(on_target.notes + on_policy.notes + notes)),
        )
