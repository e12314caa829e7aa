"""Fault injection: latency, random throttling and server errors, per-API QPS limits, denials.

Rules: authentication and write refusal come first, so faults only hit authenticated read
calls; ``latency_ms`` delays every request. Random faults (``throttle_rate``,
``server_error_rate``) never hit STS actions, so the caller-identity probe stays reliable;
``deny`` and ``qps_limit`` apply to whatever actions they name, STS included. Whether the
n-th call of an action is faulted depends only on ``seed``, the action and n, so a run is
reproducible even when calls of different actions interleave differently.
"""

from __future__ import annotations

import base64
import json
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from auditor.emulator.context import Caller
from auditor.emulator.errors import ApiError, no_permission


class Faults(BaseModel):
    """What goes wrong, and how often."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency_ms: int = Field(0, ge=0)
    throttle_rate: float = Field(0.0, ge=0.0, le=1.0)
    retry_after_ms: int | None = Field(None, gt=0, description="x-acs-retry-after on throttles")
    server_error_rate: float = Field(0.0, ge=0.0, le=1.0)
    qps_limit: dict[str, float] = Field(
        default_factory=dict, description='action -> req/s; "*" applies to every other action'
    )
    deny: frozenset[str] = Field(
        frozenset(),
        description=(
            '"Action" denies every call of the action; "Action:Name" only calls about the '
            "user, group, policy or role of that name (as a resource-scoped RAM Deny would)"
        ),
    )
    seed: int = 0


class QuotaWindow:
    """Alibaba Cloud's flow control, ``<n>/1(s)``: at most ``n`` calls in any one-second
    window (a sliding window, the strictest reading of the quota; no burst on top).

    A fractional rate below 1 admits one call per ``1/rate`` seconds; above 1 the count
    per window is the rate rounded down.
    """

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = max(1, math.floor(rate))
        self.window_s = self.capacity / rate
        self._clock = clock
        self._admitted: deque[float] = deque()

    def take(self) -> bool:
        now = self._clock()
        while self._admitted and now - self._admitted[0] >= self.window_s:
            self._admitted.popleft()
        if len(self._admitted) < self.capacity:
            self._admitted.append(now)
            return True
        return False


class FaultInjector:
    """Applies :class:`Faults` to one call; thread-safe."""

    def __init__(self, faults: Faults, account_id: str) -> None:
        self.faults = faults
        self._account_id = account_id
        self._windows: dict[str, QuotaWindow] = {}
        self._lock = threading.Lock()

    def delay(self) -> None:
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)

    def _draw(self, purpose: str, action: str, number: int) -> float:
        return random.Random(f"{self.faults.seed}:{purpose}:{action}:{number}").random()

    def apply(
        self,
        service: str,
        action: str,
        number: int,
        caller: Caller,
        params: Mapping[str, str] | None = None,
    ) -> None:
        """Raise the injected error for the ``number``-th call of ``action``, if any."""
        target = _target(params or {})
        if action in self.faults.deny or (target and f"{action}:{target}" in self.faults.deny):
            raise self._denied(service, action, caller)
        rate = self.faults.qps_limit.get(action, self.faults.qps_limit.get("*"))
        if rate is not None:
            with self._lock:
                window = self._windows.get(action)
                if window is None:
                    window = self._windows[action] = QuotaWindow(rate)
                admitted = window.take()
            if not admitted:
                raise ApiError("Throttling.Api", 400, "Request was denied due to api flow control.")
        if service == "sts":
            return
        if self._draw("throttle", action, number) < self.faults.throttle_rate:
            headers = {}
            if self.faults.retry_after_ms:
                headers["x-acs-retry-after"] = str(self.faults.retry_after_ms)
            raise ApiError("Throttling.User", 400, "Request was denied due to user flow control.",
                           headers=headers)
        if self._draw("server", action, number) < self.faults.server_error_rate:
            if self._draw("server-kind", action, number) < 0.5:
                raise ApiError("ServiceUnavailable", 503,
                               "The request has failed due to a temporary failure of the server.")
            raise ApiError("InternalError", 500,
                           "The request processing has failed due to some unknown error.")

    def _denied(self, service: str, action: str, caller: Caller) -> ApiError:
        principal_type = {"Account": "Account", "RAMUser": "SubUser"}.get(
            caller.identity_type, "AssumedRoleUser")
        if caller.user is not None:
            display = caller.user.name
        elif caller.session is not None:
            display = f"{caller.session.role_name}/{caller.session.session_name}"
        else:
            display = self._account_id
        auth_action = f"{service if service in ('sts', 'resourcemanager') else 'ram'}:{action}"
        diagnostic = base64.b64encode(json.dumps(
            {"AuthAction": auth_action, "Principal": display}).encode()).decode()
        detail: dict[str, Any] = {
            "AuthAction": auth_action,
            "AuthPrincipalType": principal_type,
            "AuthPrincipalDisplayName": display,
            "AuthPrincipalOwnerId": self._account_id,
            "PolicyType": "AccountLevelIdentityBasedPolicy",
            "NoPermissionType": "ImplicitDeny",
            "EncodedDiagnosticMessage": diagnostic,
        }
        return no_permission(extra={"AccessDeniedDetail": detail})


#: Request parameters naming the resource a call is about.
_TARGET_PARAMS = ("UserPrincipalName", "UserName", "GroupName", "PolicyName", "RoleName")


def _target(params: Mapping[str, str]) -> str:
    """The name of the user, group, policy or role a request is about ("" for none)."""
    for name in _TARGET_PARAMS:
        value = params.get(name)
        if value:
            return value.partition("@")[0] if name == "UserPrincipalName" else value
    return ""
