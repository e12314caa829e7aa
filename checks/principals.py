"""Checks on principals, built on the policy engine (``policy-analysis.md`` §5): who can
become a full administrator and how, which external principals can, and who already is.

A principal's verdict is UNKNOWN, never PASS, when it has no path to ``admin`` but would
have one if every unknown edge (an unreadable policy, trust policy or user fact) were ALLOW,
or when its own permissions may be incomplete (an unreadable held policy, unlisted
attachments or group members).
"""

from __future__ import annotations

import weakref
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass

from auditor.check import (
    AccountId,
    Check,
    CheckMeta,
    CheckParams,
    PrincipalName,
    account,
    of_role,
    of_user,
)
from auditor.findings import Finding, Resource, Severity
from auditor.policy import ADMIN, Decision, Edge, Evidence, Path, PolicyEngine, path_decision
from auditor.policy.decisions import EvidenceTexts
from auditor.policy.paths import PathSummary
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, Role, User

_HIGH_RISK_RAM_URL = (
    "https://www.alibabacloud.com/help/en/ram/"
    "avoid-granting-high-risk-ram-permissions-to-too-many-ram-identities"
)
_TRUST_POLICY_URL = (
    "https://www.alibabacloud.com/help/en/ram/user-guide/edit-the-trust-policy-of-a-ram-role"
)
_REQUIRES = frozenset({Section.USERS, Section.GROUPS, Section.POLICIES, Section.ROLES})
#: External node kinds the external check judges (services are excluded by §5).
_EXTERNAL_KINDS = ("account", "anyone", "federated")


def node_of(item: User | Role) -> str:
    return f"user/{item.name}" if isinstance(item, User) else f"role/{item.name}"


def resource_of_node(item: User | Role) -> Resource:
    return of_user(item) if isinstance(item, User) else of_role(item)


def principals(snapshot: AccountSnapshot) -> Iterator[User | Role]:
    """Users that are not frozen and roles that are not service-linked."""
    yield from (u for u in snapshot.users if not u.frozen)
    yield from (r for r in snapshot.roles if not r.is_service_linked)


def allowlisted(node: str, allowed: Sequence[str]) -> bool:
    """``allowed`` holds node ids; a bare name matches a user or a role of that name."""
    name = node.partition("/")[2]
    return node in allowed or name in allowed


class HopTexts:
    """The texts of one engine's hops, each written once: the hop onto an administrator
    ends the path of every principal that can take it over (grant texts come from the
    engine's :class:`~auditor.policy.decisions.EvidenceTexts`)."""

    def __init__(self, texts: EvidenceTexts) -> None:
        self._texts = texts
        self._hops: dict[int, tuple[Edge, str]] = {}
        self._parts: dict[object, _Parts] = {}
        self._kept: list[PathSummary] = []
        self._grants: dict[tuple[int, ...], tuple[tuple[Evidence, ...], str]] = {}

    def hop(self, edge: Edge) -> str:
        """``-[update-login-profile: Helpdesk (Custom, v1, group:helpdesk) statement 0
        Allow]-> user/admin`` (``conditional`` when the hop is)."""
        found = self._hops.get(id(edge))
        if found is None:
            grants = "; ".join(self._texts.distinct(edge.evidence)) or "; ".join(
                edge.notes[:1])
            flag = ", conditional" if edge.decision is Decision.CONDITIONAL else ""
            via = ""
            if edge.via:
                via = " (after " + " ".join(self.hop(v) for v in edge.via) + ")"
            found = self._hops[id(edge)] = (
                edge, f"-[{edge.primitive}{flag}: {grants}]-> {edge.target}{via}")
        return found[1]

    def after(self, path: Path) -> str:
        """``path`` after its source, ``-[…]-> user/b -[…]-> admin``, with
        ``(conditional)`` when a hop is (hop texts do not name their source)."""
        chain = " ".join(self.hop(e) for e in path)
        flag = " (conditional)" if path_decision(path) is Decision.CONDITIONAL else ""
        return f"{chain}{flag}"

    def grants(self, grants: tuple[Evidence, ...]) -> str:
        """:func:`first_grants` of ``grants``, once per tuple of Evidence objects (one per
        holding and statement: sources that hold the same policies alike share them)."""
        key = tuple(map(id, grants))
        found = self._grants.get(key)
        if found is None:
            found = self._grants[key] = (grants, first_grants(grants))  # keeps the ids'
        return found[1]

    def parts(self, paths: PathSummary) -> _Parts:
        """What :func:`paths_message` writes of ``paths`` but for its source: once for
        the summaries of alike sources (equal but for that source, see
        :attr:`PathSummary.alike`), and once for the one-hop paths of sources that can
        make themselves admin alike (see :func:`_one_hop_key`)."""
        key = paths.alike if paths.alike is not None else _one_hop_key(paths)
        if key is None:
            return _parts(paths, self)
        found = self._parts.get(key)
        if found is None:
            found = self._parts[key] = _parts(paths, self)
            self._kept.append(paths)  # the objects whose ids a one-hop key holds
        return found


