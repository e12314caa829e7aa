"""Groups (with members), policies (documents, attachments) and roles (trust policies)."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from alibabacloud_ram20150501 import models as ram

from auditor.collector.context import RunContext
from auditor.collector.convert import dig, items, to_bool, to_datetime, to_int, to_str
from auditor.collector.errors import ApiError
from auditor.sections import Section
from auditor.snapshot import Group, Policy, PolicyAttachment, ResourceRef, Role


def parse_document(text: str) -> dict[str, Any] | None:
    """A policy document as a dict, or None when it is not a JSON object."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class _Gone:
    """The resource was deleted while the collector read it: leave it out."""


GONE = _Gone()


def _guard(
    ctx: RunContext, section: Section, read: Any, item: Any, ref: ResourceRef, fact: str
) -> Any:
    """One fan-out read of ``fact`` of one resource: its value; :data:`GONE` when the
    resource was deleted meanwhile; None when the read failed (recorded as an issue about
    that resource only)."""
    try:
        return read(item)
    except ApiError as exc:
        if exc.absent:
            return GONE
        ctx.record(section, exc, resource=ref, facts=(fact,))
        return None


def _group_ref(raw: Any) -> ResourceRef:
    return ResourceRef(type="group", name=to_str(raw.group_name))


def _policy_ref(raw: Any) -> ResourceRef:
    kind = "System" if to_str(raw.policy_type) == "System" else "Custom"
    return ResourceRef(type="policy", name=to_str(raw.policy_name), policy_type=kind)


def _role_ref(raw: Any) -> ResourceRef:
    return ResourceRef(type="role", name=to_str(raw.role_name))


def _list_all(
    ctx: RunContext,
    section: Section,
    action: str,
    make_request: Callable[[str | None], Any],
    extract: Callable[[Any], list[Any]],
) -> list[Any] | None:
    """Every item of a paged list, or None (recorded against ``section``) when it fails."""
    try:
        return ctx.paginate(action, make_request, extract)
    except ApiError as exc:
        ctx.record(section, exc)
        return None


def read_groups(ctx: RunContext) -> tuple[Group, ...] | None:
    raw = _list_all(
        ctx,
        Section.GROUPS,
        "ram:ListGroups",
        lambda marker: ram.ListGroupsRequest(marker=marker, max_items=100),
        lambda body: items(dig(body, "groups"), "group"),
    )
    if raw is None:
        return None

    def members(group: Any) -> tuple[str, ...]:
        users = ctx.paginate(
            "ram:ListUsersForGroup",
        lambda marker: ram.ListUsersForGroupRequest(
                group_name=group.group_name, marker=marker, max_items=1000
            ),
            lambda body: items(dig(body, "users"), "user"),
        )
        return tuple(to_str(u.user_name) for u in users)

    found = ctx.fan_out(
        "group members",
        lambda g: _guard(ctx, Section.GROUPS, members, g, _group_ref(g), "members"),
        raw,
    )
    return tuple(
        Group(
            id=to_str(g.group_id),
            name=to_str(g.group_name),
            comments=to_str(g.comments),
            created_at=to_datetime(g.create_date),
            members=m or (),  # None: unknown, recorded as an issue about this group
        )
        for g, m in zip(raw, found, strict=True)
        if m is not GONE
    )


def read_policies(ctx: RunContext) -> tuple[Policy, ...] | None:
    """Custom policies and attached system policies, with default documents and attachments."""
    raw = _list_all(
        ctx,
        Section.POLICIES,
        "ram:ListPolicies",
        lambda marker: ram.ListPoliciesRequest(marker=marker, max_items=1000),
        lambda body: items(dig(body, "policies"), "policy"),
    )
    if raw is None:
        return None
    attachments = _attachments_reader(ctx)

    def count(p: Any) -> int | None:
        return to_int(p.attachment_count)

    # A policy without a readable AttachmentCount may be attached: ask for its entities.
    unknown = [p for p in raw if count(p) is None]
    learned = dict(
        zip(
            [id(p) for p in unknown],
            ctx.fan_out(
                "policy attachments (count unknown)",
                lambda p: _guard(
                    ctx, Section.POLICIES, attachments, p, _policy_ref(p), "attachments"
                ),
                unknown,
            ),
            strict=True,
        )
    )
    wanted = [
        p
        for p in raw
        if to_str(p.policy_type) == "Custom"
        or (count(p) or 0) > 0
        or learned.get(id(p))  # attached, learned above
        or (id(p) in learned and learned[id(p)] is None)  # unknown: may be attached
    ]

    def document(p: Any) -> str:
        body = ctx.call(
            "ram:GetPolicy",
            ram.GetPolicyRequest(policy_name=p.policy_name, policy_type=p.policy_type),
        )
        text = dig(body, "default_policy_version", "policy_document")
        if text is None:  # Policy.PolicyDocument is documented as "N/A": never use it
            raise ApiError(
                "ram:GetPolicy",
                "IncompleteResponse",
                f"no DefaultPolicyVersion document for {to_str(p.policy_name)}",
            )
        return to_str(text)

    def needs_entities(p: Any) -> bool:
        return (count(p) or 0) > 0 and id(p) not in learned

    # Documents and attachments are independent reads of each policy: side by side.
    with ThreadPoolExecutor(1, thread_name_prefix="ram-audit-attachments") as side:
        attached_read = side.submit(
            lambda: list(
                ctx.fan_out(
                    "policy attachments",
                    lambda p: _guard(
                        ctx, Section.POLICIES, attachments, p, _policy_ref(p), "attachments"
                    ),
                    [p for p in wanted if needs_entities(p)],
                )
            )
        )
        texts = list(
            ctx.fan_out(
                "policy documents",
                lambda p: _guard(ctx, Section.POLICIES, document, p, _policy_ref(p), "document"),
                wanted,
            )
        )
        attached = attached_read.result()
    attached_iter = iter(attached)
    policies = []
    for p, text in zip(wanted, texts, strict=True):
        if needs_entities(p):
            links = next(attached_iter)
        else:
            links = learned.get(id(p), ())
        if text is GONE or links is GONE:
            continue
        # None: unknown, recorded as an issue about this policy (its results are UNKNOWN).
        policies.append(
            Policy(
                name=to_str(p.policy_name),
                type="System" if to_str(p.policy_type) == "System" else "Custom",
                description=to_str(p.description),
                default_version=to_str(p.default_version),
                attachment_count=count(p) if count(p) is not None else len(links or ()),
                document_text=text or "",
                document=parse_document(text) if text is not None else None,
                attachments=links or (),
            )
        )
    return tuple(policies)


