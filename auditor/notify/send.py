"""Deliver a notification to each target: sign, POST JSON, check the platform's answer.

Transient failures (connection errors, time-outs, HTTP 429 and 5xx) are retried with
exponential back-off; an answer that says the message was refused (bad signature, unknown
token) is not. A target that still fails becomes a :class:`Failure`; the caller turns it
into a warning and a ``notification_errors`` entry, and never into another exit code.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from auditor import __version__
from auditor.notify.messages import PAYLOADS, Digest
from auditor.notify.signing import dingtalk_sign, lark_sign
from auditor.notify.targets import SECRET_ENV, Target


@dataclass(frozen=True)
class Failure:
    target: str  # platform and host, never the URL
    platform: str
    error: str
    attempts: int


@dataclass(frozen=True)
class SendSettings:
    timeout_s: float = 10.0
    attempts: int = 3
    backoff_s: float = 1.0


class _Transient(Exception):
    """Worth another attempt."""


class _Refused(Exception):
    """The platform answered, and said no."""


def _signed(target: Target, payload: dict[str, Any], secret: str | None, now: float
            ) -> tuple[str, dict[str, Any]]:
    if not secret:
        return target.url, payload
    if target.platform == "dingtalk":
        ts = int(now * 1000)
        parts = urlsplit(target.url)
        query = [*parse_qsl(parts.query, keep_blank_values=True),
                 ("timestamp", str(ts)), ("sign", dingtalk_sign(secret, ts))]
        url = urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))
        return url, payload
    if target.platform == "lark":
        ts = int(now)
        return target.url, {"timestamp": str(ts), "sign": lark_sign(secret, ts), **payload}
    return target.url, payload


def _check_answer(platform: str, status: int, body: bytes) -> None:
    if platform in ("dingtalk", "wecom", "lark"):
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            raise _Refused(f"HTTP {status}, answer is not JSON") from None
        code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
        if code not in (0, "0", None):
            message = str(answer.get("errmsg") or answer.get("msg") or "")[:200]
            raise _Refused(f"{platform} refused the message: code {code}: {message}")


def _post_once(url: str, platform: str, payload: dict[str, Any], timeout: float) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "User-Agent": f"ram-audit/{__version__}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            _check_answer(platform, response.status, response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 429 or exc.code >= 500:
            raise _Transient(f"HTTP {exc.code}") from None
        raise _Refused(f"HTTP {exc.code}") from None
    except TimeoutError:
        raise _Transient(f"timed out after {timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise _Transient(f"timed out after {timeout:g} s") from None
        raise _Transient(f"connection failed: {reason}") from None
    except (ConnectionError, OSError) as exc:
        raise _Transient(f"connection failed: {exc.strerror or type(exc).__name__}") from None


def send(target: Target, digest: Digest, *, settings: SendSettings = SendSettings(),
         environ: Mapping[str, str] | None = None) -> Failure | None:
    """Deliver ``digest`` to one target; ``None`` when it was accepted."""
    env = os.environ if environ is None else environ
    secret = env.get(SECRET_ENV[target.platform]) if target.platform in SECRET_ENV else None
    payload = PAYLOADS[target.platform](digest)
    attempts = 0
    retrying = Retrying(
        retry=retry_if_exception_type(_Transient),
        stop=stop_after_attempt(settings.attempts),
        wait=wait_exponential(multiplier=settings.backoff_s, max=30 * settings.backoff_s),
        reraise=False,
    )
    try:
        for attempt in retrying:
            with attempt:
                attempts += 1
                url, body = _signed(target, payload, secret, time.time())
                _post_once(url, target.platform, body, settings.timeout_s)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        return Failure(str(target), target.platform, f"{last} (after {attempts} attempts)",
                       attempts)
    except _Refused as exc:
        return Failure(str(target), target.platform, str(exc), attempts)
    return None


def send_all(targets: Sequence[Target], digest: Digest, *,
             settings: SendSettings = SendSettings(),
             environ: Mapping[str, str] | None = None) -> list[Failure]:
    failures = [send(t, digest, settings=settings, environ=environ) for t in targets]
    return [f for f in failures if f is not None]