def _one_hop_key(paths: PathSummary) -> tuple[object, ...] | None:
    """All that :func:`_parts` reads of ``paths`` when each path it shows is one hop
    without ``via`` (a source that can make itself admin: 2,300 at 10,000 users): the
    count, whether one is ALLOW, the grants (by object: one per holding and statement,
    shared by the holders of one policy alike) and each hop but its source (a hop's text
    does not name it); None for other summaries."""
    shown = paths.shown[:MESSAGE_PATHS]
    if any(len(path) != 1 or path[0].via for path in shown):
        return None
    return (paths.total, paths.allow, tuple(map(id, paths.grants)), *(
        (e.primitive, e.decision, e.target, e.notes[:1], tuple(map(id, e.evidence)))
        for (e,) in shown))


_TEXTS: weakref.WeakKeyDictionary[PolicyEngine, HopTexts] = weakref.WeakKeyDictionary()


def texts_of(engine: PolicyEngine) -> HopTexts:
    found = _TEXTS.get(engine)
    if found is None:
        found = _TEXTS[engine] = HopTexts(engine.evidence_texts)
    return found


def first_grants(grants: Iterable[Evidence]) -> str:
    """The source's own grants that open its paths (``grants``: the evidence of their
    first hops, in path order): what to remove."""
    found: dict[str, None] = {}
    for ev in grants:
        if ev.effect != "Allow":
            continue
        if ev.policy_type == "Trust":
            found[f"statement {ev.statement} of the trust policy of {ev.policy}"] = None
        else:
            found[f"statement {ev.statement} of {ev.policy_type} policy {ev.policy} "
                  f"({held_phrase(ev.held)})"] = None
    return "; ".join(found) or "the grant named in the first hop"


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def held_phrase(held: str) -> str:
    """``direct`` -> ``attached directly``, ``group:ops`` -> ``through group ops``."""
    if held.startswith("group:"):
        return f"through group {held.partition(':')[2]}"
    return {"direct": "attached directly", "role": "attached to the role"}.get(held, held)


#: Paths spelled out in a message (shortest first); the rest are counted, and
#: ``ram-audit query paths`` lists every one. A grant on every user gives one path per
#: user who can become admin: listing all would make messages grow with users x admins.
MESSAGE_PATHS = 3


@dataclass(frozen=True)
class _Parts:
    """A FAIL message but for its source (see :func:`paths_message`)."""

    how: str
    count: str
    listed: str | None  #: ``(the N shortest are listed; `` when not all are
    paths: tuple[str, ...]  #: each shown path after its source
    cut: str


