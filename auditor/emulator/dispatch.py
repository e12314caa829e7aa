"""One request through the emulator: route, count, authenticate, refuse writes, inject faults,
answer. Independent of HTTP so that the order of these steps is visible in one place."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import auditor.emulator.ims_api as ims_api
import auditor.emulator.ram_api as ram_api
import auditor.emulator.rd_api as rd_api
import auditor.emulator.sts_api as sts_api
from auditor.emulator.account import Account
from auditor.emulator.auth import RPC_COMMON, Authenticator, SignedRequest
from auditor.emulator.context import Call, Handler
from auditor.emulator.credential_report import CredentialReport
from auditor.emulator.errors import ApiError, missing
from auditor.emulator.faults import FaultInjector, Faults
from auditor.emulator.sessions import SessionStore
from auditor.emulator.world import World

#: version -> (service, host name, handlers)
SERVICES: dict[str, tuple[str, str, dict[str, Handler]]] = {
    ram_api.VERSION: ("ram", "ram.aliyuncs.com", ram_api.ACTIONS),
    ims_api.VERSION: ("ims", "ims.aliyuncs.com", ims_api.ACTIONS),
    sts_api.VERSION: ("sts", "sts.aliyuncs.com", sts_api.ACTIONS),
    rd_api.VERSION: ("resourcemanager", "resourcemanager.aliyuncs.com", rd_api.ACTIONS),
}
#: Unknown actions with these prefixes are reads the emulator lacks; others are writes.
READ_PREFIXES = ("Get", "List", "Describe", "Query", "Check", "Decode")


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Backend:
    """The emulator's state and request pipeline; thread-safe."""

    def __init__(self, world: World, faults: Faults, now: datetime, org: Any = None) -> None:
        self.org = org  # the OrgBackend this account belongs to (emulator --org), or None
        self.account = Account(world, now)
        self.sessions = SessionStore(faults.seed)
        self.report = CredentialReport(self.account)
        self.auth = Authenticator(self.account, self.sessions)
        self.faults = FaultInjector(faults, self.account.id)
        self.clock_offset = timedelta()
        self._seed = faults.seed
        self._counts: Counter[str] = Counter()
        self._writes: list[str] = []
        self._requests = 0
        self._lock = threading.Lock()

    # -- observation -------------------------------------------------------------------
    def call_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def write_attempts(self) -> list[str]:
        with self._lock:
            return list(self._writes)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._writes.clear()

    def wall_now(self) -> datetime:
        return datetime.now(timezone.utc) + self.clock_offset

    # -- the pipeline ------------------------------------------------------------------
    def handle(self, request: SignedRequest) -> Response:
        with self._lock:
            self._requests += 1
            number = self._requests
        digest = hashlib.sha256(f"{self._seed}:{number}".encode()).digest()
        request_id = str(uuid.UUID(bytes=digest[:16])).upper()
        params = dict(request.query + request.form)
        version = request.headers.get("x-acs-version") or params.get("Version", "")
        host = SERVICES.get(version, ("", "ram.aliyuncs.com", {}))[1]
        try:
            body = self._answer(request, params, version)
        except ApiError as error:
            body = {"RequestId": request_id, "HostId": host, "Code": error.code,
                    "Message": error.message,
                    "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}",
                    **error.extra}
            headers = {"x-acs-request-id": request_id, **error.headers}
            return Response(error.status, body, headers)
        return Response(200, {"RequestId": request_id, **body}, {"x-acs-request-id": request_id})

    def _answer(
        self, request: SignedRequest, params: dict[str, str], version: str
    ) -> dict[str, Any]:
        signed_v3 = "authorization" in request.headers
        action = request.headers.get("x-acs-action") if signed_v3 else params.get("Action")
        if not action:
            raise missing("Action")
        if not signed_v3:
            params = {k: v for k, v in params.items() if k not in RPC_COMMON}
        service, _, handlers = SERVICES.get(version, ("", "", {}))
        handler = handlers.get(action)
        is_write = handler is None and service != "" and not action.startswith(READ_PREFIXES)
        with self._lock:
            self._counts[action] += 1
            number = self._counts[action]
            if is_write:
                self._writes.append(action)
        self.faults.delay()
        wall_now = self.wall_now()
        caller = self.auth.authenticate(request, wall_now)
        if not service:
            raise ApiError("InvalidVersion", 400, f"Specified parameter Version {version!r} "
                           "is not valid.")
        if is_write:
            raise ApiError("Forbidden.ReadOnlyEmulator", 403,
                           f"{action} changes the account; this emulator is read-only.")
        if handler is None:
            raise ApiError("InvalidAction.NotFound", 404,
                           "Specified api is not found, please check your url and method.")
        self.faults.apply(service, action, number, caller, params)
        call = Call(action, params, caller, self.account, self.sessions, self.report, wall_now,
                    self.org)
        return handler(call)
