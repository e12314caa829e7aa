"""``emulator --org``: one HTTP endpoint serving every account of a Resource Directory.

Each account (management and members) has its own :class:`Backend`: its own world, keys,
STS sessions, call counts and fault injector, so per-API rate limits are per account as on
Alibaba Cloud. A request is routed by the AccessKey that signed it to the account owning
the key (a permanent key of its world, or an STS session issued into it), so RAM/IMS answer
as the member whose credentials are used. AssumeRole into another account of the
organisation is judged against that account's role trust policy (see ``sts_api``).
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timezone
from pathlib import Path

from auditor.emulator.account import Account
from auditor.emulator.auth import SignedRequest
from auditor.emulator.dispatch import Backend, Response
from auditor.emulator.errors import ApiError
from auditor.emulator.faults import Faults
from auditor.emulator.org import MemberSpec, OrgSpec, load_org
from auditor.emulator.server import LocalServer
from auditor.emulator.sessions import SessionStore
from auditor.emulator.signing import parse_authorization


def _throttled() -> ApiError:
    return ApiError("Throttling.User", 400, "Request was denied due to user flow control.")


def _key_id(request: SignedRequest) -> str:
    """The AccessKey id a request is signed with ("" when it carries none)."""
    header = request.headers.get("authorization")
    if header:
        try:
            return parse_authorization(header).access_key_id
        except ValueError:
            return ""
    return dict(request.query + request.form).get("AccessKeyId", "")


class OrgBackend:
    """Routes each request to the backend of the account owning its AccessKey; thread-safe."""

    def __init__(self, spec: OrgSpec, faults: Faults, now: datetime) -> None:
        self.spec = spec
        self.backends: dict[str, Backend] = {}
        self._specs: dict[str, MemberSpec] = {}
        self._keys: dict[str, str] = {}
        for member in spec.accounts:
            seed = int(hashlib.sha256(f"{faults.seed}:{member.id}".encode()).hexdigest()[:8], 16)
            backend = Backend(member.world, faults.model_copy(update={"seed": seed}), now, self)
            self.backends[member.id] = backend
            self._specs[member.id] = member
            world = member.world
            for key in [*world.root.access_keys, *(k for u in world.users for k in u.access_keys)]:
                self._keys[key.id] = member.id
        self._lock = threading.Lock()

    @property
    def management(self) -> Backend:
        return self.backends[self.spec.management.id]

    def owner(self, access_key_id: str) -> str | None:
        """The account an AccessKey (permanent or STS) belongs to."""
        with self._lock:
            known = self._keys.get(access_key_id)
        if known is not None or not access_key_id.startswith("STS."):
            return known
        for account_id, backend in self.backends.items():
            if backend.sessions.get(access_key_id) is not None:
                with self._lock:
                    self._keys[access_key_id] = account_id
                return account_id
        return None

    def member(self, account_id: str) -> tuple[Account, SessionStore] | None:
        """The account and session store AssumeRole issues into (None: not in the org)."""
        backend = self.backends.get(account_id)
        if backend is None:
            return None
        if self._specs[account_id].throttle_always:
            raise _throttled()
        return backend.account, backend.sessions

    def handle(self, request: SignedRequest) -> Response:
        account_id = self.owner(_key_id(request))
        backend = self.backends[account_id] if account_id else self.management
        if account_id and self._specs[account_id].throttle_always:
            error = _throttled()
            return Response(error.status, {"RequestId": "00000000-THROTTLED",
                                           "Code": error.code, "Message": error.message})
        return backend.handle(request)

    def call_counts(self, account_id: str | None = None) -> dict[str, int]:
        """Requests per action received as ``account_id`` (default: all accounts summed)."""
        if account_id is not None:
            return self.backends[account_id].call_counts()
        total: dict[str, int] = {}
        for backend in self.backends.values():
            for name, count in backend.call_counts().items():
                total[name] = total.get(name, 0) + count
        return total

    def write_attempts(self) -> list[str]:
        return [w for backend in self.backends.values() for w in backend.write_attempts()]

    def issued_secrets(self) -> list[str]:
        """The secret and token of every STS session issued into any account."""
        return [value for backend in self.backends.values()
                for session in backend.sessions.issued()
                for value in (session.secret, session.token)]


class OrgEmulator(LocalServer):
    """A local ResourceManager/RAM/IMS/STS server for one organisation, on a daemon thread."""

    _thread_name = "ram-audit-org-emulator"

    def __init__(
        self,
        org: OrgSpec | str | Path,
        faults: Faults | None = None,
        port: int = 0,
        *,
        now: datetime | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.spec = org if isinstance(org, OrgSpec) else load_org(org)
        self.backend = OrgBackend(self.spec, faults or Faults(), now or datetime.now(timezone.utc))
        super().__init__(self.backend, host, port)

    def call_counts(self, account_id: str | None = None) -> dict[str, int]:
        return self.backend.call_counts(account_id)


def serve_org(org_path: str, port: int, faults: Faults) -> None:
    """Serve an organisation file on 127.0.0.1:``port`` until interrupted (Ctrl-C)."""
    emulator = OrgEmulator(org_path, faults, port).start()
    url = f"http://{emulator.endpoint}"
    services = ("RAM", "IMS", "STS", "RESOURCEMANAGER")
    example = " ".join(f"RAM_AUDIT_ENDPOINT_{s}={url}" for s in services)
    spec = emulator.spec
    print(f"Emulating Resource Directory {spec.resource_directory.id} (management account "
          f"{spec.management.id}, {len(spec.members)} members) on {url} — export {example}",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
