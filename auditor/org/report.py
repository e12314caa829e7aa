"""``org-report.json`` (schema ``org-1``): one organisation's members and checks at a glance.

Built only from member ``report.json`` files and shard manifests (``merge`` never calls an
API). Accounts are listed by id; ``checks`` name, per check, the accounts with an unwaived
FAIL and those where it could not decide.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from auditor.report import Tool

ORG_SCHEMA_VERSION: Literal["org-1"] = "org-1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrgCaller(_Frozen):
    account_id: str | None = None
    arn: str | None = None


class Organization(_Frozen):
    resource_directory_id: str | None = None
    management_account_id: str | None = None
    caller: OrgCaller = OrgCaller()


class MemberSummary(_Frozen):
    by_status: dict[str, int] = Field(description="results per status")
    by_severity: dict[str, int] = Field(description="unwaived FAIL results per severity")


class OrgAccount(_Frozen):
    id: str
    name: str = ""
    status: Literal["audited", "not_audited"]
    reason: str | None = Field(None, description="why the member was not audited")
    report: str | None = Field(None, description="the member's report.json, relative path")
    collected_at: AwareDatetime | None = None
    incomplete: bool = Field(False, description="some results UNKNOWN/ERROR")
    summary: MemberSummary | None = None
    new_failures: int | None = Field(
        None, description="with --baseline: unwaived FAILs not in the previous report")


class OrgCheck(_Frozen):
    check_id: str
    title: str
    severity: str
    failing_accounts: list[str] = Field(description="accounts with an unwaived FAIL")
    waived_accounts: list[str] = Field(default_factory=list,
                                       description="accounts whose FAILs are all waived")
    unknown_accounts: list[str] = Field(description="accounts where it was UNKNOWN/ERROR")


class OrgSummary(_Frozen):
    accounts_total: int
    accounts_audited: int
    accounts_not_audited: int
    accounts_incomplete: int
    by_status: dict[str, int]
    by_severity: dict[str, int] = Field(description="unwaived FAIL results per severity")


class OrgBaseline(_Frozen):
    previous_generated_at: AwareDatetime | None = None
    new_failing_accounts: dict[str, list[str]] = Field(
        default_factory=dict, description="check id -> accounts failing now but not before")
    resolved_accounts: dict[str, list[str]] = Field(
        default_factory=dict, description="check id -> accounts failing before but not now")


class OrgReport(_Frozen):
    schema_version: Literal["org-1"] = ORG_SCHEMA_VERSION
    tool: Tool
    generated_at: AwareDatetime = Field(description="when the last merged shard finished")
    organization: Organization
    fail_on: str = "high"
    shards: list[str] = Field(default_factory=list, description="the merged shards (I/N)")
    accounts: list[OrgAccount]
    checks: list[OrgCheck]
    summary: OrgSummary
    baseline: OrgBaseline | None = None
