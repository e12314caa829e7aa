"""User status over the real SDK: IMS ListUsers lists frozen users only when asked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alibabacloud_ims20190815 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException
from emulator_support import NOW, ims, world_data

from auditor.emulator import Emulator, parse_world


@pytest.fixture
def emu() -> Iterator[Emulator]:
    data = world_data()
    data["users"].append({"name": "carol", "created": "now-60d", "status": "freeze",
                          "policies": [{"name": "AdministratorAccess", "type": "System"}]})
    with Emulator(parse_world(data, "frozen"), now=NOW) as emulator:
        yield emulator


def _listed(emu: Emulator, **request: object) -> list[tuple[str, str]]:
    body = ims(emu).list_users(m.ListUsersRequest(**request)).body
    return [(u.user_principal_name.partition("@")[0], u.status) for u in body.users.user]


def test_default_lists_only_active_users(emu: Emulator) -> None:
    assert _listed(emu) == [("alice", "active"), ("bob", "active")]
    assert _listed(emu, status="active") == [("alice", "active"), ("bob", "active")]


def test_freeze_lists_only_frozen_users(emu: Emulator) -> None:
    assert _listed(emu, status="freeze") == [("carol", "freeze")]


@pytest.mark.parametrize("status", ["active,freeze", "freeze,active"])
def test_both_states_list_every_user_with_its_status(emu: Emulator, status: str) -> None:
    assert _listed(emu, status=status) == [
        ("alice", "active"), ("bob", "active"), ("carol", "freeze")]


def test_a_tag_filter_lists_both_states(emu: Emulator) -> None:
    tag = [m.ListUsersRequestTag(key="team", value="ops")]
    assert [name for name, _ in _listed(emu, tag=tag)] == ["alice", "bob", "carol"]


def test_paging_follows_the_filter(emu: Emulator) -> None:
    first = ims(emu).list_users(m.ListUsersRequest(status="active,freeze", max_items=2)).body
    assert first.is_truncated is True
    rest = ims(emu).list_users(
        m.ListUsersRequest(status="active,freeze", max_items=2, marker=first.marker)).body
    assert [u.status for u in rest.users.user] == ["freeze"] and rest.is_truncated is False


def test_an_unknown_status_is_invalid(emu: Emulator) -> None:
    with pytest.raises(ClientException) as info:
        ims(emu).list_users(m.ListUsersRequest(status="disabled"))
    assert (info.value.code, info.value.status_code) == ("InvalidParameter.Status", 400)


def test_basic_infos_filter_the_same_way(emu: Emulator) -> None:
    client = ims(emu)
    default = client.list_user_basic_infos(m.ListUserBasicInfosRequest()).body
    both = client.list_user_basic_infos(m.ListUserBasicInfosRequest(status="active,freeze")).body
    assert [u.status for u in default.user_basic_infos.user_basic_info] == ["active", "active"]
    assert [u.status for u in both.user_basic_infos.user_basic_info] == [
        "active", "active", "freeze"]


def test_frozen_users_keep_their_credentials_in_other_apis(emu: Emulator) -> None:
    client = ims(emu)
    upn = "carol@acme.onaliyun.com"
    assert client.get_user(m.GetUserRequest(user_principal_name=upn)).body.user.user_name == "carol"
    summary = client.get_account_summary().body.summary_map
    assert summary.users == 3
