"""IMS 2019-08-15 over the real SDK: principal names, paging, the credential report."""

from __future__ import annotations

import base64
import csv
import io

import pytest
from alibabacloud_ims20190815 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException
from emulator_support import ALICE_KEY, NOW, ROOT_KEY, ims, make_world, world_data

from auditor.emulator import Emulator, parse_world
from auditor.emulator.credential_report import COLUMNS


def _code(call) -> tuple[str, int]:
    with pytest.raises(ClientException) as info:
        call()
    return info.value.code, info.value.status_code


def test_list_users_default_page_is_1000() -> None:
    users = [{"name": f"u{i:04d}", "created": "now-5d"} for i in range(1001)]
    world = parse_world(world_data(users=users, groups=[], roles=[]), "big")
    with Emulator(world, now=NOW) as emu:
        first = ims(emu).list_users(m.ListUsersRequest()).body
        assert len(first.users.user) == 1000 and first.is_truncated is True
        rest = ims(emu).list_users(m.ListUsersRequest(marker=first.marker)).body
    assert [u.user_principal_name for u in rest.users.user] == ["u1000@acme.onaliyun.com"]
    assert rest.is_truncated is False


def test_users_by_principal_name(emu: Emulator) -> None:
    client = ims(emu)
    users = client.list_users(m.ListUsersRequest()).body.users.user
    assert [(u.user_principal_name, u.status, u.last_login_date) for u in users] == [
        ("alice@acme.onaliyun.com", "active", "2026-11-27T10:00:00Z"),
        ("bob@acme.onaliyun.com", "active", None),
    ]
    by_key = client.get_user(m.GetUserRequest(user_access_key_id=ALICE_KEY[0])).body.user
    assert by_key.user_name == "alice"
    assert client.get_default_domain().body.default_domain_name == "acme.onaliyun.com"


def test_absent_login_profile_and_mfa(emu: Emulator) -> None:
    client = ims(emu)
    bob = "bob@acme.onaliyun.com"
    assert _code(lambda: client.get_login_profile(
        m.GetLoginProfileRequest(user_principal_name=bob))) == (
        "EntityNotExist.User.LoginProfile", 404)
    assert _code(lambda: client.get_user_mfainfo(
        m.GetUserMFAInfoRequest(user_principal_name=bob))) == ("EntityNotExist.User.MFADevice", 404)
    alice = "alice@acme.onaliyun.com"
    profile = client.get_login_profile(m.GetLoginProfileRequest(user_principal_name=alice))
    assert profile.body.login_profile.status == "Active"
    mfa = client.get_user_mfainfo(m.GetUserMFAInfoRequest(user_principal_name=alice)).body
    assert mfa.is_mfaenable is True and mfa.mfadevice.type == "VMFA"


def test_account_level_facts(emu: Emulator) -> None:
    client = ims(emu)
    assert client.get_account_mfainfo().body.is_mfaenable is True
    practice = client.get_account_security_practice_report().body
    info = practice.account_security_practice_info.account_security_practice_user_info
    assert (info.bind_mfa, info.root_with_access_key, info.sub_user, info.sub_user_bind_mfa) == (
        True, 1, 2, 1)
    assert (info.old_ak_num, info.unused_ak_num) == (2, 2)
    summary = client.get_account_summary().body.summary_map
    assert (summary.users, summary.groups, summary.roles) == (2, 1, 2)
    preference = client.get_security_preference().body.security_preference
    assert preference.login_profile_preference.mfaoperation_for_login == "independent"


def _report_rows(client) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    token = None
    while True:
        body = client.get_credential_report(
            m.GetCredentialReportRequest(max_items="2", next_token=token)).body
        text = base64.b64decode(body.content).decode()
        reader = csv.DictReader(io.StringIO(text))
        assert tuple(reader.fieldnames or ()) == COLUMNS
        rows += list(reader)
        if body.is_truncated not in (True, "true"):
            return rows
        token = body.next_token


def test_credential_report_state_machine_and_content() -> None:
    world = make_world(credential_report={"polls_until_ready": 3})
    with Emulator(world, now=NOW) as emu:
        client = ims(emu)
        never = lambda: client.get_credential_report(m.GetCredentialReportRequest())  # noqa: E731
        assert _code(never) == ("EntityNotExist.CredentialReport", 404)
        assert client.generate_credential_report().body.state == "STARTED"
        assert _code(never) == ("CredentialReport.NotReady", 409)
        assert client.generate_credential_report().body.state == "INPROGRESS"
        assert client.generate_credential_report().body.state == "COMPLETED"
        rows = _report_rows(client)
    root, alice, bob = rows
    assert root["user"] == "<root>" and root["mfa_active"] == "TRUE"
    assert root["access_key_1_exist"] == "TRUE"
    assert root["access_key_1_last_rotated"] == "2025-10-24T10:00:00Z"
    assert root["access_key_2_exist"] == "FALSE" and root["access_key_2_active"] == "N/A"
    assert alice["user"] == "alice@acme.onaliyun.com"
    assert (alice["password_exist"], alice["password_active"], alice["mfa_active"]) == (
        "TRUE", "TRUE", "TRUE")
    # keys ordered by creation: the disabled one (200 days old) first
    assert (alice["access_key_1_active"], alice["access_key_1_last_used"]) == ("FALSE", "-")
    assert alice["access_key_2_last_rotated"] == "2026-08-20T10:00:00Z"
    assert (bob["password_exist"], bob["password_active"], bob["user_last_logon"]) == (
        "FALSE", "N/A", "-")


def test_credential_report_unavailable() -> None:
    world = make_world(credential_report={"available": False})
    with Emulator(world, now=NOW) as emu:
        assert _code(lambda: ims(emu, ROOT_KEY).generate_credential_report()) == (
            "NotSupport.CredentialReport.TooManyUsers", 400)


def test_credential_report_max_items_range(emu: Emulator) -> None:
    client = ims(emu)
    assert client.generate_credential_report().body.state == "STARTED"
    too_many = m.GetCredentialReportRequest(max_items="3502")
    assert _code(lambda: client.get_credential_report(too_many)) == (
        "InvalidParameter.MaxItems", 400)
    body = client.get_credential_report(m.GetCredentialReportRequest()).body
    assert body.is_truncated is False and body.generated_time == "2026-11-28T10:00:00Z"
