"""Fault injection, write refusal and unknown actions, seen through the real SDK."""

from __future__ import annotations

import time

import pytest
from alibabacloud_ram20150501 import models as m
from alibabacloud_tea_openapi.exceptions import (
    AlibabaCloudException,
    ClientException,
    ServerException,
    ThrottlingException,
)
from emulator_support import NOW, make_world, ram, sts

from auditor.emulator import Emulator, Faults
from auditor.emulator.faults import QuotaWindow


def _outcomes(faults: Faults, calls: int = 30) -> list[str]:
    with Emulator(make_world(), faults=faults, now=NOW) as emu:
        client = ram(emu)
        result = []
        for _ in range(calls):
            try:
                client.get_account_alias()
                result.append("ok")
            except AlibabaCloudException as error:
                result.append(f"{error.code}/{error.status_code}")
        assert emu.call_counts["GetAccountAlias"] == calls
    return result


def test_throttling_is_a_client_exception_with_code() -> None:
    outcomes = _outcomes(Faults(throttle_rate=1.0), calls=2)
    assert outcomes == ["Throttling.User/400", "Throttling.User/400"]


def test_throttling_with_retry_after_header() -> None:
    with Emulator(make_world(), faults=Faults(throttle_rate=1.0, retry_after_ms=250),
                  now=NOW) as emu, pytest.raises(ThrottlingException) as info:
        ram(emu).get_account_alias()
    assert info.value.code == "Throttling.User" and info.value.retry_after == 250


def test_server_errors() -> None:
    outcomes = set(_outcomes(Faults(server_error_rate=1.0, seed=3), calls=12))
    assert outcomes == {"ServiceUnavailable/503", "InternalError/500"}
    with Emulator(make_world(), faults=Faults(server_error_rate=1.0), now=NOW) as emu, \
            pytest.raises(ServerException):
        ram(emu).get_account_alias()


def test_random_faults_spare_sts() -> None:
    faults = Faults(throttle_rate=1.0, server_error_rate=1.0)
    with Emulator(make_world(), faults=faults, now=NOW) as emu:
        assert sts(emu).get_caller_identity().body.identity_type == "Account"


def test_deny_answers_no_permission_with_detail() -> None:
    with Emulator(make_world(), faults=Faults(deny=frozenset({"ListUsers"})), now=NOW) as emu:
        client = ram(emu)
        with pytest.raises(ClientException) as info:
            client.list_users(m.ListUsersRequest())
        assert client.get_account_alias().body.account_alias == "acme"
    error = info.value
    assert (error.code, error.status_code) == ("NoPermission", 403)
    assert error.access_denied_detail["AuthAction"] == "ram:ListUsers"
    assert error.access_denied_detail["NoPermissionType"] == "ImplicitDeny"


def test_qps_limit_per_action() -> None:
    with Emulator(make_world(), faults=Faults(qps_limit={"GetAccountAlias": 2}), now=NOW) as emu:
        client = ram(emu)
        codes = []
        for _ in range(6):
            try:
                client.get_account_alias()
                codes.append("ok")
            except ClientException as error:
                codes.append(f"{error.code}/{error.status_code}")
        assert codes[:2] == ["ok", "ok"]
        assert codes.count("Throttling.Api/400") >= 3
        assert client.get_password_policy().body.password_policy is not None  # other actions
        time.sleep(1.05)  # the one-second window has passed
        assert client.get_account_alias().body.account_alias == "acme"


def test_quota_window_admits_no_burst_beyond_the_rate() -> None:
    """<n>/1(s): n calls in any one-second window, whatever happened before (a token
    bucket would also admit a refill on top of its initial burst)."""
    now = [0.0]
    window = QuotaWindow(100, clock=lambda: now[0])
    admitted = []
    for i in range(400):  # offered at 200/s for 2 s
        now[0] = i * 0.005
        if window.take():
            admitted.append(now[0])
    assert len(admitted) == 200
    for start in admitted:  # no one-second window holds more than 100
        assert sum(1 for t in admitted if start <= t < start + 1.0) <= 100
    now[0] = admitted[-1] + 0.25
    assert not window.take()  # still 100 in the last second
    slow = QuotaWindow(0.5, clock=lambda: now[0])
    assert slow.take() and not slow.take()
    now[0] += 2.0
    assert slow.take()


def test_faults_are_deterministic_by_seed() -> None:
    first = _outcomes(Faults(throttle_rate=0.5, seed=7))
    assert first == _outcomes(Faults(throttle_rate=0.5, seed=7))
    assert "ok" in first and "Throttling.User/400" in first
    assert first != _outcomes(Faults(throttle_rate=0.5, seed=8))


def test_latency_delays_answers() -> None:
    with Emulator(make_world(), faults=Faults(latency_ms=150), now=NOW) as emu:
        start = time.monotonic()
        ram(emu).get_account_alias()
        assert time.monotonic() - start >= 0.15


def test_writes_are_refused_and_recorded(emu: Emulator) -> None:
    client = ram(emu)
    with pytest.raises(ClientException) as info:
        client.create_user(m.CreateUserRequest(user_name="mallory"))
    assert (info.value.code, info.value.status_code) == ("Forbidden.ReadOnlyEmulator", 403)
    with pytest.raises(ClientException):
        client.attach_policy_to_user(m.AttachPolicyToUserRequest(
            policy_name="AdministratorAccess", policy_type="System", user_name="bob"))
    assert emu.write_attempts == ["CreateUser", "AttachPolicyToUser"]
    assert emu.call_counts == {"CreateUser": 1, "AttachPolicyToUser": 1}
    emu.reset_counts()
    assert emu.write_attempts == [] and emu.call_counts == {}


def test_unknown_read_action(emu: Emulator) -> None:
    with pytest.raises(ClientException) as info:
        ram(emu).list_tag_resources(m.ListTagResourcesRequest(resource_type="role"))
    assert (info.value.code, info.value.status_code) == ("InvalidAction.NotFound", 404)
    assert emu.write_attempts == []


def test_call_counts_are_exact_under_concurrency(emu: Emulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = ram(emu)
    with ThreadPoolExecutor(max_workers=8) as pool:
        aliases = list(pool.map(lambda _: client.get_account_alias().body.account_alias,
                                range(40)))
    assert aliases == ["acme"] * 40
    assert emu.call_counts == {"GetAccountAlias": 40}
