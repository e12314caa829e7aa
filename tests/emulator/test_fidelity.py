"""Every action the emulator serves answers with exactly the shape the official SDK reads.

Each action is called through the SDK client (``<method>_with_options``) on the demo world
plus one user with every kind of credential.
The raw JSON body the SDK received is captured (``call_api``) and checked against the SDK's
response model: every key is one the model's ``from_map`` reads, every value has the type of
the model field, ``from_map`` → ``to_map`` gives the raw body back, and the keys the auditor
reads are present.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from darabonba.model import DaraModel
from darabonba.runtime import RuntimeOptions
from emulator_support import NOW, config

import auditor.emulator
from auditor.emulator import Emulator, ims_api, parse_world, ram_api, sts_api

DEMO = Path(auditor.emulator.__file__).parent / "worlds" / "demo.yaml"
#: The richest user: console password, virtual MFA, a used and an unused key, a group, a
#: direct grant of a multi-version custom policy and of a system policy.
RICH_USER = {
    "name": "fidelity.user", "display_name": "Fidelity User", "comments": "every field",
    "email": "fidelity@example.com", "created": "now-400d", "last_login": "now-2d",
    "login_profile": {"created": "now-300d", "mfa_bind_required": True},
    "mfa_device": {"type": "VMFA", "activated": "now-200d"},
    "access_keys": [{"id": "LTAI5tFidelity01", "created": "now-100d", "last_used": "now-1d"},
                    {"id": "LTAI5tFidelity02", "created": "now-10d", "status": "Inactive"}],
    "groups": ["platform"],
    "policies": [{"name": "CiDeployPipeline"}, {"name": "AdministratorAccess", "type": "System"}],
}
_DATA = yaml.safe_load(DEMO.read_text())
WORLD = parse_world({**_DATA, "users": [*_DATA["users"], RICH_USER]}, "fidelity")
ACCOUNT = WORLD.account.id
USER = WORLD.users[-1]
USED_KEY, UNUSED_KEY = USER.access_keys
UPN = f"{USER.name}@{WORLD.account.alias}.onaliyun.com"
GROUP = next(g for g in WORLD.groups if g.name == "platform")
CUSTOM = next(p for p in WORLD.policies if p.name == "CiDeployPipeline")
ROLE = next(r for r in WORLD.roles
            if r.policies and f"acs:ram::{ACCOUNT}:root" in str(r.trust_policy))
ROOT_KEY = (WORLD.root.access_keys[0].id, WORLD.root.access_keys[0].secret_value())
USER_KEY = (USED_KEY.id, USED_KEY.secret_value())

#: Documented departures from the model annotation: (service, action, key) -> why.
TYPE_EXCEPTIONS = {
    ("ims", "GetCredentialReport", "IsTruncated"):
        "modelled as str, but Alibaba's documented example answers a JSON boolean",
}


@dataclass(frozen=True)
class Case:
    """One SDK call and the body attributes the auditor reads from its answer."""

    service: str
    action: str
    request: dict[str, Any] | None = None
    needs: tuple[str, ...] = ()
    caller: str = "root"  # root | user | role
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.service}:{self.action}{'-' + self.label if self.label else ''}"


def _ram(action: str, request: dict[str, Any] | None = None, *needs: str, **kw: Any) -> Case:
    return Case("ram", action, request, needs, **kw)


def _ims(action: str, request: dict[str, Any] | None = None, *needs: str, **kw: Any) -> Case:
    return Case("ims", action, request, needs, **kw)


def _sts(action: str, request: dict[str, Any] | None = None, *needs: str, **kw: Any) -> Case:
    return Case("sts", action, request, needs, **kw)


_USER_FIELDS = ("user_name", "user_id", "display_name", "create_date")
_POLICY = {"policy_name": CUSTOM.name, "policy_type": "Custom"}
_SYSTEM = {"policy_name": "AdministratorAccess", "policy_type": "System"}
_PAGE = {"max_items": 2}  # small pages: IsTruncated true and a Marker

CASES: list[Case] = [
    # -- RAM -------------------------------------------------------------------------------
    _ram("ListUsers", {}, *(f"users.user[].{f}" for f in _USER_FIELDS), "is_truncated"),
    _ram("ListUsers", _PAGE, "users.user[].user_name", "is_truncated", "marker", label="page"),
    _ram("GetUser", {"user_name": USER.name},
         *(f"user.{f}" for f in _USER_FIELDS), "user.last_login_date"),
    _ram("ListGroups", {}, "groups.group[].group_id", "groups.group[].group_name",
         "groups.group[].comments", "groups.group[].create_date", "is_truncated"),
    _ram("ListGroups", _PAGE, "is_truncated", "marker", label="page"),
    _ram("GetGroup", {"group_name": GROUP.name}, "group.group_name", "group.group_id"),
    _ram("ListGroupsForUser", {"user_name": USER.name}, "groups.group[].group_name",
         "groups.group[].join_date"),
    _ram("ListUsersForGroup", {"group_name": GROUP.name}, "users.user[].user_name",
         "is_truncated"),
    _ram("ListUsersForGroup", {"group_name": GROUP.name, "max_items": 1}, "marker",
         label="page"),
    _ram("ListPolicies", {}, "policies.policy[].policy_name", "policies.policy[].policy_type",
         "policies.policy[].attachment_count", "policies.policy[].default_version",
         "policies.policy[].description", "is_truncated"),
    _ram("ListPolicies", {"policy_type": "Custom", **_PAGE}, "marker", label="page"),
    _ram("GetPolicy", _POLICY, "policy.policy_name", "default_policy_version.policy_document"),
    _ram("GetPolicy", _SYSTEM, "default_policy_version.policy_document", label="system"),
    _ram("GetPolicyVersion", {**_POLICY, "version_id": "v1"}, "policy_version.policy_document",
         "policy_version.is_default_version"),
    _ram("ListPolicyVersions", _POLICY, "policy_versions.policy_version[].version_id"),
    _ram("ListPoliciesForUser", {"user_name": USER.name}, "policies.policy[].policy_name"),
    _ram("ListPoliciesForGroup", {"group_name": GROUP.name}, "policies.policy[].policy_name"),
    _ram("ListPoliciesForRole", {"role_name": ROLE.name}, "policies.policy[].policy_name"),
    _ram("ListEntitiesForPolicy", _SYSTEM, "users.user[].user_name", "groups.group[].group_name",
         "roles.role[].role_name"),
    _ram("ListRoles", {}, "roles.role[].role_name", "roles.role[].role_id", "roles.role[].arn",
         "is_truncated"),
    _ram("ListRoles", _PAGE, "marker", label="page"),
    _ram("GetRole", {"role_name": ROLE.name}, "role.role_name", "role.role_id", "role.arn",
         "role.create_date", "role.max_session_duration", "role.assume_role_policy_document",
         "role.is_service_linked_role"),
    _ram("GetPasswordPolicy", None, "password_policy.minimum_password_length"),
    _ram("GetSecurityPreference", None,
         "security_preference.login_profile_preference.enable_save_mfaticket"),
    _ram("GetAccountAlias", None, "account_alias"),
    _ram("ListAccessKeys", {"user_name": USER.name}, "access_keys.access_key[].access_key_id",
         "access_keys.access_key[].status", "access_keys.access_key[].create_date"),
    _ram("ListAccessKeys", {}, "access_keys.access_key[].access_key_id", label="own"),
    _ram("GetAccessKeyLastUsed", {"user_name": USER.name, "user_access_key_id": USED_KEY.id},
         "access_key_last_used.last_used_date"),
    _ram("GetLoginProfile", {"user_name": USER.name}, "login_profile.mfabind_required"),
    _ram("GetUserMFAInfo", {"user_name": USER.name}, "mfadevice.serial_number"),
    _ram("ListVirtualMFADevices", None, "virtual_mfadevices.virtual_mfadevice[].serial_number",
         "virtual_mfadevices.virtual_mfadevice[].user.user_name"),
    # -- IMS -------------------------------------------------------------------------------
    _ims("ListUsers", {"max_items": 1000}, "users.user[].user_principal_name",
         "users.user[].user_id", "users.user[].display_name", "users.user[].create_date",
         "is_truncated"),
    _ims("ListUsers", _PAGE, "marker", label="page"),
    _ims("GetUser", {"user_principal_name": UPN}, "user.user_principal_name",
         "user.last_login_date"),
    _ims("GetUser", {"user_access_key_id": USED_KEY.id}, "user.user_name", label="by-key"),
    _ims("ListUserBasicInfos", _PAGE,
         "user_basic_infos.user_basic_info[].user_principal_name", "marker"),
    _ims("ListGroups", {}, "groups.group[].group_name", "is_truncated"),
    _ims("ListGroups", _PAGE, "marker", label="page"),
    _ims("GetGroup", {"group_name": GROUP.name}, "group.group_name"),
    _ims("ListGroupsForUser", {"user_principal_name": UPN}, "groups.group[].group_name"),
    _ims("ListUsersForGroup", {"group_name": GROUP.name}, "users.user[].user_principal_name"),
    _ims("ListUsersForGroup", {"group_name": GROUP.name, "max_items": 1}, "marker",
         label="page"),
    _ims("ListAccessKeys", {"user_principal_name": UPN}, "access_keys.access_key[].access_key_id",
         "access_keys.access_key[].status", "access_keys.access_key[].create_date"),
    _ims("GetAccessKeyLastUsed", {"user_principal_name": UPN, "user_access_key_id": USED_KEY.id},
         "access_key_last_used.last_used_date"),
    _ims("GetAccessKeyLastUsed", {"user_access_key_id": UNUSED_KEY.id}, "access_key_last_used",
         label="never"),
    _ims("GetLoginProfile", {"user_principal_name": UPN}, "login_profile.status",
         "login_profile.last_login_time"),
    _ims("GetUserMFAInfo", {"user_principal_name": UPN}, "is_mfaenable",
         "mfadevice.serial_number"),
    _ims("ListVirtualMFADevices", _PAGE,
         "virtual_mfadevices.virtual_mfadevice[].user.user_principal_name", "marker"),
    _ims("GetPasswordPolicy", None, *(f"password_policy.{f}" for f in (
        "minimum_password_length", "require_uppercase_characters", "require_lowercase_characters",
        "require_numbers", "require_symbols", "password_reuse_prevention", "max_password_age",
        "max_login_attemps", "hard_expire", "minimum_password_different_character",
        "password_not_contain_user_name"))),
    _ims("GetSecurityPreference", None, *(f"security_preference.{f}" for f in (
        "login_profile_preference.mfaoperation_for_login",
        "login_profile_preference.enable_save_mfaticket",
        "login_profile_preference.login_network_masks",
        "login_profile_preference.login_session_duration",
        "login_profile_preference.allow_user_to_change_password",
        "max_idle_days.max_idle_days_for_users", "max_idle_days.max_idle_days_for_access_keys",
        "access_key_preference.allow_user_to_manage_access_keys",
        "mfapreference.allow_user_to_manage_mfadevices"))),
    _ims("GetDefaultDomain", None, "default_domain_name"),
    _ims("GetUserSsoSettings", None, "user_sso_settings.sso_enabled",
         "user_sso_settings.authn_sign_algo"),
    _ims("ListSAMLProviders", {}, "samlproviders.samlprovider[].samlprovider_name",
         "samlproviders.samlprovider[].arn", "is_truncated"),
    _ims("GetSAMLProvider", {"samlprovider_name": WORLD.saml_providers[0].name},
         "samlprovider.encoded_samlmetadata_document"),
    _ims("ListOIDCProviders", {}, "oidcproviders.oidcprovider[].oidcprovider_name",
         "oidcproviders.oidcprovider[].arn", "is_truncated"),
    _ims("GetOIDCProvider", {"oidcprovider_name": WORLD.oidc_providers[0].name},
         "oidcprovider.issuer_url"),
    _ims("GenerateCredentialReport", None, "state"),
    _ims("GetCredentialReport", {}, "content", "generated_time", "is_truncated"),
    _ims("GetCredentialReport", {"max_items": "2"}, "next_token", label="page"),
    _ims("GetAccountMFAInfo", None, "is_mfaenable"),
    _ims("GetAccountSecurityPracticeReport", None,
         "account_security_practice_info.score",
         "account_security_practice_info.account_security_practice_user_info.bind_mfa",
         "account_security_practice_info.account_security_practice_user_info.root_with_access_key"),
    _ims("GetAccountSummary", None, "summary_map.users"),
    # -- STS -------------------------------------------------------------------------------
    _sts("GetCallerIdentity", None, "account_id", "arn", "identity_type", "principal_id",
         "user_id", label="root"),
    _sts("GetCallerIdentity", None, "account_id", "arn", "identity_type", "principal_id",
         "user_id", caller="user", label="user"),
    _sts("GetCallerIdentity", None, "account_id", "arn", "identity_type", "principal_id",
         "role_id", caller="role", label="role"),
    _sts("AssumeRole", {"role_arn": f"acs:ram::{ACCOUNT}:role/{ROLE.name}",
                        "role_session_name": "fidelity", "source_identity": "auditor"},
         "credentials.access_key_id", "credentials.access_key_secret",
         "credentials.security_token", "credentials.expiration", "assumed_role_user.arn",
         "assumed_role_user.assumed_role_id", "source_identity"),
]

_SDK: dict[str, tuple[type, Any]] = {
    "ram": (RamClient, ram_models), "ims": (ImsClient, ims_models), "sts": (StsClient, sts_models),
}
_SERVED = {"ram": ram_api.ACTIONS, "ims": ims_api.ACTIONS, "sts": sts_api.ACTIONS}


@functools.cache
def sdk_methods(client: type) -> dict[str, str]:
    """Action -> the client's ``*_with_options`` method that sends it (read from its source)."""
    methods = {}
    for name, function in inspect.getmembers(client, inspect.isfunction):
        if name.endswith("_with_options") and not name.endswith("_async"):
            found = re.search(r"action\s*=\s*'(\w+)'", inspect.getsource(function))
            if found:
                methods[found.group(1)] = name
    return methods


