"""Helpers for the emulator tests: small worlds built in code and official SDK clients."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any

from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config

from auditor.emulator import Emulator, World, parse_world

for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(_proxy, None)

NOW = datetime(2026, 11, 28, 10, 0, 0, tzinfo=timezone.utc)
ACCOUNT = "1234567890123456"
ROOT_KEY = ("LTAIroot0000000001", "root-secret")
ALICE_KEY = ("LTAIalice000000001", "alice-secret")
DISABLED_KEY = ("LTAIalice000000002", "alice-old-secret")


def world_data(**overrides: Any) -> dict[str, Any]:
    """A small account: root with a key, alice (console + MFA + keys), bob (API only)."""
    data: dict[str, Any] = {
        "account": {"id": ACCOUNT, "alias": "acme"},
        "root": {"mfa_bound": True, "last_console_login": "now-2d",
                 "access_keys": [{"id": ROOT_KEY[0], "secret": ROOT_KEY[1],
                                  "created": "now-400d", "last_used": "now-1d"}]},
        "users": [
            {"name": "alice", "created": "now-300d", "last_login": "now-1d",
             "login_profile": {"mfa_bind_required": True}, "mfa_device": {"type": "VMFA"},
             "groups": ["admins"], "policies": [{"name": "AdministratorAccess", "type": "System"}],
             "access_keys": [
                 {"id": ALICE_KEY[0], "secret": ALICE_KEY[1], "created": "now-100d",
                  "last_used": "now-3d"},
                 {"id": DISABLED_KEY[0], "secret": DISABLED_KEY[1], "created": "now-200d",
                  "status": "Inactive"},
             ]},
            {"name": "bob", "created": "now-30d", "groups": ["admins"],
             "access_keys": [{"id": "LTAIbob00000000001", "created": "now-30d"}]},
        ],
        "groups": [{"name": "admins", "policies": [{"name": "ops-policy"}]}],
        "policies": [{"name": "ops-policy", "versions": [
            {"id": "v1", "document": {"Version": "1", "Statement": []}},
            {"id": "v2", "default": True, "document": {"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}},
        ]}],
        "roles": [
            {"name": "auditor", "max_session_duration": 7200,
             "trust_policy": {"Version": "1", "Statement": [{
                 "Effect": "Allow", "Action": "sts:AssumeRole",
                 "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]},
                 "Condition": {"StringEquals": {"sts:ExternalId": "ext-42"}}}]},
             "policies": [{"name": "ReadOnlyAccess", "type": "System"}]},
            {"name": "ecs-role", "trust_policy": {"Version": "1", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}},
        ],
    }
    data.update(overrides)
    return data


def make_world(**overrides: Any) -> World:
    return parse_world(world_data(**overrides), "test-world")


def config(emu: Emulator, key: tuple[str, str] = ROOT_KEY, token: str | None = None) -> Config:
    return Config(access_key_id=key[0], access_key_secret=key[1], security_token=token,
                  endpoint=emu.endpoint, protocol="http")


def ram(emu: Emulator, key: tuple[str, str] = ROOT_KEY) -> RamClient:
    return RamClient(config(emu, key))


def ims(emu: Emulator, key: tuple[str, str] = ROOT_KEY) -> ImsClient:
    return ImsClient(config(emu, key))


def sts(emu: Emulator, key: tuple[str, str] = ROOT_KEY, token: str | None = None) -> StsClient:
    return StsClient(config(emu, key, token))
