"""Synthetic worlds of any size, for load tests and benchmarks.

``generate_world(users)`` builds a plausible account of ``users`` RAM users (one in 40
frozen) with groups, custom policies and roles in proportion, deterministic by ``seed``.
Every world contains the API user ``ram-auditor`` whose key (:data:`AUDITOR_KEY_ID` /
:data:`AUDITOR_KEY_SECRET`) can sign requests to an emulator serving it. ``write_world``
saves a world so that :func:`~auditor.emulator.world.load_world` reads it back identically::

    python -m auditor.emulator.generate --users 10000 --seed 1 --output big-world.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from auditor.emulator.world import World, parse_world

AUDITOR_USER = "ram-auditor"
AUDITOR_KEY_ID = "LTAI5tGenAuditor00000001"
AUDITOR_KEY_SECRET = "GeneratedAuditorSecretNotReal1"
DEFAULT_ACCOUNT_ID = "1888000000000001"
DEFAULT_ALIAS = "synthetic-corp"
AUDITOR_GROUP = "security-auditors"
SAML_PROVIDER = "corp-idp"

_FIRST_NAMES = (
    "li", "wei", "min", "fang", "jie", "lei", "yang", "xiu", "hao", "lin", "sarah", "tom",
    "alex", "nina", "james", "emma", "ravi", "priya", "marco", "sofia", "kevin", "mei",
    "oliver", "fatima", "anna", "robert", "grace", "maria", "ahmed", "yuki", "peter", "lucas",
    "ines", "omar", "julia", "daniel", "hiro", "sandra", "chen", "zhao",
)
_LAST_NAMES = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "becker",
    "kim", "petrova", "oconnor", "wilson", "sharma", "nair", "rossi", "garcia", "schmidt",
    "haddad", "kowalski", "taylor", "lee", "santos", "hassan", "sato", "novak", "martin",
    "moreau", "farouk", "svensson", "okafor", "tanaka", "meyer",
)
_SERVICE_USERS = (
    "ci-deploy", "terraform", "backup-agent", "log-shipper", "monitoring-exporter",
    "data-etl", "dns-updater", "cdn-purger", "report-builder", "ack-autoscaler",
)
_DEPARTMENTS = (
    "platform", "developers", "data", "finance", "support", "marketing", "sales", "mobile",
    "qa", "analytics", "logistics", "hr", "procurement", "legal",
)
_GROUP_SYSTEM_POLICIES = (
    "ReadOnlyAccess", "AliyunECSReadOnlyAccess", "AliyunOSSReadOnlyAccess",
    "AliyunECSFullAccess", "AliyunOSSFullAccess", "AliyunVPCFullAccess", "AliyunRDSFullAccess",
    "AliyunLogFullAccess", "AliyunCSFullAccess", "AliyunBSSFullAccess",
)


def _days(age: int) -> str:
    return f"now-{age}d"


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def _trust(principal: dict[str, Any], condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Principal": principal}
    if condition:
        statement["Condition"] = condition
    return _document(statement)


def _scoped_bucket(i: int) -> dict[str, Any]:
    bucket = f"acs:oss:*:*:bucket-{i}"
    return _document({"Effect": "Allow", "Action": ["oss:GetObject", "oss:PutObject"],
                      "Resource": [bucket, f"{bucket}/*"]})


def _office_only(i: int) -> dict[str, Any]:
    return _document({"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
                      "Condition": {"IpAddress": {"acs:SourceIp": [f"203.0.113.{i % 256}/32"]}}})


def _read_only(_: int) -> dict[str, Any]:
    return _document({"Effect": "Allow", "Action": ["ecs:Describe*", "rds:Describe*", "log:Get*"],
                      "Resource": "*"})


def _full_admin(_: int) -> dict[str, Any]:
    return _document({"Effect": "Allow", "Action": "*:*", "Resource": "*"})


def _not_action(_: int) -> dict[str, Any]:
    return _document({"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"})


def _escalation(_: int) -> dict[str, Any]:
    return _document({"Effect": "Allow", "Resource": "*",
                      "Action": ["ram:AttachPolicyToUser", "ram:CreateAccessKey", "ram:List*"]})


def _unconditioned_write(_: int) -> dict[str, Any]:
    return _document({"Effect": "Allow", "Resource": "*",
                      "Action": ["ecs:StartInstance", "ecs:StopInstance", "cs:*"]})


#: (name stem, description, document builder) of the custom-policy templates, used in turn.
_POLICY_TEMPLATES: tuple[tuple[str, str, Callable[[int], dict[str, Any]]], ...] = (
    ("BucketReadWrite", "Read and write one bucket", _scoped_bucket),
    ("EcsFromOffice", "ECS from the office network only", _office_only),
    ("DiagnosticsReadOnly", "Read-only diagnostics", _read_only),
    ("BreakGlassAdmin", "Emergency full access", _full_admin),
    ("PowerUserNoRam", "Everything except RAM", _not_action),
    ("HelpdeskUserAdmin", "Helpdesk user administration", _escalation),
    ("EcsOperator", "Start and stop instances", _unconditioned_write),
)


#: One user in this many is frozen (IMS status ``freeze``).
_FROZEN_EVERY = 40


class _Generator:
    """Builds the world's sections from one seeded random source."""

    def __init__(self, users: int, seed: int, account_id: str, alias: str) -> None:
        self.rng = random.Random(seed)
        self.user_count = users
        self.account_id = account_id
        self.alias = alias
        self.key_serial = 0

    def world(self) -> dict[str, Any]:
        groups = self.groups(self.user_count // 50 + 3)
        policies = self.policies(self.user_count // 100 + 5)
        # The last custom policy stays unattached; group policies reference the others.
        attachable = [p["name"] for p in policies[:-1]]
        for group in groups[1:]:
            group["policies"] += [{"name": self.rng.choice(attachable)}]
        return {
            "account": {"id": self.account_id, "alias": self.alias},
            "root": self.root(),
            "password_policy": self.rng.choice(_PASSWORD_POLICIES),
            "security_preference": self.rng.choice(_SECURITY_PREFERENCES),
            "sso": {"enabled": self.rng.random() < 0.5,
                    "authn_sign_algo": self.rng.choice(("rsa-sha1", "rsa-sha256"))},
            "saml_providers": [{"name": SAML_PROVIDER, "description": "Corporate IdP"}],
            "groups": groups,
            "policies": policies,
            "roles": self.roles(self.user_count // 100 + 5, attachable),
            "users": self.users([g["name"] for g in groups], attachable),
        }

    def next_key_id(self) -> str:
        self.key_serial += 1
        return f"LTAI5tGen{self.key_serial:015d}"

    def root(self) -> dict[str, Any]:
        keys = []
        if self.rng.random() < 0.5:
            keys.append({"id": self.next_key_id(), "created": _days(self.rng.randint(100, 900))})
        return {"mfa_bound": self.rng.random() < 0.8,
                "last_console_login": _days(self.rng.randint(0, 200)),
                "access_keys": keys}

    def groups(self, count: int) -> list[dict[str, Any]]:
        auditors = {"name": AUDITOR_GROUP, "comments": "Security team and audit tooling",
                    "policies": [{"name": "ReadOnlyAccess", "type": "System"},
                                 {"name": "AliyunRAMReadOnlyAccess", "type": "System"}]}
        groups = [auditors]
        for i in range(count - 1):
            stem = _DEPARTMENTS[i % len(_DEPARTMENTS)]
            name = stem if i < len(_DEPARTMENTS) else f"{stem}-{i // len(_DEPARTMENTS) + 1}"
            system = self.rng.choice(_GROUP_SYSTEM_POLICIES)
            groups.append({"name": name, "created": _days(self.rng.randint(30, 1500)),
                           "policies": [{"name": system, "type": "System"}]})
        return groups

    def policies(self, count: int) -> list[dict[str, Any]]:
        policies = []
        for i in range(count):
            stem, description, build = _POLICY_TEMPLATES[i % len(_POLICY_TEMPLATES)]
            policies.append({"name": f"{stem}-{i + 1}", "description": description,
                             "created": _days(self.rng.randint(30, 1500)),
                             "document": build(i)})
        return policies

    def roles(self, count: int, attachable: Sequence[str]) -> list[dict[str, Any]]:
        own = f"acs:ram::{self.account_id}:root"
        foreign = "acs:ram::1999999999999999:root"
        saml = f"acs:ram::{self.account_id}:saml-provider/{SAML_PROVIDER}"
        kinds = (
            ("EcsInstanceRole", _trust({"Service": ["ecs.aliyuncs.com"]}), False),
            ("CrossAccountAudit", _trust({"RAM": [foreign]},
                                         {"StringEquals": {"sts:ExternalId": "audit"}}), False),
            ("VendorAccess", _trust({"RAM": [foreign]}), False),
            ("SsoEngineer", _trust({"Federated": [saml]}), False),
            ("AdminRole", _trust({"RAM": [own]}), False),
            ("AliyunServiceRoleForMonitoring", _trust({"Service": ["cms.aliyuncs.com"]}), True),
        )
        roles = []
        for i in range(count):
            stem, trust_policy, service_linked = kinds[i % len(kinds)]
            if stem == "AdminRole":
                policies = [{"name": "AdministratorAccess", "type": "System"}]
            elif service_linked:
                policies = [{"name": "AliyunECSReadOnlyAccess", "type": "System"}]
            else:
                policies = [{"name": self.rng.choice(attachable)}]
            roles.append({
                "name": f"{stem}{i + 1}", "created": _days(self.rng.randint(30, 1200)),
                "service_linked": service_linked, "trust_policy": trust_policy,
                "max_session_duration": 3600 if service_linked
                else self.rng.choice((3600, 3600, 3600, 7200, 43200)),
                "policies": policies,
            })
        return roles

    def users(self, groups: Sequence[str], attachable: Sequence[str]) -> list[dict[str, Any]]:
        auditor = {"name": AUDITOR_USER, "comments": "ram-audit scheduled job",
                   "created": _days(200), "groups": [AUDITOR_GROUP],
                   "access_keys": [{"id": AUDITOR_KEY_ID, "secret": AUDITOR_KEY_SECRET,
                                    "created": _days(30), "last_used": _days(1)}]}
        users = [auditor]
        taken = {AUDITOR_USER}
        for i in range(self.user_count - 1):
            service = self.rng.random() < 0.1
            if service:
                name = f"{self.rng.choice(_SERVICE_USERS)}-{i}"
            else:
                name = f"{self.rng.choice(_FIRST_NAMES)}.{self.rng.choice(_LAST_NAMES)}"
                if name in taken:
                    name = f"{name}{i}"
            taken.add(name)
            user = self.user(name, service, groups, attachable)
            if i % _FROZEN_EVERY == _FROZEN_EVERY - 1:  # not drawn: the rest stays the same
                user["status"] = "freeze"
            users.append(user)
        return users

    def user(self, name: str, service: bool, groups: Sequence[str],
             attachable: Sequence[str]) -> dict[str, Any]:
        rng = self.rng
        age = rng.randint(1, 1500)
        user: dict[str, Any] = {"name": name, "created": _days(age)}
        if not service and rng.random() < 0.667:  # ~60 % of all users
            user["login_profile"] = {"status": "Active" if rng.random() < 0.97 else "Inactive"}
            if rng.random() < 0.9:
                user["last_login"] = _days(rng.randint(0, min(age, 400)))
            if rng.random() < 0.7:
                user["mfa_device"] = {}
        if service or rng.random() < 0.44:  # ~50 % of all users
            user["access_keys"] = [self.key(age) for _ in range(2 if rng.random() < 0.15 else 1)]
        if rng.random() < 0.9:
            user["groups"] = rng.sample(groups[1:], k=min(len(groups) - 1, rng.randint(1, 2)))
        if rng.random() < 0.05:
            direct = rng.choice((*_GROUP_SYSTEM_POLICIES, "AdministratorAccess"))
            user["policies"] = [{"name": direct, "type": "System"}, {"name": attachable[0]}]
        return user

    def key(self, user_age: int) -> dict[str, Any]:
        rng = self.rng
        created = rng.randint(0, min(user_age, 800))
        key: dict[str, Any] = {"id": self.next_key_id(), "created": _days(created)}
        if rng.random() < 0.05:
            key["status"] = "Inactive"
        if rng.random() < 0.85:
            key["last_used"] = _days(rng.randint(0, created))
        return key


_PASSWORD_POLICIES: tuple[dict[str, Any], ...] = (
    {},  # Alibaba Cloud's out-of-the-box policy
    {"minimum_password_length": 14, "require_uppercase_characters": True,
     "require_lowercase_characters": True, "require_numbers": True, "require_symbols": True,
     "password_reuse_prevention": 5, "max_password_age": 90, "hard_expire": True,
     "minimum_password_different_character": 4, "password_not_contain_user_name": True},
    {"minimum_password_length": 10, "require_lowercase_characters": True,
     "require_numbers": True, "max_password_age": 365},
)
_SECURITY_PREFERENCES: tuple[dict[str, Any], ...] = (
    {},
    {"mfa_operation_for_login": "mandatory", "enable_save_mfa_ticket": False,
     "login_network_masks": "203.0.113.0/24", "max_idle_days_for_users": 90,
     "max_idle_days_for_access_keys": 90},
    {"mfa_operation_for_login": "adaptive", "login_session_duration": 12,
     "allow_user_to_manage_access_keys": True},
)


def generate_world(
    users: int,
    *,
    seed: int = 0,
    account_id: str = DEFAULT_ACCOUNT_ID,
    alias: str = DEFAULT_ALIAS,
) -> World:
    """A synthetic account of ``users`` RAM users (``ram-auditor`` included), same per seed."""
    if users < 1:
        raise ValueError("a generated world needs at least one user (ram-auditor)")
    data = _Generator(users, seed, account_id, alias).world()
    return parse_world(data, f"<generated world: {users} users, seed {seed}>")


def write_world(world: World, path: str | Path) -> None:
    """Save ``world`` as JSON (``.json``) or YAML (anything else), defaults omitted."""
    path = Path(path)
    data = world.model_dump(mode="json", exclude_defaults=True)
    if path.suffix.lower() == ".json":
        text = json.dumps(data, separators=(",", ":"))
    else:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m auditor.emulator.generate --users N --seed S --output FILE``."""
    parser = argparse.ArgumentParser(
        prog="python -m auditor.emulator.generate",
        description="Write a synthetic world file (JSON for .json, otherwise YAML).",
    )
    parser.add_argument("--users", type=int, required=True, help="number of RAM users")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--output", type=Path, required=True, help="world file to write")
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID, help="16-digit account id")
    parser.add_argument("--alias", default=DEFAULT_ALIAS, help="account alias")
    args = parser.parse_args(argv)
    if args.users < 1:
        parser.error("--users must be at least 1")
    world = generate_world(args.users, seed=args.seed, account_id=args.account_id,
                           alias=args.alias)
    write_world(world, args.output)
    print(f"wrote {len(world.users)} users to {args.output} "
          f"(sign as {AUDITOR_KEY_ID})", file=sys.stderr)


if __name__ == "__main__":
    main()