# -- the SDK model as a schema -------------------------------------------------------------
def _sample(annotation: Any) -> Any:
    """A value for a field of type ``annotation`` that ``to_map`` will visibly write."""
    if isinstance(annotation, type) and issubclass(annotation, DaraModel):
        return annotation()
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return [_sample(item)]
    return object()


def _without_none(hint: Any) -> Any:
    """``Optional[X]`` -> ``X``: Python 3.10's get_type_hints adds Optional for None defaults."""
    if typing.get_origin(hint) is typing.Union:
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _fields(model: type[DaraModel]) -> dict[str, Any]:
    return {name: _without_none(hint)
            for name, hint in typing.get_type_hints(model.__init__).items()
            if name != "return"}


@functools.cache
def wire_keys(model: type[DaraModel]) -> dict[str, tuple[str, Any]]:
    """JSON key -> (attribute, annotation), found by letting ``to_map`` write each field."""
    baseline = model().to_map()
    keys: dict[str, tuple[str, Any]] = {}
    for attribute, annotation in _fields(model).items():
        instance = model()
        setattr(instance, attribute, _sample(annotation))
        written = [k for k, v in instance.to_map().items()
                   if k not in baseline or v != baseline[k]]
        assert len(written) == 1, f"{model.__name__}.{attribute} writes {written}"
        keys[written[0]] = (attribute, annotation)
    return keys


