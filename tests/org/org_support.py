"""Helpers for the organisation tests: small generated organisations and their settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from auditor.collector import CollectorSettings, Endpoint, RetrySettings
from auditor.collector.credentials import ResolvedCredentials, static_credentials
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET
from auditor.emulator.org import OrgSpec, parse_org
from auditor.emulator.org_generate import MANAGEMENT_ID, generate_org
from auditor.emulator.org_server import OrgEmulator

FAST_RETRY = RetrySettings(max_attempts=2, max_throttled_attempts=2, initial_delay_s=0.0,
                           max_delay_s=0.0)


def auditor() -> ResolvedCredentials:
    """The management account's ram-auditor key."""
    return static_credentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET)


def settings_for(emu: OrgEmulator, **overrides: Any) -> CollectorSettings:
    endpoint = Endpoint(emu.endpoint, "http")
    services = ("ram", "ims", "sts", "resourcemanager")
    values: dict[str, Any] = {"endpoints": {s: endpoint for s in services}, "retry": FAST_RETRY,
                              "sleep": lambda _s: None}
    return CollectorSettings(**{**values, **overrides})


def small_org(members: int = 3, users: int = 3, **changes: dict[str, Any]) -> OrgSpec:
    """A generated organisation; ``changes`` maps a member index (as str) to field updates,
    e.g. ``{"1": {"throttle_always": True}}``, or ``{"1": {"roles": [...]}}`` to replace the
    member world's roles."""
    spec = generate_org(members, users)
    data = spec.model_dump(mode="python")
    for index, update in changes.items():
        member = data["members"][int(index)]
        for key, value in update.items():
            if key == "roles":
                member["world"]["roles"] = value
            else:
                member[key] = value
    return parse_org(data, "<test organisation>")


def trust(principal: str, external_id: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Principal": {"RAM": [principal]}}
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "1", "Statement": [statement]}


def reader_role(principal: str = f"acs:ram::{MANAGEMENT_ID}:root",
                external_id: str | None = None) -> dict[str, Any]:
    return {"name": "ram-audit-reader", "trust_policy": trust(principal, external_id),
            "policies": [{"name": "AliyunRAMReadOnlyAccess", "type": "System"}]}


def four_member_org() -> OrgSpec:
    """Four members of 3 users: member 1's audit role trusts an account other than the
    management account, and member 3 is pending deletion."""
    return small_org(4, 3, **{"1": {"roles": [reader_role("acs:ram::1999999999999999:root")]},
                              "3": {"status": "PendingDelete"}})


ROOT = Path(__file__).resolve().parents[2]
AUDITOR_ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_KEY_ID,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_KEY_SECRET}


def ram_audit(*args: str, cwd: Path, env: dict[str, str] | None = None,
              timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m auditor ARGS`` with only the given Alibaba Cloud credentials."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("ALIBABA_CLOUD_", "RAM_AUDIT_", "JOB_COMPLETION_INDEX"))}
    full_env.update({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "HOME": str(cwd)})
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True,
                          text=True, cwd=cwd, env=full_env, timeout=timeout)


def endpoint_args(emu: OrgEmulator) -> list[str]:
    return [f"--endpoint={s}=http://{emu.endpoint}"
            for s in ("ram", "ims", "sts", "resourcemanager")]
