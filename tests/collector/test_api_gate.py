"""The single call gate: allow-list, classification, retry policy, token bucket."""

from __future__ import annotations

import time

import pytest
from alibabacloud_tea_openapi.exceptions import (
    ClientException,
    ServerException,
    ThrottlingException,
)

from auditor.collector import ActionNotAllowed, CollectionAborted, CollectorSettings
from auditor.collector.api import ApiCaller, sdk_method_name
from auditor.collector.credentials import static_credentials
from auditor.collector.errors import ApiError, is_auth_failure, is_retryable
from auditor.collector.settings import Endpoint, RetrySettings

SECRET = "s3cr3t-VALUE-never-shown"


def make_api(port: int, sleeps: list[float] | None = None, attempts: int = 4) -> ApiCaller:
    endpoint = Endpoint(f"127.0.0.1:{port}", "http")
    settings = CollectorSettings(
        endpoints={"ram": endpoint, "ims": endpoint, "sts": endpoint},
        retry=RetrySettings(max_attempts=attempts, initial_delay_s=0.5, max_delay_s=4.0),
        sleep=(sleeps.append if sleeps is not None else time.sleep),
        connect_timeout_ms=500,
    )
    return ApiCaller(settings, static_credentials("LTAIexample", SECRET))


@pytest.mark.parametrize(
    ("action", "method"),
    [
        ("GetAccountMFAInfo", "get_account_mfainfo"),
        ("ListSAMLProviders", "list_samlproviders"),
        ("ListOIDCProviders", "list_oidcproviders"),
        ("GetUserMFAInfo", "get_user_mfainfo"),
        ("ListEntitiesForPolicy", "list_entities_for_policy"),
    ],
)
def test_sdk_method_names(action: str, method: str) -> None:
    assert sdk_method_name(action) == method


@pytest.mark.parametrize("action", ["ram:CreateUser", "ram:DeleteUser", "ims:GetUser", "ram:x"])
def test_write_or_unlisted_action_raises_before_any_request(closed_port: int, action: str) -> None:
    api = make_api(closed_port)
    with pytest.raises(ActionNotAllowed, match=action):
        api.call(action)
    assert api.counts == {}


def test_unreachable_endpoint_aborts_after_bounded_retries(closed_port: int) -> None:
    sleeps: list[float] = []
    api = make_api(closed_port, sleeps)
    with pytest.raises(CollectionAborted, match=f"http://127.0.0.1:{closed_port} unreachable"):
        api.call("sts:GetCallerIdentity")
    assert api.counts["sts:GetCallerIdentity"] == 4
    assert len(sleeps) == 3 and all(0 <= s <= 4.0 for s in sleeps)


@pytest.mark.parametrize(
    "exc",
    [
        ClientException(code="Throttling.User", status_code=400, message="flow control"),
        ClientException(code="Throttling", status_code=400, message="x"),
        ServerException(code="InternalError", status_code=500, message="x"),
        ServerException(code="Whatever", status_code=502, message="x"),
        ClientException(code="ServiceUnavailable", status_code=503, message="x"),
        ThrottlingException(code="Throttling.Api", status_code=429, retry_after=1500),
    ],
)
def test_retryable_errors(exc: Exception) -> None:
    assert is_retryable(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ClientException(code="NoPermission", status_code=403, message="x"),
        ClientException(code="EntityNotExist.User.LoginProfile", status_code=404, message="x"),
        ClientException(code="InvalidParameter", status_code=400, message="x"),
    ],
)
def test_not_retryable_errors(exc: Exception) -> None:
    assert not is_retryable(exc)


@pytest.mark.parametrize(
    "code",
    ["InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch", "InvalidSecurityToken.Expired",
     "Forbidden.AccessKeyDisabled"],
)
def test_auth_failures(code: str) -> None:
    assert is_auth_failure(ClientException(code=code, status_code=400, message="x"))
    assert not ApiError("ram:ListUsers", code, "x").denied


def test_error_kinds() -> None:
    assert ApiError("ims:GetLoginProfile", "EntityNotExist.User.LoginProfile", "").absent
    assert ApiError("ram:ListUsers", "NoPermission", "").denied
    assert ApiError("ram:ListUsers", "Forbidden.RAM", "").denied
    assert not ApiError("ram:ListUsers", "InvalidParameter", "").denied