def shape_problems(annotation: Any, value: Any, path: str) -> list[str]:
    """Where ``value`` departs from ``annotation``: unread keys, wrong types, wrong nesting."""
    if annotation is Any or value is None:
        return []
    if isinstance(annotation, type) and issubclass(annotation, DaraModel):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__} where {annotation.__name__} is an object"]
        keys = wire_keys(annotation)
        problems = []
        for key, item in value.items():
            if key not in keys:
                problems.append(f"{path}.{key}: not read by {annotation.__name__} "
                                f"(reads {sorted(keys)})")
            else:
                problems += shape_problems(keys[key][1], item, f"{path}.{key}")
        return problems
    origin = typing.get_origin(annotation)
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__} where a list is expected"]
        (item_type,) = typing.get_args(annotation)
        return [p for i, item in enumerate(value)
                for p in shape_problems(item_type, item, f"{path}[{i}]")]
    if origin is dict:
        return [] if isinstance(value, dict) else [f"{path}: {type(value).__name__} not a map"]
    if annotation is bool:
        ok = isinstance(value, bool)
    elif annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif annotation is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, annotation)
    return [] if ok else [f"{path}: {value!r} is {type(value).__name__}, "
                          f"modelled as {annotation.__name__}"]


_TIMESTAMP_KEY = re.compile(r"(Date|Time|Expiration|GmtCreate|GmtModified)$")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def timestamp_problems(value: Any, path: str = "$") -> list[str]:
    """Timestamp strings not in the APIs' ``YYYY-MM-DDThh:mm:ssZ`` form."""
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in timestamp_problems(v, f"{path}[{i}]")]
    if not isinstance(value, dict):
        return []
    problems = []
    for key, item in value.items():
        if isinstance(item, str) and _TIMESTAMP_KEY.search(key) and not _TIMESTAMP.match(item):
            problems.append(f"{path}.{key}: {item!r}")
        problems += timestamp_problems(item, f"{path}.{key}")
    return problems


