"""Authenticate a request: find the key's secret, check the signature, key status and token.

Accepts the SDK's default ACS3-HMAC-SHA256 ``Authorization`` header and the legacy RPC v1
``Signature`` query parameter (HMAC-SHA1) that alibabacloud-credentials uses for AssumeRole.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from auditor.emulator.account import Account
from auditor.emulator.context import Caller
from auditor.emulator.errors import ApiError
from auditor.emulator.sessions import Session, SessionStore
from auditor.emulator.signing import (
    ACS3_ALGORITHM,
    acs3_canonical_request,
    acs3_signature,
    parse_authorization,
    rpc_signature,
    rpc_string_to_sign,
)

#: Clock skew the gateway tolerates between x-acs-date/Timestamp and its own clock.
MAX_CLOCK_SKEW = timedelta(minutes=15)
_REQUIRED_SIGNED = ("host", "x-acs-action", "x-acs-version", "x-acs-date",
                    "x-acs-signature-nonce", "x-acs-content-sha256")
#: RPC v1 common parameters; everything else in the query is an API parameter.
RPC_COMMON = frozenset({"Action", "Version", "Format", "Timestamp", "SignatureNonce",
                        "SignatureMethod", "SignatureVersion", "AccessKeyId", "SecurityToken",
                        "Signature", "RegionId"})


@dataclass(frozen=True)
class SignedRequest:
    """The parts of an HTTP request a signature covers; header names lower-case."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes = b""
    form: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Credential:
    secret: str
    caller: Caller
    active: bool
    session: Session | None = None


def _incomplete(detail: str) -> ApiError:
    return ApiError("IncompleteSignature", 400,
                    f"The request signature does not conform to Aliyun standards. {detail}")


def _mismatch(string_to_sign: str) -> ApiError:
    return ApiError("SignatureDoesNotMatch", 400,
                    "Specified signature is not matched with our calculation. "
                    f"server string to sign is:{string_to_sign}")


def _parse_time(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ApiError("InvalidTimeStamp.Format", 400,
                       f"Specified time stamp {text!r} is not in ISO 8601 UTC form.") from None


class Authenticator:
    """Authenticates requests against the account's keys and the issued STS sessions."""

    def __init__(self, account: Account, sessions: SessionStore) -> None:
        self._account = account
        self._sessions = sessions
        self._nonces: set[str] = set()
        self._lock = threading.Lock()

    def authenticate(self, request: SignedRequest, wall_now: datetime) -> Caller:
        if "authorization" in request.headers:
            return self._acs3(request, wall_now)
        if any(k == "Signature" for k, _ in request.query):
            return self._rpc(request, wall_now)
        raise _incomplete("The request carries neither an Authorization header nor a Signature.")

    # -- ACS3-HMAC-SHA256 ------------------------------------------------------------
    def _acs3(self, request: SignedRequest, wall_now: datetime) -> Caller:
        headers = request.headers
        try:
            auth = parse_authorization(headers["authorization"])
        except ValueError as exc:
            raise _incomplete(str(exc)) from None
        if auth.algorithm != ACS3_ALGORITHM:
            raise _incomplete(f"Unsupported signature algorithm {auth.algorithm!r}.")
        unsigned = [h for h in _REQUIRED_SIGNED if h not in auth.signed_headers]
        absent = [h for h in auth.signed_headers if h not in headers]
        if unsigned or absent:
            raise _incomplete(f"Unsigned headers {unsigned}, absent signed headers {absent}.")
        self._check_time(headers["x-acs-date"])
        credential = self._lookup(auth.access_key_id)
        payload_hash = hashlib.sha256(request.body).hexdigest()
        canonical = acs3_canonical_request(
            request.method, request.path, request.query, headers, auth.signed_headers,
            headers["x-acs-content-sha256"],
        )
        expected = acs3_signature(credential.secret, canonical)
        if payload_hash != headers["x-acs-content-sha256"]:
            raise ApiError("SignatureDoesNotMatch", 400,
                           "x-acs-content-sha256 does not match the request body.")
        if not hmac.compare_digest(expected, auth.signature):
            digest = hashlib.sha256(canonical.encode()).hexdigest()
            raise _mismatch(f"{ACS3_ALGORITHM}\n{digest}")
        self._admit(credential, headers.get("x-acs-security-token"), wall_now)
        self._use_nonce(headers["x-acs-signature-nonce"])
        return credential.caller

    # -- RPC v1 HMAC-SHA1 --------------------------------------------------------------
    def _rpc(self, request: SignedRequest, wall_now: datetime) -> Caller:
        params = request.query + request.form
        values = dict(params)
        for name in ("AccessKeyId", "SignatureMethod", "SignatureNonce", "Timestamp"):
            if not values.get(name):
                raise _incomplete(f"The parameter {name} is missing.")
        if values["SignatureMethod"] != "HMAC-SHA1":
            raise _incomplete(f"Unsupported SignatureMethod {values['SignatureMethod']!r}.")
        self._check_time(values["Timestamp"])
        credential = self._lookup(values["AccessKeyId"])
        candidates = [rpc_string_to_sign(request.method, params, plus) for plus in (False, True)]
        if not any(
            hmac.compare_digest(rpc_signature(credential.secret, text), values["Signature"])
            for text in candidates
        ):
            raise _mismatch(candidates[0])
        self._admit(credential, values.get("SecurityToken"), wall_now)
        self._use_nonce(values["SignatureNonce"])
        return credential.caller

    # -- shared steps ------------------------------------------------------------------
    @staticmethod
    def _check_time(text: str) -> None:
        """Against the real clock: the SDK signs with it, whatever advance_clock did."""
        if abs(_parse_time(text) - datetime.now(timezone.utc)) > MAX_CLOCK_SKEW:
            raise ApiError("InvalidTimeStamp.Expired", 400,
                           f"Specified time stamp or date value {text} is expired.")

    def _lookup(self, access_key_id: str) -> _Credential:
        session = self._sessions.get(access_key_id)
        if session is not None:
            caller = Caller("AssumedRoleUser", access_key_id, session=session)
            return _Credential(session.secret, caller, True, session)
        found = self._account.key_owner(access_key_id)
        if found is None:
            raise ApiError("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found.")
        user, key = found
        caller = (Caller("Account", key.id) if user is None
                  else Caller("RAMUser", key.id, user=user))
        return _Credential(key.secret_value(), caller, key.status == "Active")

    @staticmethod
    def _admit(credential: _Credential, token: str | None, wall_now: datetime) -> None:
        if not credential.active:
            raise ApiError("Forbidden.AccessKeyDisabled", 403,
                           "The specified AccessKey is disabled.")
        session = credential.session
        if session is None:
            if token:
                raise ApiError("InvalidSecurityToken.MismatchWithAccessKey", 400,
                               "A SecurityToken was given with a permanent AccessKey.")
            return
        if not token:
            raise ApiError("MissingSecurityToken", 400,
                           "A temporary AccessKey needs its SecurityToken.")
        if not hmac.compare_digest(token, session.token):
            raise ApiError("InvalidSecurityToken.MismatchWithAccessKey", 400,
                           "Specified SecurityToken mismatch with the AccessKey.")
        if wall_now >= session.expiration:
            raise ApiError("InvalidSecurityToken.Expired", 400,
                           "Specified SecurityToken is expired.")

    def _use_nonce(self, nonce: str) -> None:
        with self._lock:
            if nonce in self._nonces:
                raise ApiError("SignatureNonceUsed", 400,
                               "Specified signature nonce was used already.")
            self._nonces.add(nonce)