def _flaky(errors: list[Exception], result: str = "ok"):  # type: ignore[no-untyped-def]
    calls = []

    def attempt() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    return attempt, calls


def test_retry_backs_off_with_full_jitter_then_succeeds(closed_port: int) -> None:
    sleeps: list[float] = []
    api = make_api(closed_port, sleeps)
    attempt, calls = _flaky(
        [ClientException(code="Throttling.User", status_code=400) for _ in range(3)]
    )
    assert api._retrying("ram:ListUsers")(attempt) == "ok"
    assert len(calls) == 4
    # Full jitter: each delay in [0, min(max, initial * 2**n)].
    for n, delay in enumerate(sleeps):
        assert 0 <= delay <= min(4.0, 0.5 * 2 ** (n + 1))


def test_retry_honours_retry_after_milliseconds(closed_port: int) -> None:
    sleeps: list[float] = []
    api = make_api(closed_port, sleeps)
    attempt, _ = _flaky([ThrottlingException(code="Throttling.User", retry_after=1500)])
    api._retrying("ram:ListUsers")(attempt)
    assert sleeps == [1.5]


def test_retry_gives_up_after_max_attempts_and_reraises(closed_port: int) -> None:
    sleeps: list[float] = []
    api = make_api(closed_port, sleeps, attempts=3)
    errors = [ServerException(code="InternalError", status_code=500) for _ in range(5)]
    attempt, calls = _flaky(errors)
    with pytest.raises(ServerException):
        api._retrying("ram:ListUsers")(attempt)
    assert len(calls) == 3 and len(sleeps) == 2


def test_no_retry_on_permission_errors(closed_port: int) -> None:
    sleeps: list[float] = []
    api = make_api(closed_port, sleeps)
    attempt, calls = _flaky([ClientException(code="NoPermission", status_code=403)])
    with pytest.raises(ClientException):
        api._retrying("ram:ListUsers")(attempt)
    assert len(calls) == 1 and sleeps == []


def test_throttles_have_their_own_budget_and_are_paced_not_backed_off(closed_port: int) -> None:
    sleeps: list[float] = []
    api = make_api(closed_port, sleeps, attempts=3)
    throttles = [ClientException(code="Throttling.Api", status_code=400) for _ in range(8)]
    attempt, calls = _flaky(throttles)
    # More throttles than max_attempts: the limiter slows the retries, none is given up.
    assert api._retrying("ram:ListUsers", paced=True)(attempt) == "ok"
    assert len(calls) == 9 and set(sleeps) <= {0.0}
    many = [ClientException(code="Throttling.Api", status_code=400) for _ in range(40)]
    attempt, calls = _flaky(many)
    with pytest.raises(ClientException):
        api._retrying("ram:ListUsers", paced=True)(attempt)
    assert len(calls) == RetrySettings().max_throttled_attempts  # still bounded


def test_gate_slows_an_api_down_when_the_server_throttles_it() -> None:
    from auditor.emulator import Emulator, Faults
    from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, generate_world

    faults = Faults(qps_limit={"GetAccountAlias": 4})
    with Emulator(generate_world(3, seed=1), faults=faults) as emu:
        endpoint = Endpoint(emu.endpoint, "http")
        settings = CollectorSettings(endpoints={"ram": endpoint, "ims": endpoint, "sts": endpoint})
        api = ApiCaller(settings, static_credentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET))
        for _ in range(10):
            api.call("ram:GetAccountAlias")
        api.call("ims:GetPasswordPolicy")
    alias = api.limiter("ram:GetAccountAlias")
    assert api.throttled["ram:GetAccountAlias"] >= 1  # 100/s against 4/s: throttled at first
    assert api.counts["ram:GetAccountAlias"] == 10 + api.throttled["ram:GetAccountAlias"]
    assert alias.rate < 100 and alias.throttles == api.throttled["ram:GetAccountAlias"]
    assert api.limiter("ims:GetPasswordPolicy").rate == 100  # each API has its own pacing
