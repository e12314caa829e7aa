"""The IMS credential report: generation state machine and the Base64 CSV it serves.

``GenerateCredentialReport`` answers STARTED, then INPROGRESS, then COMPLETED. With
``polls_until_ready: N`` the first N calls of Generate/Get after the first Generate answer
"not ready" (the first Generate itself counts as one). Errors chosen (the real codes are
undocumented):

- Get before any Generate: ``EntityNotExist.CredentialReport`` (404);
- Get while not ready: ``CredentialReport.NotReady`` (409);
- Generate when the world says unavailable or the account has more than 3,500 users:
  ``NotSupport.CredentialReport.TooManyUsers`` (400).

Each page's ``Content`` is a complete CSV (header row plus up to ``MaxItems`` data rows).
"""

from __future__ import annotations

import base64
import csv
import io
import threading
from datetime import timedelta

from auditor.emulator.account import Account, iso
from auditor.emulator.errors import ApiError, invalid, not_found
from auditor.emulator.world import AccessKeySpec, resolve_time

MAX_USERS = 3500
_KEY_SLOTS = ("access_key_1", "access_key_2", "additional_access_key_1",
              "additional_access_key_2", "additional_access_key_3")
COLUMNS = (
    "user", "user_creation_time", "user_last_logon", "password_exist", "password_active",
    "password_last_changed", "password_next_rotation", "mfa_active",
    *(f"{slot}_{field}" for slot in _KEY_SLOTS
      for field in ("exist", "active", "last_rotated", "last_used")),
)


def _flag(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _key_cells(account: Account, keys: list[AccessKeySpec]) -> list[str]:
    ordered = sorted(keys, key=lambda k: resolve_time(k.created, account.now))
    cells: list[str] = []
    for slot in range(len(_KEY_SLOTS)):
        if slot < len(ordered):
            key = ordered[slot]
            last_used = account.opt_time(key.last_used) or "-"
            cells += ["TRUE", _flag(key.status == "Active"), account.time(key.created), last_used]
        else:
            cells += ["FALSE", "N/A", "N/A", "N/A"]
    return cells


def report_rows(account: Account) -> list[list[str]]:
    """The data rows: ``<root>`` first, then every RAM user by UPN."""
    root = account.world.root
    rows = [[
        "<root>", account.time(root.created), account.opt_time(root.last_console_login) or "-",
        "TRUE", "TRUE", "N/A", "N/A", _flag(root.mfa_bound),
        *_key_cells(account, root.access_keys),
    ]]
    max_age = account.world.password_policy.max_password_age
    for user in account.users.values():
        profile = user.login_profile
        if profile is None:
            password = ["FALSE", "N/A", "N/A", "N/A"]
        else:
            changed = resolve_time(profile.created or user.created, account.now)
            rotation = iso(changed + timedelta(days=max_age)) if max_age else "N/A"
            password = ["TRUE", _flag(profile.status == "Active"), iso(changed), rotation]
        rows.append([
            account.upn(user), account.time(user.created),
            account.opt_time(user.last_login) or "-", *password,
            _flag(user.mfa_device is not None), *_key_cells(account, user.access_keys),
        ])
    return rows


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


class CredentialReport:
    """Per-emulator report state; thread-safe."""

    def __init__(self, account: Account) -> None:
        self._account = account
        spec = account.world.credential_report
        self._available = spec.available and len(account.users) <= MAX_USERS
        self._polls = spec.polls_until_ready
        self._not_ready_left: int | None = None  # None: never generated
        self._lock = threading.Lock()

    def _consume_poll(self) -> bool:
        """Count one poll; True when the report is ready."""
        assert self._not_ready_left is not None
        if self._not_ready_left > 0:
            self._not_ready_left -= 1
            return False
        return True

    def generate(self) -> str:
        if not self._available:
            raise ApiError("NotSupport.CredentialReport.TooManyUsers", 400,
                           f"The credential report is not available for this account "
                           f"(more than {MAX_USERS} RAM users).")
        with self._lock:
            if self._not_ready_left is None:
                self._not_ready_left = self._polls
                return "COMPLETED" if self._consume_poll() else "STARTED"
            return "COMPLETED" if self._consume_poll() else "INPROGRESS"

    def page(self, max_items: str | None, next_token: str | None) -> dict[str, object]:
        """One page: ``Content``, ``GeneratedTime``, ``IsTruncated`` and ``NextToken``."""
        with self._lock:
            if self._not_ready_left is None:
                raise not_found("CredentialReport")
            if not self._consume_poll():
                raise ApiError("CredentialReport.NotReady", 409,
                               "The credential report is being generated. Try again later.")
        limit = _max_items(max_items)
        start = _token_offset(next_token)
        rows = report_rows(self._account)
        page = rows[start : start + limit]
        end = start + len(page)
        body: dict[str, object] = {
            "Content": base64.b64encode(_csv(page).encode()).decode(),
            "GeneratedTime": iso(self._account.now),
            "IsTruncated": end < len(rows),
        }
        if end < len(rows):
            body["NextToken"] = base64.urlsafe_b64encode(f"row:{end}".encode()).decode()
        return body


def _max_items(raw: str | None) -> int:
    if not raw:
        return MAX_USERS + 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_USERS + 1:
        raise invalid("MaxItems", f"{raw!r} is not between 1 and {MAX_USERS + 1}")
    return int(raw)


def _token_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != "row":
            raise ValueError(token)
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("InvalidParameter.NextToken", 400, "The NextToken is invalid.") from None
