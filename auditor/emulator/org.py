"""Organisation files: a whole Resource Directory for the emulator (``emulator --org``).

An organisation file (YAML or JSON, see ``docs/organizations.md``) names the management
account's world, the folders, and each member with its world, status, folder and tags::

    resource_directory: {id: rd-demo01}
    management: {world: management.yaml, display_name: management}
    folders:
      - {id: fd-prod, name: prod}
      - {id: fd-prod-eu, name: prod-eu, parent: fd-prod}
    members:
      - {world: prod.yaml, display_name: prod, folder: fd-prod, tags: {env: prod}}
      - {world: {account: {...}, ...}, status: PendingDelete}

``world`` is a path (relative to the organisation file) or an inline world mapping.
``throttle_always: true`` answers every call made as the member, and every AssumeRole into
it, with ``Throttling.User`` (a member throttled beyond any retry).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from auditor._yaml import DataFileError, load_data_file
from auditor.emulator.world import World, WorldError, load_world, parse_world

#: Member statuses of ListAccounts (ResourceManager 2020-03-31).
AccountStatus = Literal[
    "CreateSuccess", "InviteSuccess", "PromoteVerifying", "PromoteSuccess", "PromoteCancelled",
    "PromoteExpired", "PromoteFailed", "Removing", "Deleting", "CreateFailed",
    "CreateVerifying", "CreateExpired", "PendingDelete",
]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FolderSpec(_Strict):
    id: str = Field(pattern=r"^fd-[A-Za-z0-9]{1,32}$")
    name: str = Field(min_length=1, max_length=24)
    parent: str | None = Field(None, description="parent folder id; none = the root folder")


class MemberSpec(_Strict):
    """One account of the directory; ``world`` is resolved to a :class:`World` on load."""

    world: World
    display_name: str = ""
    status: AccountStatus = "CreateSuccess"
    type: Literal["CloudAccount", "ResourceAccount"] = "ResourceAccount"
    join_method: Literal["created", "invited"] = "created"
    folder: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    join_time: str = "2025-01-15T08:00:00Z"
    throttle_always: bool = False

    @property
    def id(self) -> str:
        return self.world.account.id

    @property
    def name(self) -> str:
        return self.display_name or self.world.account.alias


class DirectorySpec(_Strict):
    id: str = Field("rd-emulated", pattern=r"^rd-[A-Za-z0-9]{1,32}$")


class OrgSpec(_Strict):
    """A Resource Directory: its management account, folders and members."""

    resource_directory: DirectorySpec = DirectorySpec()
    management: MemberSpec
    folders: list[FolderSpec] = Field(default_factory=list)
    members: list[MemberSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> OrgSpec:
        ids = [m.id for m in self.accounts]
        if len(set(ids)) != len(ids):
            duplicate = next(i for i in ids if ids.count(i) > 1)
            raise ValueError(f"account {duplicate} appears twice")
        keys = [k.id for m in self.accounts
                for k in [*m.world.root.access_keys,
                          *(k for u in m.world.users for k in u.access_keys)]]
        if len(set(keys)) != len(keys):  # requests are routed by the key that signs them
            duplicate = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"AccessKey {duplicate} is in two accounts")
        folders = {f.id for f in self.folders}
        if len(folders) != len(self.folders):
            raise ValueError("duplicate folder ids")
        for folder in self.folders:
            if folder.parent is not None and folder.parent not in folders:
                raise ValueError(f"folders[{folder.id}].parent: unknown folder {folder.parent!r}")
        for member in self.accounts:
            if member.folder is not None and member.folder not in folders:
                raise ValueError(f"members[{member.id}].folder: unknown folder {member.folder!r}")
        return self

    @property
    def accounts(self) -> list[MemberSpec]:
        """The management account first, then the members (ListAccounts lists them all)."""
        return [self.management, *self.members]

    @property
    def root_folder_id(self) -> str:
        return "r-" + self.resource_directory.id.removeprefix("rd-")[:6]


class OrgError(ValueError):
    """An organisation file could not be read or is invalid; the message names the file."""


def _read(path: Path) -> Any:
    try:
        return load_data_file(path)
    except DataFileError as exc:
        raise OrgError(f"{path}: {exc}") from None


def _world(value: Any, base: Path, where: str) -> World:
    if isinstance(value, World):
        return value
    try:
        if isinstance(value, str):
            return load_world(base / value)
        if isinstance(value, dict):
            return parse_world(value, where)
    except WorldError as exc:
        raise OrgError(f"{where}: {exc}") from None
    raise OrgError(f"{where}: 'world' must be a file name or a world mapping")


def parse_org(data: Any, source: str = "<organisation>", base: Path | None = None) -> OrgSpec:
    """Validate parsed data, loading member worlds given by path relative to ``base``."""
    if not isinstance(data, dict) or "management" not in data:
        raise OrgError(f"{source}: an organisation file is a mapping with 'management'")
    base = base or Path.cwd()
    resolved = dict(data)
    entries = [("management", data["management"])]
    entries += [(f"members[{n}]", m) for n, m in enumerate(data.get("members") or [])]
    members: list[Any] = []
    for where, entry in entries:
        if not isinstance(entry, dict) or "world" not in entry:
            raise OrgError(f"{source}: {where}: needs a 'world'")
        member = {**entry, "world": _world(entry["world"], base, f"{source}: {where}.world")}
        if where == "management":
            resolved["management"] = member
        else:
            members.append(member)
    resolved["members"] = members
    try:
        return OrgSpec.model_validate(resolved)
    except ValidationError as exc:
        first = exc.errors()[0]
        at = ".".join(str(p) for p in first["loc"])
        raise OrgError(f"{source}: {at}: {first['msg']}") from None


def load_org(path: str | Path) -> OrgSpec:
    """Read and validate an organisation file and every member world it names."""
    path = Path(path)
    return parse_org(_read(path), str(path), path.parent)
