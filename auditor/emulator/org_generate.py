"""Synthetic organisations of any size, for load tests and benchmarks.

``generate_org(members, users)`` builds a Resource Directory whose management account holds
the auditor's key (:data:`~auditor.emulator.generate.AUDITOR_KEY_ID`) and whose members
(and management account) each have the audit role ``ram-audit-reader`` trusting the
management account, plus ``ResourceDirectoryAccountAccessRole``. Every member is a
:func:`~auditor.emulator.generate.generate_world` account with its own AccessKey ids::

    python -m auditor.emulator.org_generate --members 200 --users 50 --output org/
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from auditor.emulator.generate import AUDITOR_KEY_ID, _Generator, write_world
from auditor.emulator.org import OrgSpec, parse_org
from auditor.emulator.world import World, parse_world

AUDIT_ROLE = "ram-audit-reader"
ADMIN_ROLE = "ResourceDirectoryAccountAccessRole"
MANAGEMENT_ID = "1700000000000001"
FIRST_MEMBER_ID = 1710000000000001
FOLDERS = ("prod", "staging", "dev", "shared")


def member_id(index: int) -> str:
    return str(FIRST_MEMBER_ID + index)


def audit_role(management_id: str, external_id: str | None = None) -> dict[str, Any]:
    """The member audit role: read-only RAM, trusting the management account."""
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Principal": {"RAM": [f"acs:ram::{management_id}:root"]}}
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"name": AUDIT_ROLE, "description": "ram-audit organisation audit role",
            "trust_policy": {"Version": "1", "Statement": [statement]},
            "policies": [{"name": "AliyunRAMReadOnlyAccess", "type": "System"}]}


def admin_role(management_id: str) -> dict[str, Any]:
    trust = {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"RAM": [f"acs:ram::{management_id}:root"]}}]}
    return {"name": ADMIN_ROLE, "description": "Resource Directory access role",
            "trust_policy": trust,
            "policies": [{"name": "AdministratorAccess", "type": "System"}]}


def member_world(
    account_id: str, alias: str, users: int, seed: int, management_id: str,
    external_id: str | None = None, *, keep_auditor_key: bool = False,
) -> World:
    """A generated account with the organisation roles and AccessKey ids of its own."""
    data = _Generator(users, seed, account_id, alias).world()
    for key in [*data["root"]["access_keys"],
                *(k for u in data["users"] for k in u.get("access_keys", ()))]:
        if not (keep_auditor_key and key["id"] == AUDITOR_KEY_ID):
            key["id"] = f"LTAI{account_id}{key['id'].removeprefix('LTAI5tGen')}"
            key.pop("secret", None)
    data["roles"] += [audit_role(management_id, external_id), admin_role(management_id)]
    return parse_world(data, f"<generated member {account_id}>")


def generate_org(
    members: int,
    users: int = 50,
    *,
    seed: int = 0,
    external_id: str | None = None,
    management_users: int = 5,
) -> OrgSpec:
    """An organisation of ``members`` members (besides the management account)."""
    folders = [{"id": f"fd-{name}", "name": name} for name in FOLDERS]
    management = {
        "world": member_world(MANAGEMENT_ID, "org-management", management_users, seed,
                              MANAGEMENT_ID, external_id, keep_auditor_key=True),
        "display_name": "management", "type": "CloudAccount", "tags": {"env": "shared"},
    }
    entries = []
    for n in range(members):
        account = member_id(n)
        folder = FOLDERS[n % len(FOLDERS)]
        entries.append({
            "world": member_world(account, f"member-{n:04d}", users, seed + n + 1,
                                  MANAGEMENT_ID, external_id),
            "display_name": f"member-{n:04d}", "folder": f"fd-{folder}",
            "tags": {"env": folder},
        })
    data = {"resource_directory": {"id": "rd-generated"}, "management": management,
            "folders": folders, "members": entries}
    return parse_org(data, f"<generated organisation: {members} members>")


def write_org(spec: OrgSpec, directory: str | Path) -> Path:
    """Save ``spec`` as ``org.yaml`` plus one JSON world file per account; returns org.yaml."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    def entry(member: Any) -> dict[str, Any]:
        name = f"world-{member.id}.json"
        write_world(member.world, directory / name)
        data: dict[str, Any] = member.model_dump(mode="json", exclude={"world"},
                                                 exclude_defaults=True)
        return {"world": name, **data}

    data = {
        "resource_directory": spec.resource_directory.model_dump(mode="json"),
        "management": entry(spec.management),
        "folders": [f.model_dump(mode="json", exclude_none=True) for f in spec.folders],
        "members": [entry(m) for m in spec.members],
    }
    path = directory / "org.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m auditor.emulator.org_generate --members N --users U --output DIR``."""
    parser = argparse.ArgumentParser(prog="python -m auditor.emulator.org_generate",
                                     description="Write a synthetic organisation directory.")
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--users", type=int, default=50, help="RAM users per member")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--external-id", default=None)
    parser.add_argument("--output", type=Path, required=True, help="directory to write")
    args = parser.parse_args(argv)
    if args.members < 0 or args.users < 1:
        parser.error("--members must be >= 0 and --users >= 1")
    path = write_org(generate_org(args.members, args.users, seed=args.seed,
                                  external_id=args.external_id), args.output)
    print(f"wrote {path} (sign as {AUDITOR_KEY_ID})", file=sys.stderr)


if __name__ == "__main__":
    main()
