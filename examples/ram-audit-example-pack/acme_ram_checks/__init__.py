"""ACME's own RAM rules, as a ram-audit check pack."""

from __future__ import annotations

from collections.abc import Iterator

from auditor import Check, CheckMeta, CheckParams, Finding, Section, Severity, of_user
from auditor.snapshot import AccountSnapshot


class AcmeUserDisplayNameSet(Check):
    """Every RAM user must carry a display name that identifies its owner."""

    meta = CheckMeta(
        id="acme_user_display_name_set",
        title="RAM users have a display name identifying their owner",
        severity=Severity.LOW,
        rationale="Anonymous users cannot be reviewed: access reviews need to know who "
        "owns each identity.",
        remediation="In the RAM console, open Identities > Users, select the user and set "
        "its display name to the owner's name or team.",
        doc_url="https://www.alibabacloud.com/help/en/ram/user-guide/create-a-ram-user",
        compliance={"alibaba-ram-best-practices": ("S3",)},
        tags=("users", "acme"),
        requires=frozenset({Section.USERS}),
    )

    class Params(CheckParams):
        ignore_prefixes: tuple[str, ...] = ("svc-",)

    def evaluate(self, snapshot: AccountSnapshot, params: Params) -> Iterator[Finding]:
        for user in snapshot.users:
            if user.name.startswith(params.ignore_prefixes):
                continue
            if user.display_name.strip():
                yield self.passed(of_user(user), f"{user.name} is '{user.display_name}'.")
            else:
                yield self.failed(of_user(user), f"{user.name} has no display name.")
