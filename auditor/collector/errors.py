"""Exceptions of the collector and classification of SDK errors by their ``code``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException
from darabonba.exceptions import RetryError, UnretryableException

from auditor.errors import UsageError


class CollectionAborted(Exception):
    """The audit cannot run at all (exit code 3). The message is one line, secret-free."""


class CredentialsConfigError(UsageError):
    """The credentials asked for cannot exist (unknown ``--profile``): exit 2, no API call."""


class ActionNotAllowed(Exception):
    """A call outside the read-only allow-list was attempted; no request was sent."""


@dataclass
class ApiError(Exception):
    """An API call failed for good (after retries) with an error that is not fatal."""

    action: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.action}: {self.code}: {self.message}"

    @property
    def absent(self) -> bool:
        return self.code.startswith("EntityNotExist")

    @property
    def denied(self) -> bool:
        return self.code == "NoPermission" or (
            self.code.startswith("Forbidden") and self.code not in AUTH_FAILURE_CODES
        )


#: Codes meaning the credentials themselves are unusable: the whole audit must stop.
AUTH_FAILURE_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "InvalidAccessKeyId.NotFound",
        "InvalidAccessKeyId.Inactive",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "InvalidSecurityToken",
        "InvalidSecurityToken.Expired",
        "InvalidSecurityToken.MismatchWithAccessKey",
        "InvalidSecurityToken.Malformed",
        "InvalidTimeStamp.Expired",
        "Forbidden.AccessKeyDisabled",
        "InvalidCredentials",
    }
)

_RETRYABLE_CODES = frozenset({"ServiceUnavailable", "InternalError", "Rejected.Throttling"})


def error_code(exc: BaseException) -> str:
    return str(getattr(exc, "code", "") or type(exc).__name__)


def is_network_error(exc: BaseException) -> bool:
    return isinstance(exc, UnretryableException) and isinstance(
        getattr(exc, "inner_exception", None), RetryError
    )


#: How darabonba words a response body that is not JSON (an HTML error page, say).
_NON_JSON = "Failed to parse the value as json format"
#: Statuses of a proxy or gateway in trouble: worth retrying even without a JSON body.
_TRANSIENT_GATEWAY = frozenset({502, 503, 504})


def is_non_json(exc: BaseException) -> bool:
    """The endpoint answered, but not with JSON: it is not (or not only) an Alibaba API."""
    inner = getattr(exc, "inner_exception", None)
    return isinstance(inner, RuntimeError) and str(inner).startswith(_NON_JSON)


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of the response behind a non-JSON failure, if it can be found.

    The SDK's exception drops the response; the status survives only in the frame that
    read it (``_response`` in ``do_request``/``do_rpcrequest``), reached from the inner
    exception's traceback.
    """
    tb = getattr(getattr(exc, "inner_exception", None), "__traceback__", None)
    while tb is not None:
        for name in ("_response", "_last_response"):
            status = getattr(tb.tb_frame.f_locals.get(name), "status_code", None)
            if isinstance(status, int):
                return status
        tb = tb.tb_next
    return None


def non_json_summary(exc: BaseException) -> str:
    """``endpoint returned non-JSON (HTTP 501)``: never the body, which may be a whole page."""
    status = http_status(exc)
    return f"endpoint returned non-JSON (HTTP {status if status is not None else 'status unknown'})"


def is_auth_failure(exc: BaseException) -> bool:
    if isinstance(exc, AlibabaCloudException):
        code = error_code(exc)
        return code in AUTH_FAILURE_CODES or code.startswith("InvalidSecurityToken")
    # Credential resolution failures surface wrapped in UnretryableException.
    inner = getattr(exc, "inner_exception", None)
    return type(inner).__name__ == "CredentialException"


def is_retryable(exc: BaseException) -> bool:
    """Throttling, transient server errors, any 5xx, timeouts and connection errors."""
    if isinstance(exc, ThrottlingException):
        return True
    if isinstance(exc, AlibabaCloudException):
        code = error_code(exc)
        status = getattr(exc, "status_code", None) or 0
        return code.startswith("Throttling") or code in _RETRYABLE_CODES or int(status) >= 500
    if is_non_json(exc):
        return http_status(exc) in _TRANSIENT_GATEWAY
    return is_network_error(exc)


def retry_after_s(exc: BaseException) -> float | None:
    """The server's ``x-acs-retry-after`` hint in seconds, when it gave one."""
    value = getattr(exc, "retry_after", None) if isinstance(exc, ThrottlingException) else None
    try:
        return max(0.0, float(value) / 1000.0) if value is not None else None
    except (TypeError, ValueError):
        return None


def describe(exc: BaseException) -> str:
    """A one-line description without request details that could carry credentials."""
    if isinstance(exc, AlibabaCloudException):
        # The SDK wraps the server's Message as "code: <status>, <Message> request id: <id>".
        text = " ".join(str(getattr(exc, "message", "") or "").split())
        text = re.sub(r"^code: \d+, ", "", text)
        text = text.split(" server string to sign is:")[0]
        return text[:300]
    if is_non_json(exc):
        return non_json_summary(exc)
    inner = getattr(exc, "inner_exception", None)
    if inner is not None:
        return f"{type(inner).__name__}: {' '.join(str(getattr(inner, 'message', inner)).split())}"[
            :300
        ]
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
