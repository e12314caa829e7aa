"""What a handler sees of one request: its parameters, its caller and the emulator state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditor.emulator.errors import missing
from auditor.emulator.world import UserSpec

if TYPE_CHECKING:
    from auditor.emulator.account import Account
    from auditor.emulator.credential_report import CredentialReport
    from auditor.emulator.sessions import Session, SessionStore


@dataclass(frozen=True)
class Caller:
    """The authenticated principal: the account itself, a RAM user or a role session."""

    identity_type: str  # "Account", "RAMUser" or "AssumedRoleUser"
    access_key_id: str
    user: UserSpec | None = None
    session: Session | None = None


@dataclass(frozen=True)
class Call:
    """One authenticated API call routed to a handler."""

    action: str
    params: dict[str, str]
    caller: Caller
    account: Account
    sessions: SessionStore
    report: CredentialReport
    wall_now: datetime
    #: The organisation in ``emulator --org`` mode (``org_server.OrgBackend``), else None.
    org: Any = None

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise missing(name)
        return value


Handler = Callable[[Call], dict[str, Any]]


def registrar(table: dict[str, Handler]) -> Callable[[str], Callable[[Handler], Handler]]:
    """A decorator factory that files handlers under their API action name in ``table``."""

    def action(name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            table[name] = handler
            return handler

        return register

    return action
