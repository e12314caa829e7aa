"""ResourceManager 2020-03-31: the Resource Directory reads ``org accounts`` makes.

``ListAccounts``, ``ListAccountsForParent`` and ``ListFoldersForParent`` page with
``PageNumber`` (from 1) and ``PageSize`` (1-100, default 10) and answer ``TotalCount``, as
the real API does; ``GetResourceDirectory`` names the directory. Only the management
account's identities may call them; without ``--org`` the account has no directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from auditor.emulator.context import Call, Handler, registrar
from auditor.emulator.errors import ApiError, invalid, no_permission

if TYPE_CHECKING:
    from auditor.emulator.org import MemberSpec, OrgSpec

VERSION = "2020-03-31"
ACTIONS: dict[str, Handler] = {}
action = registrar(ACTIONS)
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 10
T = TypeVar("T")


def _directory(call: Call) -> OrgSpec:
    if call.org is None:
        raise ApiError("EntityNotExists.ResourceDirectory", 404,
                       "The resource directory does not exist.")
    spec: OrgSpec = call.org.spec
    if call.account.id != spec.management.id:
        raise no_permission()
    return spec


def _number(call: Call, name: str, default: int, maximum: int | None) -> int:
    raw = call.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        bound = f"1 to {maximum}" if maximum else "at least 1"
        raise invalid(name, f"{raw!r} is not an integer from {bound}")
    return int(raw)


def _page(call: Call, items: Sequence[T]) -> tuple[list[T], dict[str, Any]]:
    number = _number(call, "PageNumber", 1, None)
    size = _number(call, "PageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    start = (number - 1) * size
    return list(items[start:start + size]), {
        "TotalCount": len(items), "PageNumber": number, "PageSize": size}


def _tag_filter(call: Call) -> list[tuple[str, str | None]]:
    wanted = []
    for n in range(1, 21):
        key = call.get(f"Tag.{n}.Key")
        if key is None:
            break
        wanted.append((key, call.get(f"Tag.{n}.Value")))
    return wanted


def _path(spec: OrgSpec, folder: str | None) -> list[str]:
    parents = {f.id: f.parent for f in spec.folders}
    chain: list[str] = []
    while folder is not None:
        chain.insert(0, folder)
        folder = parents.get(folder)
    return [spec.root_folder_id, *chain]


def _account(call: Call, spec: OrgSpec, member: MemberSpec) -> dict[str, Any]:
    folder = member.folder or spec.root_folder_id
    body: dict[str, Any] = {
        "AccountId": member.id, "DisplayName": member.name, "Status": member.status,
        "Type": member.type, "FolderId": folder,
        "ResourceDirectoryId": spec.resource_directory.id,
        "ResourceDirectoryPath": "/".join(
            [spec.resource_directory.id, *_path(spec, member.folder), member.id]),
        "JoinMethod": member.join_method, "JoinTime": member.join_time,
        "ModifyTime": member.join_time,
    }
    if (call.get("IncludeTags") or "").lower() == "true":
        body["Tags"] = {"Tag": [{"Key": k, "Value": v} for k, v in sorted(member.tags.items())]}
    return body


def _accounts(call: Call, spec: OrgSpec, members: list[MemberSpec]) -> dict[str, Any]:
    for key, value in _tag_filter(call):
        members = [m for m in members
                   if key in m.tags and (value is None or m.tags[key] == value)]
    members = sorted(members, key=lambda m: m.join_time + m.id)
    page, paging = _page(call, members)
    return {"Accounts": {"Account": [_account(call, spec, m) for m in page]}, **paging}


def _folder_id(call: Call, spec: OrgSpec, name: str) -> str | None:
    """The folder named by parameter ``name``: None for the root folder."""
    folder = call.get(name) or spec.root_folder_id
    if folder == spec.root_folder_id:
        return None
    if folder not in {f.id for f in spec.folders}:
        raise ApiError("EntityNotExists.Folder", 404, f"The folder does not exist. ({folder})")
    return folder


@action("GetResourceDirectory")
def get_resource_directory(call: Call) -> dict[str, Any]:
    spec = _directory(call)
    return {"ResourceDirectory": {
        "ResourceDirectoryId": spec.resource_directory.id,
        "RootFolderId": spec.root_folder_id,
        "MasterAccountId": spec.management.id,
        "MasterAccountName": spec.management.name,
        "CreateTime": "2024-06-01T08:00:00Z",
        "ControlPolicyStatus": "Disabled",
    }}


@action("ListAccounts")
def list_accounts(call: Call) -> dict[str, Any]:
    spec = _directory(call)
    return _accounts(call, spec, spec.accounts)


@action("ListAccountsForParent")
def list_accounts_for_parent(call: Call) -> dict[str, Any]:
    spec = _directory(call)
    if call.get("ParentFolderId") is None:
        raise ApiError("MissingParentFolderId", 400,
                       'The input parameter "ParentFolderId" that is mandatory for processing '
                       "this request is not supplied.")
    folder = _folder_id(call, spec, "ParentFolderId")
    return _accounts(call, spec, [m for m in spec.accounts if m.folder == folder])


@action("ListFoldersForParent")
def list_folders_for_parent(call: Call) -> dict[str, Any]:
    spec = _directory(call)
    parent = _folder_id(call, spec, "ParentFolderId")
    folders = sorted((f for f in spec.folders if f.parent == parent), key=lambda f: f.id)
    keyword = call.get("QueryKeyword")
    if keyword:
        folders = [f for f in folders if keyword in f.name]
    page, paging = _page(call, folders)
    return {"Folders": {"Folder": [
        {"FolderId": f.id, "FolderName": f.name, "CreateTime": "2024-06-01T08:00:00Z"}
        for f in page]}, **paging}