def _parts(paths: PathSummary, texts: HopTexts) -> _Parts:
    shown = paths.shown[:MESSAGE_PATHS]
    plural = "s" if paths.total != 1 else ""
    listed = (f" (the {len(shown)} shortest are listed; `ram-audit query paths "
              if paths.total > len(shown) else None)
    return _Parts("" if paths.allow else "conditionally ", f"{paths.total} path{plural}",
                  listed, tuple(texts.after(p) for p in shown),
                  f"To cut the path{plural}, remove {texts.grants(paths.grants)}.")


def paths_message(who: str, paths: PathSummary, texts: HopTexts) -> str:
    """The FAIL message: the shortest paths (the first :data:`MESSAGE_PATHS` of
    ``paths``), hop by hop, their count, and every grant to remove."""
    parts = texts.parts(paths)
    source = paths.shown[0][0].source  # every path's
    listed = " | ".join(f"path {i}: {source} {after}" for i, after in enumerate(parts.paths, 1))
    count = parts.count
    if parts.listed is not None:
        count += f"{parts.listed}{source}` lists every one)"
    return (f"{cap(who)} can {parts.how}become a full administrator through {count}: "
            f"{listed}. {parts.cut}")


def unknown_reason(engine: PolicyEngine, node: str) -> str | None:
    """Why a node without a usable path might still have one (None: it cannot)."""
    reasons: list[str] = []
    if not engine.doubtless and node.partition("/")[0] in ("user", "role"):
        reasons += engine.doubts(node)
    # engine.can_reach(node, unknown_as_allow=True), read off the search it asks (5,080
    # calls at 10,000 users)
    if node == ADMIN or node in engine.finder.toward(ADMIN, unknown_as_allow=True):
        reasons.append("a path would exist if these unknown edges were allowed: "
                       + "; ".join(describe_unknown(e) for e in unknown_edges(engine, node)))
    return "; ".join(reasons) or None


def no_path_open(engine: PolicyEngine) -> Container[str]:
    """The nodes for which :func:`path_verdict` may say more than "no path": those with a
    path were unknown edges allowed (a superset of those with a usable path), or every
    node when some node may be in doubt (see :attr:`PolicyEngine.doubtless`)."""
    if not engine.doubtless:
        return _EVERY
    return engine.finder.toward(ADMIN, unknown_as_allow=True)


class _Every:
    def __contains__(self, item: object) -> bool:
        return True


_EVERY = _Every()


def unknown_edges(engine: PolicyEngine, node: str) -> list[Edge]:
    """The unknown edges on some would-be path from ``node`` to ``admin``."""
    toward = engine.finder.toward(ADMIN, unknown_as_allow=True)
    seen, queue, found = {node}, [node], []
    while queue:
        for edge in engine.escalation_graph().expanded_from(queue.pop()):
            if edge.decision is Decision.UNKNOWN and (
                    edge.target == ADMIN or edge.target in toward):
                found.append(edge)
            if (edge.usable or edge.decision is Decision.UNKNOWN) and edge.target not in seen:
                seen.add(edge.target)
                queue.append(edge.target)
    return found[:5]


def describe_unknown(edge: Edge) -> str:
    why = "; ".join(edge.notes[:1]) or "; ".join(
        n for a in edge.authorizations for n in a.notes[:1])
    return f"{edge.source} -[{edge.primitive}]-> {edge.target}" + (f" ({why})" if why else "")


def path_verdict(
    check: Check,
    engine: PolicyEngine,
    node: str,
    resource: Resource,
    who: str,
    exempt: bool,
    exempt_by: str,
) -> Finding:
    """FAIL with the paths when ``node`` can become admin (PASS naming them when
    ``exempt`` by the ``exempt_by`` parameter); UNKNOWN when only unknown edges or gaps
    leave it open; PASS otherwise."""
    paths = engine.path_summary(node, MESSAGE_PATHS)
    if paths.total:
        message = paths_message(who, paths, texts_of(engine))
        if exempt:
            return check.passed(resource, f"{cap(who)} is in {exempt_by}; {message}")
        return check.failed(resource, message)
    reason = unknown_reason(engine, node)
    if reason is not None:
        return check.unknown(
            resource, f"Could not decide whether {who} can become a full administrator: {reason}."
        )
    return check.passed(resource, no_path_message(who))


