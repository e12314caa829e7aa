"""STS temporary credentials the emulator has issued (AssumeRole) and accepts until expiry."""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Session:
    """One role session: its temporary key, secret, token and expiry (wall clock)."""

    access_key_id: str
    secret: str
    token: str
    expiration: datetime
    role_name: str
    role_id: str
    session_name: str

    @property
    def assumed_role_id(self) -> str:
        return f"{self.role_id}:{self.session_name}"


class SessionStore:
    """Issues deterministic credentials (by seed and issue order); thread-safe."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._issued = 0
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _material(self, purpose: str, number: int, length: int) -> str:
        digest = hashlib.sha256(f"sts:{self._seed}:{number}:{purpose}".encode()).digest()
        text = base64.b32encode(digest * 2).decode().rstrip("=")
        return text[:length]

    def issue(
        self, role_name: str, role_id: str, session_name: str, duration: int, now: datetime
    ) -> Session:
        with self._lock:
            self._issued += 1
            number = self._issued
            session = Session(
                access_key_id="STS." + self._material("id", number, 25),
                secret=self._material("secret", number, 44),
                token="CAIS" + self._material("token", number, 120),
                expiration=(now + timedelta(seconds=duration)).replace(microsecond=0),
                role_name=role_name,
                role_id=role_id,
                session_name=session_name,
            )
            self._sessions[session.access_key_id] = session
        return session

    def issued(self) -> list[Session]:
        """Every session issued so far (tests look for their secrets in outputs)."""
        with self._lock:
            return list(self._sessions.values())

    def get(self, access_key_id: str) -> Session | None:
        with self._lock:
            return self._sessions.get(access_key_id)