def _attachments_reader(ctx: RunContext) -> Any:
    """ListEntitiesForPolicy as users, groups and roles the policy is attached to."""

    def attachments(p: Any) -> tuple[PolicyAttachment, ...]:
        body = ctx.call(
            "ram:ListEntitiesForPolicy",
            ram.ListEntitiesForPolicyRequest(policy_name=p.policy_name, policy_type=p.policy_type),
        )
        found = [
            PolicyAttachment(principal_type="user", principal_name=to_str(u.user_name))
            for u in items(dig(body, "users"), "user")
        ]
        found += [
            PolicyAttachment(principal_type="group", principal_name=to_str(g.group_name))
            for g in items(dig(body, "groups"), "group")
        ]
        found += [
            PolicyAttachment(principal_type="role", principal_name=to_str(r.role_name))
            for r in items(dig(body, "roles"), "role")
        ]
        return tuple(found)

    return attachments


def read_roles(ctx: RunContext) -> tuple[Role, ...] | None:
    raw = _list_all(
        ctx,
        Section.ROLES,
        "ram:ListRoles",
        lambda marker: ram.ListRolesRequest(marker=marker, max_items=1000),
        lambda body: items(dig(body, "roles"), "role"),
    )
    if raw is None:
        return None

    def detail(r: Any) -> Any:
        role = dig(ctx.call("ram:GetRole", ram.GetRoleRequest(role_name=r.role_name)), "role")
        if role is None:
            raise ApiError("ram:GetRole", "IncompleteResponse", f"no Role for {r.role_name}")
        return role

    details = ctx.fan_out(
        "roles", lambda r: _guard(ctx, Section.ROLES, detail, r, _role_ref(r), "details"), raw
    )
    roles = []
    for listed, role in zip(raw, details, strict=True):
        if role is GONE:
            continue
        if role is None:  # GetRole failed: the role stays, its details unknown (an issue)
            roles.append(
                Role(
                    id=to_str(listed.role_id),
                    name=to_str(listed.role_name),
                    arn=to_str(listed.arn),
                    description=to_str(listed.description),
                    created_at=to_datetime(listed.create_date),
                    max_session_duration=to_int(listed.max_session_duration) or 3600,
                )
            )
            continue
        trust = to_str(role.assume_role_policy_document)
        max_session = to_int(role.max_session_duration)
        if max_session is None:
            max_session = to_int(listed.max_session_duration)
        if max_session is None:  # a default would read as a compliant 3600 s
            ctx.record(
                Section.ROLES,
                ApiError(
                    "ram:GetRole",
                    "IncompleteResponse",
                    f"no MaxSessionDuration for {to_str(listed.role_name)}",
                ),
                resource=_role_ref(listed),
                facts=("details",),
            )
            max_session = 3600  # never read: the role's results are UNKNOWN
        roles.append(
            Role(
                id=to_str(role.role_id or listed.role_id),
                name=to_str(role.role_name or listed.role_name),
                arn=to_str(role.arn or listed.arn),
                description=to_str(role.description),
                created_at=to_datetime(role.create_date),
                max_session_duration=max_session,
                is_service_linked=bool(to_bool(role.is_service_linked_role)),
                trust_policy_text=trust,
                trust_policy=parse_document(trust),
            )
        )
    return tuple(roles)