def no_path_message(who: str) -> str:
    """:func:`path_verdict`'s PASS when ``who`` has no path and nothing is unknown."""
    return f"{cap(who)} has no path to full administrator."


class PrincipalNoEscalationPathParams(CheckParams):
    allowed_principals: tuple[PrincipalName, ...] = ()


class PrincipalNoEscalationPath(Check):
    """No user or role that is not an administrator can make itself one."""

    meta = CheckMeta(
        id="principal_no_escalation_path",
        title="No RAM user or role can escalate to full administrator",
        severity=Severity.HIGH,
        rationale=(
            "A principal that can reset an administrator's password, create its AccessKey, "
            "assume or pass an administrator role, or attach or edit an admin policy is an "
            "administrator in all but name: its grants deserve the same scrutiny."
        ),
        remediation=(
            "For each path in the message, remove the grant named for its first hop (the "
            "policy statement, and how the principal holds it: directly, through a group or "
            "as a role), or narrow its Resource so it no longer covers the target. If the "
            "principal is a deliberate administrator, add it to allowed_principals."
        ),
        remediation_cli=(
            "aliyun ram DetachPolicyFromUser --PolicyType Custom --PolicyName <policy> "
            "--UserName <user>"
        ),
        doc_url=_HIGH_RISK_RAM_URL,
        tags=("policies", "least-privilege", "escalation"),
        requires=_REQUIRES,
    )
    Params = PrincipalNoEscalationPathParams

    def evaluate(self, snapshot: AccountSnapshot,
                 params: PrincipalNoEscalationPathParams) -> Iterator[Finding]:
        engine = PolicyEngine.from_snapshot(snapshot)
        admins = {a.node for a in engine.full_admins()}
        open_ = no_path_open(engine)
        evaluated = False
        for item in principals(snapshot):
            node = node_of(item)
            if node in admins:
                continue
            evaluated = True
            resource = resource_of_node(item)
            who = f"{node.partition('/')[0]} {item.name}"
            if node not in open_:  # most (5,080 at 10,000 users): path_verdict's PASS
                yield self.passed(resource, no_path_message(who))
                continue
            exempt = allowlisted(node, params.allowed_principals)
            yield path_verdict(self, engine, node, resource, who, exempt, "allowed_principals")
        if not evaluated:
            yield self.not_applicable(account(snapshot), "Every user and role is a full "
                                      "administrator, frozen or service-linked, or none exists.")


class ExternalPrincipalNoAdminPathParams(CheckParams):
    trusted_accounts: tuple[AccountId, ...] = ()
    #: Set by organisation runs (``run --accounts``): the Resource Directory's accounts.
    #: They are trusted, and an account outside them is named as such.
    organisation_accounts: tuple[AccountId, ...] = ()


def external_resource(node: str) -> Resource:
    return Resource(type="principal", id=node, name=node)


