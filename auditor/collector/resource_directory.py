"""Resource Directory members through ResourceManager 2020-03-31 (``org accounts``).

Every page of ``ListAccounts`` (``PageNumber``/``PageSize`` 100, until ``TotalCount``);
with a folder, that folder and its sub-folders (``ListFoldersForParent`` +
``ListAccountsForParent``, each paged). Calls go through the same gate as the audit
(rate limit, retries, redaction), with an allow-list of these read actions only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from alibabacloud_resourcemanager20200331 import models as rm
from alibabacloud_resourcemanager20200331.client import Client as RmClient

from auditor.collector.api import ApiCaller
from auditor.collector.convert import dig, to_str
from auditor.collector.credentials import ResolvedCredentials, resolve_credentials
from auditor.collector.errors import ApiError, CollectionAborted
from auditor.collector.settings import CollectorSettings

PAGE_SIZE = 100
RD_ACTIONS = frozenset({
    "resourcemanager:ListAccounts", "resourcemanager:ListAccountsForParent",
    "resourcemanager:ListFoldersForParent", "resourcemanager:GetResourceDirectory",
    "sts:GetCallerIdentity",
})


class DirectoryDenied(CollectionAborted):
    """The caller may not list the directory; the message names the permission."""


@dataclass(frozen=True)
class Member:
    """One account as ListAccounts describes it."""

    id: str
    name: str
    status: str
    type: str = ""
    folder_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Directory:
    resource_directory_id: str
    management_account_id: str
    caller_account_id: str
    caller_arn: str
    members: tuple[Member, ...]
    api_calls: dict[str, int]


class _DirectoryCaller(ApiCaller):
    """The audit's API gate, with a ResourceManager client and only directory reads allowed."""

    def __init__(self, settings: CollectorSettings, credentials: ResolvedCredentials) -> None:
        super().__init__(settings, credentials)
        self._clients["resourcemanager"] = RmClient(self._config("resourcemanager", credentials))
        self._allowed = RD_ACTIONS


def _denied(action: str, exc: ApiError) -> DirectoryDenied:
    return DirectoryDenied(
        f"{action} refused ({exc.code}): the caller needs the permission {action} (run "
        "'org accounts' as the Resource Directory management account or a delegated "
        "administrator)"
    )


def _all_pages(
    api: ApiCaller, action: str, make: Callable[[int], Any], listed: str, item: str
) -> list[Any]:
    """Every item of a PageNumber/PageSize list, page after page until TotalCount."""
    items: list[Any] = []
    number = 1
    while True:
        try:
            body = api.call(action, make(number))
        except ApiError as exc:
            if exc.denied:
                raise _denied(action, exc) from None
            raise CollectionAborted(f"{action} failed: {exc.code}: {exc.message}") from None
        page = list(dig(dig(body, listed), item) or [])
        items += page
        total = int(dig(body, "total_count") or 0)
        if not page or len(items) >= total:
            return items
        number += 1


def _tags(values: Sequence[tuple[str, str | None]], kind: type) -> list[Any] | None:
    return [kind(key=k, value=v) for k, v in values] or None


def _member(raw: Any) -> Member:
    tags = {to_str(dig(t, "key")): to_str(dig(t, "value"))
            for t in (dig(dig(raw, "tags"), "tag") or [])}
    return Member(
        id=to_str(dig(raw, "account_id")), name=to_str(dig(raw, "display_name")),
        status=to_str(dig(raw, "status")), type=to_str(dig(raw, "type")),
        folder_id=to_str(dig(raw, "folder_id")), tags=tags,
    )


def _accounts(api: ApiCaller, tags: Sequence[tuple[str, str | None]]) -> list[Any]:
    def page(number: int) -> rm.ListAccountsRequest:
        return rm.ListAccountsRequest(page_number=number, page_size=PAGE_SIZE,
                                      include_tags=True, tag=_tags(tags, rm.ListAccountsRequestTag))

    return _all_pages(api, "resourcemanager:ListAccounts", page, "accounts", "account")


def _folder_accounts(
    api: ApiCaller, folder: str, tags: Sequence[tuple[str, str | None]]
) -> list[Any]:
    """Accounts of ``folder`` and of all its sub-folders, breadth first."""
    found: list[Any] = []
    pending, seen = [folder], {folder}
    while pending:
        parent = pending.pop(0)

        def accounts_page(number: int, parent: str = parent) -> Any:
            return rm.ListAccountsForParentRequest(
                parent_folder_id=parent, page_number=number, page_size=PAGE_SIZE,
                include_tags=True, tag=_tags(tags, rm.ListAccountsForParentRequestTag))

        def folders_page(number: int, parent: str = parent) -> Any:
            return rm.ListFoldersForParentRequest(parent_folder_id=parent, page_number=number,
                                                  page_size=PAGE_SIZE)

        found += _all_pages(api, "resourcemanager:ListAccountsForParent", accounts_page,
                            "accounts", "account")
        for sub in _all_pages(api, "resourcemanager:ListFoldersForParent", folders_page,
                              "folders", "folder"):
            sub_id = to_str(dig(sub, "folder_id"))
            if sub_id and sub_id not in seen:
                seen.add(sub_id)
                pending.append(sub_id)
    return found


def list_directory(
    settings: CollectorSettings,
    *,
    folder: str | None = None,
    tags: Sequence[tuple[str, str | None]] = (),
    credentials: ResolvedCredentials | None = None,
) -> Directory:
    """The directory's members (all, or those under ``folder``), sorted by account id.

    Raises :class:`DirectoryDenied` when the caller may not list them and
    :class:`CollectionAborted` when the directory cannot be read at all.
    """
    creds = credentials or resolve_credentials(settings.profile)
    api = _DirectoryCaller(settings, creds)
    try:
        caller = api.call("sts:GetCallerIdentity")
    except ApiError as exc:
        raise CollectionAborted(
            f"sts:GetCallerIdentity failed: {exc.code}: {exc.message}"
        ) from None
    raw = _folder_accounts(api, folder, tags) if folder else _accounts(api, tags)
    rd_id = next((to_str(dig(a, "resource_directory_id")) for a in raw), "")
    management = ""
    try:
        rd = dig(api.call("resourcemanager:GetResourceDirectory"), "resource_directory")
        rd_id = to_str(dig(rd, "resource_directory_id")) or rd_id
        management = to_str(dig(rd, "master_account_id"))
    except ApiError:
        pass  # the ids are a convenience; listing the members is what matters
    members = {m.id: m for m in map(_member, raw) if m.id}
    return Directory(
        resource_directory_id=rd_id,
        management_account_id=management,
        caller_account_id=to_str(dig(caller, "account_id")),
        caller_arn=to_str(dig(caller, "arn")),
        members=tuple(sorted(members.values(), key=lambda m: m.id)),
        api_calls=dict(sorted(api.counts.items())),
    )
