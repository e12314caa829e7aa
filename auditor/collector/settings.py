"""Collector settings: endpoints, credentials selection, concurrency, rate and retry limits."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

Service = Literal["ram", "ims", "sts", "resourcemanager"]
SERVICES: tuple[Service, ...] = ("ram", "ims", "sts", "resourcemanager")


@dataclass(frozen=True)
class Endpoint:
    """Where one service is reached: ``host[:port]`` plus the protocol."""

    host: str  # host or host:port, exactly as the SDK's ``endpoint`` expects it
    protocol: Literal["https", "http"] = "https"

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.host}"


DEFAULT_ENDPOINTS: dict[Service, Endpoint] = {
    "ram": Endpoint("ram.aliyuncs.com"),
    "ims": Endpoint("ims.aliyuncs.com"),
    "sts": Endpoint("sts.aliyuncs.com"),
    "resourcemanager": Endpoint("resourcemanager.aliyuncs.com"),  # org accounts only
}


def parse_endpoint(service: str, url: str) -> Endpoint:
    """Parse ``https://host[:port]`` / ``http://host[:port]`` for ``service``.

    Raises ``ValueError`` with a message fit for the command line.
    """
    if service not in SERVICES:
        raise ValueError(
            f"unknown service {service!r} in endpoint: use one of ram, ims, sts, resourcemanager"
        )
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http"):
        raise ValueError(
            f"endpoint for {service} must start with https:// or http:// (got {url!r})"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"endpoint for {service} must be scheme://host[:port] only (got {url!r})")
    if parts.username or parts.password:
        raise ValueError(f"endpoint for {service} must not contain user information")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"endpoint for {service} has an invalid port (got {url!r})") from None
    host = parts.hostname
    if not host:
        raise ValueError(f"endpoint for {service} has no host (got {url!r})")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    return Endpoint(host=netloc, protocol=parts.scheme)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RetrySettings:
    """Exponential backoff with full jitter on 5xx and network errors.

    Throttled calls are retried up to ``max_throttled_attempts`` times: the API's limiter
    paces those retries (it slows down on each throttle), so a shared quota delays the run
    rather than failing it.
    """

    max_attempts: int = 6
    max_throttled_attempts: int = 30
    initial_delay_s: float = 0.2
    max_delay_s: float = 20.0


@dataclass(frozen=True)
class CollectorSettings:
    """Everything ``collect_snapshot`` needs besides the sections to collect.

    ``max_workers`` bounds the calls in flight per API (the per-user fallback runs up to four
    APIs side by side); 0 sizes it from the rate, enough for real latencies. The
    ``requests_per_second`` limit per API is the account's quota (Alibaba Cloud: 100/s per
    read API, shared by all callers); the collector never bursts above it and slows down
    when throttled. ``credential_report_poll_s`` is the first poll interval; it doubles.
    """

    endpoints: dict[Service, Endpoint] = field(default_factory=lambda: dict(DEFAULT_ENDPOINTS))
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    role_session_name: str = "ram-audit"
    max_workers: int = 0
    requests_per_second: float = 100.0
    retry: RetrySettings = RetrySettings()
    connect_timeout_ms: int = 5000
    read_timeout_ms: int = 10000
    credential_report_timeout_s: float = 60.0
    credential_report_poll_s: float = 0.1
    sleep: Callable[[float], None] = time.sleep

    def endpoint(self, service: Service) -> Endpoint:
        return self.endpoints.get(service, DEFAULT_ENDPOINTS[service])


#: ``acs:ram::<account-id>:role/<role-name>``, the form STS AssumeRole takes.
ROLE_ARN_PATTERN = re.compile(r"^acs:ram::[0-9]{1,32}:role/[A-Za-z0-9._-]{1,64}$")


def check_role_arn(arn: str) -> str:
    """``arn`` stripped, or ``ValueError`` naming the expected form (checked before any call)."""
    text = arn.strip()
    if not ROLE_ARN_PATTERN.match(text):
        raise ValueError(
            f"{arn!r} is not a RAM role ARN: expected acs:ram::<account-id>:role/<role-name>, "
            "e.g. acs:ram::1234567890123456:role/ram-audit"
        )
    return text
