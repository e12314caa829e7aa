"""The one gate every API request passes: allow-list, rate limit, retries, call counting."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions
from tenacity import RetryCallState, Retrying, retry_if_exception
from tenacity.wait import wait_random_exponential

from auditor.collector.credentials import ResolvedCredentials
from auditor.collector.errors import (
    ActionNotAllowed,
    ApiError,
    CollectionAborted,
    describe,
    error_code,
    is_auth_failure,
    is_network_error,
    is_non_json,
    is_retryable,
    retry_after_s,
)
from auditor.collector.rate import AdaptiveLimiter
from auditor.collector.settings import CollectorSettings, Service
from auditor.sections import allowed_actions

log = logging.getLogger("ram_audit.collector")

#: Calls the collector may make beyond the section table: assuming the audit role happens
#: in the caller's own account, before anything is read from the audited one.
EXTRA_ALLOWED_ACTIONS = frozenset({"sts:AssumeRole"})

_CLIENT_TYPES: dict[Service, type] = {"ram": RamClient, "ims": ImsClient, "sts": StsClient}


def is_throttling(exc: BaseException) -> bool:
    """A flow-control answer (``Throttling*``, classified by code; see §1.8 of the reference)."""
    return isinstance(exc, ThrottlingException) or (
        isinstance(exc, AlibabaCloudException)
        and (error_code(exc).startswith("Throttling") or error_code(exc) == "Rejected.Throttling")
    )


def sdk_method_name(action_name: str) -> str:
    """``GetAccountMFAInfo`` -> ``get_account_mfainfo`` (the generated SDK's convention)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", action_name).lower()


class Redactor:
    """Replaces known secret values in text; the last line of defence for messages."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, *secrets: str | None) -> None:
        self._secrets = sorted(
            set(self._secrets) | {s for s in secrets if s and len(s) >= 4}, key=len, reverse=True
        )

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


class ApiCaller:
    """Calls read-only RAM/IMS/STS actions; see :meth:`call`."""

    def __init__(
        self,
        settings: CollectorSettings,
        credentials: ResolvedCredentials,
        redact: Redactor | None = None,
    ) -> None:
        self._settings = settings
        self._allowed = allowed_actions() | EXTRA_ALLOWED_ACTIONS
        self._redact = redact or Redactor(credentials.secrets())
        self._clients: dict[str, Any] = {
            service: _CLIENT_TYPES[service](self._config(service, credentials))
            for service in _CLIENT_TYPES
        }
        self._limiters: dict[str, AdaptiveLimiter] = {}
        self._lock = threading.Lock()
        self._aborted: str | None = None
        self.counts: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()

    def _config(self, service: Service, credentials: ResolvedCredentials) -> Config:
        endpoint = self._settings.endpoint(service)
        config = credentials.sdk_config()
        config.endpoint = endpoint.host
        config.protocol = endpoint.protocol
        config.connect_timeout = self._settings.connect_timeout_ms
        config.read_timeout = self._settings.read_timeout_ms
        return config

    def limiter(self, action: str) -> AdaptiveLimiter:
        """The pacing of ``action`` (each API has its own quota)."""
        with self._lock:
            limiter = self._limiters.get(action)
            if limiter is None:
                limiter = AdaptiveLimiter(self._settings.requests_per_second)
                self._limiters[action] = limiter
            return limiter

    def abort(self, reason: str) -> None:
        """Make every later call raise :class:`CollectionAborted` (a sibling section failed)."""
        self._aborted = reason

    @property
    def aborted(self) -> str | None:
        """Why the run was stopped, once :meth:`abort` was called."""
        return self._aborted

    def call(self, action: str, request: Any = None) -> Any:
        """Call ``<service>:<Action>`` and return the response body model.

        Raises :class:`ActionNotAllowed` before any request for actions outside the
        allow-list, :class:`CollectionAborted` for credential/network failures, and
        :class:`ApiError` for any other failure once retries are exhausted.
        """
        if action not in self._allowed:
            raise ActionNotAllowed(f"{action} is not a read-only action the collector may call")
        service, _, name = action.partition(":")
        method = getattr(self._clients[service], f"{sdk_method_name(name)}_with_options")
        args = (request,) if request is not None else ()
        limiter = self.limiter(action)

        def attempt() -> Any:
            if self._aborted is not None:
                raise CollectionAborted(self._aborted)
            slot = limiter.acquire()
            with self._lock:
                self.counts[action] += 1
            runtime = RuntimeOptions(
                connect_timeout=self._settings.connect_timeout_ms,
                read_timeout=self._settings.read_timeout_ms,
            )
            try:
                body = method(*args, runtime).body
            except Exception as exc:
                if is_throttling(exc):
                    limiter.throttled(slot, retry_after_s(exc))
                    with self._lock:
                        self.throttled[action] += 1
                    log.debug("throttled %s: %s; now %.1f req/s", action, error_code(exc),
                              limiter.rate)
                raise
            limiter.succeeded()
            return body

        try:
            return self._retrying(action, paced=True)(attempt)
        except CollectionAborted:
            raise
        except Exception as exc:
            raise self._translate(action, exc) from None

    def _retrying(self, action: str, *, paced: bool = False) -> Retrying:
        """Tenacity's policy for ``action``.

        Throttles get ``max_throttled_attempts``: with ``paced`` (the call goes through
        the API's limiter, which has slowed down) they are retried without a further wait.
        Other retryable errors back off exponentially with full jitter, up to
        ``max_attempts``. A server ``x-acs-retry-after`` is always waited (capped).
        """
        retry = self._settings.retry
        backoff = wait_random_exponential(multiplier=retry.initial_delay_s, max=retry.max_delay_s)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            hinted = retry_after_s(exc) if exc else None
            if paced and hinted is None and exc is not None and is_throttling(exc):
                return 0.0
            delay = min(hinted, retry.max_delay_s) if hinted is not None else backoff(state)
            log.debug("retrying %s after %s (%.2fs)", action, error_code(exc or Exception()), delay)
            return delay

        def stop(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            throttled = exc is not None and is_throttling(exc)
            limit = max(retry.max_attempts, retry.max_throttled_attempts) if throttled else (
                retry.max_attempts
            )
            return state.attempt_number >= limit

        return Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception(is_retryable),
            sleep=self._settings.sleep,
            reraise=True,
        )

    def _translate(self, action: str, exc: Exception) -> Exception:
        detail = self._redact(describe(exc))
        if is_auth_failure(exc):
            return CollectionAborted(
                f"credentials rejected calling {action}: {error_code(exc)}: {detail} "
                "(check the AccessKey pair, --profile or --role-arn in use)"
            )
        if is_network_error(exc):
            service = action.partition(":")[0]
            url = self._settings.endpoint(service).url  # type: ignore[arg-type]
            return CollectionAborted(f"endpoint {url} unreachable calling {action}: {detail}")
        if is_non_json(exc):  # an HTML page, say: whatever answers is not the service's API
            service = action.partition(":")[0]
            url = self._settings.endpoint(service).url  # type: ignore[arg-type]
            return CollectionAborted(
                f"{detail}: the {service} endpoint {url} answered {action} with something "
                "that is not an Alibaba Cloud API response"
            )
        return ApiError(action=action, code=error_code(exc), message=detail)
