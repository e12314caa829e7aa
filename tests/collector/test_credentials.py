"""Credential sources: environment AK, STS token, CLI profile file, AssumeRole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from collector_support import settings_for

from auditor.collector import CollectionAborted, collect_snapshot
from auditor.collector.credentials import resolve_credentials
from auditor.emulator import Emulator
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET
from auditor.emulator.world import RoleSpec
from auditor.sections import Section

AUDIT_ROLE = "AuditRole"
EXTERNAL_ID = "ext-4711"


@pytest.fixture
def role_world(small_world):  # type: ignore[no-untyped-def]
    trust = {
        "Version": "1",
        "Statement": [{
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"RAM": [f"acs:ram::{small_world.account.id}:root"]},
            "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
        }],
    }
    role = RoleSpec(name=AUDIT_ROLE, trust_policy=trust)
    return small_world.model_copy(update={"roles": [*small_world.roles, role]})


def role_arn(world) -> str:  # type: ignore[no-untyped-def]
    return f"acs:ram::{world.account.id}:role/{AUDIT_ROLE}"


@pytest.fixture
def env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", AUDITOR_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", AUDITOR_KEY_SECRET)
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)


def test_environment_access_key_read_at_call_time(small_emulator, env_key) -> None:  # type: ignore[no-untyped-def]
    creds = resolve_credentials()
    assert creds.source == "environment" and creds.access_key_id == AUDITOR_KEY_ID
    snap = collect_snapshot(settings_for(small_emulator), [Section.PASSWORD_POLICY])
    assert snap.caller.identity_type == "RAMUser"
    assert snap.caller.arn.endswith(":user/ram-auditor")


def test_assume_role_with_external_id(role_world, env_key) -> None:  # type: ignore[no-untyped-def]
    with Emulator(role_world) as emu:
        settings = settings_for(emu, role_arn=role_arn(role_world), external_id=EXTERNAL_ID)
        snap = collect_snapshot(settings, [Section.PASSWORD_POLICY])
    assert snap.caller.identity_type == "AssumedRoleUser"
    assert f":assumed-role/{AUDIT_ROLE}/" in snap.caller.arn
    assert snap.meta.api_calls["sts:AssumeRole"] == 1


def test_assume_role_with_wrong_external_id_aborts(role_world, env_key) -> None:  # type: ignore[no-untyped-def]
    with Emulator(role_world) as emu:
        settings = settings_for(emu, role_arn=role_arn(role_world), external_id="wrong")
        with pytest.raises(CollectionAborted, match=f"cannot assume role .*{AUDIT_ROLE}"):
            collect_snapshot(settings, [Section.PASSWORD_POLICY])


def test_sts_token_from_environment(role_world, env_key, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from alibabacloud_sts20150401 import models as sts

    from auditor.collector.api import ApiCaller

    with Emulator(role_world) as emu:
        settings = settings_for(emu)
        api = ApiCaller(settings, resolve_credentials())
        creds = api.call("sts:AssumeRole", sts.AssumeRoleRequest(
            role_arn=role_arn(role_world), role_session_name="token-test",
            external_id=EXTERNAL_ID)).credentials
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", creds.access_key_id)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", creds.access_key_secret)
        monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", creds.security_token)
        snap = collect_snapshot(settings, [Section.PASSWORD_POLICY])
        assert snap.caller.identity_type == "AssumedRoleUser"
        monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "forged-token")
        with pytest.raises(CollectionAborted, match="credentials rejected"):
            collect_snapshot(settings, [Section.PASSWORD_POLICY])


_CHILD = textwrap.dedent("""
    import json, sys
    from auditor.collector import CollectionAborted, collect_snapshot, parse_endpoint
    from auditor.collector.settings import CollectorSettings
    from auditor.sections import Section
    endpoint = parse_endpoint("ram", sys.argv[1])
    settings = CollectorSettings(endpoints={"ram": endpoint, "ims": endpoint, "sts": endpoint},
                                 profile=sys.argv[2] or None)
    try:
        snap = collect_snapshot(settings, [Section.PASSWORD_POLICY])
        print(json.dumps({"arn": snap.caller.arn}))
    except CollectionAborted as exc:
        print(json.dumps({"aborted": str(exc)}))
""")


def _run_child(home: Path, endpoint: str, profile: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
    env.update(HOME=str(home), ALIBABA_CLOUD_ECS_METADATA_DISABLED="true")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, f"http://{endpoint}", profile],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cli_profile_file_through_default_chain(small_emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(json.dumps({
        "current": "other",
        "profiles": [
            {"name": "other", "mode": "AK", "access_key_id": "LTAIunknown000000",
             "access_key_secret": "nope-nope-nope", "region_id": "cn-hangzhou"},
            {"name": "audit", "mode": "AK", "access_key_id": AUDITOR_KEY_ID,
             "access_key_secret": AUDITOR_KEY_SECRET, "region_id": "cn-hangzhou"},
        ],
    }))
    named = _run_child(tmp_path, small_emulator.endpoint, "audit")
    assert named["arn"].endswith(":user/ram-auditor")
    current = _run_child(tmp_path, small_emulator.endpoint, "")
    assert "credentials rejected" in current["aborted"]
    assert "nope-nope-nope" not in current["aborted"]


def test_no_credentials_at_all_aborts(tmp_path: Path, closed_port: int) -> None:
    result = _run_child(tmp_path, f"127.0.0.1:{closed_port}", "")
    assert result["aborted"].startswith("no usable credentials")
