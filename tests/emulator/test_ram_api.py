"""RAM 2015-05-01 over the real SDK: paging, absent entities, derived policy data."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ram20150501 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException
from emulator_support import ALICE_KEY, NOW, ROOT_KEY, make_world, ram, world_data

from auditor.emulator import Emulator, parse_world

USER_COUNT = 1050


@pytest.fixture(scope="module")
def big() -> Emulator:
    users = [{"name": f"user{i:04d}", "created": "now-10d"} for i in range(USER_COUNT)]
    world = parse_world(world_data(users=users, groups=[], roles=[]), "big")
    with Emulator(world, now=NOW) as emulator:
        yield emulator


def _all_users(emu: Emulator, max_items: int | None) -> tuple[list[str], int]:
    names, marker, pages = [], None, 0
    while True:
        body = ram(emu).list_users(m.ListUsersRequest(marker=marker, max_items=max_items)).body
        pages += 1
        names += [u.user_name for u in body.users.user]
        if not body.is_truncated:
            assert body.marker is None
            return names, pages
        marker = body.marker


def test_list_users_pages_default_100_and_max_1000(big: Emulator) -> None:
    expected = [f"user{i:04d}" for i in range(USER_COUNT)]
    assert _all_users(big, None) == (expected, 11)
    assert _all_users(big, 1000) == (expected, 2)


@pytest.mark.parametrize("max_items", [0, 1001])
def test_list_users_max_items_out_of_range(big: Emulator, max_items: int) -> None:
    with pytest.raises(ClientException) as info:
        ram(big).list_users(m.ListUsersRequest(max_items=max_items))
    assert (info.value.code, info.value.status_code) == ("InvalidParameter.MaxItems", 400)


def _code(call) -> tuple[str, int]:
    with pytest.raises(ClientException) as info:
        call()
    return info.value.code, info.value.status_code


def test_absent_login_profile_and_mfa(emu: Emulator) -> None:
    client = ram(emu)
    assert _code(lambda: client.get_login_profile(m.GetLoginProfileRequest(user_name="bob"))) == (
        "EntityNotExist.User.LoginProfile", 404)
    assert _code(lambda: client.get_user_mfainfo(m.GetUserMFAInfoRequest(user_name="bob"))) == (
        "EntityNotExist.User.MFADevice", 404)
    profile = client.get_login_profile(m.GetLoginProfileRequest(user_name="alice")).body
    assert profile.login_profile.mfabind_required is True
    device = client.get_user_mfainfo(m.GetUserMFAInfoRequest(user_name="alice")).body.mfadevice
    assert device.serial_number == "acs:ram::1234567890123456:mfa/alice"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c: c.get_user(m.GetUserRequest(user_name="nobody")), "EntityNotExist.User"),
        (lambda c: c.get_group(m.GetGroupRequest(group_name="nobody")), "EntityNotExist.Group"),
        (lambda c: c.get_role(m.GetRoleRequest(role_name="nobody")), "EntityNotExist.Role"),
        (lambda c: c.get_policy(m.GetPolicyRequest(policy_name="nobody", policy_type="Custom")),
         "EntityNotExist.Policy"),
    ],
)
def test_absent_entities(emu: Emulator, call, code: str) -> None:
    assert _code(lambda: call(ram(emu))) == (code, 404)


def test_policies_are_computed(emu: Emulator) -> None:
    client = ram(emu)
    custom = client.list_policies(m.ListPoliciesRequest(policy_type="Custom")).body
    assert [(p.policy_name, p.attachment_count, p.default_version)
            for p in custom.policies.policy] == [("ops-policy", 1, "v2")]
    system = client.list_policies(m.ListPoliciesRequest(policy_type="System", max_items=1000))
    counts = {p.policy_name: p.attachment_count for p in system.body.policies.policy}
    assert counts["AdministratorAccess"] == 1 and counts["AliyunOSSFullAccess"] == 0
    policy = client.get_policy(m.GetPolicyRequest(policy_name="ops-policy", policy_type="Custom"))
    default = policy.body.default_policy_version
    assert default.version_id == "v2" and default.is_default_version is True
    assert json.loads(default.policy_document)["Statement"][0]["Action"] == "ecs:*"
    entities = client.list_entities_for_policy(
        m.ListEntitiesForPolicyRequest(policy_name="ReadOnlyAccess", policy_type="System")).body
    assert [r.role_name for r in entities.roles.role] == ["auditor"]
    assert entities.users.user == [] and entities.groups.group == []
    versions = client.list_policy_versions(
        m.ListPolicyVersionsRequest(policy_name="ops-policy", policy_type="Custom")).body
    assert [v.version_id for v in versions.policy_versions.policy_version] == ["v1", "v2"]
    members = client.list_users_for_group(m.ListUsersForGroupRequest(group_name="admins")).body
    assert [u.user_name for u in members.users.user] == ["alice", "bob"]
    attached = client.list_policies_for_user(m.ListPoliciesForUserRequest(user_name="alice"))
    assert [p.policy_name for p in attached.body.policies.policy] == ["AdministratorAccess"]


def test_roles_and_account_settings(emu: Emulator) -> None:
    client = ram(emu)
    role = client.get_role(m.GetRoleRequest(role_name="auditor")).body.role
    trust = json.loads(role.assume_role_policy_document)
    assert trust["Statement"][0]["Action"] == "sts:AssumeRole"
    assert role.is_service_linked_role is False and role.max_session_duration == 7200
    assert client.get_account_alias().body.account_alias == "acme"
    assert client.get_password_policy().body.password_policy.minimum_password_length == 8


def test_access_keys_of_user_and_of_caller(emu: Emulator) -> None:
    client = ram(emu)
    keys = client.list_access_keys(m.ListAccessKeysRequest(user_name="alice")).body
    assert [(k.access_key_id, k.status) for k in keys.access_keys.access_key] == [
        (ALICE_KEY[0], "Active"), ("LTAIalice000000002", "Inactive")]
    root_keys = client.list_access_keys(m.ListAccessKeysRequest()).body
    assert [k.access_key_id for k in root_keys.access_keys.access_key] == [ROOT_KEY[0]]
    used = client.get_access_key_last_used(
        m.GetAccessKeyLastUsedRequest(user_name="alice", user_access_key_id=ALICE_KEY[0]))
    assert used.body.access_key_last_used.last_used_date == "2026-11-25T10:00:00Z"


def test_relative_times_resolve_against_now() -> None:
    with Emulator(make_world(), now=NOW) as emu:
        user = ram(emu).get_user(m.GetUserRequest(user_name="alice")).body.user
    assert (user.create_date, user.last_login_date) == (
        "2026-02-01T10:00:00Z", "2026-11-27T10:00:00Z")