class ExternalPrincipalNoAdminPath(Check):
    """No principal outside the account can become its administrator."""

    meta = CheckMeta(
        id="external_principal_no_admin_path",
        title="No external principal can become a full administrator",
        severity=Severity.CRITICAL,
        rationale=(
            "A role trusted by another account, an identity provider or anyone, from which a "
            "chain of grants leads to administrator access, hands this account to people "
            "outside it."
        ),
        remediation=(
            "For each path in the message, remove the external principal from the trust "
            "policy of the first role, or add a Condition (such as sts:ExternalId) to that "
            "statement, or remove the grant that leads from the role to administrator. If the "
            "account is yours, add it to trusted_accounts."
        ),
        remediation_cli=(
            "aliyun ram UpdateRole --RoleName <role> --NewAssumeRolePolicyDocument "
            "'<trust policy without the external principal>'"
        ),
        doc_url=_TRUST_POLICY_URL,
        tags=("roles", "trust", "escalation"),
        requires=_REQUIRES,
    )
    Params = ExternalPrincipalNoAdminPathParams

    def evaluate(self, snapshot: AccountSnapshot,
                 params: ExternalPrincipalNoAdminPathParams) -> Iterator[Finding]:
        engine = PolicyEngine.from_snapshot(snapshot)
        nodes = [n for n in engine.external_nodes() if n.partition("/")[0] in _EXTERNAL_KINDS]
        for node in nodes:
            resource = external_resource(node)
            who = f"external principal {node}"
            account_id = node.partition("/")[2] if node.startswith("account/") else None
            trusted = account_id is not None and account_id in params.trusted_accounts
            member = account_id is not None and account_id in params.organisation_accounts
            if params.organisation_accounts and account_id is not None and not (
                    trusted or member):
                who += " (outside the organisation)"
            exempt_by = "trusted_accounts" if trusted else "organisation_accounts"
            yield path_verdict(self, engine, node, resource, who, trusted or member, exempt_by)
        if not nodes:
            yield self.not_applicable(account(snapshot), "No trust policy names an external "
                                      "account, identity provider or anyone.")


class PrincipalAdminAllowlistedParams(CheckParams):
    allowed_principals: tuple[PrincipalName, ...] = ()


class PrincipalAdminAllowlisted(Check):
    """Only allow-listed users and roles are full administrators."""

    meta = CheckMeta(
        id="principal_admin_allowlisted",
        title="Only allow-listed RAM users and roles are full administrators",
        severity=Severity.HIGH,
        rationale=(
            "A full administrator, through any policy, group or attachment, controls the "
            "whole account. Such principals should be few, known and reviewed."
        ),
        remediation=(
            "Remove the granting statement named in the message (detach the policy from the "
            "principal or its group, or narrow the statement). If the principal is a "
            "deliberate administrator, add its node id (user/NAME, role/NAME) to "
            "allowed_principals."
        ),
        remediation_cli=(
            "aliyun ram DetachPolicyFromUser --PolicyType System "
            "--PolicyName AdministratorAccess --UserName <user>"
        ),
        doc_url=_HIGH_RISK_RAM_URL,
        tags=("policies", "least-privilege"),
        requires=_REQUIRES,
    )
    Params = PrincipalAdminAllowlistedParams

    def evaluate(self, snapshot: AccountSnapshot,
                 params: PrincipalAdminAllowlistedParams) -> Iterator[Finding]:
        engine = PolicyEngine.from_snapshot(snapshot)
        admins = {a.node: a for a in engine.full_admins()}
        found = False
        for item in principals(snapshot):  # a resource only for a result: most have none
            node = node_of(item)
            admin = admins.get(node)
            if admin is not None:
                found = True
                resource = resource_of_node(item)
                who = f"{node.partition('/')[0]} {item.name}"
                grants = "; ".join(e.describe() for e in admin.evidence)
                held = f"{cap(who)} is a full administrator through {grants}"
                if admin.exceptions:
                    held += " (except " + "; ".join(e.describe() for e in admin.exceptions) + ")"
                if allowlisted(node, params.allowed_principals):
                    yield self.passed(resource, f"{held}, and is in allowed_principals.")
                else:
                    yield self.failed(resource, f"{held}, and is not in allowed_principals; "
                                      "remove that grant or allow-list it.")
            elif not engine.doubtless and (doubts := engine.doubts(node)):
                found = True
                who = f"{node.partition('/')[0]} {item.name}"
                yield self.unknown(resource_of_node(item), f"Could not decide whether {who} "
                                   f"is a full administrator: {'; '.join(doubts)}.")
        if not found:
            yield self.not_applicable(account(snapshot), "No user or role is a full "
                                      "administrator.")
