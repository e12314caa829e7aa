"""Authentication through the real SDK: bad secrets, unknown and disabled keys, STS sessions."""

from __future__ import annotations

import pytest
from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_credentials.models import Config as CredConfig
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from emulator_support import ACCOUNT, ALICE_KEY, DISABLED_KEY, ROOT_KEY, ram, sts

from auditor.emulator import Emulator

ROLE_ARN = f"acs:ram::{ACCOUNT}:role/auditor"


def _error(call) -> ClientException:
    with pytest.raises(ClientException) as info:
        call()
    return info.value


def test_wrong_secret_is_rejected(emu: Emulator) -> None:
    error = _error(lambda: ram(emu, (ROOT_KEY[0], "not-the-secret")).get_account_alias())
    assert (error.code, error.status_code) == ("SignatureDoesNotMatch", 400)


def test_unknown_access_key(emu: Emulator) -> None:
    error = _error(lambda: ram(emu, ("LTAIunknown", "x")).get_account_alias())
    assert (error.code, error.status_code) == ("InvalidAccessKeyId.NotFound", 404)


def test_disabled_access_key(emu: Emulator) -> None:
    error = _error(lambda: ram(emu, DISABLED_KEY).get_account_alias())
    assert (error.code, error.status_code) == ("Forbidden.AccessKeyDisabled", 403)


def test_error_body_and_headers(emu: Emulator) -> None:
    error = _error(lambda: ram(emu, ("LTAIunknown", "x")).get_account_alias())
    assert set(error.data) >= {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert error.data["HostId"] == "ram.aliyuncs.com"


def test_caller_identity_of_root_and_ram_user(emu: Emulator) -> None:
    root = sts(emu).get_caller_identity().body
    assert (root.identity_type, root.arn) == ("Account", f"acs:ram::{ACCOUNT}:root")
    user = sts(emu, ALICE_KEY).get_caller_identity().body
    assert user.identity_type == "RAMUser"
    assert user.arn == f"acs:ram::{ACCOUNT}:user/alice"
    assert user.user_id == user.principal_id and user.user_id


def _assume(emu: Emulator, **kwargs) -> sts_models.AssumeRoleResponseBody:
    request = sts_models.AssumeRoleRequest(role_arn=ROLE_ARN, role_session_name="audit",
                                           **kwargs)
    return sts(emu).assume_role(request).body


def test_assume_role_then_use_temporary_credentials(emu: Emulator) -> None:
    body = _assume(emu, external_id="ext-42", duration_seconds=900)
    creds = body.credentials
    assert creds.access_key_id.startswith("STS.") and creds.security_token
    assert body.assumed_role_user.arn == f"acs:ram::{ACCOUNT}:assumed-role/auditor/audit"
    temp = (creds.access_key_id, creds.access_key_secret)
    identity = sts(emu, temp, creds.security_token).get_caller_identity().body
    assert identity.identity_type == "AssumedRoleUser"
    assert identity.arn == f"acs:ram::{ACCOUNT}:assumed-role/auditor/audit"
    assert identity.principal_id == f"{identity.role_id}:audit"
    config = Config(access_key_id=temp[0], access_key_secret=temp[1],
                    security_token=creds.security_token, endpoint=emu.endpoint, protocol="http")
    listed = RamClient(config).list_users(ram_models.ListUsersRequest()).body
    assert [u.user_name for u in listed.users.user] == ["alice", "bob"]

    wrong = _error(lambda: sts(emu, temp, "CAISforged").get_caller_identity())
    assert wrong.code == "InvalidSecurityToken.MismatchWithAccessKey"
    emu.advance_clock(901)
    expired = _error(lambda: sts(emu, temp, creds.security_token).get_caller_identity())
    assert (expired.code, expired.status_code) == ("InvalidSecurityToken.Expired", 400)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({}, "NoPermission"),  # the trust policy requires sts:ExternalId
        ({"external_id": "wrong"}, "NoPermission"),
        ({"external_id": "ext-42", "duration_seconds": 7201}, "InvalidParameter.DurationSeconds"),
        ({"external_id": "ext-42", "duration_seconds": 899}, "InvalidParameter.DurationSeconds"),
    ],
)
def test_assume_role_refusals(emu: Emulator, kwargs: dict, code: str) -> None:
    assert _error(lambda: _assume(emu, **kwargs)).code == code


def test_assume_role_checks_role_and_principal(emu: Emulator) -> None:
    absent = sts_models.AssumeRoleRequest(role_arn=f"acs:ram::{ACCOUNT}:role/nope",
                                          role_session_name="audit")
    error = _error(lambda: sts(emu).assume_role(absent))
    assert (error.code, error.status_code) == ("EntityNotExist.Role", 404)
    service_only = sts_models.AssumeRoleRequest(role_arn=f"acs:ram::{ACCOUNT}:role/ecs-role",
                                                role_session_name="audit")
    assert _error(lambda: sts(emu).assume_role(service_only)).code == "NoPermission"


def test_credentials_library_assume_role_over_rpc_v1(emu: Emulator) -> None:
    provider = CredClient(CredConfig(
        type="ram_role_arn", access_key_id=ROOT_KEY[0], access_key_secret=ROOT_KEY[1],
        role_arn=ROLE_ARN, role_session_name="rpc-audit", external_id="ext-42",
        sts_endpoint=f"http://{emu.endpoint}"))
    config = Config(credential=provider, endpoint=emu.endpoint, protocol="http")
    identity = StsClient(config).get_caller_identity().body
    assert identity.arn == f"acs:ram::{ACCOUNT}:assumed-role/auditor/rpc-audit"
