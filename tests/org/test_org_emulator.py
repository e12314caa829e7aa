"""emulator --org: ResourceManager paging, AssumeRole into members, per-member answers."""

from __future__ import annotations

from typing import Any

import pytest
from org_support import auditor, reader_role, settings_for, small_org

from auditor.collector import CollectionAborted, collect_snapshot
from auditor.collector.errors import ApiError
from auditor.collector.resource_directory import DirectoryDenied, _DirectoryCaller, list_directory
from auditor.emulator.org import OrgError, parse_org
from auditor.emulator.org_generate import MANAGEMENT_ID, generate_org, member_id
from auditor.emulator.org_server import OrgEmulator
from auditor.sections import Section

ROLE = "ram-audit-reader"


def role_arn(account: str, name: str = ROLE) -> str:
    return f"acs:ram::{account}:role/{name}"


def test_list_accounts_reads_every_page_of_more_than_100_members() -> None:
    with OrgEmulator(generate_org(120, 1)) as emu:
        directory = list_directory(settings_for(emu), credentials=auditor())
        counts = emu.call_counts(MANAGEMENT_ID)
    ids = [m.id for m in directory.members]
    assert len(ids) == 121 and len(set(ids)) == 121  # 120 members + the management account
    assert ids == sorted(ids) and MANAGEMENT_ID in ids and member_id(119) in ids
    assert counts["ListAccounts"] == 2  # pages of 100: 100 + 21
    assert directory.resource_directory_id == "rd-generated"
    assert directory.management_account_id == MANAGEMENT_ID
    assert directory.members[1].tags == {"env": "prod"}


def _folder_org() -> dict[str, Any]:
    """fd-top holds 101 sub-folders (two pages), each with one member; one sub-folder has a
    grandchild folder with a member; one member sits outside fd-top."""
    spec = generate_org(103, 1)
    data = spec.model_dump(mode="python")
    data["folders"] = [{"id": "fd-top", "name": "top"}, {"id": "fd-out", "name": "out"}]
    data["folders"] += [{"id": f"fd-s{n}", "name": f"s{n}", "parent": "fd-top"}
                        for n in range(101)]
    data["folders"].append({"id": "fd-deep", "name": "deep", "parent": "fd-s7"})
    for n, member in enumerate(data["members"]):
        member["folder"] = f"fd-s{n}" if n < 101 else ("fd-deep" if n == 101 else "fd-out")
    return data


def test_a_folder_is_read_with_all_its_sub_folders_across_pages() -> None:
    spec = parse_org(_folder_org())
    with OrgEmulator(spec) as emu:
        directory = list_directory(settings_for(emu), folder="fd-top", credentials=auditor())
        counts = emu.call_counts(MANAGEMENT_ID)
    assert [m.id for m in directory.members] == sorted(member_id(n) for n in range(102))
    assert counts["ListFoldersForParent"] == 2 + 101 + 1  # fd-top's two pages, then each child
    assert "ListAccounts" not in counts


def test_tag_filter_and_page_size_limit() -> None:
    with OrgEmulator(generate_org(8, 1)) as emu:
        settings = settings_for(emu)
        directory = list_directory(settings, tags=[("env", "dev")], credentials=auditor())
        assert [m.tags["env"] for m in directory.members] == ["dev", "dev"]
        from alibabacloud_resourcemanager20200331 import models as rm

        caller = _DirectoryCaller(settings, auditor())
        with pytest.raises(ApiError, match="PageSize"):
            caller.call("resourcemanager:ListAccounts", rm.ListAccountsRequest(page_size=101))


def test_only_the_management_account_may_list() -> None:
    spec = small_org(2, 1)
    member_key = next(k for u in spec.members[0].world.users for k in u.access_keys
                      if k.status == "Active")
    from auditor.collector.credentials import static_credentials

    creds = static_credentials(member_key.id, member_key.secret_value())
    with OrgEmulator(spec) as emu, pytest.raises(DirectoryDenied,
                                                 match="resourcemanager:ListAccounts"):
        list_directory(settings_for(emu), credentials=creds)


def test_assume_role_into_a_member_answers_as_that_member() -> None:
    spec = small_org(2, 4)
    with OrgEmulator(spec) as emu:
        settings = settings_for(emu, role_arn=role_arn(member_id(1)))
        snapshot = collect_snapshot(settings, {Section.USERS}, credentials=auditor())
        member_calls = emu.call_counts(member_id(1))
        management_calls = emu.call_counts(MANAGEMENT_ID)
        other_calls = emu.call_counts(member_id(0))
    assert snapshot.account_id == member_id(1)
    assert snapshot.caller.arn == f"acs:ram::{member_id(1)}:assumed-role/{ROLE}/ram-audit"
    assert {u.name for u in snapshot.users or ()} == {u.name for u in spec.members[1].world.users}
    assert management_calls == {"AssumeRole": 1}
    assert "AssumeRole" not in member_calls and member_calls["ListUsers"] >= 1
    assert other_calls == {}


@pytest.mark.parametrize(
    ("role", "external_id", "message"),
    [
        (reader_role("acs:ram::1999999999999999:root"), None, "NoPermission"),  # wrong trust
        (reader_role(external_id="secret-x"), None, "NoPermission"),  # ExternalId required
        (reader_role(external_id="secret-x"), "wrong", "NoPermission"),
        ({**reader_role(), "name": "other-role"}, None, "EntityNotExist.Role"),
    ],
)
def test_trust_is_enforced(role: dict[str, Any], external_id: str | None, message: str) -> None:
    spec = small_org(1, 1, **{"0": {"roles": [role]}})
    with OrgEmulator(spec) as emu, pytest.raises(CollectionAborted, match=message):
        settings = settings_for(emu, role_arn=role_arn(member_id(0)), external_id=external_id)
        collect_snapshot(settings, {Section.IDENTITY}, credentials=auditor())


def test_the_right_external_id_is_admitted() -> None:
    spec = small_org(1, 1, **{"0": {"roles": [reader_role(external_id="secret-x")]}})
    with OrgEmulator(spec) as emu:
        settings = settings_for(emu, role_arn=role_arn(member_id(0)), external_id="secret-x")
        snapshot = collect_snapshot(settings, {Section.IDENTITY}, credentials=auditor())
    assert snapshot.account_id == member_id(0)


def test_a_role_outside_the_organisation_is_not_found() -> None:
    with OrgEmulator(small_org(1, 1)) as emu, pytest.raises(CollectionAborted,
                                                            match=r"EntityNotExist\.Role"):
        settings = settings_for(emu, role_arn=role_arn("1999999999999999"))
        collect_snapshot(settings, {Section.IDENTITY}, credentials=auditor())


def test_duplicate_accounts_are_refused() -> None:
    data = generate_org(1, 1).model_dump(mode="python")
    data["members"].append(data["members"][0])
    with pytest.raises(OrgError, match="appears twice"):
        parse_org(data)


def test_written_organisation_reads_back(tmp_path: Any) -> None:
    from auditor.emulator.org import load_org
    from auditor.emulator.org_generate import write_org

    spec = generate_org(3, 2, external_id="ext-1")
    loaded = load_org(write_org(spec, tmp_path))
    assert loaded == spec


def test_a_missing_member_world_names_the_file(tmp_path: Any) -> None:
    from auditor.emulator.org import load_org

    (tmp_path / "org.yaml").write_text(
        "management: {world: nowhere.yaml}\n", encoding="utf-8")
    with pytest.raises(OrgError, match=r"management\.world.*nowhere\.yaml"):
        load_org(tmp_path / "org.yaml")
