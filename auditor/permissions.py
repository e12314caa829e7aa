"""The least-privilege, read-only RAM policy the auditor needs (``ram-audit permissions``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.sections import SECTION_ACTIONS, Section, permission_for


def least_privilege_policy(sections: Iterable[Section] = tuple(Section)) -> dict[str, Any]:
    """A RAM policy document allowing exactly the actions that fill ``sections``.

    Identity (STS GetCallerIdentity, RAM GetAccountAlias) is always included, as the
    collector always reads it.
    """
    wanted = set(sections) | {Section.IDENTITY}
    actions = sorted(
        {permission_for(action) for s in wanted for action in SECTION_ACTIONS.get(s, ())}
    )
    return {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


def audit_role_trust_policy(
    auditing_account: str, external_id: str | None = None
) -> dict[str, Any]:
    """The trust policy of a member's audit role: the auditing account may assume it
    (with ``sts:ExternalId`` when one is used)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"RAM": [f"acs:ram::{auditing_account}:root"]},
    }
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "1", "Statement": [statement]}