def needed(body: Any, path: str) -> list[str]:
    """Missing values along ``a.b[].c`` (``[]``: every element of a non-empty list)."""
    head, _, rest = path.partition(".")
    many = head.endswith("[]")
    value = getattr(body, head.removesuffix("[]"))
    if value is None or (many and not value):
        return [path]
    if not rest:
        return []
    return [f"{head}.{m}" for item in (value if many else [value]) for m in needed(item, rest)]


# -- calling through the SDK ---------------------------------------------------------------
class _Recording:
    """Keeps the raw JSON body of the last response the SDK parsed."""

    raw: Any = None

    def call_api(self, params: Any, request: Any, runtime: RuntimeOptions) -> dict[str, Any]:
        result = super().call_api(params, request, runtime)  # type: ignore[misc]
        self.raw = copy.deepcopy(result["body"])
        return result


def _client(service: str, emu: Emulator, key: tuple[str, str], token: str | None) -> Any:
    base = _SDK[service][0]
    recording = type(f"Recording{base.__name__}", (_Recording, base), {})
    return recording(config(emu, key, token))


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(WORLD, now=NOW) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def role_session(emu: Emulator) -> tuple[tuple[str, str], str]:
    request = sts_models.AssumeRoleRequest(role_arn=f"acs:ram::{ACCOUNT}:role/{ROLE.name}",
                                           role_session_name="fidelity-caller")
    creds = _client("sts", emu, ROOT_KEY, None).assume_role(request).body.credentials
    return (creds.access_key_id, creds.access_key_secret), creds.security_token


def call(case: Case, emu: Emulator, session: Callable[[], tuple[tuple[str, str], str]]
         ) -> tuple[Any, Any]:
    """The SDK response body model and the raw JSON it was built from."""
    key, token = ROOT_KEY, None
    if case.caller == "user":
        key = USER_KEY
    elif case.caller == "role":
        key, token = session()
    client = _client(case.service, emu, key, token)
    models = _SDK[case.service][1]
    method = getattr(client, sdk_methods(_SDK[case.service][0])[case.action])
    args: list[Any] = [RuntimeOptions()]
    if case.request is not None:
        args.insert(0, getattr(models, f"{case.action}Request")(**case.request))
    if case.action == "GetCredentialReport":
        _client("ims", emu, ROOT_KEY, None).generate_credential_report()
    response = method(*args)
    return response.body, client.raw


# -- the tests -----------------------------------------------------------------------------
def test_every_served_action_has_a_case() -> None:
    for service, served in _SERVED.items():
        covered = {c.action for c in CASES if c.service == service}
        assert covered == set(served), f"{service}: {set(served) ^ covered}"


def test_schema_reader_catches_departures() -> None:
    """The checker itself: typos, missing wrappers and wrong types are all reported."""
    model = ram_models.ListUsersResponseBody
    good = {"IsTruncated": False, "Users": {"User": [{"UserName": "a", "CreateDate": "x"}]}}
    assert shape_problems(model, good, "$") == []
    assert shape_problems(model, {"Users": {"Users": []}}, "$") != []
    assert shape_problems(model, {"Users": [{"UserName": "a"}]}, "$") != []
    assert shape_problems(model, {"IsTruncated": "false"}, "$") != []
    assert shape_problems(model, {"Users": {"User": [{"UserNmae": "a"}]}}, "$") != []
    assert shape_problems(ram_models.GetRoleResponseBody,
                          {"Role": {"MaxSessionDuration": "3600"}}, "$") != []
    assert timestamp_problems({"Users": {"User": [{"CreateDate": "2026-01-01 08:00:00"}]}})
    assert needed(model().from_map(good), "users.user[].user_id") == ["users.user[].user_id"]
    assert needed(model().from_map({"Users": {"User": []}}), "users.user[].user_name") != []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_response_matches_sdk_model(case: Case, emu: Emulator, request: Any) -> None:
    body, raw = call(case, emu, lambda: request.getfixturevalue("role_session"))
    model = type(body)
    assert isinstance(raw, dict) and raw.get("RequestId")
    problems = [p for p in shape_problems(model, raw, "$")
                if (case.service, case.action, p.split(":")[0].removeprefix("$.")) not in
                TYPE_EXCEPTIONS]
    assert problems == []
    assert timestamp_problems(raw) == []
    assert body.to_map() == raw, "SDK from_map -> to_map does not give the raw body back"
    assert model().from_map(copy.deepcopy(raw)).to_map() == raw
    assert [m for path in case.needs for m in needed(body, path)] == []


def test_type_exceptions_are_still_needed(emu: Emulator) -> None:
    """The one documented departure is still what the emulator sends: a JSON boolean."""
    assert list(TYPE_EXCEPTIONS) == [("ims", "GetCredentialReport", "IsTruncated")]
    client = _client("ims", emu, ROOT_KEY, None)
    client.generate_credential_report()
    client.get_credential_report_with_options(ims_models.GetCredentialReportRequest(),
                                              RuntimeOptions())
    assert isinstance(client.raw["IsTruncated"], bool)
